//! Tokens from an identity provider: RS256 and ES256 access tokens verified with its JWKS, served by a local
//! HTTP server (or read from a file), with the algorithm pinned per key.

use crate::credentials::directory;
use crate::harness::TestApp;
use crate::ws::Ws;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/jwks/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn rsa() -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture("rsa-private.pem")).expect("rsa key")
}

fn ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&fixture("ec-private.pem")).expect("ec key")
}

/// The provider's JWKS: the public halves of the RSA (`kid` rsa-1) and EC (`kid` ec-1) test keys.
fn jwks() -> Value {
    let mut rsa_jwk = Jwk::from_encoding_key(&rsa(), Algorithm::RS256).expect("rsa jwk");
    rsa_jwk.common.key_id = Some("rsa-1".into());
    let mut ec_jwk = Jwk::from_encoding_key(&ec(), Algorithm::ES256).expect("ec jwk");
    ec_jwk.common.key_id = Some("ec-1".into());
    serde_json::to_value(JwkSet { keys: vec![rsa_jwk, ec_jwk] }).expect("jwks")
}

/// Serves `body` at `/.well-known/jwks.json` on a free port; its URL.
async fn serve_jwks(body: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let body = body.clone();
            async move { axum::Json(body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/.well-known/jwks.json")
}

fn claims(app: &TestApp, role: &str) -> Value {
    let acme = directory(&app.database_url).workspace("acme").expect("acme");
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": acme.agent(role).expect("agent").to_string(),
        "workspace": acme.id.to_string(),
        "role": role,
        "scope": "conversations:read messages:read",
        "iat": now,
        "exp": now + 600,
    })
}

fn signed(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

const Q: &str = "{ viewer { role scopes } conversations(first: 1) { totalCount } }";

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_a_jwks_url() {
    let url = serve_jwks(jwks()).await;
    let app = TestApp::spawn_with(&["--jwt-jwks", &url]).await;
    let c = claims(&app, "agent");
    for (alg, kid, key) in [(Algorithm::RS256, "rsa-1", rsa()), (Algorithm::ES256, "ec-1", ec())] {
        let token = signed(alg, Some(kid), &key, &c);
        let reply = app.post_as(Some(&token), Q, json!({})).await;
        assert_eq!(reply.status, 200, "{alg:?}: {}", reply.body);
        // The OAuth `scope` claim is honoured: the agent's token holds only those two scopes.
        assert_eq!(reply.body["data"]["viewer"]["scopes"], json!(["CONVERSATIONS_READ", "MESSAGES_READ"]));
        Ws::connect_as(&app, &token).await;
    }
    // Refused: a key the JWKS does not list, an unknown kid, RS256 under the EC key's kid (algorithm pinned per
    // key), and the HS/RS confusion: an HS256 token "signed" with the RSA public key as its secret. The server's
    // own HS256 secret still verifies its own tokens.
    let other = EncodingKey::from_rsa_pem(&fixture("rsa-other-private.pem")).expect("key");
    let public_pem = jwks()["keys"][0]["n"].as_str().expect("n").to_owned();
    let confused = EncodingKey::from_secret(public_pem.as_bytes()).expect("hmac");
    for (what, token) in [
        ("unlisted key", signed(Algorithm::RS256, Some("rsa-1"), &other, &c)),
        ("unknown kid", signed(Algorithm::RS256, Some("rsa-9"), &rsa(), &c)),
        ("alg of another key", signed(Algorithm::ES256, Some("rsa-1"), &ec(), &c)),
        ("HS256 with the public key", signed(Algorithm::HS256, Some("rsa-1"), &confused, &c)),
        ("RS384", signed(Algorithm::RS384, Some("rsa-1"), &rsa(), &c)),
    ] {
        let reply = app.post_as(Some(&token), Q, json!({})).await;
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{what}");
        let mut ws = Ws::open(&app).await;
        ws.init(&token).await;
        assert_eq!(ws.closed().await.0, 4403, "{what}");
    }
    let own = app.token("acme", "admin");
    assert_eq!(app.post_as(Some(&own), Q, json!({})).await.status, 200);
}

#[tokio::test]
async fn a_jwks_file_works_too() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks().to_string()).expect("write jwks");
    let app = TestApp::spawn_with(&["--jwt-jwks", path.to_str().expect("path")]).await;
    let token = signed(Algorithm::ES256, Some("ec-1"), &ec(), &claims(&app, "analyst"));
    let reply = app.post_as(Some(&token), Q, json!({})).await;
    assert_eq!(reply.body["data"]["viewer"]["role"], "ANALYST", "{}", reply.body);
}
