//! Tenancy, from the outside: every root field, mutation and subscription called by workspace `acme` with
//! workspace `globex`'s ids finds nothing (`null`, an empty list, `NOT_FOUND`), writes nothing, and hears nothing.

use crate::harness::TestApp;
use crate::ws::Ws;
use base64::Engine;
use serde_json::{Value, json};

/// One id of each kind from a workspace (through that workspace's own key).
async fn ids(app: &TestApp, ws: &str) -> Value {
    let q = "{ conversations(first: 1) { nodes { id contact { id } messages(first: 1) { nodes { id } } } }
               bots(first: 1) { nodes { id } } agents(first: 1) { nodes { id } } tickets(first: 1) { nodes { id } }
               labels(first: 1) { nodes { id } } apiKeys(first: 1) { nodes { id } } }";
    let d = app.post(Some(ws), q, json!({})).await.body["data"].clone();
    let c = &d["conversations"]["nodes"][0];
    json!({
        "conversation": c["id"], "contact": c["contact"]["id"], "message": c["messages"]["nodes"][0]["id"],
        "bot": d["bots"]["nodes"][0]["id"], "agent": d["agents"]["nodes"][0]["id"],
        "ticket": d["tickets"]["nodes"][0]["id"], "label": d["labels"]["nodes"][0]["id"],
        "apiKey": d["apiKeys"]["nodes"][0]["id"],
    })
}

