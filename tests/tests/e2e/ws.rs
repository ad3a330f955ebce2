//! Live updates over WebSocket (graphql-transport-ws): mutations reach subscribers, a reconnecting client
//! replays what it missed, and on PostgreSQL events cross server processes.

use crate::harness::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client, acknowledged in workspace `acme` (with its admin API key, unless said otherwise).
pub struct Ws(Socket);

impl Ws {
    pub async fn connect(app: &TestApp) -> Ws {
        Ws::connect_as(app, &app.key("acme")).await
    }

    /// Sends a `ping` and waits for its `pong`: every message sent before it has been handled (the server reads
    /// a connection's messages in order), so its subscriptions are registered.
    pub async fn ping_pong(&mut self) {
        self.0.send(Frame::text(r#"{"type":"ping"}"#)).await.expect("ping");
        let msg = self.recv().await;
        assert_eq!(msg["type"], "pong", "expected pong, got {msg}");
    }

    /// Acknowledged with this credential in `connection_init`.
    pub async fn connect_as(app: &TestApp, credential: &str) -> Ws {
        let mut ws = Ws::open(app).await;
        ws.init(credential).await;
        assert_eq!(ws.recv().await["type"], "connection_ack");
        ws
    }

    /// Connected, not yet initialised.
    pub async fn open(app: &TestApp) -> Ws {
        let mut req = app.ws_url().into_client_request().expect("request");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let (socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
        Ws(socket)
    }

    pub async fn init(&mut self, credential: &str) {
        self.init_raw(json!({ "Authorization": format!("Bearer {credential}") })).await;
    }

    pub async fn init_raw(&mut self, payload: Value) {
        let init = json!({ "type": "connection_init", "payload": payload });
        self.0.send(Frame::text(init.to_string())).await.expect("init");
    }

    /// Waits for the server to close the socket (skipping messages); its close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            if let Err(close) = self.recv_or_close().await {
                return close;
            }
        }
    }

    /// A client whose socket has a tiny receive buffer: when it stops reading, the server's writes block soon.
    pub async fn connect_slow(app: &TestApp) -> Ws {
        let url = app.ws_url();
        let addr: std::net::SocketAddr =
            url.trim_start_matches("ws://").split('/').next().and_then(|a| a.parse().ok()).expect("address");
        let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
        tcp.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = tcp.connect(addr).await.expect("connect");
        let mut req = url.into_client_request().expect("request");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        let (socket, _) = tokio_tungstenite::client_async(req, stream).await.expect("handshake");
        let mut ws = Ws(socket);
        ws.init(&app.key("acme")).await;
        assert_eq!(ws.recv().await["type"], "connection_ack");
        ws
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let msg = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.0.send(Frame::text(msg.to_string())).await.expect("subscribe");
    }

    /// The next protocol message (pings answered), within 30 s (a guard against hangs on a loaded machine).
    pub async fn recv(&mut self) -> Value {
        match self.recv_or_close().await {
            Ok(v) => v,
            Err((code, reason)) => panic!("socket closed: {code} {reason}"),
        }
    }

