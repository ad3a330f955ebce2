//! The payload of `agent.presence_changed` in the outbox (what webhooks send and `agentPresenceChanged` reads).

use chrono::{DateTime, Utc};
use entities::enums::Availability;
use serde::{Deserialize, Serialize};

/// Why an agent's availability changed.
#[derive(async_graphql::Enum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A WebSocket or event stream of the agent opened.
    Connected,
    /// The agent's last connection closed, and the grace period passed without a new one.
    Disconnected,
    /// The server holding the agent's last connection stopped renewing it (it died or lost the database): the
    /// lease expired and another server's sweeper settled it.
    Expired,
    /// `setAvailability` changed the agent's choice.
    Set,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FromTo<T> {
    pub from: T,
    pub to: T,
}

/// `{"agentId": "<global id>", "availability": {"from": "online", "to": "offline"}, "choice": "busy",
/// "lastSeenAt": "…", "reason": "disconnected"}`.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    pub agent_id: String,
    pub availability: FromTo<Availability>,
    pub choice: Availability,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub reason: Reason,
}
