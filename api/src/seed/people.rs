//! Workspaces with their agents, bots and labels: the rows that do not grow with the scale.

use super::clock::{DAY, HOUR, MINUTE, START, Stream, at, between, id, pick, rng_for};
use super::text::Topic;
use entities::enums::{Availability, BotStatus, Role};
use entities::{agent, bot, label, workspace};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;
use uuid::Uuid;

pub struct AgentRef {
    pub id: Uuid,
    pub first: &'static str,
    /// Admins and agents answer conversations; analysts only read.
    pub responder: bool,
}

pub struct BotRef {
    pub id: Uuid,
    pub name: &'static str,
    /// A paused bot only handled conversations that started before it was paused.
    pub paused_at: Option<i64>,
}

pub struct ContactRef {
    pub id: Uuid,
    pub created: i64,
    pub first: Option<&'static str>,
}

pub struct LabelRef {
    pub id: Uuid,
    pub name: &'static str,
}

/// One workspace being seeded: what its conversations and tickets refer to, and how many of them to make.
pub struct Ws {
    pub idx: usize,
    pub id: Uuid,
    pub name: &'static str,
    pub agents: Vec<AgentRef>,
    pub bots: Vec<BotRef>,
    pub labels: Vec<LabelRef>,
    pub contacts: Vec<ContactRef>,
    pub contact_count: u64,
    pub conversation_count: u64,
    pub orphan_tickets: u64,
}

impl Ws {
    pub fn responders(&self) -> impl Iterator<Item = &AgentRef> {
        self.agents.iter().filter(|a| a.responder)
    }

