//! Relay connections: page sizes, forward and backward cursors, totalCount, stability under inserts.

use crate::harness::TestApp;
use serde_json::{Value, json};
use std::collections::HashSet;

const CONVERSATIONS: &str = r#"query($first: Int, $after: String, $last: Int, $before: String) {
  conversations(first: $first, after: $after, last: $last, before: $before, orderBy: {field: CREATED_AT, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number createdAt } }
    nodes { id }
  }
}"#;

fn ids(conn: &Value) -> Vec<String> {
    conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn default_page_is_20_and_nodes_match_edges() {
    let app = TestApp::spawn().await;
    let data = app.query(CONVERSATIONS, json!({})).await;
    let conn = &data["conversations"];
    assert_eq!(ids(conn).len(), 20);
    let nodes: Vec<String> =
        conn["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(nodes, ids(conn));
    assert!(conn["totalCount"].as_u64().expect("totalCount") > 100);
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    assert_eq!(conn["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(conn["pageInfo"]["startCursor"], conn["edges"][0]["cursor"]);
}

#[tokio::test]
async fn forward_pages_cover_the_list_once_in_order() {
    let app = TestApp::spawn().await;
    let q = r#"query($after: String) { bots(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"#;
    let mut seen = vec![];
    let mut after = Value::Null;
    loop {
        let data = app.query(q, json!({ "after": after })).await;
        let conn = &data["bots"];
        seen.extend(conn["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].clone()));
        if conn["pageInfo"]["hasNextPage"] == false {
            assert_eq!(seen.len() as u64, conn["totalCount"].as_u64().expect("count"));
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(seen.len() < 100, "paging does not end");
    }
    let unique: HashSet<String> = seen.iter().map(Value::to_string).collect();
    assert_eq!(unique.len(), seen.len());

    // Walking 1,000 conversations 100 at a time gives every one exactly once, newest first.
    let mut all = vec![];
    let mut after = Value::Null;
    let total = loop {
        let data = app.query(CONVERSATIONS, json!({ "first": 100, "after": after })).await;
        let conn = &data["conversations"];
        for e in conn["edges"].as_array().expect("edges") {
            all.push((
                e["node"]["createdAt"].as_str().expect("createdAt").to_owned(),
                e["node"]["id"].as_str().expect("id").to_owned(),
            ));
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break conn["totalCount"].as_u64().expect("count");
        }
        after = conn["pageInfo"]["endCursor"].clone();
    };
    assert_eq!(all.len() as u64, total);
    assert_eq!(all.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(), all.len());
    assert!(all.windows(2).all(|w| w[0].0 >= w[1].0), "not newest first");
}

#[tokio::test]
async fn backward_pages_mirror_forward_pages() {
    let app = TestApp::spawn().await;
    let first = app.query(CONVERSATIONS, json!({ "first": 30 })).await;
    let forward = ids(&first["conversations"]);
    let end = first["conversations"]["edges"][29]["cursor"].clone();
    // The 10 items before the 30th are items 20..29 of the forward page.
    let data = app.query(CONVERSATIONS, json!({ "last": 10, "before": end })).await;
    let conn = &data["conversations"];
    assert_eq!(ids(conn), forward[19..29].to_vec());
    assert_eq!(conn["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    // `last` alone: the oldest conversations, still in list order.
    let tail = app.query(CONVERSATIONS, json!({ "last": 5 })).await;
    assert_eq!(ids(&tail["conversations"]).len(), 5);
    assert_eq!(tail["conversations"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn cursors_are_stable_under_inserts() {
    let app = TestApp::spawn().await;
    let page1 = app.query(CONVERSATIONS, json!({ "first": 10 })).await;
    let cursor = page1["conversations"]["pageInfo"]["endCursor"].clone();
    let before_insert = app.query(CONVERSATIONS, json!({ "first": 10, "after": cursor })).await;

    // Five new conversations, newer than everything: an offset-based page 2 would shift by five.
    crate::nodes::insert_conversations(&app, 5).await;

    let after_insert = app.query(CONVERSATIONS, json!({ "first": 10, "after": cursor })).await;
    assert_eq!(ids(&before_insert["conversations"]), ids(&after_insert["conversations"]));
    let total_before = page1["conversations"]["totalCount"].as_u64().expect("count");
    assert_eq!(after_insert["conversations"]["totalCount"].as_u64(), Some(total_before + 5));
}

#[tokio::test]
async fn nested_messages_page_per_conversation() {
    let app = TestApp::spawn().await;
    let q = r#"{ conversations(first: 5, filter: {number: {lte: 200}}, orderBy: {field: NUMBER, direction: ASC}) { nodes { number messageCount
        first: messages(first: 3) { totalCount nodes { seq } pageInfo { hasNextPage } }
        latest: messages(last: 2) { nodes { seq } pageInfo { hasPreviousPage } } } } }"#;
    let data = app.query(q, json!({})).await;
    for c in data["conversations"]["nodes"].as_array().expect("nodes") {
        let count = c["messageCount"].as_i64().expect("messageCount");
        assert_eq!(c["first"]["totalCount"].as_i64(), Some(count));
        let seqs: Vec<i64> =
            c["first"]["nodes"].as_array().expect("nodes").iter().map(|m| m["seq"].as_i64().expect("seq")).collect();
        let expected: Vec<i64> = (1..=count.min(3)).collect();
        assert_eq!(seqs, expected);
        assert_eq!(c["first"]["pageInfo"]["hasNextPage"], count > 3);
        let latest: Vec<i64> =
            c["latest"]["nodes"].as_array().expect("nodes").iter().map(|m| m["seq"].as_i64().expect("seq")).collect();
        let expected: Vec<i64> = ((count - 1).max(1)..=count).collect();
        assert_eq!(latest, expected);
    }
}

#[tokio::test]
async fn page_size_limits_are_errors_not_silent_cuts() {
    let app = TestApp::spawn().await;
    let (code, msg) = app.error("{ conversations(first: 101) { nodes { id } } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains("100"), "{msg}");
    let (code, _) = app.error("{ conversations(first: -1) { nodes { id } } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app.error("{ conversations(first: 2, last: 2) { nodes { id } } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let data = app.query("{ conversations(first: 100) { nodes { id } } }", json!({})).await;
    assert_eq!(data["conversations"]["nodes"].as_array().map(Vec::len), Some(100));
}
