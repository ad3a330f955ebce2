//! Every filter, checked against the rows it returns, and `and`/`or`/`not`.

use crate::harness::TestApp;
use serde_json::{Value, json};

async fn total(app: &TestApp, list: &str, filter: Value) -> u64 {
    let q = format!("query($f: {}Filter) {{ {list}(filter: $f) {{ totalCount }} }}", filter_type(list));
    app.query(&q, json!({ "f": filter })).await[list]["totalCount"].as_u64().expect("totalCount")
}

fn filter_type(list: &str) -> &'static str {
    match list {
        "conversations" => "Conversation",
        "contacts" => "Contact",
        "messages" => "Message",
        "tickets" => "Ticket",
        "bots" => "Bot",
        _ => "Label",
    }
}

#[tokio::test]
async fn enum_filters_partition_the_list() {
    let app = TestApp::spawn().await;
    let all = total(&app, "conversations", json!({})).await;
    let mut sum = 0;
    for s in ["OPEN", "PENDING", "SNOOZED", "RESOLVED"] {
        let n = total(&app, "conversations", json!({ "status": { "eq": s } })).await;
        assert!(n > 0, "no {s} conversations in the demo data");
        sum += n;
        let data = app
            .query("query($s: ConversationStatus!) { conversations(first: 50, filter: {status: {eq: $s}}) { nodes { status } } }", json!({ "s": s }))
            .await;
        assert!(data["conversations"]["nodes"].as_array().expect("nodes").iter().all(|c| c["status"] == s));
    }
    assert_eq!(sum, all);
    let web_or_sms = total(&app, "conversations", json!({ "channel": { "in": ["WEB", "SMS"] } })).await;
    let web = total(&app, "conversations", json!({ "channel": { "eq": "WEB" } })).await;
    let sms = total(&app, "conversations", json!({ "channel": { "eq": "SMS" } })).await;
    assert_eq!(web_or_sms, web + sms);
    let not_web = total(&app, "conversations", json!({ "channel": { "notIn": ["WEB"] } })).await;
    assert_eq!(not_web + web, all);
    let urgent = total(&app, "tickets", json!({ "priority": { "eq": "URGENT" } })).await;
    let not_urgent = total(&app, "tickets", json!({ "not": { "priority": { "eq": "URGENT" } } })).await;
    assert_eq!(urgent + not_urgent, total(&app, "tickets", json!({})).await);
}

#[tokio::test]
async fn id_filters_follow_relations() {
    let app = TestApp::spawn().await;
    let data = app
        .query("{ bots { nodes { id conversations { totalCount } } } agents(first: 1) { nodes { id } } }", json!({}))
        .await;
    for bot in data["bots"]["nodes"].as_array().expect("bots") {
        let n = total(&app, "conversations", json!({ "botId": { "eq": bot["id"] } })).await;
        assert_eq!(Some(n), bot["conversations"]["totalCount"].as_u64());
    }
    let unassigned = total(&app, "conversations", json!({ "assigneeId": { "isNull": true } })).await;
    let assigned = total(&app, "conversations", json!({ "assigneeId": { "isNull": false } })).await;
    assert_eq!(unassigned + assigned, total(&app, "conversations", json!({})).await);
    let agent = data["agents"]["nodes"][0]["id"].clone();
    let q =
        "query($a: ID!) { conversations(first: 100, filter: {assigneeId: {eq: $a}}) { nodes { assignee { id } } } }";
    let got = app.query(q, json!({ "a": agent })).await;
    assert!(got["conversations"]["nodes"].as_array().expect("nodes").iter().all(|c| c["assignee"]["id"] == agent));
}

#[tokio::test]
async fn label_filter_matches_labels() {
    let app = TestApp::spawn().await;
    let labels = app.query("{ labels { nodes { id name } } }", json!({})).await;
    let label = labels["labels"]["nodes"][0].clone();
    let q = "query($l: ID!) { conversations(first: 100, filter: {labelId: {eq: $l}}) { totalCount nodes { labels { id } } } }";
    let data = app.query(q, json!({ "l": label["id"] })).await;
    assert!(data["conversations"]["totalCount"].as_u64().expect("count") > 0);
    for c in data["conversations"]["nodes"].as_array().expect("nodes") {
        assert!(c["labels"].as_array().expect("labels").iter().any(|l| l["id"] == label["id"]));
    }
    let with = total(&app, "conversations", json!({ "labelId": { "isNull": false } })).await;
    let without = total(&app, "conversations", json!({ "labelId": { "isNull": true } })).await;
    assert_eq!(with + without, total(&app, "conversations", json!({})).await);
}

