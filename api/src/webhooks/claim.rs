//! Taking due deliveries and recording what became of them.
//!
//! A claim marks deliveries `sending` with a lease (a worker that dies mid-send gives them back when it passes);
//! on PostgreSQL the candidate rows are locked `FOR UPDATE SKIP LOCKED`, so instances claim disjoint sets. Order per
//! conversation: a delivery waits while an earlier event of its conversation is still owed to the same endpoint
//! (pending, or being sent).

use super::Config;
use super::enqueue::placeholder;
use super::schedule::{Verdict, backoff, judge};
use super::send::Outcome;
use entities::enums::WebhookDeliveryStatus;
use entities::{webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set, Statement,
};
use uuid::Uuid;

/// Up to `limit` due deliveries, now `sending` and leased to this worker until `lease` from now.
pub async fn claim(
    db: &DatabaseConnection,
    limit: u32,
    lease: std::time::Duration,
) -> Result<Vec<webhook_delivery::Model>, DbErr> {
    let backend = db.get_database_backend();
    let p = |n| placeholder(backend, n);
    let lock = if backend == DbBackend::Postgres { "FOR UPDATE OF d SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE webhook_delivery SET status = 'sending', locked_until = {lease} \
         WHERE id IN (\
           SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id \
           WHERE ((d.status = 'pending' AND d.next_attempt_at <= {now}) \
                  OR (d.status = 'sending' AND d.locked_until < {now})) \
             AND (e.enabled OR d.event_id IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery o \
                 WHERE o.endpoint_id = d.endpoint_id AND o.conversation_id = d.conversation_id \
                   AND o.event_id < d.event_id AND o.status IN ('pending', 'sending')) \
           ORDER BY d.next_attempt_at, d.event_id LIMIT {limit} {lock}) \
         RETURNING *",
        lease = p(1),
        now = p(2),
        limit = p(3),
    );
    let now = entities::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
    let stmt = Statement::from_sql_and_values(backend, sql, [until.into(), now.into(), i64::from(limit).into()]);
    webhook_delivery::Entity::find().from_raw_sql(stmt).all(db).await
}

/// The earliest time a pending delivery that [`claim`] could take becomes due (to sleep until then). Deliveries
/// that wait for their endpoint to be enabled again, or behind an earlier event of their conversation, do not
/// count: they may have been due for hours, and counting them would wake the worker without rest.
pub async fn next_due(db: &DatabaseConnection) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbErr> {
    use sea_orm::FromQueryResult;
    #[derive(FromQueryResult)]
    struct Due {
        next_attempt_at: chrono::DateTime<chrono::Utc>,
    }
    let backend = db.get_database_backend();
    let sql = "SELECT d.next_attempt_at FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id \
         WHERE d.status = 'pending' AND (e.enabled OR d.event_id IS NULL) \
           AND NOT EXISTS (SELECT 1 FROM webhook_delivery o \
               WHERE o.endpoint_id = d.endpoint_id AND o.conversation_id = d.conversation_id \
                 AND o.event_id < d.event_id AND o.status IN ('pending', 'sending')) \
         ORDER BY d.next_attempt_at LIMIT 1";
    let next = Due::find_by_statement(Statement::from_string(backend, sql)).one(db).await?;
    Ok(next.map(|d| d.next_attempt_at))
}

