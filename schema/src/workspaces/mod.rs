//! The workspace (tenant) the request acts in.

use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::workspace::Model;

pub struct Workspace(pub Model);

/// The tenant: a company's inbox. Every object belongs to exactly one workspace, and a credential sees only its own.
#[Object]
impl Workspace {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Workspace, self.0.id)
    }
    /// The workspace's display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The short name used in URLs and in tokens' `workspace` claim.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The viewer's workspace row.
pub async fn current(ctx: &Context<'_>) -> ApiResult<Workspace> {
    let viewer = ctx.viewer()?;
    let row = crate::scope::own_workspace(viewer).one(ctx.db()?).await?;
    row.map(Workspace).ok_or_else(|| ApiError::NotFound("workspace".into()))
}

#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// The workspace this request acts in.
    async fn workspace(&self, ctx: &Context<'_>) -> ApiResult<Workspace> {
        current(ctx).await
    }
}
