//! `createBot`, `updateBot`, `pauseBot`, `resumeBot`, `archiveBot`, `deleteBot`.

use super::Bot;
use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::publish;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::write::{self, Change, json_object, required_text};
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use entities::bot;
use entities::enums::BotStatus;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::json;

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 4000;

/// A new bot.
#[derive(InputObject)]
pub struct CreateBotInput {
    /// Display name, shown to contacts as the sender of its messages.
    pub name: String,
    /// What the bot does, for agents.
    pub description: Option<String>,
    /// The bot's configuration: a JSON object.
    pub config: Option<Json<serde_json::Value>>,
}

/// Changes to a bot: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateBotInput {
    /// The bot (its global id).
    pub id: ID,
    /// New display name.
    pub name: Option<String>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// Replaces the configuration (a JSON object).
    pub config: Option<Json<serde_json::Value>>,
}

/// A bot to act on.
#[derive(InputObject)]
pub struct BotIdInput {
    /// The bot (its global id).
    pub id: ID,
}

/// A bot after a change.
#[derive(SimpleObject)]
pub struct BotPayload {
    /// The bot as it is after this mutation.
    pub bot: Bot,
}

/// What `deleteBot` removed.
#[derive(SimpleObject)]
pub struct DeleteBotPayload {
    /// The global id of the deleted bot.
    pub deleted_bot_id: ID,
    /// Its conversations that were not resolved and went to humans.
    pub handed_to_humans: u64,
}

fn subject(_: &bot::Model) -> Subject {
    Subject::default()
}

/// Moves a bot to `to` if its state allows it (`from` lists the states it may come from).
async fn set_status(ctx: &Context<'_>, id: &ID, to: BotStatus, from: &[BotStatus], action: &str) -> ApiResult<Bot> {
    let (db, viewer) = (ctx.db()?, ctx.viewer()?);
    let id = id::decode(Kind::Bot, id, "id")?;
    let edited = write::edit::<bot::Entity, _>(db, viewer, id, "bot", subject, |b| {
        if b.status == to {
            return Ok(None);
        }
        if !from.contains(&b.status) {
            return Err(ApiError::transition("bot", b.status, action));
        }
        let mut row = b.clone().into_active_model();
        row.status = Set(to);
        row.updated_at = Set(entities::now());
        let payload = json!({ "botId": id::encode(Kind::Bot, b.id), "status": write::from_to(b.status, to) });
        Ok(Some(Change::new(row).event(EventType::BotUpdated, payload)))
    })
    .await?;
    publish(ctx, &edited.events).await?;
    Ok(edited.model.into())
}

#[derive(Default)]
pub struct BotMutation;

#[Object]
impl BotMutation {
    /// Creates an active bot.
    async fn create_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CreateBotInput,
    ) -> ApiResult<BotPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        required_text("name", &input.name, MAX_NAME)?;
        if let Some(d) = &input.description {
            write::optional_text("description", d, MAX_DESCRIPTION)?;
        }
        let config = input.config.map(|j| j.0).unwrap_or_else(|| json!({}));
        json_object("config", &config)?;
        let (bot, events) = super::service::create(db, viewer, input.name.trim(), input.description, config).await?;
        publish(ctx, &events).await?;
        Ok(BotPayload { bot: bot.into() })
    }

    /// Renames a bot, changes its description or replaces its configuration.
    async fn update_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: UpdateBotInput,
    ) -> ApiResult<BotPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Bot, &input.id, "id")?;
        if let Some(n) = &input.name {
            required_text("name", n, MAX_NAME)?;
        }
        if let MaybeUndefined::Value(d) = &input.description {
            write::optional_text("description", d, MAX_DESCRIPTION)?;
        }
        if let Some(c) = &input.config {
            json_object("config", &c.0)?;
        }
        let edited = write::edit::<bot::Entity, _>(db, viewer, id, "bot", subject, |b| {
            let mut row = b.clone().into_active_model();
            let mut changed = vec![];
            if let Some(n) = &input.name {
                row.name = Set(n.trim().to_owned());
                changed.push("name");
            }
            match &input.description {
                MaybeUndefined::Value(d) => row.description = Set(Some(d.clone())),
                MaybeUndefined::Null => row.description = Set(None),
                MaybeUndefined::Undefined => {}
            }
            if !input.description.is_undefined() {
                changed.push("description");
            }
            if let Some(c) = &input.config {
                row.config = Set(c.0.clone());
                changed.push("config");
            }
            if !row.is_changed() {
                return Ok(None);
            }
            row.updated_at = Set(entities::now());
            let payload = json!({ "botId": id::encode(Kind::Bot, b.id), "fields": changed });
            Ok(Some(Change::new(row).event(EventType::BotUpdated, payload)))
        })
        .await?;
        publish(ctx, &edited.events).await?;
        Ok(BotPayload { bot: edited.model.into() })
    }

    /// Stops a bot from answering; its conversations wait for it or for humans. Idempotent.
    async fn pause_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: BotIdInput,
    ) -> ApiResult<BotPayload> {
        let bot = set_status(ctx, &input.id, BotStatus::Paused, &[BotStatus::Active], "be paused").await?;
        Ok(BotPayload { bot })
    }

    /// Lets a paused bot answer again. An archived bot cannot be resumed (`CONFLICT`).
    async fn resume_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: BotIdInput,
    ) -> ApiResult<BotPayload> {
        let bot = set_status(ctx, &input.id, BotStatus::Active, &[BotStatus::Paused], "be resumed").await?;
        Ok(BotPayload { bot })
    }

    /// Retires a bot for good: it takes no new conversations and can then be deleted even with open ones.
    async fn archive_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: BotIdInput,
    ) -> ApiResult<BotPayload> {
        let from = [BotStatus::Active, BotStatus::Paused];
        let bot = set_status(ctx, &input.id, BotStatus::Archived, &from, "be archived").await?;
        Ok(BotPayload { bot })
    }

    /// Deletes a bot. Refused (`CONFLICT`) while it has unresolved conversations, unless it is archived; its
    /// unresolved conversations then go to humans. Conversations and messages stay, without the bot.
    async fn delete_bot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: BotIdInput,
    ) -> ApiResult<DeleteBotPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Bot, &input.id, "id")?;
        let (handed, events) = super::service::delete(db, viewer, id).await?;
        publish(ctx, &events).await?;
        Ok(DeleteBotPayload { deleted_bot_id: input.id, handed_to_humans: handed })
    }
}
