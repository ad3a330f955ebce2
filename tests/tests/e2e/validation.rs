//! The GraphQL spec's validation rules (section 5), each with a document that violates it: refused before
//! execution with `BAD_USER_INPUT`, 400 under graphql-response+json, no `data`. And what execution owes the
//! client: keys in document order, and a failing non-null field nulling its nearest nullable parent.

use crate::harness::TestApp;
use serde_json::{Value, json};

/// (the rule as the spec names it, a document that breaks it)
const VIOLATIONS: &[(&str, &str)] = &[
    ("Operation Name Uniqueness", "query A { workspace { name } } query A { workspace { slug } }"),
    ("Lone Anonymous Operation", "{ workspace { name } } query B { workspace { slug } }"),
    ("Single root field (subscription)", "subscription { typing { conversationId } messageAdded { id } }"),
    ("Field Selections (unknown field)", "{ workspace { nope } }"),
    ("Field Selection Merging (different fields)", "{ workspace { x: name x: slug } }"),
    (
        "Field Selection Merging (same response shape)",
        "{ messages(first: 1) { nodes { sender { ... on Contact { name } ... on Agent { name } } } } }",
    ),
    (
        "Field Selection Merging (different arguments)",
        "{ a: bots(first: 1) { totalCount } a: bots(first: 2) { totalCount } }",
    ),
    ("Leaf Field Selections (scalar with selection)", "{ workspace { name { x } } }"),
    ("Leaf Field Selections (object without selection)", "{ workspace }"),
    ("Argument Names", "{ bots(frist: 1) { totalCount } }"),
    ("Argument Uniqueness", "{ bots(first: 1, first: 2) { totalCount } }"),
    ("Required Arguments", "{ conversation { id } }"),
    (
        "Fragment Name Uniqueness",
        "{ ...F } fragment F on Query { workspace { name } } fragment F on Query { workspace { slug } }",
    ),
    ("Fragment Spread Type Existence", "{ ...F } fragment F on Nope { id }"),
    ("Fragments On Composite Types", "{ ...F } fragment F on String { id }"),
    ("Fragments Must Be Used", "{ workspace { name } } fragment F on Query { workspace { slug } }"),
    ("Fragment spread target defined", "{ ...Missing }"),
    ("Fragment spreads must not form cycles", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
    ("Fragment spread is possible", "{ workspace { ... on Bot { name } } }"),
    ("Values of Correct Type", "{ bots(first: \"ten\") { totalCount } }"),
    ("Values of Correct Type (unknown event type)", "subscription { events(types: [MESSAGE_CREATD]) { cursor } }"),
    ("Input Object Field Names", "{ conversations(filter: {nope: 1}) { totalCount } }"),
    (
        "Input Object Field Uniqueness",
        "{ conversations(filter: {status: {eq: OPEN}, status: {eq: PENDING}}) { totalCount } }",
    ),
    ("Input Object Required Fields", "mutation { sendMessage(input: {content: \"hi\"}) { message { id } } }"),
    ("Directives Are Defined", "{ workspace @nope { name } }"),
    ("Directives Are In Valid Locations", "query @skip(if: true) { workspace { name } }"),
    ("Directives Are Unique Per Location", "{ workspace @skip(if: false) @skip(if: false) { name } }"),
    ("Variable Uniqueness", "query($a: Int, $a: Int) { bots(first: $a) { totalCount } }"),
    ("Variables Are Input Types", "query($a: Bot) { workspace { name } }"),
    ("All Variable Uses Defined", "{ bots(first: $n) { totalCount } }"),
    ("All Variables Used", "query($n: Int) { workspace { name } }"),
    ("All Variable Usages Are Allowed", "query($n: String) { conversations(first: $n) { totalCount } }"),
    ("All Variable Usages Are Allowed (nullability)", "query($id: ID) { conversation(id: $id) { id } }"),
];

#[tokio::test]
async fn every_spec_validation_rule_refuses_its_violation() {
    let app = TestApp::spawn().await;
    let mut failures = Vec::new();
    for (rule, doc) in VIOLATIONS {
        let reply = app.post(Some("acme"), doc, json!({})).await;
        let code = reply.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>").to_owned();
        if reply.status != 400 || code != "BAD_USER_INPUT" || reply.body.get("data").is_some() {
            failures.push(format!("{rule}: {} {}", reply.status, reply.body));
        }
    }
    assert!(failures.is_empty(), "documents that should be refused:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn valid_documents_still_run() {
    let app = TestApp::spawn().await;
    // README's example, with the conflicting `name` fields aliased apart.
    let data = app
        .query(
            "{ messages(first: 2) { nodes { sender { __typename ... on Contact { contactName: name } \
             ... on Agent { agentName: name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["messages"]["nodes"].as_array().map(Vec::len), Some(2));
    // A nullable variable with a default may be used where a non-null value is expected.
    let data = app.query("query($n: Int! = 2) { bots(first: $n) { nodes { name } } }", json!({})).await;
    assert!(data["bots"]["nodes"].is_array());
}

/// Keys of a JSON object, in the order the server wrote them.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

#[tokio::test]
async fn response_keys_follow_the_document_order() {
    let app = TestApp::spawn().await;
    let doc = "query { a: workspace { slug name } conversations(first: 3) { totalCount nodes { ...C number } } \
               b: bots(first: 1) @include(if: true) { nodes { name } } skipped: workspace @skip(if: true) { name } \
               __typename }
               fragment C on Conversation { status ... on Conversation { subject id } contact { email name } }";
    for _ in 0..20 {
        let reply = app.post(Some("acme"), doc, json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let data = &reply.body["data"];
        assert_eq!(keys(data), ["a", "conversations", "b", "__typename"]);
        assert_eq!(keys(&data["a"]), ["slug", "name"]);
        assert_eq!(keys(&data["conversations"]), ["totalCount", "nodes"]);
        for node in data["conversations"]["nodes"].as_array().expect("nodes") {
            assert_eq!(keys(node), ["status", "subject", "id", "contact", "number"]);
            assert_eq!(keys(&node["contact"]), ["email", "name"]);
        }
    }
}

#[tokio::test]
async fn a_failing_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = TestApp::spawn().await;
    let list = app.query("{ conversations(first: 1) { nodes { id } } }", json!({})).await;
    let id = list["conversations"]["nodes"][0]["id"].clone();
    // `messages` is a non-null connection; 500 is over the page limit, so it fails and nulls `conversation`.
    let reply = app
        .post(
            Some("acme"),
            "query($id: ID!) { workspace { name } conversation(id: $id) { number messages(first: 500) { totalCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(keys(&reply.body["data"]), ["workspace", "conversation"], "{}", reply.body);
    assert!(reply.body["data"]["conversation"].is_null(), "{}", reply.body);
    assert!(reply.body["data"]["workspace"]["name"].is_string());
    let err = &reply.body["errors"][0];
    assert_eq!(err["path"], json!(["conversation", "messages"]), "{}", reply.body);
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn introspection_with_every_option_of_graphql_js_passes_validation() {
    let app = TestApp::spawn().await;
    // What graphql-js 16's getIntrospectionQuery asks for with every option on (GraphiQL, codegen, gql).
    let doc = "{ __schema { description types { name kind isOneOf specifiedByURL \
               fields(includeDeprecated: true) { name args(includeDeprecated: true) { name isDeprecated deprecationReason } } \
               inputFields(includeDeprecated: true) { name isDeprecated } } directives { name isRepeatable locations } } }";
    let data = app.query(doc, json!({})).await;
    assert!(data["__schema"]["types"].as_array().is_some_and(|t| t.len() > 50));
}
