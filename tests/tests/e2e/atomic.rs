//! Writes are atomic: a mutation validates, then writes everything in one transaction. A refused or failed
//! mutation leaves no row and publishes no event (the outbox is a table: `row_counts` covers it).

use crate::harness::TestApp;
use serde_json::{Value, json};

const START: &str =
    "mutation($i: StartConversationInput!) { startConversation(input: $i) { conversation { id } message { id } } }";
const COMMENT: &str = "mutation($i: AddTicketCommentInput!) { addTicketComment(input: $i) { replayed comment { id conversation { id } } ticket { conversation { id } } } }";

async fn first_id(app: &TestApp, workspace: &str, list: &str) -> Value {
    let reply = app.post(Some(workspace), &format!("{{ {list}(first: 1) {{ nodes {{ id }} }} }}"), json!({})).await;
    reply.body["data"][list]["nodes"][0]["id"].clone()
}

#[tokio::test]
async fn a_refused_first_message_starts_no_conversation() {
    let app = TestApp::spawn().await;
    let contact = first_id(&app, "acme", "contacts").await;
    let foreign_agent = first_id(&app, "globex", "agents").await;
    assert!(foreign_agent.is_string());
    // Another workspace's agent: not found, as an unknown id would be.
    let input = json!({ "contactId": contact, "channel": "WEB",
        "firstMessage": { "senderKind": "AGENT", "senderId": foreign_agent, "content": "hello" } });
    app.assert_refused_without_writes("NOT_FOUND", START, json!({ "i": input })).await;
    // A bot message in a conversation without a bot.
    let input =
        json!({ "contactId": contact, "channel": "WEB", "firstMessage": { "senderKind": "BOT", "content": "hi" } });
    app.assert_refused_without_writes("BAD_USER_INPUT", START, json!({ "i": input })).await;
    // The same start with a valid sender goes through, message included.
    let input = json!({ "contactId": contact, "channel": "WEB", "firstMessage": { "content": "hello" } });
    let started = app.query(START, json!({ "i": input })).await;
    assert!(started["startConversation"]["message"]["id"].is_string());
}

#[tokio::test]
async fn a_start_replayed_by_source_id_returns_the_first_one() {
    let app = TestApp::spawn().await;
    let contact = first_id(&app, "acme", "contacts").await;
    let input = json!({ "contactId": contact, "channel": "WHATSAPP",
        "firstMessage": { "content": "hello", "sourceId": "wamid.start-1" } });
    let first = app.query(START, json!({ "i": input })).await;
    let before = app.row_counts().await;
    let again = app.query(START, json!({ "i": input })).await;
    assert_eq!(again, first);
    assert_eq!(app.row_counts().await, before, "a replay writes nothing");
}

#[tokio::test]
async fn concurrent_first_comments_share_one_new_conversation() {
    let app = TestApp::spawn().await;
    let contact = first_id(&app, "acme", "contacts").await;
    let agent = first_id(&app, "acme", "agents").await;
    let create = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id conversation { id } } } }";
    let ticket = app.query(create, json!({ "i": { "subject": "Refund", "contactId": contact } })).await;
    let ticket = ticket["createTicket"]["ticket"].clone();
    assert!(ticket["conversation"].is_null());
    let count = "{ conversations { totalCount } }";
    let before = app.query(count, json!({})).await["conversations"]["totalCount"].as_i64();

    let replies = futures::future::join_all((0..6).map(|i| {
        let input = json!({ "ticketId": ticket["id"], "agentId": agent, "body": format!("note {i}") });
        app.post(Some("acme"), COMMENT, json!({ "i": input }))
    }))
    .await;
    let mut conversations = std::collections::HashSet::new();
    for r in &replies {
        assert!(r.body.get("errors").is_none(), "{}", r.body);
        conversations.insert(r.body["data"]["addTicketComment"]["comment"]["conversation"]["id"].to_string());
    }
    assert_eq!(conversations.len(), 1, "every comment lands in one conversation: {conversations:?}");
    let after = app.query(count, json!({})).await["conversations"]["totalCount"].as_i64();
    assert_eq!(after, before.map(|n| n + 1), "exactly one conversation was started");

    // Refusals write nothing: an unknown agent, an empty body.
    let unknown = json!({ "ticketId": ticket["id"], "agentId": contact, "body": "x" });
    app.assert_refused_without_writes("BAD_USER_INPUT", COMMENT, json!({ "i": unknown })).await;
    let empty = json!({ "ticketId": ticket["id"], "agentId": agent, "body": "" });
    app.assert_refused_without_writes("BAD_USER_INPUT", COMMENT, json!({ "i": empty })).await;
}
