//! Credentials: bad, expired, tampered, wrong-audience and `alg: none` tokens are refused with `UNAUTHENTICATED`
//! over HTTP (401, `WWW-Authenticate`) and with 4403 over WebSocket; good ones carry their role and scopes; a
//! credential never travels in a URL; a socket whose token expires is closed with 4403.

use crate::credentials::{directory, sign_raw};
use crate::harness::TestApp;
use crate::ws::Ws;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

const ISSUER: &str = "https://id.example.test";
const AUDIENCE: &str = "parlor-api";

/// A server that requires `iss` and `aud`.
async fn strict_app() -> TestApp {
    TestApp::spawn_with(&["--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE]).await
}

/// Claims of acme's first admin, valid for an hour, for the strict server.
fn admin_claims(app: &TestApp) -> Value {
    let ws = directory(&app.database_url).workspace("acme").expect("acme");
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": ws.agent("admin").expect("an admin").to_string(),
        "workspace": ws.id.to_string(),
        "role": "admin",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
    })
}

fn with(mut claims: Value, key: &str, v: Value) -> Value {
    claims[key] = v;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

/// The same token with one character of its payload changed (the signature no longer matches).
fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let payload = URL_SAFE_NO_PAD.decode(&parts[1]).expect("payload");
    let text = String::from_utf8(payload).expect("utf8").replace("\"admin\"", "\"agent\"");
    parts[1] = URL_SAFE_NO_PAD.encode(text);
    parts.join(".")
}

/// An unsigned token (`alg: none`), as an attacker would send it.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// An HS256 token signed with another secret.
fn foreign_secret(claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-of-thirty-two-bytes!!").expect("key");
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).expect("sign")
}

const QUERY: &str = "{ viewer { role } conversations(first: 1) { totalCount } }";

#[tokio::test]
async fn bad_tokens_are_refused_over_http_and_websocket() {
    let app = strict_app().await;
    let good = admin_claims(&app);
    let now = chrono::Utc::now().timestamp();
    let cases: Vec<(&str, String)> = vec![
        ("garbage", "not-a-token".to_owned()),
        ("expired", sign_raw(&with(good.clone(), "exp", (now - 120).into()))),
        ("tampered", tampered(&sign_raw(&good))),
        ("wrong audience", sign_raw(&with(good.clone(), "aud", "someone-else".into()))),
        ("no audience", sign_raw(&without(good.clone(), "aud"))),
        ("wrong issuer", sign_raw(&with(good.clone(), "iss", "https://evil.example".into()))),
        ("alg none", unsigned(&good)),
        ("another secret", foreign_secret(&good)),
        ("not yet valid", sign_raw(&with(good.clone(), "nbf", (now + 600).into()))),
        ("no exp", sign_raw(&without(good.clone(), "exp"))),
        ("unknown workspace", sign_raw(&with(good.clone(), "workspace", "no-such-workspace".into()))),
        ("unknown agent", sign_raw(&with(good.clone(), "sub", uuid::Uuid::nil().to_string().into()))),
        ("bot role", sign_raw(&with(good.clone(), "role", "bot".into()))),
        ("malformed API key", "prl_0123456789ab_short".to_owned()),
        ("unknown API key", format!("prl_0123456789ab_{}", "A".repeat(43))),
    ];
    for (what, token) in &cases {
        let reply = app.post_as(Some(token), QUERY, json!({})).await;
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{what}");
        assert!(reply.body.get("data").is_none(), "{what}: nothing ran");
        let challenge = reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(challenge.starts_with("Bearer") && challenge.contains("invalid_token"), "{what}: {challenge}");

        let mut ws = Ws::open(&app).await;
        ws.init(token).await;
        let (code, reason) = ws.closed().await;
        assert_eq!(code, 4403, "{what}: {reason}");
        assert!(reason.starts_with("Forbidden"), "{what}: {reason}");
    }
    // The good token works on both.
    let reply = app.post_as(Some(&sign_raw(&good)), QUERY, json!({})).await;
    assert_eq!(reply.body["data"]["viewer"]["role"], "ADMIN", "{}", reply.body);
    let mut ws = Ws::connect_as(&app, &sign_raw(&good)).await;
    ws.subscribe("1", "subscription { messageAdded { id } }", json!({})).await;
    // No credential at all: 401 over HTTP, 4403 over WebSocket.
    let reply = app.post_as(None, QUERY, json!({})).await;
    assert_eq!((reply.status, reply.body["errors"][0]["extensions"]["code"].as_str()), (401, Some("UNAUTHENTICATED")));
    let mut ws = Ws::open(&app).await;
    ws.init_raw(json!({})).await;
    assert_eq!(ws.closed().await.0, 4403);
}

