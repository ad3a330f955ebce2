//! A conversation's lifecycle: assignment, handoff, status, priority, labels, read markers, delivery receipts.

use crate::harness::TestApp;
use serde_json::{Value, json};

const CONV: &str =
    "id status handledBy priority resolvedAt snoozedUntil agentLastReadAt contactLastReadAt assignee { id }";

/// A bot-handled pending conversation of acme, an agent and a contact.
async fn pending(app: &TestApp) -> (Value, Value) {
    let d = app
        .query(
            "{ conversations(first: 1, filter: {status: {eq: PENDING}, handledBy: {eq: BOT}}) { nodes { id bot { id } } }
               agents(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let conv = d["conversations"]["nodes"][0].clone();
    assert!(conv["id"].is_string() && conv["bot"]["id"].is_string(), "demo data has a pending bot conversation: {d}");
    (conv["id"].clone(), d["agents"]["nodes"][0]["id"].clone())
}

#[tokio::test]
async fn handoff_assignment_and_status_follow_the_rules() {
    let app = TestApp::spawn().await;
    let (conv, agent) = pending(&app).await;

    let handoff = format!(
        "mutation($id: ID!, $r: String!, $a: ID) {{ handoffToHuman(input: {{conversationId: $id, reason: $r, agentId: $a}}) {{ conversation {{ {CONV} }} }} }}"
    );
    let (code, _) = app.error(&handoff, json!({ "id": conv, "r": "  " })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a blank reason is refused");
    let c = &app.query(&handoff, json!({ "id": conv, "r": "asked for a human", "a": agent })).await["handoffToHuman"]["conversation"];
    assert_eq!((c["status"].as_str(), c["handledBy"].as_str()), (Some("OPEN"), Some("HUMAN")));
    assert_eq!(c["assignee"]["id"], agent);
    // A second handoff is an invalid transition, with the current state.
    let reply = app.post(Some("acme"), &handoff, json!({ "id": conv, "r": "again" })).await;
    let err = &reply.body["errors"][0];
    assert_eq!(err["extensions"]["code"], "CONFLICT", "{}", reply.body);
    assert_eq!(err["extensions"]["currentState"], "OPEN");

    let status = format!(
        "mutation($id: ID!, $s: ConversationStatus!, $u: DateTime) {{ setConversationStatus(input: {{conversationId: $id, status: $s, snoozedUntil: $u}}) {{ conversation {{ {CONV} }} }} }}"
    );
    // Humans handle it now: PENDING (the bot's queue) is refused.
    let (code, msg) = app.error(&status, json!({ "id": conv, "s": "PENDING" })).await;
    assert_eq!(code, "CONFLICT", "{msg}");
    let (code, msg) = app.error(&status, json!({ "id": conv, "s": "SNOOZED" })).await;
    assert_eq!((code.as_str(), msg.contains("snoozedUntil")), ("BAD_USER_INPUT", true), "{msg}");
    let (code, _) = app.error(&status, json!({ "id": conv, "s": "SNOOZED", "u": "2000-01-01T00:00:00Z" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "snoozing into the past");
    let (code, _) = app.error(&status, json!({ "id": conv, "s": "OPEN", "u": "2999-01-01T00:00:00Z" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "snoozedUntil only with SNOOZED");
    let c = &app.query(&status, json!({ "id": conv, "s": "SNOOZED", "u": "2999-01-01T00:00:00Z" })).await["setConversationStatus"]
        ["conversation"];
    assert_eq!(c["status"], "SNOOZED");
    assert!(c["snoozedUntil"].as_str().is_some_and(|t| t.starts_with("2999-01-01T00:00:00")), "{c}");
    let c = &app.query(&status, json!({ "id": conv, "s": "RESOLVED" })).await["setConversationStatus"]["conversation"];
    assert_eq!(c["status"], "RESOLVED");
    assert!(c["resolvedAt"].is_string() && c["snoozedUntil"].is_null(), "{c}");
    let reply =
        app.post(Some("acme"), &status, json!({ "id": conv, "s": "SNOOZED", "u": "2999-01-01T00:00:00Z" })).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["currentState"], "RESOLVED", "{}", reply.body);
    // Resolving again changes nothing (idempotent); reopening clears resolvedAt.
    let again =
        &app.query(&status, json!({ "id": conv, "s": "RESOLVED" })).await["setConversationStatus"]["conversation"];
    assert_eq!(again["resolvedAt"], c["resolvedAt"]);
    let c = &app.query(&status, json!({ "id": conv, "s": "OPEN" })).await["setConversationStatus"]["conversation"];
    assert!(c["resolvedAt"].is_null());

    // Back to the bot: unassigned, bot-handled, OPEN becomes PENDING.
    let assign = format!(
        "mutation($id: ID!, $a: ID) {{ assignConversation(input: {{conversationId: $id, agentId: $a}}) {{ conversation {{ {CONV} }} }} }}"
    );
    let c = &app.query(&assign, json!({ "id": conv })).await["assignConversation"]["conversation"];
    assert_eq!((c["status"].as_str(), c["handledBy"].as_str()), (Some("PENDING"), Some("BOT")));
    assert!(c["assignee"].is_null());
    let c = &app.query(&assign, json!({ "id": conv, "a": agent })).await["assignConversation"]["conversation"];
    assert_eq!((c["status"].as_str(), c["handledBy"].as_str()), (Some("OPEN"), Some("HUMAN")));
    let missing = "QWdlbnQ6MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw"; // Agent:0190…: no such agent
    let (code, _) = app.error(&assign, json!({ "id": conv, "a": missing })).await;
    assert_eq!(code, "NOT_FOUND");

    let prio = "mutation($id: ID!) { setConversationPriority(input: {conversationId: $id, priority: URGENT}) { conversation { priority } } }";
    assert_eq!(
        app.query(prio, json!({ "id": conv })).await["setConversationPriority"]["conversation"]["priority"],
        "URGENT"
    );
}

#[tokio::test]
async fn labels_read_markers_and_receipts() {
    let app = TestApp::spawn().await;
    let d = app
        .query(
            "{ labels(first: 3) { nodes { id name } } conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }",
            json!({}),
        )
        .await;
    let conv = d["conversations"]["nodes"][0]["id"].clone();
    let labels: Vec<Value> = d["labels"]["nodes"].as_array().expect("labels").iter().map(|l| l["id"].clone()).collect();
    let strip = "mutation($id: ID!, $l: [ID!]!) { removeLabels(input: {labelableId: $id, labelIds: $l}) { changed labels { id } } }";
    app.query(strip, json!({ "id": conv, "l": labels })).await;
    let add =
        "mutation($id: ID!, $l: [ID!]!) { addLabels(input: {labelableId: $id, labelIds: $l}) { changed labels { id }
        labelable { __typename ... on Conversation { labels { id } } } } }";
    let r = &app.query(add, json!({ "id": conv, "l": [labels[0], labels[1]] })).await["addLabels"];
    assert_eq!(r["changed"], 2);
    assert_eq!(r["labels"].as_array().map(Vec::len), Some(2));
    assert_eq!(r["labelable"]["__typename"], "Conversation");
    let r = &app.query(add, json!({ "id": conv, "l": [labels[0], labels[2]] })).await["addLabels"];
    assert_eq!(r["changed"], 1, "a label already there is not added twice");
    assert_eq!(r["labels"].as_array().map(Vec::len), Some(3));
    let r = &app.query(strip, json!({ "id": conv, "l": [labels[1]] })).await["removeLabels"];
    assert_eq!((r["changed"].as_i64(), r["labels"].as_array().map(Vec::len)), (Some(1), Some(2)));
    let (code, _) = app.error(add, json!({ "id": labels[0], "l": [labels[0]] })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a label is not labelable");
    let (code, _) = app.error(add, json!({ "id": conv, "l": [] })).await;
    assert_eq!(code, "BAD_USER_INPUT");

    // The contact writes twice; the agents read: both messages become READ, the marker moves, never back.
    let send = "mutation($id: ID!, $t: String!) { sendMessage(input: {conversationId: $id, senderKind: CONTACT, content: $t}) { message { id status } } }";
    let m1 = app.query(send, json!({ "id": conv, "t": "one" })).await["sendMessage"]["message"]["id"].clone();
    app.query(send, json!({ "id": conv, "t": "two" })).await;
    let read = "mutation($id: ID!, $s: ReadSide!, $u: DateTime) { markConversationRead(input: {conversationId: $id, side: $s, upTo: $u}) {
        messagesRead conversation { agentLastReadAt contactLastReadAt } } }";
    let r = &app.query(read, json!({ "id": conv, "s": "AGENT" })).await["markConversationRead"];
    assert!(r["messagesRead"].as_i64().unwrap_or(0) >= 2, "{r}");
    let marker = r["conversation"]["agentLastReadAt"].clone();
    assert!(marker.is_string() && r["conversation"]["contactLastReadAt"].is_null(), "{r}");
    let r = &app.query(read, json!({ "id": conv, "s": "AGENT", "u": "2001-01-01T00:00:00Z" })).await["markConversationRead"];
    assert_eq!((r["messagesRead"].as_i64(), &r["conversation"]["agentLastReadAt"]), (Some(0), &marker));
    let status = "query($id: ID!) { node(id: $id) { ... on Message { status } } }";
    assert_eq!(app.query(status, json!({ "id": m1 })).await["node"]["status"], "READ");

    // Receipts: forward only, late ones ignored, FAILED needs a reason and is final.
    let m = app.query(send, json!({ "id": conv, "t": "three" })).await["sendMessage"]["message"]["id"].clone();
    let receipt = "mutation($id: ID!, $s: MessageStatus!, $r: String) { updateMessageStatus(input: {messageId: $id, status: $s, reason: $r}) {
        changed message { status failureReason } } }";
    let r = &app.query(receipt, json!({ "id": m, "s": "DELIVERED" })).await["updateMessageStatus"];
    assert_eq!((r["changed"].as_bool(), r["message"]["status"].as_str()), (Some(true), Some("DELIVERED")));
    let r = &app.query(receipt, json!({ "id": m, "s": "SENT" })).await["updateMessageStatus"];
    assert_eq!((r["changed"].as_bool(), r["message"]["status"].as_str()), (Some(false), Some("DELIVERED")));
    let (code, _) = app.error(receipt, json!({ "id": m, "s": "FAILED" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "FAILED without a reason");
    let (code, _) = app.error(receipt, json!({ "id": m, "s": "READ", "r": "why" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a reason without FAILED");
    let r =
        &app.query(receipt, json!({ "id": m, "s": "FAILED", "r": "number unreachable" })).await["updateMessageStatus"];
    assert_eq!(r["message"]["failureReason"], "number unreachable");
    let reply = app.post(Some("acme"), receipt, json!({ "id": m, "s": "READ" })).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(reply.body["errors"][0]["extensions"]["currentState"], "FAILED");
    let (code, _) = app.error(receipt, json!({ "id": conv, "s": "READ" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a conversation id is not a message id");
}

/// Concurrent edits of one conversation are serialised: none is lost.
#[tokio::test]
async fn concurrent_label_and_status_edits_lose_nothing() {
    let app = TestApp::spawn().await;
    let d = app
        .query(
            "{ labels(first: 8) { nodes { id } } conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }",
            json!({}),
        )
        .await;
    let conv = d["conversations"]["nodes"][0]["id"].clone();
    let labels: Vec<Value> = d["labels"]["nodes"].as_array().expect("labels").iter().map(|l| l["id"].clone()).collect();
    let strip = "mutation($id: ID!, $l: [ID!]!) { removeLabels(input: {labelableId: $id, labelIds: $l}) { changed } }";
    app.query(strip, json!({ "id": conv, "l": labels })).await;
    let add = "mutation($id: ID!, $l: [ID!]!) { addLabels(input: {labelableId: $id, labelIds: $l}) { changed } }";
    let prio = "mutation($id: ID!, $p: Priority!) { setConversationPriority(input: {conversationId: $id, priority: $p}) { conversation { id } } }";
    let mut jobs = vec![];
    for l in &labels {
        jobs.push(app.post(Some("acme"), add, json!({ "id": conv, "l": [l] })));
    }
    for p in ["LOW", "HIGH", "URGENT", "NORMAL"] {
        jobs.push(app.post(Some("acme"), prio, json!({ "id": conv, "p": p })));
    }
    for reply in futures::future::join_all(jobs).await {
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    }
    let q = "query($id: ID!) { conversation(id: $id) { labels { id } } }";
    let now = app.query(q, json!({ "id": conv })).await;
    assert_eq!(now["conversation"]["labels"].as_array().map(Vec::len), Some(labels.len()));
}
