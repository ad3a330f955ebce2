//! The permission table: which role and scope may run each root field, mutation and subscription, which scope
//! reading each type needs, and which fields a role may not see. This table is the only place a permission is
//! written; [`super::access`] enforces it for every operation on every transport, README.md shows it (a test
//! keeps the two equal), and a root field missing from it is refused for everyone.

use super::scopes::{Scope, Scopes};
use entities::enums::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Query,
    Mutation,
    Subscription,
}

/// Who may run one root field: a role in `roles` whose credential holds `scope` (when set).
#[derive(Debug)]
pub struct Rule {
    pub op: Op,
    pub field: &'static str,
    pub scope: Option<Scope>,
    pub roles: &'static [Role],
}

const ANYONE: &[Role] = &[Role::Admin, Role::Agent, Role::Analyst, Role::Bot, Role::Contact];
/// Those who take part in conversations.
const PARTICIPANTS: &[Role] = &[Role::Admin, Role::Agent, Role::Bot, Role::Contact];
/// Those who answer contacts.
const RESPONDERS: &[Role] = &[Role::Admin, Role::Agent, Role::Bot];
const AGENTS: &[Role] = &[Role::Admin, Role::Agent];
const ADMINS: &[Role] = &[Role::Admin];
/// The people of the workspace.
const STAFF: &[Role] = &[Role::Admin, Role::Agent, Role::Analyst];

const fn q(field: &'static str, scope: Option<Scope>) -> Rule {
    Rule { op: Op::Query, field, scope, roles: ANYONE }
}
const fn m(field: &'static str, scope: Scope, roles: &'static [Role]) -> Rule {
    Rule { op: Op::Mutation, field, scope: Some(scope), roles }
}
const fn s(field: &'static str, scope: Scope) -> Rule {
    Rule { op: Op::Subscription, field, scope: Some(scope), roles: ANYONE }
}

use Scope::*;

