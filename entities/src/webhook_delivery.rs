//! One event owed to one endpoint: the unit that is retried (same `id`, sent as `webhook-id`, on every attempt),
//! redelivered, and listed. `body` is the exact JSON sent, so every attempt signs the same bytes.

use crate::enums::WebhookDeliveryStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub endpoint_id: Uuid,
    /// The outbox event (none for `sendTestWebhook`'s `webhook.test`).
    pub event_id: Option<i64>,
    /// Deliveries of one conversation go out in event order.
    pub conversation_id: Option<Uuid>,
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub attempts: i32,
    pub status: WebhookDeliveryStatus,
    pub next_attempt_at: DateTimeUtc,
    /// While `sending`: the claim's lease; a worker that died mid-send gives the delivery back when it passes.
    pub locked_until: Option<DateTimeUtc>,
    pub last_response_code: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
    /// The first KiB of the last response body.
    pub last_response: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
