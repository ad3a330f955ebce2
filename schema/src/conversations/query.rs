//! Root fields: `conversations`, `conversation`.

use super::{Conversation, ConversationFilter, ConversationOrder};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::{Conn, PageArgs};
use async_graphql::{Context, ID, Object};

#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// Conversations of the workspace, most recent activity first unless `orderBy` says otherwise.
    #[expect(clippy::too_many_arguments)]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<ConversationFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<ConversationOrder>,
    ) -> ApiResult<Conn<Conversation>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Conversation::from).await
    }

    /// One conversation by id; null when it does not exist in this workspace.
    async fn conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation (its global id).")] id: ID,
    ) -> Option<Conversation> {
        let found: ApiResult<Option<Conversation>> = async {
            let id = id::decode(Kind::Conversation, &id, "id")?;
            Ok(loaders(ctx)?.conversation().load_one(id).await?.map(Conversation))
        }
        .await;
        found.or_null(ctx)
    }
}
