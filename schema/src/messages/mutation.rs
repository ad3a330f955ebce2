//! `sendMessage`.

use super::Message;
use super::service::{self, NewMessage};
use crate::context::ContextExt;
use crate::conversations::Conversation;
use crate::enums::{MessageKind, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};

/// A message to send into a conversation.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// Who writes: the contact, a bot, an agent, or the system.
    pub sender_kind: SenderKind,
    /// The contact, bot or agent writing. Defaults: the conversation's contact, or its bot.
    pub sender_id: Option<ID>,
    /// What the message carries (default `TEXT`).
    #[graphql(default_with = "MessageKind::Text")]
    pub kind: MessageKind,
    /// The text (may be empty for structured content in `payload`).
    #[graphql(default)]
    pub content: String,
    /// Structured content (card, quick replies, attachment): a JSON object.
    pub payload: Option<Json<serde_json::Value>>,
    /// An agent's private note.
    #[graphql(default)]
    pub private: bool,
    /// The client's idempotency key, unique per conversation: a retry returns the first message.
    pub client_message_id: Option<String>,
    /// The channel's message id, unique per workspace and channel: redelivery returns the first message.
    pub source_id: Option<String>,
}

/// The message sent, and its conversation as changed by it.
#[derive(SimpleObject)]
pub struct SendMessagePayload {
    /// The message (the first one when `replayed`).
    pub message: Message,
    /// The conversation, as it is after this message.
    pub conversation: Conversation,
    /// True when this was a retry: the message already existed and nothing was written.
    pub replayed: bool,
}

pub(crate) fn sender_kind_id(kind: SenderKind) -> Option<Kind> {
    match kind {
        SenderKind::Contact => Some(Kind::Contact),
        SenderKind::Bot => Some(Kind::Bot),
        SenderKind::Agent => Some(Kind::Agent),
        SenderKind::System => None,
    }
}

impl SendMessageInput {
    pub fn into_new(self) -> ApiResult<NewMessage> {
        let sender_id = match (self.sender_id, sender_kind_id(self.sender_kind)) {
            (Some(id), Some(kind)) => Some(id::decode(kind, &id, "senderId")?),
            (Some(_), None) => return Err(ApiError::bad_input("senderId", "system messages have no sender")),
            (None, _) => None,
        };
        Ok(NewMessage {
            conversation_id: id::decode(Kind::Conversation, &self.conversation_id, "conversationId")?,
            sender_kind: self.sender_kind.into(),
            sender_id,
            kind: self.kind.into(),
            content: self.content,
            payload: self.payload.map(|j| j.0).unwrap_or(serde_json::Value::Null),
            private: self.private,
            client_message_id: self.client_message_id,
            source_id: self.source_id,
        })
    }
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Sends a message; updates the conversation (last message, waiting time, first reply, reopening) with it.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: SendMessageInput,
    ) -> ApiResult<SendMessagePayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let sent = service::send(db, viewer, input.into_new()?).await?;
        crate::events::publish(ctx, &sent.events).await?;
        Ok(SendMessagePayload {
            message: sent.message.into(),
            conversation: sent.conversation.into(),
            replayed: sent.replayed,
        })
    }
}
