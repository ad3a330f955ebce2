//! Who is asking: the `Viewer` that every resolver reads from the request data.
//!
//! For now a request acts in the workspace named by the `X-Parlor-Workspace` header (resolved by the api crate);
//! authentication replaces how the viewer is made, not how resolvers use it.

use crate::error::{ApiError, ApiResult};
use async_graphql::Context;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Viewer {
    pub workspace_id: Uuid,
}

/// Why there is no viewer, said to the client on the first field that needs one.
#[derive(Debug, Clone)]
pub struct NoViewer(pub String);

pub trait ContextExt {
    fn viewer(&self) -> ApiResult<&Viewer>;
    fn db(&self) -> ApiResult<&DatabaseConnection>;
}

impl ContextExt for Context<'_> {
    fn viewer(&self) -> ApiResult<&Viewer> {
        if let Some(v) = self.data_opt::<Viewer>() {
            return Ok(v);
        }
        let why = self
            .data_opt::<NoViewer>()
            .map(|n| n.0.clone())
            .unwrap_or_else(|| "send an X-Parlor-Workspace header with the workspace's slug or id".to_owned());
        Err(ApiError::Unauthenticated(why))
    }

    fn db(&self) -> ApiResult<&DatabaseConnection> {
        self.data::<DatabaseConnection>().map_err(|_| {
            tracing::error!("no database connection in the schema data");
            ApiError::Internal
        })
    }
}