    /// The next protocol message, or the server's close frame (code, reason).
    pub async fn recv_or_close(&mut self) -> Result<Value, (u16, String)> {
        // One deadline for the whole call: the server's keep-alive pings must not extend it.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.0.next()).await.expect("no message within 30 s");
            match frame {
                None => return Err((1006, String::new())),
                // A reset or broken connection: what RFC 6455 calls an abnormal closure (1006).
                Some(Err(e)) => return Err((1006, e.to_string())),
                Some(Ok(Frame::Close(f))) => {
                    return Err(f.map_or((1005, String::new()), |f| (f.code.into(), f.reason.to_string())));
                }
                Some(Ok(Frame::Text(text))) => {
                    let v: Value = serde_json::from_str(&text).expect("json");
                    if v["type"] == "ping" {
                        let _ = self.0.send(Frame::text(r#"{"type":"pong"}"#)).await;
                        continue;
                    }
                    return Ok(v);
                }
                Some(Ok(_)) => {}
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

pub(crate) async fn a_conversation(app: &TestApp) -> Value {
    let d = app.query("{ conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }", json!({})).await;
    d["conversations"]["nodes"][0]["id"].clone()
}

pub(crate) async fn send(app: &TestApp, conv: &Value, text: &str) -> Value {
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
    let q = "subscription($after: String) { events(after: $after, types: [MESSAGE_CREATED]) { cursor type messageId message { content } } }";
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

/// A subscriber that stops reading is cut off once it falls `--event-buffer` events behind: it gets an error (and
/// resumes with `events(after:)`), while a subscriber that keeps up on the same server misses nothing.
#[tokio::test]
async fn a_slow_subscriber_is_cut_off_without_holding_back_the_others() {
    let app = TestApp::spawn_with(&["--event-buffer", "16"]).await;
    let conv = a_conversation(&app).await;
    let q = "subscription($c: ID) { messageAdded(conversationId: $c) { id content } }";
    let mut slow = Ws::connect_slow(&app).await;
    slow.subscribe("s", q, json!({ "c": conv })).await;
    let mut fast = Ws::connect(&app).await;
    fast.subscribe("f", q, json!({ "c": conv })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 500 messages of 16 KB (8 MB): more than the kernel's socket buffers on both ends (loopback autotuning lets
    // the server's send buffer grow to 4 MB), then more than 16 events of lag.
    const N: usize = 500;
    let padding = "x".repeat(16_000);
    let reader = tokio::spawn(async move {
        let mut ids = vec![];
        while ids.len() < N {
            let data = fast.next_data("f").await;
            ids.push(data["messageAdded"]["id"].clone());
        }
        ids
    });
    let mut sent = vec![];
    for i in 0..N {
        sent.push(send(&app, &conv, &format!("{i} {padding}")).await);
    }
    let received = tokio::time::timeout(Duration::from_secs(60), reader).await.expect("fast subscriber").expect("task");
    assert_eq!(received, sent, "the subscriber that keeps up gets every message, in order");

    // The slow one now reads: what was buffered, then the error that cut it off, then the end of its stream. (On
    // a loaded machine the sends above may take longer than the server's write timeout: it then closes the slow
    // socket with 1013 "Client is too slow", which cuts it off just as well; the kernel may then reset the
    // connection before the client reads that frame, an abnormal closure, 1006.)
    let (mut nexts, mut error) = (0, None);
    loop {
        let msg = match slow.recv_or_close().await {
            Ok(msg) => msg,
            Err((1013 | 1006, _)) => {
                assert!(nexts < N, "the slow subscriber was cut off after {nexts} messages");
                return;
            }
            Err((code, reason)) => panic!("closed with {code} {reason}"),
        };
        match msg["type"].as_str() {
            Some("next") if msg["payload"].get("errors").is_some() => error = Some(msg["payload"]["errors"][0].clone()),
            Some("next") => nexts += 1,
            // `error` ends an operation without `complete`.
            Some("error") => {
                error = Some(msg["payload"][0].clone());
                break;
            }
            Some("complete") => break,
            _ => panic!("unexpected {msg}"),
        }
    }
    let error = error.expect("an error before the end");
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("events(after")), "{error}");
    assert!(nexts < N, "the slow subscriber was cut off after {nexts} messages");
}

#[tokio::test]
async fn typing_carries_global_ids_and_checks_the_sender() {
    let app = TestApp::spawn().await;
    let d = app.query("{ conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id contact { id } } } agents(first: 1) { nodes { id } } }", json!({})).await;
    let conv = d["conversations"]["nodes"][0].clone();
    let agent = d["agents"]["nodes"][0]["id"].clone();
    let foreign = app.post(Some("globex"), "{ agents(first: 1) { nodes { id } } }", json!({})).await.body["data"]["agents"]["nodes"][0]["id"].clone();
    let set = "mutation($i: SetTypingInput!) { setTyping(input: $i) { ok } }";
    let mut ws = Ws::connect(&app).await;
    ws.subscribe(
        "t",
        "subscription($c: ID!) { typing(conversationId: $c) { conversationId senderKind senderId on } }",
        json!({ "c": conv["id"] }),
    )
    .await;

    // Typing is ephemeral (no replay): repeat until the subscription is live.
    let agent_typing =
        json!({ "i": { "conversationId": conv["id"], "senderKind": "AGENT", "senderId": agent, "on": true } });
    let first = loop {
        app.query(set, agent_typing.clone()).await;
        match tokio::time::timeout(Duration::from_millis(300), ws.recv()).await {
            Ok(msg) => break msg,
            Err(_) => continue,
        }
    };
    assert_eq!(
        first["payload"]["data"]["typing"],
        json!({ "conversationId": conv["id"], "senderKind": "AGENT", "senderId": agent, "on": true })
    );

    // Refused senders: another workspace's agent, a contact other than the conversation's, an unknown kind of id.
    for sender in
        [json!({ "senderKind": "AGENT", "senderId": foreign }), json!({ "senderKind": "CONTACT", "senderId": agent })]
    {
        let mut input = json!({ "conversationId": conv["id"], "on": true });
        input.as_object_mut().expect("object").extend(sender.as_object().expect("object").clone());
        let (code, _) = app.error(set, json!({ "i": input })).await;
        assert!(code == "NOT_FOUND" || code == "BAD_USER_INPUT", "{code}");
    }
    // The contact, without an id: the conversation's own contact, by global id. Nothing refused came before it.
    app.query(set, json!({ "i": { "conversationId": conv["id"], "senderKind": "CONTACT", "on": false } })).await;
    let agent_event = first["payload"]["data"]["typing"].clone();
    let next = loop {
        let msg = ws.recv().await;
        let event = msg["payload"]["data"]["typing"].clone();
        if event != agent_event {
            break event; // (late repeats of the first event are skipped; a refused sender's would not be)
        }
    };
    assert_eq!(
        next,
        json!({ "conversationId": conv["id"], "senderKind": "CONTACT", "senderId": conv["contact"]["id"], "on": false })
    );
}
