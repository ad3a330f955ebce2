//! The permission table, from the outside: every role, and keys holding fewer scopes than their role, against
//! every root field, mutation and subscription, must get exactly what README.md's table says (parsed here from
//! README.md itself), and nothing a refused operation names is written.

use crate::api_keys::create_key;
use crate::credentials::uuid_of;
use crate::harness::TestApp;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// README.md's permission tables: field → (scope, roles), and role → scopes.
struct Table {
    fields: HashMap<String, (Option<String>, HashSet<String>)>,
    roles: HashMap<String, HashSet<String>>,
}

fn cells(line: &str) -> Vec<String> {
    line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_owned()).collect()
}

fn readme_table() -> Table {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    let (mut fields, mut roles) = (HashMap::new(), HashMap::new());
    let mut in_roles = false;
    for line in readme.lines() {
        let c = cells(line);
        if line.starts_with("| role | scopes it holds at most |") {
            in_roles = true;
            continue;
        }
        if !line.starts_with('|') {
            in_roles = false;
            continue;
        }
        if matches!(c.first().map(String::as_str), Some("query" | "mutation" | "subscription")) && c.len() == 4 {
            let scope = (c[2] != "–").then(|| c[2].clone());
            let who = c[3].split(',').map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect();
            fields.insert(c[1].clone(), (scope, who));
        } else if in_roles && c.len() == 2 && !c[0].starts_with("---") {
            let scopes = c[1].split_whitespace().map(|s| s.trim_matches('`').to_owned()).collect();
            roles.insert(c[0].clone(), scopes);
        }
    }
    assert!(fields.len() > 40 && roles.len() == 5, "README.md's permission tables were not found");
    Table { fields, roles }
}

/// One document per root field, with inputs that cannot write anything (malformed ids, empty names).
fn documents() -> Vec<(&'static str, String)> {
    let q = |f: &'static str, args: &str| (f, format!("{{ {f}{args} {{ __typename }} }}"));
    let list = |f: &'static str| (f, format!("{{ {f}(first: 1) {{ totalCount }} }}"));
    let m = |f: &'static str, input: &str| (f, format!("mutation {{ {f}(input: {input}) {{ __typename }} }}"));
    let s = |f: &'static str, args: &str| (f, format!("subscription {{ {f}{args} {{ __typename }} }}"));
    vec![
        q("viewer", ""),
        q("workspace", ""),
        q("node", "(id: \"x\")"),
        q("nodes", "(ids: [\"x\"])"),
        list("agents"),
        q("agent", "(id: \"x\")"),
        list("bots"),
        q("bot", "(id: \"x\")"),
        list("contacts"),
        q("contact", "(id: \"x\")"),
        list("conversations"),
        q("conversation", "(id: \"x\")"),
        list("messages"),
        q("message", "(id: \"x\")"),
        list("tickets"),
        q("ticket", "(id: \"x\")"),
        list("labels"),
        q("label", "(id: \"x\")"),
        q("conversationMetrics", "(range: {from: \"2026-11-01T00:00:00Z\", to: \"2026-11-02T00:00:00Z\"})"),
        q("ticketMetrics", "(range: {from: \"2026-11-01T00:00:00Z\", to: \"2026-11-02T00:00:00Z\"})"),
        q("liveQueue", ""),
        list("apiKeys"),
        list("webhookEndpoints"),
        list("inboxes"),
        ("webhookDeliveries", "{ webhookDeliveries(endpointId: \"x\", first: 1) { totalCount } }".to_owned()),
        m("createBot", "{name: \"\"}"),
        m("updateBot", "{id: \"x\"}"),
        m("pauseBot", "{id: \"x\"}"),
        m("resumeBot", "{id: \"x\"}"),
        m("archiveBot", "{id: \"x\"}"),
        m("deleteBot", "{id: \"x\"}"),
        m("createContact", "{email: \"not an email\"}"),
        m("updateContact", "{id: \"x\"}"),
        m("upsertContact", "{}"),
        m("deleteContact", "{id: \"x\"}"),
        m("createContactToken", "{contactId: \"x\"}"),
        m("startConversation", "{contactId: \"x\", channel: WEB}"),
        m("assignConversation", "{conversationId: \"x\"}"),
        m("handoffToHuman", "{conversationId: \"x\", reason: \"r\"}"),
        m("setConversationStatus", "{conversationId: \"x\", status: OPEN}"),
        m("setConversationPriority", "{conversationId: \"x\", priority: HIGH}"),
        m("markConversationRead", "{conversationId: \"x\", side: AGENT}"),
        m("sendMessage", "{conversationId: \"x\", senderKind: SYSTEM, content: \"x\"}"),
        m("setTyping", "{conversationId: \"x\", senderKind: SYSTEM, on: true}"),
        m("updateMessageStatus", "{messageId: \"x\", status: READ}"),
        m("addLabels", "{labelableId: \"x\", labelIds: []}"),
        m("removeLabels", "{labelableId: \"x\", labelIds: []}"),
        m("createTicket", "{subject: \"s\", contactId: \"x\"}"),
        m("updateTicket", "{id: \"x\"}"),
        m("assignTicket", "{id: \"x\"}"),
        m("setTicketStatus", "{id: \"x\", status: OPEN}"),
        m("closeTicket", "{id: \"x\"}"),
        m("addTicketComment", "{ticketId: \"x\", agentId: \"x\", body: \"b\"}"),
        m("createApiKey", "{name: \"\", role: AGENT}"),
        m("rotateApiKey", "{id: \"x\"}"),
        m("revokeApiKey", "{id: \"x\"}"),
        m("createWebhookEndpoint", "{url: \"ftp://x\"}"),
        m("updateWebhookEndpoint", "{id: \"x\"}"),
        m("deleteWebhookEndpoint", "{id: \"x\"}"),
        m("rotateWebhookSecret", "{id: \"x\"}"),
        m("redeliverWebhook", "{deliveryId: \"x\"}"),
        m("sendTestWebhook", "{endpointId: \"x\"}"),
        m("createInbox", "{channel: GENERIC, name: \"\"}"),
        m("updateInbox", "{id: \"x\"}"),
        m("deleteInbox", "{id: \"x\"}"),
        m("rotateInboxSecret", "{id: \"x\"}"),
        // An id that decodes to nothing: past the permission check, refused before anything is written.
        m("setAvailability", "{availability: ONLINE, agentId: \"x\"}"),
        s("messageAdded", ""),
        s("conversationUpdated", ""),
        s("typing", "(conversationId: \"x\")"),
        s("ticketUpdated", ""),
        s("events", ""),
        s("liveQueueUpdated", ""),
        s("agentPresenceChanged", ""),
    ]
}

