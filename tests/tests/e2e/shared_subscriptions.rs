//! Subscribers of the same live subscription share one execution (`--share-subscriptions`, on by default): each
//! still gets exactly what it would have got alone, whoever else shares it, whoever leaves.

use crate::api_keys::create_key;
use crate::harness::TestApp;
use crate::metrics::{sample, scrape};
use crate::sse::{Events, post_sse};
use crate::ws::Ws;
use serde_json::{Value, json};
use std::time::Duration;

const DOC: &str = "subscription { messageAdded { content } }";

async fn subscribed(app: &TestApp, credential: &str) -> Ws {
    let mut ws = Ws::connect_as(app, credential).await;
    ws.subscribe("m", DOC, json!({})).await;
    ws.ping_pong().await;
    ws
}

async fn content(ws: &mut Ws) -> String {
    ws.next_data("m").await["messageAdded"]["content"].as_str().expect("content").to_owned()
}

async fn send(app: &TestApp, credential: &str, conversation: &Value, text: &str) {
    let q = "mutation($c: ID!, $t: String!) { sendMessage(input: {conversationId: $c, senderKind: CONTACT, content: $t}) { message { id } } }";
    let r = app.post_as(Some(credential), q, json!({ "c": conversation, "t": text })).await.body;
    assert!(r.get("errors").is_none(), "{r}");
}

async fn conversation_of_bot(app: &TestApp, bot: &Value) -> Value {
    let q = "query($b: ID!) { conversations(first: 1, filter: {botId: {eq: $b}}) { nodes { id } } }";
    app.query(q, json!({ "b": bot })).await["conversations"]["nodes"][0]["id"].clone()
}

async fn shared_executions(app: &TestApp) -> f64 {
    sample(&scrape(app).await, "parlor_shared_executions", &[]).unwrap_or(0.0)
}

#[tokio::test]
async fn subscribers_share_an_execution_and_each_sees_only_what_it_would_alone() {
    let app = TestApp::spawn_with(&["--metrics-addr", "127.0.0.1:0"]).await;
    let acme = app.key("acme");
    let globex = app.key("globex");
    let bots = app.query("{ bots(first: 10) { nodes { id } } }", json!({})).await["bots"]["nodes"].clone();
    let (bot, other_bot) = (bots[0]["id"].clone(), bots[1]["id"].clone());
    let (bot_key, _) = create_key(&app, &acme, json!({ "name": "triage bot", "botId": bot })).await;
    let mine = conversation_of_bot(&app, &bot).await;
    let theirs = conversation_of_bot(&app, &other_bot).await;
    let q = "{ conversations(first: 1) { nodes { id } } }";
    let at_globex =
        app.post_as(Some(&globex), q, json!({})).await.body["data"]["conversations"]["nodes"][0]["id"].clone();

    // Same document, same variables: two workspace keys of acme, a bot key of acme, and globex's key.
    let mut first = subscribed(&app, &acme).await;
    let mut second = subscribed(&app, &acme).await;
    let mut as_bot = subscribed(&app, &bot_key).await;
    let mut at_other_tenant = subscribed(&app, &globex).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // One execution for acme's two workspace keys; one each for the bot key and for globex.
    assert_eq!(shared_executions(&app).await, 3.0);

    send(&app, &acme, &mine, "one").await;
    send(&app, &acme, &theirs, "two").await;
    send(&app, &globex, &at_globex, "three").await;
    assert_eq!(content(&mut first).await, "one");
    assert_eq!(content(&mut first).await, "two");
    assert_eq!(content(&mut second).await, "one");
    assert_eq!(content(&mut second).await, "two");
    assert_eq!(content(&mut as_bot).await, "one", "its bot's conversation");
    assert_eq!(content(&mut at_other_tenant).await, "three", "only its own workspace's message");

    // The subscriber whose execution is shared leaves: the others go on, and a newcomer joins.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = subscribed(&app, &acme).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shared_executions(&app).await, 3.0, "the newcomer joined the running execution");
    send(&app, &acme, &mine, "four").await;
    assert_eq!(content(&mut second).await, "four");
    assert_eq!(content(&mut third).await, "four");
    assert_eq!(content(&mut as_bot).await, "four", "not `two`: another bot's conversation");

    // Every subscriber gone: no execution is left running.
    drop((second, third, as_bot, at_other_tenant));
    for _ in 0..50 {
        if shared_executions(&app).await == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shared_executions(&app).await, 0.0);
}

