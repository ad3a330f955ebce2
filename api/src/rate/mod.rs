//! Rate limits per principal, by query cost (see `schema::rate`): which budget a request spends, how big it is,
//! where budgets live (memory or Redis), what the response says about them, and how many sockets a principal may
//! hold.
//!
//! Budgets are points per minute, and a full bucket is one minute's worth: a principal may spend its whole
//! minute at once, then what refills (a sixtieth per second). Defaults by role, from the cost model's scale (each
//! field 1, a connection's selection times its page; an inbox page of 50 conversations with their last 10
//! messages costs about 3,000): staff 200,000 points per minute (about a request a second of the heaviest
//! dashboard page per tab, for a dozen tabs), bots 100,000, widget tokens 20,000, anonymous clients 2,000 per
//! address. Anchors: Shopify's leaky bucket (a bucket of 1,000–20,000 points restored at 50–1,000 points a
//! second by plan, where a scalar costs 0 and an object 1, so our points, which count every field, are several
//! times theirs), GitHub's 5,000 points an hour per user (points per 100 nodes). Premium keys set their own
//! (`createApiKey(input: {budget})`).

pub mod memory;
pub mod redis_store;

use axum::http::{HeaderMap, HeaderValue};
use schema::auth::{Principal, Role, Viewer};
use schema::rate::{Limiter, RateKey, Verdict};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Points per minute by role, and for anonymous clients (per address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    pub admin: u64,
    pub agent: u64,
    pub analyst: u64,
    pub bot: u64,
    pub contact: u64,
    pub anonymous: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets { admin: 200_000, agent: 200_000, analyst: 200_000, bot: 100_000, contact: 20_000, anonymous: 2_000 }
    }
}

impl Budgets {
    /// `--rate-budgets agent=50000,contact=5000`: the named ones replace the defaults.
    pub fn parse(s: &str) -> Result<Budgets, String> {
        let mut b = Budgets::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| format!("`{part}`: write role=points"))?;
            let value: u64 = value.trim().parse().map_err(|_| format!("`{part}`: points must be a whole number"))?;
            if value == 0 {
                return Err(format!("`{part}`: a budget must be at least 1"));
            }
            match name.trim() {
                "admin" => b.admin = value,
                "agent" => b.agent = value,
                "analyst" => b.analyst = value,
                "bot" => b.bot = value,
                "contact" => b.contact = value,
                "anonymous" => b.anonymous = value,
                other => {
                    return Err(format!("unknown budget `{other}`: admin, agent, analyst, bot, contact, anonymous"));
                }
            }
        }
        Ok(b)
    }

    fn of(&self, role: Role) -> u64 {
        match role {
            Role::Admin => self.admin,
            Role::Agent => self.agent,
            Role::Analyst => self.analyst,
            Role::Bot => self.bot,
            Role::Contact => self.contact,
        }
    }
}

/// The rate-limiting setup of a server.
pub struct Rates {
    pub limiter: Arc<dyn Limiter>,
    pub budgets: Budgets,
    /// Most WebSocket connections one principal may hold on this instance.
    pub max_sockets: usize,
    sockets: Mutex<HashMap<String, usize>>,
}

impl Rates {
    pub fn new(limiter: Arc<dyn Limiter>, budgets: Budgets, max_sockets: usize) -> Self {
        Self { limiter, budgets, max_sockets, sockets: Mutex::new(HashMap::new()) }
    }

    /// Whose budget a request spends: its principal's (a key's own budget when it has one), else its address's.
    pub fn key(&self, viewer: Option<&Viewer>, peer: Option<IpAddr>) -> RateKey {
        let Some(v) = viewer else {
            let addr = peer.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
            return RateKey { id: format!("ip:{addr}"), per_minute: self.budgets.anonymous };
        };
        let id = match v.principal {
            Principal::ApiKey { id, .. } => format!("key:{id}"),
            Principal::Agent(id) => format!("agent:{id}"),
            Principal::Contact(id) => format!("contact:{id}"),
            Principal::System => format!("system:{}", v.workspace_id),
        };
        RateKey { id, per_minute: v.budget.unwrap_or_else(|| self.budgets.of(v.role)) }
    }

    /// Counts a socket of `key` until the returned hold is dropped; `Err` when it already holds `max_sockets`.
    pub fn hold_socket(self: &Arc<Self>, key: &RateKey) -> Result<SocketHold, usize> {
        let mut sockets = self.sockets.lock().map_err(|_| self.max_sockets)?;
        let n = sockets.entry(key.id.clone()).or_insert(0);
        if *n >= self.max_sockets {
            return Err(self.max_sockets);
        }
        *n += 1;
        Ok(SocketHold { rates: self.clone(), key: key.id.clone() })
    }
}

/// One open socket of a principal (see [`Rates::hold_socket`]).
pub struct SocketHold {
    rates: Arc<Rates>,
    key: String,
}

impl Drop for SocketHold {
    fn drop(&mut self) {
        if let Ok(mut sockets) = self.rates.sockets.lock()
            && let Some(n) = sockets.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                sockets.remove(&self.key);
            }
        }
    }
}

/// The budget headers of a response: the IETF draft's `RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until
/// the budget is full), `RateLimit-Policy`, and the `X-RateLimit-*` spelling GitHub's clients read (`-Reset` as
/// a Unix time there), plus `Retry-After` when refused.
pub fn headers(h: &mut HeaderMap, verdict: &Verdict) {
    let (budget, retry_after) = match verdict {
        Verdict::Allowed(b) => (b, None),
        Verdict::Denied { budget, retry_after } => (budget, Some(*retry_after)),
        Verdict::Unmetered => return,
    };
    let reset = budget.reset.as_secs_f64().ceil() as u64;
    let epoch = chrono::Utc::now().timestamp().max(0) as u64 + reset;
    let mut put = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(name, v);
        }
    };
    put("ratelimit-limit", budget.limit.to_string());
    put("ratelimit-remaining", budget.remaining.to_string());
    put("ratelimit-reset", reset.to_string());
    put("ratelimit-policy", format!("{};w=60", budget.limit));
    put("x-ratelimit-limit", budget.limit.to_string());
    put("x-ratelimit-remaining", budget.remaining.to_string());
    put("x-ratelimit-reset", epoch.to_string());
    if let Some(wait) = retry_after {
        // Never: the operation costs more than the whole budget; retrying the same one will not help.
        let secs = wait.map_or(60, schema::rate::wait_secs);
        put("retry-after", secs.to_string());
    }
}

/// `extensions.cost` of a response, in Shopify's shape: what the operation cost and what is left.
pub fn cost_extension(cost: Option<u64>, verdict: &Verdict) -> Option<serde_json::Value> {
    let budget = match verdict {
        Verdict::Allowed(b) | Verdict::Denied { budget: b, .. } => b,
        Verdict::Unmetered => return cost.map(|c| serde_json::json!({ "requestedQueryCost": c })),
    };
    Some(serde_json::json!({
        "requestedQueryCost": cost.unwrap_or(1),
        "throttleStatus": {
            "maximumAvailable": budget.limit,
            "currentlyAvailable": budget.remaining,
            "restoreRate": budget.restore_rate(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse() {
        let b = Budgets::parse("agent=5, contact=7").expect("parses");
        assert_eq!((b.agent, b.contact, b.admin), (5, 7, Budgets::default().admin));
        assert!(Budgets::parse("nobody=5").is_err());
        assert!(Budgets::parse("agent=0").is_err());
        assert!(Budgets::parse("agent").is_err());
    }
}
