//! `liveQueue` and `liveQueueUpdated`: the conversations waiting for someone now, counted by the database in one
//! `GROUP BY (bot, assignee)` statement over the open and pending conversations.

use crate::auth::{Reach, Viewer};
use crate::error::ApiResult;
use crate::id::{self, Kind};
use async_graphql::{ID, SimpleObject};
use entities::conversation::{Column as C, Entity};
use entities::enums::ConversationStatus as S;
use sea_orm::sea_query::{Alias, CaseStatement, Expr, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect, QueryTrait};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// The last live queue computed for each workspace and reach, with the outbox event it was computed after:
/// `liveQueueUpdated` subscribers woken by the same event share one computation, so N dashboards cost one
/// statement per change, not N. (In the schema's data; one per server.)
#[derive(Default, Clone)]
pub struct Shared(Arc<Mutex<HashMap<(Uuid, Reach), Slot>>>);

type Slot = Arc<tokio::sync::Mutex<Option<(i64, LiveQueue)>>>;

impl Shared {
    /// The live queue as of event `event_id` or later: the one computed for a later event if there is one,
    /// otherwise computed now. Events arrive in any order across subscribers; a queue counted after event 7 has
    /// seen event 5's commit, so it answers for 5 too.
    pub async fn after(&self, db: &DatabaseConnection, viewer: &Viewer, event_id: i64) -> ApiResult<LiveQueue> {
        let slot = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry((viewer.workspace_id, viewer.reach())).or_default().clone()
        };
        let mut slot = slot.lock().await;
        if let Some((seen, queue)) = slot.as_ref()
            && *seen >= event_id
        {
            return Ok(queue.clone());
        }
        let queue = compute(db, viewer).await?;
        *slot = Some((event_id, queue.clone()));
        Ok(queue)
    }
}

/// Queue counts. Snoozed and resolved conversations are not in the queue.
#[derive(SimpleObject, Clone, Debug, Default, PartialEq)]
pub struct QueueCounts {
    /// Conversations `OPEN` now (humans' queue).
    pub open: i64,
    /// Conversations `PENDING` now (the bots' queue).
    pub pending: i64,
    /// Open or pending conversations assigned to no agent.
    pub unassigned: i64,
    /// Open or pending conversations whose contact waits for a reply (`waitingSince` is set).
    pub waiting: i64,
}

/// Queue counts of one bot (`botId` null: conversations without a bot) or one agent.
#[derive(SimpleObject, Clone, Debug)]
pub struct QueueShare {
    /// The bot (its global id); null in `byAgent`, and for conversations without a bot in `byBot`.
    pub bot_id: Option<ID>,
    /// The agent (its global id); null in `byBot`.
    pub agent_id: Option<ID>,
    /// Its conversations' queue counts.
    pub counts: QueueCounts,
}

/// The live queue of the workspace, now.
#[derive(SimpleObject, Clone, Debug)]
pub struct LiveQueue {
    /// The whole workspace.
    pub total: QueueCounts,
    /// Per bot, including `botId: null` for conversations without one.
    pub by_bot: Vec<QueueShare>,
    /// Per assigned agent (unassigned conversations are in `total.unassigned` only).
    pub by_agent: Vec<QueueShare>,
}

fn count_if(cond: Condition) -> Expr {
    let case: Expr = CaseStatement::new().case(cond, Expr::val(1i64)).finally(Expr::val(0i64)).into();
    Func::cast_as(Func::coalesce([Func::sum(case).into(), Expr::val(0i64)]), Alias::new("BIGINT")).into()
}

fn add(a: &mut QueueCounts, b: &QueueCounts) {
    a.open += b.open;
    a.pending += b.pending;
    a.unassigned += b.unassigned;
    a.waiting += b.waiting;
}

#[tracing::instrument(skip_all)]
pub async fn compute(db: &DatabaseConnection, viewer: &Viewer) -> ApiResult<LiveQueue> {
    let mut q = crate::scope::scoped::<Entity>(viewer)
        .filter(C::Status.is_in([S::Open, S::Pending]))
        .select_only()
        .columns([C::BotId, C::AssigneeAgentId])
        .into_query();
    q.expr_as(count_if(Condition::all().add(C::Status.eq(S::Open))), Alias::new("open"))
        .expr_as(count_if(Condition::all().add(C::Status.eq(S::Pending))), Alias::new("pending"))
        .expr_as(count_if(Condition::all().add(C::AssigneeAgentId.is_null())), Alias::new("unassigned"))
        .expr_as(count_if(Condition::all().add(C::WaitingSince.is_not_null())), Alias::new("waiting"))
        .add_group_by([Expr::col((Entity, C::BotId)), Expr::col((Entity, C::AssigneeAgentId))]);
    let mut total = QueueCounts::default();
    let mut bots: BTreeMap<Option<Uuid>, QueueCounts> = BTreeMap::new();
    let mut agents: BTreeMap<Uuid, QueueCounts> = BTreeMap::new();
    for row in db.query_all(&q).await? {
        let bot: Option<Uuid> = row.try_get("", "bot_id")?;
        let agent: Option<Uuid> = row.try_get("", "assignee_agent_id")?;
        let c = QueueCounts {
            open: row.try_get("", "open")?,
            pending: row.try_get("", "pending")?,
            unassigned: row.try_get("", "unassigned")?,
            waiting: row.try_get("", "waiting")?,
        };
        add(&mut total, &c);
        add(bots.entry(bot).or_default(), &c);
        if let Some(a) = agent {
            add(agents.entry(a).or_default(), &c);
        }
    }
    let share = |bot: Option<Uuid>, agent: Option<Uuid>, counts: QueueCounts| QueueShare {
        bot_id: bot.map(|b| id::encode(Kind::Bot, b)),
        agent_id: agent.map(|a| id::encode(Kind::Agent, a)),
        counts,
    };
    Ok(LiveQueue {
        total,
        by_bot: bots.into_iter().map(|(b, c)| share(b, None, c)).collect(),
        by_agent: agents.into_iter().map(|(a, c)| share(None, Some(a), c)).collect(),
    })
}
