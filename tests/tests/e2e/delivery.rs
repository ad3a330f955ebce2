//! No live event is silently lost: after the database connection drops (PostgreSQL restarting, a network blip),
//! every instance delivers, from the outbox, every acknowledged event to the subscribers whose sockets stayed open.

use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

const SEND: &str = r#"mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }"#;
const ADDED: &str = "subscription($c: ID) { messageAdded(conversationId: $c) { id } }";

/// Kills every connection to the test database but its own, again and again for `span`: the servers' pools
/// and their LISTEN connections all drop, as when PostgreSQL restarts.
async fn cut_connections(database_url: String, span: Duration) {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(database_url.as_str()).await.expect("connect");
    let end = tokio::time::Instant::now() + span;
    while tokio::time::Instant::now() < end {
        db.execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .expect("terminate backends");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = db.close().await;
}

/// Receives `messageAdded` until every id of `want` has arrived (within 60 s); returns what arrived.
async fn collect(ws: &mut Ws, want: &HashSet<String>) -> HashSet<String> {
    let mut got = HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !want.is_subset(&got) && tokio::time::Instant::now() < deadline {
        let Ok(msg) = tokio::time::timeout_at(deadline, ws.recv()).await else { break };
        assert_eq!(msg["type"], "next", "the stream ended: {msg}");
        if let Some(id) = msg["payload"]["data"]["messageAdded"]["id"].as_str() {
            got.insert(id.to_owned());
        }
    }
    got
}

#[tokio::test]
async fn every_acknowledged_message_arrives_after_the_database_connections_drop() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!("skipped on SQLite: the loss being tested is of PostgreSQL's LISTEN connection (set DATABASE_URL)");
        return;
    }
    let app = TestApp::spawn().await;
    let peer = app.spawn_peer().await;
    let d = app.query("{ conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }", json!({})).await;
    let conv = d["conversations"]["nodes"][0]["id"].clone();
    let send = |text: String| {
        let input = json!({ "conversationId": conv, "senderKind": "CONTACT", "content": text });
        app.post(Some("acme"), SEND, json!({ "input": input }))
    };
    let id_of = |body: &Value| body["data"]["sendMessage"]["message"]["id"].as_str().map(str::to_owned);

    let mut here = Ws::connect(&app).await;
    let mut there = Ws::connect(&peer).await;
    here.subscribe("m", ADDED, json!({ "c": conv })).await;
    there.subscribe("m", ADDED, json!({ "c": conv })).await;
    // Both subscriptions are live once a first message reaches both.
    let warm: HashSet<String> = loop {
        let sent = id_of(&send("warm-up".into()).await.body).into_iter().collect();
        let (a, b) = tokio::join!(
            tokio::time::timeout(Duration::from_secs(2), collect(&mut here, &sent)),
            tokio::time::timeout(Duration::from_secs(2), collect(&mut there, &sent))
        );
        if a.is_ok_and(|g| sent.is_subset(&g)) && b.is_ok_and(|g| sent.is_subset(&g)) {
            break sent;
        }
    };
    assert_eq!(warm.len(), 1);

    // Send through a 3 s outage; keep the ids of the messages the server acknowledged.
    let outage = tokio::spawn(cut_connections(app.database_url.clone(), Duration::from_secs(3)));
    let mut acknowledged = HashSet::new();
    let mut refused = 0;
    for i in 0..60 {
        match id_of(&send(format!("during the outage {i}")).await.body) {
            Some(id) => {
                acknowledged.insert(id);
            }
            None => refused += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    outage.await.expect("outage task");
    for i in 0..5 {
        if let Some(id) = id_of(&send(format!("after the outage {i}")).await.body) {
            acknowledged.insert(id);
        }
    }
    println!("{} messages acknowledged, {refused} refused during the outage", acknowledged.len());
    assert!(acknowledged.len() >= 5);

    let got_here = collect(&mut here, &acknowledged).await;
    let got_there = collect(&mut there, &acknowledged).await;
    let missing_here: Vec<_> = acknowledged.difference(&got_here).collect();
    let missing_there: Vec<_> = acknowledged.difference(&got_there).collect();
    assert!(missing_here.is_empty(), "same instance missed {} of {}", missing_here.len(), acknowledged.len());
    assert!(missing_there.is_empty(), "other instance missed {} of {}", missing_there.len(), acknowledged.len());
}
