//! Browsers on other origins (dashboard apps): CORS for the configured origins, and the same list for the
//! `Origin` of WebSocket upgrades (browsers do not apply CORS to WebSockets, so the server must).
//!
//! Credentials (cookies) are never allowed: Parlor authenticates with bearer tokens, which a page sends itself.
//! Preflight (`OPTIONS`) is answered for every route; without configured origins it carries no CORS headers, so
//! browsers keep other origins out.

use axum::http::{HeaderName, HeaderValue, Method, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

#[derive(Clone, Debug, Default)]
pub struct Origins {
    any: bool,
    list: Vec<HeaderValue>,
}

impl Origins {
    /// `--cors-origins`: full origins (`https://app.example.com`), or `*`.
    pub fn parse(configured: &[String]) -> Result<Self, String> {
        let mut o = Origins::default();
        for raw in configured.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if raw == "*" {
                o.any = true;
                continue;
            }
            let origin = raw.trim_end_matches('/');
            let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            let ok = host.is_some_and(|h| !h.is_empty() && !h.contains('/'));
            if !ok {
                return Err(format!("`{raw}` is not an origin: write e.g. https://app.example.com"));
            }
            o.list.push(HeaderValue::from_str(origin).map_err(|_| format!("`{raw}` is not a valid origin"))?);
        }
        Ok(o)
    }

    pub fn configured(&self) -> bool {
        self.any || !self.list.is_empty()
    }

    /// Whether a WebSocket upgrade with this `Origin` may proceed: always when no list is configured or the client
    /// sent none (not a browser), else only for a listed origin.
    pub fn allows(&self, origin: Option<&HeaderValue>) -> bool {
        match origin {
            _ if !self.configured() || self.any => true,
            None => true,
            Some(o) => self.list.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(o.as_bytes())),
        }
    }

    /// The CORS layer, when origins are configured.
    pub fn layer(&self) -> Option<CorsLayer> {
        if !self.configured() {
            return None;
        }
        let origin = if self.any { AllowOrigin::any() } else { AllowOrigin::list(self.list.clone()) };
        let exposed = [
            "x-request-id",
            "x-parlor-sql-statements",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "retry-after",
        ]
        .map(HeaderName::from_static);
        Some(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::ACCEPT,
                    HeaderName::from_static("x-request-id"),
                    HeaderName::from_static("last-event-id"),
                    HeaderName::from_static(super::sse_single::TOKEN_HEADER),
                ])
                .expose_headers(exposed)
                .allow_credentials(false)
                .max_age(PREFLIGHT_MAX_AGE),
        )
    }
}
