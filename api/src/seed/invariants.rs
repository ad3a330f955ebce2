//! Test-only: what a seeded database must satisfy, checked through SQL and by recomputing derived fields.

use super::SeedReport;
use super::clock::{END, START, at};
use entities::enums::{ConversationStatus, HandledBy, SenderKind, TicketStatus};
use entities::{
    agent, bot, contact, contact_label, conversation, conversation_label, label, message, ticket, ticket_label,
    workspace,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Iterable, PrimaryKeyToColumn, QueryOrder, Statement};
use std::collections::HashMap;
use uuid::Uuid;

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect(sql);
    row.expect(sql).try_get_by_index::<i64>(0).expect(sql)
}

/// Each query counts rows that break a rule.
const VIOLATIONS: &[(&str, &str)] = &[
    (
        "seq gap-free from 1",
        "SELECT COUNT(*) FROM (SELECT conversation_id FROM message GROUP BY conversation_id HAVING MIN(seq) <> 1 OR MAX(seq) <> COUNT(*)) t",
    ),
    (
        "message_count",
        "SELECT COUNT(*) FROM conversation c WHERE c.message_count <> (SELECT COUNT(*) FROM message m WHERE m.conversation_id = c.id)",
    ),
    (
        "conversation numbers 1..n",
        "SELECT COUNT(*) FROM (SELECT workspace_id FROM conversation GROUP BY workspace_id HAVING MIN(number) <> 1 OR MAX(number) <> COUNT(*) OR COUNT(DISTINCT number) <> COUNT(*)) t",
    ),
    (
        "ticket numbers 1..n",
        "SELECT COUNT(*) FROM (SELECT workspace_id FROM ticket GROUP BY workspace_id HAVING MIN(number) <> 1 OR MAX(number) <> COUNT(*) OR COUNT(DISTINCT number) <> COUNT(*)) t",
    ),
    (
        "message workspace and channel",
        "SELECT COUNT(*) FROM message m JOIN conversation c ON c.id = m.conversation_id WHERE m.workspace_id <> c.workspace_id OR m.channel <> c.channel",
    ),
    (
        "conversation contact",
        "SELECT COUNT(*) FROM conversation c JOIN contact k ON k.id = c.contact_id WHERE k.workspace_id <> c.workspace_id",
    ),
    (
        "conversation bot",
        "SELECT COUNT(*) FROM conversation c JOIN bot b ON b.id = c.bot_id WHERE b.workspace_id <> c.workspace_id",
    ),
    (
        "conversation assignee",
        "SELECT COUNT(*) FROM conversation c JOIN agent a ON a.id = c.assignee_agent_id WHERE a.workspace_id <> c.workspace_id OR a.role = 'analyst'",
    ),
    (
        "contact senders",
        "SELECT COUNT(*) FROM message m WHERE m.sender_kind = 'contact' AND NOT EXISTS (SELECT 1 FROM conversation c WHERE c.id = m.conversation_id AND c.contact_id = m.sender_id)",
    ),
    (
        "bot senders",
        "SELECT COUNT(*) FROM message m WHERE m.sender_kind = 'bot' AND NOT EXISTS (SELECT 1 FROM conversation c WHERE c.id = m.conversation_id AND c.bot_id = m.sender_id)",
    ),
    (
        "agent senders",
        "SELECT COUNT(*) FROM message m WHERE m.sender_kind = 'agent' AND NOT EXISTS (SELECT 1 FROM agent a WHERE a.id = m.sender_id AND a.workspace_id = m.workspace_id)",
    ),
    (
        "system messages have no sender",
        "SELECT COUNT(*) FROM message WHERE (sender_kind = 'system') <> (sender_id IS NULL)",
    ),
    ("private notes are agents'", "SELECT COUNT(*) FROM message WHERE private AND sender_kind <> 'agent'"),
    (
        "ticket contact",
        "SELECT COUNT(*) FROM ticket t JOIN conversation c ON c.id = t.conversation_id WHERE t.contact_id <> c.contact_id OR t.workspace_id <> c.workspace_id",
    ),
    (
        "conversation_label workspace",
        "SELECT COUNT(*) FROM conversation_label j JOIN label l ON l.id = j.label_id JOIN conversation o ON o.id = j.conversation_id WHERE l.workspace_id <> j.workspace_id OR o.workspace_id <> j.workspace_id",
    ),
    (
        "contact_label workspace",
        "SELECT COUNT(*) FROM contact_label j JOIN label l ON l.id = j.label_id JOIN contact o ON o.id = j.contact_id WHERE l.workspace_id <> j.workspace_id OR o.workspace_id <> j.workspace_id",
    ),
    (
        "ticket_label workspace",
        "SELECT COUNT(*) FROM ticket_label j JOIN label l ON l.id = j.label_id JOIN ticket o ON o.id = j.ticket_id WHERE l.workspace_id <> j.workspace_id OR o.workspace_id <> j.workspace_id",
    ),
];

