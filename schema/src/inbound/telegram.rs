//! Telegram Bot API `Update` objects (one per webhook request): `message` with `message_id`, `from`, `chat`,
//! `date`, and `text`, or a `caption` with `photo` (an image: the largest size's `file_id`) or `document` (a file).
//! Other updates (edited messages, channel posts, callback queries…) are acknowledged and skipped. A message's
//! `sourceId` is `<chat id>:<message_id>` (message ids are unique per chat only); contacts are
//! `telegram:<user id>`.

use super::{Batch, InboundContact, InboundMessage, Malformed, clip_name, from_unix};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Update {
    #[serde(rename = "update_id")]
    _update_id: i64,
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    from: Option<User>,
    chat: Chat,
    date: i64,
    text: Option<String>,
    caption: Option<String>,
    photo: Option<Vec<PhotoSize>>,
    document: Option<Document>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    first_name: String,
    last_name: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    title: Option<String>,
}

#[derive(Deserialize)]
struct PhotoSize {
    file_id: String,
    file_unique_id: Option<String>,
    width: Option<i64>,
    height: Option<i64>,
}

#[derive(Deserialize)]
struct Document {
    file_id: String,
    file_name: Option<String>,
    mime_type: Option<String>,
}

pub fn parse(body: &[u8]) -> Result<Batch, Malformed> {
    let update: Update = serde_json::from_slice(body)?;
    let Some(m) = update.message else { return Ok(Batch::default()) };
    let mut attachments = vec![];
    if let Some(largest) = m.photo.as_ref().and_then(|p| p.iter().max_by_key(|s| s.width.unwrap_or(0))) {
        attachments.push(json!({
            "kind": "image", "fileId": largest.file_id, "fileUniqueId": largest.file_unique_id,
            "width": largest.width, "height": largest.height,
        }));
    }
    if let Some(d) = &m.document {
        attachments.push(json!({ "kind": "file", "fileId": d.file_id, "name": d.file_name, "mimeType": d.mime_type }));
    }
    let text = m.text.or(m.caption).unwrap_or_default();
    if text.trim().is_empty() && attachments.is_empty() {
        return Ok(Batch::default());
    }
    let (id, name) = match &m.from {
        Some(u) => (u.id, Some(format!("{} {}", u.first_name, u.last_name.as_deref().unwrap_or("")))),
        None => (m.chat.id, m.chat.title.clone()),
    };
    let contact = InboundContact { external_id: format!("telegram:{id}"), name: name.and_then(clip_name), phone: None };
    let message = InboundMessage {
        contact,
        source_id: format!("{}:{}", m.chat.id, m.message_id),
        text,
        attachments,
        sent_at: from_unix(m.date),
    };
    Ok(Batch { messages: vec![message], receipts: vec![] })
}
