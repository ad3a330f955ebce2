//! Writes: starting conversations, sending messages, idempotent retries and ordering under concurrency.

use crate::harness::TestApp;
use serde_json::{Value, json};
use std::collections::HashSet;

const SEND: &str = r#"mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  replayed message { id seq content senderKind private clientMessageId }
  conversation { id messageCount waitingSince firstReplyAt lastMessageAt status } } }"#;

const START: &str = r#"mutation($input: StartConversationInput!) { startConversation(input: $input) {
  conversation { id number status handledBy messageCount waitingSince channel contact { id } bot { id } }
  message { id seq content senderKind } } }"#;

/// A contact, a bot and an agent of acme.
async fn cast(app: &TestApp) -> (Value, Value, Value) {
    let d = app
        .query(
            "{ contacts(first: 1) { nodes { id } } bots(first: 1) { nodes { id } } agents(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    (
        d["contacts"]["nodes"][0]["id"].clone(),
        d["bots"]["nodes"][0]["id"].clone(),
        d["agents"]["nodes"][0]["id"].clone(),
    )
}

async fn start(app: &TestApp, contact: &Value) -> Value {
    let input = json!({ "contactId": contact, "channel": "WEB", "subject": "Where is my parcel?",
        "firstMessage": { "content": "Hello, my parcel is late" } });
    app.query(START, json!({ "input": input })).await["startConversation"].clone()
}