/// Each query counts something the data set must have (at least `min`).
const PRESENT: &[(&str, i64)] = &[
    ("SELECT COUNT(DISTINCT channel) FROM conversation", 8),
    ("SELECT COUNT(DISTINCT status) FROM conversation", 4),
    ("SELECT COUNT(DISTINCT priority) FROM conversation", 4),
    ("SELECT COUNT(DISTINCT status) FROM ticket", 5),
    ("SELECT COUNT(DISTINCT kind) FROM message", 6),
    ("SELECT COUNT(DISTINCT status) FROM message", 4),
    ("SELECT COUNT(*) FROM conversation WHERE message_count >= 100", 3),
    ("SELECT COUNT(*) FROM conversation WHERE handled_by = 'human' AND assignee_agent_id IS NULL", 5),
    ("SELECT COUNT(*) FROM message WHERE private", 50),
    ("SELECT COUNT(*) FROM message WHERE lower(content) LIKE '%refund%'", 50),
    ("SELECT COUNT(*) FROM message WHERE lower(content) LIKE '%password%'", 50),
    ("SELECT COUNT(*) FROM message WHERE lower(content) LIKE '%invoice%'", 50),
    ("SELECT COUNT(*) FROM message WHERE lower(content) LIKE '%shipping%'", 50),
    ("SELECT COUNT(*) FROM message WHERE source_id IS NOT NULL", 1000),
    ("SELECT COUNT(*) FROM message WHERE client_message_id IS NOT NULL", 1000),
    ("SELECT COUNT(*) FROM contact WHERE email IS NULL", 5),
    ("SELECT COUNT(*) FROM contact WHERE name IS NULL", 5),
    ("SELECT COUNT(*) FROM contact WHERE phone IS NOT NULL", 20),
    ("SELECT COUNT(*) FROM ticket WHERE conversation_id IS NOT NULL", 60),
    ("SELECT COUNT(*) FROM ticket WHERE due_at IS NOT NULL", 30),
    ("SELECT COUNT(*) FROM conversation_label", 300),
    ("SELECT COUNT(*) FROM contact_label", 20),
    ("SELECT COUNT(*) FROM ticket_label", 40),
];

pub async fn check(db: &DatabaseConnection, r: &SeedReport, scale: u32) {
    let s = u64::from(scale);
    assert_eq!((r.workspaces, r.agents, r.bots, r.labels), (2, 9, 3, 16), "{r}");
    assert_eq!((r.contacts, r.conversations), (200 * s, 1000 * s), "{r}");
    assert!((15_000 * s..=25_000 * s).contains(&r.messages), "{r}");
    assert!((100 * s..=200 * s).contains(&r.tickets), "{r}");
    for (table, n) in [
        ("workspace", r.workspaces),
        ("agent", r.agents),
        ("bot", r.bots),
        ("contact", r.contacts),
        ("conversation", r.conversations),
        ("message", r.messages),
        ("ticket", r.tickets),
        ("label", r.labels),
        ("event", 0),
    ] {
        assert_eq!(scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await, n as i64, "rows in {table}");
    }
    for (rule, sql) in VIOLATIONS {
        assert_eq!(scalar(db, sql).await, 0, "rows breaking: {rule}");
    }
    for (sql, min) in PRESENT {
        let n = scalar(db, sql).await;
        assert!(n >= *min, "{sql}: {n} < {min}");
    }
    derived_fields(db).await;
}

