//! Where a workspace's inbound channel webhooks land (`POST /webhooks/channels/{channel}/{inboxId}`): the
//! channel's kind (`generic`, `whatsapp`, `telegram`), a name, the bot that answers its conversations, and what
//! the request's proof is compared with.
//!
//! `secret` and `verify_token` are kept in clear on purpose: an HMAC key (the generic `whsec_…` secret, WhatsApp's
//! app secret) must be recoverable to recompute each request's signature, and Telegram's secret token and
//! WhatsApp's verify token are shown to the admin who pastes them into the platform (compared in constant time).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `generic`, `whatsapp` or `telegram` (the URL's `{channel}`).
    pub channel: String,
    pub name: String,
    /// The bot of the conversations it starts; none: they start with humans.
    pub bot_id: Option<Uuid>,
    /// generic: `whsec_…` (Standard Webhooks); whatsapp: the Meta app secret; telegram: the `secret_token`.
    pub secret: String,
    /// whatsapp only: the token of the `GET` verification handshake.
    pub verify_token: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
