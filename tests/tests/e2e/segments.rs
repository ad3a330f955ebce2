//! Segments: `attributes` filters on contacts and conversations (each operator, typed comparisons, `and`/`or`/`not`,
//! the analytics filter, refused input, tenant isolation) and contacts ordered by name across pages.

use crate::harness::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Marks this test's rows, so the demo data's attributes never match.
const SUITE: &str = "segments-e2e";

const CREATE_CONTACT: &str = "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }";

async fn contact(app: &TestApp, ws: &str, name: &str, mut attributes: Value) -> Value {
    attributes["suite"] = json!(SUITE);
    let r = app.post(Some(ws), CREATE_CONTACT, json!({ "i": { "name": name, "attributes": attributes } })).await;
    r.body["data"]["createContact"]["contact"]["id"].clone()
}

/// Names of the `list` rows of `ws` made by this test that match `attributes` (and `extra`, merged in).
async fn names_in(app: &TestApp, ws: &str, list: &str, attributes: Value, extra: Value) -> BTreeSet<String> {
    let (ty, name) = if list == "contacts" { ("Contact", "name") } else { ("Conversation", "subject") };
    let mut f = json!({ "and": [{ "attributes": [{ "key": "suite", "eq": SUITE }] }] });
    if !attributes.is_null() {
        f["attributes"] = attributes;
    }
    if let Value::Object(m) = extra {
        for (k, v) in m {
            f[k] = v;
        }
    }
    let q = format!("query($f: {ty}Filter) {{ {list}(first: 100, filter: $f) {{ totalCount nodes {{ {name} }} }} }}");
    let r = app.post(Some(ws), &q, json!({ "f": f })).await;
    let nodes = r.body["data"][list]["nodes"].as_array().unwrap_or_else(|| panic!("{f}: {}", r.body));
    assert_eq!(r.body["data"][list]["totalCount"].as_u64(), Some(nodes.len() as u64), "{f}");
    nodes.iter().map(|n| n[name].as_str().unwrap_or_default().to_owned()).collect()
}

