//! Scopes: what a credential may do, per resource and verb (`conversations:read`, `messages:write`, …), in the
//! OAuth 2.0 `scope` spelling. A credential holds its role's scopes, or fewer when it was granted a subset (an API
//! key created with `scopes`, an identity provider's token with a `scope` claim): least privilege.

use entities::enums::Role;

/// One permission. GraphQL spells it `CONVERSATIONS_READ`; tokens and README spell it `conversations:read`.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `conversations:read`: read conversations and follow their updates.
    ConversationsRead,
    /// `conversations:write`: start, assign, hand off, snooze and resolve conversations.
    ConversationsWrite,
    /// `messages:read`: read messages and follow new ones.
    MessagesRead,
    /// `messages:write`: send messages, set typing, mark read, update delivery status.
    MessagesWrite,
    /// `contacts:read`: read contacts.
    ContactsRead,
    /// `contacts:write`: create, update, upsert and erase contacts.
    ContactsWrite,
    /// `tickets:read`: read tickets and follow their updates.
    TicketsRead,
    /// `tickets:write`: create, update, assign, resolve and comment on tickets.
    TicketsWrite,
    /// `bots:read`: read bots.
    BotsRead,
    /// `bots:admin`: create, configure, pause, archive and delete bots.
    BotsAdmin,
    /// `agents:read`: read the workspace's agents.
    AgentsRead,
    /// `agents:write`: set agents' availability (`setAvailability`).
    AgentsWrite,
    /// `labels:read`: read labels.
    LabelsRead,
    /// `labels:write`: add and remove labels.
    LabelsWrite,
    /// `events:read`: read and follow the workspace's event log.
    EventsRead,
    /// `analytics:read`: read reports and metrics.
    AnalyticsRead,
    /// `webhooks:admin`: manage outbound webhooks.
    WebhooksAdmin,
    /// `api_keys:admin`: create, rotate and revoke API keys.
    ApiKeysAdmin,
}

impl Scope {
    pub const ALL: [Scope; 18] = [
        Scope::ConversationsRead,
        Scope::ConversationsWrite,
        Scope::MessagesRead,
        Scope::MessagesWrite,
        Scope::ContactsRead,
        Scope::ContactsWrite,
        Scope::TicketsRead,
        Scope::TicketsWrite,
        Scope::BotsRead,
        Scope::BotsAdmin,
        Scope::AgentsRead,
        Scope::AgentsWrite,
        Scope::LabelsRead,
        Scope::LabelsWrite,
        Scope::EventsRead,
        Scope::AnalyticsRead,
        Scope::WebhooksAdmin,
        Scope::ApiKeysAdmin,
    ];

    /// The OAuth spelling, as tokens carry it.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::ConversationsRead => "conversations:read",
            Scope::ConversationsWrite => "conversations:write",
            Scope::MessagesRead => "messages:read",
            Scope::MessagesWrite => "messages:write",
            Scope::ContactsRead => "contacts:read",
            Scope::ContactsWrite => "contacts:write",
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::BotsRead => "bots:read",
            Scope::BotsAdmin => "bots:admin",
            Scope::AgentsRead => "agents:read",
            Scope::AgentsWrite => "agents:write",
            Scope::LabelsRead => "labels:read",
            Scope::LabelsWrite => "labels:write",
            Scope::EventsRead => "events:read",
            Scope::AnalyticsRead => "analytics:read",
            Scope::WebhooksAdmin => "webhooks:admin",
            Scope::ApiKeysAdmin => "api_keys:admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.name() == s)
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }

    const fn is_read(self) -> bool {
        matches!(
            self,
            Scope::ConversationsRead
                | Scope::MessagesRead
                | Scope::ContactsRead
                | Scope::TicketsRead
                | Scope::BotsRead
                | Scope::AgentsRead
                | Scope::LabelsRead
                | Scope::EventsRead
                | Scope::AnalyticsRead
        )
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u32);

impl Scopes {
    pub const NONE: Scopes = Scopes(0);

    pub const fn of(list: &[Scope]) -> Scopes {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= list[i].bit();
            i += 1;
        }
        Scopes(bits)
    }

    pub const fn contains(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub const fn with(self, s: Scope) -> Scopes {
        Scopes(self.0 | s.bit())
    }

    pub const fn intersect(self, o: Scopes) -> Scopes {
        Scopes(self.0 & o.0)
    }

    pub const fn union(self, o: Scopes) -> Scopes {
        Scopes(self.0 | o.0)
    }

    pub const fn is_subset_of(self, o: Scopes) -> bool {
        self.0 & !o.0 == 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Those of `self` missing from `held`.
    pub const fn missing_from(self, held: Scopes) -> Scopes {
        Scopes(self.0 & !held.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// `conversations:read messages:read`: the OAuth `scope` claim's spelling.
    pub fn to_claim(self) -> String {
        self.iter().map(Scope::name).collect::<Vec<_>>().join(" ")
    }

    /// The scopes named in an OAuth `scope` claim (space-separated). Names Parlor does not know (an identity
    /// provider's `openid`, `profile`, …) are ignored.
    pub fn from_claim<'a>(names: impl IntoIterator<Item = &'a str>) -> Scopes {
        names.into_iter().filter_map(Scope::parse).fold(Scopes::NONE, Scopes::with)
    }

    /// What `role` may do at most: a credential never holds more than its role's scopes.
    pub const fn of_role(role: Role) -> Scopes {
        match role {
            Role::Admin => Scopes::of(&Scope::ALL),
            Role::Agent => READ.union(Scopes::of(&[
                Scope::ConversationsWrite,
                Scope::MessagesWrite,
                Scope::ContactsWrite,
                Scope::TicketsWrite,
                Scope::LabelsWrite,
                Scope::AgentsWrite,
            ])),
            Role::Analyst => READ,
            Role::Bot => Scopes::of(&[
                Scope::ConversationsRead,
                Scope::ConversationsWrite,
                Scope::MessagesRead,
                Scope::MessagesWrite,
                Scope::ContactsRead,
                Scope::ContactsWrite,
                Scope::BotsRead,
                Scope::AgentsRead,
            ]),
            Role::Contact => Scopes::of(&[
                Scope::ConversationsRead,
                Scope::ConversationsWrite,
                Scope::MessagesRead,
                Scope::MessagesWrite,
                Scope::ContactsRead,
                Scope::BotsRead,
                Scope::AgentsRead,
            ]),
        }
    }
}

/// Every read scope.
const READ: Scopes = {
    let mut bits = 0;
    let mut i = 0;
    while i < Scope::ALL.len() {
        if Scope::ALL[i].is_read() {
            bits |= Scope::ALL[i].bit();
        }
        i += 1;
    }
    Scopes(bits)
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_roles_nest() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.name()), Some(s));
        }
        let claim = Scopes::from_claim("openid conversations:read messages:write".split(' '));
        assert_eq!(claim.to_claim(), "conversations:read messages:write");
        assert!(Scopes::of_role(Role::Analyst).is_subset_of(Scopes::of_role(Role::Agent)));
        assert!(Scopes::of_role(Role::Agent).is_subset_of(Scopes::of_role(Role::Admin)));
        assert!(!Scopes::of_role(Role::Analyst).contains(Scope::MessagesWrite));
        assert!(!Scopes::of_role(Role::Contact).contains(Scope::ContactsWrite));
    }
}
