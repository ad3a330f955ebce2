//! GraphQL over Server-Sent Events (graphql-sse, distinct connections mode) on `/graphql`: results as `next`
//! events and a final `complete`; refusals before the stream starts answered exactly as over plain HTTP; and
//! `Last-Event-ID` resume (every stored event's `id` is its outbox cursor).

use crate::harness::{Reply, TestApp};
use crate::ws::{a_conversation, send};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::{Value, json};
use std::time::Duration;

/// Longest wait for one event: a failure guard, not a timing assertion.
pub(crate) const GUARD: Duration = Duration::from_secs(20);

/// One SSE event: its `event` field and its data lines joined.
#[derive(Debug)]
pub(crate) struct Event {
    pub kind: String,
    pub data: String,
    /// The `id` field, if the event has one.
    pub id: Option<String>,
    /// The event as sent.
    raw: String,
}

/// An open event stream, parsed as it arrives (comment lines skipped).
pub(crate) struct Events {
    body: BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buffer: String,
}

impl Events {
    pub fn new(resp: reqwest::Response) -> Events {
        Events { body: resp.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next event; `None` when the server ended the stream.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut kind, mut data, mut id) = (String::new(), Vec::new(), None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim_start().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim_start().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if kind.is_empty() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(Event { kind, data: data.join("\n"), id, raw: block });
            }
            let chunk = tokio::time::timeout(GUARD, self.body.next()).await.expect("no event in time")?;
            self.buffer.push_str(std::str::from_utf8(&chunk.expect("body chunk")).expect("UTF-8"));
        }
    }

    /// The next event, which must be `next`: its GraphQL response.
    pub async fn next_result(&mut self) -> Value {
        let event = self.next().await.expect("a next event");
        assert_eq!(event.kind, "next", "{event:?}");
        serde_json::from_str(&event.data).expect("next data is JSON")
    }

    async fn completes(&mut self) {
        let event = self.next().await.expect("a complete event");
        assert_eq!(event.kind, "complete", "{event:?}");
        // Framed as the graphql-sse reference server does: the `data:` field present and empty.
        assert_eq!(event.raw, "event: complete\ndata:\n\n");
        assert!(self.next().await.is_none(), "the stream ends after complete");
    }
}

/// `POST /graphql` asking for an event stream, with this credential.
pub(crate) async fn post_sse(
    app: &TestApp,
    credential: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Response {
    let mut req = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(c) = credential {
        req = req.bearer_auth(c);
    }
    req.send().await.expect("post")
}

fn assert_event_stream(resp: &reqwest::Response) {
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers();
    assert_eq!(h["content-type"], "text/event-stream; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-accel-buffering"], "no");
    assert!(h.contains_key("ratelimit-remaining"), "metered like HTTP: {h:?}");
}