#[tokio::test]
async fn another_workspaces_ids_find_nothing_anywhere() {
    let app = TestApp::spawn().await;
    let (mine, theirs) = (ids(&app, "acme").await, ids(&app, "globex").await);
    for (k, v) in theirs.as_object().expect("ids") {
        assert!(v.is_string(), "globex has a {k}: {theirs}");
    }
    let g = |k: &str| theirs[k].clone();
    // Every root field that takes an id: null.
    for (field, kind) in [
        ("agent", "agent"),
        ("bot", "bot"),
        ("contact", "contact"),
        ("conversation", "conversation"),
        ("message", "message"),
        ("ticket", "ticket"),
        ("label", "label"),
    ] {
        let q = format!(
            "query($id: ID!) {{ {field}(id: $id) {{ id }} node(id: $id) {{ id }} nodes(ids: [$id]) {{ id }} }}"
        );
        let d = app.query(&q, json!({ "id": g(kind) })).await;
        assert_eq!(
            (d[field].clone(), d["node"].clone(), d["nodes"][0].clone()),
            (Value::Null, Value::Null, Value::Null),
            "{field}"
        );
    }
    let d = app.query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": g("apiKey") })).await;
    assert_eq!(d["node"], Value::Null, "another workspace's API key");
    // Lists filtered by their ids: empty. Lists unfiltered never hold them.
    for (field, kind) in [
        ("bots", "bot"),
        ("contacts", "contact"),
        ("conversations", "conversation"),
        ("messages", "message"),
        ("tickets", "ticket"),
    ] {
        let q = format!("query($id: ID!) {{ {field}(filter: {{id: {{eq: $id}}}}) {{ totalCount }} }}");
        assert_eq!(app.query(&q, json!({ "id": g(kind) })).await[field]["totalCount"], 0, "{field}");
    }
    let everything = app
        .query("{ agents(first: 100) { nodes { id } } labels(first: 100) { nodes { id } } apiKeys(first: 100) { nodes { id } } }", json!({}))
        .await
        .to_string();
    for kind in ["agent", "label", "apiKey"] {
        assert!(!everything.contains(g(kind).as_str().unwrap_or("?")), "acme lists globex's {kind}");
    }
    // Every mutation naming one of them: NOT_FOUND, and nothing written.
    let m = |field: &str, input: Value| (field.to_owned(), input);
    let mutations = vec![
        m("updateBot", json!({ "id": g("bot"), "name": "x" })),
        m("pauseBot", json!({ "id": g("bot") })),
        m("resumeBot", json!({ "id": g("bot") })),
        m("archiveBot", json!({ "id": g("bot") })),
        m("deleteBot", json!({ "id": g("bot") })),
        m("updateContact", json!({ "id": g("contact"), "name": "x" })),
        m("deleteContact", json!({ "id": g("contact") })),
        m("createContactToken", json!({ "contactId": g("contact") })),
        m("startConversation", json!({ "contactId": g("contact"), "channel": "WEB" })),
        m("startConversation", json!({ "contactId": mine["contact"], "channel": "WEB", "botId": g("bot") })),
        m("assignConversation", json!({ "conversationId": g("conversation") })),
        m("assignConversation", json!({ "conversationId": mine["conversation"], "agentId": g("agent") })),
        m("handoffToHuman", json!({ "conversationId": g("conversation"), "reason": "x" })),
        m("setConversationStatus", json!({ "conversationId": g("conversation"), "status": "RESOLVED" })),
        m("setConversationPriority", json!({ "conversationId": g("conversation"), "priority": "HIGH" })),
        m("markConversationRead", json!({ "conversationId": g("conversation"), "side": "AGENT" })),
        m("sendMessage", json!({ "conversationId": g("conversation"), "senderKind": "CONTACT", "content": "x" })),
        m(
            "sendMessage",
            json!({ "conversationId": mine["conversation"], "senderKind": "AGENT", "senderId": g("agent"), "content": "x" }),
        ),
        m(
            "sendMessage",
            json!({ "conversationId": mine["conversation"], "senderKind": "BOT", "senderId": g("bot"), "content": "x" }),
        ),
        m("setTyping", json!({ "conversationId": g("conversation"), "senderKind": "CONTACT", "on": true })),
        m("updateMessageStatus", json!({ "messageId": g("message"), "status": "READ" })),
        m("addLabels", json!({ "labelableId": g("conversation"), "labelIds": [mine["label"]] })),
        m("addLabels", json!({ "labelableId": mine["conversation"], "labelIds": [g("label")] })),
        m("removeLabels", json!({ "labelableId": g("conversation"), "labelIds": [mine["label"]] })),
        m("createTicket", json!({ "subject": "x", "contactId": g("contact") })),
        m("createTicket", json!({ "subject": "x", "conversationId": g("conversation") })),
        m("updateTicket", json!({ "id": g("ticket"), "subject": "x" })),
        m("assignTicket", json!({ "id": g("ticket") })),
        m("assignTicket", json!({ "id": mine["ticket"], "agentId": g("agent") })),
        m("setTicketStatus", json!({ "id": g("ticket"), "status": "RESOLVED" })),
        m("closeTicket", json!({ "id": g("ticket") })),
        m("addTicketComment", json!({ "ticketId": g("ticket"), "agentId": mine["agent"], "body": "x" })),
        m("addTicketComment", json!({ "ticketId": mine["ticket"], "agentId": g("agent"), "body": "x" })),
        m("createApiKey", json!({ "name": "x", "botId": g("bot") })),
        m("rotateApiKey", json!({ "id": g("apiKey") })),
        m("revokeApiKey", json!({ "id": g("apiKey") })),
    ];
    let schema_types = [
        ("updateBot", "UpdateBotInput"),
        ("pauseBot", "BotIdInput"),
        ("resumeBot", "BotIdInput"),
        ("archiveBot", "BotIdInput"),
        ("deleteBot", "BotIdInput"),
        ("updateContact", "UpdateContactInput"),
        ("deleteContact", "DeleteContactInput"),
        ("createContactToken", "CreateContactTokenInput"),
        ("startConversation", "StartConversationInput"),
        ("assignConversation", "AssignConversationInput"),
        ("handoffToHuman", "HandoffToHumanInput"),
        ("setConversationStatus", "SetConversationStatusInput"),
        ("setConversationPriority", "SetConversationPriorityInput"),
        ("markConversationRead", "MarkConversationReadInput"),
        ("sendMessage", "SendMessageInput"),
        ("setTyping", "SetTypingInput"),
        ("updateMessageStatus", "UpdateMessageStatusInput"),
        ("addLabels", "LabelsInput"),
        ("removeLabels", "LabelsInput"),
        ("createTicket", "CreateTicketInput"),
        ("updateTicket", "UpdateTicketInput"),
        ("assignTicket", "AssignTicketInput"),
        ("setTicketStatus", "SetTicketStatusInput"),
        ("closeTicket", "CloseTicketInput"),
        ("addTicketComment", "AddTicketCommentInput"),
        ("createApiKey", "CreateApiKeyInput"),
        ("rotateApiKey", "RotateApiKeyInput"),
        ("revokeApiKey", "RevokeApiKeyInput"),
    ];
    let before = app.row_counts().await;
    for (field, input) in &mutations {
        let ty = schema_types.iter().find(|(f, _)| f == field).map(|(_, t)| *t).expect("input type");
        let q = format!("mutation($input: {ty}!) {{ {field}(input: $input) {{ __typename }} }}");
        let reply = app.post(Some("acme"), &q, json!({ "input": input })).await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{field} {input}: {}", reply.body);
    }
    assert_eq!(app.row_counts().await, before, "nothing was written");
}

