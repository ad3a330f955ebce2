//! Inboxes, the GraphQL side of inbound channels: admins create one per WhatsApp number, Telegram bot or generic
//! integration (`createInbox` shows its secret once), list, change, delete them and rotate their secrets. The
//! api crate's `POST /webhooks/channels/{channel}/{inboxId}` receives what the platforms send; [`crate::inbound`]
//! turns it into contacts, conversations and messages.

pub mod service;

mod mutation;
mod query;
mod types;

pub use mutation::InboxMutation;
pub use query::InboxQuery;
pub use types::{Inbox, InboxChannel};
