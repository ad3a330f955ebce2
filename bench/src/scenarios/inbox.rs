//! Scenario 1, the inbox page: 50 open conversations, most recent activity first, each with its contact, bot, labels and its
//! last 10 messages. Statement probes at 10 and 50 conversations.

use super::read::{self, Read};
use super::{Ctx, Outcome};
use anyhow::Result;
use serde_json::json;

const QUERY: &str = "query Inbox($first: Int!) {
  conversations(first: $first, filter: {status: {eq: OPEN}}, orderBy: {field: LAST_ACTIVITY_AT, direction: DESC}) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id number subject status channel priority lastActivityAt messageCount
      contact { id name email }
      bot { id name }
      labels { id name color }
      messages(last: 10) { nodes { id seq senderKind kind content createdAt } }
    }
  }
}";

pub const PAGE: u32 = 50;

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let result = read::measure(
        ctx,
        Read {
            name: "inbox",
            query: QUERY,
            load_variables: vec![json!({ "first": PAGE })],
            page_size: PAGE,
            probes: [(10, json!({ "first": 10 })), (PAGE, json!({ "first": PAGE }))],
            rows: |d| read::count(d, "/conversations/nodes"),
        },
    )
    .await?;
    Ok(Outcome::Read(result))
}
