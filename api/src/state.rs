//! What every handler shares.

use crate::auth::Authenticator;
use schema::ParlorSchema;
use schema::auth::token::TokenSigner;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use uuid::Uuid;

pub struct AppState {
    pub schema: ParlorSchema,
    /// The same schema with a depth limit that fits GraphiQL's introspection query (its `ofType` chain is deeper
    /// than data queries need); used only for operations made of introspection fields alone.
    pub introspection: ParlorSchema,
    pub db: DatabaseConnection,
    pub auth: Arc<Authenticator>,
    pub body_limit: usize,
    /// Longest a request body may take to arrive (`--body-timeout`).
    pub body_timeout: std::time::Duration,
    /// Set to `true` once the server is shutting down: every WebSocket holds a receiver, closes with 1001 when it
    /// flips, and drops the receiver, so `closed()` on this sender says when the last socket is gone.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Origins allowed to open WebSockets (the CORS list); empty: any (browsers without one are same-origin).
    pub origins: crate::http::cors::Origins,
    /// GraphiQL, when served: the headers its editor starts with.
    pub graphiql: Option<GraphiqlHeaders>,
    /// Rate limits (none with `--rate-limit off`).
    pub rates: Option<Arc<crate::rate::Rates>>,
    /// Shared executions of live subscriptions, WebSocket and SSE (`http::shared`; none with
    /// `--share-subscriptions false`).
    pub sharing: Option<Arc<crate::http::Sharing>>,
    /// Event-stream reservations of the graphql-sse single connection mode (`http::sse_single`).
    pub reservations: crate::http::sse_single::Reservations,
    /// Agents' and contacts' live connections (`schema::presence`): sockets and streams hold a guard.
    pub presence: schema::presence::Presence,
    /// Where inbound channel webhooks publish the events they wrote (the schema's own bus).
    pub bus: schema::events::EventBus,
}

/// What GraphiQL's headers editor starts with.
pub enum GraphiqlHeaders {
    /// Development: a fresh admin token for this agent on every page load.
    DevToken { signer: Arc<TokenSigner>, workspace: Uuid, agent: Uuid },
    /// Elsewhere: a placeholder to fill in.
    Placeholder,
}

impl GraphiqlHeaders {
    pub fn json(&self) -> String {
        let token = match self {
            GraphiqlHeaders::DevToken { signer, workspace, agent } => signer
                .mint(*workspace, *agent, schema::auth::Role::Admin, None, crate::app::DEV_TOKEN_TTL)
                .map(|m| m.token)
                .unwrap_or_default(),
            GraphiqlHeaders::Placeholder => "<your token or API key>".to_owned(),
        };
        serde_json::json!({ "Authorization": format!("Bearer {token}") }).to_string()
    }
}
