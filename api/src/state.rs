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
}

/// Headers GraphiQL starts with, so a newcomer's first query runs against the demo workspace.
pub const GRAPHIQL_HEADERS: &str = r#"{"X-Parlor-Workspace": "acme"}"#;
