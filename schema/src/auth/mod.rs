//! Who is asking, and what they may do: the [`Viewer`] every resolver, loader and live stream reads, made by the
//! api crate from the request's credential (a JWT, an API key, a bot key or a widget token).
//!
//! Permissions are enforced in two places, once each:
//! - [`policy`] + [`access`]: which root fields a role and its scopes may run, which types it may read and which
//!   fields it may not see, checked for the whole operation before anything runs (`FORBIDDEN`);
//! - [`crate::scope`]: which rows a viewer reaches (its workspace; for a widget token its contact's conversations
//!   and their public messages; for a bot key its bot's conversations): another workspace's object is simply not
//!   found (`NOT_FOUND`), as an unknown id is.

pub mod access;
pub mod acting;
pub mod graphql;
pub mod policy;
pub mod scopes;
pub mod token;

pub use entities::enums::Role;
pub use scopes::{Scope, Scopes};

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How a schema authenticates and signs: built once by the api crate from its configuration.
pub struct Setup {
    /// Whether reading the schema needs a credential.
    pub introspection: access::Introspection,
    /// No introspection at all (`--introspection off`).
    pub introspection_off: bool,
    /// Signs widget tokens (`createContactToken`), when the server has an HS256 secret.
    pub signer: Option<std::sync::Arc<token::TokenSigner>>,
    /// Charges each operation's cost to its principal's budget (none: no rate limits).
    pub limiter: Option<std::sync::Arc<dyn crate::rate::Limiter>>,
    /// What webhook management needs to know of the worker (SSRF policy, its wake-up).
    pub webhooks: crate::webhooks::Settings,
}

/// The credential behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A person of the workspace: a JWT whose subject is one of its agents.
    Agent(Uuid),
    /// An API key; a bot key when `bot` is set (it then acts as that bot).
    ApiKey { id: Uuid, bot: Option<Uuid> },
    /// A widget token bound to one contact.
    Contact(Uuid),
    /// Parlor itself acting in a workspace (inbound channels, command-line tools).
    System,
}

/// Which rows of its workspace a viewer reaches (see `scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    Workspace,
    /// A widget token: this contact, its conversations and their non-private messages.
    Contact(Uuid),
    /// A bot key: conversations this bot is on, and their messages.
    Bot(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub workspace_id: Uuid,
    pub principal: Principal,
    pub role: Role,
    /// What this credential may do: its role's scopes, or the subset it was granted.
    pub scopes: Scopes,
    /// When the credential stops working (a JWT's `exp`, an API key's `expiresAt`); sockets close then.
    pub expires_at: Option<DateTime<Utc>>,
    /// A rate-limit budget of its own (points per minute), instead of its role's: a premium key's.
    pub budget: Option<u64>,
}

impl Viewer {
    /// Parlor acting for a workspace with every permission: inbound channel webhooks, `parlor` tools, tests of
    /// service functions. Never made from a request's credential.
    pub fn system(workspace_id: Uuid) -> Viewer {
        Viewer {
            workspace_id,
            principal: Principal::System,
            role: Role::Admin,
            scopes: Scopes::of_role(Role::Admin),
            expires_at: None,
            budget: None,
        }
    }

    pub fn reach(&self) -> Reach {
        match self.principal {
            Principal::Contact(c) => Reach::Contact(c),
            Principal::ApiKey { bot: Some(b), .. } => Reach::Bot(b),
            Principal::Agent(_) | Principal::ApiKey { bot: None, .. } | Principal::System => Reach::Workspace,
        }
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// `FORBIDDEN` unless the viewer holds `scope`.
    pub fn require(&self, scope: Scope, to: &str) -> Result<(), ApiError> {
        if self.has(scope) {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!("{to} needs the scope {}, which this credential does not hold", scope.name())))
    }

    /// The agent behind the request, if a person of the workspace is asking.
    pub fn agent(&self) -> Option<Uuid> {
        match self.principal {
            Principal::Agent(a) => Some(a),
            _ => None,
        }
    }

    /// A short label for logs (never a secret): `agent:<id>`, `api_key:<id>`, `contact:<id>`, `system`.
    pub fn label(&self) -> String {
        match self.principal {
            Principal::Agent(id) => format!("agent:{id}"),
            Principal::ApiKey { id, .. } => format!("api_key:{id}"),
            Principal::Contact(id) => format!("contact:{id}"),
            Principal::System => "system".to_owned(),
        }
    }
}
