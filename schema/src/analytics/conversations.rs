//! `conversationMetrics`: per group, counts and sums in one `GROUP BY` statement; the durations behind the
//! exact median and p90 in a second statement (only when a duration is asked for), reduced in Rust.
//!
//! Every conversation **started** (`createdAt`) in the range counts in the group of its start; the other figures
//! describe those same conversations as they stand now (resolved now, reopened so far, messages so far): a cohort
//! view, as Intercom's conversation reports take it. They read the analytics facts that the write services keep
//! on the conversation row (see the analytics migration), never the messages.

use super::buckets::{self, Bucket};
use super::group::{self, Key, MetricsGroupBy, enum_of};
use super::stats::DurationStats;
use crate::auth::Viewer;
use crate::enums::{Channel, ConversationStatus};
use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entities::conversation::{Column as C, Entity};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect, QueryTrait};
use std::collections::BTreeMap;

/// A time range: `from` inclusive, `to` exclusive.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct MetricsRange {
    /// The first instant counted (inclusive).
    pub from: DateTime<Utc>,
    /// The end of the range (exclusive).
    pub to: DateTime<Utc>,
}

/// One calendar bucket of a metrics group.
#[derive(SimpleObject, Clone, Debug)]
pub struct MetricsPeriod {
    /// The bucket's first local date in the query's time zone (`YYYY-MM-DD`; a week's Monday, a month's first).
    pub date: String,
    /// Where the bucket starts (local midnight, as an instant).
    pub start: DateTime<Utc>,
    /// Where it ends (exclusive): the next bucket's start.
    pub end: DateTime<Utc>,
}

/// The conversation metrics of one group. Only the dimensions in `groupBy` are set; groups without
/// conversations are left out.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct ConversationMetricsGroup {
    /// The calendar bucket (grouped by `DAY`, `WEEK` or `MONTH`).
    pub period: Option<MetricsPeriod>,
    /// The channel (grouped by `CHANNEL`).
    pub channel: Option<Channel>,
    /// The bot's id (grouped by `BOT`; null: conversations without a bot).
    pub bot_id: Option<ID>,
    /// The status now (grouped by `STATUS`).
    pub status: Option<ConversationStatus>,
    /// The assigned agent's id now (grouped by `ASSIGNEE`; null: unassigned).
    pub assignee_id: Option<ID>,
    /// The label's id (grouped by `LABEL`; null: conversations without a label).
    pub label_id: Option<ID>,
    /// Conversations started (created) in the range, in this group. Every other figure is about these.
    pub conversations_started: i64,
    /// Of those, how many are resolved now.
    pub conversations_resolved: i64,
    /// Of those, how many were reopened at least once after being resolved (by a contact message or a status
    /// change).
    pub conversations_reopened: i64,
    /// Messages the contacts wrote in those conversations.
    pub messages_in: i64,
    /// Public messages the bots and agents wrote in those conversations (private notes and system messages are
    /// neither in nor out).
    pub messages_out: i64,
    /// First response time: from the contact's first message to the first public reply after it, by a bot or an
    /// agent, whichever came first (a bot's answer counts: Parlor is bot-first). Over conversations that have
    /// both; in seconds.
    pub first_response_time: DurationStats,
    /// Resolution time: from the conversation's creation to its resolution, over those resolved now; in seconds.
    pub resolution_time: DurationStats,
    /// Conversations that had a bot when they started (the denominator of the two rates below).
    pub bot_handled: i64,
    /// Bot containment rate: bot-handled conversations resolved now while their bot still handles them, never
    /// handed to humans and with no public agent reply, ÷ bot-handled conversations. Null without bot-handled
    /// conversations.
    pub bot_containment_rate: Option<f64>,
    /// Handoff rate: bot-handled conversations that humans took over (`handoffToHuman`, or an assignment to an
    /// agent) ÷ bot-handled conversations. Null without bot-handled conversations.
    pub handoff_rate: Option<f64>,
}

/// What to compute.
pub struct Request {
    pub cond: Condition,
    pub range: MetricsRange,
    pub tz: Tz,
    pub group_by: Vec<MetricsGroupBy>,
    /// Whether to compute the duration statistics (a second statement).
    pub durations: bool,
}

/// The conversations the request is about, with its dimensions as `g0…`.
fn base(viewer: &Viewer, req: &Request, buckets: &[Bucket]) -> SelectStatement {
    let mut q = crate::scope::scoped::<Entity>(viewer)
        .filter(req.cond.clone())
        .filter(C::CreatedAt.gte(req.range.from))
        .filter(C::CreatedAt.lt(req.range.to))
        .select_only()
        .into_query();
    if req.group_by.contains(&MetricsGroupBy::Label) {
        let cl = Alias::new("conversation_label");
        q.left_join(cl.clone(), Expr::col((cl, Alias::new("conversation_id"))).equals((Entity, C::Id)));
    }
    let time: Expr = Expr::col((Entity, C::CreatedAt));
    for (i, g) in req.group_by.iter().enumerate() {
        q.expr_as(group::expr(*g, time.clone(), buckets), Alias::new(format!("g{i}")));
    }
    q
}

fn count_if(cond: Condition) -> Expr {
    let case: Expr =
        sea_orm::sea_query::CaseStatement::new().case(cond, Expr::val(1i64)).finally(Expr::val(0i64)).into();
    total(case)
}

fn total(e: Expr) -> Expr {
    Func::cast_as(Func::coalesce([Func::sum(e).into(), Expr::val(0i64)]), Alias::new("BIGINT")).into()
}

