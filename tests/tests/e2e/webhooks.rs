//! Outbound webhooks against a real HTTP receiver in the test: signatures verified as README.md tells
//! integrators to, retries (500, 429 with `Retry-After`), no retry on 400, redelivery, order per conversation,
//! and a restart in the middle of a retry schedule.

use crate::harness::TestApp;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SEND: &str = r#"mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id seq } } }"#;
const CREATE: &str = r#"mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret webhookEndpoint { id url events enabled } } }"#;
const DELIVERIES: &str = r#"query($e: ID!) { webhookDeliveries(endpointId: $e, first: 100) { nodes {
  id webhookId eventType status attempts lastResponseCode lastResponse lastError payload } } }"#;
/// Fast retries, so that a schedule plays out in a second or two.
const FAST: &[&str] = &["--webhook-retry-base", "100ms", "--webhook-timeout", "2s"];

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Hit {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    at: Instant,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inbox {
    hits: Vec<Hit>,
    /// Answers to give, in order (status, `Retry-After`, body); then 204.
    script: VecDeque<(u16, Option<&'static str>, &'static str)>,
}

/// An HTTP server standing in for an integrator's endpoint.
struct Receiver {
    url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let state = inbox.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    let mut inbox = state.lock().expect("inbox");
                    inbox.hits.push(Hit {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                        at: Instant::now(),
                    });
                    let (status, retry_after, text) = inbox.script.pop_front().unwrap_or((204, None, ""));
                    let mut out = HeaderMap::new();
                    if let Some(r) = retry_after {
                        out.insert("retry-after", r.parse().expect("header value"));
                    }
                    (StatusCode::from_u16(status).expect("status"), out, text)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inbox }
    }

    fn answer(&self, replies: &[(u16, Option<&'static str>, &'static str)]) {
        self.inbox.lock().expect("inbox").script.extend(replies.iter().copied());
    }

    /// Waits (up to 60 s) until `n` requests have arrived; returns all of them.
    async fn wait_for(&self, n: usize) -> Vec<Hit> {
        self.wait_until(&format!("{n} requests"), |hits| hits.len() >= n).await
    }

    /// Waits (up to 60 s) until the requests so far satisfy `done`; returns them.
    async fn wait_until(&self, what: &str, done: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let hits = self.inbox.lock().expect("inbox").hits.clone();
            if done(&hits) {
                return hits;
            }
            assert!(Instant::now() < deadline, "waited for {what}, got {} requests: {hits:#?}", hits.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Verifies a request the way README.md ("Webhooks") shows: HMAC-SHA256 with the key after `whsec_`, over
/// `{webhook-id}.{webhook-timestamp}.{body}`, compared with each `v1,` signature of the header; and a timestamp
/// within five minutes.
fn verify(secret: &str, hit: &Hit) -> bool {
    let Some(key) = secret.strip_prefix("whsec_").and_then(|k| STANDARD.decode(k).ok()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return false };
    mac.update(format!("{}.{}.{}", hit.id, hit.timestamp, hit.body).as_bytes());
    let fresh = hit.timestamp.parse::<i64>().is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
    // `verify_slice` compares in constant time.
    let signed = |s: &str| s.strip_prefix("v1,").and_then(|b| STANDARD.decode(b).ok());
    fresh && hit.signature.split(' ').filter_map(signed).any(|sig| mac.clone().verify_slice(&sig).is_ok())
}

async fn endpoint(app: &TestApp, url: &str, events: Value) -> (String, String) {
    let d = app.query(CREATE, json!({ "input": { "url": url, "events": events, "description": "e2e" } })).await;
    let e = &d["createWebhookEndpoint"];
    (e["webhookEndpoint"]["id"].as_str().expect("id").to_owned(), e["secret"].as_str().expect("secret").to_owned())
}

async fn conversations(app: &TestApp, n: usize) -> Vec<Value> {
    let d = app.query("query($n: Int) { conversations(first: $n) { nodes { id } } }", json!({ "n": n })).await;
    d["conversations"]["nodes"].as_array().expect("nodes").iter().map(|c| c["id"].clone()).collect()
}

async fn send(app: &TestApp, conv: &Value, text: &str) -> i64 {
    let input = json!({ "conversationId": conv, "senderKind": "CONTACT", "content": text });
    let d = app.query(SEND, json!({ "input": input })).await;
    d["sendMessage"]["message"]["seq"].as_i64().expect("seq")
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let d = app.query(DELIVERIES, json!({ "e": endpoint })).await;
    d["webhookDeliveries"]["nodes"].as_array().expect("nodes").clone()
}

/// Waits (up to 60 s) until the endpoint's only delivery has `status`; returns it.
async fn settled(app: &TestApp, endpoint: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = deliveries(app, endpoint).await;
        if all.len() == 1 && all[0]["status"] == status {
            return all[0].clone();
        }
        assert!(Instant::now() < deadline, "the delivery never became {status}: {all:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn deliveries_are_signed_and_in_order_per_conversation() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    let convs = conversations(&app, 2).await;
    let mut sent: HashMap<String, Vec<i64>> = HashMap::new();
    for i in 0..6 {
        let conv = &convs[i % 2];
        let seq = send(&app, conv, &format!("hello {i}")).await;
        sent.entry(conv.as_str().expect("id").to_owned()).or_default().push(seq);
    }
    let hits = rx.wait_for(6).await;
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    for hit in &hits {
        assert!(verify(&secret, hit), "signature does not verify: {hit:?}");
        assert!(hit.id.starts_with("msg_"), "{hit:?}");
        let body = hit.json();
        assert_eq!(body["type"], "message.created");
        let conv = body["data"]["conversationId"].as_str().expect("conversationId").to_owned();
        seen.entry(conv).or_default().push(body["data"]["message"]["seq"].as_i64().expect("seq"));
    }
    assert_eq!(seen, sent, "every message once, in order per conversation");
    // Another secret, a changed body or a changed timestamp do not verify.
    let forged = Hit { body: hits[0].body.replace("hello", "HELLO"), ..hits[0].clone() };
    assert!(!verify(&secret, &forged));
    assert!(!verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &hits[0]));
    let replayed =
        Hit { timestamp: (hits[0].timestamp.parse::<i64>().expect("ts") + 1).to_string(), ..hits[0].clone() };
    assert!(!verify(&secret, &replayed));
}

#[tokio::test]
async fn a_500_is_retried_until_it_succeeds_with_the_same_webhook_id() {
    let app = TestApp::spawn_with(&[FAST, &["--metrics-addr", "127.0.0.1:0"]].concat()).await;
    let rx = Receiver::start().await;
    rx.answer(&[(500, None, "oops"), (503, None, "busy")]);
    let (ep, secret) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    send(&app, &conversations(&app, 1).await[0], "retry me").await;
    let hits = rx.wait_for(3).await;
    assert!(hits.iter().all(|h| h.id == hits[0].id && verify(&secret, h)), "{hits:#?}");
    assert!(hits.iter().all(|h| h.body == hits[0].body), "the same body on every attempt");
    let d = settled(&app, &ep, "DELIVERED").await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["lastResponseCode"], 204);
    assert_eq!(d["webhookId"].as_str(), Some(hits[0].id.as_str()));
    // /metrics counts the attempts by outcome.
    let text = crate::metrics::scrape(&app).await;
    let attempts = |outcome| crate::metrics::sample(&text, "parlor_webhook_attempts_total", &[("outcome", outcome)]);
    assert_eq!((attempts("retry"), attempts("delivered")), (Some(2.0), Some(1.0)), "{text}");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let app = TestApp::spawn_with(FAST).await;
    let rx = Receiver::start().await;
    rx.answer(&[(400, None, "bad payload")]);
    let (ep, _) = endpoint(&app, &rx.url, json!([])).await;
    send(&app, &conversations(&app, 1).await[0], "refused").await;
    rx.wait_for(1).await;
    // Given up at once: FAILED is final (only PENDING deliveries are ever sent again).
    let deadline = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        let all = deliveries(&app, &ep).await;
        if let Some(d) = all.iter().find(|d| d["eventType"] == "message.created" && d["status"] == "FAILED") {
            break d.clone();
        }
        assert!(Instant::now() < deadline, "never FAILED: {all:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed["attempts"], 1);
    assert_eq!(failed["lastResponseCode"], 400);
    assert_eq!(failed["lastResponse"], "bad payload");
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = TestApp::spawn_with(FAST).await;
    let rx = Receiver::start().await;
    rx.answer(&[(429, Some("2"), "slow down")]);
    let (ep, _) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    send(&app, &conversations(&app, 1).await[0], "patience").await;
    let hits = rx.wait_for(2).await;
    // The schedule alone would retry after ~100 ms; the endpoint asked for 2 s.
    let waited = hits[1].at - hits[0].at;
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    assert_eq!(settled(&app, &ep, "DELIVERED").await["attempts"], 2);
}

#[tokio::test]
async fn a_delivery_can_be_redelivered_and_an_endpoint_tested() {
    let app = TestApp::spawn_with(FAST).await;
    let rx = Receiver::start().await;
    let (ep, secret) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    send(&app, &conversations(&app, 1).await[0], "again").await;
    let first = rx.wait_for(1).await[0].clone();
    let d = settled(&app, &ep, "DELIVERED").await;
    let redo = app
        .query(
            "mutation($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { webhookDelivery { status } } }",
            json!({ "i": { "deliveryId": d["id"] } }),
        )
        .await;
    assert_eq!(redo["redeliverWebhook"]["webhookDelivery"]["status"], "PENDING");
    let again = rx.wait_for(2).await[1].clone();
    assert_eq!(again.id, first.id, "a redelivery keeps the webhook-id");
    assert_eq!(again.body, first.body);
    assert!(verify(&secret, &again));
    assert_eq!(settled(&app, &ep, "DELIVERED").await["attempts"], 2);

    let test = app
        .query(
            "mutation($i: SendTestWebhookInput!) { sendTestWebhook(input: $i) { webhookDelivery { eventType } } }",
            json!({ "i": { "endpointId": ep } }),
        )
        .await;
    assert_eq!(test["sendTestWebhook"]["webhookDelivery"]["eventType"], "webhook.test");
    let ping = rx.wait_for(3).await[2].clone();
    assert_eq!(ping.json()["type"], "webhook.test");
    assert!(verify(&secret, &ping));
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_retry_schedule_loses_nothing() {
    // The retry is due ~3 s after the failure: the restart happens in between.
    let flags = ["--webhook-retry-base", "3s", "--webhook-timeout", "2s"];
    let app = TestApp::spawn_with(&flags).await;
    let rx = Receiver::start().await;
    rx.answer(&[(500, None, "down for maintenance")]);
    let (ep, secret) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    let conv = &conversations(&app, 1).await[0];
    let mut seqs = vec![];
    for i in 0..3 {
        seqs.push(send(&app, conv, &format!("before the restart {i}")).await);
    }
    rx.wait_for(1).await;
    // The first delivery failed once and waits for its retry; the other two wait behind it (order).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !deliveries(&app, &ep).await.iter().any(|d| d["attempts"] == 1 && d["status"] == "PENDING") {
        assert!(Instant::now() < deadline, "the failed attempt was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut app = app;
    app.terminate();
    assert!(app.exited_within(Duration::from_secs(15)).await, "the server did not stop");
    let next = app.spawn_peer_with(&flags).await;
    seqs.push(send(&next, conv, "after the restart").await);
    // At least once: a request the old server sent as it stopped may come again; count each webhook-id once.
    let distinct = |hits: &[Hit]| {
        let mut ids: Vec<&Hit> = vec![];
        for h in hits.iter().filter(|h| h.id != hits[0].id || h.at > hits[0].at) {
            if !ids.iter().any(|x| x.id == h.id) {
                ids.push(h);
            }
        }
        ids.into_iter().cloned().collect::<Vec<Hit>>()
    };
    let hits =
        rx.wait_until("4 distinct deliveries after the failure", |h| h.len() > 1 && distinct(h).len() >= 4).await;
    let after = distinct(&hits);
    let delivered: Vec<i64> = after
        .iter()
        .inspect(|h| assert!(verify(&secret, h)))
        .map(|h| h.json()["data"]["message"]["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(delivered, seqs, "every message, in order, after the restart");
    assert_eq!(after[0].id, hits[0].id, "the retry keeps its webhook-id across the restart");
}

#[tokio::test]
async fn two_instances_share_the_work_and_send_each_delivery_once() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!("skipped on SQLite: several instances need PostgreSQL (set DATABASE_URL)");
        return;
    }
    let app = TestApp::spawn_with(FAST).await;
    let peer = app.spawn_peer_with(FAST).await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    let convs = conversations(&app, 4).await;
    let mut sent: HashMap<String, Vec<i64>> = HashMap::new();
    for i in 0..40 {
        // Written through both instances: either one's worker may pick any delivery up.
        let via = if i % 3 == 0 { &peer } else { &app };
        let conv = &convs[i % 4];
        let seq = send(via, conv, &format!("shared {i}")).await;
        sent.entry(conv.as_str().expect("id").to_owned()).or_default().push(seq);
    }
    let hits = rx.wait_for(40).await;
    let mut ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), hits.len(), "a delivery was sent twice");
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    for hit in &hits {
        assert!(verify(&secret, hit));
        let body = hit.json();
        let conv = body["data"]["conversationId"].as_str().expect("conversationId").to_owned();
        seen.entry(conv).or_default().push(body["data"]["message"]["seq"].as_i64().expect("seq"));
    }
    assert_eq!(seen, sent, "every message once, in order per conversation");
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_and_an_event_says_so() {
    let flags = ["--webhook-retry-base", "50ms", "--webhook-max-attempts", "2", "--webhook-disable-after", "2"];
    let app = TestApp::spawn_with(&flags).await;
    let rx = Receiver::start().await;
    rx.answer(&[(500, None, ""); 8]);
    let (ep, _) = endpoint(&app, &rx.url, json!(["MESSAGE_CREATED"])).await;
    let conv = &conversations(&app, 1).await[0];
    send(&app, conv, "first").await;
    send(&app, conv, "second").await;
    // Two deliveries, each given up after two attempts: the endpoint is disabled.
    let deadline = Instant::now() + Duration::from_secs(60);
    let endpoint = loop {
        let d = app
            .query("{ webhookEndpoints(first: 10) { nodes { id enabled failureCount disabledReason } } }", json!({}))
            .await;
        let e = d["webhookEndpoints"]["nodes"].as_array().expect("nodes").iter().find(|e| e["id"] == ep).cloned();
        if let Some(e) = e.filter(|e| e["enabled"] == false) {
            break e;
        }
        assert!(Instant::now() < deadline, "the endpoint was never disabled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(endpoint["failureCount"], 2);
    assert!(endpoint["disabledReason"].as_str().is_some_and(|r| r.contains("failed")), "{endpoint}");
    assert_eq!(rx.wait_for(4).await.len(), 4, "two attempts per delivery");
    let events = app.sql_strings("SELECT type AS v FROM event WHERE type = 'webhook_endpoint.disabled'").await;
    assert_eq!(events.len(), 1, "one webhook_endpoint.disabled event in the outbox");
}
