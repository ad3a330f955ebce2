//! Verifying JWTs: HS256 with the server's secret (`PARLOR_JWT_SECRET`: development tokens, widget tokens, your
//! own backend's tokens), and RS256/ES256 with an identity provider's JWKS (its OAuth 2.0 access tokens).
//!
//! The algorithm is pinned per key: HS256 only with the secret, RS256/ES256 only with the JWKS key of that type;
//! `none` and every other algorithm are refused. `exp` is required, `nbf` honoured, both with [`LEEWAY`] for
//! clock skew; `iss` and `aud` are checked when configured.

use super::jwks::Jwks;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use schema::auth::Scopes;
use serde_json::{Map, Value};

/// Clock skew tolerated on `exp` and `nbf` (jsonwebtoken's default is 60 s; 30 s is enough for NTP-synced hosts).
pub const LEEWAY_SECS: u64 = 30;

/// What a verified token says.
#[derive(Debug)]
pub struct Claims {
    pub subject: String,
    pub workspace: String,
    pub role: Option<String>,
    /// `None`: the role's scopes; `Some`: the scopes of the token's `scope` (or `scp`) claim.
    pub scopes: Option<Scopes>,
    pub expires_at: DateTime<Utc>,
}

pub struct Verifier {
    pub secret: Option<DecodingKey>,
    pub jwks: Option<Jwks>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub workspace_claim: String,
    pub role_claim: String,
}

impl Verifier {
    /// The token's claims, or why it is refused (said to the client: never a secret, never the token).
    pub async fn verify(&self, token: &str) -> Result<Claims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "the token is not a valid JWT".to_owned())?;
        let public;
        let (key, alg): (&DecodingKey, Algorithm) = match header.alg {
            Algorithm::HS256 => (self.secret.as_ref().ok_or("this server accepts no HS256 tokens")?, Algorithm::HS256),
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = self.jwks.as_ref().ok_or("this server has no JWKS for RS256/ES256 tokens")?;
                public = jwks.key(header.kid.as_deref()).await.ok_or("the token's signing key (kid) is not known")?;
                if public.alg != header.alg {
                    return Err("the token's algorithm does not match its key".into());
                }
                (&*public.key, public.alg)
            }
            other => return Err(format!("the algorithm {other:?} is not accepted")),
        };
        let mut v = Validation::new(alg);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        // A configured `iss` or `aud` must be present, not only right when present.
        let mut required = vec!["exp", "sub"];
        match &self.issuer {
            Some(iss) => {
                v.set_issuer(&[iss]);
                required.push("iss");
            }
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                required.push("aud");
            }
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&required);
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &v).map_err(|e| refusal(&e))?;
        self.claims(data.claims)
    }

    fn claims(&self, mut c: Map<String, Value>) -> Result<Claims, String> {
        let text = |c: &mut Map<String, Value>, name: &str| match c.remove(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let subject = text(&mut c, "sub").ok_or("the token has no `sub`")?;
        let workspace = text(&mut c, &self.workspace_claim)
            .ok_or_else(|| format!("the token has no `{}` claim", self.workspace_claim))?;
        let role = text(&mut c, &self.role_claim);
        let scopes = match (c.remove("scope"), c.remove("scp")) {
            (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => Some(Scopes::from_claim(s.split(' '))),
            (None, Some(Value::Array(list))) => Some(Scopes::from_claim(list.iter().filter_map(|v| v.as_str()))),
            _ => None,
        };
        let exp = c.get("exp").and_then(Value::as_i64).ok_or("the token has no numeric `exp`")?;
        let expires_at = DateTime::from_timestamp(exp, 0).ok_or("the token's `exp` is out of range")?;
        Ok(Claims { subject, workspace, role, scopes, expires_at })
    }
}

/// What a client is told about a refused token: enough to act on, nothing about keys.
fn refusal(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => "the token has expired".into(),
        K::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        K::InvalidAudience => "the token is for another audience (aud)".into(),
        K::InvalidIssuer => "the token is from an unexpected issuer (iss)".into(),
        K::InvalidSignature => "the token's signature is invalid".into(),
        K::InvalidAlgorithm => "the token's algorithm is not accepted".into(),
        K::MissingRequiredClaim(c) => format!("the token has no `{c}`"),
        _ => "the token is not a valid JWT".into(),
    }
}
