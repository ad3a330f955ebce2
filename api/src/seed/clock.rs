//! The seed's timeline, its random streams and its ids: all deterministic.
//!
//! Times are `i64` microseconds since the Unix epoch, so every timestamp is already truncated to what PostgreSQL
//! keeps. Every row draws from its own random stream ([`rng_for`]), so a row's content does not depend on how
//! many rows were generated before it or on the chunk size.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub const SECOND: i64 = 1_000_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// The anchor: 2026-11-01T00:00:00Z. All conversation activity happens in the 60 days before it.
pub const END: i64 = 1_793_491_200 * SECOND;
/// Start of the activity window.
pub const START: i64 = END - 60 * DAY;

/// Streams of random numbers, one per table, so that adding a table does not shift the others.
#[derive(Clone, Copy)]
pub enum Stream {
    Workspace = 1,
    Contact = 2,
    Conversation = 3,
    Ticket = 4,
    TicketOrphan = 5,
}

const SEED: u64 = 0x5eed_0f9a_410e_2026;

/// A reproducible random stream for row `index` of `stream` in workspace number `ws`.
pub fn rng_for(stream: Stream, ws: usize, index: u64) -> StdRng {
    let mut x = SEED ^ ((stream as u64) << 56) ^ ((ws as u64) << 48) ^ index;
    // splitmix64 finaliser: neighbouring indexes get unrelated seeds.
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    StdRng::seed_from_u64(x ^ (x >> 31))
}

/// A UUID v7 for a row created at `micros`: time-ordered like the ids the server mints.
pub fn id(rng: &mut StdRng, micros: i64) -> Uuid {
    let bytes: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(micros / 1000).unwrap_or(0), &bytes).into_uuid()
}

/// The timestamp of `micros`.
pub fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// A uniformly random instant in `[lo, hi)` (or `lo` when the range is empty).
pub fn between(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    if hi > lo { rng.random_range(lo..hi) } else { lo }
}

/// Picks an index by weight.
pub fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// One of `items`, uniformly.
pub fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}
