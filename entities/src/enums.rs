//! The enumerations of the data model, stored as short strings so that adding a variant needs no migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed `ActiveEnum` with snake_case database values.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[sea_orm(string_value = $value)] $variant,)+
        }
    };
}

string_enum!(
    /// What a principal may do in its workspace: agents are `admin`, `agent` or `analyst`; bot keys act as `bot`,
    /// widget tokens as `contact`.
    Role { Admin = "admin", Agent = "agent", Analyst = "analyst", Bot = "bot", Contact = "contact" }
);
string_enum!(
    /// Whether an agent takes new conversations.
    Availability { Online = "online", Busy = "busy", Offline = "offline" }
);
string_enum!(
    /// A bot's lifecycle.
    BotStatus { Active = "active", Paused = "paused", Archived = "archived" }
);
string_enum!(
    /// Where a conversation takes place.
    Channel {
        Web = "web", Whatsapp = "whatsapp", Messenger = "messenger", Telegram = "telegram",
        Slack = "slack", Email = "email", Sms = "sms", Api = "api",
    }
);
string_enum!(
    /// A conversation's state in the inbox.
    ConversationStatus { Open = "open", Pending = "pending", Snoozed = "snoozed", Resolved = "resolved" }
);
string_enum!(
    /// Urgency of a conversation or ticket.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);
string_enum!(
    /// Who answers a conversation right now.
    HandledBy { Bot = "bot", Human = "human" }
);
string_enum!(
    /// Who wrote a message.
    SenderKind { Contact = "contact", Bot = "bot", Agent = "agent", System = "system" }
);
string_enum!(
    /// What a message carries.
    MessageKind {
        Text = "text", Image = "image", File = "file", Card = "card",
        QuickReplies = "quick_replies", Event = "event",
    }
);
string_enum!(
    /// Delivery state of a message.
    MessageStatus { Sent = "sent", Delivered = "delivered", Read = "read", Failed = "failed" }
);
string_enum!(
    /// A ticket's state.
    TicketStatus {
        Open = "open", InProgress = "in_progress", Waiting = "waiting",
        Resolved = "resolved", Closed = "closed",
    }
);
string_enum!(
    /// Where an outbound webhook delivery stands: waiting for its (next) attempt, being sent by a worker, done,
    /// or given up (a 4xx other than 429, or its retries exhausted).
    WebhookDeliveryStatus { Pending = "pending", Sending = "sending", Delivered = "delivered", Failed = "failed" }
);
