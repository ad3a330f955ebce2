//! Inbound channels: what a platform posts to `POST /webhooks/channels/{channel}/{inboxId}`, read into one shape
//! ([`Batch`]) by the channel's adapter (`generic`, `whatsapp`, `telegram`: pure functions over the JSON), then
//! written by [`service::receive`] through the same services as GraphQL (contacts, conversations, messages).
//! The api crate authenticates the request (signatures live with the HTTP headers) and publishes the events.

pub mod generic;
pub mod service;
pub mod telegram;
pub mod whatsapp;

use chrono::{DateTime, Utc};
use entities::enums::MessageStatus;

/// Longest contact name kept (longer ones are cut).
const MAX_NAME: usize = 200;

/// Who wrote, as the platform names them.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundContact {
    /// The contact's `externalId` in Parlor: `whatsapp:<wa_id>`, `telegram:<user id>`, or the generic payload's.
    pub external_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// One message from a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub contact: InboundContact,
    /// The platform's message id: the message's `sourceId`, unique per workspace and channel (dedup of retries).
    pub source_id: String,
    /// The text, or a media caption (may be empty when there are attachments).
    pub text: String,
    /// JSON objects with at least `kind` (`image` or `file`), kept in the message's `payload.attachments`.
    pub attachments: Vec<serde_json::Value>,
    /// When the platform says it was sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A delivery receipt for a message Parlor sent out (its `sourceId` is the platform's id).
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub source_id: String,
    pub status: MessageStatus,
    /// Why it failed (with `Failed`).
    pub reason: Option<String>,
}

/// Everything one webhook request carries.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    pub messages: Vec<InboundMessage>,
    pub receipts: Vec<Receipt>,
}

/// A body that is not the channel's JSON: the message says what is wrong (answered with 400).
#[derive(Debug)]
pub struct Malformed(pub String);

impl From<serde_json::Error> for Malformed {
    fn from(e: serde_json::Error) -> Self {
        Malformed(format!("not a valid payload: {e}"))
    }
}

fn clip_name(name: String) -> Option<String> {
    let name = name.trim();
    (!name.is_empty()).then(|| name.chars().take(MAX_NAME).collect())
}

fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}
