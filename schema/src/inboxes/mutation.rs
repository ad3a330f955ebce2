//! Inbox management (admins; see `auth::policy`).

use super::service::{self, InboxChange, NewInbox, Secrets};
use super::{Inbox, InboxChannel};
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

/// A new inbox.
#[derive(InputObject)]
pub struct CreateInboxInput {
    /// The platform that will post to it.
    pub channel: InboxChannel,
    /// A name for people (at most 200 characters).
    pub name: String,
    /// The bot that gets the conversations it starts (its global id); absent: they start with humans.
    pub bot_id: Option<ID>,
    /// WhatsApp only, and required there: the Meta app secret, which signs `X-Hub-Signature-256`.
    pub app_secret: Option<String>,
}

/// Changes to an inbox: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateInboxInput {
    /// The inbox (its global id).
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// Another bot for the conversations it starts from now on; null: humans.
    pub bot_id: MaybeUndefined<ID>,
    /// WhatsApp only: a new Meta app secret (after resetting it in the Meta app dashboard).
    pub app_secret: Option<String>,
}

/// Names one inbox.
#[derive(InputObject)]
pub struct InboxIdInput {
    /// The inbox (its global id).
    pub id: ID,
}

/// An inbox and its secrets, shown only here: store them now.
#[derive(SimpleObject)]
pub struct InboxSecretPayload {
    /// The inbox.
    pub inbox: Inbox,
    /// Generic: `whsec_…`, the HMAC-SHA256 key (base64 after `whsec_`) that signs requests. Telegram: the
    /// `secret_token` to pass to `setWebhook`. Null for WhatsApp (Meta's app secret signs there).
    pub secret: Option<String>,
    /// WhatsApp only: the verify token to enter in the Meta app's webhook settings.
    pub verify_token: Option<String>,
}

/// The inbox as it is after the change.
#[derive(SimpleObject)]
pub struct InboxPayload {
    /// The inbox.
    pub inbox: Inbox,
}

/// What `deleteInbox` removed.
#[derive(SimpleObject)]
pub struct DeleteInboxPayload {
    /// The deleted inbox's id.
    pub deleted_id: ID,
}

fn secret_payload((inbox, secrets): (entities::inbox::Model, Secrets)) -> InboxSecretPayload {
    InboxSecretPayload { inbox: inbox.into(), secret: secrets.secret, verify_token: secrets.verify_token }
}

#[derive(Default)]
pub struct InboxMutation;

#[Object]
impl InboxMutation {
    /// Creates an inbox and shows its secret (or WhatsApp verify token) once. Its `webhookPath` receives from now on.
    async fn create_inbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel, name, bot and (WhatsApp) app secret.")] input: CreateInboxInput,
    ) -> ApiResult<InboxSecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let bot_id = input.bot_id.map(|b| id::decode(Kind::Bot, &b, "botId")).transpose()?;
        let new = NewInbox { channel: input.channel, name: input.name, bot_id, app_secret: input.app_secret };
        Ok(secret_payload(service::create(db, viewer, new).await?))
    }

    /// Changes an inbox's name, bot or (WhatsApp) app secret.
    async fn update_inbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inbox and what changes.")] input: UpdateInboxInput,
    ) -> ApiResult<InboxPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Inbox, &input.id, "id")?;
        let bot_id = match input.bot_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(b) => Some(Some(id::decode(Kind::Bot, &b, "botId")?)),
        };
        let change = InboxChange { name: input.name, bot_id, app_secret: input.app_secret };
        let inbox = service::update(db, viewer, id, change).await?;
        Ok(InboxPayload { inbox: inbox.into() })
    }

    /// Deletes an inbox: its webhook URL answers 404 from now on; its conversations and messages stay.
    async fn delete_inbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inbox.")] input: InboxIdInput,
    ) -> ApiResult<DeleteInboxPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Inbox, &input.id, "id")?;
        service::delete(db, viewer, id).await?;
        Ok(DeleteInboxPayload { deleted_id: input.id })
    }

    /// A new secret, shown once and in force at once: generic and Telegram a new signing secret / secret token,
    /// WhatsApp a new verify token.
    async fn rotate_inbox_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inbox.")] input: InboxIdInput,
    ) -> ApiResult<InboxSecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Inbox, &input.id, "id")?;
        Ok(secret_payload(service::rotate(db, viewer, id).await?))
    }
}
