//! Live updates over WebSocket (graphql-transport-ws): mutations reach subscribers, a reconnecting client
//! replays what it missed, and on PostgreSQL events cross server processes.

use crate::harness::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client, acknowledged in workspace `acme`.
pub struct Ws(Socket);

impl Ws {
    pub async fn connect(app: &TestApp) -> Ws {
        let mut req = app.ws_url().into_client_request().expect("request");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
        let init = json!({ "type": "connection_init", "payload": { "X-Parlor-Workspace": "acme" } });
        socket.send(Frame::text(init.to_string())).await.expect("init");
        let mut ws = Ws(socket);
        assert_eq!(ws.recv().await["type"], "connection_ack");
        ws
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let msg = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.0.send(Frame::text(msg.to_string())).await.expect("subscribe");
    }

    /// The next protocol message (pings answered), within 10 s.
    pub async fn recv(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("no message within 10 s")
                .expect("socket closed")
                .expect("socket error");
            if let Frame::Text(text) = frame {
                let v: Value = serde_json::from_str(&text).expect("json");
                if v["type"] == "ping" {
                    let _ = self.0.send(Frame::text(r#"{"type":"pong"}"#)).await;
                    continue;
                }
                return v;
            }
        }
    }

    /// The next `next` payload's data for subscription `id`.
    pub async fn next_data(&mut self, id: &str) -> Value {
        let msg = self.recv().await;
        assert_eq!(msg["type"], "next", "{msg}");
        assert_eq!(msg["id"], id, "{msg}");
        assert!(msg["payload"].get("errors").is_none(), "{msg}");
        msg["payload"]["data"].clone()
    }
}

const SEND: &str = r#"mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }"#;

async fn a_conversation(app: &TestApp) -> Value {
    let d = app.query("{ conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }", json!({})).await;
    d["conversations"]["nodes"][0]["id"].clone()
}

async fn send(app: &TestApp, conv: &Value, text: &str) -> Value {
    let input = json!({ "conversationId": conv, "senderKind": "CONTACT", "content": text });
    app.query(SEND, json!({ "input": input })).await["sendMessage"]["message"]["id"].clone()
}

#[tokio::test]
async fn a_subscriber_receives_what_a_mutation_wrote() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let mut ws = Ws::connect(&app).await;
    let q = "subscription($c: ID) { messageAdded(conversationId: $c) { id content seq sender { __typename } conversation { id } } }";
    ws.subscribe("m", q, json!({ "c": conv })).await;
    ws.subscribe(
        "u",
        "subscription($c: ID) { conversationUpdated(conversationId: $c) { id messageCount } }",
        json!({ "c": conv }),
    )
    .await;
    // Let the subscriptions register before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent_at = Instant::now();
    let id = send(&app, &conv, "live hello").await;
    let mut got_message = None;
    let mut got_update = None;
    for _ in 0..2 {
        let msg = ws.recv().await;
        match msg["id"].as_str() {
            Some("m") => got_message = Some((msg["payload"]["data"]["messageAdded"].clone(), sent_at.elapsed())),
            Some("u") => got_update = Some(msg["payload"]["data"]["conversationUpdated"].clone()),
            _ => panic!("unexpected {msg}"),
        }
    }
    let (m, latency) = got_message.expect("messageAdded");
    println!("mutation → subscriber on the same instance: {latency:?} (including the mutation's round trip)");
    assert_eq!(m["id"], id);
    assert_eq!(m["content"], "live hello");
    assert_eq!(m["sender"]["__typename"], "Contact");
    assert_eq!(m["conversation"]["id"], conv);
    let update = got_update.expect("conversationUpdated");
    assert_eq!(update["id"], conv);
    assert_eq!(update["messageCount"].as_i64(), m["seq"].as_i64());
}

#[tokio::test]
async fn a_reconnecting_client_replays_what_it_missed() {
    let app = TestApp::spawn().await;
    let conv = a_conversation(&app).await;
    let q = "subscription($after: String) { events(after: $after, types: [\"message.created\"]) { cursor type messageId message { content } } }";
    let mut ws = Ws::connect(&app).await;
    ws.subscribe("e", q, json!({ "after": null })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    send(&app, &conv, "one").await;
    let first = ws.next_data("e").await["events"].clone();
    assert_eq!(first["message"]["content"], "one");
    let cursor = first["cursor"].clone();
    drop(ws);

    // While disconnected.
    send(&app, &conv, "two").await;
    send(&app, &conv, "three").await;

    let mut ws = Ws::connect(&app).await;
    ws.subscribe("e", q, json!({ "after": cursor })).await;
    let two = ws.next_data("e").await["events"].clone();
    let three = ws.next_data("e").await["events"].clone();
    assert_eq!(
        (two["message"]["content"].as_str(), three["message"]["content"].as_str()),
        (Some("two"), Some("three"))
    );
    // Then live, with no duplicate of the replayed ones.
    send(&app, &conv, "four").await;
    let four = ws.next_data("e").await["events"].clone();
    assert_eq!(four["message"]["content"], "four");

    // A bad cursor is refused with an `error` message.
    let mut ws = Ws::connect(&app).await;
    ws.subscribe("bad", q, json!({ "after": "nope" })).await;
    let msg = ws.recv().await;
    assert!(msg["type"] == "error" || msg["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", "{msg}");
}

#[tokio::test]
async fn events_cross_server_processes_on_postgresql() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!("SQLite is one process's database: the cross-instance test runs on the PostgreSQL pass");
        return;
    }
    let writer = TestApp::spawn().await;
    let reader = writer.spawn_peer().await;
    let conv = a_conversation(&writer).await;
    let mut ws = Ws::connect(&reader).await;
    ws.subscribe("m", "subscription($c: ID) { messageAdded(conversationId: $c) { id content } }", json!({ "c": conv }))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut latencies = vec![];
    for i in 0..5 {
        let t = Instant::now();
        let id = send(&writer, &conv, &format!("across {i}")).await;
        let got = ws.next_data("m").await["messageAdded"].clone();
        latencies.push(t.elapsed());
        assert_eq!(got["id"], id);
        assert_eq!(got["content"], format!("across {i}"));
    }
    println!("mutation on one instance → subscriber on another: {latencies:?}");
}