    pub fn label(&self, name: &str) -> Option<&LabelRef> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// `count` distinct labels, those that fit `topic` first.
    pub fn labels_for(&self, rng: &mut StdRng, topic: &Topic, count: usize) -> Vec<Uuid> {
        let mut out: Vec<Uuid> = topic.labels.iter().filter_map(|n| self.label(n)).map(|l| l.id).take(count).collect();
        while out.len() < count.min(self.labels.len()) {
            let label = pick(rng, &self.labels).id;
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out
    }

    /// A contact who already existed at `t` (the oldest contact predates all activity).
    pub fn contact_at(&self, rng: &mut StdRng, t: i64) -> &ContactRef {
        let known = self.contacts.partition_point(|c| c.created <= t).max(1);
        &self.contacts[rng.random_range(0..known)]
    }
}

struct Spec {
    slug: &'static str,
    name: &'static str,
    /// Rows at scale 1: contacts, conversations, tickets without a conversation.
    volume: (u64, u64, u64),
    agents: &'static [(&'static str, &'static str, Role, Availability)],
    bots: &'static [(&'static str, &'static str, bool)],
}

const SPECS: &[Spec] = &[
    Spec {
        slug: "acme",
        name: "Acme Support",
        volume: (160, 800, 30),
        agents: &[
            ("Maria Gonzalez", "maria.gonzalez@acme.example", Role::Admin, Availability::Online),
            ("James Carter", "james.carter@acme.example", Role::Agent, Availability::Online),
            ("Aiko Tanaka", "aiko.tanaka@acme.example", Role::Agent, Availability::Busy),
            ("Lukas Becker", "lukas.becker@acme.example", Role::Agent, Availability::Online),
            ("Priya Nair", "priya.nair@acme.example", Role::Agent, Availability::Offline),
            ("Olivia Brown", "olivia.brown@acme.example", Role::Analyst, Availability::Offline),
        ],
        bots: &[
            ("Ava", "Front-line assistant: orders, refunds, shipping and account questions.", false),
            ("Returns Helper", "Guided returns flow; paused while the returns policy is rewritten.", true),
        ],
    },
    Spec {
        slug: "globex",
        name: "Globex",
        volume: (40, 200, 8),
        agents: &[
            ("Sofia Rossi", "sofia.rossi@globex.example", Role::Admin, Availability::Online),
            ("Daniel Kim", "daniel.kim@globex.example", Role::Agent, Availability::Busy),
            ("Emma Dubois", "emma.dubois@globex.example", Role::Agent, Availability::Online),
        ],
        bots: &[("Globot", "Answers billing and onboarding questions around the clock.", false)],
    },
];

const LABELS: &[(&str, &str)] = &[
    ("billing", "#2563eb"),
    ("bug", "#dc2626"),
    ("vip", "#9333ea"),
    ("refund", "#ea580c"),
    ("onboarding", "#16a34a"),
    ("urgent", "#b91c1c"),
    ("feedback", "#0891b2"),
    ("churn-risk", "#ca8a04"),
];

/// When the paused bot was paused.
const PAUSED_AT: i64 = START + 20 * DAY;

/// The fixed rows of every workspace (the same at every scale).
#[derive(Default)]
pub struct Fixed {
    pub workspaces: Vec<workspace::Model>,
    pub agents: Vec<agent::Model>,
    pub bots: Vec<bot::Model>,
    pub labels: Vec<label::Model>,
}

pub fn workspaces(scale: u64) -> (Vec<Ws>, Fixed) {
    let mut rows = Fixed::default();
    let mut out = Vec::new();
    for (idx, spec) in SPECS.iter().enumerate() {
        let mut rng = rng_for(Stream::Workspace, idx, 0);
        let created = START - 200 * DAY + idx as i64 * 17 * DAY;
        let ws_id = id(&mut rng, created);
        rows.workspaces.push(workspace::Model {
            id: ws_id,
            name: spec.name.to_owned(),
            slug: spec.slug.to_owned(),
            created_at: at(created),
        });
        let mut ws = Ws {
            idx,
            id: ws_id,
            name: spec.name,
            agents: Vec::new(),
            bots: Vec::new(),
            labels: Vec::new(),
            contacts: Vec::new(),
            contact_count: spec.volume.0 * scale,
            conversation_count: spec.volume.1 * scale,
            orphan_tickets: spec.volume.2 * scale,
        };
        for (i, (name, email, role, availability)) in spec.agents.iter().enumerate() {
            let t = created + HOUR + i as i64 * 9 * DAY + between(&mut rng, 0, DAY);
            let agent_id = id(&mut rng, t);
            let first = name.split(' ').next().unwrap_or(name);
            ws.agents.push(AgentRef { id: agent_id, first, responder: *role != Role::Analyst });
            rows.agents.push(agent::Model {
                id: agent_id,
                workspace_id: ws_id,
                name: (*name).to_owned(),
                email: (*email).to_owned(),
                role: *role,
                availability: *availability,
                // Demo data at rest: busy agents chose busy; the others are online whenever they connect.
                availability_choice: if *availability == Availability::Busy {
                    Availability::Busy
                } else {
                    Availability::Online
                },
                last_seen_at: None,
                created_at: at(t),
            });
        }
        for (i, (name, description, paused)) in spec.bots.iter().enumerate() {
            let t = created + 3 * DAY + i as i64 * 30 * DAY + between(&mut rng, 0, HOUR);
            let bot_id = id(&mut rng, t);
            let paused_at = paused.then_some(PAUSED_AT);
            ws.bots.push(BotRef { id: bot_id, name, paused_at });
            rows.bots.push(bot::Model {
                id: bot_id,
                workspace_id: ws_id,
                name: (*name).to_owned(),
                description: Some((*description).to_owned()),
                status: if *paused { BotStatus::Paused } else { BotStatus::Active },
                config: json!({
                    "greeting": format!("Hi! I'm {name}, how can I help?"),
                    "language": "en",
                    "handoff_after_turns": 3,
                    "channels": ["web", "whatsapp", "messenger", "telegram"],
                    "business_hours": {"timezone": "Europe/Berlin", "start": "08:00", "end": "18:00"},
                }),
                created_at: at(t),
                updated_at: at(paused_at.unwrap_or(t + 10 * DAY)),
            });
        }
        for (i, (name, color)) in LABELS.iter().enumerate() {
            let t = created + DAY + i as i64 * 7 * MINUTE;
            let label_id = id(&mut rng, t);
            ws.labels.push(LabelRef { id: label_id, name });
            rows.labels.push(label::Model {
                id: label_id,
                workspace_id: ws_id,
                name: (*name).to_owned(),
                color: (*color).to_owned(),
                created_at: at(t),
            });
        }
        out.push(ws);
    }
    (out, rows)
}
