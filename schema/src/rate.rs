//! Rate limiting by query cost, on every transport: the transport says whose budget a request spends
//! ([`RateKey`]: an API key, an agent, a bot key, a contact token, or a client address) and gives it a
//! [`Metering`]; the document guard prices the operation (`document::cost`), and [`RateGuard`] charges that
//! price to the [`Limiter`] once the permission check has passed, before anything runs. Over budget, the
//! operation is refused with `RATE_LIMITED` and `extensions.retryAfter`; the transport turns that into 429 with
//! `Retry-After` (HTTP) or an `error` message (WebSocket), and reports what is left (`RateLimit-*` headers,
//! `extensions.cost`).
//!
//! The limiter itself (in memory per instance, or in Redis shared by every instance) lives in the api crate.

use crate::error::Code;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Whose budget a request spends, and how big that budget is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateKey {
    /// `key:<id>`, `agent:<id>`, `contact:<id>`, `ip:<address>`: never a secret.
    pub id: String,
    /// Points per minute, which is also the most that can be spent at once (a full bucket).
    pub per_minute: u64,
}

/// The state of a budget after a charge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Points per minute (and the bucket's size).
    pub limit: u64,
    /// Points left now.
    pub remaining: u64,
    /// How long until the budget is full again.
    pub reset: Duration,
}

impl Budget {
    /// Points restored per second.
    pub fn restore_rate(&self) -> f64 {
        self.limit as f64 / 60.0
    }
}

/// What the limiter decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Allowed(Budget),
    /// Not enough left: nothing runs; `retry_after` says when the same request would pass (`None`: never, it
    /// costs more than the whole budget).
    Denied {
        budget: Budget,
        retry_after: Option<Duration>,
    },
    /// The shared store could not be asked and the server fails open: allowed, without figures.
    Unmetered,
}

#[async_trait::async_trait]
pub trait Limiter: Send + Sync {
    /// Takes `cost` from the key's budget if there is enough left.
    async fn charge(&self, key: &RateKey, cost: u64) -> Verdict;
    /// Takes `cost` even past what is left (live events already delivered: they are never dropped, but they
    /// count against what the principal may do next).
    async fn charge_anyway(&self, key: &RateKey, cost: u64);
}

/// One request's price and verdict: made by the transport, filled by the guards, read back by the transport.
#[derive(Debug, Default)]
pub struct Metering {
    cost: Mutex<Option<u64>>,
    verdict: Mutex<Option<Verdict>>,
}

impl Metering {
    pub fn set_cost(&self, cost: u64) {
        if let Ok(mut c) = self.cost.lock() {
            *c = Some(cost);
        }
    }

    /// The operation's price, once the document guard has computed it.
    pub fn cost(&self) -> Option<u64> {
        self.cost.lock().ok().and_then(|c| *c)
    }

    /// The limiter's verdict, once charged.
    pub fn verdict(&self) -> Option<Verdict> {
        self.verdict.lock().ok().and_then(|v| *v)
    }

    pub fn set_verdict(&self, v: Verdict) {
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(v);
        }
    }
}

/// Charges each operation's cost before it runs (registered before the permission check, so that it charges
/// after it: async-graphql runs validation hooks inside one another).
pub struct RateGuard;

impl ExtensionFactory for RateGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RateGuard)
    }
}

#[async_trait::async_trait]
impl Extension for RateGuard {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let (Some(limiter), Some(key), Some(metering)) =
            (ctx.data_opt::<Arc<dyn Limiter>>(), ctx.data_opt::<RateKey>(), ctx.data_opt::<Arc<Metering>>())
        else {
            return Ok(result);
        };
        let cost = metering.cost().unwrap_or(1).max(1);
        let verdict = limiter.charge(key, cost).await;
        metering.set_verdict(verdict);
        match verdict {
            Verdict::Allowed(_) | Verdict::Unmetered => Ok(result),
            Verdict::Denied { budget, retry_after } => {
                metrics::counter!(crate::metrics::RATE_LIMITED, "reason" => "budget").increment(1);
                Err(vec![refusal(cost, &budget, retry_after)])
            }
        }
    }
}

/// Whole seconds to wait, rounded up (what `Retry-After` says too).
pub fn wait_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

fn refusal(cost: u64, budget: &Budget, retry_after: Option<Duration>) -> ServerError {
    let message = match retry_after {
        Some(wait) => format!(
            "rate limited: this operation costs {cost} and {} of {} points per minute are left; retry in {} s",
            budget.remaining,
            budget.limit,
            wait_secs(wait)
        ),
        None => format!(
            "rate limited: this operation costs {cost}, more than the whole budget of {} points per minute",
            budget.limit
        ),
    };
    let mut err = crate::document::refusal(Code::RateLimited, message, vec![]);
    if let (Some(wait), Some(ext)) = (retry_after, err.extensions.as_mut()) {
        ext.set("retryAfter", wait_secs(wait));
    }
    err
}
