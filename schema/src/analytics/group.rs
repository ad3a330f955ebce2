//! What a metrics query groups by, and the SQL expression of each dimension.

use super::buckets::{Bucket, Unit};
use crate::error::{ApiError, ApiResult};
use async_graphql::Enum;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{ActiveEnum, QueryResult};
use uuid::Uuid;

/// A dimension of a metrics query. At most one of `DAY`, `WEEK`, `MONTH` (calendar buckets in the query's
/// `timezone`; weeks start on Monday).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Hash)]
pub enum MetricsGroupBy {
    /// Calendar day in the query's time zone (23 or 25 hours long on daylight-saving days).
    Day,
    /// ISO week (Monday to Sunday) in the query's time zone.
    Week,
    /// Calendar month in the query's time zone.
    Month,
    /// The conversation's channel.
    Channel,
    /// The conversation's bot (null: conversations without a bot).
    Bot,
    /// The conversation's status now.
    Status,
    /// The assigned agent now (null: unassigned).
    Assignee,
    /// Each label of the conversation: a conversation with two labels counts in both groups; null: no label.
    Label,
}

impl MetricsGroupBy {
    pub fn unit(self) -> Option<Unit> {
        match self {
            Self::Day => Some(Unit::Day),
            Self::Week => Some(Unit::Week),
            Self::Month => Some(Unit::Month),
            _ => None,
        }
    }
}

/// Checks `group_by`: no repeats, at most one calendar unit. Returns the unit, if any.
pub fn check(group_by: &[MetricsGroupBy]) -> ApiResult<Option<Unit>> {
    for (i, g) in group_by.iter().enumerate() {
        if group_by[..i].contains(g) {
            return Err(ApiError::bad_input("groupBy", format!("{g:?} is repeated")));
        }
    }
    let units: Vec<Unit> = group_by.iter().filter_map(|g| g.unit()).collect();
    if units.len() > 1 {
        return Err(ApiError::bad_input("groupBy", "at most one of DAY, WEEK, MONTH"));
    }
    Ok(units.first().copied())
}

/// Which bucket `time` falls in, as `CAST(CASE WHEN time < end0 THEN 0 … END AS BIGINT)` (rows are already
/// limited to the range, which the buckets cover).
pub fn bucket_index(time: SimpleExpr, buckets: &[Bucket]) -> SimpleExpr {
    let last = buckets.len().saturating_sub(1) as i64;
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (i, b) in buckets.iter().enumerate().take(buckets.len().saturating_sub(1)) {
        case = case.case(time.clone().lt(b.end), Expr::val(i as i64));
    }
    let case: SimpleExpr = case.finally(Expr::val(last)).into();
    Func::cast_as(case, Alias::new("BIGINT")).into()
}

/// The SQL expression of a dimension, over the `conversation` table (`LABEL`: the joined `conversation_label`).
pub fn expr(g: MetricsGroupBy, time: SimpleExpr, buckets: &[Bucket]) -> SimpleExpr {
    use entities::conversation::{Column as C, Entity};
    let col = |c: C| -> SimpleExpr { Expr::col((Entity, c)) };
    match g {
        MetricsGroupBy::Day | MetricsGroupBy::Week | MetricsGroupBy::Month => bucket_index(time, buckets),
        MetricsGroupBy::Channel => col(C::Channel),
        MetricsGroupBy::Bot => col(C::BotId),
        MetricsGroupBy::Status => col(C::Status),
        MetricsGroupBy::Assignee => col(C::AssigneeAgentId),
        MetricsGroupBy::Label => Expr::col((Alias::new("conversation_label"), Alias::new("label_id"))),
    }
}

/// One group's key, as read back from a row (`g0`, `g1`, … in `group_by` order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub bucket: Option<i64>,
    pub channel: Option<String>,
    pub bot: Option<Uuid>,
    pub status: Option<String>,
    pub assignee: Option<Uuid>,
    pub label: Option<Uuid>,
}

impl Key {
    pub fn read(row: &QueryResult, group_by: &[MetricsGroupBy]) -> Result<Key, sea_orm::DbErr> {
        let mut k = Key::default();
        for (i, g) in group_by.iter().enumerate() {
            let col = format!("g{i}");
            match g {
                MetricsGroupBy::Day | MetricsGroupBy::Week | MetricsGroupBy::Month => {
                    k.bucket = row.try_get::<Option<i64>>("", &col)?;
                }
                MetricsGroupBy::Channel => k.channel = row.try_get("", &col)?,
                MetricsGroupBy::Bot => k.bot = row.try_get("", &col)?,
                MetricsGroupBy::Status => k.status = row.try_get("", &col)?,
                MetricsGroupBy::Assignee => k.assignee = row.try_get("", &col)?,
                MetricsGroupBy::Label => k.label = row.try_get("", &col)?,
            }
        }
        Ok(k)
    }
}

/// A stored enum value back as its GraphQL enum (`None` for a value this build does not know).
pub fn enum_of<E: ActiveEnum<Value = String>, G: From<E>>(v: &Option<String>) -> Option<G> {
    v.as_ref().and_then(|s| E::try_from_value(s).ok()).map(G::from)
}
