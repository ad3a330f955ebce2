//! Creating, rotating and revoking API keys: called by GraphQL (`createApiKey`, …) and by `parlor api-key`.
//!
//! A key never holds more than its creator: its scopes must be within the creator's own (an admin key reduced
//! to `api_keys:admin` cannot mint a full admin key).

use super::secret;
use super::types::{narrowest_role, scopes_of};
use crate::auth::{Role, Scopes, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::scope::scoped;
use crate::write::{self, is_unique_violation, optional_text};
use chrono::{DateTime, Duration, Utc};
use entities::{api_key, bot};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Default time the previous secret keeps working after a rotation: a day, long enough to roll a deployment
/// (Stripe's "roll key" offers up to 7 days; we default to one and allow 0 to 7).
pub const DEFAULT_GRACE: Duration = Duration::hours(24);
pub const MAX_GRACE: Duration = Duration::days(7);

/// The largest budget a key may have: 4 billion points a minute (what the in-memory limiter can count).
pub const MAX_BUDGET: i64 = u32::MAX as i64;

pub struct NewKey {
    pub name: String,
    pub role: Option<Role>,
    pub scopes: Option<Scopes>,
    pub bot: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    pub budget: Option<i64>,
}

/// A key and its whole secret, which is shown this once.
pub struct Issued {
    pub key: api_key::Model,
    pub secret: String,
}

pub async fn create(db: &DatabaseConnection, viewer: &Viewer, new: NewKey) -> ApiResult<Issued> {
    optional_text("name", &new.name, 200)?;
    if new.name.trim().is_empty() {
        return Err(ApiError::bad_input("name", "must not be empty"));
    }
    let role = match (new.role, new.bot, new.scopes) {
        (Some(Role::Contact), _, _) => {
            return Err(ApiError::bad_input("role", "widgets use contact tokens (createContactToken), not keys"));
        }
        (Some(r), Some(_), _) if r != Role::Bot => {
            return Err(ApiError::bad_input("role", "a key bound to a bot has the role BOT"));
        }
        (Some(Role::Bot), None, _) => return Err(ApiError::bad_input("botId", "a BOT key needs the bot it acts as")),
        (Some(r), _, _) => r,
        (None, Some(_), _) => Role::Bot,
        (None, None, Some(s)) => narrowest_role(s),
        (None, None, None) => return Err(ApiError::bad_input("role", "give a role, scopes, or a bot")),
    };
    let role_scopes = Scopes::of_role(role);
    if let Some(s) = new.scopes {
        let extra = s.missing_from(role_scopes);
        if !extra.is_empty() {
            return Err(ApiError::bad_input("scopes", format!("the role does not include {}", extra.to_claim())));
        }
        if s.is_empty() {
            return Err(ApiError::bad_input("scopes", "a key needs at least one scope"));
        }
    }
    let held = new.scopes.unwrap_or(role_scopes);
    let beyond = held.missing_from(viewer.scopes);
    if !beyond.is_empty() {
        return Err(ApiError::Forbidden(format!("a key cannot hold scopes its creator lacks: {}", beyond.to_claim())));
    }
    if new.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(ApiError::bad_input("expiresAt", "must be in the future"));
    }
    if new.budget.is_some_and(|b| !(1..=MAX_BUDGET).contains(&b)) {
        return Err(ApiError::bad_input("budget", format!("must be between 1 and {MAX_BUDGET} points per minute")));
    }
    if let Some(b) = new.bot {
        scoped::<bot::Entity>(viewer)
            .filter(bot::Column::Id.eq(b))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::NotFound("bot".into()))?;
    }
    let scopes = match new.scopes {
        Some(s) => serde_json::json!(s.iter().map(|x| x.name()).collect::<Vec<_>>()),
        None => serde_json::Value::Null,
    };
    // A clash of the 48-bit public prefix is possible in theory: draw again.
    for _ in 0..4 {
        let g = secret::generate();
        let row = api_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(viewer.workspace_id),
            name: Set(new.name.trim().to_owned()),
            prefix: Set(g.prefix),
            secret_hash: Set(g.hash),
            role: Set(role),
            scopes: Set(scopes.clone()),
            last_used_at: Set(None),
            expires_at: Set(new.expires_at),
            revoked_at: Set(None),
            created_at: Set(entities::now()),
            bot_id: Set(new.bot),
            previous_secret_hash: Set(None),
            previous_expires_at: Set(None),
            budget: Set(new.budget),
        };
        match row.insert(db).await {
            Ok(key) => return Ok(Issued { key, secret: g.key }),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict("could not draw a unique key prefix; retry".into()))
}

/// A new secret; the previous one keeps working for `grace` (zero: it stops now).
pub async fn rotate(db: &DatabaseConnection, viewer: &Viewer, id: Uuid, grace: Duration) -> ApiResult<Issued> {
    if grace < Duration::zero() || grace > MAX_GRACE {
        return Err(ApiError::bad_input(
            "gracePeriod",
            format!("must be between 0 and {} seconds", MAX_GRACE.num_seconds()),
        ));
    }
    let txn = write::begin(db).await?;
    let result = async {
        let key = write::lock::<api_key::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("API key".into()))?;
        if key.revoked_at.is_some() {
            return Err(ApiError::transition("the API key", "revoked", "rotate a revoked key"));
        }
        let beyond = scopes_of(&key).missing_from(viewer.scopes);
        if !beyond.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "rotating this key needs scopes its rotator lacks: {}",
                beyond.to_claim()
            )));
        }
        let g = secret::with_prefix(key.prefix.clone());
        let previous_until = entities::now() + grace;
        let mut row = key.clone().into_active_model();
        row.previous_secret_hash = Set((grace > Duration::zero()).then(|| key.secret_hash.clone()));
        row.previous_expires_at = Set((grace > Duration::zero()).then_some(previous_until));
        row.secret_hash = Set(g.hash);
        let key = row.update(&txn).await?;
        Ok(Issued { key, secret: g.key })
    }
    .await;
    write::finish(txn, result).await
}

/// Revokes the key at once (every server stops accepting it within seconds: their key caches live 5 s).
pub async fn revoke(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<api_key::Model> {
    let txn = write::begin(db).await?;
    let result = async {
        let key = write::lock::<api_key::Entity, _>(&txn, viewer, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("API key".into()))?;
        if key.revoked_at.is_some() {
            return Ok(key);
        }
        let mut row = key.into_active_model();
        row.revoked_at = Set(Some(entities::now()));
        row.previous_secret_hash = Set(None);
        row.previous_expires_at = Set(None);
        Ok(row.update(&txn).await?)
    }
    .await;
    write::finish(txn, result).await
}
