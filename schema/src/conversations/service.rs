//! Starting a conversation: the next number of the workspace, the row, and `conversation.created`.

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::{self, Subject};
use crate::scope::scoped;
use entities::enums::{BotStatus, Channel, ConversationStatus, HandledBy, Priority};
use entities::{bot, contact, conversation, event};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, QueryFilter, Set};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewConversation {
    pub contact_id: Uuid,
    pub bot_id: Option<Uuid>,
    pub channel: Channel,
    pub subject: Option<String>,
    pub priority: Priority,
    pub attributes: serde_json::Value,
}

pub fn validate(new: &NewConversation) -> ApiResult<()> {
    if let Some(s) = &new.subject {
        crate::filter::check_text("subject", s)?;
    }
    if !new.attributes.is_null() && !new.attributes.is_object() {
        return Err(ApiError::bad_input("attributes", "must be a JSON object"));
    }
    Ok(())
}

#[tracing::instrument(skip(db, new))]
pub async fn start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewConversation,
) -> ApiResult<(conversation::Model, Vec<event::Model>)> {
    validate(&new)?;
    let contact = scoped::<contact::Entity>(viewer)
        .filter(contact::Column::Id.eq(new.contact_id))
        .filter(contact::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    if contact.is_none() {
        return Err(ApiError::NotFound("contact".into()));
    }
    if let Some(bot_id) = new.bot_id {
        let bot = scoped::<bot::Entity>(viewer).filter(bot::Column::Id.eq(bot_id)).one(db).await?;
        match bot {
            None => return Err(ApiError::NotFound("bot".into())),
            Some(b) if b.status == BotStatus::Archived => {
                return Err(ApiError::transition("bot", b.status, "take new conversations"));
            }
            Some(_) => {}
        }
    }
    crate::write::retry_on_unique("conversation", || insert(db, viewer, &new)).await
}

async fn insert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: &NewConversation,
) -> Result<(conversation::Model, Vec<event::Model>), DbErr> {
    let txn = crate::write::begin(db).await?;
    let result: Result<_, DbErr> = async {
        let number =
            crate::write::next_number::<conversation::Entity, _>(&txn, viewer, conversation::Column::Number).await?;
        let now = entities::now();
        let handled_by = if new.bot_id.is_some() { HandledBy::Bot } else { HandledBy::Human };
        let row = conversation::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(viewer.workspace_id),
            number: Set(number),
            bot_id: Set(new.bot_id),
            contact_id: Set(new.contact_id),
            channel: Set(new.channel),
            status: Set(if handled_by == HandledBy::Bot {
                ConversationStatus::Pending
            } else {
                ConversationStatus::Open
            }),
            priority: Set(new.priority),
            assignee_agent_id: Set(None),
            handled_by: Set(handled_by),
            subject: Set(new.subject.clone()),
            attributes: Set(if new.attributes.is_null() { serde_json::json!({}) } else { new.attributes.clone() }),
            snoozed_until: Set(None),
            waiting_since: Set(None),
            first_reply_at: Set(None),
            last_message_at: Set(None),
            last_activity_at: Set(now),
            resolved_at: Set(None),
            contact_last_read_at: Set(None),
            agent_last_read_at: Set(None),
            message_count: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let subject = Subject { conversation: Some(row.id), contact: Some(row.contact_id), ..Default::default() };
        let event =
            outbox::append(&txn, viewer.workspace_id, "conversation.created", subject, serde_json::json!({})).await?;
        Ok((row, vec![event]))
    }
    .await;
    crate::write::finish(txn, result).await
}
