//! The in-memory limiter: one process's budgets (the embedded SQLite mode, or a single instance), with
//! `governor`'s GCRA, the well-known cell-based rate limiter of the Rust ecosystem: per-key state in a concurrent
//! map, no lock around the decision, and a cleanup of idle keys.
//!
//! Each budget size gets its own keyed limiter (governor's quota is per limiter): a handful in practice (one per
//! role, plus premium keys). A charge past what is left (`charge_anyway`) is taken as far as the bucket allows:
//! GCRA cannot go into debt, so here live deliveries only empty the bucket.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use schema::rate::{Budget, Limiter, RateKey, Verdict};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

#[derive(Default)]
pub struct MemoryLimiter {
    by_budget: RwLock<HashMap<u32, Arc<Keyed>>>,
    clock: DefaultClock,
}

impl MemoryLimiter {
    fn limiter(&self, per_minute: u32) -> Option<Arc<Keyed>> {
        if let Some(l) = self.by_budget.read().ok()?.get(&per_minute) {
            return Some(l.clone());
        }
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        let mut map = self.by_budget.write().ok()?;
        let l = map
            .entry(per_minute)
            .or_insert_with(|| Arc::new(RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>()));
        Some(l.clone())
    }

    /// Forgets keys whose buckets are full again (call now and then: keys are principals and client addresses).
    pub fn forget_idle(&self) {
        if let Ok(map) = self.by_budget.read() {
            for l in map.values() {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
    }

    fn budget(limit: u64, remaining: u64) -> Budget {
        let missing = limit.saturating_sub(remaining) as f64;
        Budget { limit, remaining, reset: Duration::from_secs_f64(missing * 60.0 / limit.max(1) as f64) }
    }

    fn decide(&self, key: &RateKey, cost: u64) -> Verdict {
        let per_minute = u32::try_from(key.per_minute).unwrap_or(u32::MAX).max(1);
        let limit = u64::from(per_minute);
        let (Some(limiter), Some(n)) =
            (self.limiter(per_minute), NonZeroU32::new(u32::try_from(cost).unwrap_or(u32::MAX)))
        else {
            return Verdict::Unmetered;
        };
        match limiter.check_key_n(&key.id, n) {
            Ok(Ok(state)) => Verdict::Allowed(Self::budget(limit, u64::from(state.remaining_burst_capacity()))),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Verdict::Denied { budget: Self::budget(limit, 0), retry_after: Some(wait) }
            }
            Err(_) => Verdict::Denied { budget: Self::budget(limit, 0), retry_after: None },
        }
    }
}

#[async_trait::async_trait]
impl Limiter for MemoryLimiter {
    async fn charge(&self, key: &RateKey, cost: u64) -> Verdict {
        self.decide(key, cost)
    }

    async fn charge_anyway(&self, key: &RateKey, cost: u64) {
        // Take what is there, one cell at a time beyond the first refusal would be pointless: GCRA has no debt.
        if let Verdict::Denied { .. } = self.decide(key, cost) {
            let _ = self.decide(key, 1);
        }
    }
}
