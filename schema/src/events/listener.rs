//! PostgreSQL: every instance hears every instance's `NOTIFY` and fans events out locally, and the outbox, not
//! the notifications, decides what is delivered, so no event is silently missed.
//!
//! Two tasks. The listener only reads notifications (a wake-up; typing signals are delivered at once) and
//! reconnects with back-off. The deliverer keeps the id of the last event it delivered and, on every wake-up and
//! at least once a second, reads the outbox after it (`id > last`, in order, 1,000 at a time): what arrived while
//! the LISTEN connection was down (measured before: a 3 s PostgreSQL restart lost 258 acknowledged messages for
//! a subscriber whose socket stayed open), what a failed `NOTIFY` never announced, and what a failed load left
//! undelivered are all read again until they are delivered. A burst of writes is served by one read per batch
//! of wake-ups (the per-notification loop once fell minutes behind at ~800 sendMessage/s).
//!
//! Ids come from a sequence at insert, but transactions commit in any order: an id below `last` that was not
//! committed yet when `last` moved past it is a *gap*, read again on every pass until it appears (delivered
//! late, out of order) or [`GAP_TTL`] passes (a rolled-back write never fills its gap).

#![expect(
    clippy::disallowed_methods,
    reason = "the listener reads the whole outbox for this instance; each stream filters"
)]

use super::{CHANNEL, EventBus, Typing};
use entities::event;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Most events read and delivered at once.
const BATCH: u64 = 1000;
/// The outbox is read at least this often, notifications or not.
const TICK: Duration = Duration::from_secs(1);
/// How long an uncommitted id below the last delivered one is waited for.
const GAP_TTL: Duration = Duration::from_secs(60);

/// Runs until the process ends.
pub async fn run(url: String, db: DatabaseConnection, bus: EventBus) {
    // A wake-up channel: one pending wake-up is enough, so a full channel is fine.
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(deliver(db, bus.clone(), rx));
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&url, &bus, &tx).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "event listener disconnected; reconnecting (the outbox covers the gap)");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// `Ok` when the deliverer is gone (the process is ending).
async fn listen(url: &str, bus: &EventBus, tx: &mpsc::Sender<()>) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!("listening for events on PostgreSQL channel {CHANNEL}");
    // Whatever was committed while we were not listening.
    let _ = tx.try_send(());
    loop {
        let note = listener.recv().await?;
        let payload = note.payload();
        if payload.starts_with("e:") {
            if tx.is_closed() {
                return Ok(());
            }
            let _ = tx.try_send(());
        } else if let Some(json) = payload.strip_prefix("t:")
            && let Ok(t) = serde_json::from_str::<Typing>(json)
        {
            bus.send_typing(t);
        }
    }
}

/// Where this instance's delivery stands in the outbox.
struct Position {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
    /// Whether the last pass failed (so that an outage is logged once, not once a second).
    failing: bool,
}

async fn deliver(db: DatabaseConnection, bus: EventBus, mut rx: mpsc::Receiver<()>) {
    // Start from the newest event: only what is committed from now on is live (older events are replayed by
    // `events(after:)`).
    let mut pos = Position { last: 0, gaps: BTreeMap::new(), failing: false };
    loop {
        match newest(&db).await {
            Ok(last) => {
                pos.last = last;
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the outbox position failed; retrying");
                tokio::time::sleep(TICK).await;
            }
        }
    }
    loop {
        // A wake-up, or the tick; `None`: the listener is gone (the process is ending).
        if let Ok(None) = tokio::time::timeout(TICK, rx.recv()).await {
            return;
        }
        loop {
            match pass(&db, &bus, &mut pos).await {
                Ok(more) => {
                    if pos.failing {
                        tracing::info!(last = pos.last, "event delivery resumed from the outbox");
                        pos.failing = false;
                    }
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    if !pos.failing {
                        tracing::error!(error = %e, last = pos.last, "event delivery failed; retrying from the outbox");
                        pos.failing = true;
                    }
                    break;
                }
            }
        }
    }
}

async fn newest(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = event::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::max(Expr::col(event::Column::Id))), "m")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// Reads and delivers one batch after `pos.last`, plus any gap that has filled. `Ok(true)`: more may follow.
async fn pass(db: &DatabaseConnection, bus: &EventBus, pos: &mut Position) -> Result<bool, DbErr> {
    let now = Instant::now();
    pos.gaps.retain(|id, since| {
        let keep = now.duration_since(*since) < GAP_TTL;
        if !keep {
            tracing::debug!(id, "event id never committed (a rolled-back write); no longer awaited");
        }
        keep
    });
    let mut events = event::Entity::find()
        .filter(event::Column::Id.gt(pos.last))
        .order_by_asc(event::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let full = events.len() as u64 == BATCH;
    if !pos.gaps.is_empty() {
        let waiting: Vec<i64> = pos.gaps.keys().copied().collect();
        let filled = event::Entity::find().filter(event::Column::Id.is_in(waiting)).all(db).await?;
        // Late ones first: they were committed before what follows them in this batch was read.
        let mut late = filled;
        late.sort_by_key(|e| e.id);
        late.append(&mut events);
        events = late;
    }
    if events.is_empty() {
        return Ok(false);
    }
    // New gaps: ids skipped between the last delivered event and the newest one read.
    let mut expected = pos.last + 1;
    let mut newest = pos.last;
    for e in events.iter().filter(|e| e.id > pos.last) {
        for missing in expected..e.id {
            pos.gaps.entry(missing).or_insert(now);
        }
        expected = e.id + 1;
        newest = newest.max(e.id);
    }
    let delivered: Vec<i64> = events.iter().map(|e| e.id).collect();
    bus.deliver(db, events).await?;
    // Only now, after a successful delivery, does the position move.
    for id in delivered {
        pos.gaps.remove(&id);
    }
    pos.last = newest;
    Ok(full)
}