pub const RULES: &[Rule] = &[
    q("viewer", None),
    q("workspace", None),
    // Each object found is checked against its type's scope (`node::load`).
    q("node", None),
    q("nodes", None),
    q("agents", Some(AgentsRead)),
    q("agent", Some(AgentsRead)),
    q("bots", Some(BotsRead)),
    q("bot", Some(BotsRead)),
    q("contacts", Some(ContactsRead)),
    q("contact", Some(ContactsRead)),
    q("conversations", Some(ConversationsRead)),
    q("conversation", Some(ConversationsRead)),
    q("messages", Some(MessagesRead)),
    q("message", Some(MessagesRead)),
    q("tickets", Some(TicketsRead)),
    q("ticket", Some(TicketsRead)),
    q("labels", Some(LabelsRead)),
    q("label", Some(LabelsRead)),
    q("conversationMetrics", Some(AnalyticsRead)),
    q("ticketMetrics", Some(AnalyticsRead)),
    q("liveQueue", Some(AnalyticsRead)),
    Rule { op: Op::Query, field: "apiKeys", scope: Some(ApiKeysAdmin), roles: ADMINS },
    Rule { op: Op::Query, field: "webhookEndpoints", scope: Some(WebhooksAdmin), roles: ADMINS },
    Rule { op: Op::Query, field: "webhookDeliveries", scope: Some(WebhooksAdmin), roles: ADMINS },
    Rule { op: Op::Query, field: "inboxes", scope: Some(WebhooksAdmin), roles: ADMINS },
    m("createBot", BotsAdmin, ADMINS),
    m("updateBot", BotsAdmin, ADMINS),
    m("pauseBot", BotsAdmin, ADMINS),
    m("resumeBot", BotsAdmin, ADMINS),
    m("archiveBot", BotsAdmin, ADMINS),
    m("deleteBot", BotsAdmin, ADMINS),
    m("createContact", ContactsWrite, RESPONDERS),
    m("updateContact", ContactsWrite, RESPONDERS),
    m("upsertContact", ContactsWrite, RESPONDERS),
    m("deleteContact", ContactsWrite, ADMINS),
    m("createContactToken", ContactsWrite, RESPONDERS),
    m("startConversation", ConversationsWrite, PARTICIPANTS),
    m("assignConversation", ConversationsWrite, RESPONDERS),
    m("handoffToHuman", ConversationsWrite, RESPONDERS),
    m("setConversationStatus", ConversationsWrite, RESPONDERS),
    m("setConversationPriority", ConversationsWrite, AGENTS),
    m("markConversationRead", MessagesWrite, PARTICIPANTS),
    m("sendMessage", MessagesWrite, PARTICIPANTS),
    m("setTyping", MessagesWrite, PARTICIPANTS),
    m("updateMessageStatus", MessagesWrite, RESPONDERS),
    m("addLabels", LabelsWrite, AGENTS),
    m("removeLabels", LabelsWrite, AGENTS),
    m("createTicket", TicketsWrite, AGENTS),
    m("updateTicket", TicketsWrite, AGENTS),
    m("assignTicket", TicketsWrite, AGENTS),
    m("setTicketStatus", TicketsWrite, AGENTS),
    m("closeTicket", TicketsWrite, AGENTS),
    m("addTicketComment", TicketsWrite, AGENTS),
    m("createApiKey", ApiKeysAdmin, ADMINS),
    m("rotateApiKey", ApiKeysAdmin, ADMINS),
    m("revokeApiKey", ApiKeysAdmin, ADMINS),
    m("createWebhookEndpoint", WebhooksAdmin, ADMINS),
    m("updateWebhookEndpoint", WebhooksAdmin, ADMINS),
    m("deleteWebhookEndpoint", WebhooksAdmin, ADMINS),
    m("rotateWebhookSecret", WebhooksAdmin, ADMINS),
    m("redeliverWebhook", WebhooksAdmin, ADMINS),
    m("sendTestWebhook", WebhooksAdmin, ADMINS),
    m("setAvailability", AgentsWrite, AGENTS),
    m("createInbox", WebhooksAdmin, ADMINS),
    m("updateInbox", WebhooksAdmin, ADMINS),
    m("deleteInbox", WebhooksAdmin, ADMINS),
    m("rotateInboxSecret", WebhooksAdmin, ADMINS),
    s("messageAdded", MessagesRead),
    s("conversationUpdated", ConversationsRead),
    s("typing", ConversationsRead),
    s("ticketUpdated", TicketsRead),
    s("events", EventsRead),
    s("liveQueueUpdated", AnalyticsRead),
    // The workspace's staff: a widget or a bot key sees no presence events (they are about no conversation).
    Rule { op: Op::Subscription, field: "agentPresenceChanged", scope: Some(AgentsRead), roles: STAFF },
];

/// Reading any field of these types needs the scope (wrappers such as connections and payloads need none).
pub const TYPES: &[(&str, Scope)] = &[
    ("Agent", AgentsRead),
    ("Bot", BotsRead),
    ("Contact", ContactsRead),
    ("Conversation", ConversationsRead),
    ("Message", MessagesRead),
    ("TypingEvent", ConversationsRead),
    ("Ticket", TicketsRead),
    ("Label", LabelsRead),
    ("Event", EventsRead),
    ("AgentPresenceChange", AgentsRead),
    ("ApiKey", ApiKeysAdmin),
    ("WebhookEndpoint", WebhooksAdmin),
    ("WebhookDelivery", WebhooksAdmin),
    ("Inbox", WebhooksAdmin),
];

/// Fields these roles may not read at all.
pub const HIDDEN: &[(&str, &str, &[Role])] = &[
    // A widget shows who answers, never how to reach them.
    ("Agent", "email", &[Role::Contact]),
    // Integration settings of a bot are for the workspace's staff and the bot itself.
    ("Bot", "config", &[Role::Contact]),
];

pub fn rule(op: Op, field: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.op == op && r.field == field)
}

