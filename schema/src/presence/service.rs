//! Presence decisions, as plain functions over the database: opening, renewing, closing and sweeping sessions,
//! and settling an agent's availability from their choice and their live sessions. Every change of an agent's
//! availability goes through [`settle`], which locks the agent row, so two instances deciding about one agent at
//! once queue up and the second sees what the first wrote.

#![expect(
    clippy::disallowed_methods,
    reason = "sessions are system rows: the heartbeat and the sweeper act on every workspace's; agent and contact \
              rows are still reached through `scope` with the session's workspace"
)]

use super::Who;
use super::payload::{Changed, FromTo, Reason};
use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::write;
use chrono::{DateTime, Utc};
use entities::enums::Availability;
use entities::{agent, contact, event, presence_session as session};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// What an agent shows: offline without a live session or when they chose to appear offline, else their choice.
pub fn effective(choice: Availability, live: bool) -> Availability {
    if live { choice } else { Availability::Offline }
}

async fn has_live_session<C: ConnectionTrait>(
    db: &C,
    col: session::Column,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let n = session::Entity::find().filter(col.eq(id)).filter(session::Column::ExpiresAt.gt(now)).count(db).await?;
    Ok(n > 0)
}

/// Records a new live session and settles its owner: an agent becomes online (or busy), a contact's `lastSeenAt`
/// moves to now. Returns the events to publish.
pub async fn open(
    db: &DatabaseConnection,
    instance: Uuid,
    id: Uuid,
    who: Who,
    lease: Duration,
) -> ApiResult<Vec<event::Model>> {
    let now = entities::now();
    let (agent_id, contact_id) = match who {
        Who::Agent { id, .. } => (Some(id), None),
        Who::Contact { id, .. } => (None, Some(id)),
    };
    session::ActiveModel {
        id: Set(id),
        workspace_id: Set(who.workspace()),
        agent_id: Set(agent_id),
        contact_id: Set(contact_id),
        instance_id: Set(instance),
        started_at: Set(now),
        seen_at: Set(now),
        expires_at: Set(after(now, lease)),
        ended_at: Set(None),
    }
    .insert(db)
    .await?;
    match who {
        Who::Agent { workspace, id } => {
            settle(db, &Viewer::system(workspace), id, None, Some(now), Reason::Connected).await.map(|(_, e)| e)
        }
        Who::Contact { workspace, id } => {
            contact_seen(db, workspace, id, now).await?;
            Ok(vec![])
        }
    }
}

