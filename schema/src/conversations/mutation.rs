//! `startConversation`, `setTyping`.

use super::Conversation;
use super::service::{self, NewConversation};
use crate::context::ContextExt;
use crate::enums::{Channel, Priority, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventBus, Typing};
use crate::id::{self, Kind};
use crate::messages::{Message, SendMessageInput};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};

/// The first message of a new conversation (its conversation id is filled in).
#[derive(InputObject)]
pub struct FirstMessageInput {
    /// Who writes it (`CONTACT`, `BOT`, `AGENT` or `SYSTEM`).
    #[graphql(default_with = "SenderKind::Contact")]
    pub sender_kind: SenderKind,
    /// The bot or agent writing (its global id); none for the contact or the system.
    pub sender_id: Option<ID>,
    /// The text.
    pub content: String,
    /// Idempotency key, as in `sendMessage`.
    pub client_message_id: Option<String>,
    /// The channel's own id of the message, as in `sendMessage`.
    pub source_id: Option<String>,
}

/// A new conversation with a contact, optionally with its first message.
#[derive(InputObject)]
pub struct StartConversationInput {
    /// The contact (its global id).
    pub contact_id: ID,
    /// The bot that answers first; without one the conversation goes to humans (`handledBy: HUMAN`).
    pub bot_id: Option<ID>,
    /// Where the conversation takes place.
    pub channel: Channel,
    /// A short title.
    pub subject: Option<String>,
    /// Urgency (default `NORMAL`).
    #[graphql(default_with = "Priority::Normal")]
    pub priority: Priority,
    /// Custom attributes (a JSON object).
    pub attributes: Option<Json<serde_json::Value>>,
    /// The conversation's first message, written in the same transaction.
    pub first_message: Option<FirstMessageInput>,
}

/// A new conversation and its first message.
#[derive(SimpleObject)]
pub struct StartConversationPayload {
    /// The new conversation.
    pub conversation: Conversation,
    /// The first message, if one was given.
    pub message: Option<Message>,
}

/// Someone starts or stops typing in a conversation.
#[derive(InputObject)]
pub struct SetTypingInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// Who is typing.
    pub sender_kind: SenderKind,
    /// The bot or agent typing (its global id); none for the contact.
    pub sender_id: Option<ID>,
    /// `true` when typing starts, `false` when it stops.
    pub on: bool,
}

/// Typing signals are not stored: only published to subscribers of `typing`.
#[derive(SimpleObject)]
pub struct SetTypingPayload {
    /// Always `true`: the signal was published.
    pub ok: bool,
}

#[derive(Default)]
pub struct ConversationMutation;

#[Object]
impl ConversationMutation {
    /// Starts a conversation, optionally with its first message. Everything is checked before anything is written.
    async fn start_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: StartConversationInput,
    ) -> ApiResult<StartConversationPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let new = NewConversation {
            contact_id: id::decode(Kind::Contact, &input.contact_id, "contactId")?,
            bot_id: input.bot_id.as_ref().map(|b| id::decode(Kind::Bot, b, "botId")).transpose()?,
            channel: input.channel.into(),
            subject: input.subject,
            priority: input.priority.into(),
            attributes: input.attributes.map(|j| j.0).unwrap_or(serde_json::Value::Null),
        };
        // The first message; its conversation id is filled in inside the start's transaction.
        let first = match input.first_message {
            Some(f) => Some(
                SendMessageInput {
                    conversation_id: id::encode(Kind::Conversation, uuid::Uuid::nil()),
                    sender_kind: f.sender_kind,
                    sender_id: f.sender_id,
                    kind: crate::enums::MessageKind::Text,
                    content: f.content,
                    payload: None,
                    private: false,
                    client_message_id: f.client_message_id,
                    source_id: f.source_id,
                }
                .into_new()?,
            ),
            None => None,
        };
        let started = service::start(db, viewer, new, first).await?;
        crate::events::publish(ctx, &started.events).await?;
        Ok(StartConversationPayload {
            conversation: started.conversation.into(),
            message: started.message.map(Into::into),
        })
    }

    /// Tells the conversation's subscribers that someone is (or stopped) typing. Not stored.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: SetTypingInput,
    ) -> ApiResult<SetTypingPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let conversation_id = id::decode(Kind::Conversation, &input.conversation_id, "conversationId")?;
        let Some(conv) = crate::lists::loaders(ctx)?.conversation().load_one(conversation_id).await? else {
            return Err(ApiError::NotFound("conversation".into()));
        };
        let sender_id = input
            .sender_id
            .zip(crate::messages::sender_kind_id(input.sender_kind))
            .map(|(id, kind)| id::decode(kind, &id, "senderId"))
            .transpose()?;
        let kind = entities::enums::SenderKind::from(input.sender_kind);
        // The same sender rules as a message: an agent or bot of this workspace, the conversation's own contact.
        let sender_id =
            crate::messages::service::resolve_sender(db, viewer, conv.contact_id, conv.bot_id, kind, sender_id).await?;
        let typing =
            Typing { workspace_id: viewer.workspace_id, conversation_id, sender_kind: kind, sender_id, on: input.on };
        if let Ok(bus) = ctx.data::<EventBus>() {
            bus.typing(db, typing).await;
        }
        Ok(SetTypingPayload { ok: true })
    }
}
