//! Scenario 2, the conversation view: one conversation by node id with its last 100 messages and their senders (a union of
//! Contact, Agent and Bot). Statement probes at 20 and 100 messages.

use super::read::{self, Read};
use super::{Ctx, Outcome};
use crate::fixtures::VIEW_MESSAGES;
use anyhow::Result;
use serde_json::json;

const QUERY: &str = "query View($id: ID!, $last: Int!) {
  node(id: $id) {
    ... on Conversation {
      id number subject status channel messageCount lastActivityAt
      contact { id name email }
      messages(last: $last) {
        pageInfo { hasPreviousPage startCursor }
        nodes {
          id seq kind senderKind content createdAt
          sender { __typename ... on Contact { id contactName: name } ... on Agent { id agentName: name } ... on Bot { id botName: name } }
        }
      }
    }
  }
}";

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let id = &ctx.fixtures.view_conversation;
    let page = VIEW_MESSAGES as u32;
    let result = read::measure(
        ctx,
        Read {
            name: "conversation",
            query: QUERY,
            load_variables: vec![json!({ "id": id, "last": page })],
            page_size: page,
            probes: [(20, json!({ "id": id, "last": 20 })), (page, json!({ "id": id, "last": page }))],
            rows: |d| read::count(d, "/node/messages/nodes"),
        },
    )
    .await?;
    Ok(Outcome::Read(result))
}