fn col(c: C) -> Expr {
    Expr::col((Entity, c))
}

#[tracing::instrument(skip_all)]
pub async fn compute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    req: Request,
) -> ApiResult<Vec<ConversationMetricsGroup>> {
    if req.range.from >= req.range.to {
        return Err(ApiError::bad_input("range", "`from` must be before `to`"));
    }
    let unit = group::check(&req.group_by)?;
    let buckets = match unit {
        Some(u) => buckets::buckets(u, req.tz, req.range.from, req.range.to)?,
        None => vec![],
    };
    use entities::enums::{ConversationStatus as S, HandledBy};
    let bot = || Condition::all().add(C::BotId.is_not_null());
    let mut q = base(viewer, &req, &buckets);
    q.expr_as(Func::cast_as(Func::count(Expr::val(1i64)), Alias::new("BIGINT")), Alias::new("started"))
        .expr_as(count_if(Condition::all().add(C::Status.eq(S::Resolved))), Alias::new("resolved"))
        .expr_as(count_if(Condition::all().add(C::ReopenCount.gt(0))), Alias::new("reopened"))
        .expr_as(total(col(C::MessagesIn)), Alias::new("messages_in"))
        .expr_as(total(col(C::MessagesOut)), Alias::new("messages_out"))
        .expr_as(count_if(bot()), Alias::new("bot_handled"))
        .expr_as(
            count_if(
                bot()
                    .add(C::Status.eq(S::Resolved))
                    .add(C::HandledBy.eq(HandledBy::Bot))
                    .add(C::HandedOffAt.is_null())
                    .add(C::FirstHumanReplyAt.is_null()),
            ),
            Alias::new("contained"),
        )
        .expr_as(count_if(bot().add(C::HandedOffAt.is_not_null())), Alias::new("handed_off"));
    for i in 0..req.group_by.len() {
        q.add_group_by([Expr::col(Alias::new(format!("g{i}")))]);
    }
    let mut groups: BTreeMap<Key, ConversationMetricsGroup> = BTreeMap::new();
    for row in db.query_all(&q).await? {
        let key = Key::read(&row, &req.group_by)?;
        let get = |c: &str| row.try_get::<i64>("", c);
        let (bot_handled, contained, handed_off) = (get("bot_handled")?, get("contained")?, get("handed_off")?);
        let rate = |n: i64| (bot_handled > 0).then(|| n as f64 / bot_handled as f64);
        let g = ConversationMetricsGroup {
            conversations_started: get("started")?,
            conversations_resolved: get("resolved")?,
            conversations_reopened: get("reopened")?,
            messages_in: get("messages_in")?,
            messages_out: get("messages_out")?,
            bot_handled,
            bot_containment_rate: rate(contained),
            handoff_rate: rate(handed_off),
            ..describe(&key, &buckets)
        };
        groups.insert(key, g);
    }
    if req.durations {
        durations(db, viewer, &req, &buckets, &mut groups).await?;
    }
    Ok(groups.into_values().collect())
}

/// First response and resolution times per group, from one row per conversation that has either.
async fn durations(
    db: &DatabaseConnection,
    viewer: &Viewer,
    req: &Request,
    buckets: &[Bucket],
    groups: &mut BTreeMap<Key, ConversationMetricsGroup>,
) -> ApiResult<()> {
    let mut q = base(viewer, req, buckets);
    for c in [C::CreatedAt, C::FirstContactAt, C::FirstResponseAt, C::ResolvedAt] {
        q.expr(col(c));
    }
    q.cond_where(
        Condition::any().add(C::FirstResponseAt.is_not_null()).add(
            Condition::all()
                .add(C::Status.eq(entities::enums::ConversationStatus::Resolved))
                .add(C::ResolvedAt.is_not_null()),
        ),
    );
    let mut seen: BTreeMap<Key, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for row in db.query_all(&q).await? {
        let key = Key::read(&row, &req.group_by)?;
        let t = |c: &str| row.try_get::<Option<DateTime<Utc>>>("", c);
        let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_microseconds().map_or(0.0, |us| us as f64 / 1e6);
        let entry = seen.entry(key).or_default();
        if let (Some(a), Some(b)) = (t("first_contact_at")?, t("first_response_at")?) {
            entry.0.push(secs(a, b));
        }
        if let (Some(a), Some(b)) = (t("created_at")?, t("resolved_at")?) {
            entry.1.push(secs(a, b));
        }
    }
    for (key, (first, resolution)) in seen {
        if let Some(g) = groups.get_mut(&key) {
            g.first_response_time = DurationStats::of(first);
            g.resolution_time = DurationStats::of(resolution);
        }
    }
    Ok(())
}

/// A group with only its dimensions set.
fn describe(key: &Key, buckets: &[Bucket]) -> ConversationMetricsGroup {
    let period = key.bucket.and_then(|i| buckets.get(usize::try_from(i).ok()?)).map(|b| MetricsPeriod {
        date: b.date.format("%Y-%m-%d").to_string(),
        start: b.start,
        end: b.end,
    });
    ConversationMetricsGroup {
        period,
        channel: enum_of::<entities::enums::Channel, Channel>(&key.channel),
        bot_id: key.bot.map(|b| id::encode(Kind::Bot, b)),
        status: enum_of::<entities::enums::ConversationStatus, ConversationStatus>(&key.status),
        assignee_id: key.assignee.map(|a| id::encode(Kind::Agent, a)),
        label_id: key.label.map(|l| id::encode(Kind::Label, l)),
        ..Default::default()
    }
}
