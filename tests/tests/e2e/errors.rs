//! Bad input gets a clear error with a stable `extensions.code`: never INTERNAL, never a panic.

use crate::harness::TestApp;
use serde_json::json;

#[tokio::test]
async fn malformed_ids_and_cursors_are_bad_user_input() {
    let app = TestApp::spawn().await;
    for id in ["nope", "", "Q29udmVyc2F0aW9uOm5vdC1hLXV1aWQ", "\u{0}", &"x".repeat(10_000)] {
        let (code, msg) = app.error("query($id: ID!) { conversation(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{id:?}: {msg}");
        let (code, _) = app.error("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    // An id of another kind.
    let bots = app.query("{ bots(first: 1) { nodes { id } } }", json!({})).await;
    let (code, msg) = app
        .error("query($id: ID!) { conversation(id: $id) { id } }", json!({ "id": bots["bots"]["nodes"][0]["id"] }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains("Conversation"), "{msg}");
    for cursor in ["garbage", "eyJrIjoiY3JlYXRlZEF0In0", &"A".repeat(5000)] {
        let (code, _) =
            app.error("query($c: String) { conversations(after: $c) { nodes { id } } }", json!({ "c": cursor })).await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    // A cursor of another ordering.
    let page =
        app.query("{ conversations(first: 1, orderBy: {field: NUMBER}) { pageInfo { endCursor } } }", json!({})).await;
    let (code, msg) = app
        .error(
            "query($c: String) { conversations(after: $c) { nodes { id } } }",
            json!({ "c": page["conversations"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains("ordering"), "{msg}");
}

#[tokio::test]
async fn nul_bytes_oversize_and_wrong_types_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let q = "query($s: String!) { contacts(filter: {search: $s}) { totalCount } }";
    for s in ["a\u{0}b", &"long".repeat(1000)] {
        let (code, _) = app.error(q, json!({ "s": s })).await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    let (code, _) = app
        .error("query($s: String!) { messages(filter: {content: {eq: $s}}) { totalCount } }", json!({ "s": "\u{0}" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app.error("{ conversations(first: \"ten\") { totalCount } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) =
        app.error("query($n: Int) { conversations(first: $n) { totalCount } }", json!({ "n": "ten" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app.error("{ conversations(filter: {status: {eq: CLOSED}}) { totalCount } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let ids: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
    let (code, _) = app.error("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn filters_are_bounded() {
    let app = TestApp::spawn().await;
    let mut f = json!({ "status": { "eq": "OPEN" } });
    for _ in 0..6 {
        f = json!({ "and": [f] });
    }
    let q = "query($f: ConversationFilter) { conversations(filter: $f) { totalCount } }";
    let (code, msg) = app.error(q, json!({ "f": f })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains("nest"), "{msg}");
    let many: Vec<_> = (0..60).map(|_| json!({ "status": { "eq": "OPEN" } })).collect();
    let (code, _) = app.error(q, json!({ "f": { "or": many } })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn query_limits_are_query_too_complex() {
    let app = TestApp::spawn().await;
    // Depth: conversation → contact → conversations → … beyond 12 levels.
    let mut deep = "id".to_owned();
    for _ in 0..7 {
        deep = format!("contact {{ conversations(first: 1) {{ nodes {{ {deep} }} }} }}");
    }
    let (code, msg) = app.error(&format!("{{ conversations(first: 1) {{ nodes {{ {deep} }} }} }}"), json!({})).await;
    assert_eq!(code, "QUERY_TOO_COMPLEX", "{msg}");
    // Cost: 100 × 100 × 100 rows.
    let q = "{ contacts(first: 100) { nodes { conversations(first: 100) { nodes { messages(first: 100) { nodes { id } } } } } } }";
    let (code, _) = app.error(q, json!({})).await;
    assert_eq!(code, "QUERY_TOO_COMPLEX");
    // Aliases.
    let aliases: String = (0..150).map(|i| format!("a{i}: __typename ")).collect();
    let (code, msg) = app.error(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(code, "QUERY_TOO_COMPLEX");
    assert!(msg.contains("aliases"), "{msg}");
}

#[tokio::test]
async fn every_error_has_a_code() {
    let app = TestApp::spawn().await;
    for q in
        ["{", "{ nope }", "query { conversations { nodes { nope } } }", "subscription { x }", "{ conversation { id } }"]
    {
        let reply = app.post(Some("acme"), q, json!({})).await;
        let errors = reply.body["errors"].as_array().unwrap_or_else(|| panic!("{q}: {}", reply.body));
        for e in errors {
            assert!(e["extensions"]["code"].is_string(), "{q}: {e}");
        }
        assert_eq!(reply.status, 400, "{q}");
        assert!(reply.body.get("data").is_none(), "{q}: a refused document has no data");
    }
}

/// A cursor made by hand: the server's own encoding (base64url of `{"k": sort, "v": value, "id": uuid}`).
fn forged_cursor(sort: &str, value: serde_json::Value) -> String {
    use base64::Engine;
    let raw = json!({ "k": sort, "v": value, "id": uuid::Uuid::nil() });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.to_string())
}

#[tokio::test]
async fn forged_cursors_with_values_of_the_wrong_type_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let conversations =
        "query($c: String, $o: ConversationOrder) { conversations(after: $c, orderBy: $o) { nodes { id } } }";
    let cases = [
        // A timestamp sort with text, a float, an out-of-range number.
        (conversations, forged_cursor("lastActivityAt", json!("yesterday")), json!(null)),
        (conversations, forged_cursor("lastActivityAt", json!(1.5)), json!(null)),
        (conversations, forged_cursor("lastActivityAt", json!(i64::MAX)), json!(null)),
        // An integer sort with text.
        (conversations, forged_cursor("number", json!("seven")), json!({ "field": "NUMBER" })),
    ];
    for (q, cursor, order) in cases {
        let reply = app.post(Some("acme"), q, json!({ "c": cursor, "o": order })).await;
        let code = reply.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>").to_owned();
        assert_eq!(code, "BAD_USER_INPUT", "{cursor}: {}", reply.body);
    }
    // A label cursor (a text sort) with a number.
    let reply = app
        .post(
            Some("acme"),
            "query($c: String) { labels(after: $c) { nodes { id } } }",
            json!({ "c": forged_cursor("name", json!(42)) }),
        )
        .await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{}", reply.body);
    // A well-formed forged cursor is fine: it is just a position.
    let ok = forged_cursor("lastActivityAt", json!(0));
    let reply = app.post(Some("acme"), conversations, json!({ "c": ok, "o": null })).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
}