async fn names(app: &TestApp, list: &str, attributes: Value) -> BTreeSet<String> {
    names_in(app, "acme", list, attributes, Value::Null).await
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn contact_attribute_filters_compare_by_type() {
    let app = TestApp::spawn().await;
    contact(
        &app,
        "acme",
        "A",
        json!({ "plan": "Pro", "ltv": 150, "signup": "2026-01-10T09:00:00Z",
        "tags": ["VIP", "beta"], "nums": [1, 2], "beta": true, "address": { "city": "Lyon" }, "note": null }),
    )
    .await;
    contact(
        &app,
        "acme",
        "B",
        json!({ "plan": "free", "ltv": 99.5, "signup": "2026-03-01T00:00:00+02:00",
        "tags": ["beta"], "beta": false, "address": { "city": "Berlin" } }),
    )
    .await;
    contact(
        &app,
        "acme",
        "C",
        json!({ "plan": "pro", "ltv": "150", "signup": "not a date", "tags": "vip list",
        "nums": [3] }),
    )
    .await;
    contact(&app, "acme", "D", json!({})).await;
    let c = |list: Value| names(&app, "contacts", list);

    // Text ignores case; numbers compare as numbers and only with numbers.
    assert_eq!(c(json!([{ "key": "plan", "eq": "PRO" }])).await, set(&["A", "C"]));
    assert_eq!(c(json!([{ "key": "ltv", "eq": 150 }])).await, set(&["A"]));
    assert_eq!(c(json!([{ "key": "ltv", "eq": 150.0 }])).await, set(&["A"]));
    assert_eq!(c(json!([{ "key": "ltv", "eq": "150" }])).await, set(&["C"]));
    assert_eq!(c(json!([{ "key": "plan", "in": ["free", "PRO"] }])).await, set(&["A", "B", "C"]));
    assert_eq!(c(json!([{ "key": "ltv", "in": [99.5, 7] }])).await, set(&["B"]));
    assert_eq!(c(json!([{ "key": "ltv", "gt": 100 }])).await, set(&["A"]));
    assert_eq!(c(json!([{ "key": "ltv", "gte": 99.5 }])).await, set(&["A", "B"]));
    assert_eq!(c(json!([{ "key": "ltv", "lt": 100 }])).await, set(&["B"]));
    assert_eq!(c(json!([{ "key": "ltv", "lte": 150 }])).await, set(&["A", "B"]));
    // Timestamps as time, offsets included (B is 2026-02-28T22:00Z); text that is no timestamp never matches.
    assert_eq!(c(json!([{ "key": "signup", "gt": "2026-02-28T21:59:59Z" }])).await, set(&["B"]));
    assert_eq!(c(json!([{ "key": "signup", "gte": "2026-03-01T00:00:00+02:00" }])).await, set(&["B"]));
    assert_eq!(c(json!([{ "key": "signup", "lt": "2026-01-10T10:00:00+01:00" }])).await, set(&[]));
    assert_eq!(c(json!([{ "key": "signup", "lte": "2026-01-10T10:00:00+01:00" }])).await, set(&["A"]));
    // Booleans; nested keys.
    assert_eq!(c(json!([{ "key": "beta", "eq": true }])).await, set(&["A"]));
    assert_eq!(c(json!([{ "key": "beta", "eq": false }])).await, set(&["B"]));
    assert_eq!(c(json!([{ "key": "address.city", "eq": "lyon" }])).await, set(&["A"]));
    // exists: a null value counts as missing.
    assert_eq!(c(json!([{ "key": "ltv", "exists": true }])).await, set(&["A", "B", "C"]));
    assert_eq!(c(json!([{ "key": "ltv", "exists": false }])).await, set(&["D"]));
    assert_eq!(c(json!([{ "key": "note", "exists": true }])).await, set(&[]));
    assert_eq!(c(json!([{ "key": "note", "exists": false }])).await, set(&["A", "B", "C", "D"]));
    // contains: substring of text, element of an array (text ignoring case).
    assert_eq!(c(json!([{ "key": "tags", "contains": "vi" }])).await, set(&["C"]));
    assert_eq!(c(json!([{ "key": "tags", "contains": "vip" }])).await, set(&["A", "C"]));
    assert_eq!(c(json!([{ "key": "tags", "contains": "BETA" }])).await, set(&["A", "B"]));
    assert_eq!(c(json!([{ "key": "nums", "contains": 2 }])).await, set(&["A"]));
    assert_eq!(c(json!([{ "key": "nums", "contains": 3 }])).await, set(&["C"]));
    // Several entries are ANDed; inside or/not (a row without the key is in `not`).
    assert_eq!(c(json!([{ "key": "plan", "eq": "pro" }, { "key": "ltv", "gt": 100 }])).await, set(&["A"]));
    let or = json!({ "or": [{ "attributes": [{ "key": "plan", "eq": "free" }] },
        { "attributes": [{ "key": "ltv", "gt": 100 }] }] });
    assert_eq!(names_in(&app, "acme", "contacts", Value::Null, or).await, set(&["A", "B"]));
    let not = json!({ "not": { "attributes": [{ "key": "plan", "eq": "pro" }] } });
    assert_eq!(names_in(&app, "acme", "contacts", Value::Null, not).await, set(&["B", "D"]));
    let not_gt = json!({ "not": { "attributes": [{ "key": "ltv", "gt": 100 }] } });
    assert_eq!(names_in(&app, "acme", "contacts", Value::Null, not_gt).await, set(&["B", "C", "D"]));
}

#[tokio::test]
async fn attribute_filters_stay_in_the_workspace() {
    let app = TestApp::spawn().await;
    contact(&app, "acme", "ours", json!({ "plan": "pro", "ltv": 10 })).await;
    contact(&app, "globex", "theirs", json!({ "plan": "pro", "ltv": 1000 })).await;
    assert_eq!(names(&app, "contacts", json!([{ "key": "plan", "eq": "pro" }])).await, set(&["ours"]));
    assert_eq!(names(&app, "contacts", json!([{ "key": "ltv", "gt": 100 }])).await, set(&[]));
    let theirs = names_in(&app, "globex", "contacts", json!([{ "key": "ltv", "gt": 100 }]), Value::Null).await;
    assert_eq!(theirs, set(&["theirs"]));
}

#[tokio::test]
async fn conversation_attribute_filters_and_metrics() {
    let app = TestApp::spawn().await;
    let who = contact(&app, "acme", "someone", json!({})).await;
    let start = "mutation($i: StartConversationInput!) { startConversation(input: $i) { conversation { id } } }";
    for (subject, attrs) in [
        (
            "x",
            json!({ "page": "/Pricing", "cart": 120, "promo": true, "seen": "2026-05-01T12:00:00Z", "skus": ["a1", "B2"] }),
        ),
        (
            "y",
            json!({ "page": "/checkout", "cart": 80.25, "promo": false, "seen": "2026-05-02T12:00:00Z", "skus": [7] }),
        ),
        ("z", json!({})),
    ] {
        let mut attrs = attrs;
        attrs["suite"] = json!(SUITE);
        let i = json!({ "contactId": who, "channel": "WEB", "subject": subject, "attributes": attrs });
        app.query(start, json!({ "i": i })).await;
    }
    let c = |list: Value| names(&app, "conversations", list);
    assert_eq!(c(json!([{ "key": "page", "eq": "/PRICING" }])).await, set(&["x"]));
    assert_eq!(c(json!([{ "key": "page", "contains": "CHECK" }])).await, set(&["y"]));
    assert_eq!(c(json!([{ "key": "page", "in": ["/pricing", "/checkout"] }])).await, set(&["x", "y"]));
    assert_eq!(c(json!([{ "key": "cart", "gt": 100 }])).await, set(&["x"]));
    assert_eq!(c(json!([{ "key": "cart", "gte": 80.25 }])).await, set(&["x", "y"]));
    assert_eq!(c(json!([{ "key": "cart", "lt": 100 }])).await, set(&["y"]));
    assert_eq!(c(json!([{ "key": "cart", "lte": 80 }])).await, set(&[]));
    assert_eq!(c(json!([{ "key": "seen", "gte": "2026-05-02T14:00:00+02:00" }])).await, set(&["y"]));
    assert_eq!(c(json!([{ "key": "seen", "lt": "2026-05-02T00:00:00Z" }])).await, set(&["x"]));
    assert_eq!(c(json!([{ "key": "promo", "eq": true }])).await, set(&["x"]));
    assert_eq!(c(json!([{ "key": "skus", "contains": "b2" }])).await, set(&["x"]));
    assert_eq!(c(json!([{ "key": "skus", "contains": 7 }])).await, set(&["y"]));
    assert_eq!(c(json!([{ "key": "cart", "exists": false }])).await, set(&["z"]));
    let not = json!({ "not": { "attributes": [{ "key": "promo", "eq": true }] } });
    assert_eq!(names_in(&app, "acme", "conversations", Value::Null, not).await, set(&["y", "z"]));
    let or = json!({ "or": [{ "attributes": [{ "key": "cart", "lt": 100 }] }, { "attributes": [{ "key": "cart", "exists": false }] }] });
    assert_eq!(names_in(&app, "acme", "conversations", Value::Null, or).await, set(&["y", "z"]));

    // The analytics filter is the conversations' filter: the same segment counts the same conversations.
    let metrics = "query($f: ConversationFilter, $r: MetricsRange!) {
        conversationMetrics(filter: $f, range: $r) { conversationsStarted } }";
    let range = json!({ "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z" });
    for (segment, n) in [
        (json!([{ "key": "suite", "eq": SUITE }]), 3),
        (json!([{ "key": "suite", "eq": SUITE }, { "key": "cart", "gt": 100 }]), 1),
        (json!([{ "key": "suite", "eq": SUITE }, { "key": "page", "contains": "/" }]), 2),
    ] {
        let d = app.query(metrics, json!({ "f": { "attributes": segment }, "r": range })).await;
        assert_eq!(d["conversationMetrics"][0]["conversationsStarted"], n, "{segment}: {d}");
    }
}

