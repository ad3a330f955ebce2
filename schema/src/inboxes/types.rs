//! `Inbox` and `InboxChannel`: never a secret (shown once, by `createInbox` and `rotateInboxSecret`).

use crate::bots::Bot;
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::loaders;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::enums::Channel;
use entities::inbox;
use std::sync::Arc;

/// Which platform posts to an inbox, and so how its requests are authenticated and read.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxChannel {
    /// Parlor's own JSON payload, signed like our outbound webhooks (Standard Webhooks headers). Conversations on
    /// channel `API`.
    Generic,
    /// WhatsApp Cloud API: the `GET` verification handshake and `X-Hub-Signature-256` with the Meta app secret.
    Whatsapp,
    /// Telegram Bot API updates, authenticated by `X-Telegram-Bot-Api-Secret-Token`.
    Telegram,
}

impl InboxChannel {
    /// The stored value, also the URL's `{channel}` segment.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxChannel::Generic => "generic",
            InboxChannel::Whatsapp => "whatsapp",
            InboxChannel::Telegram => "telegram",
        }
    }

    pub fn parse(s: &str) -> Option<InboxChannel> {
        [InboxChannel::Generic, InboxChannel::Whatsapp, InboxChannel::Telegram].into_iter().find(|c| c.as_str() == s)
    }

    /// The channel of the conversations and messages it creates (the dedup key's `channel`).
    pub fn conversation_channel(self) -> Channel {
        match self {
            InboxChannel::Generic => Channel::Api,
            InboxChannel::Whatsapp => Channel::Whatsapp,
            InboxChannel::Telegram => Channel::Telegram,
        }
    }
}

pub struct Inbox(pub Arc<inbox::Model>);

impl From<inbox::Model> for Inbox {
    fn from(m: inbox::Model) -> Self {
        Inbox(Arc::new(m))
    }
}

/// Where a channel's inbound webhooks land (README, "Inbound channels"). Admins only.
#[Object]
impl Inbox {
    /// Global id (opaque; `node(id:)` resolves it). Also the `{inboxId}` of the webhook URL.
    pub async fn id(&self) -> ID {
        id::encode(Kind::Inbox, self.0.id)
    }
    /// The platform that posts to it.
    async fn channel(&self) -> InboxChannel {
        // Only `createInbox` writes the column, with one of these values.
        InboxChannel::parse(&self.0.channel).unwrap_or(InboxChannel::Generic)
    }
    /// A name for people.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The bot that gets the conversations it starts; null: they start with humans.
    async fn bot(&self, ctx: &Context<'_>) -> Option<Bot> {
        let found: ApiResult<Option<Bot>> = async {
            let Some(id) = self.0.bot_id else { return Ok(None) };
            Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot))
        }
        .await;
        found.or_null(ctx)
    }
    /// The path the platform posts to (and, for WhatsApp, verifies with `GET`): `/webhooks/channels/{channel}/{id}`.
    /// Prefix it with the server's public origin.
    async fn webhook_path(&self) -> String {
        format!("/webhooks/channels/{}/{}", self.0.channel, id::encode(Kind::Inbox, self.0.id).0)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