#[tokio::test]
async fn a_query_is_one_next_then_complete() {
    let app = TestApp::spawn().await;
    let resp = post_sse(&app, Some(&app.key("acme")), "{ workspace { slug } }", json!({})).await;
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let result = events.next_result().await;
    assert_eq!(result["data"]["workspace"]["slug"], "acme", "{result}");
    events.completes().await;

    // The same over GET with URL parameters.
    let resp = app
        .client()
        .get(format!("{}/graphql", app.url))
        .query(&[
            ("query", "query($n: Int) { conversations(first: $n) { nodes { id } } }"),
            ("variables", r#"{"n":2}"#),
        ])
        .bearer_auth(app.key("acme"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("get");
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let result = events.next_result().await;
    assert_eq!(result["data"]["conversations"]["nodes"].as_array().map(Vec::len), Some(2), "{result}");
    events.completes().await;
}

#[tokio::test]
async fn a_subscription_streams_what_a_mutation_wrote() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let q = "subscription($c: ID) { messageAdded(conversationId: $c) { id content } }";
    let resp = post_sse(&app, Some(&app.key("acme")), q, json!({ "c": conv })).await;
    // The headers come once the subscription is admitted and listening.
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let id = send(&app, &conv, "over SSE").await;
    let result = events.next_result().await;
    assert_eq!(result["data"]["messageAdded"]["id"], id, "{result}");
    assert_eq!(result["data"]["messageAdded"]["content"], "over SSE");
    let id = send(&app, &conv, "and again").await;
    assert_eq!(events.next_result().await["data"]["messageAdded"]["id"], id);
    drop(events); // the client goes away; the server drops the operation
    // The server still serves, and a new stream works.
    let resp = post_sse(&app, Some(&app.key("acme")), q, json!({ "c": conv })).await;
    assert_event_stream(&resp);
}

#[tokio::test]
async fn refusals_before_the_stream_are_the_http_ones() {
    let app = TestApp::spawn().await;
    let q = "{ workspace { slug } }";
    // No credential for data: 401 JSON with the challenge, as over HTTP.
    let sse = Reply::from(post_sse(&app, None, q, json!({})).await).await;
    assert_eq!(sse.status, 401, "{}", sse.body);
    assert!(sse.headers.contains_key("www-authenticate"));
    assert_eq!(sse.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(sse.body.get("data").is_none());
    // A refused credential: the same 401 as over HTTP.
    let bad = app.key("nowhere");
    let sse = Reply::from(post_sse(&app, Some(&bad), q, json!({})).await).await;
    let http = app.post_as(Some(&bad), q, json!({})).await;
    assert_eq!((sse.status, &sse.body), (401, &http.body));

    // Over the limits: QUERY_TOO_COMPLEX, 400 (the graphql-response+json status), no data.
    let aliases: String = (0..150).map(|i| format!("a{i}: __typename ")).collect();
    let over = format!("{{ {aliases} }}");
    let sse = Reply::from(post_sse(&app, Some(&app.key("acme")), &over, json!({})).await).await;
    assert_eq!(sse.status, 400, "{}", sse.body);
    assert_eq!(sse.body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(sse.body.get("data").is_none());
    let http = app.post(Some("acme"), &over, json!({})).await;
    assert_eq!(http.body["errors"], sse.body["errors"]);

    // Invalid documents and bad JSON: 400 with BAD_USER_INPUT.
    let sse = Reply::from(post_sse(&app, Some(&app.key("acme")), "{ nope }", json!({})).await).await;
    assert_eq!(sse.status, 400, "{}", sse.body);
    assert_eq!(sse.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let r = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    let r = Reply::from(r).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_and_nothing_runs() {
    let app = TestApp::spawn().await;
    let before = app.query("{ conversations { totalCount } }", json!({})).await;
    let contact =
        app.query("{ contacts(first: 1) { nodes { id } } }", json!({})).await["contacts"]["nodes"][0]["id"].clone();
    let mutation = format!(
        "mutation {{ startConversation(input: {{contactId: {contact}, channel: WEB}}) {{ conversation {{ id }} }} }}"
    );
    let r = app
        .client()
        .get(format!("{}/graphql", app.url))
        .query(&[("query", mutation.as_str())])
        .bearer_auth(app.key("acme"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(app.query("{ conversations { totalCount } }", json!({})).await, before, "nothing was written");
    // Over POST the mutation streams its one result.
    let resp = post_sse(&app, Some(&app.key("acme")), &mutation, json!({})).await;
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let result = events.next_result().await;
    assert!(result["data"]["startConversation"]["conversation"]["id"].is_string(), "{result}");
    events.completes().await;
}

#[tokio::test]
async fn without_event_stream_in_accept_nothing_changes() {
    let app = TestApp::spawn().await;
    let reply = app.post(Some("acme"), "{ workspace { slug } }", json!({})).await;
    assert_eq!(reply.status, 200);
    let json = |r: &Reply| r.headers["content-type"].to_str().is_ok_and(|c| c.starts_with("application/"));
    assert!(json(&reply), "{:?}", reply.headers);
    assert_eq!(reply.body["data"]["workspace"]["slug"], "acme");
    // A subscription over plain HTTP is still what it was (not a stream).
    let q = "subscription { messageAdded { id } }";
    let reply = app.post(Some("acme"), q, json!({})).await;
    assert!(json(&reply), "{:?}", reply.headers);
    assert!(reply.body["errors"].is_array(), "{}", reply.body);
}

/// A subscription stream opened with (or without) `Last-Event-ID`.
async fn subscribe_from(app: &TestApp, conv: &Value, last_event_id: Option<&str>) -> reqwest::Response {
    let q = "subscription($c: ID) { messageAdded(conversationId: $c) { id content } }";
    let mut req = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("accept", "text/event-stream")
        .bearer_auth(app.key("acme"))
        .json(&json!({ "query": q, "variables": { "c": conv } }));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    req.send().await.expect("post")
}

/// The next `next` event: its message id and the event's SSE `id`.
async fn next_message(events: &mut Events) -> (Value, String) {
    let event = events.next().await.expect("a next event");
    assert_eq!(event.kind, "next", "{event:?}");
    let result: Value = serde_json::from_str(&event.data).expect("JSON");
    let id = event.id.clone().unwrap_or_else(|| panic!("a stored event carries an id: {event:?}"));
    (result["data"]["messageAdded"]["id"].clone(), id)
}

#[tokio::test]
async fn a_client_that_reconnects_with_last_event_id_misses_nothing() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let resp = subscribe_from(&app, &conv, None).await;
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let first = send(&app, &conv, "before the drop").await;
    let (got, last_id) = next_message(&mut events).await;
    assert_eq!(got, first);
    // The id is the outbox cursor `events(after:)` takes: the same event is found after the one before it.
    drop(events); // the connection drops
    let missed = [send(&app, &conv, "while away 1").await, send(&app, &conv, "while away 2").await];
    // Another conversation's messages are not this subscription's, replayed or not.
    let other = app
        .query("{ conversations(first: 2, filter: {status: {eq: OPEN}}) { nodes { id } } }", json!({}))
        .await["conversations"]["nodes"][1]["id"]
        .clone();
    send(&app, &other, "elsewhere").await;

    let resp = subscribe_from(&app, &conv, Some(&last_id)).await;
    assert_event_stream(&resp);
    let mut events = Events::new(resp);
    let (a, id_a) = next_message(&mut events).await;
    let (b, id_b) = next_message(&mut events).await;
    assert_eq!([a, b], missed, "what was missed comes first, in order");
    assert!(id_a != last_id && id_b != id_a, "every event has its own id");
    // Then live ones.
    let live = send(&app, &conv, "after the reconnect").await;
    let (c, _) = next_message(&mut events).await;
    assert_eq!(c, live);
    // Resuming from the newest id replays nothing: the next event is the next live one.
    drop(events);
    let resp = subscribe_from(&app, &conv, Some(&id_b)).await;
    let mut events = Events::new(resp);
    let (replayed, _) = next_message(&mut events).await;
    assert_eq!(replayed, live, "only what came after id_b");
    let newest = send(&app, &conv, "newest").await;
    assert_eq!(next_message(&mut events).await.0, newest);
}

#[tokio::test]
async fn a_last_event_id_this_server_never_sent_is_refused() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let r = Reply::from(subscribe_from(&app, &conv, Some("not-a-cursor")).await).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // Queries carry no id: nothing stored was delivered.
    let resp = post_sse(&app, Some(&app.key("acme")), "{ workspace { slug } }", json!({})).await;
    let mut events = Events::new(resp);
    let event = events.next().await.expect("next");
    assert_eq!((event.kind.as_str(), event.id), ("next", None));
}
