//! Root fields: `conversationMetrics`, `ticketMetrics`, `liveQueue`.

use super::conversations::{self, ConversationMetricsGroup, MetricsRange, Request};
use super::queue::LiveQueue;
use super::tickets::TicketMetricsGroup;
use super::{buckets, group::MetricsGroupBy};
use crate::context::ContextExt;
use crate::conversations::ConversationFilter;
use crate::error::ApiResult;
use crate::lists::condition;
use crate::tickets::TicketFilter;
use async_graphql::{Context, Object};

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Conversation metrics of the workspace, per group: conversations started in `range` (and matching
    /// `filter`), grouped by `groupBy` (none: exactly one group for the whole range, zeros included), with calendar buckets in `timezone`
    /// (an IANA name such as `Europe/Paris`; default `UTC`). Each figure's definition is on
    /// `ConversationMetricsGroup`. Medians and percentiles are exact on both databases.
    async fn conversation_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which conversations to count (as `conversations(filter:)`).")] filter: Option<
            ConversationFilter,
        >,
        #[graphql(desc = "Conversations started in `[from, to)` are counted.")] range: MetricsRange,
        #[graphql(desc = "An IANA time zone for `DAY`, `WEEK` and `MONTH` buckets; default `UTC`.")] timezone: Option<
            String,
        >,
        #[graphql(desc = "Dimensions to group by, at most one calendar bucket; none: one group.")] group_by: Option<
            Vec<MetricsGroupBy>,
        >,
    ) -> ApiResult<Vec<ConversationMetricsGroup>> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let look = ctx.look_ahead();
        let req = Request {
            cond: condition(ctx, filter.as_ref())?,
            range,
            tz: buckets::zone(timezone.as_deref().unwrap_or("UTC"))?,
            group_by: group_by.unwrap_or_default(),
            durations: look.field("firstResponseTime").exists() || look.field("resolutionTime").exists(),
        };
        conversations::compute(db, viewer, req).await
    }

    /// Ticket metrics of the workspace, one group per priority (zeros included): tickets created and resolved in
    /// `range`, the backlog now, time to first response and to resolution (exact medians). `filter` narrows the
    /// tickets counted.
    async fn ticket_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which tickets to count (as `tickets(filter:)`).")] filter: Option<TicketFilter>,
        #[graphql(desc = "Tickets created (or resolved) in `[from, to)` are counted.")] range: MetricsRange,
    ) -> ApiResult<Vec<TicketMetricsGroup>> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        super::tickets::compute(db, viewer, condition(ctx, filter.as_ref())?, range).await
    }

    /// The conversations waiting for someone now: open, pending, unassigned and waiting counts, in total, by bot and
    /// by agent. `liveQueueUpdated` follows it.
    async fn live_queue(&self, ctx: &Context<'_>) -> ApiResult<LiveQueue> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        super::queue::compute(db, viewer).await
    }
}
