//! GraphQL over HTTP: media types, status codes, GET, limits, GraphiQL, health and readiness.

use crate::harness::{Reply, TestApp};
use serde_json::{Value, json};

async fn raw_post(app: &TestApp, content_type: Option<&str>, accept: &str, body: impl Into<reqwest::Body>) -> Reply {
    let mut req = app.client().post(format!("{}/graphql", app.url)).header("accept", accept).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    Reply::from(req.send().await.expect("request")).await
}

#[tokio::test]
async fn media_types_and_status_codes() {
    let app = TestApp::spawn().await;
    let ok = r#"{"query":"{ __typename }"}"#;
    let r = raw_post(&app, Some("application/json"), "application/json", ok).await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str().expect("ct").starts_with("application/json"));
    let r = raw_post(&app, Some("application/json"), "application/graphql-response+json", ok).await;
    assert!(r.headers["content-type"].to_str().expect("ct").starts_with("application/graphql-response+json"));
    let r = raw_post(&app, Some("application/json"), "*/*", ok).await;
    assert!(r.headers["content-type"].to_str().expect("ct").starts_with("application/json"));

    // A refused document: 200 for legacy JSON, 400 for graphql-response+json; never a `data` key.
    let bad = r#"{"query":"{"}"#;
    let r = raw_post(&app, Some("application/json"), "application/json", bad).await;
    assert_eq!((r.status, r.body.get("data").is_none()), (200, true));
    let r = raw_post(&app, Some("application/json"), "application/graphql-response+json", bad).await;
    assert_eq!((r.status, r.body.get("data").is_none()), (400, true));

    assert_eq!(raw_post(&app, None, "application/json", ok).await.status, 415);
    assert_eq!(raw_post(&app, Some("text/plain"), "application/json", ok).await.status, 415);
    let r = raw_post(&app, Some("application/json"), "application/json", "{not json").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let r = raw_post(&app, Some("application/json"), "application/json", format!("[{ok},{ok}]")).await;
    assert_eq!(r.status, 400);
    assert!(r.body["errors"][0]["message"].as_str().expect("message").contains("batch"));
    assert_eq!(raw_post(&app, Some("application/json"), "text/csv", ok).await.status, 406);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    // Raw HTTP: announce a 2 MiB body and read the answer before sending it. (A client that keeps writing while
    // the server answers early sees its connection closed under it, which says nothing about the server.)
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        2 << 20
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut answer = vec![];
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    assert!(body.contains("BAD_USER_INPUT") && body.contains("limit"), "{answer}");
    // The server is still fine.
    assert_eq!(
        raw_post(&app, Some("application/json"), "application/json", r#"{"query":"{ __typename }"}"#).await.status,
        200
    );
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let r = app
        .client()
        .get(format!("{}/graphql", app.url))
        .query(&[
            ("query", "query($n: Int) { conversations(first: $n) { nodes { id } } }"),
            ("variables", r#"{"n":2}"#),
        ])
        .bearer_auth(app.key("acme"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    let r = Reply::from(r).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["conversations"]["nodes"].as_array().map(Vec::len), Some(2));
    // Named or not, alone or picked by operationName, a mutation never runs over GET.
    let contact =
        app.query("{ contacts(first: 1) { nodes { id } } }", json!({})).await["contacts"]["nodes"][0]["id"].clone();
    let start = format!("startConversation(input: {{contactId: {contact}, channel: WEB}}) {{ conversation {{ id }} }}");
    let before = app.query("{ conversations { totalCount } }", json!({})).await;
    for (query, op) in [
        (format!("mutation {{ {start} }}"), None),
        (format!("mutation Start {{ {start} }}"), None),
        (format!("query Q {{ __typename }} mutation Start {{ {start} }}"), Some("Start")),
    ] {
        let mut params = vec![("query", query.clone())];
        if let Some(op) = op {
            params.push(("operationName", op.to_owned()));
        }
        let r = app
            .client()
            .get(format!("{}/graphql", app.url))
            .query(&params)
            .bearer_auth(app.key("acme"))
            .header("accept", "application/json")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 405, "{query}");
        assert_eq!(r.headers()["allow"], "POST");
    }
    assert_eq!(app.query("{ conversations { totalCount } }", json!({})).await, before, "nothing was written");
}

#[tokio::test]
async fn graphiql_is_served_offline_to_browsers() {
    let app = TestApp::spawn().await;
    for path in ["/graphql", "/graphiql"] {
        let r = app
            .client()
            .get(format!("{}{path}", app.url))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers()["content-type"].to_str().expect("ct").starts_with("text/html"));
        let html = r.text().await.expect("html");
        assert!(html.contains("/graphiql/assets/graphiql.min.js"), "{path}");
        assert!(!html.contains("unpkg.com") && !html.contains("cdn."), "GraphiQL must not load from a CDN");
    }
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "plugin-explorer.umd.js",
        "plugin-explorer.css",
    ] {
        let r = app.client().get(format!("{}/graphiql/assets/{asset}", app.url)).send().await.expect("asset");
        assert_eq!(r.status().as_u16(), 200, "{asset}");
        assert!(r.bytes().await.expect("bytes").len() > 1000);
    }
    let r = app.client().get(format!("{}/graphiql/assets/nope.js", app.url)).send().await.expect("asset");
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn health_readiness_and_request_ids() {
    let app = TestApp::spawn().await;
    let r = app.client().get(format!("{}/healthz", app.url)).send().await.expect("healthz");
    assert_eq!(r.status().as_u16(), 200);
    let r = app.client().get(format!("{}/readyz", app.url)).send().await.expect("readyz");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["database"], "ok");
    let reply = app.post(Some("acme"), "{ __typename }", json!({})).await;
    let id = reply.headers.get("x-request-id").expect("x-request-id").to_str().expect("id");
    assert_eq!(id.len(), 36);
    // A request id sent by the client is kept.
    let r = app
        .client()
        .post(format!("{}/graphql", app.url))
        .header("x-request-id", "trace-me-123")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn failed_nullable_fields_are_null_with_a_path() {
    let app = TestApp::spawn().await;
    // `conversation` is nullable; a malformed id fails it alone, and `data` keeps its key.
    let reply = app.post(Some("acme"), r#"{ workspace { slug } conversation(id: "bad") { id } }"#, json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["data"]["workspace"]["slug"], "acme");
    assert!(reply.body["data"].as_object().expect("data").contains_key("conversation"));
    assert_eq!(reply.body["data"]["conversation"], Value::Null);
    assert_eq!(reply.body["errors"][0]["path"], json!(["conversation"]));
    let reply = app.post(Some("acme"), r#"{ conversation(id: "bad") { id } }"#, json!({})).await;
    assert_eq!(reply.body["data"], json!({ "conversation": null }));
}

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery`'s `TypeRef` nests `ofType` 9 deep).
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }"#;

#[tokio::test]
async fn graphiql_introspection_passes_the_depth_limit_that_data_queries_do_not() {
    let app = TestApp::spawn().await;
    let reply = app.post(None, INTROSPECTION, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let types = reply.body["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Conversation"));
    // Introspection is not a way around limits: 25 levels of `ofType` are still refused.
    let mut deep = "name".to_owned();
    for _ in 0..25 {
        deep = format!("ofType {{ {deep} }}");
    }
    let reply = app.post(None, &format!("{{ __type(name: \"Query\") {{ {deep} }} }}"), json!({})).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // Mixed with a data field, the ordinary limit applies.
    let reply = app
        .post(
            Some("acme"),
            &format!(
                "{{ workspace {{ name }} __schema {{ types {{ fields {{ type {{ {} }} }} }} }} }}",
                "ofType { ".repeat(9) + "name" + &" }".repeat(9)
            ),
            json!({}),
        )
        .await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn a_client_request_id_is_kept_only_if_short_and_plain() {
    let app = TestApp::spawn().await;
    let send = |id: String| {
        app.client()
            .post(format!("{}/graphql", app.url))
            .header("content-type", "application/json")
            .header("x-request-id", id)
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
    };
    let echoed = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    let r = send("req-0195f3c2.7a1e:9f5e".into()).await.expect("request");
    assert_eq!(echoed(&r), "req-0195f3c2.7a1e:9f5e");
    for bad in ["x".repeat(8000), "a\" level=ERROR msg=\"forged".into(), "two words".into()] {
        let r = send(bad.clone()).await.expect("request");
        let id = echoed(&r);
        assert_ne!(id, bad);
        assert!(id.len() <= 64 && uuid::Uuid::parse_str(&id).is_ok(), "a fresh id replaces {bad:.20}: {id}");
    }
}
