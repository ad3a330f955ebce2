//! GraphQL enums mirroring `entities::enums` (the entities crate knows nothing of GraphQL).

use async_graphql::Enum;
use entities::enums as db;

macro_rules! gql_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl From<db::$name> for $name {
            fn from(v: db::$name) -> Self {
                match v { $(db::$name::$variant => $name::$variant),+ }
            }
        }

        impl From<$name> for db::$name {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => db::$name::$variant),+ }
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(v: $name) -> Self {
                db::$name::from(v).into()
            }
        }
    };
}

gql_enum!(
    /// What a principal may do in its workspace: agents are `ADMIN`, `AGENT` or `ANALYST`; bot keys act as
    /// `BOT`, widget tokens as `CONTACT`.
    Role { Admin, Agent, Analyst, Bot, Contact }
);
gql_enum!(
    /// Whether an agent takes new conversations.
    Availability { Online, Busy, Offline }
);
gql_enum!(
    /// A bot's lifecycle.
    BotStatus { Active, Paused, Archived }
);
gql_enum!(
    /// Where a conversation takes place.
    Channel { Web, Whatsapp, Messenger, Telegram, Slack, Email, Sms, Api }
);
gql_enum!(
    /// A conversation's state in the inbox.
    ConversationStatus { Open, Pending, Snoozed, Resolved }
);
gql_enum!(
    /// Urgency of a conversation or ticket.
    Priority { Low, Normal, High, Urgent }
);
gql_enum!(
    /// Who answers a conversation right now.
    HandledBy { Bot, Human }
);
gql_enum!(
    /// Who wrote a message.
    SenderKind { Contact, Bot, Agent, System }
);
gql_enum!(
    /// What a message carries.
    MessageKind { Text, Image, File, Card, QuickReplies, Event }
);
gql_enum!(
    /// Delivery state of a message.
    MessageStatus { Sent, Delivered, Read, Failed }
);
gql_enum!(
    /// A ticket's state.
    TicketStatus { Open, InProgress, Waiting, Resolved, Closed }
);

/// Sort direction of a list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

impl OrderDirection {
    pub fn desc(self) -> bool {
        self == OrderDirection::Desc
    }
}
gql_enum!(
    /// Where an outbound webhook delivery stands: `PENDING` (waiting for its next attempt), `SENDING` (a worker is
    /// sending it), `DELIVERED` (a 2xx answer), `FAILED` (a 4xx other than 429, or every retry failed).
    WebhookDeliveryStatus { Pending, Sending, Delivered, Failed }
);
