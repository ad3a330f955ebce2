//! DataLoaders keep the SQL statement count of a nested query independent of how many rows it returns.

use crate::harness::TestApp;
use serde_json::json;

const DASHBOARD: &str = r#"query($n: Int!) {
  conversations(first: 50, filter: {status: {in: [OPEN, PENDING, RESOLVED, SNOOZED]}}) {
    totalCount
    nodes {
      id number status
      contact { id name email }
      bot { id name }
      labels { id name color }
      messages(first: $n) {
        nodes { id seq content sender { __typename ... on Contact { contactName: name } ... on Agent { agentName: name } ... on Bot { botName: name } } }
      }
    }
  }
}"#;

#[tokio::test]
async fn nested_dashboard_query_costs_the_same_statements_at_10_and_100() {
    let app = TestApp::spawn().await;
    // The first request of a workspace looks its slug up once (then cached per instance): keep it out of the count.
    app.query("{ __typename }", json!({})).await;
    let mut counts = vec![];
    for n in [10, 100] {
        let reply = app.post(Some("acme"), DASHBOARD, json!({ "n": n })).await;
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
        let convs = reply.body["data"]["conversations"]["nodes"].as_array().expect("nodes").clone();
        assert_eq!(convs.len(), 50);
        let messages: usize = convs.iter().map(|c| c["messages"]["nodes"].as_array().map_or(0, Vec::len)).sum();
        assert!(convs.iter().all(|c| c["messages"]["nodes"].as_array().map_or(0, Vec::len) <= n));
        counts.push((n, reply.sql_statements(), messages));
    }
    println!("nested dashboard query (50 conversations): {counts:?} as (page size, SQL statements, messages)");
    assert!(counts[1].2 > counts[0].2, "page size 100 returned no more messages than 10: {counts:?}");
    assert_eq!(counts[0].1, counts[1].1, "statement count grew with the page size: {counts:?}");
    // conversations, totalCount, their contacts, bots and labels, messages (one windowed query), then the
    // messages' senders: contacts, bots, agents (one statement per kind, whatever the page size).
    assert!(counts[0].1 <= 9, "too many statements: {counts:?}");
}
