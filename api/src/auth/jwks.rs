//! Public keys of an identity provider (a JWKS: a file, or a URL fetched and cached), so that its OAuth 2.0
//! access tokens work as Parlor credentials.
//!
//! Each key is pinned to one algorithm: its JWK `alg` when given, else RS256 for RSA keys and ES256 for P-256
//! keys. Symmetric (`oct`) keys in a JWKS are ignored: an HMAC secret is configured on its own
//! (`PARLOR_JWT_SECRET`), so a token can never be verified with a public key taken as an HMAC secret. The set is
//! refreshed every [`REFRESH`], and at most once per [`MIN_REFETCH`] when a token names a key we do not know
//! (key rotation at the provider).

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub const REFRESH: Duration = Duration::from_secs(600);
pub const MIN_REFETCH: Duration = Duration::from_secs(60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PublicKey {
    pub kid: Option<String>,
    pub alg: Algorithm,
    pub key: Arc<DecodingKey>,
}

enum Source {
    File(std::path::PathBuf),
    Url(String),
}

pub struct Jwks {
    source: Source,
    client: reqwest::Client,
    state: Mutex<State>,
}

struct State {
    keys: Vec<PublicKey>,
    fetched: Option<Instant>,
}

impl Jwks {
    /// `location` is an `http(s)://` URL or a file path. The first load happens here: a file that cannot be read
    /// is an error (the server refuses to start); an unreachable URL is retried when a token needs it.
    pub async fn load(location: &str) -> Result<Self, String> {
        let source = if location.starts_with("https://") || location.starts_with("http://") {
            Source::Url(location.to_owned())
        } else {
            Source::File(location.into())
        };
        let client = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build().map_err(|e| e.to_string())?;
        let jwks = Self { source, client, state: Mutex::new(State { keys: vec![], fetched: None }) };
        match jwks.fetch().await {
            Ok(keys) => {
                let mut state = jwks.state.lock().await;
                state.keys = keys;
                state.fetched = Some(Instant::now());
            }
            Err(e) if matches!(jwks.source, Source::Url(_)) => {
                tracing::warn!(error = %e, "the JWKS could not be fetched; retrying when a token needs it");
            }
            Err(e) => return Err(e),
        }
        Ok(jwks)
    }

    /// The key for a token's `kid` (or the only key, for tokens without one), refreshing the set when it is old
    /// or does not know the `kid`.
    pub async fn key(&self, kid: Option<&str>) -> Option<PublicKey> {
        let mut state = self.state.lock().await;
        let stale = state.fetched.is_none_or(|t| t.elapsed() > REFRESH);
        let known = find(&state.keys, kid).is_some();
        let may_refetch = state.fetched.is_none_or(|t| t.elapsed() > MIN_REFETCH);
        if stale || (!known && may_refetch) {
            match self.fetch().await {
                Ok(keys) => {
                    state.keys = keys;
                    state.fetched = Some(Instant::now());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "refreshing the JWKS failed; keeping the keys we have");
                    // Do not hammer the provider: count the attempt as a fetch.
                    if state.fetched.is_none() || stale {
                        state.fetched = Some(Instant::now() - REFRESH + MIN_REFETCH);
                    }
                }
            }
        }
        find(&state.keys, kid).cloned()
    }

    async fn fetch(&self) -> Result<Vec<PublicKey>, String> {
        let text = match &self.source {
            Source::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the JWKS file {}: {e}", path.display()))?,
            Source::Url(url) => {
                let resp = self.client.get(url).send().await.map_err(|e| format!("fetching the JWKS: {e}"))?;
                if !resp.status().is_success() {
                    return Err(format!("fetching the JWKS: HTTP {}", resp.status()));
                }
                resp.text().await.map_err(|e| format!("reading the JWKS: {e}"))?
            }
        };
        let set: JwkSet = serde_json::from_str(&text).map_err(|e| format!("the JWKS is not valid: {e}"))?;
        let keys: Vec<PublicKey> = set.keys.iter().filter_map(public_key).collect();
        if keys.is_empty() {
            return Err("the JWKS holds no RS256 or ES256 signing key".into());
        }
        Ok(keys)
    }
}

fn find<'a>(keys: &'a [PublicKey], kid: Option<&str>) -> Option<&'a PublicKey> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
        None if keys.len() == 1 => keys.first(),
        None => None,
    }
}

/// A signing key we accept, pinned to its algorithm; `None` for any other.
fn public_key(jwk: &Jwk) -> Option<PublicKey> {
    if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature) {
        return None;
    }
    let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256)) if p.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(PublicKey { kid: jwk.common.key_id.clone(), alg, key: Arc::new(key) })
}
