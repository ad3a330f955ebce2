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

/// A delivery as it is queued: due at `now`, never attempted. The one way rows of this table are made (the outbox
/// worker's deliveries and `sendTestWebhook`'s).
pub struct Pending {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Option<i64>,
    pub conversation_id: Option<Uuid>,
    pub event_type: String,
    pub body: String,
    pub now: DateTimeUtc,
}

impl From<Pending> for ActiveModel {
    fn from(p: Pending) -> Self {
        use sea_orm::ActiveValue::Set;
        ActiveModel {
            id: Set(p.id),
            workspace_id: Set(p.workspace_id),
            endpoint_id: Set(p.endpoint_id),
            event_id: Set(p.event_id),
            conversation_id: Set(p.conversation_id),
            event_type: Set(p.event_type),
            body: Set(p.body),
            attempts: Set(0),
            status: Set(WebhookDeliveryStatus::Pending),
            next_attempt_at: Set(p.now),
            locked_until: Set(None),
            last_response_code: Set(None),
            last_duration_ms: Set(None),
            last_error: Set(None),
            last_response: Set(None),
            created_at: Set(p.now),
            delivered_at: Set(None),
        }
    }
}
