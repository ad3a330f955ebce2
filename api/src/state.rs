//! What every handler shares.

use crate::tenancy::WorkspaceCache;
use schema::ParlorSchema;
use sea_orm::DatabaseConnection;

pub struct AppState {
    pub schema: ParlorSchema,
    pub db: DatabaseConnection,
    pub workspaces: WorkspaceCache,
    pub body_limit: usize,
    pub max_aliases: usize,
}

/// Headers GraphiQL starts with, so a newcomer's first query runs against the demo workspace.
pub const GRAPHIQL_HEADERS: &str = r#"{"X-Parlor-Workspace": "acme"}"#;
