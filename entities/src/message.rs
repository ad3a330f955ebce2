//! One message of a conversation, in `seq` order.

use crate::enums::{Channel, MessageKind, MessageStatus, SenderKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    /// Position in the conversation, gap-free from 1.
    pub seq: i64,
    /// Copied from the conversation so that `(workspace_id, channel, source_id)` can be unique.
    pub channel: Channel,
    pub sender_kind: SenderKind,
    pub sender_id: Option<Uuid>,
    pub kind: MessageKind,
    pub content: String,
    pub payload: Json,
    pub private: bool,
    pub status: MessageStatus,
    /// Why delivery failed (status `failed`).
    pub failure_reason: Option<String>,
    /// The channel's own id for an inbound message: retries with the same id are deduplicated.
    pub source_id: Option<String>,
    /// The client's idempotency key, unique per conversation.
    pub client_message_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
