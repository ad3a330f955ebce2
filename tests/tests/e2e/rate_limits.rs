//! Abuse limits: a budget per principal charged by query cost, reported on every response (`RateLimit-*`,
//! `X-RateLimit-*`, `extensions.cost`); a flood from one key gets 429 with `Retry-After` while another key is
//! served; the same budgets over WebSocket, with a cap on sockets per principal; several instances on one Redis
//! share one budget; and the fragment bomb is refused at once on every transport, memory flat.

use crate::api_keys::create_key;
use crate::harness::{Reply, TestApp};
use crate::ws::Ws;
use serde_json::{Value, json};

/// 1 + 5 × (1 + 1) = 11 (see schema/src/document/cost.rs).
const CHEAP: &str = "{ conversations(first: 5) { nodes { id } } }";
/// 1 + 50 × (1 + 1 + 10 × (1 + 1)) = 1,101.
const COSTLY: &str = "{ conversations(first: 50) { nodes { messages(last: 10) { nodes { id } } } } }";

fn header(r: &Reply, name: &str) -> Option<u64> {
    r.headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn every_response_reports_the_budget() {
    let app = TestApp::spawn().await;
    let reply = app.post(Some("acme"), CHEAP, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cost = &reply.body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 11, "{cost}");
    let limit = header(&reply, "ratelimit-limit").expect("RateLimit-Limit");
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], limit);
    let remaining = header(&reply, "ratelimit-remaining").expect("RateLimit-Remaining");
    assert!(remaining <= limit - 11, "{remaining} of {limit}");
    assert_eq!(header(&reply, "x-ratelimit-limit"), Some(limit));
    assert_eq!(header(&reply, "x-ratelimit-remaining"), Some(remaining));
    let now = chrono::Utc::now().timestamp() as u64;
    let reset = header(&reply, "x-ratelimit-reset").expect("X-RateLimit-Reset");
    assert!(reset >= now && reset <= now + 61, "X-RateLimit-Reset is a Unix time within the minute: {reset}");
    assert!(header(&reply, "ratelimit-reset").is_some_and(|s| s <= 60));
    // A mutation costs its selection plus 10 per root field.
    let m = app.post(Some("acme"), "mutation { createBot(input: {name: \"b\"}) { bot { id } } }", json!({})).await;
    assert_eq!(m.body["extensions"]["cost"]["requestedQueryCost"], 1 + 1 + 1 + 10, "{}", m.body);
    // An aggregate costs its scan (1,000) besides its selection, through aliases and fragments too.
    let metrics = "{ a: conversationMetrics(range: {from: \"2026-11-01T00:00:00Z\", to: \"2026-11-02T00:00:00Z\"}) \
        { conversationsStarted } ...T } fragment T on Query { ticketMetrics(range: {from: \"2026-11-01T00:00:00Z\", \
        to: \"2026-11-02T00:00:00Z\"}) { created } }";
    let m = app.post(Some("acme"), metrics, json!({})).await;
    assert_eq!(m.body["extensions"]["cost"]["requestedQueryCost"], 2 * (1000 + 1 + 1), "{}", m.body);
    // Refused requests carry the headers too: unauthenticated, malformed, not JSON.
    for r in [
        app.post_as(None, CHEAP, json!({})).await,
        app.post_as(Some("not-a-token"), CHEAP, json!({})).await,
        app.post(Some("acme"), "{ nope", json!({})).await,
    ] {
        assert!(header(&r, "ratelimit-remaining").is_some(), "{} {}", r.status, r.body);
    }
}

