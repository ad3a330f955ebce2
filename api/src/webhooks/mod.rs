//! The outbound webhook worker: reads the event outbox into deliveries ([`enqueue`]), claims due ones
//! ([`claim`]), POSTs them signed ([`send`]) and records each attempt, retrying on the schedule of [`schedule`].
//! Every instance runs one; the database decides who sends what, and holds all progress.
//!
//! It wakes on this instance's events (the bus), on a mutation that queued a delivery, when the earliest retry is
//! due, and at least every [`TICK`] (deliveries queued on other instances, expired leases).

mod claim;
mod enqueue;
mod schedule;
pub(crate) mod send;

use futures::StreamExt;
use schema::events::EventBus;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

const TICK: Duration = Duration::from_millis(500);
/// The shortest sleep between rounds that found nothing to send (new events and `redeliverWebhook` wake it sooner).
const MIN_REST: Duration = Duration::from_millis(20);

/// The worker's settings (`--webhook-*`).
#[derive(Debug, Clone)]
pub struct Config {
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub timeout: Duration,
    pub concurrency: u32,
    pub disable_after: u32,
    pub allow_private: bool,
}

/// Starts the worker; it runs until the process ends.
pub fn spawn(db: DatabaseConnection, bus: EventBus, wake: Arc<tokio::sync::Notify>, cfg: Config) -> anyhow::Result<()> {
    let sender = Arc::new(send::Sender::new(cfg.timeout, cfg.allow_private)?);
    tokio::spawn(run(db, bus, wake, cfg, sender));
    Ok(())
}

async fn run(
    db: DatabaseConnection,
    bus: EventBus,
    wake: Arc<tokio::sync::Notify>,
    cfg: Config,
    sender: Arc<send::Sender>,
) {
    let mut events = bus.subscribe();
    let mut enqueuer = enqueue::Enqueuer::default();
    let mut failing = false;
    // A claim's lease: longer than any attempt takes.
    let lease = cfg.timeout * 2 + Duration::from_secs(5);
    loop {
        let busy = match round(&db, &bus, &cfg, &sender, &mut enqueuer, lease).await {
            Ok(busy) => {
                if failing {
                    tracing::info!("webhook delivery resumed");
                    failing = false;
                }
                busy
            }
            Err(e) => {
                if !failing {
                    tracing::error!(error = %e, "webhook delivery failed; retrying");
                    failing = true;
                }
                false
            }
        };
        if busy {
            continue;
        }
        let until_due = match claim::next_due(&db).await {
            // Never less than a moment: a due delivery that another instance holds locked is not ours to spin on.
            Ok(Some(at)) => (at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO).clamp(MIN_REST, TICK),
            _ => TICK,
        };
        tokio::select! {
            () = tokio::time::sleep(until_due) => {}
            () = wake.notified() => {}
            got = events.recv() => {
                if let Err(tokio::sync::broadcast::error::RecvError::Closed) = got {
                    return;
                }
            }
        }
    }
}

/// Enqueues what the outbox holds, then sends one batch of due deliveries. `Ok(true)`: there may be more to do.
async fn round(
    db: &DatabaseConnection,
    bus: &EventBus,
    cfg: &Config,
    sender: &Arc<send::Sender>,
    enqueuer: &mut enqueue::Enqueuer,
    lease: Duration,
) -> Result<bool, sea_orm::DbErr> {
    let more_events = enqueuer.pass(db).await?;
    let batch = claim::claim(db, cfg.concurrency, lease).await?;
    let claimed = batch.len();
    let endpoints = endpoints_of(db, &batch).await?;
    let results = futures::stream::iter(batch)
        .map(|d| {
            let endpoint = endpoints.get(&d.endpoint_id).cloned();
            async move {
                let started = entities::now();
                let outcome = match &endpoint {
                    Some(ep) => {
                        let key = schema::webhooks::service::secret_key(&ep.secret);
                        sender.post(&ep.url, &key, &format!("msg_{}", d.id.simple()), &d.body).await
                    }
                    // Deleted since the claim: its deliveries went with it.
                    None => return Ok(()),
                };
                claim::record(db, bus, cfg, d, started, outcome).await.map(|_| ())
            }
        })
        .buffer_unordered(cfg.concurrency as usize)
        .collect::<Vec<_>>()
        .await;
    for r in results {
        r?;
    }
    Ok(more_events || claimed > 0)
}

async fn endpoints_of(
    db: &DatabaseConnection,
    batch: &[entities::webhook_delivery::Model],
) -> Result<std::collections::HashMap<uuid::Uuid, entities::webhook_endpoint::Model>, sea_orm::DbErr> {
    use entities::webhook_endpoint::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if batch.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<uuid::Uuid> = batch.iter().map(|d| d.endpoint_id).collect();
    Ok(Entity::find().filter(Column::Id.is_in(ids)).all(db).await?.into_iter().map(|e| (e.id, e)).collect())
}
