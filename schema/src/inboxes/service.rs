//! Managing inboxes: called by GraphQL (admins). Secrets are made here and shown once: the generic channel's
//! `whsec_…` comes from the outbound webhooks' generator (one format for integrators to handle), Telegram's
//! `secret_token` and WhatsApp's verify token are URL-safe random strings (Telegram allows `A-Z a-z 0-9 _ -`).

use super::InboxChannel;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::scope::{scoped, scoped_delete};
use crate::write::{self, required_text};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entities::enums::BotStatus;
use entities::{bot, inbox};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

const MAX_NAME: usize = 200;
const MAX_APP_SECRET: usize = 256;

/// 32 random bytes as URL-safe base64 (43 characters of `A-Z a-z 0-9 _ -`).
fn new_token() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    URL_SAFE_NO_PAD.encode(key)
}

pub struct NewInbox {
    pub channel: InboxChannel,
    pub name: String,
    pub bot_id: Option<Uuid>,
    /// WhatsApp: the Meta app secret that signs `X-Hub-Signature-256` (required there, refused elsewhere).
    pub app_secret: Option<String>,
}

#[derive(Default)]
pub struct InboxChange {
    pub name: Option<String>,
    /// `Some(None)` detaches the bot.
    pub bot_id: Option<Option<Uuid>>,
    pub app_secret: Option<String>,
}

/// What to show once: the signing secret (generic, Telegram) and the verify token (WhatsApp).
pub struct Secrets {
    pub secret: Option<String>,
    pub verify_token: Option<String>,
}

fn secrets_of(row: &inbox::Model) -> Secrets {
    match InboxChannel::parse(&row.channel) {
        Some(InboxChannel::Whatsapp) => Secrets { secret: None, verify_token: row.verify_token.clone() },
        _ => Secrets { secret: Some(row.secret.clone()), verify_token: None },
    }
}

async fn check_bot(db: &DatabaseConnection, viewer: &Viewer, bot_id: Option<Uuid>) -> ApiResult<()> {
    let Some(id) = bot_id else { return Ok(()) };
    match scoped::<bot::Entity>(viewer).filter(bot::Column::Id.eq(id)).one(db).await? {
        None => Err(ApiError::NotFound("bot".into())),
        Some(b) if b.status == BotStatus::Archived => Err(ApiError::transition("bot", b.status, "take new inboxes")),
        Some(_) => Ok(()),
    }
}

fn check_app_secret(s: &str) -> ApiResult<()> {
    required_text("appSecret", s, MAX_APP_SECRET)
}

pub async fn create(db: &DatabaseConnection, viewer: &Viewer, new: NewInbox) -> ApiResult<(inbox::Model, Secrets)> {
    required_text("name", &new.name, MAX_NAME)?;
    let (secret, verify_token) = match (new.channel, new.app_secret) {
        (InboxChannel::Whatsapp, Some(app)) => {
            check_app_secret(&app)?;
            (app.trim().to_owned(), Some(new_token()))
        }
        (InboxChannel::Whatsapp, None) => {
            return Err(ApiError::bad_input("appSecret", "a WhatsApp inbox needs the Meta app secret"));
        }
        (_, Some(_)) => return Err(ApiError::bad_input("appSecret", "only WhatsApp inboxes have an app secret")),
        (InboxChannel::Generic, None) => (crate::webhooks::service::new_secret(), None),
        (InboxChannel::Telegram, None) => (new_token(), None),
    };
    check_bot(db, viewer, new.bot_id).await?;
    let now = entities::now();
    let row = inbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(viewer.workspace_id),
        channel: Set(new.channel.as_str().to_owned()),
        name: Set(new.name.trim().to_owned()),
        bot_id: Set(new.bot_id),
        secret: Set(secret),
        verify_token: Set(verify_token),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let secrets = secrets_of(&row);
    Ok((row, secrets))
}

pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    change: InboxChange,
) -> ApiResult<inbox::Model> {
    if let Some(n) = &change.name {
        required_text("name", n, MAX_NAME)?;
    }
    if let Some(s) = &change.app_secret {
        check_app_secret(s)?;
    }
    if let Some(bot) = change.bot_id {
        check_bot(db, viewer, bot).await?;
    }
    let txn = write::begin(db).await?;
    let result: ApiResult<_> = async {
        let current = write::lock::<inbox::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("inbox".into()))?;
        if change.app_secret.is_some() && current.channel != InboxChannel::Whatsapp.as_str() {
            return Err(ApiError::bad_input("appSecret", "only WhatsApp inboxes have an app secret"));
        }
        let mut row = current.into_active_model();
        if let Some(n) = change.name {
            row.name = Set(n.trim().to_owned());
        }
        if let Some(b) = change.bot_id {
            row.bot_id = Set(b);
        }
        if let Some(s) = change.app_secret {
            row.secret = Set(s.trim().to_owned());
        }
        row.updated_at = Set(entities::now());
        Ok(row.update(&txn).await?)
    }
    .await;
    write::finish(txn, result).await
}

/// Deletes an inbox: its URL answers 404 from now on; its conversations and messages stay.
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<()> {
    let done = scoped_delete::<inbox::Entity>(viewer).filter(inbox::Column::Id.eq(id)).exec(db).await?;
    if done.rows_affected == 0 {
        return Err(ApiError::NotFound("inbox".into()));
    }
    Ok(())
}

/// A new secret, shown once, in force at once: generic and Telegram a new signing secret / secret token (set it
/// on the sender's side: Telegram's `setWebhook`), WhatsApp a new verify token (its app secret is Meta's: change
/// it with `updateInbox`).
pub async fn rotate(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<(inbox::Model, Secrets)> {
    let txn = write::begin(db).await?;
    let result: ApiResult<_> = async {
        let current = write::lock::<inbox::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("inbox".into()))?;
        let channel = InboxChannel::parse(&current.channel);
        let mut row = current.into_active_model();
        match channel {
            Some(InboxChannel::Whatsapp) => row.verify_token = Set(Some(new_token())),
            Some(InboxChannel::Telegram) => row.secret = Set(new_token()),
            Some(InboxChannel::Generic) | None => row.secret = Set(crate::webhooks::service::new_secret()),
        }
        row.updated_at = Set(entities::now());
        let row = row.update(&txn).await?;
        let secrets = secrets_of(&row);
        Ok((row, secrets))
    }
    .await;
    write::finish(txn, result).await
}

/// The inbox a webhook names, whatever its workspace (the request carries no credential: the inbox's secret
/// authenticates it, and the inbox says which workspace it writes to).
pub async fn find(db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<inbox::Model>> {
    #[expect(clippy::disallowed_methods, reason = "the webhook's inbox decides the workspace; nothing to scope by yet")]
    let found = inbox::Entity::find_by_id(id).one(db).await?;
    Ok(found)
}
