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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ConversationFilter>,
        order_by: Option<ConversationOrder>,
    ) -> ApiResult<Conn<Conversation>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Conversation::from).await
    }

    /// One conversation by id; null when it does not exist in this workspace.
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> Option<Conversation> {
        let found: ApiResult<Option<Conversation>> = async {
            let id = id::decode(Kind::Conversation, &id, "id")?;
            Ok(loaders(ctx)?.conversation().load_one(id).await?.map(Conversation))
        }
        .await;
        found.or_null(ctx)
    }
}