#[tokio::test]
async fn a_flood_from_one_key_gets_429_while_another_key_is_served() {
    let app = TestApp::spawn().await;
    let admin = app.key("acme");
    let (small, _) = create_key(&app, &admin, json!({ "name": "small", "role": "AGENT", "budget": 5000 })).await;
    let (other, _) = create_key(&app, &admin, json!({ "name": "other", "role": "AGENT" })).await;
    let (tiny, _) = create_key(&app, &admin, json!({ "name": "tiny", "role": "AGENT", "budget": 100 })).await;
    let mut served = 0;
    let refused = loop {
        let r = app.post_as(Some(&small), COSTLY, json!({})).await;
        if r.status == 429 {
            break r;
        }
        assert_eq!(r.status, 200, "{}", r.body);
        served += 1;
        assert!(served <= 5, "5,000 points buy at most 4 (and a refill) of 1,101");
    };
    assert!(served >= 4, "{served}");
    assert_eq!(refused.body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{}", refused.body);
    assert!(refused.body.get("data").is_none(), "nothing ran");
    let retry = header(&refused, "retry-after").expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.body["errors"][0]["extensions"]["retryAfter"], retry);
    assert_eq!(header(&refused, "ratelimit-limit"), Some(5000));
    // Another key has its own budget.
    let r = app.post_as(Some(&other), COSTLY, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // An operation costing more than a whole budget can never pass: said so, without a wait that would not help;
    // a mutation refused so (10 + 204 points) writes nothing.
    let r = app.post_as(Some(&tiny), COSTLY, json!({})).await;
    assert_eq!(r.status, 429);
    assert!(r.body["errors"][0]["message"].as_str().unwrap_or("").contains("more than the whole budget"), "{}", r.body);
    let before = app.row_counts().await;
    let write = "mutation { createContact(input: {name: \"x\"}) { contact { id conversations(first: 100) { nodes { id } } } } }";
    let m = app.post_as(Some(&tiny), write, json!({})).await;
    assert_eq!(m.status, 429, "{}", m.body);
    assert_eq!(m.body["extensions"]["cost"]["requestedQueryCost"], 214, "{}", m.body);
    assert_eq!(app.row_counts().await, before, "refused operations wrote nothing");
}

#[tokio::test]
async fn websocket_subscriptions_spend_the_same_budget_and_sockets_are_capped() {
    let app = TestApp::spawn_with(&["--max-sockets-per-principal", "2"]).await;
    let admin = app.key("acme");
    // `messageAdded { id }` costs 2: a budget of 5 allows two subscriptions.
    let (key, _) = create_key(&app, &admin, json!({ "name": "ws", "role": "AGENT", "budget": 5 })).await;
    let mut ws = Ws::connect_as(&app, &key).await;
    for id in ["1", "2"] {
        ws.subscribe(id, "subscription { messageAdded { id } }", json!({})).await;
    }
    ws.subscribe("3", "subscription { messageAdded { id } }", json!({})).await;
    let refused = ws.recv().await;
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("3")), "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // Two sockets per principal here; the third is closed at connection_init.
    let _second = Ws::connect_as(&app, &key).await;
    let mut third = Ws::open(&app).await;
    third.init(&key).await;
    let (code, reason) = third.closed().await;
    assert_eq!(code, 4429, "{reason}");
    // Another principal is not affected.
    Ws::connect_as(&app, &admin).await;
}

#[tokio::test]
async fn instances_on_one_redis_share_one_budget() {
    let Some(redis) = crate::harness::redis_url() else {
        println!("SKIPPED: no Redis on 127.0.0.1:6379 (set PARLOR_TEST_REDIS_URL); CI has one and runs this test");
        return;
    };
    let app = TestApp::spawn_with(&["--rate-limit", &redis]).await;
    let peer = app.spawn_peer_with(&["--rate-limit", &redis]).await;
    let (key, _) =
        create_key(&app, &app.key("acme"), json!({ "name": "shared", "role": "AGENT", "budget": 5000 })).await;
    // Alternating instances: one budget of 5,000 buys about 4 requests of 1,101 in all, not 4 on each.
    let mut served = 0;
    for i in 0..12 {
        let on = if i % 2 == 0 { &app } else { &peer };
        let r = on.post_as(Some(&key), COSTLY, json!({})).await;
        match r.status {
            200 => served += 1,
            429 => assert_eq!(r.body["errors"][0]["extensions"]["code"], "RATE_LIMITED"),
            s => panic!("{s}: {}", r.body),
        }
    }
    assert!((4..=5).contains(&served), "served {served} of 12 across two instances");
    let remaining = |r: &Reply| header(r, "ratelimit-remaining");
    let a = app.post_as(Some(&key), CHEAP, json!({})).await;
    let b = peer.post_as(Some(&key), CHEAP, json!({})).await;
    assert!(remaining(&a).is_some() && remaining(&b).is_some());
}

/// `levels` fragments, each spreading the next twice: 2^levels fields once expanded.
fn bomb(levels: usize) -> String {
    let mut doc = String::from("{ ...F0 }\n");
    for i in 0..levels {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
    }
    doc.push_str(&format!("fragment F{levels} on Query {{ workspace {{ name }} }}\n"));
    doc
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_fragment_bomb_is_refused_on_http_and_websocket_with_memory_flat() {
    let app = TestApp::spawn().await;
    app.post(Some("acme"), CHEAP, json!({})).await;
    let before = rss_kib(app.pid());
    let mut ws = Ws::connect(&app).await;
    for levels in [20, 25, 30] {
        let doc = bomb(levels);
        let reply = app.post(Some("acme"), &doc, json!({})).await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{levels}: {}", reply.body);
        let id = format!("bomb{levels}");
        ws.subscribe(&id, &doc, json!({})).await;
        let msg: Value = ws.recv().await;
        assert_eq!(msg["type"], "error", "{levels}: {msg}");
        assert_eq!(msg["payload"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{levels}: {msg}");
    }
    let after = rss_kib(app.pid());
    assert!(after < before + 20 * 1024, "RSS grew from {before} to {after} KiB");
}
