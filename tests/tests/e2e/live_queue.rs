//! `ticketMetrics`, `liveQueue` and `liveQueueUpdated`: figures checked against counts of the list fields, and
//! the queue followed live after a change.

use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::{Value, json};

const QUEUE: &str = "{ liveQueue { total { open pending unassigned waiting }
  byBot { botId counts { open pending unassigned waiting } } byAgent { agentId counts { open pending } } } }";

async fn count(app: &TestApp, list: &str, filter: Value) -> i64 {
    let q = format!("query($f: {}Filter) {{ {list}(first: 1, filter: $f) {{ totalCount }} }}", {
        if list == "tickets" { "Ticket" } else { "Conversation" }
    });
    app.query(&q, json!({ "f": filter })).await[list]["totalCount"].as_i64().expect("count")
}

#[tokio::test]
async fn live_queue_counts_match_the_lists_and_follow_changes() {
    let app = TestApp::spawn().await;
    let d = app.query(QUEUE, json!({})).await;
    let q = &d["liveQueue"];
    let queued = json!({ "in": ["OPEN", "PENDING"] });
    assert_eq!(q["total"]["open"], count(&app, "conversations", json!({ "status": { "eq": "OPEN" } })).await);
    assert_eq!(q["total"]["pending"], count(&app, "conversations", json!({ "status": { "eq": "PENDING" } })).await);
    let unassigned = json!({ "status": queued, "assigneeId": { "isNull": true } });
    assert_eq!(q["total"]["unassigned"], count(&app, "conversations", unassigned).await);
    for share in q["byBot"].as_array().expect("by bot") {
        let bot = if share["botId"].is_null() { json!({ "isNull": true }) } else { json!({ "eq": share["botId"] }) };
        let n = count(&app, "conversations", json!({ "status": queued, "botId": bot })).await;
        let c = &share["counts"];
        assert_eq!(c["open"].as_i64().expect("n") + c["pending"].as_i64().expect("n"), n, "{share}");
    }
    for share in q["byAgent"].as_array().expect("by agent") {
        let n =
            count(&app, "conversations", json!({ "status": queued, "assigneeId": { "eq": share["agentId"] } })).await;
        let c = &share["counts"];
        assert_eq!(c["open"].as_i64().expect("n") + c["pending"].as_i64().expect("n"), n, "{share}");
    }

    // A contact writes in a resolved conversation: it reopens, and the queue has one more open and waiting.
    let resolved = app
        .query("{ conversations(first: 1, filter: {status: {eq: RESOLVED}}) { nodes { id } } }", json!({}))
        .await["conversations"]["nodes"][0]["id"]
        .clone();
    let mut ws = Ws::connect_as(&app, &app.token("acme", "analyst")).await;
    ws.subscribe("q", "subscription { liveQueueUpdated { total { open waiting } } }", json!({})).await;
    ws.ping_pong().await;
    let send = "mutation($id: ID!) { sendMessage(input: {conversationId: $id, senderKind: CONTACT, content: \"again\"}) { message { id } } }";
    app.query(send, json!({ "id": resolved })).await;
    let live = ws.next_data("q").await;
    let total = &live["liveQueueUpdated"]["total"];
    assert_eq!(total["open"].as_i64(), q["total"]["open"].as_i64().map(|n| n + 1), "{live}");
    assert_eq!(total["waiting"].as_i64(), q["total"]["waiting"].as_i64().map(|n| n + 1), "{live}");
    let now = app.query(QUEUE, json!({})).await;
    assert_eq!(now["liveQueue"]["total"]["open"], total["open"]);
}

#[tokio::test]
async fn ticket_metrics_match_the_ticket_list() {
    let app = TestApp::spawn().await;
    let (from, to) = ("2026-10-01T00:00:00Z", "2026-10-15T00:00:00Z");
    let q = "query($r: MetricsRange!) { ticketMetrics(range: $r) { priority created resolved backlog
      timeToFirstResponse { count median p90 } timeToResolution { count median } } }";
    let d = app.query(q, json!({ "r": { "from": from, "to": to } })).await;
    let groups = d["ticketMetrics"].as_array().expect("groups");
    let names: Vec<&str> = groups.iter().filter_map(|g| g["priority"].as_str()).collect();
    assert_eq!(names, ["LOW", "NORMAL", "HIGH", "URGENT"], "every priority, in order");
    let mut created = 0;
    for g in groups {
        let p = json!({ "eq": g["priority"] });
        let range = json!({ "gte": from, "lt": to });
        assert_eq!(g["created"], count(&app, "tickets", json!({ "priority": p, "createdAt": range })).await, "{g}");
        assert_eq!(g["resolved"], count(&app, "tickets", json!({ "priority": p, "resolvedAt": range })).await, "{g}");
        let open = json!({ "priority": p, "status": { "notIn": ["RESOLVED", "CLOSED"] } });
        assert_eq!(g["backlog"], count(&app, "tickets", open).await, "{g}");
        assert_eq!(g["timeToResolution"]["count"], g["resolved"], "{g}");
        created += g["created"].as_i64().expect("n");
    }
    assert!(created > 0, "the demo data has tickets in the range: {d}");
    let reply = app.post(Some("acme"), q, json!({ "r": { "from": to, "to": from } })).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{}", reply.body);
}
