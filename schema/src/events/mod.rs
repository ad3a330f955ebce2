//! The event bus: every write appends an `event` row in its transaction (the outbox, see [`outbox`]); after the
//! commit, [`EventBus::publish`] delivers it to this instance's subscribers, or, on PostgreSQL, announces the ids
//! with `NOTIFY` so that every instance's listener ([`listener`]) loads the rows once and fans them out.
//!
//! Fan-out is one `tokio::sync::broadcast` per instance carrying `Arc<Envelope>`s: an event and the entity it is
//! about are loaded once per instance, not once per subscriber. A subscriber that falls more than
//! [`BUFFER`] events behind is told so and ends; it resumes with `events(after:)`, which replays from the outbox.

pub mod listener;
pub mod outbox;
pub mod resume;
pub mod sharing;
pub mod subscription;
pub mod types;
pub mod updates;

use entities::{conversation, event, message, ticket};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events a slow subscriber may fall behind before it is cut off (default of `parlor serve --event-buffer`).
pub const BUFFER: usize = 4096;

/// The PostgreSQL channel carrying event ids (and ephemeral signals) between instances.
pub const CHANNEL: &str = "parlor_events";

/// One delivered event, with what it is about loaded once for every subscriber of this instance.
#[derive(Debug)]
pub enum Envelope {
    Stored {
        event: event::Model,
        message: Option<Arc<message::Model>>,
        conversation: Option<Arc<conversation::Model>>,
        ticket: Option<Arc<ticket::Model>>,
    },
    /// Ephemeral: not stored, not replayed.
    Typing(Typing),
    /// This instance could not deliver some stored events (their rows could not be loaded): every live stream
    /// ends with an error telling the client to resume with `events(after:)`, rather than silently skip them.
    Interrupted,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Typing {
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    pub sender_kind: entities::enums::SenderKind,
    pub sender_id: Option<Uuid>,
    pub on: bool,
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Envelope>>,
    /// On PostgreSQL, events go out through NOTIFY and come back through the listener, on every instance alike.
    notify: bool,
}

impl EventBus {
    pub fn new(backend: DbBackend) -> Self {
        Self::with_buffer(backend, BUFFER)
    }

    /// A bus whose subscribers may fall `buffer` events behind before they are cut off.
    pub fn with_buffer(backend: DbBackend, buffer: usize) -> Self {
        let (tx, _) = broadcast::channel(buffer.max(1));
        Self { tx, notify: backend == DbBackend::Postgres }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.tx.subscribe()
    }

    /// Delivers committed events. Call only after the commit: a rolled-back write publishes nothing.
    pub async fn publish(&self, db: &DatabaseConnection, events: &[event::Model]) {
        if events.is_empty() {
            return;
        }
        metrics::counter!(crate::metrics::EVENTS_PUBLISHED).increment(events.len() as u64);
        if self.notify {
            // A wake-up for every instance's listener, which reads the outbox itself (see `listener`).
            let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
            notify(db, &format!("e:{}", ids.join(","))).await;
            return;
        }
        // In-process (SQLite): deliver now, retrying a failed load briefly; never deliver without the subjects.
        for pause_ms in [0, 50, 250, 1000] {
            tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
            match self.deliver(db, events.to_vec()).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(error = %e, "loading the subjects of committed events failed; retrying"),
            }
        }
        tracing::error!(events = events.len(), "could not deliver committed events; ending live streams");
        metrics::counter!(crate::metrics::EVENTS_DROPPED, "reason" => "interrupted").increment(events.len() as u64);
        self.interrupt();
    }

    /// Ends every live stream of this instance with a "resume with `events(after:)`" error.
    pub(crate) fn interrupt(&self) {
        let _ = self.tx.send(Arc::new(Envelope::Interrupted));
    }

    /// Publishes a typing signal (never stored).
    pub async fn typing(&self, db: &DatabaseConnection, t: Typing) {
        if self.notify {
            if let Ok(json) = serde_json::to_string(&t) {
                notify(db, &format!("t:{json}")).await;
            }
        } else {
            let _ = self.tx.send(Arc::new(Envelope::Typing(t)));
        }
    }

