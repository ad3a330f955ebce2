//! What every handler shares.

use crate::tenancy::WorkspaceCache;
use schema::ParlorSchema;
use sea_orm::DatabaseConnection;

pub struct AppState {
    pub schema: ParlorSchema,
    /// The same schema with a depth limit that fits GraphiQL's introspection query (its `ofType` chain is deeper
    /// than data queries need); used only for operations made of introspection fields alone.
    pub introspection: ParlorSchema,
    pub db: DatabaseConnection,
    pub workspaces: WorkspaceCache,
    pub body_limit: usize,
    /// Longest a request body may take to arrive (`--body-timeout`).
    pub body_timeout: std::time::Duration,
    /// Set to `true` once the server is shutting down: every WebSocket holds a receiver, closes with 1001 when it
    /// flips, and drops the receiver, so `closed()` on this sender says when the last socket is gone.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

/// Headers GraphiQL starts with, so a newcomer's first query runs against the demo workspace.
pub const GRAPHIQL_HEADERS: &str = r#"{"X-Parlor-Workspace": "acme"}"#;
