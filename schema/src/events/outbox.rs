//! Appending events in the writer's transaction.

use super::types::EventType;
use entities::event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, NotSet, Set};
use uuid::Uuid;

/// What an event is about.
#[derive(Debug, Default, Clone, Copy)]
pub struct Subject {
    pub conversation: Option<Uuid>,
    pub message: Option<Uuid>,
    pub ticket: Option<Uuid>,
    pub contact: Option<Uuid>,
}

/// Appends one event; returns the stored row (with its global id) for publishing after the commit.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    workspace_id: Uuid,
    event_type: EventType,
    subject: Subject,
    payload: serde_json::Value,
) -> Result<event::Model, DbErr> {
    event::ActiveModel {
        id: NotSet,
        workspace_id: Set(workspace_id),
        event_type: Set(event_type.as_str().to_owned()),
        conversation_id: Set(subject.conversation),
        message_id: Set(subject.message),
        ticket_id: Set(subject.ticket),
        contact_id: Set(subject.contact),
        payload: Set(payload),
        created_at: Set(entities::now()),
    }
    .insert(db)
    .await
}
