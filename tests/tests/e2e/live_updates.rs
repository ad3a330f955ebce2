//! Every write lands in the outbox with its event type, and the filtered subscriptions see the changes they ask for.

use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

#[tokio::test]
async fn every_write_appends_its_event_and_filters_pick_their_changes() {
    let app = TestApp::spawn().await;
    let d = app
        .query(
            "{ conversations(first: 1, filter: {status: {eq: PENDING}, handledBy: {eq: BOT}}) { nodes { id } }
               agents(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let conv = d["conversations"]["nodes"][0]["id"].clone();
    let agent = d["agents"]["nodes"][0]["id"].clone();

    let mut ws = Ws::connect(&app).await;
    ws.subscribe("e", "subscription { events { type conversationId ticketId contactId payload } }", json!({})).await;
    let q = "subscription { conversationUpdated(filter: {statuses: [SNOOZED]}) { id status } }";
    ws.subscribe("c", q, json!({})).await;
    let q = "subscription { ticketUpdated(filter: {statuses: [RESOLVED]}) { id status resolvedAt } }";
    ws.subscribe("t", q, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let m = |q: &str, v: Value| {
        let app = &app;
        let q = q.to_owned();
        async move { app.query(&q, v).await }
    };
    let contact = m(
        "mutation { createContact(input: {name: \"Eve\", email: \"eve@example.net\"}) { contact { id } } }",
        json!({}),
    )
    .await["createContact"]["contact"]["id"]
        .clone();
    m(
        "mutation($id: ID!) { updateContact(input: {id: $id, attributes: {tier: \"gold\"}}) { contact { id } } }",
        json!({ "id": contact }),
    )
    .await;
    m("mutation($id: ID!) { handoffToHuman(input: {conversationId: $id, reason: \"angry\"}) { conversation { id } } }", json!({ "id": conv })).await;
    m("mutation($id: ID!, $a: ID!) { assignConversation(input: {conversationId: $id, agentId: $a}) { conversation { id } } }", json!({ "id": conv, "a": agent })).await;
    m("mutation($id: ID!) { setConversationPriority(input: {conversationId: $id, priority: HIGH}) { conversation { id } } }", json!({ "id": conv })).await;
    m("mutation($id: ID!) { setConversationStatus(input: {conversationId: $id, status: SNOOZED, snoozedUntil: \"2999-01-01T00:00:00Z\"}) { conversation { id } } }", json!({ "id": conv })).await;
    // Subscribers get the state as of delivery: wait for the snooze to be seen before the next message reopens it.
    let mut got: HashMap<&str, Vec<Value>> = HashMap::new();
    while !got.contains_key("c") {
        let (id, data) = next(&mut ws).await;
        got.entry(id).or_default().push(data);
    }
    let msg = m("mutation($id: ID!) { sendMessage(input: {conversationId: $id, senderKind: CONTACT, content: \"hello?\"}) { message { id } } }", json!({ "id": conv }))
        .await["sendMessage"]["message"]["id"]
        .clone();
    m(
        "mutation($id: ID!) { updateMessageStatus(input: {messageId: $id, status: DELIVERED}) { changed } }",
        json!({ "id": msg }),
    )
    .await;
    m(
        "mutation($id: ID!) { markConversationRead(input: {conversationId: $id, side: AGENT}) { messagesRead } }",
        json!({ "id": conv }),
    )
    .await;
    let ticket = m(
        "mutation($c: ID!) { createTicket(input: {subject: \"Broken\", conversationId: $c}) { ticket { id } } }",
        json!({ "c": conv }),
    )
    .await["createTicket"]["ticket"]["id"]
        .clone();
    m(
        "mutation($id: ID!) { setTicketStatus(input: {id: $id, status: RESOLVED}) { ticket { id } } }",
        json!({ "id": ticket }),
    )
    .await;
    m("mutation($id: ID!) { deleteContact(input: {id: $id}) { contact { id } } }", json!({ "id": contact })).await;
    // A refused change writes no event.
    let (code, _) = app.error("mutation($id: ID!) { handoffToHuman(input: {conversationId: $id, reason: \"again\"}) { conversation { id } } }", json!({ "id": conv })).await;
    assert_eq!(code, "CONFLICT");
    m("mutation { createBot(input: {name: \"Closer\"}) { bot { id } } }", json!({})).await;

    let expected = [
        "contact.created",
        "contact.updated",
        "conversation.handoff",
        "conversation.assigned",
        "conversation.updated",
        "conversation.status_changed",
        "message.created",
        "conversation.status_changed", // the contact's message reopened the snoozed conversation
        "message.updated",
        "conversation.read",
        "ticket.created",
        "ticket.updated",
        "contact.deleted",
        "bot.created",
    ];
    while got.get("e").map_or(0, Vec::len) < expected.len() || !got.contains_key("t") {
        let (id, data) = next(&mut ws).await;
        got.entry(id).or_default().push(data);
    }
    let types: Vec<&str> = got["e"].iter().map(|e| e["type"].as_str().unwrap_or("?")).collect();
    assert_eq!(types, expected);
    let status = &got["e"][5];
    assert_eq!(status["payload"]["to"], "snoozed", "{status}");
    assert_eq!(got["e"][10]["ticketId"], ticket);
    assert_eq!(got["e"][12]["contactId"], contact);
    // Filtered subscriptions get the state when the event is delivered: a burst of changes can show the latest
    // state more than once (on PostgreSQL, delivery follows the commit by a NOTIFY round trip), never a
    // state outside the filter.
    while let Ok(f) = tokio::time::timeout(Duration::from_millis(500), ws.recv()).await {
        let id = if f["id"] == "c" { "c" } else { "t" };
        assert_ne!(f["id"], "e", "no more events: {f}");
        let data = f["payload"]["data"].as_object().and_then(|o| o.values().next().cloned()).expect("data");
        got.entry(id).or_default().push(data);
    }
    assert!(got["c"].iter().all(|c| *c == json!({ "id": conv, "status": "SNOOZED" })), "{:?}", got["c"]);
    assert!(got["t"].iter().all(|t| t["id"] == ticket && t["status"] == "RESOLVED"), "{:?}", got["t"]);
}

/// The next `next` message: its subscription id and data.
async fn next(ws: &mut Ws) -> (&'static str, Value) {
    let f = ws.recv().await;
    assert_eq!(f["type"], "next", "{f}");
    let id = match f["id"].as_str() {
        Some("e") => "e",
        Some("c") => "c",
        Some("t") => "t",
        _ => panic!("unexpected {f}"),
    };
    (id, f["payload"]["data"].as_object().and_then(|o| o.values().next().cloned()).expect("data"))
}