#[tokio::test]
async fn bad_attribute_filters_are_refused() {
    let app = TestApp::spawn().await;
    let q = "query($a: [AttributeFilter!]) { contacts(filter: {attributes: $a}) { totalCount } }";
    let long = "k".repeat(65);
    for a in [
        json!({ "key": "bad key", "eq": 1 }),
        json!({ "key": "", "eq": 1 }),
        json!({ "key": long, "eq": 1 }),
        json!({ "key": "a..b", "eq": 1 }),
        json!({ "key": "plan'); DROP TABLE contact; --", "eq": 1 }),
        json!({ "key": "ltv", "gt": "pro" }),
        json!({ "key": "ltv", "lt": true }),
        json!({ "key": "ltv", "gte": [1] }),
        json!({ "key": "ltv", "eq": { "a": 1 } }),
        json!({ "key": "ltv", "contains": [1] }),
        json!({ "key": "ltv", "in": [[1]] }),
        json!({ "key": "ltv" }),
    ] {
        let (code, message) = app.error(q, json!({ "a": [a] })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{a}: {message}");
        assert!(message.starts_with("attributes:"), "{a}: {message}");
    }
    // The refused key did nothing.
    let d = app.query("{ contacts { totalCount } }", json!({})).await;
    assert!(d["contacts"]["totalCount"].as_u64() > Some(0));
}

#[tokio::test]
async fn contacts_order_by_name_across_pages() {
    let app = TestApp::spawn().await;
    // Ties (two "Mia") and a contact without a name, which sorts as an empty name.
    for name in ["Mia", "Ann", "Zoe", "Mia", "Bob"] {
        contact(&app, "acme", name, json!({})).await;
    }
    let r = app
        .post(
            Some("acme"),
            CREATE_CONTACT,
            json!({ "i": { "email": "noname@segments.test", "attributes": { "suite": SUITE } } }),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let q = "query($d: OrderDirection!, $after: String, $before: String, $first: Int, $last: Int) {
        contacts(first: $first, last: $last, after: $after, before: $before,
                 filter: {attributes: [{key: \"suite\", eq: \"segments-e2e\"}]}, orderBy: {field: NAME, direction: $d}) {
          edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage } } }";
    for dir in ["ASC", "DESC"] {
        let mut seen: Vec<(String, String)> = vec![];
        let mut after = Value::Null;
        loop {
            let d = app.query(q, json!({ "d": dir, "first": 2, "after": after })).await;
            let edges = d["contacts"]["edges"].as_array().expect("edges").clone();
            for e in &edges {
                let n = &e["node"];
                seen.push((n["name"].as_str().unwrap_or("").to_owned(), n["id"].as_str().expect("id").to_owned()));
            }
            if d["contacts"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = edges.last().expect("a page")["cursor"].clone();
        }
        let got: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
        let mut want = vec!["", "Ann", "Bob", "Mia", "Mia", "Zoe"];
        if dir == "DESC" {
            want.reverse();
        }
        assert_eq!(got, want, "{dir}");
        let ids: BTreeSet<&String> = seen.iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len(), 6, "every contact once: {seen:?}");
        // Backwards from the end gives the same order.
        let d = app.query(q, json!({ "d": dir, "last": 4 })).await;
        let tail: Vec<&str> = d["contacts"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(tail, want[2..].to_vec(), "{dir} last 4");
        assert_eq!(d["contacts"]["pageInfo"]["hasPreviousPage"], true);
    }
}
