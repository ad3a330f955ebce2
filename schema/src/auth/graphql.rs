//! `viewer` (who am I, with what permissions) and `createContactToken` (a widget token for one contact).

use super::token::{DEFAULT_TTL, TokenSigner};
use super::{Principal, Role, Scope};
use crate::agents::Agent;
use crate::api_keys::ApiKey;
use crate::bots::Bot;
use crate::contacts::Contact;
use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::loaders;
use crate::workspaces::{self, Workspace};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// What kind of credential is asking.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A JWT for one of the workspace's agents.
    Agent,
    /// An API key with a role (not bound to a bot).
    ApiKey,
    /// An API key bound to a bot.
    BotKey,
    /// A widget token for one contact.
    Contact,
}

/// The credential behind this request.
pub struct CurrentViewer(super::Viewer);

/// The credential behind this request: its kind, role, scopes and expiry, and who it acts as.
#[Object(name = "Viewer")]
impl CurrentViewer {
    /// What kind of credential this is.
    async fn kind(&self) -> CredentialKind {
        match self.0.principal {
            Principal::Agent(_) => CredentialKind::Agent,
            Principal::ApiKey { bot: Some(_), .. } => CredentialKind::BotKey,
            Principal::ApiKey { bot: None, .. } | Principal::System => CredentialKind::ApiKey,
            Principal::Contact(_) => CredentialKind::Contact,
        }
    }
    /// The role the credential acts with.
    async fn role(&self) -> crate::enums::Role {
        self.0.role.into()
    }
    /// What this credential may do (see README.md's permission table).
    async fn scopes(&self) -> Vec<Scope> {
        self.0.scopes.iter().collect()
    }
    /// When the credential stops working, if it does.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// The workspace the credential belongs to (every answer is about it alone).
    async fn workspace(&self, ctx: &Context<'_>) -> ApiResult<Workspace> {
        workspaces::current(ctx).await
    }
    /// The agent, for an agent's token.
    async fn agent(&self, ctx: &Context<'_>) -> Option<Agent> {
        let Principal::Agent(id) = self.0.principal else { return None };
        let found: ApiResult<Option<Agent>> = async { Ok(loaders(ctx)?.agent().load_one(id).await?.map(Agent)) }.await;
        found.or_null(ctx)
    }
    /// The contact, for a widget token.
    async fn contact(&self, ctx: &Context<'_>) -> Option<Contact> {
        let Principal::Contact(id) = self.0.principal else { return None };
        let found: ApiResult<Option<Contact>> =
            async { Ok(loaders(ctx)?.contact().load_one(id).await?.map(Contact)) }.await;
        found.or_null(ctx)
    }
    /// The bot, for a bot key.
    async fn bot(&self, ctx: &Context<'_>) -> Option<Bot> {
        let Principal::ApiKey { bot: Some(id), .. } = self.0.principal else { return None };
        let found: ApiResult<Option<Bot>> = async { Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot)) }.await;
        found.or_null(ctx)
    }
    /// The key, for an API key or bot key (reading it needs `api_keys:admin`).
    async fn api_key(&self, ctx: &Context<'_>) -> Option<ApiKey> {
        let Principal::ApiKey { id, .. } = self.0.principal else { return None };
        let found: ApiResult<Option<ApiKey>> =
            async { Ok(loaders(ctx)?.api_key().load_one(id).await?.map(ApiKey)) }.await;
        found.or_null(ctx)
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is asking: the credential's kind, role, scopes and expiry, and the agent, contact or bot behind it.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<CurrentViewer> {
        Ok(CurrentViewer(ctx.viewer()?.clone()))
    }
}

/// A widget token for one contact.
#[derive(InputObject)]
pub struct CreateContactTokenInput {
    /// The contact (its global id).
    pub contact_id: ID,
    /// Lifetime in seconds (default 3600, at most 7 days).
    pub expires_in: Option<i32>,
}

/// A widget token and whom it is for.
#[derive(SimpleObject)]
pub struct ContactTokenPayload {
    /// A JWT for the chat widget: it reads only this contact's conversations and their public messages, sends
    /// as the contact, marks read, sets typing and subscribes to its own conversations.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The contact the token acts as.
    pub contact: Contact,
}

#[derive(Default)]
pub struct ContactTokenMutation;

#[Object]
impl ContactTokenMutation {
    /// A widget token for one contact, signed by this server (your backend calls this with its API key, then
    /// hands the token to the contact's browser).
    async fn create_contact_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CreateContactTokenInput,
    ) -> ApiResult<ContactTokenPayload> {
        let viewer = ctx.viewer()?;
        let signer = ctx.data_opt::<Arc<TokenSigner>>().ok_or_else(|| {
            ApiError::Conflict("this server signs no tokens: configure PARLOR_JWT_SECRET to issue widget tokens".into())
        })?;
        let id = id::decode(Kind::Contact, &input.contact_id, "contactId")?;
        let contact =
            loaders(ctx)?.contact().load_one(id).await?.ok_or_else(|| ApiError::NotFound("contact".into()))?;
        if contact.deleted_at.is_some() {
            return Err(ApiError::transition("the contact", "deleted", "issue a token for an erased contact"));
        }
        let ttl = input.expires_in.map_or(DEFAULT_TTL, |s| Duration::seconds(i64::from(s)));
        let minted = signer.mint(viewer.workspace_id, contact.id, Role::Contact, None, ttl)?;
        Ok(ContactTokenPayload { token: minted.token, expires_at: minted.expires_at, contact: Contact(contact) })
    }
}
