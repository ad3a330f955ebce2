//! `ticketMetrics`: per priority, tickets created and resolved in a range, the backlog now, and exact time to first
//! response and to resolution (one `GROUP BY` statement for the counts, one for the durations).

use super::conversations::MetricsRange;
use super::stats::DurationStats;
use crate::auth::Viewer;
use crate::enums::Priority;
use crate::error::{ApiError, ApiResult};
use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use entities::enums::TicketStatus as S;
use entities::ticket::{Column as C, Entity};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, Func};
use sea_orm::{ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect};
use sea_orm::{Iterable, QueryTrait};
use std::collections::BTreeMap;

/// The ticket metrics of one priority (every priority is listed, zeros included).
#[derive(SimpleObject, Clone, Debug)]
pub struct TicketMetricsGroup {
    /// The priority of the tickets counted.
    pub priority: Priority,
    /// Tickets created in the range.
    pub created: i64,
    /// Tickets resolved in the range (`resolvedAt` in the range; closing keeps the first resolution time).
    pub resolved: i64,
    /// Backlog: tickets neither resolved nor closed now, whenever they were created.
    pub backlog: i64,
    /// Time to first response: creation → the first public comment, or the first move out of `OPEN`; over tickets
    /// created in the range that have one. Seconds.
    pub time_to_first_response: DurationStats,
    /// Time to resolution: creation → resolution, over tickets resolved in the range. Seconds.
    pub time_to_resolution: DurationStats,
}

fn in_range(col: C, r: &MetricsRange) -> Condition {
    Condition::all().add(col.gte(r.from)).add(col.lt(r.to))
}

fn count_if(cond: Condition) -> Expr {
    let case: Expr = CaseStatement::new().case(cond, Expr::val(1i64)).finally(Expr::val(0i64)).into();
    Func::cast_as(Func::coalesce([Func::sum(case).into(), Expr::val(0i64)]), Alias::new("BIGINT")).into()
}

fn open_now() -> Condition {
    Condition::all().add(C::Status.is_not_in([S::Resolved, S::Closed]))
}

#[tracing::instrument(skip_all)]
pub async fn compute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    cond: Condition,
    range: MetricsRange,
) -> ApiResult<Vec<TicketMetricsGroup>> {
    if range.from >= range.to {
        return Err(ApiError::bad_input("range", "`from` must be before `to`"));
    }
    let relevant =
        Condition::any().add(in_range(C::CreatedAt, &range)).add(in_range(C::ResolvedAt, &range)).add(open_now());
    let base = || crate::scope::scoped::<Entity>(viewer).filter(cond.clone()).filter(relevant.clone()).select_only();
    let mut q = base().column(C::Priority).into_query();
    q.expr_as(count_if(in_range(C::CreatedAt, &range)), Alias::new("created"))
        .expr_as(count_if(in_range(C::ResolvedAt, &range)), Alias::new("resolved"))
        .expr_as(count_if(open_now()), Alias::new("backlog"))
        .add_group_by([Expr::col((Entity, C::Priority))]);
    let mut groups: BTreeMap<String, TicketMetricsGroup> = entities::enums::Priority::iter()
        .map(|p| {
            let g = TicketMetricsGroup {
                priority: p.into(),
                created: 0,
                resolved: 0,
                backlog: 0,
                time_to_first_response: DurationStats::default(),
                time_to_resolution: DurationStats::default(),
            };
            (p.to_value(), g)
        })
        .collect();
    for row in db.query_all(&q).await? {
        let p: String = row.try_get("", "priority")?;
        if let Some(g) = groups.get_mut(&p) {
            g.created = row.try_get("", "created")?;
            g.resolved = row.try_get("", "resolved")?;
            g.backlog = row.try_get("", "backlog")?;
        }
    }
    let q = base()
        .columns([C::Priority, C::CreatedAt, C::FirstResponseAt, C::ResolvedAt])
        .filter(Condition::any().add(in_range(C::CreatedAt, &range)).add(in_range(C::ResolvedAt, &range)))
        .into_query();
    let mut seen: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_microseconds().map_or(0.0, |us| us as f64 / 1e6);
    let inside = |t: DateTime<Utc>| t >= range.from && t < range.to;
    for row in db.query_all(&q).await? {
        let p: String = row.try_get("", "priority")?;
        let created: DateTime<Utc> = row.try_get("", "created_at")?;
        let first: Option<DateTime<Utc>> = row.try_get("", "first_response_at")?;
        let resolved: Option<DateTime<Utc>> = row.try_get("", "resolved_at")?;
        let e = seen.entry(p).or_default();
        if let (true, Some(f)) = (inside(created), first) {
            e.0.push(secs(created, f));
        }
        if let Some(r) = resolved.filter(|r| inside(*r)) {
            e.1.push(secs(created, r));
        }
    }
    for (p, (first, resolution)) in seen {
        if let Some(g) = groups.get_mut(&p) {
            g.time_to_first_response = DurationStats::of(first);
            g.time_to_resolution = DurationStats::of(resolution);
        }
    }
    let mut out: Vec<TicketMetricsGroup> = groups.into_values().collect();
    out.sort_by_key(|g| entities::enums::Priority::iter().position(|p| Priority::from(p) == g.priority));
    Ok(out)
}
