//! WhatsApp Cloud API webhook notifications (Meta's "messages" webhook): `entry[].changes[].value` carries
//! `contacts[]` (`wa_id`, `profile.name`) with `messages[]` from them, or `statuses[]` of messages sent from the
//! business number (`sent`, `delivered`, `read`, `failed` with `errors[]`).
//!
//! Read here: `text` messages, and `image` / `document` as attachments (their media `id`, to download through the
//! Graph API, with `mime_type`, `sha256`, `caption`, `filename`). Other types (stickers, locations, reactions,
//! interactive replies…) are acknowledged and skipped. Contacts are `whatsapp:<wa_id>`, with the number as phone.

use super::{Batch, InboundContact, InboundMessage, Malformed, Receipt, clip_name, from_unix};
use entities::enums::MessageStatus;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Notification {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    value: Value,
}

#[derive(Deserialize)]
struct Value {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: String,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    from: String,
    id: String,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<Text>,
    image: Option<Media>,
    document: Option<Media>,
}

#[derive(Deserialize)]
struct Text {
    body: String,
}

#[derive(Deserialize)]
struct Media {
    id: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<Error>,
}

#[derive(Deserialize)]
struct Error {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
}

fn attachment(kind: &str, m: &Media) -> serde_json::Value {
    json!({
        "kind": kind, "mediaId": m.id, "mimeType": m.mime_type, "sha256": m.sha256,
        "caption": m.caption, "name": m.filename,
    })
}

fn failure_reason(errors: &[Error]) -> String {
    let Some(e) = errors.first() else { return "failed (WhatsApp gave no reason)".into() };
    let text = e.message.as_deref().or(e.title.as_deref()).unwrap_or("failed");
    match e.code {
        Some(code) => format!("{code}: {text}"),
        None => text.to_owned(),
    }
}

pub fn parse(body: &[u8]) -> Result<Batch, Malformed> {
    let n: Notification = serde_json::from_slice(body)?;
    let mut batch = Batch::default();
    for value in n.entry.into_iter().flat_map(|e| e.changes).map(|c| c.value) {
        let name_of = |wa_id: &str| {
            value.contacts.iter().find(|c| c.wa_id == wa_id).and_then(|c| c.profile.as_ref()?.name.clone())
        };
        for m in &value.messages {
            let (text, attachments) = match (m.kind.as_str(), &m.text, &m.image, &m.document) {
                ("text", Some(t), _, _) => (t.body.clone(), vec![]),
                ("image", _, Some(img), _) => (img.caption.clone().unwrap_or_default(), vec![attachment("image", img)]),
                ("document", _, _, Some(doc)) => {
                    (doc.caption.clone().unwrap_or_default(), vec![attachment("file", doc)])
                }
                (other, ..) => {
                    tracing::debug!(kind = other, "a WhatsApp message of a type Parlor does not read: skipped");
                    continue;
                }
            };
            let contact = InboundContact {
                external_id: format!("whatsapp:{}", m.from),
                name: name_of(&m.from).and_then(clip_name),
                phone: Some(format!("+{}", m.from.trim_start_matches('+'))),
            };
            let sent_at = m.timestamp.as_deref().and_then(|t| t.parse().ok()).and_then(from_unix);
            batch.messages.push(InboundMessage { contact, source_id: m.id.clone(), text, attachments, sent_at });
        }
        for s in &value.statuses {
            let (status, reason) = match s.status.as_str() {
                "delivered" => (MessageStatus::Delivered, None),
                "read" => (MessageStatus::Read, None),
                "failed" => (MessageStatus::Failed, Some(failure_reason(&s.errors))),
                // `sent` is where every message starts; others (`deleted`, `warning`) have no status here.
                _ => continue,
            };
            batch.receipts.push(Receipt { source_id: s.id.clone(), status, reason });
        }
    }
    Ok(batch)
}