/// Records an attempt of `d` and decides what comes next: delivered, another attempt (when), or given up. An
/// endpoint with `disable_after` deliveries in a row given up is disabled.
pub async fn record(
    db: &DatabaseConnection,
    bus: &schema::events::EventBus,
    cfg: &Config,
    d: webhook_delivery::Model,
    started: chrono::DateTime<chrono::Utc>,
    out: Outcome,
) -> Result<WebhookDeliveryStatus, DbErr> {
    let attempt = d.attempts + 1;
    let verdict = match out.status {
        Some(code) => judge(code, out.retry_after.as_deref()),
        // Timeouts, refused connections, refused addresses: the endpoint may come back.
        None => Verdict::Retry(None),
    };
    let now = entities::now();
    let (status, next) = match verdict {
        Verdict::Delivered => (WebhookDeliveryStatus::Delivered, now),
        Verdict::Retry(_) if attempt >= cfg.max_attempts as i32 => (WebhookDeliveryStatus::Failed, now),
        Verdict::Retry(at_least) => {
            let wait = backoff(cfg.retry_base, attempt as u32).max(at_least.unwrap_or_default());
            (
                WebhookDeliveryStatus::Pending,
                now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
            )
        }
        Verdict::Give => (WebhookDeliveryStatus::Failed, now),
    };
    let ms = i32::try_from(out.duration.as_millis()).unwrap_or(i32::MAX);
    let (endpoint_id, workspace_id, id) = (d.endpoint_id, d.workspace_id, d.id);
    let mut row = d.into_active_model();
    row.attempts = Set(attempt);
    row.status = Set(status);
    row.next_attempt_at = Set(next);
    row.locked_until = Set(None);
    row.last_response_code = Set(out.status.map(i32::from));
    row.last_duration_ms = Set(Some(ms));
    row.last_error = Set(out.error.clone());
    row.last_response = Set(out.excerpt.clone());
    if status == WebhookDeliveryStatus::Delivered {
        row.delivered_at = Set(Some(now));
    }
    let txn = schema::write::begin(db).await?;
    let result: Result<Vec<entities::event::Model>, DbErr> = async {
        row.update(&txn).await?;
        webhook_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            delivery_id: Set(id),
            number: Set(attempt),
            started_at: Set(started),
            response_code: Set(out.status.map(i32::from)),
            duration_ms: Set(ms),
            error: Set(out.error),
            response: Set(out.excerpt),
        }
        .insert(&txn)
        .await?;
        endpoint_health(&txn, cfg, workspace_id, endpoint_id, status).await
    }
    .await;
    let events = schema::write::finish(txn, result).await?;
    bus.publish(db, &events).await;
    let outcome = match status {
        WebhookDeliveryStatus::Delivered => "delivered",
        WebhookDeliveryStatus::Failed => "failed",
        WebhookDeliveryStatus::Pending | WebhookDeliveryStatus::Sending => "retry",
    };
    metrics::counter!(schema::metrics::WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
    Ok(status)
}

/// Resets or counts the endpoint's failures; disables it (and appends `webhook_endpoint.disabled`, returned for
/// publishing after the commit) when they reach `disable_after`.
async fn endpoint_health<C: ConnectionTrait>(
    txn: &C,
    cfg: &Config,
    workspace: Uuid,
    endpoint: Uuid,
    status: WebhookDeliveryStatus,
) -> Result<Vec<entities::event::Model>, DbErr> {
    use webhook_endpoint::Column as C;
    match status {
        WebhookDeliveryStatus::Delivered => {
            webhook_endpoint::Entity::update_many()
                .col_expr(C::FailureCount, Expr::value(0))
                .filter(C::Id.eq(endpoint))
                .filter(C::FailureCount.ne(0))
                .exec(txn)
                .await?;
        }
        WebhookDeliveryStatus::Failed => {
            webhook_endpoint::Entity::update_many()
                .col_expr(C::FailureCount, Expr::col(C::FailureCount).add(1))
                .filter(C::Id.eq(endpoint))
                .exec(txn)
                .await?;
            let reason = format!("{} deliveries in a row failed for good", cfg.disable_after);
            let disabled = webhook_endpoint::Entity::update_many()
                .col_expr(C::Enabled, Expr::value(false))
                .col_expr(C::DisabledReason, Expr::value(reason.clone()))
                .col_expr(C::UpdatedAt, Expr::value(entities::now()))
                .filter(C::Id.eq(endpoint))
                .filter(C::Enabled.eq(true))
                .filter(C::FailureCount.gte(cfg.disable_after as i32))
                .exec(txn)
                .await?;
            if disabled.rows_affected > 0 {
                tracing::warn!(%endpoint, "webhook endpoint disabled: it keeps failing");
                let payload = serde_json::json!({
                    "endpointId": schema::id::encode(schema::id::Kind::WebhookEndpoint, endpoint).0,
                    "reason": reason,
                });
                let event = schema::events::outbox::append(
                    txn,
                    workspace,
                    schema::events::types::EventType::WebhookEndpointDisabled,
                    schema::events::outbox::Subject::default(),
                    payload,
                )
                .await?;
                return Ok(vec![event]);
            }
        }
        WebhookDeliveryStatus::Pending | WebhookDeliveryStatus::Sending => {}
    }
    Ok(vec![])
}
