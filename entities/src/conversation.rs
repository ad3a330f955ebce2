//! A thread between a contact and a bot or agents, on one channel.

use crate::enums::{Channel, ConversationStatus, HandledBy, Priority};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Human-friendly number, unique per workspace.
    pub number: i64,
    pub bot_id: Option<Uuid>,
    pub contact_id: Uuid,
    pub channel: Channel,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub assignee_agent_id: Option<Uuid>,
    pub handled_by: HandledBy,
    pub subject: Option<String>,
    pub attributes: Json,
    pub snoozed_until: Option<DateTimeUtc>,
    pub waiting_since: Option<DateTimeUtc>,
    pub first_reply_at: Option<DateTimeUtc>,
    pub last_message_at: Option<DateTimeUtc>,
    /// `last_message_at`, or `created_at` before the first message: the inbox sort key, never null.
    pub last_activity_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    /// Up to when the contact has read the conversation.
    pub contact_last_read_at: Option<DateTimeUtc>,
    /// Up to when the agents have read the conversation.
    pub agent_last_read_at: Option<DateTimeUtc>,
    pub message_count: i64,
    /// The contact's first message (analytics: where first response time starts).
    pub first_contact_at: Option<DateTimeUtc>,
    /// The first public bot or agent reply at or after `first_contact_at` (where first response time ends).
    pub first_response_at: Option<DateTimeUtc>,
    /// The first public agent message (a human replied: the bot did not contain it alone).
    pub first_human_reply_at: Option<DateTimeUtc>,
    /// When humans first took the conversation from its bot (`handoffToHuman`, or an assignment to an agent).
    pub handed_off_at: Option<DateTimeUtc>,
    /// How many times a resolved conversation was opened again.
    pub reopen_count: i64,
    /// Messages from the contact.
    pub messages_in: i64,
    /// Public messages from the bot and agents (private notes and system messages are neither in nor out).
    pub messages_out: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