pub fn type_scope(type_name: &str) -> Option<Scope> {
    TYPES.iter().find(|(t, _)| *t == type_name).map(|(_, s)| *s)
}

pub fn hidden_from(type_name: &str, field: &str) -> &'static [Role] {
    HIDDEN.iter().find(|(t, f, _)| *t == type_name && *f == field).map_or(&[], |(_, _, r)| r)
}

/// The roles that can run `rule` with their full scopes.
pub fn effective_roles(rule: &Rule) -> impl Iterator<Item = Role> + '_ {
    rule.roles.iter().copied().filter(|r| rule.scope.is_none_or(|s| Scopes::of_role(*r).contains(s)))
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Admin => "admin",
        Role::Agent => "agent",
        Role::Analyst => "analyst",
        Role::Bot => "bot",
        Role::Contact => "contact",
    }
}

/// The table as README.md shows it.
pub fn markdown() -> String {
    let mut out = String::from("| operation | field | scope | roles |\n|---|---|---|---|\n");
    for r in RULES {
        let op = match r.op {
            Op::Query => "query",
            Op::Mutation => "mutation",
            Op::Subscription => "subscription",
        };
        let scope = r.scope.map_or("–".to_owned(), |s| format!("`{}`", s.name()));
        let roles: Vec<&str> = effective_roles(r).map(role_name).collect();
        out.push_str(&format!("| {op} | `{}` | {scope} | {} |\n", r.field, roles.join(", ")));
    }
    out.push_str("\n| role | scopes it holds at most |\n|---|---|\n");
    for role in [Role::Admin, Role::Agent, Role::Analyst, Role::Bot, Role::Contact] {
        let scopes: Vec<String> = Scopes::of_role(role).iter().map(|s| format!("`{}`", s.name())).collect();
        out.push_str(&format!("| {} | {} |\n", role_name(role), scopes.join(" ")));
    }
    out.push_str("\n| type | reading it needs | fields hidden from |\n|---|---|---|\n");
    for (t, scope) in TYPES {
        let hidden: Vec<String> = HIDDEN
            .iter()
            .filter(|(ty, _, _)| ty == t)
            .map(|(_, f, roles)| {
                let roles: Vec<&str> = roles.iter().copied().map(role_name).collect();
                format!("`{f}` ({})", roles.join(", "))
            })
            .collect();
        let hidden = if hidden.is_empty() { "–".to_owned() } else { hidden.join(", ") };
        out.push_str(&format!("| `{t}` | `{}` | {hidden} |\n", scope.name()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every root field the schema serves has exactly one rule, and every rule names a served field: a new field
    /// without a permission fails here (and is refused for everyone until it has one).
    #[test]
    fn every_root_field_has_one_rule() {
        let sdl = crate::sdl();
        let schema = apollo_compiler::Schema::parse(&sdl, "schema.graphql").expect("the SDL parses");
        let mut served = vec![];
        for (op, name) in [(Op::Query, "Query"), (Op::Mutation, "Mutation"), (Op::Subscription, "Subscription")] {
            let Some(apollo_compiler::schema::ExtendedType::Object(t)) = schema.types.get(name) else { continue };
            for field in t.fields.keys() {
                served.push((op, field.as_str().to_owned()));
            }
        }
        for (op, field) in &served {
            let n = RULES.iter().filter(|r| r.op == *op && r.field == field).count();
            assert_eq!(n, 1, "{op:?} field {field} has {n} rules in auth/policy.rs");
        }
        for r in RULES {
            assert!(served.iter().any(|(op, f)| *op == r.op && f == r.field), "rule for unknown field {}", r.field);
        }
        for (t, _) in TYPES {
            assert!(schema.types.contains_key(*t), "TYPES names unknown type {t}");
        }
    }

    #[test]
    fn readme_shows_this_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
        assert!(
            readme.contains(&markdown()),
            "README.md's permission table is out of date: paste the output of `parlor policy` in its place"
        );
    }
}