#[tokio::test]
async fn a_conversation_starts_and_its_fields_follow_the_messages() {
    let app = TestApp::spawn().await;
    let (contact, bot, agent) = cast(&app).await;
    let max = app.query("{ conversations(first: 1, orderBy: {field: NUMBER}) { nodes { number } } }", json!({})).await;
    let started = start(&app, &contact).await;
    let conv = &started["conversation"];
    assert_eq!(conv["number"].as_i64(), max["conversations"]["nodes"][0]["number"].as_i64().map(|n| n + 1));
    assert_eq!(conv["handledBy"], "HUMAN");
    assert_eq!(conv["messageCount"], 1);
    assert!(conv["waitingSince"].is_string(), "a contact message starts the wait");
    assert_eq!(started["message"]["seq"], 1);
    assert_eq!(started["message"]["senderKind"], "CONTACT");

    let note = json!({ "conversationId": conv["id"], "senderKind": "AGENT", "senderId": agent, "content": "checking", "private": true });
    let sent = app.query(SEND, json!({ "input": note })).await;
    assert_eq!(sent["sendMessage"]["conversation"]["firstReplyAt"], Value::Null, "a private note is not a reply");
    assert!(sent["sendMessage"]["conversation"]["waitingSince"].is_string());

    let reply =
        json!({ "conversationId": conv["id"], "senderKind": "BOT", "senderId": bot, "content": "It ships today" });
    let sent = app.query(SEND, json!({ "input": reply })).await;
    let c = &sent["sendMessage"]["conversation"];
    assert_eq!(sent["sendMessage"]["message"]["seq"], 3);
    assert_eq!(c["messageCount"], 3);
    assert_eq!(c["waitingSince"], Value::Null);
    assert!(c["firstReplyAt"].is_string());
    assert_eq!(c["lastMessageAt"], c["firstReplyAt"]);

    // The read side sees the same thread.
    let q = "query($id: ID!) { conversation(id: $id) { messages { nodes { seq content } } } }";
    let thread = app.query(q, json!({ "id": conv["id"] })).await;
    let seqs: Vec<i64> = thread["conversation"]["messages"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
}

#[tokio::test]
async fn a_contact_message_reopens_a_resolved_conversation() {
    let app = TestApp::spawn().await;
    let d = app
        .query("{ conversations(first: 1, filter: {status: {eq: RESOLVED}}) { nodes { id resolvedAt } } }", json!({}))
        .await;
    let conv = d["conversations"]["nodes"][0].clone();
    assert!(conv["resolvedAt"].is_string());
    let msg = json!({ "conversationId": conv["id"], "senderKind": "CONTACT", "content": "It broke again" });
    let sent = app.query(SEND, json!({ "input": msg })).await;
    assert_eq!(sent["sendMessage"]["conversation"]["status"], "OPEN");
    let events = app.query("{ conversation: conversations(first: 1, filter: {status: {eq: OPEN}}, orderBy: {field: UPDATED_AT}) { nodes { id } } }", json!({})).await;
    assert_eq!(events["conversation"]["nodes"][0]["id"], conv["id"]);
}

#[tokio::test]
async fn bad_writes_are_refused_with_codes_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (contact, _, agent) = cast(&app).await;
    let conv = start(&app, &contact).await["conversation"]["id"].clone();
    let cases = [
        (json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "a\u{0}b" }), "BAD_USER_INPUT"),
        (json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "x".repeat(20_000) }), "BAD_USER_INPUT"),
        (json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "" }), "BAD_USER_INPUT"),
        (
            json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "hi", "private": true }),
            "BAD_USER_INPUT",
        ),
        (json!({ "conversationId": conv, "senderKind": "AGENT", "content": "hi" }), "BAD_USER_INPUT"),
        (
            json!({ "conversationId": conv, "senderKind": "AGENT", "senderId": contact, "content": "hi" }),
            "BAD_USER_INPUT",
        ),
        (json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "hi", "payload": [1] }), "BAD_USER_INPUT"),
        (json!({ "conversationId": "nope", "senderKind": "CONTACT", "content": "hi" }), "BAD_USER_INPUT"),
        (json!({ "conversationId": agent, "senderKind": "CONTACT", "content": "hi" }), "BAD_USER_INPUT"),
    ];
    for (input, code) in cases {
        let (got, msg) = app.error(SEND, json!({ "input": input })).await;
        assert_eq!(got, code, "{input}: {msg}");
    }
    // Another workspace's conversation does not exist here.
    let globex = app.post(Some("globex"), "{ conversations(first: 1) { nodes { id } } }", json!({})).await;
    let foreign = globex.body["data"]["conversations"]["nodes"][0]["id"].clone();
    let (code, _) = app
        .error(SEND, json!({ "input": { "conversationId": foreign, "senderKind": "CONTACT", "content": "hi" } }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let q = "query($id: ID!) { conversation(id: $id) { messageCount } }";
    assert_eq!(app.query(q, json!({ "id": conv })).await["conversation"]["messageCount"], 1, "nothing was written");
    let (code, _) = app
        .error(
            START,
            json!({ "input": { "contactId": contact, "channel": "WEB", "firstMessage": { "content": "\u{0}" } } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn retries_with_the_same_client_message_id_write_one_message() {
    let app = TestApp::spawn().await;
    let (contact, _, _) = cast(&app).await;
    let conv = start(&app, &contact).await["conversation"]["id"].clone();
    let input =
        json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "once", "clientMessageId": "client-42" });
    let replies =
        futures::future::join_all((0..20).map(|_| app.post(Some("acme"), SEND, json!({ "input": input })))).await;
    let mut ids = HashSet::new();
    let mut fresh = 0;
    for r in &replies {
        assert!(r.body.get("errors").is_none(), "{}", r.body);
        ids.insert(r.body["data"]["sendMessage"]["message"]["id"].to_string());
        if r.body["data"]["sendMessage"]["replayed"] == false {
            fresh += 1;
        }
    }
    assert_eq!(ids.len(), 1, "all retries return the same message");
    assert_eq!(fresh, 1, "exactly one request wrote");
    let q = "query($id: ID!) { conversation(id: $id) { messageCount messages { totalCount } } }";
    let d = app.query(q, json!({ "id": conv })).await;
    assert_eq!(d["conversation"]["messageCount"], 2);
    assert_eq!(d["conversation"]["messages"]["totalCount"], 2);

    // sourceId: a channel redelivering the same inbound message.
    let input =
        json!({ "conversationId": conv, "senderKind": "CONTACT", "content": "via whatsapp", "sourceId": "wamid.1" });
    let first = app.query(SEND, json!({ "input": input })).await;
    let again = app.query(SEND, json!({ "input": input })).await;
    assert_eq!(first["sendMessage"]["message"]["id"], again["sendMessage"]["message"]["id"]);
    assert_eq!(again["sendMessage"]["replayed"], true);
}

#[tokio::test]
async fn concurrent_senders_get_gap_free_sequence_numbers() {
    let app = TestApp::spawn().await;
    let (contact, _, agent) = cast(&app).await;
    let conv = start(&app, &contact).await["conversation"]["id"].clone();
    let sends = (0..50).map(|i| {
        let input = if i % 2 == 0 {
            json!({ "conversationId": conv, "senderKind": "CONTACT", "content": format!("c{i}") })
        } else {
            json!({ "conversationId": conv, "senderKind": "AGENT", "senderId": agent, "content": format!("a{i}") })
        };
        app.post(Some("acme"), SEND, json!({ "input": input }))
    });
    let replies = futures::future::join_all(sends).await;
    let mut seqs: Vec<i64> = replies
        .iter()
        .map(|r| {
            assert!(r.body.get("errors").is_none(), "{}", r.body);
            r.body["data"]["sendMessage"]["message"]["seq"].as_i64().expect("seq")
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=51).collect::<Vec<i64>>());
    let q = "query($id: ID!) { conversation(id: $id) { messageCount messages(first: 100) { nodes { seq } } } }";
    let d = app.query(q, json!({ "id": conv })).await;
    assert_eq!(d["conversation"]["messageCount"], 51);
    let stored: Vec<i64> = d["conversation"]["messages"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(stored, (1..=51).collect::<Vec<i64>>());
}
