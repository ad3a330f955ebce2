//! Dashboards in browsers on another origin: CORS for the configured origins (preflight answered, credentials
//! off), the same list checked on WebSocket upgrades, and nothing for origins not listed.

use crate::harness::TestApp;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const APP_ORIGIN: &str = "https://app.example.com";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client()
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .expect("preflight")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn upgrade_status(app: &TestApp, origin: &str) -> u16 {
    let mut req = app.ws_url().into_client_request().expect("request");
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
    req.headers_mut().insert("origin", origin.parse().expect("origin"));
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, resp)) => resp.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("upgrade failed: {e}"),
    }
}

#[tokio::test]
async fn configured_origins_get_cors_and_websockets_others_do_not() {
    let app = TestApp::spawn_with(&["--cors-origins", APP_ORIGIN]).await;
    let ok = preflight(&app, APP_ORIGIN).await;
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(header(&ok, "access-control-allow-origin"), Some(APP_ORIGIN));
    let allowed_headers = header(&ok, "access-control-allow-headers").unwrap_or("").to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"), "{allowed_headers}");
    assert_eq!(header(&ok, "access-control-allow-credentials"), None, "credentials stay off");
    // The actual request: the origin is echoed and the rate-limit and request-id headers are readable.
    let r = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("origin", APP_ORIGIN)
        .bearer_auth(app.key("acme"))
        .json(&serde_json::json!({ "query": "{ workspace { slug } }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(header(&r, "access-control-allow-origin"), Some(APP_ORIGIN));
    assert!(header(&r, "access-control-expose-headers").unwrap_or("").contains("x-request-id"));
    // Another origin: no CORS headers, and no WebSocket.
    let other = preflight(&app, "https://evil.example").await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    assert_eq!(upgrade_status(&app, "https://evil.example").await, 403);
    assert_eq!(upgrade_status(&app, APP_ORIGIN).await, 101);
}

#[tokio::test]
async fn without_configured_origins_preflight_is_answered_without_cors() {
    let app = TestApp::spawn().await;
    let r = preflight(&app, APP_ORIGIN).await;
    assert_eq!(r.status().as_u16(), 204, "preflight is answered (it used to be 405)");
    assert_eq!(header(&r, "access-control-allow-origin"), None, "no origin is allowed unless configured");
    assert_eq!(
        header(&r, "allow"),
        Some("GET, POST, PUT, DELETE, OPTIONS"),
        "PUT and DELETE: SSE single connection mode"
    );
}
