//! SeaORM entities and enums of Parlor's data model, and nothing else (no GraphQL, no business rules).
//!
//! Relations between tables are resolved by the schema crate's DataLoaders with explicit `IN (…)` queries, so the
//! entities declare no `Related` impls.

pub mod agent;
pub mod api_key;
pub mod bot;
pub mod contact;
pub mod contact_label;
pub mod conversation;
pub mod conversation_label;
pub mod enums;
pub mod event;
pub mod inbox;
pub mod label;
pub mod message;
pub mod presence_session;
pub mod ticket;
pub mod ticket_label;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod workspace;

/// Now, truncated to microseconds: PostgreSQL keeps microseconds, so a value read back equals the one written,
/// and cursors built from either agree.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
