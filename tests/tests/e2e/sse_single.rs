//! GraphQL over Server-Sent Events, single connection mode (graphql-sse): a reservation (`PUT`, with the
//! credential), one stream opened with its token as `EventSource` opens it (a URL parameter, no `Authorization`),
//! operations `POST`ed with the token and an `operationId`, `DELETE` to stop one, and a dropped stream re-attached
//! with the same token without losing what came meanwhile.

use crate::harness::{Reply, TestApp};
use crate::sse::Events;
use crate::ws::{a_conversation, send};
use serde_json::{Value, json};

const TOKEN: &str = "x-graphql-event-stream-token";

async fn reserve(app: &TestApp, credential: Option<&str>) -> reqwest::Response {
    let mut req = app.client().put(format!("{}/graphql", app.url));
    if let Some(c) = credential {
        req = req.bearer_auth(c);
    }
    req.send().await.expect("put")
}

/// The stream, opened as a browser's `EventSource` does: GET, `Accept: text/event-stream`, the token in the URL.
async fn open(app: &TestApp, token: &str) -> reqwest::Response {
    reopen(app, token, None).await
}

/// The stream again, as `EventSource` reconnects: the same URL, and `Last-Event-ID` once it saw an event.
async fn reopen(app: &TestApp, token: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client()
        .get(format!("{}/graphql", app.url))
        .query(&[("token", token)])
        .header("accept", "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    req.send().await.expect("get")
}

async fn run(app: &TestApp, token: &str, op: &str, query: &str, variables: Value) -> Reply {
    let body = json!({ "query": query, "variables": variables, "extensions": { "operationId": op } });
    let r = app.client().post(format!("{}/graphql", app.url)).header(TOKEN, token);
    let r = r.header("accept", "application/graphql-response+json").json(&body).send().await;
    Reply::from(r.expect("post")).await
}

async fn stop(app: &TestApp, token: &str, op: &str) -> u16 {
    let r = app.client().delete(format!("{}/graphql", app.url)).query(&[("operationId", op)]).header(TOKEN, token);
    r.send().await.expect("delete").status().as_u16()
}

/// The next event: its kind and data (`{"id", "payload"}` for `next`, `{"id"}` for `complete`).
async fn event(events: &mut Events) -> (String, Value) {
    let (kind, data, _) = event_with_id(events).await;
    (kind, data)
}

async fn event_with_id(events: &mut Events) -> (String, Value, String) {
    let e = events.next().await.expect("an event");
    let data = serde_json::from_str(&e.data).unwrap_or_else(|_| panic!("JSON data: {e:?}"));
    (e.kind.clone(), data, e.id.clone().unwrap_or_else(|| panic!("every event has an id: {e:?}")))
}

const MESSAGES: &str = "subscription($c: ID) { messageAdded(conversationId: $c) { id content } }";

#[tokio::test]
async fn one_stream_carries_every_operation_of_a_reservation() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    // A reservation needs a credential; the token comes back as text.
    let refused = reserve(&app, None).await;
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer realm=\"parlor\"");
    let refused = reserve(&app, Some("not-a-token")).await;
    assert_eq!(refused.status().as_u16(), 401);
    assert!(refused.headers()["www-authenticate"].to_str().is_ok_and(|c| c.contains("invalid_token")));
    let r = reserve(&app, Some(&app.key("acme"))).await;
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.headers()["content-type"].to_str().is_ok_and(|c| c.starts_with("text/plain")));
    let token = r.text().await.expect("token");
    assert!(token.starts_with("pst_"), "{token}");

    let stream = open(&app, &token).await;
    assert_eq!(stream.status().as_u16(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream; charset=utf-8");
    let mut events = Events::new(stream);
    // One stream per reservation.
    assert_eq!(open(&app, &token).await.status().as_u16(), 409);

    // A subscription and a query, told apart by their operation ids.
    assert_eq!(run(&app, &token, "sub", MESSAGES, json!({ "c": conv })).await.status, 202);
    let sent = send(&app, &conv, "single connection").await;
    let (kind, data) = event(&mut events).await;
    assert_eq!((kind.as_str(), &data["id"]), ("next", &json!("sub")), "{data}");
    assert_eq!(data["payload"]["data"]["messageAdded"]["id"], sent);
    assert_eq!(run(&app, &token, "q", "{ workspace { slug } }", json!({})).await.status, 202);
    let (kind, data) = event(&mut events).await;
    assert_eq!((kind.as_str(), &data["payload"]["data"]["workspace"]["slug"]), ("next", &json!("acme")), "{data}");
    assert_eq!(data["id"], "q");
    assert_eq!(event(&mut events).await, ("complete".to_owned(), json!({ "id": "q" })));

    // A running id cannot be reused; a stopped one can.
    assert_eq!(run(&app, &token, "sub", MESSAGES, json!({ "c": conv })).await.status, 409);
    assert_eq!(stop(&app, &token, "sub").await, 200);
    assert_eq!(run(&app, &token, "sub", MESSAGES, json!({ "c": conv })).await.status, 202);
    let sent = send(&app, &conv, "after the restart of sub").await;
    let (_, data) = event(&mut events).await;
    assert_eq!((&data["id"], &data["payload"]["data"]["messageAdded"]["id"]), (&json!("sub"), &sent), "{data}");
}

#[tokio::test]
async fn refusals_are_answered_on_the_request_not_the_stream() {
    let app = TestApp::spawn().await;
    let token = reserve(&app, Some(&app.key("acme"))).await.text().await.expect("token");
    // An open stream keeps its reservation (one never opened expires after 30 s).
    let _stream = Events::new(open(&app, &token).await);
    // Unknown token, missing operation id, invalid document: the HTTP answers.
    let r = run(&app, "pst_nothing", "a", "{ workspace { slug } }", json!({})).await;
    assert_eq!((r.status, &r.body["errors"][0]["extensions"]["code"]), (404, &json!("NOT_FOUND")));
    let body = json!({ "query": "{ workspace { slug } }" });
    let r = app.client().post(format!("{}/graphql", app.url)).header(TOKEN, &token).json(&body).send().await;
    let r = Reply::from(r.expect("post")).await;
    assert_eq!((r.status, &r.body["errors"][0]["extensions"]["code"]), (400, &json!("BAD_USER_INPUT")));
    let r = run(&app, &token, "a", "{ nope }", json!({})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(open(&app, "pst_nothing").await.status().as_u16(), 404);
    // The token opens its stream and nothing else: it is no credential for a plain request.
    let r = app
        .client()
        .get(format!("{}/graphql", app.url))
        .query(&[("query", "{ workspace { slug } }"), ("token", token.as_str())])
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 400, "credentials never go in URLs");
    // A `DELETE` without the token or the id.
    let r = app.client().delete(format!("{}/graphql", app.url)).send().await.expect("delete");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        app.client()
            .delete(format!("{}/graphql", app.url))
            .header(TOKEN, &token)
            .send()
            .await
            .expect("d")
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn a_dropped_stream_reattached_with_its_token_loses_nothing() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let token = reserve(&app, Some(&app.key("acme"))).await.text().await.expect("token");
    // Operations may start before the stream is open: their results wait for it.
    assert_eq!(run(&app, &token, "m", MESSAGES, json!({ "c": conv })).await.status, 202);
    let early = send(&app, &conv, "before the stream opened").await;
    let mut events = Events::new(open(&app, &token).await);
    let (_, data, seen) = event_with_id(&mut events).await;
    assert_eq!(data["payload"]["data"]["messageAdded"]["id"], early);
    // The connection drops (as on a flaky network); messages keep coming.
    drop(events);
    let mut missed = Vec::new();
    for i in 0..3 {
        missed.push(send(&app, &conv, &format!("while away {i}")).await);
    }
    // `EventSource` reconnects by itself with the same URL and `Last-Event-ID`: what came meanwhile arrives
    // first, in order (also if the server had not noticed the drop yet: the reconnection takes over).
    let resp = reopen(&app, &token, Some(&seen)).await;
    assert_eq!(resp.status().as_u16(), 200);
    let mut events = Events::new(resp);
    let mut got = Vec::new();
    for _ in 0..3 {
        let (_, data) = event(&mut events).await;
        got.push(data["payload"]["data"]["messageAdded"]["id"].clone());
    }
    assert_eq!(got, missed);
    let live = send(&app, &conv, "live again").await;
    assert_eq!(event(&mut events).await.1["payload"]["data"]["messageAdded"]["id"], live);
}
