//! Managing webhook endpoints and deliveries: called by GraphQL (admins). The worker in the api crate sends.

use super::{Settings, TEST_EVENT, address};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::types::EventType;
use crate::scope::{scoped, scoped_delete};
use crate::write::{self, optional_text};
use base64::{Engine, engine::general_purpose::STANDARD};
use entities::enums::WebhookDeliveryStatus;
use entities::{webhook_delivery, webhook_endpoint};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Standard Webhooks' secret format: `whsec_` and the base64 of the key (24 random bytes).
pub const SECRET_PREFIX: &str = "whsec_";
const MAX_URL: usize = 2048;

pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of a secret (the bytes after `whsec_`).
pub fn secret_key(secret: &str) -> Vec<u8> {
    STANDARD.decode(secret.trim_start_matches(SECRET_PREFIX)).unwrap_or_else(|_| secret.as_bytes().to_vec())
}

pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<EventType>,
    pub description: Option<String>,
}

#[derive(Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

fn check_url(url: &str, settings: &Settings) -> ApiResult<()> {
    if url.len() > MAX_URL {
        return Err(ApiError::bad_input("url", format!("at most {MAX_URL} characters")));
    }
    match address::refusal(url, settings.allow_private) {
        Some(why) => Err(ApiError::bad_input("url", why)),
        None => Ok(()),
    }
}

fn event_names(events: &[EventType]) -> serde_json::Value {
    let mut names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    serde_json::json!(names)
}

/// A new endpoint and its secret (shown once).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: &Settings,
    new: NewEndpoint,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    check_url(&new.url, settings)?;
    if let Some(d) = &new.description {
        optional_text("description", d, 500)?;
    }
    let secret = new_secret();
    let now = entities::now();
    let row = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(viewer.workspace_id),
        url: Set(new.url),
        events: Set(event_names(&new.events)),
        description: Set(new.description),
        secret: Set(secret.clone()),
        enabled: Set(true),
        failure_count: Set(0),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok((row.insert(db).await?, secret))
}

/// Changes an endpoint. Enabling it again clears its failure count and pending deliveries go out.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: &Settings,
    id: Uuid,
    change: EndpointChange,
) -> ApiResult<webhook_endpoint::Model> {
    if let Some(url) = &change.url {
        check_url(url, settings)?;
    }
    if let Some(d) = &change.description {
        optional_text("description", d, 500)?;
    }
    let txn = write::begin(db).await?;
    let result: ApiResult<_> = async {
        let current = write::lock::<webhook_endpoint::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("webhook endpoint".into()))?;
        let mut row = current.into_active_model();
        if let Some(url) = change.url {
            row.url = Set(url);
        }
        if let Some(events) = change.events {
            row.events = Set(event_names(&events));
        }
        if let Some(d) = change.description {
            row.description = Set(Some(d));
        }
        if let Some(enabled) = change.enabled {
            row.enabled = Set(enabled);
            if enabled {
                row.failure_count = Set(0);
                row.disabled_reason = Set(None);
            }
        }
        row.updated_at = Set(entities::now());
        Ok(row.update(&txn).await?)
    }
    .await;
    let updated = write::finish(txn, result).await?;
    settings.wake.notify_one();
    Ok(updated)
}

/// Deletes an endpoint and its deliveries.
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<()> {
    let done =
        scoped_delete::<webhook_endpoint::Entity>(viewer).filter(webhook_endpoint::Column::Id.eq(id)).exec(db).await?;
    if done.rows_affected == 0 {
        return Err(ApiError::NotFound("webhook endpoint".into()));
    }
    Ok(())
}

/// A new signing secret (shown once); every delivery from now on is signed with it.
pub async fn rotate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    let txn = write::begin(db).await?;
    let result: ApiResult<_> = async {
        let current = write::lock::<webhook_endpoint::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("webhook endpoint".into()))?;
        let secret = new_secret();
        let mut row = current.into_active_model();
        row.secret = Set(secret.clone());
        row.updated_at = Set(entities::now());
        Ok((row.update(&txn).await?, secret))
    }
    .await;
    write::finish(txn, result).await
}

/// Sends a delivery again, now, with the same `webhook-id` (receivers that deduplicate by it will skip it).
pub async fn redeliver(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: &Settings,
    id: Uuid,
) -> ApiResult<webhook_delivery::Model> {
    let txn = write::begin(db).await?;
    let result = async {
        let current = write::lock::<webhook_delivery::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("webhook delivery".into()))?;
        if current.status == WebhookDeliveryStatus::Sending {
            return Err(ApiError::transition("the delivery", current.status, "redeliver it while it is being sent"));
        }
        let mut row = current.into_active_model();
        row.status = Set(WebhookDeliveryStatus::Pending);
        row.next_attempt_at = Set(entities::now());
        row.locked_until = Set(None);
        Ok(row.update(&txn).await?)
    }
    .await;
    let queued = write::finish(txn, result).await?;
    settings.wake.notify_one();
    Ok(queued)
}

/// Queues a `webhook.test` delivery to an endpoint (sent even if the endpoint is disabled).
pub async fn send_test(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: &Settings,
    endpoint_id: Uuid,
) -> ApiResult<webhook_delivery::Model> {
    let endpoint = scoped::<webhook_endpoint::Entity>(viewer)
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("webhook endpoint".into()))?;
    let now = entities::now();
    let body = serde_json::json!({
        "type": TEST_EVENT,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": { "endpointId": crate::id::encode(crate::id::Kind::WebhookEndpoint, endpoint.id).0 },
    });
    let row: webhook_delivery::ActiveModel = webhook_delivery::Pending {
        id: Uuid::now_v7(),
        workspace_id: viewer.workspace_id,
        endpoint_id: endpoint.id,
        event_id: None,
        conversation_id: None,
        event_type: TEST_EVENT.to_owned(),
        body: body.to_string(),
        now,
    }
    .into();
    let queued = row.insert(db).await?;
    settings.wake.notify_one();
    Ok(queued)
}