#[tokio::test]
async fn a_token_holds_its_role_and_no_more_than_its_scopes() {
    let app = TestApp::spawn().await;
    let dir = directory(&app.database_url);
    let acme = dir.workspace("acme").expect("acme");
    let q = "{ viewer { kind role scopes agent { id } } }";
    // Without a role claim, the agent's own role.
    let analyst = acme.agent("analyst").expect("an analyst");
    let token = crate::credentials::sign(json!({ "sub": analyst.to_string(), "workspace": "acme" }), 600);
    let v = &app.post_as(Some(&token), q, json!({})).await.body["data"]["viewer"];
    assert_eq!((v["kind"].as_str(), v["role"].as_str()), (Some("AGENT"), Some("ANALYST")), "{v}");
    assert!(!v["scopes"].as_array().expect("scopes").iter().any(|s| s == "MESSAGES_WRITE"));
    // An OAuth `scope` claim narrows the role's scopes (unknown names such as `openid` are ignored) and never
    // widens them: an analyst asking for messages:write does not get it.
    let token = crate::credentials::sign(
        json!({ "sub": analyst.to_string(), "workspace": acme.id.to_string(), "role": "analyst",
                "scope": "openid conversations:read messages:write" }),
        600,
    );
    // (`viewer { agent }` would read an Agent, which needs agents:read: ask only for the scopes.)
    let v = &app.post_as(Some(&token), "{ viewer { scopes } }", json!({})).await.body["data"]["viewer"];
    assert_eq!(v["scopes"], json!(["CONVERSATIONS_READ"]), "{v}");
    let reply = app.post_as(Some(&token), "{ contacts(first: 1) { totalCount } }", json!({})).await;
    assert_eq!((reply.status, reply.body["errors"][0]["extensions"]["code"].as_str()), (403, Some("FORBIDDEN")));
    // The subject may be a global id, the workspace a slug.
    let admin = acme.agent("admin").expect("admin");
    let global = URL_SAFE_NO_PAD.encode(format!("Agent:{admin}"));
    let token = crate::credentials::sign(json!({ "sub": global, "workspace": "acme", "role": "admin" }), 600);
    let v = &app.post_as(Some(&token), q, json!({})).await.body["data"]["viewer"];
    assert_eq!(v["agent"]["id"], global, "{v}");
}

#[tokio::test]
async fn credentials_never_travel_in_urls() {
    let app = TestApp::spawn().await;
    let token = app.token("acme", "admin");
    for param in ["access_token", "token"] {
        let r = app
            .client()
            .get(format!("{}/graphql", app.url))
            .query(&[("query", "{ conversations(first: 1) { totalCount } }"), (param, token.as_str())])
            .header("accept", "application/json")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 400, "{param}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    // The workspace header of old is no longer a credential, and says so.
    let r = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("x-parlor-workspace", "acme")
        .json(&json!({ "query": "{ conversations(first: 1) { totalCount } }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.expect("json");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("Authorization"), "{body}");
}

#[tokio::test]
async fn a_socket_closes_with_4403_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let acme = directory(&app.database_url).workspace("acme").expect("acme");
    let claims =
        json!({ "sub": acme.agent("agent").expect("agent").to_string(), "workspace": "acme", "role": "agent" });
    let mut ws = Ws::connect_as(&app, &crate::credentials::sign(claims, 2)).await;
    ws.subscribe("1", "subscription { messageAdded { id } }", json!({})).await;
    let started = std::time::Instant::now();
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "closed at expiry, not much later");
}
