//! Outage and shutdown (issue 12 §4): SIGTERM closes WebSockets with 1001 in both subprotocols and the process
//! exits within its deadline; a client that stops half-way through its headers is cut off and cannot hold the
//! shutdown; with the database gone, requests answer 503 `UNAVAILABLE` with `Retry-After` quickly, and /readyz
//! says 503 within 1 s.

use crate::harness::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SHUTDOWN_FLAGS: &[&str] = &["--shutdown-timeout", "5s", "--header-timeout", "1s"];
/// The drain deadline plus room for process exit on a loaded 2-core machine.
const EXIT_LIMIT: Duration = Duration::from_secs(7);

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("no message within 30 s")
            .expect("socket closed")
            .expect("socket error");
        if let Frame::Text(text) = frame {
            return serde_json::from_str(&text).expect("json");
        }
    }
}

/// An acknowledged socket of `protocol` with one live subscription, known to be registered (a `ping` sent after
/// it got its `pong`, and messages are handled in order).
async fn subscribed(app: &TestApp, protocol: &str) -> Socket {
    let mut req = app.ws_url().into_client_request().expect("request");
    req.headers_mut().insert("sec-websocket-protocol", protocol.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let bearer = format!("Bearer {}", app.key("acme"));
    let init = json!({ "type": "connection_init", "payload": { "Authorization": bearer } });
    socket.send(Frame::text(init.to_string())).await.expect("init");
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let start = if protocol == "graphql-ws" { "start" } else { "subscribe" };
    let sub = json!({ "id": "1", "type": start, "payload": { "query": "subscription { messageAdded { id } }" } });
    socket.send(Frame::text(sub.to_string())).await.expect("subscribe");
    socket.send(Frame::text(r#"{"type":"ping"}"#)).await.expect("ping");
    assert_eq!(next_json(&mut socket).await["type"], "pong");
    socket
}

/// The close frame's code, once the server sends one (within 10 s).
async fn close_code(socket: &mut Socket) -> u16 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await.expect("no close frame within 10 s") {
            Some(Ok(Frame::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(Frame::Close(None))) => panic!("close frame without a code"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("socket error instead of a close frame: {e}"),
            None => panic!("socket ended without a close frame"),
        }
    }
}

async fn sigterm_closes_with_1001(protocol: &str) {
    let mut app = TestApp::spawn_with(SHUTDOWN_FLAGS).await;
    let mut socket = subscribed(&app, protocol).await;
    let sent = Instant::now();
    app.terminate();
    assert_eq!(close_code(&mut socket).await, 1001, "{protocol}: close code");
    let _ = socket.close(None).await;
    assert!(app.exited_within(EXIT_LIMIT).await, "{protocol}: the server did not exit within {EXIT_LIMIT:?}");
    eprintln!("{protocol}: SIGTERM to exit in {:?}", sent.elapsed());
}

#[tokio::test]
async fn sigterm_closes_graphql_transport_ws_with_1001_and_exits() {
    sigterm_closes_with_1001("graphql-transport-ws").await;
}

#[tokio::test]
async fn sigterm_closes_legacy_graphql_ws_with_1001_and_exits() {
    sigterm_closes_with_1001("graphql-ws").await;
}

fn address(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_stalled_in_its_headers_is_cut_off_and_does_not_hold_the_shutdown() {
    let mut app = TestApp::spawn_with(SHUTDOWN_FLAGS).await;
    let partial = b"GET /healthz HTTP/1.1\r\nHost: parlor\r\nX-Slow: ";

    let mut slow = tokio::net::TcpStream::connect(address(&app)).await.expect("connect");
    slow.write_all(partial).await.expect("write");
    let started = Instant::now();
    let mut buf = [0u8; 512];
    // Whatever the server says (hyper may answer nothing), it must close: read until EOF or reset.
    let cut = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(cut.is_ok(), "a client stalled in its headers was still connected after 5 s (header timeout 1 s)");
    eprintln!("stalled client cut off after {:?}", started.elapsed());

    // Another one, stalled when SIGTERM arrives: the process still exits within its deadline.
    let mut stalled = tokio::net::TcpStream::connect(address(&app)).await.expect("connect");
    stalled.write_all(partial).await.expect("write");
    let sent = Instant::now();
    app.terminate();
    assert!(app.exited_within(EXIT_LIMIT).await, "a stalled client kept the server alive past {EXIT_LIMIT:?}");
    eprintln!("SIGTERM to exit with a stalled client: {:?}", sent.elapsed());
}

#[tokio::test]
async fn with_the_database_gone_requests_answer_503_unavailable_quickly() {
    let app = TestApp::spawn_with(&["--db-acquire-timeout", "2s"]).await;
    let q = "{ conversations(first: 1) { nodes { id } } }";
    app.query(q, json!({})).await; // the workspace is now cached: the next failure comes from the resolvers
    if !app.cut_database() {
        eprintln!(
            "skipped on SQLite: an embedded database cannot be taken away from one running server; \
             run with DATABASE_URL=postgres://… to test the outage"
        );
        return;
    }
    for workspace in ["acme", "not-cached"] {
        let started = Instant::now();
        let reply = app.post(Some(workspace), q, json!({})).await;
        let elapsed = started.elapsed();
        assert_eq!(reply.status, 503, "{workspace}: {}", reply.body);
        assert!(reply.headers.get("retry-after").is_some(), "{workspace}: no Retry-After");
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{workspace}: {}", reply.body);
        assert!(elapsed < Duration::from_secs(3), "{workspace}: 503 took {elapsed:?}");
        eprintln!("{workspace}: 503 UNAVAILABLE in {elapsed:?}");
    }
    let started = Instant::now();
    let ready = app.client().get(format!("{}/readyz", app.url)).send().await.expect("readyz");
    let elapsed = started.elapsed();
    assert_eq!(ready.status().as_u16(), 503);
    assert!(elapsed < Duration::from_secs(1), "/readyz took {elapsed:?}");
    eprintln!("/readyz 503 in {elapsed:?}");
}
