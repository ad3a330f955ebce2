//! Root fields: `messages` (workspace-wide), `message`.

use super::{Message, MessageFilter, MessageOrder};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::{Conn, PageArgs};
use async_graphql::{Context, ID, Object};

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// Messages across the workspace, newest first unless `orderBy` says otherwise. Filter by `conversationId`
    /// for one thread (or use `Conversation.messages`).
    #[expect(clippy::too_many_arguments)]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MessageFilter>,
        order_by: Option<MessageOrder>,
    ) -> ApiResult<Conn<Message>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Message::from).await
    }

    async fn message(&self, ctx: &Context<'_>, id: ID) -> Option<Message> {
        let found: ApiResult<Option<Message>> = async {
            let id = id::decode(Kind::Message, &id, "id")?;
            Ok(loaders(ctx)?.message().load_one(id).await?.map(Message))
        }
        .await;
        found.or_null(ctx)
    }
}
