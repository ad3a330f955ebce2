//! JWTs Parlor signs itself (HS256 with `PARLOR_JWT_SECRET`): development tokens (`parlor token`) and widget
//! tokens (`createContactToken`), and the claim names every JWT is read with (see api's `auth::jwt`).
//!
//! Claims: `sub` is the agent (or, with role `contact`, the contact) as a global or plain id; `workspace` the
//! workspace's id or slug; `role`; `scope` the OAuth space-separated scopes when the token holds fewer than its
//! role's; `exp`, `iat`, and `iss`/`aud` when the server is configured with them. An identity provider's access
//! tokens carry the same claims (the workspace and role claim names are configurable).

use super::{Role, Scopes};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use uuid::Uuid;

/// The shortest secret we accept: 256 bits, the size of HS256's output (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;
/// Default lifetime of a token Parlor signs: one hour, as OAuth 2.0 access tokens usually live (Google's
/// `expires_in` 3600; the OAuth 2.0 Security BCP asks for short-lived bearer tokens).
pub const DEFAULT_TTL: Duration = Duration::hours(1);
/// Longest lifetime we sign: a widget token is a bearer credential held by a browser.
pub const MAX_TTL: Duration = Duration::days(7);

#[derive(Serialize)]
struct Claims<'a> {
    sub: String,
    workspace: String,
    role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// Signs HS256 tokens with the server's secret.
pub struct TokenSigner {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

/// A signed token and when it stops working.
pub struct Minted {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenSigner {
    pub fn new(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!("the JWT secret must be at least {MIN_SECRET_BYTES} bytes"));
        }
        let key = EncodingKey::from_secret(secret).map_err(|e| e.to_string())?;
        Ok(Self { key, issuer, audience })
    }

    /// A token for `subject` (an agent's or contact's id) in `workspace`, holding `role` and, when given, fewer
    /// scopes than the role's.
    pub fn mint(
        &self,
        workspace: Uuid,
        subject: Uuid,
        role: Role,
        scopes: Option<Scopes>,
        ttl: Duration,
    ) -> ApiResult<Minted> {
        if ttl <= Duration::zero() || ttl > MAX_TTL {
            return Err(ApiError::bad_input(
                "expiresIn",
                format!("must be between 1 second and {} days", MAX_TTL.num_days()),
            ));
        }
        let now = Utc::now();
        let expires_at = now + ttl;
        let claims = Claims {
            sub: subject.to_string(),
            workspace: workspace.to_string(),
            role: super::access::role_name(role),
            scope: scopes.map(Scopes::to_claim),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.issuer.as_deref(),
            aud: self.audience.as_deref(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            ApiError::Internal
        })?;
        Ok(Minted { token, expires_at })
    }
}
