//! Bot keys: a key bound to one bot acts as that bot, in its own conversations only (reading them, sending as
//! the bot, handing off to humans), and dies with the bot.

use crate::api_keys::create_key;
use crate::harness::TestApp;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_bot_key_acts_as_its_bot_in_its_conversations_only() {
    let app = TestApp::spawn().await;
    let bots = app.query("{ bots(first: 10) { nodes { id } } }", json!({})).await["bots"]["nodes"].clone();
    let (bot, other_bot) = (bots[0]["id"].clone(), bots[1]["id"].clone());
    let (key, k) = create_key(&app, &app.key("acme"), json!({ "name": "triage bot", "botId": bot })).await;
    assert_eq!(k["role"], "BOT");
    let count = "query($b: ID!) { conversations(filter: {botId: {eq: $b}}) { totalCount } }";
    let own = app.query(count, json!({ "b": bot })).await["conversations"]["totalCount"].clone();
    let seen = app
        .post_as(
            Some(&key),
            "{ viewer { kind bot { id } } conversations(first: 100) { totalCount nodes { id bot { id } } } }",
            json!({}),
        )
        .await
        .body;
    assert_eq!(seen["data"]["viewer"]["kind"], "BOT_KEY", "{seen}");
    assert_eq!(seen["data"]["viewer"]["bot"]["id"], bot);
    assert_eq!(seen["data"]["conversations"]["totalCount"], own, "exactly its bot's conversations");
    let convs = seen["data"]["conversations"]["nodes"].as_array().expect("nodes");
    assert!(convs.iter().all(|c| c["bot"]["id"] == bot), "{seen}");
    let mine = convs[0]["id"].clone();
    let theirs = app
        .query(
            "query($b: ID!) { conversations(first: 1, filter: {botId: {eq: $b}}) { nodes { id } } }",
            json!({ "b": other_bot }),
        )
        .await["conversations"]["nodes"][0]["id"]
        .clone();
    let send = "mutation($c: ID!, $k: SenderKind!) { sendMessage(input: {conversationId: $c, senderKind: $k, content: \"beep\"}) { message { sender { ... on Bot { id } } } } }";
    let r = app.post_as(Some(&key), send, json!({ "c": mine, "k": "BOT" })).await.body;
    assert_eq!(r["data"]["sendMessage"]["message"]["sender"]["id"], bot, "it writes as its bot: {r}");
    for (vars, code) in [
        (json!({ "c": mine, "k": "CONTACT" }), "FORBIDDEN"),
        (json!({ "c": mine, "k": "AGENT" }), "FORBIDDEN"),
        (json!({ "c": theirs, "k": "BOT" }), "NOT_FOUND"),
    ] {
        let r = app.post_as(Some(&key), send, vars.clone()).await.body;
        assert_eq!(r["errors"][0]["extensions"]["code"], code, "{vars}: {r}");
    }
    // It hands off its own conversations, and starts new ones only for itself.
    let handoff = "mutation($c: ID!) { handoffToHuman(input: {conversationId: $c, reason: \"needs a human\"}) { conversation { handledBy } } }";
    let r = app.post_as(Some(&key), handoff, json!({ "c": theirs })).await.body;
    assert_eq!(r["errors"][0]["extensions"]["code"], "NOT_FOUND", "{r}");
    let contact =
        app.query("{ contacts(first: 1) { nodes { id } } }", json!({})).await["contacts"]["nodes"][0]["id"].clone();
    let start = "mutation($c: ID!, $b: ID) { startConversation(input: {contactId: $c, channel: WEB, botId: $b}) { conversation { bot { id } } } }";
    let r = app.post_as(Some(&key), start, json!({ "c": contact, "b": other_bot })).await.body;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
    let r = app.post_as(Some(&key), start, json!({ "c": contact })).await.body;
    assert_eq!(r["data"]["startConversation"]["conversation"]["bot"]["id"], bot, "{r}");
    // No tickets, no bot administration.
    for q in ["{ tickets(first: 1) { totalCount } }", "mutation($b: ID!) { pauseBot(input: {id: $b}) { bot { id } } }"]
    {
        let reply = app.post_as(Some(&key), q, json!({ "b": bot })).await;
        assert_eq!(reply.status, 403, "{q}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_bot_key_dies_with_its_bot() {
    let app = TestApp::spawn().await;
    let admin = app.key("acme");
    let bot = app
        .query("mutation { createBot(input: {name: \"short-lived\"}) { bot { id } } }", json!({}))
        .await["createBot"]["bot"]["id"]
        .clone();
    let (key, _) = create_key(&app, &admin, json!({ "name": "short-lived", "botId": bot })).await;
    assert_eq!(app.post_as(Some(&key), "{ viewer { kind } }", json!({})).await.status, 200);
    let r = app.query("mutation($b: ID!) { deleteBot(input: {id: $b}) { __typename } }", json!({ "b": bot })).await;
    assert!(r.is_object());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut status = 200;
    while Instant::now() < deadline && status != 401 {
        status = app.post_as(Some(&key), "{ viewer { kind } }", json!({})).await.status;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 401, "the bot's key was revoked with it");
    let keys: Value = app.query("{ apiKeys(filter: {revoked: true}) { nodes { name } } }", json!({})).await;
    assert_eq!(keys["apiKeys"]["nodes"][0]["name"], "short-lived");
}
