//! The `Message` object and its `Sender`.

use crate::agents::Agent;
use crate::bots::Bot;
use crate::contacts::Contact;
use crate::conversations::Conversation;
use crate::enums::{Channel, MessageKind, MessageStatus, SenderKind};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::loaders;
use async_graphql::{Context, ID, Json, Object, Union};
use chrono::{DateTime, Utc};
use entities::enums::SenderKind as DbSenderKind;
use entities::message::Model;
use std::sync::Arc;

pub struct Message(pub Arc<Model>);

impl From<Model> for Message {
    fn from(m: Model) -> Self {
        Message(Arc::new(m))
    }
}

/// Who wrote a message. System messages have no sender.
#[derive(Union)]
pub enum Sender {
    /// The contact wrote it.
    Contact(Contact),
    /// A bot wrote it.
    Bot(Bot),
    /// An agent wrote it.
    Agent(Agent),
}

/// One message of a conversation: who sent it, what it carries, and its delivery state.
#[Object]
impl Message {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Message, self.0.id)
    }
    /// Position in the conversation, from 1, without gaps.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// The channel of its conversation.
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }
    /// Who wrote it: the contact, a bot, an agent or the system.
    async fn sender_kind(&self) -> SenderKind {
        self.0.sender_kind.into()
    }
    /// What it carries.
    async fn kind(&self) -> MessageKind {
        self.0.kind.into()
    }
    /// The text.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// Structured content: card, quick replies, attachment data.
    async fn payload(&self) -> Json<&serde_json::Value> {
        Json(&self.0.payload)
    }
    /// An agent's note, never shown to the contact.
    async fn private(&self) -> bool {
        self.0.private
    }
    /// Delivery state: `SENT`, `DELIVERED`, `READ` or `FAILED`.
    async fn status(&self) -> MessageStatus {
        self.0.status.into()
    }
    /// Why delivery failed (status `FAILED`).
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
    /// The channel's own id of an inbound message.
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    /// The sending client's idempotency key.
    async fn client_message_id(&self) -> Option<&str> {
        self.0.client_message_id.as_deref()
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The conversation it belongs to.
    async fn conversation(&self, ctx: &Context<'_>) -> Option<Conversation> {
        let found: ApiResult<Option<Conversation>> =
            async { Ok(loaders(ctx)?.conversation().load_one(self.0.conversation_id).await?.map(Conversation)) }.await;
        found.or_null(ctx)
    }

    /// Who wrote it (null for system messages).
    async fn sender(&self, ctx: &Context<'_>) -> Option<Sender> {
        let found: ApiResult<Option<Sender>> = async {
            let Some(id) = self.0.sender_id else { return Ok(None) };
            let l = loaders(ctx)?;
            Ok(match self.0.sender_kind {
                DbSenderKind::Contact => l.contact().load_one(id).await?.map(|m| Sender::Contact(Contact(m))),
                DbSenderKind::Bot => l.bot().load_one(id).await?.map(|m| Sender::Bot(Bot(m))),
                DbSenderKind::Agent => l.agent().load_one(id).await?.map(|m| Sender::Agent(Agent(m))),
                DbSenderKind::System => None,
            })
        }
        .await;
        found.or_null(ctx)
    }
}
