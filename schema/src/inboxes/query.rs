//! `inboxes` (admins; see `auth::policy`).

use super::Inbox;
use crate::error::ApiResult;
use crate::lists::top_list;
use crate::pagination::{Conn, KeyKind, KeyValue, PageArgs, Sort};
use async_graphql::{Context, Object};
use entities::inbox;
use sea_orm::Condition;

#[derive(Default)]
pub struct InboxQuery;

#[Object]
impl InboxQuery {
    /// The workspace's inboxes (inbound channels), newest first. Secrets are never shown again.
    async fn inboxes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
    ) -> ApiResult<Conn<Inbox>> {
        use inbox::Column as C;
        let sort: Sort<inbox::Entity> = Sort {
            name: "createdAt",
            col: C::CreatedAt,
            id: C::Id,
            desc: true,
            kind: KeyKind::Time,
            key: |m| (KeyValue::time(m.created_at), m.id),
        };
        top_list(ctx, Condition::all(), sort, PageArgs::new(first, after, last, before), Inbox::from).await
    }
}
