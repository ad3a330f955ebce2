//! Outbound webhooks, the GraphQL side: admins manage endpoints (`createWebhookEndpoint` shows the signing
//! secret once), list deliveries, redeliver one, send a test. The api crate's worker (`api/src/webhooks/`) turns
//! outbox events into deliveries and sends them; [`Settings`] is what the two share.

pub mod address;
pub mod service;

mod mutation;
mod query;
mod types;

pub use mutation::WebhookMutation;
pub use query::WebhookQuery;
pub use types::{WebhookDelivery, WebhookEndpoint};

use std::sync::Arc;

/// The event type of `sendTestWebhook`'s deliveries (not an outbox event).
pub const TEST_EVENT: &str = "webhook.test";

/// What the schema needs to know of the webhook worker.
#[derive(Clone)]
pub struct Settings {
    /// Development and tests: loopback and private addresses are fine. Production: refused (SSRF).
    pub allow_private: bool,
    /// Wakes this instance's worker when a mutation queued a delivery (others find it on their next tick).
    pub wake: Arc<tokio::sync::Notify>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { allow_private: true, wake: Arc::new(tokio::sync::Notify::new()) }
    }
}
