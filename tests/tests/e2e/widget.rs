//! Widget (contact) tokens: a token bound to one contact reads only that contact's conversations and their
//! non-private messages, sends as that contact, marks read, sets typing, subscribes to its own conversations,
//! and sees no other contact, no private note and no agent's email.

use crate::credentials::uuid_of;
use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::{Value, json};

/// A conversation of acme with its contact, and a conversation of another contact.
async fn two_conversations(app: &TestApp) -> (Value, Value, Value) {
    let data = app.query("{ conversations(first: 50) { nodes { id contact { id } } } }", json!({})).await;
    let nodes = data["conversations"]["nodes"].as_array().expect("nodes").clone();
    let mine = nodes[0].clone();
    let other = nodes.iter().find(|n| n["contact"]["id"] != mine["contact"]["id"]).expect("another contact").clone();
    (mine["contact"]["id"].clone(), mine["id"].clone(), other["id"].clone())
}

const SEND: &str = "mutation($c: ID!, $k: SenderKind!, $text: String!, $private: Boolean) {
  sendMessage(input: {conversationId: $c, senderKind: $k, content: $text, private: $private}) { message { id } } }";

#[tokio::test]
async fn a_contact_token_reaches_only_its_contacts_conversations_and_public_messages() {
    let app = TestApp::spawn().await;
    let (contact, mine, other) = two_conversations(&app).await;
    // A private note in the contact's own conversation, written by an agent.
    let agent = app.token("acme", "agent");
    let note = app
        .post_as(
            Some(&agent),
            SEND,
            json!({ "c": mine, "k": "AGENT", "text": "internal: VIP, refund approved", "private": true }),
        )
        .await
        .body["data"]["sendMessage"]["message"]["id"]
        .clone();
    assert!(note.is_string());
    // The widget token, minted by the server for the contact (as the customer's backend would, with its key).
    let minted = app
        .post(
            Some("acme"),
            "mutation($c: ID!) { createContactToken(input: {contactId: $c, expiresIn: 600}) { token expiresAt } }",
            json!({ "c": contact }),
        )
        .await
        .body;
    let token = minted["data"]["createContactToken"]["token"].as_str().expect("token").to_owned();
    let q = "{ viewer { kind contact { id } } contacts(first: 50) { totalCount nodes { id } }
               conversations(first: 20) { totalCount nodes { id contact { id } messages(last: 50) { nodes { id private content } } } } }";
    let reply = app.post_as(Some(&token), q, json!({})).await;
    let data = &reply.body["data"];
    assert_eq!(data["viewer"]["kind"], "CONTACT", "{}", reply.body);
    assert_eq!(data["contacts"]["totalCount"], 1, "it sees only itself");
    assert_eq!(data["contacts"]["nodes"][0]["id"], contact);
    let convs = data["conversations"]["nodes"].as_array().expect("conversations");
    let own = app
        .query("query($c: ID!) { contact(id: $c) { conversations { totalCount } } }", json!({ "c": contact }))
        .await["contact"]["conversations"]["totalCount"]
        .clone();
    assert_eq!(data["conversations"]["totalCount"], own);
    assert!(convs.iter().all(|c| c["contact"]["id"] == contact));
    let text = reply.body.to_string();
    assert!(!text.contains("internal: VIP") && !text.contains("\"private\":true"), "no private note: {text}");
    // By id, another contact's conversation and the private note are simply not found.
    let by_id = "query($a: ID!, $b: ID!) { conversation(id: $a) { id } node(id: $b) { id } }";
    let r = app.post_as(Some(&token), by_id, json!({ "a": other, "b": note })).await.body;
    assert_eq!((r["data"]["conversation"].clone(), r["data"]["node"].clone()), (Value::Null, Value::Null), "{r}");
    // No agent emails, no tickets, no writes beyond its own.
    for (q, code) in [
        ("{ conversations(first: 1) { nodes { assignee { email } } } }", "FORBIDDEN"),
        ("{ agents(first: 1) { nodes { email } } }", "FORBIDDEN"),
        ("{ tickets(first: 1) { totalCount } }", "FORBIDDEN"),
        ("{ labels(first: 1) { totalCount } }", "FORBIDDEN"),
        ("mutation { createContact(input: {name: \"x\"}) { contact { id } } }", "FORBIDDEN"),
    ] {
        let reply = app.post_as(Some(&token), q, json!({})).await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], code, "{q}: {}", reply.body);
        assert_eq!(reply.status, 403, "{q}");
    }
    // Agents' names are fine.
    assert!(
        app.post_as(Some(&token), "{ agents(first: 1) { nodes { name } } }", json!({})).await.body["data"].is_object()
    );
}

