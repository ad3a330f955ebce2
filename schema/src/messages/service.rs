//! Sending a message: the one place that writes a message, whoever sends it (GraphQL, inbound webhooks).
//!
//! One transaction that first increments the conversation's `message_count` (locking its row on PostgreSQL and
//! taking SQLite's write lock, so concurrent senders queue up and `seq` stays gap-free), then updates the
//! conversation's derived fields, inserts the message and appends `message.created`. Retries with the same
//! `clientMessageId` (per conversation) or `sourceId` (per workspace and channel) return the first message and
//! write nothing, also when they race: the unique index decides and the loser reads the winner's row.

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::{self, Subject};
use crate::events::types::EventType;
use crate::scope::scoped;
use crate::write::{is_unique_violation, optional_text};
use entities::enums::{ConversationStatus, MessageKind, MessageStatus, SenderKind};
use entities::{agent, bot, conversation, event, message};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

pub const MAX_CONTENT: usize = 16 * 1024;
pub const MAX_KEY: usize = 200;
pub const MAX_PAYLOAD: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub conversation_id: Uuid,
    pub sender_kind: SenderKind,
    pub sender_id: Option<Uuid>,
    pub kind: MessageKind,
    pub content: String,
    pub payload: serde_json::Value,
    pub private: bool,
    pub client_message_id: Option<String>,
    pub source_id: Option<String>,
}

#[derive(Debug)]
pub struct Sent {
    pub message: message::Model,
    pub conversation: conversation::Model,
    /// A retry: the message was already there and nothing was written.
    pub replayed: bool,
    /// To publish after the commit.
    pub events: Vec<event::Model>,
}

/// Checks what can be checked without the database.
pub fn validate(new: &NewMessage) -> ApiResult<()> {
    optional_text("content", &new.content, MAX_CONTENT)?;
    if new.content.trim().is_empty() && new.kind == MessageKind::Text {
        return Err(ApiError::bad_input("content", "a text message needs content"));
    }
    for (field, v) in [("clientMessageId", &new.client_message_id), ("sourceId", &new.source_id)] {
        if let Some(v) = v {
            optional_text(field, v, MAX_KEY)?;
            if v.is_empty() {
                return Err(ApiError::bad_input(field, "must not be empty"));
            }
        }
    }
    if !new.payload.is_null() && !new.payload.is_object() {
        return Err(ApiError::bad_input("payload", "must be a JSON object"));
    }
    if serde_json::to_vec(&new.payload).map_or(0, |v| v.len()) > MAX_PAYLOAD {
        return Err(ApiError::bad_input("payload", format!("must be at most {MAX_PAYLOAD} bytes")));
    }
    if new.private && new.sender_kind != SenderKind::Agent {
        return Err(ApiError::bad_input("private", "only agents write private notes"));
    }
    if new.sender_kind == SenderKind::System && new.sender_id.is_some() {
        return Err(ApiError::bad_input("senderId", "system messages have no sender"));
    }
    Ok(())
}

/// The message already stored under the same idempotency key, if any.
async fn existing(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conv: &conversation::Model,
    new: &NewMessage,
) -> ApiResult<Option<message::Model>> {
    if let Some(key) = &new.client_message_id {
        let found = by_client_message_id(db, viewer, conv.id, key).await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if let Some(key) = &new.source_id {
        let found = scoped::<message::Entity>(viewer)
            .filter(message::Column::Channel.eq(conv.channel))
            .filter(message::Column::SourceId.eq(key.as_str()))
            .one(db)
            .await?;
        if let Some(m) = &found
            && m.conversation_id != conv.id
        {
            let key = crate::id::shorten(key);
            return Err(ApiError::Conflict(format!("sourceId {key:?} belongs to a message of another conversation")));
        }
        return Ok(found);
    }
    Ok(None)
}

/// The message of `conversation_id` stored under the idempotency key `clientMessageId`.
async fn by_client_message_id<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    conversation_id: Uuid,
    key: &str,
) -> Result<Option<message::Model>, DbErr> {
    scoped::<message::Entity>(viewer)
        .filter(message::Column::ConversationId.eq(conversation_id))
        .filter(message::Column::ClientMessageId.eq(key))
        .one(db)
        .await
}

