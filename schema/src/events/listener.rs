//! PostgreSQL `LISTEN`: every instance hears every instance's `NOTIFY`, loads the announced events once and fans
//! them out locally. Reconnects with back-off; while disconnected, live subscribers miss events (they resume
//! from the outbox with their cursor).
//!
//! Two tasks: the listener only reads notifications and queues their event ids; the deliverer takes everything
//! queued at once and loads it in one round of queries. Under a burst of writes one load serves many
//! notifications, instead of one round of queries per notification letting the listener fall ever further behind
//! (measured: at ~800 sendMessage/s the per-notification loop was minutes behind and fan-out saw nothing).

use super::{CHANNEL, EventBus, Typing};
use entities::event;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::time::Duration;
use tokio::sync::mpsc;

/// Event ids queued between the listener and the deliverer (the listener waits when it is full).
const QUEUE: usize = 65_536;
/// Most event ids loaded and delivered at once.
const MAX_BATCH: usize = 1000;

/// Runs until the process ends.
pub async fn run(url: String, db: DatabaseConnection, bus: EventBus) {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(deliver(db, bus.clone(), rx));
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&url, &bus, &tx).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(error = %e, "event listener disconnected; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn listen(url: &str, bus: &EventBus, tx: &mpsc::Sender<i64>) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!("listening for events on PostgreSQL channel {CHANNEL}");
    loop {
        let note = listener.recv().await?;
        let payload = note.payload();
        if let Some(ids) = payload.strip_prefix("e:") {
            for id in ids.split(',').filter_map(|s| s.parse::<i64>().ok()) {
                if tx.send(id).await.is_err() {
                    return Ok(());
                }
            }
        } else if let Some(json) = payload.strip_prefix("t:")
            && let Ok(t) = serde_json::from_str::<Typing>(json)
        {
            bus.send_typing(t);
        }
    }
}

async fn deliver(db: DatabaseConnection, bus: EventBus, mut rx: mpsc::Receiver<i64>) {
    let mut ids = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut ids, MAX_BATCH).await > 0 {
        let batch = std::mem::take(&mut ids);
        match event::Entity::find()
            .filter(event::Column::Id.is_in(batch))
            .order_by_asc(event::Column::Id)
            .all(&db)
            .await
        {
            Ok(events) => bus.deliver(&db, events).await,
            Err(e) => tracing::error!(error = %e, "loading announced events failed"),
        }
    }
}
