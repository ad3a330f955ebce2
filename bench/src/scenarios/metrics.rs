//! Scenario 4, metrics: "median first response time by channel, per day, last 30 days", the analyst's question, as
//! one `conversationMetrics` query: the 30 days before the seed's clock stops (the seed writes the 60 days before
//! 2026-11-01), in days of `Europe/Paris`, grouped by channel and day. Statement probes: 7 and 30 days.

use super::read::{self, Read};
use super::{Ctx, Outcome};
use anyhow::Result;
use serde_json::{Value, json};

const QUERY: &str = "query Metrics($from: DateTime!, $to: DateTime!) {
  conversationMetrics(range: {from: $from, to: $to}, timezone: \"Europe/Paris\", groupBy: [CHANNEL, DAY]) {
    channel
    period { date }
    conversationsStarted
    firstResponseTime { median }
  }
}";

/// The seed's last instant, 2026-11-01T00:00:00Z (`api/src/seed/clock.rs`, `END`): its data ends there, whenever
/// it is loaded.
const SEED_END: i64 = 1_793_491_200;

fn range(days: i64) -> Value {
    let to = chrono::DateTime::from_timestamp(SEED_END, 0).unwrap_or_default();
    json!({ "from": (to - chrono::Duration::days(days)).to_rfc3339(), "to": to.to_rfc3339() })
}

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let result = read::measure(
        ctx,
        Read {
            name: "metrics",
            query: QUERY,
            load_variables: vec![range(30)],
            // Days, for the probes' "page size": the number of groups grows with them.
            page_size: 30,
            probes: [(7, range(7)), (30, range(30))],
            rows: |d| read::count(d, "/conversationMetrics"),
        },
    )
    .await?;
    Ok(Outcome::Read(result))
}