#[tokio::test]
async fn a_refused_subscription_is_refused_alone_and_replaying_ones_are_not_shared() {
    let app = TestApp::spawn_with(&["--metrics-addr", "127.0.0.1:0"]).await;
    let acme = app.key("acme");
    let mut live = subscribed(&app, &acme).await;
    // The same document with a field it may not select is refused on its own, with graphql-ws's `error`.
    let mut ws = Ws::connect_as(&app, &acme).await;
    ws.subscribe("bad", "subscription { messageAdded { content nope } }", json!({})).await;
    let refused = ws.recv().await;
    assert_eq!(refused["type"], "error", "{refused}");
    // `events` may replay first (`after:`): never shared, each subscriber runs its own.
    let q = "subscription { events(types: [MESSAGE_CREATED]) { type } }";
    ws.subscribe("e1", q, json!({})).await;
    let mut other = Ws::connect_as(&app, &acme).await;
    other.subscribe("e2", q, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shared_executions(&app).await, 1.0, "only `messageAdded` is shared");

    let conv = app.query("{ conversations(first: 1) { nodes { id } } }", json!({})).await["conversations"]["nodes"][0]
        ["id"]
        .clone();
    send(&app, &acme, &conv, "hello").await;
    assert_eq!(content(&mut live).await, "hello");
    assert_eq!(ws.next_data("e1").await["events"]["type"], "message.created");
    assert_eq!(other.next_data("e2").await["events"]["type"], "message.created");
}

#[tokio::test]
async fn without_sharing_every_subscriber_runs_its_own_execution() {
    let app = TestApp::spawn_with(&["--metrics-addr", "127.0.0.1:0", "--share-subscriptions", "false"]).await;
    let acme = app.key("acme");
    let mut a = subscribed(&app, &acme).await;
    let mut b = subscribed(&app, &acme).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shared_executions(&app).await, 0.0);
    let conv = app.query("{ conversations(first: 1) { nodes { id } } }", json!({})).await["conversations"]["nodes"][0]
        ["id"]
        .clone();
    send(&app, &acme, &conv, "alone").await;
    assert_eq!(content(&mut a).await, "alone");
    assert_eq!(content(&mut b).await, "alone");
}

#[tokio::test]
async fn websocket_and_event_stream_subscribers_share_and_streams_keep_their_event_ids() {
    let app = TestApp::spawn_with(&["--metrics-addr", "127.0.0.1:0"]).await;
    let acme = app.key("acme");
    let mut ws = subscribed(&app, &acme).await;
    let resp = post_sse(&app, Some(&acme), DOC, json!({})).await;
    assert_eq!(resp.status().as_u16(), 200);
    let mut stream = Events::new(resp);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shared_executions(&app).await, 1.0, "the stream joined the socket's execution");

    let conv = app.query("{ conversations(first: 1) { nodes { id } } }", json!({})).await["conversations"]["nodes"][0]
        ["id"]
        .clone();
    let mut ids = Vec::new();
    for text in ["both", "again"] {
        send(&app, &acme, &conv, text).await;
        assert_eq!(content(&mut ws).await, text);
        let event = stream.next().await.expect("a next event");
        assert_eq!(event.kind, "next", "{event:?}");
        let result: Value = serde_json::from_str(&event.data).expect("JSON");
        assert_eq!(result["data"]["messageAdded"]["content"], text);
        ids.push(event.id.unwrap_or_else(|| panic!("a stored event carries an id: {}", event.data)));
    }
    assert_ne!(ids[0], ids[1], "each event its own cursor");
}
