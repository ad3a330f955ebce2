//! Root fields: `tickets`, `ticket`.

use super::{Ticket, TicketFilter, TicketOrder};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::{Conn, PageArgs};
use async_graphql::{Context, ID, Object};

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// Tickets of the workspace, newest first unless `orderBy` says otherwise.
    #[expect(clippy::too_many_arguments)]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<TicketFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<TicketOrder>,
    ) -> ApiResult<Conn<Ticket>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Ticket::from).await
    }

    /// One ticket by id; null when it does not exist in this workspace.
    async fn ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket (its global id).")] id: ID,
    ) -> Option<Ticket> {
        let found: ApiResult<Option<Ticket>> = async {
            let id = id::decode(Kind::Ticket, &id, "id")?;
            Ok(loaders(ctx)?.ticket().load_one(id).await?.map(Ticket))
        }
        .await;
        found.or_null(ctx)
    }
}
