//! Scenario 3, contact lookup: contacts whose email starts with what a user typed (three letters of real contacts' emails,
//! a different prefix per request), a page of 20. Statement probes at 10 and 50 rows with a one-letter prefix (the
//! empty prefix on data sets too small to fill 50 rows with one letter).

use super::read::{self, Read};
use super::{Ctx, Outcome};
use anyhow::Result;
use serde_json::json;

const QUERY: &str = "query Lookup($prefix: String!, $first: Int!) {
  contacts(first: $first, filter: {email: {startsWith: $prefix}}) {
    pageInfo { hasNextPage endCursor }
    nodes { id name email phone lastSeenAt }
  }
}";

const PAGE: u32 = 20;

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let load_variables =
        ctx.fixtures.email_prefixes.iter().map(|p| json!({ "prefix": p, "first": PAGE })).collect::<Vec<_>>();
    let probe = &ctx.fixtures.probe_prefix;
    let result = read::measure(
        ctx,
        Read {
            name: "contacts",
            query: QUERY,
            load_variables,
            page_size: PAGE,
            probes: [(10, json!({ "prefix": probe, "first": 10 })), (50, json!({ "prefix": probe, "first": 50 }))],
            rows: |d| read::count(d, "/contacts/nodes"),
        },
    )
    .await?;
    Ok(Outcome::Read(result))
}