#[tokio::test]
async fn another_workspaces_events_never_reach_a_subscriber() {
    let app = TestApp::spawn().await;
    let (mine, theirs) = (ids(&app, "acme").await, ids(&app, "globex").await);
    let mut ws = Ws::connect(&app).await;
    // Subscribing by another workspace's conversation is refused where the server must check at once...
    ws.subscribe(
        "typing",
        "subscription($c: ID!) { typing(conversationId: $c) { on } }",
        json!({ "c": theirs["conversation"] }),
    )
    .await;
    let refused = ws.recv().await;
    assert_eq!(
        (refused["type"].as_str(), refused["payload"]["errors"][0]["extensions"]["code"].as_str()),
        (Some("next"), Some("NOT_FOUND")),
        "{refused}"
    );
    assert_eq!(ws.recv().await["type"], "complete");
    // ...and otherwise hears nothing of it.
    for (id, q, vars) in [
        (
            "m-theirs",
            "subscription($c: ID) { messageAdded(conversationId: $c) { id } }",
            json!({ "c": theirs["conversation"] }),
        ),
        (
            "c-theirs",
            "subscription($c: ID) { conversationUpdated(conversationId: $c) { id } }",
            json!({ "c": theirs["conversation"] }),
        ),
        ("t-theirs", "subscription($t: ID) { ticketUpdated(ticketId: $t) { id } }", json!({ "t": theirs["ticket"] })),
        ("b-theirs", "subscription($b: ID) { messageAdded(botId: $b) { id } }", json!({ "b": theirs["bot"] })),
        ("m-all", "subscription { messageAdded { id conversation { id } } }", json!({})),
        ("events", "subscription { events { type conversationId } }", json!({})),
        (
            "replay",
            "subscription($a: String) { events(after: $a) { type conversationId } }",
            json!({ "a": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("event:0") }),
        ),
    ] {
        ws.subscribe(id, q, vars).await;
    }
    ws.ping_pong().await;
    let send = "mutation($c: ID!) { sendMessage(input: {conversationId: $c, senderKind: CONTACT, content: \"hi\"}) { message { id } } }";
    let status = "mutation($t: ID!) { setTicketStatus(input: {id: $t, status: WAITING}) { ticket { id } } }";
    // globex writes first; acme's own write comes after it on the same bus.
    assert!(app.post(Some("globex"), send, json!({ "c": theirs["conversation"] })).await.body["errors"].is_null());
    assert!(app.post(Some("globex"), status, json!({ "t": theirs["ticket"] })).await.body["errors"].is_null());
    let mine_msg = app.post(Some("acme"), send, json!({ "c": mine["conversation"] })).await.body["data"]["sendMessage"]
        ["message"]["id"]
        .clone();
    let (mut seen_message, mut seen_event, mut seen_replay) = (false, false, false);
    while !(seen_message && seen_event && seen_replay) {
        let msg = ws.recv().await;
        let id = msg["id"].as_str().unwrap_or("");
        assert!(!id.ends_with("-theirs"), "another workspace's event reached acme: {msg}");
        assert!(!msg.to_string().contains(theirs["conversation"].as_str().unwrap_or("?")), "{msg}");
        match id {
            "m-all" => {
                assert_eq!(msg["payload"]["data"]["messageAdded"]["id"], mine_msg);
                seen_message = true;
            }
            "events" => seen_event = true,
            "replay" => seen_replay = true,
            _ => panic!("unexpected {msg}"),
        }
    }
}
