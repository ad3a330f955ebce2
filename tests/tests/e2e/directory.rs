//! Bots and contacts: creating, changing, pausing, archiving, deleting, upserting, erasing.

use crate::harness::TestApp;
use serde_json::{Value, json};

const BOT: &str = "bot { id name description status config }";

#[tokio::test]
async fn a_bot_lives_pauses_and_is_deleted_by_the_rules() {
    let app = TestApp::spawn().await;
    let create = format!("mutation($i: CreateBotInput!) {{ createBot(input: $i) {{ {BOT} }} }}");
    let (code, msg) = app.error(&create, json!({ "i": { "name": " " } })).await;
    assert_eq!((code.as_str(), msg.starts_with("name")), ("BAD_USER_INPUT", true), "{msg}");
    let (code, _) = app.error(&create, json!({ "i": { "name": "x", "config": [1] } })).await;
    assert_eq!(code, "BAD_USER_INPUT", "config must be an object");
    let bot =
        app.query(&create, json!({ "i": { "name": "Triage", "config": { "lang": "en" } } })).await["createBot"]["bot"]
            .clone();
    assert_eq!((bot["status"].as_str(), bot["config"]["lang"].as_str()), (Some("ACTIVE"), Some("en")));

    let update = format!("mutation($i: UpdateBotInput!) {{ updateBot(input: $i) {{ {BOT} }} }}");
    let b =
        &app.query(&update, json!({ "i": { "id": bot["id"], "description": "first line" } })).await["updateBot"]["bot"];
    assert_eq!((b["name"].as_str(), b["description"].as_str()), (Some("Triage"), Some("first line")));
    let b = &app.query(&update, json!({ "i": { "id": bot["id"], "description": null } })).await["updateBot"]["bot"];
    assert!(b["description"].is_null(), "null clears");

    let op = |name: &str| format!("mutation($id: ID!) {{ {name}(input: {{id: $id}}) {{ {BOT} }} }}");
    assert_eq!(app.query(&op("pauseBot"), json!({ "id": bot["id"] })).await["pauseBot"]["bot"]["status"], "PAUSED");
    assert_eq!(app.query(&op("pauseBot"), json!({ "id": bot["id"] })).await["pauseBot"]["bot"]["status"], "PAUSED");
    assert_eq!(app.query(&op("resumeBot"), json!({ "id": bot["id"] })).await["resumeBot"]["bot"]["status"], "ACTIVE");

    // It takes a conversation; while that is unresolved it cannot be deleted, unless archived.
    let contact =
        app.query("{ contacts(first: 1) { nodes { id } } }", json!({})).await["contacts"]["nodes"][0]["id"].clone();
    let start = "mutation($c: ID!, $b: ID) { startConversation(input: {contactId: $c, botId: $b, channel: WEB}) { conversation { id status handledBy } } }";
    let conv =
        app.query(start, json!({ "c": contact, "b": bot["id"] })).await["startConversation"]["conversation"].clone();
    assert_eq!(conv["status"], "PENDING");
    let delete = "mutation($id: ID!) { deleteBot(input: {id: $id}) { deletedBotId handedToHumans } }";
    let reply = app.post(Some("acme"), delete, json!({ "id": bot["id"] })).await;
    let err = &reply.body["errors"][0];
    assert_eq!(
        (err["extensions"]["code"].as_str(), err["extensions"]["currentState"].as_str()),
        (Some("CONFLICT"), Some("ACTIVE")),
        "{}",
        reply.body
    );
    assert_eq!(
        app.query(&op("archiveBot"), json!({ "id": bot["id"] })).await["archiveBot"]["bot"]["status"],
        "ARCHIVED"
    );
    let (code, _) = app.error(&op("resumeBot"), json!({ "id": bot["id"] })).await;
    assert_eq!(code, "CONFLICT", "an archived bot is not resumed");
    let (code, _) = app.error(start, json!({ "c": contact, "b": bot["id"] })).await;
    assert_eq!(code, "CONFLICT", "an archived bot takes no new conversations");
    let d = app.query(delete, json!({ "id": bot["id"] })).await;
    assert_eq!(d["deleteBot"]["handedToHumans"], 1);
    let q = "query($id: ID!, $b: ID!) { conversation(id: $id) { status handledBy bot { id } } bot(id: $b) { id } }";
    let after = app.query(q, json!({ "id": conv["id"], "b": bot["id"] })).await;
    assert_eq!(after["conversation"], json!({ "status": "OPEN", "handledBy": "HUMAN", "bot": null }));
    assert!(after["bot"].is_null());
    let (code, _) = app.error(delete, json!({ "id": bot["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
}

const CONTACT: &str = "contact { id externalId name email phone attributes deletedAt }";

#[tokio::test]
async fn contacts_merge_attributes_upsert_and_erase() {
    let app = TestApp::spawn().await;
    let create = format!("mutation($i: CreateContactInput!) {{ createContact(input: $i) {{ {CONTACT} }} }}");
    let (code, _) = app.error(&create, json!({ "i": { "email": "not-an-email" } })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let c = app
        .query(
            &create,
            json!({ "i": { "externalId": "crm-x1", "name": "Ada", "email": "Ada@Example.org",
            "attributes": { "plan": "pro", "seats": 3, "prefs": { "lang": "en", "tz": "UTC" } } } }),
        )
        .await["createContact"]["contact"]
        .clone();
    // Email uniqueness ignores case; external ids are unique too.
    let (code, msg) = app.error(&create, json!({ "i": { "email": "ada@example.ORG" } })).await;
    assert_eq!((code.as_str(), msg.starts_with("email")), ("CONFLICT", true), "{msg}");
    let (code, _) = app.error(&create, json!({ "i": { "externalId": "crm-x1" } })).await;
    assert_eq!(code, "CONFLICT");

    let update = format!("mutation($i: UpdateContactInput!) {{ updateContact(input: $i) {{ {CONTACT} }} }}");
    let u = &app
        .query(&update, json!({ "i": { "id": c["id"], "phone": "+44 1", "attributes": { "seats": 5, "plan": null, "prefs": { "tz": "CET" } } } }))
        .await["updateContact"]["contact"];
    assert_eq!(u["attributes"], json!({ "seats": 5, "prefs": { "lang": "en", "tz": "CET" } }), "merged, not replaced");
    assert_eq!((u["name"].as_str(), u["phone"].as_str()), (Some("Ada"), Some("+44 1")));

    let upsert = format!("mutation($i: UpsertContactInput!) {{ upsertContact(input: $i) {{ created {CONTACT} }} }}");
    let r = &app.query(&upsert, json!({ "i": { "externalId": "crm-x1", "attributes": { "vip": true } } })).await["upsertContact"];
    assert_eq!((r["created"].as_bool(), &r["contact"]["id"]), (Some(false), &c["id"]));
    assert_eq!(r["contact"]["attributes"]["vip"], true);
    assert_eq!(r["contact"]["attributes"]["seats"], 5);
    let r =
        &app.query(&upsert, json!({ "i": { "email": "ADA@example.org", "name": "Ada L." } })).await["upsertContact"];
    assert_eq!(
        (r["created"].as_bool(), r["contact"]["name"].as_str()),
        (Some(false), Some("Ada L.")),
        "matched by email"
    );
    let (code, _) = app.error(&upsert, json!({ "i": { "name": "nobody" } })).await;
    assert_eq!(code, "BAD_USER_INPUT", "an upsert needs a key");
    // 10 concurrent upserts of a new external id make one contact.
    let jobs = (0..10).map(|i| {
        app.post(Some("acme"), &upsert, json!({ "i": { "externalId": "crm-race", "name": format!("r{i}") } }))
    });
    let replies = futures::future::join_all(jobs).await;
    let ids: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| {
            r.body["data"]["upsertContact"]["contact"]["id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{}", r.body))
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(replies.iter().filter(|r| r.body["data"]["upsertContact"]["created"] == true).count(), 1);

    // Erasure: personal data gone, the conversation stays and still shows its (anonymous) contact.
    let start = "mutation($c: ID!) { startConversation(input: {contactId: $c, channel: EMAIL, firstMessage: {content: \"hi\"}}) { conversation { id } } }";
    let conv = app.query(start, json!({ "c": c["id"] })).await["startConversation"]["conversation"]["id"].clone();
    let delete = format!("mutation($id: ID!) {{ deleteContact(input: {{id: $id}}) {{ {CONTACT} }} }}");
    let d = &app.query(&delete, json!({ "id": c["id"] })).await["deleteContact"]["contact"];
    assert!(d["deletedAt"].is_string());
    for field in ["externalId", "name", "email", "phone"] {
        assert!(d[field].is_null(), "{field} kept: {d}");
    }
    assert_eq!(d["attributes"], json!({}));
    let q = "query($id: ID!) { conversation(id: $id) { messageCount contact { id name deletedAt } } contacts(first: 5, filter: {email: {eq: \"ada@example.org\"}}) { totalCount } }";
    let after = app.query(q, json!({ "id": conv })).await;
    assert_eq!(after["conversation"]["messageCount"], 1);
    assert_eq!(after["conversation"]["contact"]["id"], c["id"]);
    assert!(after["conversation"]["contact"]["name"].is_null());
    assert_eq!(after["contacts"]["totalCount"], 0);
    let (code, _) = app.error(&delete, json!({ "id": c["id"] })).await;
    assert_eq!(code, "NOT_FOUND", "erased once");
    let (code, _) = app.error(&update, json!({ "i": { "id": c["id"], "name": "back" } })).await;
    assert_eq!(code, "NOT_FOUND");
    // The email is free again.
    let again = app.query(&create, json!({ "i": { "email": "ada@example.org" } })).await;
    assert!(again["createContact"]["contact"]["id"] != Value::Null);
}
