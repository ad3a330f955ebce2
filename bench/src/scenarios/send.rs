//! Scenario 5, sendMessage at 1, 16 and 64 concurrent clients (wrk connections): contact messages spread over the open
//! conversations, no idempotency key (every call writes a message). The workspace's message count before and after
//! tells how many messages were really written.

use super::{Ctx, Outcome};
use crate::client::Gql;
use crate::fixtures::message_total;
use crate::wrk::LoadResult;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::json;

const MUTATION: &str = "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { message { id seq } } }";

#[derive(Debug, Serialize)]
pub struct SendResult {
    pub mutation: String,
    pub conversations: usize,
    /// SQL statements of one sendMessage.
    pub statements_per_request: Option<u64>,
    pub runs: Vec<SendRun>,
}

#[derive(Debug, Serialize)]
pub struct SendRun {
    pub clients: u32,
    pub load: LoadResult,
    /// Messages the workspace gained during the run (can exceed wrk's count by the requests in flight at its end).
    pub messages_written: u64,
}

fn variables(conversation: &str) -> serde_json::Value {
    json!({ "input": { "conversationId": conversation, "senderKind": "CONTACT", "content": "parlor-bench sendMessage" } })
}

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let conversations = &ctx.fixtures.open_conversations;
    let probe = ctx.gql.run(MUTATION, &variables(&conversations[0])).await.context("one sendMessage")?;
    let bodies: Vec<String> = conversations.iter().map(|c| Gql::body(MUTATION, &variables(c))).collect();
    let mut runs = Vec::new();
    for &clients in &ctx.settings.send_clients {
        let before = message_total(ctx.gql).await?;
        let load = super::load(ctx, &format!("send-{clients}"), bodies.clone(), clients).await?;
        let after = message_total(ctx.gql).await?;
        runs.push(SendRun { clients, load, messages_written: after.saturating_sub(before) });
    }
    Ok(Outcome::Send(SendResult {
        mutation: MUTATION.to_owned(),
        conversations: conversations.len(),
        statements_per_request: probe.statements,
        runs,
    }))
}
