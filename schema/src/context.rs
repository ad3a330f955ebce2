//! Reading the request's data in resolvers: the [`Viewer`] (who is asking, see `auth`) and the database.

use crate::error::{ApiError, ApiResult};
use async_graphql::Context;
use sea_orm::DatabaseConnection;

pub use crate::auth::Viewer;

/// Why there is no viewer (no credential, or a refused one), said to the client as `UNAUTHENTICATED`.
#[derive(Debug, Clone)]
pub struct NoViewer(pub String);

/// What a client is told when it sent no credential at all.
pub const NO_CREDENTIAL: &str = "send a credential: `Authorization: Bearer <token or API key>`";

pub trait ContextExt {
    fn viewer(&self) -> ApiResult<&Viewer>;
    fn db(&self) -> ApiResult<&DatabaseConnection>;
}

impl ContextExt for Context<'_> {
    fn viewer(&self) -> ApiResult<&Viewer> {
        if let Some(v) = self.data_opt::<Viewer>() {
            return Ok(v);
        }
        let why = self.data_opt::<NoViewer>().map_or_else(|| NO_CREDENTIAL.to_owned(), |n| n.0.clone());
        Err(ApiError::Unauthenticated(why))
    }

    fn db(&self) -> ApiResult<&DatabaseConnection> {
        self.data::<DatabaseConnection>().map_err(|_| {
            tracing::error!("no database connection in the schema data");
            ApiError::Internal
        })
    }
}
