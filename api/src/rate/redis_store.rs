//! The shared limiter: every instance's budgets in one Redis, so that a principal has one budget however many
//! `parlor serve` instances answer it. A token bucket per key, refilled continuously, decided by one Lua script
//! on Redis's own clock (`TIME`), so the decision is atomic and no instance's clock matters.
//!
//! When Redis cannot be reached, requests are let through (`fail open`, the default: an outage of the limiter
//! should not become an outage of the API) or refused (`fail closed`), as configured; the outage and the
//! recovery are logged once each, not per request.

use redis::aio::ConnectionManager;
use schema::rate::{Budget, Limiter, RateKey, Verdict};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Returns {allowed, tokens_left (floor), retry_after_ms, reset_ms}. ARGV: capacity, points per ms, cost,
/// force (1: take it even past zero).
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate) end
local allowed = 0
local retry = 0
if tokens >= cost or force then
  tokens = tokens - cost
  allowed = 1
elseif cost > cap then
  retry = -1
else
  retry = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local reset = math.ceil((cap - tokens) / rate)
redis.call('PEXPIRE', KEYS[1], reset + 1000)
return {allowed, math.floor(math.max(tokens, 0)), retry, reset}
";

pub struct RedisLimiter {
    conn: ConnectionManager,
    script: redis::Script,
    fail_open: bool,
    down: AtomicBool,
}

/// How long one decision may wait for Redis before the store counts as unreachable.
const TIMEOUT: Duration = Duration::from_millis(250);

impl RedisLimiter {
    pub async fn connect(url: &str, fail_open: bool) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("bad Redis URL: {e}"))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(TIMEOUT));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| format!("cannot reach Redis at {url}: {e}"))?;
        Ok(Self { conn, script: redis::Script::new(SCRIPT), fail_open, down: AtomicBool::new(false) })
    }

    async fn run(&self, key: &RateKey, cost: u64, force: bool) -> Result<(i64, u64, i64, u64), redis::RedisError> {
        let per_ms = key.per_minute as f64 / 60_000.0;
        let mut conn = self.conn.clone();
        let mut invocation = self.script.key(format!("parlor:rl:{}", key.id));
        invocation.arg(key.per_minute).arg(per_ms).arg(cost).arg(if force { 1 } else { 0 });
        let call = invocation.invoke_async(&mut conn);
        match tokio::time::timeout(TIMEOUT, call).await {
            Ok(r) => r,
            Err(_) => Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out"))),
        }
    }

    fn up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::warn!("the rate-limit store (Redis) answers again");
        }
    }

    fn unreachable(&self, e: &redis::RedisError) -> Verdict {
        if !self.down.swap(true, Ordering::Relaxed) {
            let mode = if self.fail_open { "letting requests through" } else { "refusing requests" };
            tracing::error!(error = %e, "the rate-limit store (Redis) cannot be reached: {mode} until it answers");
        }
        if self.fail_open {
            Verdict::Unmetered
        } else {
            let budget = Budget { limit: 0, remaining: 0, reset: Duration::from_secs(1) };
            Verdict::Denied { budget, retry_after: Some(Duration::from_secs(1)) }
        }
    }
}

#[async_trait::async_trait]
impl Limiter for RedisLimiter {
    async fn charge(&self, key: &RateKey, cost: u64) -> Verdict {
        match self.run(key, cost, false).await {
            Ok((allowed, left, retry_ms, reset_ms)) => {
                self.up();
                let budget = Budget { limit: key.per_minute, remaining: left, reset: Duration::from_millis(reset_ms) };
                if allowed == 1 {
                    Verdict::Allowed(budget)
                } else {
                    let retry_after = (retry_ms >= 0).then(|| Duration::from_millis(retry_ms.unsigned_abs()));
                    Verdict::Denied { budget, retry_after }
                }
            }
            Err(e) => self.unreachable(&e),
        }
    }

    async fn charge_anyway(&self, key: &RateKey, cost: u64) {
        match self.run(key, cost, true).await {
            Ok(_) => self.up(),
            Err(e) => {
                self.unreachable(&e);
            }
        }
    }
}
