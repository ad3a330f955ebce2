//! GraphQL enums mirroring `entities::enums` (the entities crate knows nothing of GraphQL).

use async_graphql::Enum;
use entities::enums as db;

macro_rules! gql_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

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
    Role {
        /// Everything in the workspace, API keys included.
        Admin,
        /// Works the inbox: conversations, messages, contacts, tickets, labels.
        Agent,
        /// Reads everything an agent reads, and reports; writes nothing.
        Analyst,
        /// A bot key: acts as its bot, in the bot's conversations.
        Bot,
        /// A widget token: one contact, in its own conversations.
        Contact,
    }
);
gql_enum!(
    /// Whether an agent takes new conversations.
    Availability {
        /// Takes new conversations.
        Online,
        /// Signed in, but takes no new conversations.
        Busy,
        /// Away.
        Offline,
    }
);
gql_enum!(
    /// A bot's lifecycle.
    BotStatus {
        /// Answers its conversations.
        Active,
        /// Stopped for now (`resumeBot` brings it back).
        Paused,
        /// Retired for good; it can then be deleted.
        Archived,
    }
);
gql_enum!(
    /// Where a conversation takes place.
    Channel {
        /// The website chat widget.
        Web,
        /// WhatsApp.
        Whatsapp,
        /// Facebook Messenger.
        Messenger,
        /// Telegram.
        Telegram,
        /// Slack.
        Slack,
        /// Email.
        Email,
        /// SMS.
        Sms,
        /// Created through the API (for example, the conversation of a ticket).
        Api,
    }
);
gql_enum!(
    /// A conversation's state in the inbox.
    ConversationStatus {
        /// Waiting for or being handled by a human.
        Open,
        /// Handled by a bot, not yet handed to humans.
        Pending,
        /// Put aside until `snoozedUntil`.
        Snoozed,
        /// Done; a new contact message reopens it.
        Resolved,
    }
);
gql_enum!(
    /// Urgency of a conversation or ticket.
    Priority {
        /// Can wait.
        Low,
        /// The default.
        Normal,
        /// Before normal ones.
        High,
        /// First.
        Urgent,
    }
);
gql_enum!(
    /// Who answers a conversation right now.
    HandledBy {
        /// Its bot answers.
        Bot,
        /// Agents answer.
        Human,
    }
);
gql_enum!(
    /// Who wrote a message.
    SenderKind {
        /// The contact (the customer).
        Contact,
        /// A bot.
        Bot,
        /// An agent.
        Agent,
        /// Parlor itself (notices in the timeline).
        System,
    }
);
gql_enum!(
    /// What a message carries.
    MessageKind {
        /// Plain text.
        Text,
        /// An image (its URL and details in `payload`).
        Image,
        /// A file (its URL and details in `payload`).
        File,
        /// A rich card (in `payload`).
        Card,
        /// Text with suggested replies (in `payload`).
        QuickReplies,
        /// A conversation event shown in the timeline.
        Event,
    }
);
gql_enum!(
    /// Delivery state of a message.
    MessageStatus {
        /// Accepted by Parlor.
        Sent,
        /// Reached the recipient's device or channel.
        Delivered,
        /// Seen by the recipient.
        Read,
        /// Could not be delivered (final).
        Failed,
    }
);
gql_enum!(
    /// A ticket's state.
    TicketStatus {
        /// New: nobody has responded yet.
        Open,
        /// Being worked on.
        InProgress,
        /// Waiting for the contact or a third party.
        Waiting,
        /// Solved; can be reopened.
        Resolved,
        /// Closed for good (final).
        Closed,
    }
);

/// Sort direction of a list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Oldest or lowest first.
    Asc,
    /// Newest or highest first.
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
    WebhookDeliveryStatus {
        /// Waiting for its next attempt (`nextAttemptAt`).
        Pending,
        /// A worker is sending it now.
        Sending,
        /// An attempt got a 2xx answer.
        Delivered,
        /// Refused (a 4xx other than 429) or every retry failed; `redeliverWebhook` sends it again.
        Failed,
    }
);
