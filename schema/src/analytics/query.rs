//! Root fields: `conversationMetrics`.

use super::conversations::{self, ConversationMetricsGroup, MetricsRange, Request};
use super::{buckets, group::MetricsGroupBy};
use crate::context::ContextExt;
use crate::conversations::ConversationFilter;
use crate::error::ApiResult;
use crate::lists::condition;
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
        filter: Option<ConversationFilter>,
        range: MetricsRange,
        timezone: Option<String>,
        group_by: Option<Vec<MetricsGroupBy>>,
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
}
