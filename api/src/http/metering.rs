//! Rate-limit metering of one HTTP request (see `schema::rate` and `crate::rate`): whose budget it spends (the
//! client's address until a credential says who it is), the price the schema puts on it, and, on the way out,
//! the budget headers (`RateLimit-*`, `X-RateLimit-*`, `Retry-After`) and `extensions.cost`. A request refused
//! before it was priced (malformed, unauthenticated, not acceptable) costs 1 point, so that floods of them are
//! limited too, and gets the headers like every other response.

use crate::rate::{self, Rates};
use crate::state::AppState;
use axum::response::Response;
use schema::Viewer;
use schema::rate::{Metering, RateKey, Verdict};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub struct Meter {
    rates: Option<Arc<Rates>>,
    peer: Option<IpAddr>,
    key: Mutex<Option<RateKey>>,
    metering: Arc<Metering>,
}

impl Meter {
    pub fn new(app: &AppState, peer: Option<IpAddr>) -> Self {
        Self { rates: app.rates.clone(), peer, key: Mutex::new(None), metering: Arc::default() }
    }

    /// After authentication: the request spends `viewer`'s budget (or its address's, anonymous), priced and
    /// charged inside the schema.
    pub fn attach(&self, viewer: Option<&Viewer>, req: async_graphql::Request) -> async_graphql::Request {
        let Some(rates) = &self.rates else { return req };
        let key = rates.key(viewer, self.peer);
        if let Ok(mut k) = self.key.lock() {
            *k = Some(key.clone());
        }
        req.data(key).data(self.metering.clone())
    }

    /// Whose budget the request spends, once [`Meter::attach`]ed (`None` without rate limits).
    pub fn key(&self) -> Option<RateKey> {
        self.key.lock().ok().and_then(|k| k.clone())
    }

    /// The limiter and the rate limits (`None` when rate limiting is off).
    pub fn rates(&self) -> Option<&Arc<Rates>> {
        self.rates.as_ref()
    }

    /// `extensions.cost` of the response body, once the operation has been charged.
    pub fn cost(&self) -> Option<serde_json::Value> {
        self.rates.as_ref()?;
        rate::cost_extension(self.metering.cost(), &self.metering.verdict()?)
    }

    /// The response with its budget headers.
    pub async fn finish(&self, mut resp: Response) -> Response {
        let Some(rates) = &self.rates else { return resp };
        let verdict = match self.metering.verdict() {
            Some(v) => v,
            None => {
                let key = self.key.lock().ok().and_then(|k| k.clone()).unwrap_or_else(|| rates.key(None, self.peer));
                match rates.limiter.charge(&key, 1).await {
                    // Already refused for another reason: the budget only informs.
                    Verdict::Denied { budget, .. } => Verdict::Allowed(budget),
                    v => v,
                }
            }
        };
        rate::headers(resp.headers_mut(), &verdict);
        resp
    }
}