/// Recomputes every conversation's derived fields from its messages; checks tickets' timestamps.
async fn derived_fields(db: &DatabaseConnection) {
    use SenderKind::{Agent, Bot, Contact, System};
    let conversations = conversation::Entity::find().all(db).await.expect("conversations");
    let messages = message::Entity::find()
        .order_by_asc(message::Column::ConversationId)
        .order_by_asc(message::Column::Seq)
        .all(db)
        .await
        .expect("messages");
    let mut threads: HashMap<Uuid, Vec<&message::Model>> = HashMap::new();
    for m in &messages {
        threads.entry(m.conversation_id).or_default().push(m);
        assert_eq!(m.created_at.timestamp_subsec_nanos() % 1000, 0, "microseconds");
    }
    for c in &conversations {
        let ms = threads.get(&c.id).map_or(&[][..], Vec::as_slice);
        let n = c.number;
        assert_eq!(c.message_count, ms.len() as i64, "#{n}");
        assert!(ms.windows(2).all(|w| w[0].created_at < w[1].created_at), "#{n}: time follows seq");
        assert!(ms.first().is_none_or(|m| m.created_at >= c.created_at), "#{n}");
        let last = ms.last().map(|m| m.created_at);
        assert_eq!(c.last_message_at, last, "#{n}");
        assert_eq!(c.last_activity_at, last.unwrap_or(c.created_at), "#{n}");
        let first_contact = ms.iter().position(|m| m.sender_kind == Contact);
        let first_reply = first_contact
            .and_then(|i| ms[i + 1..].iter().find(|m| !matches!(m.sender_kind, Contact | System)))
            .map(|m| m.created_at);
        assert_eq!(c.first_reply_at, first_reply, "#{n}");
        // The analytics facts: first contact message, first public reply after it, messages in and out.
        let public_reply = |m: &message::Model| matches!(m.sender_kind, Bot | Agent) && !m.private;
        assert_eq!(c.first_contact_at, first_contact.map(|i| ms[i].created_at), "#{n}");
        let first_response =
            first_contact.and_then(|i| ms[i + 1..].iter().find(|m| public_reply(m))).map(|m| m.created_at);
        assert_eq!(c.first_response_at, first_response, "#{n}");
        assert_eq!(c.messages_in, ms.iter().filter(|m| m.sender_kind == Contact).count() as i64, "#{n}");
        assert_eq!(c.messages_out, ms.iter().filter(|m| public_reply(m)).count() as i64, "#{n}");
        let unanswered = ms.iter().rev().take_while(|m| m.sender_kind == Contact).last().map(|m| m.created_at);
        assert_eq!(c.waiting_since, unanswered, "#{n}");
        assert!(c.updated_at >= c.last_activity_at && c.created_at >= at(START) && c.last_activity_at <= at(END));
        assert_eq!(c.resolved_at.is_some(), c.status == ConversationStatus::Resolved, "#{n}");
        assert_eq!(c.snoozed_until.is_some(), c.status == ConversationStatus::Snoozed, "#{n}");
        assert!(c.handled_by == HandledBy::Human || c.assignee_agent_id.is_none(), "#{n}");
        assert!(c.handled_by == HandledBy::Human || c.bot_id.is_some(), "#{n}");
    }
    for t in ticket::Entity::find().all(db).await.expect("tickets") {
        let done = matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed);
        assert_eq!(t.resolved_at.is_some(), done, "ticket #{}", t.number);
        assert!(t.first_response_at.is_none_or(|f| f >= t.created_at && t.updated_at >= f));
        assert!(t.resolved_at.is_none_or(|r| t.first_response_at.is_some_and(|f| r >= f) && t.updated_at >= r));
    }
}

/// Two seeded databases hold the same rows (determinism, also across backends).
pub async fn same_rows(a: &DatabaseConnection, b: &DatabaseConnection) {
    macro_rules! same {
        ($($entity:ident),*) => {$({
            let by_key = || {
                let mut q = $entity::Entity::find();
                for key in <$entity::PrimaryKey as Iterable>::iter() {
                    q = q.order_by_asc(key.into_column());
                }
                q
            };
            let x = by_key().all(a).await.expect("read");
            let y = by_key().all(b).await.expect("read");
            assert_eq!(x.len(), y.len(), stringify!($entity));
            if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
                panic!("{} differs at row {i}: {:?} vs {:?}", stringify!($entity), x[i], y[i]);
            }
        })*};
    }
    same!(workspace, agent, bot, label, contact, contact_label, conversation, conversation_label, message);
    same!(ticket, ticket_label);
}
