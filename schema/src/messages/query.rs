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
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<MessageFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<MessageOrder>,
    ) -> ApiResult<Conn<Message>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Message::from).await
    }

    /// One message by id; null when it does not exist in this workspace.
    async fn message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message (its global id).")] id: ID,
    ) -> Option<Message> {
        let found: ApiResult<Option<Message>> = async {
            let id = id::decode(Kind::Message, &id, "id")?;
            Ok(loaders(ctx)?.message().load_one(id).await?.map(Message))
        }
        .await;
        found.or_null(ctx)
    }
}