/// Inside a writer's transaction: the message already stored in `conversation_id` under `new`'s
/// `clientMessageId`, as a replayed [`Sent`] (nothing written).
pub async fn existing_in<C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    conversation_id: Uuid,
    new: &NewMessage,
) -> Result<Option<Sent>, DbErr> {
    let Some(key) = &new.client_message_id else { return Ok(None) };
    let Some(message) = by_client_message_id(txn, viewer, conversation_id, key).await? else { return Ok(None) };
    let conversation = scoped::<conversation::Entity>(viewer)
        .filter(conversation::Column::Id.eq(conversation_id))
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("conversation".into()))?;
    Ok(Some(Sent { message, conversation, replayed: true, events: vec![] }))
}

/// Who sends: defaults and checks against the conversation (its contact and bot) and the workspace. Callable
/// before the conversation exists (`startConversation` checks its first message before writing anything).
pub async fn resolve_sender<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    contact_id: Uuid,
    bot_id: Option<Uuid>,
    kind: SenderKind,
    sender_id: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    let sender_id = crate::auth::acting::sender(viewer, kind, sender_id)?;
    match kind {
        SenderKind::System => Ok(None),
        SenderKind::Contact => match sender_id {
            None => Ok(Some(contact_id)),
            Some(id) if id == contact_id => Ok(Some(id)),
            Some(_) => Err(ApiError::bad_input("senderId", "a contact can only write in their own conversations")),
        },
        SenderKind::Bot => {
            let Some(id) = sender_id.or(bot_id) else {
                return Err(ApiError::bad_input("senderId", "this conversation has no bot: name the sending bot"));
            };
            let found = scoped::<bot::Entity>(viewer).filter(bot::Column::Id.eq(id)).one(db).await?;
            found.map(|b| Some(b.id)).ok_or_else(|| ApiError::NotFound("bot".into()))
        }
        SenderKind::Agent => {
            let Some(id) = sender_id else {
                return Err(ApiError::bad_input("senderId", "an agent message needs the agent's id"));
            };
            let found = scoped::<agent::Entity>(viewer).filter(agent::Column::Id.eq(id)).one(db).await?;
            found.map(|a| Some(a.id)).ok_or_else(|| ApiError::NotFound("agent".into()))
        }
    }
}