#[tokio::test]
async fn a_contact_token_writes_only_as_its_contact() {
    let app = TestApp::spawn().await;
    let (contact, mine, other) = two_conversations(&app).await;
    let token = app.contact_token("acme", uuid_of(&contact));
    let before = app.row_counts().await;
    // As its contact, in its conversation: fine (senderId defaults to the contact).
    let r =
        app.post_as(Some(&token), SEND, json!({ "c": mine, "k": "CONTACT", "text": "hello from the widget" })).await;
    assert!(r.body["data"]["sendMessage"]["message"]["id"].is_string(), "{}", r.body);
    // Not as an agent or a bot, not a private note, not in another contact's conversation.
    for (vars, code) in [
        (json!({ "c": mine, "k": "AGENT", "text": "x" }), "FORBIDDEN"),
        (json!({ "c": mine, "k": "BOT", "text": "x" }), "FORBIDDEN"),
        (json!({ "c": mine, "k": "CONTACT", "text": "x", "private": true }), "BAD_USER_INPUT"),
        (json!({ "c": other, "k": "CONTACT", "text": "x" }), "NOT_FOUND"),
    ] {
        let r = app.post_as(Some(&token), SEND, vars.clone()).await;
        assert_eq!(r.body["errors"][0]["extensions"]["code"], code, "{vars}: {}", r.body);
    }
    let after = app.row_counts().await;
    let messages = |c: &[(&str, i64)]| c.iter().find(|(t, _)| *t == "message").map(|x| x.1);
    assert_eq!(messages(&after), messages(&before).map(|n| n + 1), "exactly the one allowed message was written");
    // Read markers: its own side only. Typing: as itself, in its conversation.
    let read = "mutation($c: ID!, $s: ReadSide!) { markConversationRead(input: {conversationId: $c, side: $s}) { conversation { id } } }";
    assert!(app.post_as(Some(&token), read, json!({ "c": mine, "s": "CONTACT" })).await.body["errors"].is_null());
    let r = app.post_as(Some(&token), read, json!({ "c": mine, "s": "AGENT" })).await.body;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
    let typing = "mutation($c: ID!) { setTyping(input: {conversationId: $c, senderKind: CONTACT, on: true}) { ok } }";
    assert_eq!(app.post_as(Some(&token), typing, json!({ "c": mine })).await.body["data"]["setTyping"]["ok"], true);
    let r = app.post_as(Some(&token), typing, json!({ "c": other })).await.body;
    assert_eq!(r["errors"][0]["extensions"]["code"], "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn a_contact_token_hears_only_its_conversations_public_messages() {
    let app = TestApp::spawn().await;
    let (contact, mine, other) = two_conversations(&app).await;
    let token = app.contact_token("acme", uuid_of(&contact));
    let mut ws = Ws::connect_as(&app, &token).await;
    ws.subscribe("all", "subscription { messageAdded { content private conversation { id } } }", json!({})).await;
    ws.subscribe("typing", "subscription($c: ID!) { typing(conversationId: $c) { on } }", json!({ "c": mine })).await;
    // Subscribing to another contact's conversation is refused like an unknown id.
    ws.subscribe("theirs", "subscription($c: ID!) { typing(conversationId: $c) { on } }", json!({ "c": other })).await;
    // (The resolver refuses it once it runs: a `next` carrying the error, then `complete`.)
    let refused = ws.recv().await;
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("next"), Some("theirs")), "{refused}");
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(ws.recv().await["type"], "complete");
    ws.ping_pong().await;
    let agent = app.token("acme", "agent");
    // Another contact's message, a private note, then a public reply: only the reply arrives.
    app.post_as(Some(&agent), SEND, json!({ "c": other, "k": "AGENT", "text": "to someone else" })).await;
    app.post_as(Some(&agent), SEND, json!({ "c": mine, "k": "AGENT", "text": "secret note", "private": true })).await;
    app.post_as(Some(&agent), SEND, json!({ "c": mine, "k": "AGENT", "text": "public reply" })).await;
    let got = ws.next_data("all").await;
    assert_eq!(got["messageAdded"]["content"], "public reply", "{got}");
    assert_eq!(got["messageAdded"]["conversation"]["id"], mine);
}
