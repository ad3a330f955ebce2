//! `createApiKey`, `rotateApiKey`, `revokeApiKey` (admins; see `auth::policy`).

use super::ApiKey;
use super::service::{self, DEFAULT_GRACE, NewKey};
use crate::auth::{Scope, Scopes};
use crate::context::ContextExt;
use crate::enums::Role;
use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};

/// A new key. Give a `role` (and optionally fewer `scopes` than it holds), only `scopes` (the key then gets the
/// narrowest role that has them), or a `botId` (a bot key, role `BOT`).
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What the key is for, e.g. "CRM sync".
    pub name: String,
    /// The key's role; without it, the narrowest role that holds `scopes`.
    pub role: Option<Role>,
    /// Fewer scopes than the role holds (a key never holds more than its role).
    pub scopes: Option<Vec<Scope>>,
    /// Makes a bot key: it acts as this bot, in the bot's conversations only.
    pub bot_id: Option<ID>,
    /// When the key stops working (never, if absent).
    pub expires_at: Option<DateTime<Utc>>,
    /// Rate-limit budget in cost points per minute, instead of the role's default (premium keys get more).
    pub budget: Option<i64>,
}

/// A key to give a new secret.
#[derive(InputObject)]
pub struct RotateApiKeyInput {
    /// The key (its global id).
    pub id: ID,
    /// Seconds the previous secret keeps working (default 86400, a day; 0 stops it now; at most 7 days).
    pub grace_period: Option<i32>,
}

/// A key to stop at once.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key (its global id).
    pub id: ID,
}

/// A key and its secret. The secret is shown only here: store it now.
#[derive(SimpleObject)]
pub struct ApiKeySecretPayload {
    /// The key, as stored (without its secret).
    pub api_key: ApiKey,
    /// The whole key (`prl_…`), to send as `Authorization: Bearer <secret>`. Only its hash is stored.
    pub secret: String,
}

/// A key after a change.
#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    /// The key, as it is after this mutation.
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct ApiKeyMutation;

#[Object]
impl ApiKeyMutation {
    /// Creates a key and shows its secret once.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CreateApiKeyInput,
    ) -> ApiResult<ApiKeySecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let new = NewKey {
            name: input.name,
            role: input.role.map(Into::into),
            scopes: input.scopes.map(|s| Scopes::of(&s)),
            bot: input.bot_id.as_ref().map(|b| id::decode(Kind::Bot, b, "botId")).transpose()?,
            expires_at: input.expires_at,
            budget: input.budget,
        };
        let issued = service::create(db, viewer, new).await?;
        Ok(ApiKeySecretPayload { api_key: issued.key.into(), secret: issued.secret })
    }

    /// A new secret for a key; the previous one keeps working for `gracePeriod` seconds, so that deployments can
    /// switch without downtime.
    async fn rotate_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: RotateApiKeyInput,
    ) -> ApiResult<ApiKeySecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::ApiKey, &input.id, "id")?;
        let grace = match input.grace_period {
            None => DEFAULT_GRACE,
            Some(s) if s < 0 => return Err(ApiError::bad_input("gracePeriod", "must not be negative")),
            Some(s) => Duration::seconds(i64::from(s)),
        };
        let issued = service::rotate(db, viewer, id, grace).await?;
        Ok(ApiKeySecretPayload { api_key: issued.key.into(), secret: issued.secret })
    }

    /// Revokes a key: every server refuses it within seconds, and its open sockets close (4403).
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: RevokeApiKeyInput,
    ) -> ApiResult<ApiKeyPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::ApiKey, &input.id, "id")?;
        Ok(ApiKeyPayload { api_key: service::revoke(db, viewer, id).await?.into() })
    }
}
