//! The `ApiKey` object: what a key is, never its secret.

use crate::auth::{Role, Scope, Scopes};
use crate::bots::Bot;
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::loaders;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::api_key::Model;
use std::sync::Arc;

pub struct ApiKey(pub Arc<Model>);

impl From<Model> for ApiKey {
    fn from(m: Model) -> Self {
        ApiKey(Arc::new(m))
    }
}

/// The scopes a stored key holds: the ones it was granted (always within its role's), or its role's.
pub fn scopes_of(m: &Model) -> Scopes {
    let role = Scopes::of_role(m.role);
    match m.scopes.as_array() {
        Some(names) => Scopes::from_claim(names.iter().filter_map(|v| v.as_str())).intersect(role),
        None => role,
    }
}

/// A credential for a program: its role or scopes, or the bot it acts as. Its secret is shown once, at creation
/// or rotation, and stored only as a hash.
#[Object]
impl ApiKey {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::ApiKey, self.0.id)
    }
    /// What the key is for, as given when it was created.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The key's public beginning (`prl_` and 12 characters): enough to recognise it, never enough to use it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// The role the key acts with (`BOT` for a bot key).
    async fn role(&self) -> crate::enums::Role {
        self.0.role.into()
    }
    /// What the key may do: the scopes it was granted, or all of its role's.
    async fn scopes(&self) -> Vec<Scope> {
        scopes_of(&self.0).iter().collect()
    }
    /// A bot key acts as this bot.
    async fn bot(&self, ctx: &Context<'_>) -> Option<Bot> {
        let found: ApiResult<Option<Bot>> = async {
            let Some(id) = self.0.bot_id else { return Ok(None) };
            Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot))
        }
        .await;
        found.or_null(ctx)
    }
    /// Rate-limit budget of this key (cost points per minute), when it differs from its role's default.
    async fn budget(&self) -> Option<i64> {
        self.0.budget
    }
    /// When the key was last used (recorded at most once a minute per key and server).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When the key stops working (null: never).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// After a rotation: until when the previous secret still works.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_expires_at.filter(|t| *t > Utc::now())
    }
    /// When the key was revoked (null: it was not).
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The role a key created with only `scopes` gets: the narrowest whose scopes cover them.
pub fn narrowest_role(scopes: Scopes) -> Role {
    [Role::Analyst, Role::Agent, Role::Admin]
        .into_iter()
        .find(|r| scopes.is_subset_of(Scopes::of_role(*r)))
        .unwrap_or(Role::Admin)
}
