//! From the outbox to deliveries: every event after the stored position becomes one delivery per matching,
//! enabled endpoint of its workspace (created before the event), and the position moves forward in the same
//! transaction, so a restart neither skips nor repeats (a repeat would be harmless: one delivery per endpoint and
//! event, `ON CONFLICT DO NOTHING`).
//!
//! The position row is locked for the pass (a row lock on PostgreSQL, the write lock on SQLite): with several
//! instances, one enqueues at a time. Event ids come from a sequence at insert but commit in any order, so an id
//! missing below the newest one read is a *gap*: it is read again on every pass until it appears or [`GAP_TTL`]
//! passes (a rolled-back write never fills it), and the stored position never moves past an open gap.

use entities::{event, message, webhook_delivery, webhook_endpoint};
use schema::id::{self, Kind};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Most events turned into deliveries in one pass.
const BATCH: u64 = 500;
/// How long an uncommitted id below the newest event read is waited for.
const GAP_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Enqueuer {
    /// The newest event this instance has read (at least the stored position).
    last: i64,
    /// Ids below `last` not yet seen, since when.
    gaps: BTreeMap<i64, Instant>,
}

impl Enqueuer {
    /// One pass; `Ok(true)` when more events may be waiting.
    pub async fn pass(&mut self, db: &DatabaseConnection) -> Result<bool, DbErr> {
        let txn = schema::write::begin(db).await?;
        match self.pass_in(&txn).await {
            Ok(more) => {
                txn.commit().await?;
                Ok(more)
            }
            Err(e) => {
                schema::write::rollback(txn).await;
                Err(e)
            }
        }
    }

    async fn pass_in(&mut self, txn: &DatabaseTransaction) -> Result<bool, DbErr> {
        let backend = txn.get_database_backend();
        // Lock the position (a write that changes nothing) and read it.
        let row = txn
            .query_one_raw(Statement::from_string(
                backend,
                "UPDATE webhook_cursor SET last_event_id = last_event_id WHERE id = 1 RETURNING last_event_id",
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("webhook_cursor".into()))?;
        let stored: i64 = row.try_get("", "last_event_id")?;
        if stored > self.last {
            // Another instance (or an earlier life of this one) got further.
            self.last = stored;
            self.gaps.retain(|id, _| *id > stored);
        }
        let now = Instant::now();
        self.gaps.retain(|id, since| {
            let keep = now.duration_since(*since) < GAP_TTL;
            if !keep {
                tracing::debug!(id, "event id never committed (a rolled-back write); no longer awaited");
            }
            keep
        });
        let mut events = event::Entity::find()
            .filter(event::Column::Id.gt(self.last))
            .order_by_asc(event::Column::Id)
            .limit(BATCH)
            .all(txn)
            .await?;
        let full = events.len() as u64 == BATCH;
        if !self.gaps.is_empty() {
            let waiting: Vec<i64> = self.gaps.keys().copied().collect();
            let mut filled = event::Entity::find().filter(event::Column::Id.is_in(waiting)).all(txn).await?;
            filled.append(&mut events);
            events = filled;
        }
        let mut expected = self.last + 1;
        let mut newest = self.last;
        for e in events.iter().filter(|e| e.id > self.last) {
            for missing in expected..e.id {
                self.gaps.entry(missing).or_insert(now);
            }
            expected = e.id + 1;
            newest = newest.max(e.id);
        }
        for e in &events {
            self.gaps.remove(&e.id);
        }
        enqueue(txn, &events).await?;
        self.last = newest;
        let position = self.gaps.keys().next().map_or(self.last, |first| first - 1);
        if position != stored {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "UPDATE webhook_cursor SET last_event_id = {}, updated_at = {} WHERE id = 1",
                    placeholder(backend, 1),
                    placeholder(backend, 2)
                ),
                [position.into(), entities::now().into()],
            ))
            .await?;
        }
        Ok(full)
    }
}

/// The `n`-th bound value in raw SQL (numbered on both backends, so that one value may be used twice).
pub fn placeholder(backend: sea_orm::DbBackend, n: usize) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// Deliveries for `events`, one per matching endpoint.
async fn enqueue(txn: &DatabaseTransaction, events: &[event::Model]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let mut workspaces: Vec<Uuid> = events.iter().map(|e| e.workspace_id).collect();
    workspaces.sort();
    workspaces.dedup();
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::WorkspaceId.is_in(workspaces))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .all(txn)
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let wanted = |ep: &webhook_endpoint::Model, e: &event::Model| {
        ep.workspace_id == e.workspace_id
            && ep.created_at <= e.created_at
            && ep.events.as_array().is_none_or(|a| a.is_empty() || a.iter().any(|t| t.as_str() == Some(&e.event_type)))
    };
    let matched: Vec<(&event::Model, &webhook_endpoint::Model)> =
        events.iter().flat_map(|e| endpoints.iter().filter(|ep| wanted(ep, e)).map(move |ep| (e, ep))).collect();
    if matched.is_empty() {
        return Ok(());
    }
    let mut message_ids: Vec<Uuid> = matched.iter().filter_map(|(e, _)| e.message_id).collect();
    message_ids.sort();
    message_ids.dedup();
    let messages: HashMap<Uuid, message::Model> = if message_ids.is_empty() {
        HashMap::new()
    } else {
        message::Entity::find()
            .filter(message::Column::Id.is_in(message_ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    let now = entities::now();
    let rows: Vec<webhook_delivery::ActiveModel> = matched
        .into_iter()
        .map(|(e, ep)| {
            let body = body(e, e.message_id.and_then(|id| messages.get(&id)));
            webhook_delivery::Pending {
                id: Uuid::now_v7(),
                workspace_id: e.workspace_id,
                endpoint_id: ep.id,
                event_id: Some(e.id),
                conversation_id: e.conversation_id,
                event_type: e.event_type.clone(),
                body,
                now,
            }
            .into()
        })
        .collect();
    // Bounded statements: SQLite allows 32,766 bound values, and each row binds 17.
    for chunk in rows.chunks(500) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([webhook_delivery::Column::EndpointId, webhook_delivery::Column::EventId])
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The JSON body of an event's deliveries: `type`, `timestamp`, and `data` (global ids of what it is about, what
/// changed, and for message events the message).
fn body(e: &event::Model, m: Option<&message::Model>) -> String {
    let gid = |kind: Kind, v: Option<Uuid>| v.map(|u| id::encode(kind, u).0);
    let mut data = serde_json::json!({
        "eventCursor": schema::events::subscription::encode_cursor(e.id),
        "workspaceId": id::encode(Kind::Workspace, e.workspace_id).0,
        "conversationId": gid(Kind::Conversation, e.conversation_id),
        "messageId": gid(Kind::Message, e.message_id),
        "ticketId": gid(Kind::Ticket, e.ticket_id),
        "contactId": gid(Kind::Contact, e.contact_id),
        "changes": e.payload,
    });
    if let Some(m) = m {
        data["message"] = serde_json::json!({
            "id": id::encode(Kind::Message, m.id).0,
            "seq": m.seq,
            "senderKind": schema::write::enum_name(m.sender_kind),
            "kind": schema::write::enum_name(m.kind),
            "content": m.content,
            "payload": m.payload,
            "private": m.private,
            "status": schema::write::enum_name(m.status),
            "sourceId": m.source_id,
            "createdAt": m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        });
    }
    serde_json::json!({
        "type": e.event_type,
        "timestamp": e.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}
