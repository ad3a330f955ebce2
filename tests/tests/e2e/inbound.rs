//! Inbound channel webhooks (`POST /webhooks/channels/{channel}/{inboxId}`): the generic JSON signed like our
//! outbound webhooks, WhatsApp Cloud API notifications and Telegram updates shaped as their documentation shows.
//! Each message upserts its contact, finds or starts the conversation and is deduplicated by its platform id;
//! a refused request writes nothing.

use crate::harness::{Reply, TestApp};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const CREATE: &str = r#"mutation($input: CreateInboxInput!) {
  createInbox(input: $input) { secret verifyToken inbox { id channel name webhookPath bot { id } } } }"#;
const BY_EXTERNAL_ID: &str = r#"query($ext: String!) { contacts(first: 1, filter: {externalId: {eq: $ext}}) { nodes {
  id name phone conversations(first: 5) { nodes { id channel bot { id } messageCount
    messages(first: 5) { nodes { content kind senderKind sourceId status payload } } } } } } }"#;

/// An inbox of the `acme` workspace, as `createInbox` returned it.
struct Inbox {
    path: String,
    secret: Option<String>,
    verify_token: Option<String>,
}

async fn create_inbox(app: &TestApp, input: Value) -> Inbox {
    let data = app.query(CREATE, json!({ "input": input })).await;
    let p = &data["createInbox"];
    Inbox {
        path: p["inbox"]["webhookPath"].as_str().expect("webhookPath").to_owned(),
        secret: p["secret"].as_str().map(str::to_owned),
        verify_token: p["verifyToken"].as_str().map(str::to_owned),
    }
}