    /// Loads what the events are about (one query per kind) and sends them to this instance's subscribers. On
    /// a failed load nothing is sent: the caller retries (an event without its subject would be dropped by the
    /// streams that need it).
    pub(crate) async fn deliver(&self, db: &DatabaseConnection, events: Vec<event::Model>) -> Result<(), DbErr> {
        for envelope in envelopes(db, events).await? {
            // No receivers is fine: nobody is listening on this instance.
            let _ = self.tx.send(Arc::new(envelope));
        }
        Ok(())
    }

    pub(crate) fn send_typing(&self, t: Typing) {
        let _ = self.tx.send(Arc::new(Envelope::Typing(t)));
    }
}

/// Envelopes for stored events, with what they are about loaded (one query per kind), as the bus delivers them.
pub(crate) async fn envelopes(db: &DatabaseConnection, events: Vec<event::Model>) -> Result<Vec<Envelope>, DbErr> {
    let subjects = load_subjects(db, &events).await?;
    Ok(events
        .into_iter()
        .map(|event| Envelope::Stored {
            message: event.message_id.and_then(|id| subjects.messages.get(&id).cloned()),
            conversation: event.conversation_id.and_then(|id| subjects.conversations.get(&id).cloned()),
            ticket: event.ticket_id.and_then(|id| subjects.tickets.get(&id).cloned()),
            event,
        })
        .collect())
}

/// What a batch of events is about, loaded once (one query per kind) for every subscriber of this instance.
#[derive(Default)]
struct Subjects {
    messages: HashMap<Uuid, Arc<message::Model>>,
    conversations: HashMap<Uuid, Arc<conversation::Model>>,
    tickets: HashMap<Uuid, Arc<ticket::Model>>,
}

/// Rows of `E` with these ids, by id.
async fn by_ids<E>(
    db: &DatabaseConnection,
    col: E::Column,
    ids: Vec<Uuid>,
    id_of: fn(&E::Model) -> Uuid,
) -> Result<HashMap<Uuid, Arc<E::Model>>, DbErr>
where
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    #[expect(clippy::disallowed_methods, reason = "loaded once per instance for every subscriber; each stream filters")]
    let rows = E::find().filter(col.is_in(ids)).all(db).await?;
    Ok(rows.into_iter().map(|m| (id_of(&m), Arc::new(m))).collect())
}

async fn load_subjects(db: &DatabaseConnection, events: &[event::Model]) -> Result<Subjects, DbErr> {
    let ids = |f: fn(&event::Model) -> Option<Uuid>| {
        let mut v: Vec<Uuid> = events.iter().filter_map(f).collect();
        v.sort();
        v.dedup();
        v
    };
    Ok(Subjects {
        messages: by_ids::<message::Entity>(db, message::Column::Id, ids(|e| e.message_id), |m| m.id).await?,
        conversations: by_ids::<conversation::Entity>(db, conversation::Column::Id, ids(|e| e.conversation_id), |c| {
            c.id
        })
        .await?,
        tickets: by_ids::<ticket::Entity>(db, ticket::Column::Id, ids(|e| e.ticket_id), |t| t.id).await?,
    })
}

async fn notify(db: &DatabaseConnection, payload: &str) {
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    );
    if let Err(e) = db.execute_raw(stmt).await {
        // The events are stored: every instance's listener finds them on its next outbox scan (within a second).
        tracing::warn!(error = %e, "NOTIFY failed; listeners will pick the events up from the outbox");
    }
}

/// Publishes committed events through the schema's bus (a no-op for a schema built without one).
pub async fn publish(ctx: &async_graphql::Context<'_>, events: &[event::Model]) -> crate::error::ApiResult<()> {
    use crate::context::ContextExt;
    if let Ok(bus) = ctx.data::<EventBus>() {
        bus.publish(ctx.db()?, events).await;
    }
    Ok(())
}