/// Whether the permission check refused the operation before it ran: 403 and only path-less `FORBIDDEN`s.
fn refused(reply: &crate::harness::Reply) -> bool {
    let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
    let forbidden = |e: &Value| e["extensions"]["code"] == "FORBIDDEN" && e.get("path").is_none();
    reply.status == 403 && !errors.is_empty() && errors.iter().all(forbidden)
}

#[tokio::test]
async fn every_role_and_a_reduced_key_get_what_the_readme_table_says() {
    let app = TestApp::spawn().await;
    let table = readme_table();
    let docs = documents();
    let covered: HashSet<&str> = docs.iter().map(|(f, _)| *f).collect();
    for field in table.fields.keys() {
        assert!(covered.contains(field.as_str()), "no test document for `{field}`: add one to permissions.rs");
    }
    let admin = app.key("acme");
    let bot = app.query("{ bots(first: 1) { nodes { id } } }", json!({})).await["bots"]["nodes"][0]["id"].clone();
    let contact =
        app.query("{ contacts(first: 1) { nodes { id } } }", json!({})).await["contacts"]["nodes"][0]["id"].clone();
    let (bot_key, _) = create_key(&app, &admin, json!({ "name": "bot", "botId": bot })).await;
    let (reduced, _) = create_key(
        &app,
        &admin,
        json!({ "name": "reduced", "role": "AGENT", "scopes": ["CONVERSATIONS_READ", "MESSAGES_WRITE"] }),
    )
    .await;
    let (keys_only, _) = create_key(&app, &admin, json!({ "name": "keys", "scopes": ["API_KEYS_ADMIN"] })).await;
    let set = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<HashSet<String>>();
    let credentials: Vec<(&str, String, &str, HashSet<String>)> = vec![
        ("admin token", app.token("acme", "admin"), "admin", table.roles["admin"].clone()),
        ("agent token", app.token("acme", "agent"), "agent", table.roles["agent"].clone()),
        ("analyst token", app.token("acme", "analyst"), "analyst", table.roles["analyst"].clone()),
        ("widget token", app.contact_token("acme", uuid_of(&contact)), "contact", table.roles["contact"].clone()),
        ("bot key", bot_key, "bot", table.roles["bot"].clone()),
        ("reduced agent key", reduced, "agent", set(&["conversations:read", "messages:write"])),
        ("key manager", keys_only, "admin", set(&["api_keys:admin"])),
    ];
    let before = app.row_counts().await;
    let mut mismatches = vec![];
    for (who, credential, role, scopes) in &credentials {
        for (field, doc) in &docs {
            let (scope, roles) = &table.fields[*field];
            let allowed = roles.contains(*role) && scope.as_ref().is_none_or(|s| scopes.contains(s));
            let reply = app.post_as(Some(credential), doc, json!({})).await;
            let was_refused = refused(&reply);
            if reply.status == 401 || was_refused == allowed {
                mismatches.push(format!(
                    "{who} → {field}: README says {}, got {} {}",
                    if allowed { "allowed" } else { "refused" },
                    reply.status,
                    reply.body
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    assert_eq!(app.row_counts().await, before, "refused or malformed operations wrote nothing");
}

#[tokio::test]
async fn reading_a_type_needs_its_scope_wherever_it_appears() {
    let app = TestApp::spawn().await;
    let (key, _) =
        create_key(&app, &app.key("acme"), json!({ "name": "c", "role": "AGENT", "scopes": ["CONVERSATIONS_READ"] }))
            .await;
    let ok = app.post_as(Some(&key), "{ conversations(first: 2) { nodes { id status } } }", json!({})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // Nested contacts and messages need their own scopes, through fragments and `node` too.
    for q in [
        "{ conversations(first: 2) { nodes { contact { name } } } }",
        "{ conversations(first: 2) { nodes { ...M } } } fragment M on Conversation { messages(last: 1) { nodes { content } } }",
        "{ conversations(first: 1) { nodes { id } } node(id: \"x\") { ... on Message { content } } }",
    ] {
        let reply = app.post_as(Some(&key), q, json!({})).await;
        assert!(refused(&reply), "{q}: {}", reply.body);
    }
    // `node` checks the type of the object asked for: a message id needs messages:read.
    let message =
        app.query("{ messages(first: 1) { nodes { id } } }", json!({})).await["messages"]["nodes"][0]["id"].clone();
    let reply = app.post_as(Some(&key), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": message })).await;
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{}", reply.body);
    assert_eq!(reply.body["data"]["node"], Value::Null);
}
