//! Starting a conversation: the next number of the workspace, the row, `conversation.created`, and the first
//! message if there is one, all in one transaction: everything is checked first, so a refused start writes
//! nothing and publishes nothing.

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::{self, Subject};
use crate::events::types::EventType;
use crate::messages::service::{self as messages, NewMessage};
use crate::scope::scoped;
use entities::enums::{BotStatus, Channel, ConversationStatus, HandledBy, Priority};
use entities::{bot, contact, conversation, event, message};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, QueryFilter, Set};
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

/// What `start` wrote: the conversation, its first message (if asked), and the events to publish after commit.
#[derive(Debug)]
pub struct Started {
    pub conversation: conversation::Model,
    pub message: Option<message::Model>,
    pub events: Vec<event::Model>,
}

#[tracing::instrument(skip(db, new, first))]
pub async fn start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    mut new: NewConversation,
    first: Option<NewMessage>,
) -> ApiResult<Started> {
    validate(&new)?;
    new.bot_id = crate::auth::acting::conversation_bot(viewer, new.bot_id)?;
    if let Some(first) = &first {
        messages::validate(first)?;
    }
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
    let first = match first {
        Some(msg) => {
            if let Some(replay) = replayed_start(db, viewer, &new, &msg).await? {
                return Ok(replay);
            }
            let sender =
                messages::resolve_sender(db, viewer, new.contact_id, new.bot_id, msg.sender_kind, msg.sender_id)
                    .await?;
            Some((msg, sender))
        }
        None => None,
    };
    crate::write::retry_on_unique("conversation", || insert(db, viewer, &new, first.as_ref())).await
}

/// A start whose first message carries a `sourceId` already stored (an inbound webhook delivered twice): the
/// first start's conversation and message, nothing written.
async fn replayed_start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: &NewConversation,
    msg: &NewMessage,
) -> ApiResult<Option<Started>> {
    let Some(key) = &msg.source_id else { return Ok(None) };
    let found = scoped::<message::Entity>(viewer)
        .filter(message::Column::Channel.eq(new.channel))
        .filter(message::Column::SourceId.eq(key.as_str()))
        .one(db)
        .await?;
    let Some(message) = found else { return Ok(None) };
    let conversation = scoped::<conversation::Entity>(viewer)
        .filter(conversation::Column::Id.eq(message.conversation_id))
        .one(db)
        .await?
        .ok_or(ApiError::Internal)?;
    if conversation.contact_id != new.contact_id {
        let key = crate::id::shorten(key);
        return Err(ApiError::Conflict(format!("sourceId {key:?} belongs to a message of another contact")));
    }
    Ok(Some(Started { conversation, message: Some(message), events: vec![] }))
}

async fn insert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: &NewConversation,
    first: Option<&(NewMessage, Option<Uuid>)>,
) -> Result<Started, DbErr> {
    let txn = crate::write::begin(db).await?;
    let result: Result<_, DbErr> = async {
        let (row, event) = insert_in(&txn, viewer, new).await?;
        let Some((msg, sender)) = first else {
            return Ok(Started { conversation: row, message: None, events: vec![event] });
        };
        let msg = NewMessage { conversation_id: row.id, ..msg.clone() };
        let sent = messages::write_in(&txn, viewer, &msg, *sender).await?;
        let mut events = vec![event];
        events.extend(sent.events);
        Ok(Started { conversation: sent.conversation, message: Some(sent.message), events })
    }
    .await;
    crate::write::finish(txn, result).await
}

/// The conversation row and its `conversation.created` event, inside the caller's transaction (the caller
/// commits, retrying on a unique violation of the number: see [`crate::write::retry_on_unique`]).
pub async fn insert_in<C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    new: &NewConversation,
) -> Result<(conversation::Model, event::Model), DbErr> {
    let number =
        crate::write::next_number::<conversation::Entity, _>(txn, viewer, conversation::Column::Number).await?;
    let now = entities::now();
    let handled_by = if new.bot_id.is_some() { HandledBy::Bot } else { HandledBy::Human };
    let row = conversation::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(viewer.workspace_id),
        number: Set(number),
        bot_id: Set(new.bot_id),
        contact_id: Set(new.contact_id),
        channel: Set(new.channel),
        status: Set(if handled_by == HandledBy::Bot { ConversationStatus::Pending } else { ConversationStatus::Open }),
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
        first_contact_at: Set(None),
        first_response_at: Set(None),
        first_human_reply_at: Set(None),
        handed_off_at: Set(None),
        reopen_count: Set(0),
        messages_in: Set(0),
        messages_out: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let subject = Subject { conversation: Some(row.id), contact: Some(row.contact_id), ..Default::default() };
    let event =
        outbox::append(txn, viewer.workspace_id, EventType::ConversationCreated, subject, serde_json::json!({}))
            .await?;
    Ok((row, event))
}
