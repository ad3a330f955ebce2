//! `/metrics` (`--metrics-addr`): served in the Prometheus text format on its own listener, not on the API's port,
//! and its counters move with real requests, refusals, a WebSocket subscription and the events it receives.

use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::json;

/// The value of the sample `name` whose labels include all of `labels` (summed over the matching samples), or
/// `None` if no sample matches.
pub(crate) fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let (series_name, series_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        if series_name != name {
            continue;
        }
        if labels.iter().all(|(k, v)| series_labels.split(',').any(|pair| pair == format!("{k}=\"{v}\""))) {
            *found.get_or_insert(0.0) += value.parse::<f64>().expect("a number");
        }
    }
    found
}

pub(crate) async fn scrape(app: &TestApp) -> String {
    let url = app.metrics_url.as_deref().expect("the server prints its metrics URL");
    let resp = app.client().get(url).send().await.expect("scrape");
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    resp.text().await.expect("body")
}

#[tokio::test]
async fn metrics_count_requests_statements_refusals_sockets_and_events() {
    let flags = ["--metrics-addr", "127.0.0.1:0", "--db-pool", "5", "--rate-budgets", "anonymous=3"];
    let app = TestApp::spawn_with(&flags).await;
    // Not on the API's port.
    let on_api = app.client().get(format!("{}/metrics", app.url)).send().await.expect("request");
    assert_eq!(on_api.status(), 404);

    // A named query, its statements counted as the header says.
    let inbox = "query Inbox { conversations(first: 5) { nodes { id contact { name } messages(last: 2) { nodes { content } } } } }";
    let reply = app.post(Some("acme"), inbox, json!({})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let statements = reply.sql_statements();
    assert!(statements > 0);
    // A refused document, and anonymous requests past a budget of 3 points.
    let bad = app.post(Some("acme"), "query Broken { conversations { nope } }", json!({})).await;
    assert_eq!(bad.status, 400);
    let mut limited = 0;
    for _ in 0..6 {
        if app.post(None, "{ __typename }", json!({})).await.status == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0, "anonymous=3 lets at most 3 of 6 requests through");

    // A subscription, and a message it receives.
    let conv = app.query("{ conversations(first: 1) { nodes { id } } }", json!({})).await["conversations"]["nodes"][0]
        ["id"]
        .clone();
    let mut ws = Ws::connect(&app).await;
    ws.subscribe("m", "subscription($c: ID!) { messageAdded(conversationId: $c) { content } }", json!({ "c": conv }))
        .await;
    ws.ping_pong().await;
    let send = "mutation($c: ID!) { sendMessage(input: {conversationId: $c, senderKind: CONTACT, content: \"hi\"}) { message { id } } }";
    app.query(send, json!({ "c": conv })).await;
    assert_eq!(ws.next_data("m").await["messageAdded"]["content"], "hi");

    let text = scrape(&app).await;
    let value = |name: &str, labels: &[(&str, &str)]| {
        sample(&text, name, labels).unwrap_or_else(|| panic!("no sample {name} {labels:?} in:\n{text}"))
    };
    assert_eq!(value("parlor_graphql_requests_total", &[("operation", "Inbox"), ("outcome", "ok")]), 1.0);
    assert_eq!(
        value("parlor_graphql_request_duration_seconds_count", &[("operation", "Inbox"), ("outcome", "ok")]),
        1.0
    );
    assert!(value("parlor_graphql_request_duration_seconds_bucket", &[("operation", "Inbox"), ("le", "+Inf")]) >= 1.0);
    assert_eq!(value("parlor_graphql_requests_total", &[("operation", "Broken"), ("outcome", "bad_user_input")]), 1.0);
    assert_eq!(value("parlor_graphql_requests_total", &[("outcome", "rate_limited")]), f64::from(limited));
    assert_eq!(value("parlor_rate_limit_refusals_total", &[("reason", "budget")]), f64::from(limited));
    // Every GraphQL answer over HTTP records its statements: at least the Inbox's.
    assert!(value("parlor_sql_statements_per_request_count", &[]) >= 10.0);
    assert!(value("parlor_sql_statements_per_request_sum", &[]) >= statements as f64);
    assert!(value("parlor_sql_statements_total", &[]) >= statements as f64);
    assert_eq!(value("parlor_db_pool_max_connections", &[]), 5.0);
    assert!(value("parlor_db_pool_connections", &[]) >= 1.0);
    assert_eq!(value("parlor_ws_connections", &[]), 1.0);
    assert_eq!(value("parlor_ws_subscriptions", &[]), 1.0);
    assert_eq!(value("parlor_ws_subscriptions_started_total", &[]), 1.0);
    assert!(value("parlor_events_published_total", &[]) >= 1.0);
    assert!(value("parlor_events_delivered_total", &[]) >= 1.0);

    // A closed socket is no longer counted (polled: the server notices the close on its own time).
    drop(ws);
    let mut open = 1.0;
    for _ in 0..100 {
        open = sample(&scrape(&app).await, "parlor_ws_connections", &[]).unwrap_or(0.0);
        if open == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(open, 0.0, "the closed socket is still counted");
}