/// Standard Webhooks, as README.md ("Inbound channels") tells integrators to sign.
fn sign_generic(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("whsec_ secret")).expect("base64 key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// `X-Hub-Signature-256`, as Meta computes it with the app secret.
fn sign_whatsapp(app_secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

async fn post(app: &TestApp, path: &str, headers: &[(&str, String)], body: &str) -> Reply {
    let mut req = app.client().post(format!("{}{path}", app.url)).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    Reply::from(req.body(body.to_owned()).send().await.expect("request")).await
}

async fn post_generic(app: &TestApp, inbox: &Inbox, body: &str) -> Reply {
    let secret = inbox.secret.as_deref().expect("a generic inbox has a secret");
    let ts = chrono::Utc::now().timestamp();
    let headers = [
        ("webhook-id", "evt_1".to_owned()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", sign_generic(secret, "evt_1", ts, body)),
    ];
    post(app, &inbox.path, &headers, body).await
}

fn generic_body(message_id: &str, text: &str) -> String {
    json!({
        "contact": { "externalId": "shop-cust-42", "name": "Ada Lovelace" },
        "message": {
            "id": message_id, "text": text, "timestamp": "2026-12-02T10:00:00Z",
            "attachments": [{ "kind": "image", "url": "https://cdn.example.com/a.png", "mimeType": "image/png" }]
        }
    })
    .to_string()
}

async fn contact(app: &TestApp, external_id: &str) -> Value {
    let data = app.query(BY_EXTERNAL_ID, json!({ "ext": external_id })).await;
    data["contacts"]["nodes"][0].clone()
}

async fn bot_id(app: &TestApp) -> String {
    let data = app.query("{ bots(first: 1) { nodes { id } } }", json!({})).await;
    data["bots"]["nodes"][0]["id"].as_str().expect("a demo bot").to_owned()
}

#[tokio::test]
async fn generic_post_creates_contact_conversation_and_message_once() {
    let app = TestApp::spawn().await;
    let bot = bot_id(&app).await;
    let inbox = create_inbox(&app, json!({ "channel": "GENERIC", "name": "Shop", "botId": bot })).await;
    assert!(inbox.secret.as_deref().is_some_and(|s| s.starts_with("whsec_")));
    assert!(inbox.path.starts_with("/webhooks/channels/generic/"), "{}", inbox.path);

    let body = generic_body("shop-msg-1", "Where is my order?");
    let first = post_generic(&app, &inbox, &body).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!((first.body["created"].as_u64(), first.body["replayed"].as_u64()), (Some(1), Some(0)));

    let c = contact(&app, "shop-cust-42").await;
    assert_eq!(c["name"], "Ada Lovelace");
    let conv = &c["conversations"]["nodes"][0];
    assert_eq!((conv["channel"].as_str(), conv["bot"]["id"].as_str()), (Some("API"), Some(bot.as_str())));
    let msg = &conv["messages"]["nodes"][0];
    assert_eq!(msg["content"], "Where is my order?");
    assert_eq!((msg["senderKind"].as_str(), msg["sourceId"].as_str()), (Some("CONTACT"), Some("shop-msg-1")));
    assert_eq!(msg["payload"]["attachments"][0]["url"], "https://cdn.example.com/a.png");

    // The platform retries: 200, nothing new.
    let before = app.row_counts().await;
    let again = post_generic(&app, &inbox, &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!((again.body["created"].as_u64(), again.body["replayed"].as_u64()), (Some(0), Some(1)));
    assert_eq!(app.row_counts().await, before);

    // A second message lands in the same open conversation.
    let next = post_generic(&app, &inbox, &generic_body("shop-msg-2", "Hello?")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    let c = contact(&app, "shop-cust-42").await;
    assert_eq!(c["conversations"]["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(c["conversations"]["nodes"][0]["messageCount"], 2);
}

#[tokio::test]
async fn twenty_concurrent_identical_posts_make_one_message() {
    let app = TestApp::spawn().await;
    let inbox = create_inbox(&app, json!({ "channel": "GENERIC", "name": "Burst" })).await;
    let body = generic_body("burst-1", "once only");
    let replies = futures::future::join_all((0..20).map(|_| post_generic(&app, &inbox, &body))).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let created: u64 = replies.iter().filter_map(|r| r.body["created"].as_u64()).sum();
    assert_eq!(created, 1, "exactly one delivery writes");
    let c = contact(&app, "shop-cust-42").await;
    let convs = c["conversations"]["nodes"].as_array().expect("conversations");
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["messageCount"], 1);
    let rows = app.sql_strings("SELECT source_id AS v FROM message WHERE source_id = 'burst-1'").await;
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let inbox = create_inbox(&app, json!({ "channel": "GENERIC", "name": "Refusals" })).await;
    let body = generic_body("refused-1", "let me in");
    let before = app.row_counts().await;
    let ts = chrono::Utc::now().timestamp();
    let wrong = sign_generic("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "evt_1", ts, &body);
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("webhook-id", "evt_1".into()), ("webhook-timestamp", ts.to_string()), ("webhook-signature", wrong)],
        // Signed right, but an hour old: a replay.
        vec![
            ("webhook-id", "evt_1".into()),
            ("webhook-timestamp", (ts - 3600).to_string()),
            ("webhook-signature", sign_generic(inbox.secret.as_deref().expect("secret"), "evt_1", ts - 3600, &body)),
        ],
    ];
    for headers in cases {
        let r = post(&app, &inbox.path, &headers, &body).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    assert_eq!(app.row_counts().await, before, "a refused webhook wrote rows");

    // Unknown inbox, or the inbox under another channel's path: 404.
    let other = inbox.path.replace("/generic/", "/telegram/");
    assert_eq!(post_generic(&app, &Inbox { path: other, ..inbox_copy(&inbox) }, &body).await.status, 404);
    let unknown = Inbox { path: "/webhooks/channels/generic/bm9wZQ".into(), ..inbox_copy(&inbox) };
    assert_eq!(post_generic(&app, &unknown, &body).await.status, 404);
    // Signed, but not JSON: 400 with a JSON error.
    let r = post_generic(&app, &inbox, "{not json").await;
    assert_eq!((r.status, r.body["errors"][0]["extensions"]["code"].as_str()), (400, Some("BAD_USER_INPUT")));
    // Over 1 MiB: 413.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    assert_eq!(post_generic(&app, &inbox, &big).await.status, 413);
    assert_eq!(app.row_counts().await, before, "a refused webhook wrote rows");
}

fn inbox_copy(i: &Inbox) -> Inbox {
    Inbox { path: i.path.clone(), secret: i.secret.clone(), verify_token: i.verify_token.clone() }
}

/// A WhatsApp Cloud API "messages" notification, as Meta's webhook reference shows it.
fn whatsapp_message(wamid: &str, text: &str) -> String {
    json!({
      "object": "whatsapp_business_account",
      "entry": [{
        "id": "102290129340398",
        "changes": [{
          "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
            "contacts": [{ "profile": { "name": "Sheena Nelson" }, "wa_id": "16505551234" }],
            "messages": [{
              "from": "16505551234", "id": wamid, "timestamp": "1749416383",
              "type": "text", "text": { "body": text }
            }]
          },
          "field": "messages"
        }]
      }]
    })
    .to_string()
}

/// A status notification for a message sent from the business number.
fn whatsapp_status(wamid: &str, status: &str) -> String {
    json!({
      "object": "whatsapp_business_account",
      "entry": [{
        "id": "102290129340398",
        "changes": [{
          "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
            "statuses": [{
              "id": wamid, "status": status, "timestamp": "1750263773", "recipient_id": "16505551234",
              "conversation": { "id": "4a1b1c8d6ec3e1a1b2b3c4d5e6f7a8b9", "origin": { "type": "service" } },
              "pricing": { "billable": true, "pricing_model": "CBP", "category": "service" }
            }]
          },
          "field": "messages"
        }]
      }]
    })
    .to_string()
}

#[tokio::test]
async fn whatsapp_handshake_signatures_messages_and_receipts() {
    let app = TestApp::spawn().await;
    let inbox =
        create_inbox(&app, json!({ "channel": "WHATSAPP", "name": "WA", "appSecret": "meta-app-secret" })).await;
    assert_eq!(inbox.secret, None);
    let token = inbox.verify_token.clone().expect("a verify token");

    // The verification handshake.
    let url = format!("{}{}", app.url, inbox.path);
    let q = |t: &str| {
        vec![
            ("hub.mode", "subscribe".to_owned()),
            ("hub.verify_token", t.to_owned()),
            ("hub.challenge", "1158201444".to_owned()),
        ]
    };
    let ok = app.client().get(&url).query(&q(&token)).send().await.expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.text().await.expect("body"), "1158201444");
    let refused = app.client().get(&url).query(&q("wrong-token")).send().await.expect("get");
    assert_eq!(refused.status().as_u16(), 403);

    // A message with a wrong signature: 401, nothing written.
    let body = whatsapp_message("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjY1MEM2MzA5MDAA", "Does it come in blue?");
    let before = app.row_counts().await;
    let bad = post(&app, &inbox.path, &[("x-hub-signature-256", sign_whatsapp("not-the-secret", &body))], &body).await;
    assert_eq!(bad.status, 401, "{}", bad.body);
    let unsigned = post(&app, &inbox.path, &[], &body).await;
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);
    assert_eq!(app.row_counts().await, before);

    // Signed right: the contact, a WhatsApp conversation and the message.
    let good = [("x-hub-signature-256", sign_whatsapp("meta-app-secret", &body))];
    let r = post(&app, &inbox.path, &good, &body).await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{}", r.body);
    let c = contact(&app, "whatsapp:16505551234").await;
    assert_eq!((c["name"].as_str(), c["phone"].as_str()), (Some("Sheena Nelson"), Some("+16505551234")));
    let conv = &c["conversations"]["nodes"][0];
    assert_eq!(conv["channel"], "WHATSAPP");
    assert_eq!(conv["messages"]["nodes"][0]["content"], "Does it come in blue?");

    // The business answers (a bridge records WhatsApp's id of what it sent), then receipts arrive.
    let send = r#"mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id status } } }"#;
    let input = json!({ "conversationId": conv["id"], "senderKind": "AGENT", "content": "Yes, in blue too.",
        "sourceId": "wamid.OUTBOUND1" });
    let agent = app.token("acme", "agent");
    let sent = app.post_as(Some(&agent), send, json!({ "input": input })).await;
    assert!(sent.body.get("errors").is_none(), "{}", sent.body);
    let message_id = sent.body["data"]["sendMessage"]["message"]["id"].clone();
    for (status, expected) in [("delivered", "DELIVERED"), ("read", "READ"), ("delivered", "READ")] {
        let body = whatsapp_status("wamid.OUTBOUND1", status);
        let r =
            post(&app, &inbox.path, &[("x-hub-signature-256", sign_whatsapp("meta-app-secret", &body))], &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let data = app.query("query($id: ID!) { message(id: $id) { status } }", json!({ "id": message_id })).await;
        assert_eq!(data["message"]["status"], expected, "after {status}");
    }
}

#[tokio::test]
async fn telegram_secret_token_and_message_updates() {
    let app = TestApp::spawn().await;
    let inbox = create_inbox(&app, json!({ "channel": "TELEGRAM", "name": "TG bot" })).await;
    let token = inbox.secret.clone().expect("a secret token");
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'), "{token}");
    // An Update as the Bot API documents it.
    let update = json!({
        "update_id": 10000,
        "message": {
            "date": 1441645532,
            "chat": { "last_name": "Test Lastname", "id": 1111111, "type": "private", "first_name": "Test Firstname",
                      "username": "Testusername" },
            "message_id": 1365,
            "from": { "last_name": "Test Lastname", "id": 1111111, "is_bot": false, "first_name": "Test Firstname",
                      "username": "Testusername", "language_code": "en" },
            "text": "/start"
        }
    })
    .to_string();
    let before = app.row_counts().await;
    let wrong = post(&app, &inbox.path, &[("x-telegram-bot-api-secret-token", "nope".into())], &update).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(post(&app, &inbox.path, &[], &update).await.status, 401);
    assert_eq!(app.row_counts().await, before);

    let auth = [("x-telegram-bot-api-secret-token", token.clone())];
    let r = post(&app, &inbox.path, &auth, &update).await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{}", r.body);
    let again = post(&app, &inbox.path, &auth, &update).await;
    assert_eq!((again.status, again.body["replayed"].as_u64()), (200, Some(1)), "{}", again.body);
    let c = contact(&app, "telegram:1111111").await;
    assert_eq!(c["name"], "Test Firstname Test Lastname");
    let conv = &c["conversations"]["nodes"][0];
    assert_eq!((conv["channel"].as_str(), conv["messageCount"].as_i64()), (Some("TELEGRAM"), Some(1)));
    assert_eq!(conv["messages"]["nodes"][0]["sourceId"], "1111111:1365");

    // A rotated token replaces the old one at once.
    let rotate = r#"mutation($id: ID!) { rotateInboxSecret(input: {id: $id}) { secret } }"#;
    let list = app.query("{ inboxes { nodes { id channel } } }", json!({})).await;
    let id = list["inboxes"]["nodes"][0]["id"].clone();
    let rotated = app.query(rotate, json!({ "id": id })).await;
    let new_token = rotated["rotateInboxSecret"]["secret"].as_str().expect("secret").to_owned();
    assert_ne!(new_token, token);
    assert_eq!(post(&app, &inbox.path, &auth, &update).await.status, 401);
}

#[tokio::test]
async fn only_admins_manage_inboxes() {
    let app = TestApp::spawn().await;
    let agent = app.token("acme", "agent");
    let input = json!({ "input": { "channel": "GENERIC", "name": "x" } });
    let r = app.post_as(Some(&agent), CREATE, input).await;
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{}", r.body);
    let (code, _) = app.error(CREATE, json!({ "input": { "channel": "WHATSAPP", "name": "no secret" } })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}
