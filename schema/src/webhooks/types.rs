//! `WebhookEndpoint` and `WebhookDelivery`: never the secret (shown once, by `createWebhookEndpoint` and
//! `rotateWebhookSecret`).

use crate::error::{ApiResult, OrNull};
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::lists::loaders;
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entities::{webhook_delivery, webhook_endpoint};
use std::sync::Arc;

pub struct WebhookEndpoint(pub Arc<webhook_endpoint::Model>);

impl From<webhook_endpoint::Model> for WebhookEndpoint {
    fn from(m: webhook_endpoint::Model) -> Self {
        WebhookEndpoint(Arc::new(m))
    }
}

/// A URL that receives the workspace's events as signed HTTP POSTs (README, "Webhooks"). Admins only.
#[Object]
impl WebhookEndpoint {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::WebhookEndpoint, self.0.id)
    }
    /// Where deliveries are POSTed (`http` or `https`).
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types sent to it; empty: every type.
    async fn events(&self) -> Vec<EventType> {
        self.0.events.as_array().into_iter().flatten().filter_map(|v| v.as_str().and_then(EventType::parse)).collect()
    }
    /// A note for people: what the endpoint is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Disabled endpoints get nothing (their deliveries wait); an endpoint is disabled when deliveries keep
    /// failing after every retry (`disabledReason` says so). `updateWebhookEndpoint(enabled: true)` resumes it.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Deliveries in a row that failed after every retry (reset by a success).
    async fn failure_count(&self) -> i32 {
        self.0.failure_count
    }
    /// Why it was disabled; null while enabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed (by an admin, or disabled by failures).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct WebhookDelivery(pub Arc<webhook_delivery::Model>);

impl From<webhook_delivery::Model> for WebhookDelivery {
    fn from(m: webhook_delivery::Model) -> Self {
        WebhookDelivery(Arc::new(m))
    }
}

/// One event sent (or to be sent) to one endpoint, with its attempts so far: retried with back-off until a 2xx
/// answer, a refusal, or the last attempt.
#[Object]
impl WebhookDelivery {
    /// Also the `webhook-id` header of every attempt (`msg_` and the uuid): stable across retries.
    pub async fn id(&self) -> ID {
        id::encode(Kind::WebhookDelivery, self.0.id)
    }
    /// The `webhook-id` header sent with it.
    async fn webhook_id(&self) -> String {
        format!("msg_{}", self.0.id.simple())
    }
    /// The endpoint it goes to.
    async fn endpoint(&self, ctx: &Context<'_>) -> Option<WebhookEndpoint> {
        let found: ApiResult<Option<WebhookEndpoint>> =
            async { Ok(loaders(ctx)?.webhook_endpoint().load_one(self.0.endpoint_id).await?.map(WebhookEndpoint)) }
                .await;
        found.or_null(ctx)
    }
    /// `message.created`, …, or `webhook.test`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The outbox event's cursor (as `Event.cursor`); null for a test delivery.
    async fn event_cursor(&self) -> Option<String> {
        self.0.event_id.map(crate::events::subscription::encode_cursor)
    }
    /// The JSON body sent (the same bytes on every attempt).
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.body).unwrap_or(serde_json::Value::Null))
    }
    /// Where it stands.
    async fn status(&self) -> crate::enums::WebhookDeliveryStatus {
        self.0.status.into()
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (while `PENDING`).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == entities::enums::WebhookDeliveryStatus::Pending).then_some(self.0.next_attempt_at)
    }
    /// The last attempt's HTTP status (null: no answer, see `lastError`).
    async fn last_response_code(&self) -> Option<i32> {
        self.0.last_response_code
    }
    /// How long the last attempt took, in milliseconds.
    async fn last_duration_ms(&self) -> Option<i32> {
        self.0.last_duration_ms
    }
    /// Timeout, connection refused, address refused, …
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The first KiB of the last response body.
    async fn last_response(&self) -> Option<&str> {
        self.0.last_response.as_deref()
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When an attempt got a 2xx answer; null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}
