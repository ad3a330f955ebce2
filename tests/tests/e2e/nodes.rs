//! Global ids, `node`/`nodes`, relations both ways, and tenant isolation.

use crate::harness::TestApp;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

/// Inserts `n` conversations newer than all others into `acme`, straight into the database (writes through the
/// API come with the mutations issue), copying conversation #1's contact and bot.
pub async fn insert_conversations(app: &TestApp, n: usize) {
    let db = Database::connect(app.database_url.as_str()).await.expect("connect");
    let backend = db.get_database_backend();
    for i in 0..n {
        let now = chrono::Utc::now();
        let now = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(now.timestamp_micros()).expect("time");
        let sql = "INSERT INTO conversation (id, workspace_id, number, bot_id, contact_id, channel, status, priority, \
            assignee_agent_id, handled_by, subject, attributes, last_activity_at, message_count, created_at, updated_at) \
            SELECT $1, workspace_id, 100000 + $2, bot_id, contact_id, channel, status, priority, assignee_agent_id, \
            handled_by, subject, attributes, $3, 0, $3, $3 FROM conversation \
            WHERE number = 1 AND workspace_id = (SELECT id FROM workspace WHERE slug = 'acme')";
        let sql = if backend == DbBackend::Sqlite {
            sql.replace("$1", "?").replace("$2", "?").replace("$3", "?")
        } else {
            sql.to_owned()
        };
        let values: Vec<sea_orm::Value> = vec![uuid::Uuid::now_v7().into(), (i as i64).into(), now.into()];
        let values = if backend == DbBackend::Sqlite {
            // `?` placeholders bind in order: $3 appears three times.
            vec![values[0].clone(), values[1].clone(), values[2].clone(), values[2].clone(), values[2].clone()]
        } else {
            values
        };
        let res = db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.expect("insert");
        assert_eq!(res.rows_affected(), 1);
    }
    let _ = db.close().await;
}

#[tokio::test]
async fn every_kind_resolves_through_node() {
    let app = TestApp::spawn().await;
    let data = app
        .query(
            r#"{ workspace { id } agents(first: 1) { nodes { id } } bots(first: 1) { nodes { id } }
                contacts(first: 1) { nodes { id } } conversations(first: 1) { nodes { id messages(first: 1) { nodes { id } } } }
                tickets(first: 1) { nodes { id } } labels(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let c = &data["conversations"]["nodes"][0];
    let expected = [
        ("Workspace", data["workspace"]["id"].clone()),
        ("Agent", data["agents"]["nodes"][0]["id"].clone()),
        ("Bot", data["bots"]["nodes"][0]["id"].clone()),
        ("Contact", data["contacts"]["nodes"][0]["id"].clone()),
        ("Conversation", c["id"].clone()),
        ("Message", c["messages"]["nodes"][0]["id"].clone()),
        ("Ticket", data["tickets"]["nodes"][0]["id"].clone()),
        ("Label", data["labels"]["nodes"][0]["id"].clone()),
    ];
    let ids: Vec<Value> = expected.iter().map(|(_, id)| id.clone()).collect();
    let got = app.query("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", json!({ "ids": ids })).await;
    for (i, (kind, id)) in expected.iter().enumerate() {
        assert_eq!(got["nodes"][i]["__typename"], *kind);
        assert_eq!(got["nodes"][i]["id"], *id);
        let one = app.query("query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(one["node"]["__typename"], *kind);
    }
}

#[tokio::test]
async fn relations_agree_both_ways() {
    let app = TestApp::spawn().await;
    let data = app
        .query(
            r#"{ conversations(first: 30, filter: {handledBy: {eq: HUMAN}, assigneeId: {isNull: false}}) { nodes { id
                  bot { id conversations(first: 100) { nodes { id } } }
                  contact { id conversations(first: 100) { nodes { id contact { id } } } }
                  assignee { id name }
                  messages(first: 5) { nodes { conversation { id } sender { __typename ... on Contact { id } ... on Agent { id } ... on Bot { id } } senderKind } }
                  tickets { nodes { conversation { id } contact { id } } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["conversations"]["nodes"].as_array().expect("nodes");
    assert!(!nodes.is_empty());
    for c in nodes {
        assert!(c["assignee"]["id"].is_string());
        let listed = c["contact"]["conversations"]["nodes"].as_array().expect("contact conversations");
        assert!(listed.iter().all(|x| x["contact"]["id"] == c["contact"]["id"]));
        for m in c["messages"]["nodes"].as_array().expect("messages") {
            assert_eq!(m["conversation"]["id"], c["id"]);
            let typename = m["sender"]["__typename"].as_str().unwrap_or("none");
            let kind = m["senderKind"].as_str().expect("senderKind");
            match kind {
                "CONTACT" => assert_eq!(typename, "Contact"),
                "AGENT" => assert_eq!(typename, "Agent"),
                "BOT" => assert_eq!(typename, "Bot"),
                _ => assert_eq!(typename, "none"),
            }
        }
        for t in c["tickets"]["nodes"].as_array().expect("tickets") {
            assert_eq!(t["conversation"]["id"], c["id"]);
            assert_eq!(t["contact"]["id"], c["contact"]["id"]);
        }
    }
}

#[tokio::test]
async fn other_workspaces_objects_are_invisible() {
    let app = TestApp::spawn().await;
    let q = "{ workspace { slug } conversations(first: 3) { totalCount nodes { id } } }";
    let acme = app.post(Some("acme"), q, json!({})).await.body;
    let globex = app.post(Some("globex"), q, json!({})).await.body;
    assert_eq!(globex["data"]["workspace"]["slug"], "globex");
    assert_ne!(acme["data"]["conversations"]["totalCount"], globex["data"]["conversations"]["totalCount"]);
    let foreign = globex["data"]["conversations"]["nodes"][0]["id"].clone();
    // Seen from acme, globex's conversation does not exist: null, not FORBIDDEN.
    let seen = app
        .query(
            "query($id: ID!) { node(id: $id) { id } conversation(id: $id) { id } nodes(ids: [$id]) { id } }",
            json!({ "id": foreign }),
        )
        .await;
    assert_eq!(seen["node"], Value::Null);
    assert_eq!(seen["conversation"], Value::Null);
    assert_eq!(seen["nodes"][0], Value::Null);
    // And filters naming it find nothing.
    let filtered = app
        .query("query($id: ID!) { conversations(filter: {id: {eq: $id}}) { totalCount } }", json!({ "id": foreign }))
        .await;
    assert_eq!(filtered["conversations"]["totalCount"], 0);
}

#[tokio::test]
async fn requests_without_a_credential_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let reply = app.post(None, "{ conversations { totalCount } }", json!({})).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(reply.status, 401);
    let reply = app.post(Some("no-such-workspace"), "{ conversations { totalCount } }", json!({})).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Introspection needs no credential in development.
    let reply = app.post(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(reply.body["data"]["__schema"]["queryType"]["name"], "Query");
}
