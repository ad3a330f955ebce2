//! The generic channel's JSON (README, "Inbound channels"):
//!
//! ```json
//! {"contact": {"externalId": "cust-42", "name": "Ada Lovelace"},
//!  "message": {"id": "msg-1001", "text": "Hello", "timestamp": "2026-12-02T10:00:00Z",
//!              "attachments": [{"kind": "image", "url": "https://…/a.png", "name": "a.png", "mimeType": "image/png"}]}}
//! ```
//!
//! The contact's `externalId` is used as given (so it can match contacts the integrator created through GraphQL).

use super::{Batch, InboundContact, InboundMessage, Malformed, clip_name};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

const MAX_ATTACHMENTS: usize = 20;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    contact: Contact,
    message: Message,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    external_id: String,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    attachments: Vec<Attachment>,
    timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    /// `image` or `file` (default `file`).
    kind: Option<String>,
    url: String,
    name: Option<String>,
    mime_type: Option<String>,
}

pub fn parse(body: &[u8]) -> Result<Batch, Malformed> {
    let p: Payload = serde_json::from_slice(body)?;
    if p.contact.external_id.trim().is_empty() {
        return Err(Malformed("contact.externalId must not be empty".into()));
    }
    if p.message.id.trim().is_empty() {
        return Err(Malformed("message.id must not be empty".into()));
    }
    if p.message.attachments.len() > MAX_ATTACHMENTS {
        return Err(Malformed(format!("message.attachments: at most {MAX_ATTACHMENTS}")));
    }
    if p.message.text.trim().is_empty() && p.message.attachments.is_empty() {
        return Err(Malformed("message: needs text or attachments".into()));
    }
    let mut attachments = vec![];
    for a in p.message.attachments {
        let kind = match a.kind.as_deref() {
            Some("image") => "image",
            Some("file") | None => "file",
            Some(other) => return Err(Malformed(format!("message.attachments.kind: `{other}` is not image or file"))),
        };
        attachments.push(json!({ "kind": kind, "url": a.url, "name": a.name, "mimeType": a.mime_type }));
    }
    let contact = InboundContact {
        external_id: p.contact.external_id.trim().to_owned(),
        name: p.contact.name.and_then(clip_name),
        phone: None,
    };
    let message = InboundMessage {
        contact,
        source_id: p.message.id.trim().to_owned(),
        text: p.message.text,
        attachments,
        sent_at: p.message.timestamp,
    };
    Ok(Batch { messages: vec![message], receipts: vec![] })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_documented_payload_and_refuses_gaps() {
        let body = br#"{"contact": {"externalId": "cust-42", "name": "Ada"},
            "message": {"id": "m1", "text": "Hi", "timestamp": "2026-12-02T10:00:00Z",
                        "attachments": [{"kind": "image", "url": "https://x/a.png"}]}}"#;
        let b = super::parse(body).expect("parses");
        assert_eq!(b.messages[0].contact.external_id, "cust-42");
        assert_eq!(b.messages[0].source_id, "m1");
        assert_eq!(b.messages[0].attachments[0]["kind"], "image");
        assert!(super::parse(br#"{"contact": {"externalId": "x"}, "message": {"id": "m"}}"#).is_err());
        assert!(super::parse(br#"{"message": {"id": "m", "text": "t"}}"#).is_err());
        assert!(super::parse(b"not json").is_err());
    }
}
