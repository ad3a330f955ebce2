//! API keys: the secret is shown once and only its hash is stored; keys are listed without secrets, with
//! `lastUsedAt`; rotation keeps the previous secret for a grace period; revocation stops a key on every instance
//! within seconds and closes its sockets with 4403; no key holds more than its creator.

use crate::harness::TestApp;
use crate::ws::Ws;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CREATE: &str = "mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id prefix role scopes lastUsedAt revokedAt } } }";

pub async fn create_key(app: &TestApp, as_token: &str, input: Value) -> (String, Value) {
    let reply = app.post_as(Some(as_token), CREATE, json!({ "input": input })).await;
    let created = &reply.body["data"]["createApiKey"];
    assert!(created["secret"].is_string(), "{}", reply.body);
    (created["secret"].as_str().unwrap_or_default().to_owned(), created["apiKey"].clone())
}

/// Polls `check` every 200 ms for up to `limit`; whether it held.
async fn within(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

const VIEWER: &str = "{ viewer { kind role } conversations(first: 1) { totalCount } }";

#[tokio::test]
async fn a_key_is_shown_once_listed_without_secret_and_its_use_recorded() {
    let app = TestApp::spawn_with(&["--key-use-interval", "1s"]).await;
    let admin = app.token("acme", "admin");
    let (secret, key) = create_key(&app, &admin, json!({ "name": "CRM sync", "role": "AGENT" })).await;
    assert!(secret.starts_with("prl_") && secret.len() == 60, "{secret}");
    assert!(secret.starts_with(key["prefix"].as_str().unwrap_or("?")), "{key}");
    let v = app.post_as(Some(&secret), VIEWER, json!({})).await.body;
    assert_eq!(
        (v["data"]["viewer"]["kind"].as_str(), v["data"]["viewer"]["role"].as_str()),
        (Some("API_KEY"), Some("AGENT"))
    );
    // Only the hash is in the database.
    let stored = app.sql_strings("SELECT secret_hash AS v FROM api_key").await;
    assert!(stored.iter().all(|h| h.len() == 64 && !secret.contains(h.as_str())), "{stored:?}");
    // Listed by prefix, never with its secret; `lastUsedAt` arrives without a write per request.
    let list = "{ apiKeys(first: 10) { nodes { name prefix role lastUsedAt } } }";
    let listed = within(Duration::from_secs(10), async || {
        let body = app.post_as(Some(&admin), list, json!({})).await.body;
        assert!(!body.to_string().contains(&secret), "a listing never shows a secret");
        body["data"]["apiKeys"]["nodes"][0]["lastUsedAt"].is_string()
    })
    .await;
    assert!(listed, "lastUsedAt was recorded");
}

#[tokio::test]
async fn rotation_keeps_the_old_secret_for_the_grace_period() {
    let app = TestApp::spawn().await;
    let admin = app.token("acme", "admin");
    let (old, key) = create_key(&app, &admin, json!({ "name": "rotating", "role": "ANALYST" })).await;
    let rotate = "mutation($id: ID!, $grace: Int) { rotateApiKey(input: {id: $id, gracePeriod: $grace}) { secret apiKey { previousSecretExpiresAt } } }";
    let r = app.post_as(Some(&admin), rotate, json!({ "id": key["id"], "grace": 3600 })).await.body;
    let new = r["data"]["rotateApiKey"]["secret"].as_str().expect("new secret").to_owned();
    assert!(r["data"]["rotateApiKey"]["apiKey"]["previousSecretExpiresAt"].is_string(), "{r}");
    assert_eq!(&new[..16], &old[..16], "the prefix stays");
    for s in [&old, &new] {
        assert_eq!(app.post_as(Some(s), VIEWER, json!({})).await.status, 200);
    }
    // Rotating again without grace: only the newest works (within the key cache's 5 s).
    let r = app.post_as(Some(&admin), rotate, json!({ "id": key["id"], "grace": 0 })).await.body;
    let newest = r["data"]["rotateApiKey"]["secret"].as_str().expect("secret").to_owned();
    let refused = within(Duration::from_secs(10), async || {
        app.post_as(Some(&new), VIEWER, json!({})).await.status == 401
            && app.post_as(Some(&old), VIEWER, json!({})).await.status == 401
    })
    .await;
    assert!(refused, "superseded secrets stop working");
    assert_eq!(app.post_as(Some(&newest), VIEWER, json!({})).await.status, 200);
}

#[tokio::test]
async fn a_revoked_key_stops_on_every_instance_and_its_sockets_close() {
    let app = TestApp::spawn().await;
    let peer = app.spawn_peer().await;
    let admin = app.token("acme", "admin");
    let (secret, key) = create_key(&app, &admin, json!({ "name": "doomed", "role": "AGENT" })).await;
    assert_eq!(peer.post_as(Some(&secret), VIEWER, json!({})).await.status, 200);
    let mut ws = Ws::connect_as(&peer, &secret).await;
    ws.subscribe("1", "subscription { messageAdded { id } }", json!({})).await;
    let revoke = "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } } }";
    let r = app.post_as(Some(&admin), revoke, json!({ "id": key["id"] })).await.body;
    assert!(r["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string(), "{r}");
    let started = Instant::now();
    let stopped = within(Duration::from_secs(15), async || {
        let a = app.post_as(Some(&secret), VIEWER, json!({})).await;
        let b = peer.post_as(Some(&secret), VIEWER, json!({})).await;
        a.status == 401 && b.status == 401
    })
    .await;
    assert!(stopped, "both instances refuse the revoked key");
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("revoked"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn a_key_never_holds_more_than_its_creator_or_its_role() {
    let app = TestApp::spawn().await;
    let admin = app.token("acme", "admin");
    // A key that may only manage keys cannot mint a full admin key, nor one with scopes it lacks.
    let (manager, _) = create_key(&app, &admin, json!({ "name": "key manager", "scopes": ["API_KEYS_ADMIN"] })).await;
    for input in
        [json!({ "name": "escalate", "role": "ADMIN" }), json!({ "name": "escalate", "scopes": ["MESSAGES_WRITE"] })]
    {
        let reply = app.post_as(Some(&manager), CREATE, json!({ "input": input })).await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{}", reply.body);
    }
    let (_, ok) = create_key(&app, &manager, json!({ "name": "sub-manager", "scopes": ["API_KEYS_ADMIN"] })).await;
    assert_eq!(ok["role"], "ADMIN");
    // Scopes beyond the role, a bot role without a bot, a contact role: refused as bad input.
    for (input, field) in [
        (json!({ "name": "x", "role": "ANALYST", "scopes": ["MESSAGES_WRITE"] }), "scopes"),
        (json!({ "name": "x", "role": "BOT" }), "botId"),
        (json!({ "name": "x", "role": "CONTACT" }), "role"),
        (json!({ "name": "", "role": "AGENT" }), "name"),
        (json!({ "name": "x", "role": "AGENT", "expiresAt": "2020-01-01T00:00:00Z" }), "expiresAt"),
    ] {
        let reply = app.post_as(Some(&admin), CREATE, json!({ "input": input })).await;
        let err = &reply.body["errors"][0];
        assert_eq!(
            (err["extensions"]["code"].as_str(), err["extensions"]["field"].as_str()),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{}",
            reply.body
        );
    }
    // A key with fewer scopes than its role can do only that.
    let (narrow, k) =
        create_key(&app, &admin, json!({ "name": "reader", "role": "AGENT", "scopes": ["CONVERSATIONS_READ"] })).await;
    assert_eq!(k["scopes"], json!(["CONVERSATIONS_READ"]));
    assert_eq!(app.post_as(Some(&narrow), "{ conversations(first: 1) { totalCount } }", json!({})).await.status, 200);
    let reply = app.post_as(Some(&narrow), "{ messages(first: 1) { totalCount } }", json!({})).await;
    assert_eq!((reply.status, reply.body["errors"][0]["extensions"]["code"].as_str()), (403, Some("FORBIDDEN")));
    // An expired key is refused.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (brief, _) = create_key(&app, &admin, json!({ "name": "brief", "role": "AGENT", "expiresAt": soon })).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let reply = app.post_as(Some(&brief), VIEWER, json!({})).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
}
