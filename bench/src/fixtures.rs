//! What the scenarios need from the seeded data, found through the API itself: open conversations, an agent, a
//! conversation with at least 100 messages (topped up with sendMessage when the seed has none that long), and email
//! prefixes that real contacts have.

use crate::client::Gql;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Messages the conversation view reads (`messages(last: 100)`); its conversation gets at least this many.
pub const VIEW_MESSAGES: u64 = 100;

/// Rows of the benchmark workspace, as the API counts them.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub workspace: String,
    pub contacts: u64,
    pub conversations: u64,
    pub open_conversations: u64,
    pub messages: u64,
    pub tickets: u64,
}

pub struct Fixtures {
    pub dataset: Dataset,
    /// Ids of OPEN conversations, most recent activity first (up to 300): sendMessage targets.
    pub open_conversations: Vec<String>,
    /// The conversation of the conversation view, holding at least [`VIEW_MESSAGES`] messages.
    pub view_conversation: String,
    /// Three-letter email prefixes of real contacts, as a user would type them.
    pub email_prefixes: Vec<String>,
    /// The commonest first letter of the emails if it fills a page of 50 (else "": every email), for the statement
    /// probes.
    pub probe_prefix: String,
}

const COUNTS: &str = "{ contacts { totalCount } conversations { totalCount } \
    open: conversations(filter: {status: {eq: OPEN}}) { totalCount } messages { totalCount } tickets { totalCount } }";

const OPEN_PAGE: &str = "query($after: String) { conversations(first: 100, after: $after, \
    filter: {status: {eq: OPEN}}, orderBy: {field: LAST_ACTIVITY_AT, direction: DESC}) \
    { pageInfo { hasNextPage endCursor } nodes { id messageCount } } }";

const LETTER_PAGE: &str =
    "query($prefix: String!) { contacts(first: 50, filter: {email: {startsWith: $prefix}}) { nodes { id } } }";

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }";

/// `messages { totalCount }` of the workspace (sendMessage runs compare it before and after).
pub async fn message_total(gql: &Gql) -> Result<u64> {
    let d = gql.run("{ messages { totalCount } }", &json!({})).await?.data;
    d["messages"]["totalCount"].as_u64().context("messages.totalCount")
}

impl Fixtures {
    pub async fn discover(gql: &Gql, workspace: &str) -> Result<Fixtures> {
        let counts = gql.run(COUNTS, &json!({})).await.context("count the data set")?.data;
        let total = |k: &str| counts[k]["totalCount"].as_u64().unwrap_or(0);
        let dataset = Dataset {
            workspace: workspace.to_owned(),
            contacts: total("contacts"),
            conversations: total("conversations"),
            open_conversations: total("open"),
            messages: total("messages"),
            tickets: total("tickets"),
        };

        let (mut open, mut after, mut longest) = (Vec::new(), Value::Null, (String::new(), 0));
        for _ in 0..3 {
            let d = gql.run(OPEN_PAGE, &json!({ "after": after })).await.context("list open conversations")?.data;
            let page = &d["conversations"];
            for node in page["nodes"].as_array().into_iter().flatten() {
                let id = node["id"].as_str().context("conversation id")?.to_owned();
                let count = node["messageCount"].as_u64().unwrap_or(0);
                if count > longest.1 {
                    longest = (id.clone(), count);
                }
                open.push(id);
            }
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        anyhow::ensure!(!open.is_empty(), "the workspace {workspace} has no open conversation");

        let d = gql.run("{ agents(first: 1) { nodes { id } } }", &json!({})).await?.data;
        let agent_id = d["agents"]["nodes"][0]["id"].as_str().context("an agent of the workspace")?.to_owned();

        let (view_conversation, count) = longest;
        top_up(gql, &view_conversation, count, &agent_id).await?;

        let d = gql.run("{ contacts(first: 100) { nodes { email } } }", &json!({})).await?.data;
        let emails: Vec<String> = d["contacts"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["email"].as_str().map(str::to_lowercase))
            .collect();
        let mut prefixes: Vec<String> = emails.iter().filter_map(|e| e.get(..3).map(str::to_owned)).collect();
        prefixes.sort();
        prefixes.dedup();
        prefixes.truncate(50);
        let mut first_letters = BTreeMap::<char, usize>::new();
        for c in emails.iter().filter_map(|e| e.chars().next()) {
            *first_letters.entry(c).or_default() += 1;
        }
        anyhow::ensure!(!prefixes.is_empty(), "no contact of {workspace} has an email");
        let letter =
            first_letters.into_iter().max_by_key(|&(_, n)| n).map(|(c, _)| c.to_string()).context("contact emails")?;
        // The probes compare pages of 10 and 50: a letter that fills 50 rows, or else every email (small data sets).
        let d = gql.run(LETTER_PAGE, &json!({ "prefix": letter })).await?.data;
        let fills = d["contacts"]["nodes"].as_array().is_some_and(|n| n.len() >= 50);
        let probe_prefix = if fills { letter } else { String::new() };

        Ok(Fixtures { dataset, open_conversations: open, view_conversation, email_prefixes: prefixes, probe_prefix })
    }
}

/// Sends messages (contact and agent in turn) until `conversation` holds at least [`VIEW_MESSAGES`] + 10.
async fn top_up(gql: &Gql, conversation: &str, count: u64, agent: &str) -> Result<()> {
    if count >= VIEW_MESSAGES {
        return Ok(());
    }
    for i in count..VIEW_MESSAGES + 10 {
        let sender = if i % 2 == 0 {
            json!({ "senderKind": "CONTACT" })
        } else {
            json!({ "senderKind": "AGENT", "senderId": agent })
        };
        let mut input = json!({ "conversationId": conversation, "content": format!("Conversation view filler {i}") });
        if let (Some(input), Some(sender)) = (input.as_object_mut(), sender.as_object()) {
            input.extend(sender.clone());
        }
        gql.run(SEND, &json!({ "input": input })).await.context("top up the conversation view's conversation")?;
    }
    Ok(())
}
