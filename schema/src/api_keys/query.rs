//! `apiKeys`: the workspace's keys, newest first (admins; see `auth::policy`).

use super::ApiKey;
use crate::error::ApiResult;
use crate::lists::top_list;
use crate::pagination::{Conn, KeyKind, KeyValue, PageArgs, Sort};
use async_graphql::{Context, InputObject, Object};
use entities::api_key::{Column as C, Entity};
use sea_orm::{ColumnTrait, Condition};

/// Which keys to list.
#[derive(InputObject, Default)]
pub struct ApiKeyFilter {
    /// Only revoked keys (`true`) or only keys not revoked (`false`).
    pub revoked: Option<bool>,
}

#[derive(Default)]
pub struct ApiKeyQuery;

#[Object]
impl ApiKeyQuery {
    /// The workspace's API keys and bot keys, newest first. Secrets are never shown again.
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<ApiKeyFilter>,
    ) -> ApiResult<Conn<ApiKey>> {
        let cond = match filter.and_then(|f| f.revoked) {
            Some(true) => Condition::all().add(C::RevokedAt.is_not_null()),
            Some(false) => Condition::all().add(C::RevokedAt.is_null()),
            None => Condition::all(),
        };
        let sort: Sort<Entity> = Sort {
            name: "createdAt",
            col: C::CreatedAt,
            id: C::Id,
            desc: true,
            kind: KeyKind::Time,
            key: |m| (KeyValue::time(m.created_at), m.id),
        };
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), ApiKey::from).await
    }
}
