//! The vocabulary of the outbox: every event type a write can append, one enum, so a typo is a compile error and
//! `events(types:)` refuses an unknown type instead of silently matching nothing.

use async_graphql::Enum;

/// What happened. Stored and sent (in `Event.type`, later in webhooks) as `message.created`, `ticket.updated`, …
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `message.created`: a message was sent.
    MessageCreated,
    /// `message.updated`: a message's delivery status changed.
    MessageUpdated,
    /// `conversation.created`: a conversation started.
    ConversationCreated,
    /// `conversation.updated`: a conversation's priority or details changed.
    ConversationUpdated,
    /// `conversation.assigned`: a conversation was assigned to an agent or back to its bot.
    ConversationAssigned,
    /// `conversation.handoff`: a bot handed a conversation to humans.
    ConversationHandoff,
    /// `conversation.status_changed`: opened, snoozed, resolved or reopened.
    ConversationStatusChanged,
    /// `conversation.read`: one side read the conversation.
    ConversationRead,
    /// `ticket.created`: a ticket was opened.
    TicketCreated,
    /// `ticket.updated`: a ticket changed (status, assignee, details, comments).
    TicketUpdated,
    /// `contact.created`: a contact was created.
    ContactCreated,
    /// `contact.updated`: a contact changed.
    ContactUpdated,
    /// `contact.deleted`: a contact was erased.
    ContactDeleted,
    /// `bot.created`: a bot was created.
    BotCreated,
    /// `bot.updated`: a bot changed (details, paused, resumed, archived).
    BotUpdated,
    /// `bot.deleted`: a bot was deleted.
    BotDeleted,
    /// An outbound webhook endpoint kept failing and was disabled (payload: `endpointId`, `reason`).
    WebhookEndpointDisabled,
    /// `agent.presence_changed`: an agent went online, busy or offline (payload: `agentId`, `availability`
    /// `{from, to}`, `choice`, `lastSeenAt`, `reason`).
    AgentPresenceChanged,
}

impl EventType {
    pub const ALL: [EventType; 18] = [
        Self::MessageCreated,
        Self::MessageUpdated,
        Self::ConversationCreated,
        Self::ConversationUpdated,
        Self::ConversationAssigned,
        Self::ConversationHandoff,
        Self::ConversationStatusChanged,
        Self::ConversationRead,
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::ContactCreated,
        Self::ContactUpdated,
        Self::ContactDeleted,
        Self::BotCreated,
        Self::BotUpdated,
        Self::BotDeleted,
        Self::WebhookEndpointDisabled,
        Self::AgentPresenceChanged,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageCreated => "message.created",
            Self::MessageUpdated => "message.updated",
            Self::ConversationCreated => "conversation.created",
            Self::ConversationUpdated => "conversation.updated",
            Self::ConversationAssigned => "conversation.assigned",
            Self::ConversationHandoff => "conversation.handoff",
            Self::ConversationStatusChanged => "conversation.status_changed",
            Self::ConversationRead => "conversation.read",
            Self::TicketCreated => "ticket.created",
            Self::TicketUpdated => "ticket.updated",
            Self::ContactCreated => "contact.created",
            Self::ContactUpdated => "contact.updated",
            Self::ContactDeleted => "contact.deleted",
            Self::BotCreated => "bot.created",
            Self::BotUpdated => "bot.updated",
            Self::BotDeleted => "bot.deleted",
            Self::WebhookEndpointDisabled => "webhook_endpoint.disabled",
            Self::AgentPresenceChanged => "agent.presence_changed",
        }
    }

    /// The type of a stored name (`None` for a name this version does not know).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// A change of a conversation (`conversationUpdated` delivers these, and new messages).
    pub fn is_conversation(self) -> bool {
        self.as_str().starts_with("conversation.")
    }

    pub fn is_ticket(self) -> bool {
        self.as_str().starts_with("ticket.")
    }
}

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("message.creatd"), None);
    }
}
