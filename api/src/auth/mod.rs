//! Authentication: `Authorization: Bearer <credential>` on HTTP, and the same value in `connection_init` on
//! WebSocket, becomes the [`Viewer`] that the schema enforces permissions and tenancy with.
//!
//! A credential is an API key or bot key (`prl_…`, [`keys`]) or a JWT ([`jwt`]: HS256 with the server's secret,
//! RS256/ES256 with an identity provider's JWKS). A JWT names its workspace and its subject: an agent of that
//! workspace (roles `admin`, `agent`, `analyst`; the agent's own role when the token has none) or, with role
//! `contact`, a contact (a widget token). Credentials never travel in URLs.

pub mod cache;
pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod workspaces;

use cache::TtlCache;
use chrono::Utc;
use entities::{agent, contact};
use schema::auth::{Principal, Role, Scopes, Viewer};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long an agent or contact behind a token is trusted to exist before it is read again.
const SUBJECT_TTL: Duration = Duration::from_secs(30);
const CACHED_SUBJECTS: usize = 50_000;

/// Why a credential was not accepted.
#[derive(Debug)]
pub enum Refusal {
    /// 401 / close 4403, with what the client can act on.
    Unauthenticated(String),
    /// The database could not be asked (503).
    Unavailable,
}

impl From<DbErr> for Refusal {
    fn from(e: DbErr) -> Self {
        tracing::warn!(error = %e, "authentication could not read the database");
        Refusal::Unavailable
    }
}

fn refuse<T>(why: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::Unauthenticated(why.into()))
}

pub struct Authenticator {
    db: DatabaseConnection,
    pub workspaces: workspaces::WorkspaceCache,
    jwt: jwt::Verifier,
    pub keys: Arc<keys::KeyStore>,
    /// Agents by (workspace, id): their role, or `None` when there is no such agent.
    agents: TtlCache<(Uuid, Uuid), Option<Role>>,
    /// Contacts by (workspace, id): whether they exist and are not erased.
    contacts: TtlCache<(Uuid, Uuid), bool>,
}

impl Authenticator {
    pub fn new(db: DatabaseConnection, jwt: jwt::Verifier) -> Self {
        Self {
            keys: Arc::new(keys::KeyStore::new(db.clone())),
            db,
            workspaces: Default::default(),
            jwt,
            agents: TtlCache::new(SUBJECT_TTL, CACHED_SUBJECTS),
            contacts: TtlCache::new(SUBJECT_TTL, CACHED_SUBJECTS),
        }
    }

    /// The viewer a credential stands for.
    pub async fn authenticate(&self, credential: &str) -> Result<Viewer, Refusal> {
        if credential.starts_with(schema::api_keys::secret::PREFIX) {
            return self.keys.verify(credential).await?.map_err(Refusal::Unauthenticated);
        }
        let claims = self.jwt.verify(credential).await.map_err(Refusal::Unauthenticated)?;
        let Some(workspace_id) = self.workspaces.resolve(&claims.workspace, &self.db).await? else {
            return refuse("the token's workspace does not exist");
        };
        let role = match claims.role.as_deref() {
            None => None,
            Some("admin") => Some(Role::Admin),
            Some("agent") => Some(Role::Agent),
            Some("analyst") => Some(Role::Analyst),
            Some("contact") => Some(Role::Contact),
            Some("bot") => return refuse("role bot is for bot keys, not tokens"),
            Some(_) => return refuse("the token's role is not one of admin, agent, analyst, contact"),
        };
        let (principal, role) = if role == Some(Role::Contact) {
            let Some(id) = subject_id(&claims.subject, schema::id::Kind::Contact) else {
                return refuse("a contact token's `sub` must be a contact id");
            };
            if !self.contact_exists(workspace_id, id).await? {
                return refuse("the token's contact does not exist");
            }
            (Principal::Contact(id), Role::Contact)
        } else {
            let Some(id) = subject_id(&claims.subject, schema::id::Kind::Agent) else {
                return refuse("the token's `sub` must be an agent id");
            };
            let Some(own_role) = self.agent_role(workspace_id, id).await? else {
                return refuse("the token's agent does not exist in its workspace");
            };
            (Principal::Agent(id), role.unwrap_or(own_role))
        };
        let scopes = Scopes::of_role(role);
        Ok(Viewer {
            workspace_id,
            principal,
            role,
            scopes: claims.scopes.map_or(scopes, |s| s.intersect(scopes)),
            expires_at: Some(claims.expires_at),
            budget: None,
        })
    }

    /// Whether a viewer made earlier (an open socket's) still holds: not expired, its key not revoked, its agent
    /// or contact still there. `Err` says why not.
    pub async fn recheck(&self, viewer: &Viewer) -> Result<(), Refusal> {
        if viewer.expires_at.is_some_and(|t| t <= Utc::now()) {
            return refuse("the credential has expired");
        }
        match viewer.principal {
            Principal::ApiKey { id, .. } => self.keys.still_valid(id).await?.map_err(Refusal::Unauthenticated),
            Principal::Agent(id) => match self.agent_role(viewer.workspace_id, id).await? {
                Some(_) => Ok(()),
                None => refuse("the agent no longer exists"),
            },
            Principal::Contact(id) => match self.contact_exists(viewer.workspace_id, id).await? {
                true => Ok(()),
                false => refuse("the contact no longer exists"),
            },
            Principal::System => Ok(()),
        }
    }

    async fn agent_role(&self, workspace: Uuid, id: Uuid) -> Result<Option<Role>, DbErr> {
        if let Some(role) = self.agents.get(&(workspace, id)) {
            return Ok(role);
        }
        let role = agent::Entity::find_by_id(id)
            .filter(agent::Column::WorkspaceId.eq(workspace))
            .one(&self.db)
            .await?
            .map(|a| a.role);
        self.agents.put((workspace, id), role);
        Ok(role)
    }

    async fn contact_exists(&self, workspace: Uuid, id: Uuid) -> Result<bool, DbErr> {
        if let Some(found) = self.contacts.get(&(workspace, id)) {
            return Ok(found);
        }
        let found = contact::Entity::find_by_id(id)
            .filter(contact::Column::WorkspaceId.eq(workspace))
            .filter(contact::Column::DeletedAt.is_null())
            .one(&self.db)
            .await?
            .is_some();
        self.contacts.put((workspace, id), found);
        Ok(found)
    }
}

/// A token subject: a plain uuid, or a global id of `kind`.
fn subject_id(sub: &str, kind: schema::id::Kind) -> Option<Uuid> {
    Uuid::parse_str(sub).ok().or_else(|| schema::id::decode(kind, &sub.into(), "sub").ok())
}

/// The credential of an `Authorization` header: `Ok(None)` without one, `Err` for another scheme or an empty one.
pub fn bearer(value: Option<&axum::http::HeaderValue>) -> Result<Option<&str>, Refusal> {
    let Some(value) = value else { return Ok(None) };
    let Ok(value) = value.to_str() else { return refuse("the Authorization header is not ASCII") };
    let (scheme, credential) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return refuse("use `Authorization: Bearer <token or API key>`");
    }
    let credential = credential.trim();
    if credential.is_empty() || credential.len() > 8192 {
        return refuse("the bearer credential is empty or too long");
    }
    Ok(Some(credential))
}
