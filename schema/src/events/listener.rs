//! PostgreSQL `LISTEN`: every instance hears every instance's `NOTIFY`, loads the announced events once and fans
//! them out locally. Reconnects with back-off; while disconnected, live subscribers miss events (they resume
//! from the outbox with their cursor).

use super::{CHANNEL, EventBus, Typing};
use entities::event;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::time::Duration;

/// Runs until the process ends.
pub async fn run(url: String, db: DatabaseConnection, bus: EventBus) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&url, &db, &bus).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(error = %e, "event listener disconnected; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Connects and listens; resolves once ready (via `ready`) for tests and start-up ordering.
async fn listen(url: &str, db: &DatabaseConnection, bus: &EventBus) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!("listening for events on PostgreSQL channel {CHANNEL}");
    loop {
        let note = listener.recv().await?;
        let payload = note.payload();
        if let Some(ids) = payload.strip_prefix("e:") {
            let ids: Vec<i64> = ids.split(',').filter_map(|s| s.parse().ok()).collect();
            match event::Entity::find()
                .filter(event::Column::Id.is_in(ids))
                .order_by_asc(event::Column::Id)
                .all(db)
                .await
            {
                Ok(events) => bus.deliver(db, events).await,
                Err(e) => tracing::error!(error = %e, "loading announced events failed"),
            }
        } else if let Some(json) = payload.strip_prefix("t:")
            && let Ok(t) = serde_json::from_str::<Typing>(json)
        {
            bus.send_typing(t);
        }
    }
}
