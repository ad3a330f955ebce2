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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<TicketFilter>,
        order_by: Option<TicketOrder>,
    ) -> ApiResult<Conn<Ticket>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Ticket::from).await
    }

    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> Option<Ticket> {
        let found: ApiResult<Option<Ticket>> = async {
            let id = id::decode(Kind::Ticket, &id, "id")?;
            Ok(loaders(ctx)?.ticket().load_one(id).await?.map(Ticket))
        }
        .await;
        found.or_null(ctx)
    }
}