#[tokio::test]
async fn time_ranges_and_numbers() {
    let app = TestApp::spawn().await;
    let data = app
        .query(
            "{ conversations(first: 1, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { createdAt } } }",
            json!({}),
        )
        .await;
    let oldest = data["conversations"]["nodes"][0]["createdAt"].clone();
    let from_oldest = total(&app, "conversations", json!({ "createdAt": { "gte": oldest } })).await;
    assert_eq!(from_oldest, total(&app, "conversations", json!({})).await);
    assert_eq!(total(&app, "conversations", json!({ "createdAt": { "lt": oldest } })).await, 0);
    assert_eq!(total(&app, "conversations", json!({ "number": { "gte": 1, "lte": 10 } })).await, 10);
    let q = "{ conversations(first: 100, filter: {createdAt: {gte: \"2026-10-01T00:00:00Z\", lt: \"2026-10-15T00:00:00Z\"}}) { nodes { createdAt } } }";
    for c in app.query(q, json!({})).await["conversations"]["nodes"].as_array().expect("nodes") {
        let t = c["createdAt"].as_str().expect("createdAt");
        assert!(("2026-10-01".."2026-10-15").contains(&t), "{t}");
    }
}

#[tokio::test]
async fn text_search_on_names_emails_and_content() {
    let app = TestApp::spawn().await;
    let contacts =
        app.query("{ contacts(first: 1, filter: {email: {isNull: false}}) { nodes { email name } } }", json!({})).await;
    let email = contacts["contacts"]["nodes"][0]["email"].as_str().expect("email").to_owned();
    let prefix = &email[..4];
    let q =
        "query($p: String!) { contacts(first: 100, filter: {email: {startsWith: $p}}) { totalCount nodes { email } } }";
    let data = app.query(q, json!({ "p": prefix.to_uppercase() })).await;
    assert!(data["contacts"]["totalCount"].as_u64().expect("count") >= 1);
    for c in data["contacts"]["nodes"].as_array().expect("nodes") {
        assert!(c["email"].as_str().expect("email").to_lowercase().starts_with(prefix));
    }
    let domain = email.split('@').nth(1).expect("domain").to_owned();
    let q = "query($s: String!) { contacts(first: 100, filter: {search: $s}) { totalCount nodes { email name } } }";
    let data = app.query(q, json!({ "s": domain })).await;
    assert!(data["contacts"]["totalCount"].as_u64().expect("count") >= 1);

    // Two characters take the non-trigram path on SQLite.
    for word in ["refund", "REFUND", "pass", "Re"] {
        let q = "query($w: String!) { messages(first: 50, filter: {content: {contains: $w}}) { totalCount nodes { content } } }";
        let data = app.query(q, json!({ "w": word })).await;
        let found = data["messages"]["nodes"].as_array().expect("nodes");
        assert!(!found.is_empty(), "no message contains {word}");
        for m in found {
            assert!(m["content"].as_str().expect("content").to_lowercase().contains(&word.to_lowercase()));
        }
    }
    // LIKE wildcards are matched literally.
    assert_eq!(total(&app, "messages", json!({ "content": { "contains": "%_%" } })).await, 0);
}

#[tokio::test]
async fn and_or_not_combine() {
    let app = TestApp::spawn().await;
    let open = total(&app, "conversations", json!({ "status": { "eq": "OPEN" } })).await;
    let pending = total(&app, "conversations", json!({ "status": { "eq": "PENDING" } })).await;
    let either = total(
        &app,
        "conversations",
        json!({ "or": [ { "status": { "eq": "OPEN" } }, { "status": { "eq": "PENDING" } } ] }),
    )
    .await;
    assert_eq!(either, open + pending);
    let both = total(
        &app,
        "conversations",
        json!({ "and": [ { "status": { "eq": "OPEN" } }, { "status": { "eq": "PENDING" } } ] }),
    )
    .await;
    assert_eq!(both, 0);
    let all = total(&app, "conversations", json!({})).await;
    let not_open = total(&app, "conversations", json!({ "not": { "status": { "eq": "OPEN" } } })).await;
    assert_eq!(not_open, all - open);
    let web_open =
        total(&app, "conversations", json!({ "status": { "eq": "OPEN" }, "channel": { "eq": "WEB" } })).await;
    let nested = total(
        &app,
        "conversations",
        json!({ "and": [ { "or": [ { "status": { "eq": "OPEN" } } ] }, { "channel": { "eq": "WEB" } } ] }),
    )
    .await;
    assert_eq!(web_open, nested);
}