/// The connection closed: the session's lease now runs only the grace period, then the sweeper settles.
pub async fn close(db: &DatabaseConnection, id: Uuid, grace: Duration) -> ApiResult<()> {
    let now = entities::now();
    session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(now))
        .col_expr(session::Column::SeenAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(after(now, grace)))
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Renews every open session of this instance in one statement; returns how many it renewed.
pub async fn heartbeat(db: &DatabaseConnection, instance: Uuid, lease: Duration) -> ApiResult<u64> {
    let now = entities::now();
    let done = session::Entity::update_many()
        .col_expr(session::Column::SeenAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(after(now, lease)))
        .filter(session::Column::InstanceId.eq(instance))
        .filter(session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Open sessions of this instance that the database still holds (to find those a sweeper removed while this
/// instance could not renew them).
pub async fn held(db: &DatabaseConnection, instance: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::InstanceId.eq(instance))
        .filter(session::Column::EndedAt.is_null())
        .into_tuple()
        .all(db)
        .await?)
}

/// Removes expired sessions (closed ones past their grace, and those of an instance that stopped renewing them),
/// then settles their agents and contacts. Several instances may sweep at once: each row is removed by one of
/// them, and [`settle`] decides on the state of the database, not on who removed what.
pub async fn sweep(db: &DatabaseConnection) -> ApiResult<Vec<event::Model>> {
    let now = entities::now();
    let gone =
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(now)).exec_with_returning(db).await?;
    let mut agents: HashMap<(Uuid, Uuid), (DateTime<Utc>, bool)> = HashMap::new();
    let mut contacts: HashMap<(Uuid, Uuid), DateTime<Utc>> = HashMap::new();
    for s in &gone {
        if let Some(a) = s.agent_id {
            let e = agents.entry((s.workspace_id, a)).or_insert((s.seen_at, true));
            e.0 = e.0.max(s.seen_at);
            // Expired rather than closed if any of them was never closed (its instance stopped renewing it).
            e.1 &= s.ended_at.is_some();
        }
        if let Some(c) = s.contact_id {
            let e = contacts.entry((s.workspace_id, c)).or_insert(s.seen_at);
            *e = (*e).max(s.seen_at);
        }
    }
    let mut events = vec![];
    for ((workspace, agent), (seen, closed)) in agents {
        let reason = if closed { Reason::Disconnected } else { Reason::Expired };
        match settle(db, &Viewer::system(workspace), agent, None, Some(seen), reason).await {
            Ok((_, e)) => events.extend(e),
            // Deleted since: nothing to settle.
            Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for ((workspace, contact), seen) in contacts {
        if !has_live_session(db, session::Column::ContactId, contact, now).await? {
            contact_seen(db, workspace, contact, seen).await?;
        }
    }
    Ok(events)
}

/// Moves a contact's `lastSeenAt` forward to `seen`.
async fn contact_seen(db: &DatabaseConnection, workspace: Uuid, id: Uuid, seen: DateTime<Utc>) -> ApiResult<()> {
    crate::scope::scoped_update::<contact::Entity>(&Viewer::system(workspace))
        .col_expr(contact::Column::LastSeenAt, Expr::value(seen))
        .filter(contact::Column::Id.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(contact::Column::LastSeenAt.is_null())
                .add(contact::Column::LastSeenAt.lt(seen)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Decides an agent's availability from their choice (`choose` replaces it) and their live sessions, moves
/// `lastSeenAt` forward to `seen`, and appends `agent.presence_changed` when the availability changed, all in
/// one transaction holding the agent row. Returns the agent and the events to publish. `NOT_FOUND` when the agent
/// is not in the viewer's workspace.
pub async fn settle(
    db: &DatabaseConnection,
    viewer: &Viewer,
    agent_id: Uuid,
    choose: Option<Availability>,
    seen: Option<DateTime<Utc>>,
    reason: Reason,
) -> ApiResult<(agent::Model, Vec<event::Model>)> {
    let txn = write::begin(db).await?;
    let result = async {
        let current = write::lock::<agent::Entity, _>(&txn, viewer, agent_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("agent".into()))?;
        let now = entities::now();
        let live = has_live_session(&txn, session::Column::AgentId, agent_id, now).await?;
        let choice = choose.unwrap_or(current.availability_choice);
        let to = effective(choice, live);
        let last_seen = match (current.last_seen_at, seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if to == current.availability && choice == current.availability_choice && last_seen == current.last_seen_at {
            return Ok((current, vec![]));
        }
        let from = current.availability;
        let mut row = current.into_active_model();
        row.availability = Set(to);
        row.availability_choice = Set(choice);
        row.last_seen_at = Set(last_seen);
        let model = row.update(&txn).await?;
        if from == to {
            return Ok((model, vec![]));
        }
        let payload = Changed {
            agent_id: id::encode(Kind::Agent, agent_id).to_string(),
            availability: FromTo { from, to },
            choice,
            last_seen_at: last_seen,
            reason,
        };
        let payload = serde_json::to_value(&payload).map_err(|_| ApiError::Internal)?;
        let events =
            write::append_all(&txn, viewer, Subject::default(), vec![(EventType::AgentPresenceChanged, payload)])
                .await?;
        Ok((model, events))
    }
    .await;
    write::finish(txn, result).await
}