#[tracing::instrument(skip(db, new), fields(conversation = %new.conversation_id))]
pub async fn send(db: &DatabaseConnection, viewer: &Viewer, new: NewMessage) -> ApiResult<Sent> {
    validate(&new)?;
    let conv = scoped::<conversation::Entity>(viewer)
        .filter(conversation::Column::Id.eq(new.conversation_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("conversation".into()))?;
    if let Some(message) = existing(db, viewer, &conv, &new).await? {
        return Ok(Sent { message, conversation: conv, replayed: true, events: vec![] });
    }
    let sender_id = resolve_sender(db, viewer, conv.contact_id, conv.bot_id, new.sender_kind, new.sender_id).await?;
    match write(db, viewer, &new, sender_id).await {
        Ok(sent) => Ok(sent),
        // Lost a race with a retry of the same message: the winner's row is the answer.
        Err(e) if is_unique_violation(&e) => match existing(db, viewer, &conv, &new).await? {
            Some(message) => {
                let conversation = scoped::<conversation::Entity>(viewer)
                    .filter(conversation::Column::Id.eq(conv.id))
                    .one(db)
                    .await?
                    .unwrap_or(conv);
                Ok(Sent { message, conversation, replayed: true, events: vec![] })
            }
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

async fn write(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: &NewMessage,
    sender_id: Option<Uuid>,
) -> Result<Sent, DbErr> {
    let txn = crate::write::begin(db).await?;
    let result = write_in(&txn, viewer, new, sender_id).await;
    crate::write::finish(txn, result).await
}

/// The message's writes inside the caller's transaction (the caller commits, then publishes `events`).
/// `sender_id` comes from [`resolve_sender`].
pub async fn write_in<C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    new: &NewMessage,
    sender_id: Option<Uuid>,
) -> Result<Sent, DbErr> {
    // First statement writes: the row lock (PostgreSQL) or write lock (SQLite) orders concurrent senders.
    let counted = crate::scope::scoped_update::<conversation::Entity>(viewer)
        .col_expr(
            conversation::Column::MessageCount,
            sea_orm::sea_query::ExprTrait::add(Expr::col(conversation::Column::MessageCount), 1),
        )
        .filter(conversation::Column::Id.eq(new.conversation_id))
        .exec_with_returning(txn)
        .await?;
    let Some(conv) = counted.into_iter().next() else {
        return Err(DbErr::RecordNotFound("conversation".into()));
    };
    let now = entities::now();
    let seq = conv.message_count;
    let from_contact = new.sender_kind == SenderKind::Contact;
    let is_reply = !new.private && matches!(new.sender_kind, SenderKind::Bot | SenderKind::Agent);
    let reopens = from_contact && matches!(conv.status, ConversationStatus::Resolved | ConversationStatus::Snoozed);

    let mut update = conv.clone().into_active_model();
    update.last_message_at = Set(Some(now));
    update.last_activity_at = Set(now);
    update.updated_at = Set(now);
    if from_contact && conv.waiting_since.is_none() {
        update.waiting_since = Set(Some(now));
    }
    if is_reply {
        update.waiting_since = Set(None);
        if conv.first_reply_at.is_none() {
            update.first_reply_at = Set(Some(now));
        }
    }
    // The analytics facts (see the analytics migration): first contact message, first response to it, first
    // human reply, messages in and out.
    if from_contact {
        update.messages_in = Set(conv.messages_in + 1);
        if conv.first_contact_at.is_none() {
            update.first_contact_at = Set(Some(now));
        }
    }
    if is_reply {
        update.messages_out = Set(conv.messages_out + 1);
        if conv.first_contact_at.is_some() && conv.first_response_at.is_none() {
            update.first_response_at = Set(Some(now));
        }
        if new.sender_kind == SenderKind::Agent && conv.first_human_reply_at.is_none() {
            update.first_human_reply_at = Set(Some(now));
        }
    }
    if reopens {
        update.status = Set(ConversationStatus::Open);
        update.resolved_at = Set(None);
        update.snoozed_until = Set(None);
        if conv.status == ConversationStatus::Resolved {
            update.reopen_count = Set(conv.reopen_count + 1);
        }
    }
    let conversation = update.update(txn).await?;

    let message = message::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(viewer.workspace_id),
        conversation_id: Set(conversation.id),
        seq: Set(seq),
        channel: Set(conversation.channel),
        sender_kind: Set(new.sender_kind),
        sender_id: Set(sender_id),
        kind: Set(new.kind),
        content: Set(new.content.clone()),
        payload: Set(if new.payload.is_null() { serde_json::json!({}) } else { new.payload.clone() }),
        private: Set(new.private),
        status: Set(MessageStatus::Sent),
        failure_reason: Set(None),
        source_id: Set(new.source_id.clone()),
        client_message_id: Set(new.client_message_id.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;

    let subject = Subject { conversation: Some(conversation.id), message: Some(message.id), ..Default::default() };
    let mut events = vec![
        outbox::append(txn, viewer.workspace_id, EventType::MessageCreated, subject, serde_json::json!({ "seq": seq }))
            .await?,
    ];
    if reopens {
        let payload = serde_json::json!({ "from": conv.status, "to": ConversationStatus::Open });
        let subject = Subject { conversation: Some(conversation.id), ..Default::default() };
        events.push(
            outbox::append(txn, viewer.workspace_id, EventType::ConversationStatusChanged, subject, payload).await?,
        );
    }
    Ok(Sent { message, conversation, replayed: false, events })
}
