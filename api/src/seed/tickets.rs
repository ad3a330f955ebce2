//! Tickets: some opened from conversations, the others on their own (e-mail, phone); numbered by creation time.

use super::clock::{DAY, END, HOUR, MINUTE, START, Stream, at, between, id, pick, rng_for, weighted};
use super::conversations::{PRIORITIES, PRIORITY_WEIGHTS};
use super::people::Ws;
use super::text::{self, fill};
use entities::enums::TicketStatus;
use entities::{ticket, ticket_label};
use rand::Rng;
use uuid::Uuid;

/// A ticket to be: what is known about it before it gets its number.
pub struct TicketSeed {
    pub conversation_id: Option<Uuid>,
    pub contact_id: Uuid,
    pub opened: i64,
    pub topic: usize,
    pub assignee: Option<Uuid>,
    /// The conversation it came from is resolved: the ticket is likely done too.
    pub settled: bool,
}

const STATUSES: [TicketStatus; 5] =
    [TicketStatus::Open, TicketStatus::InProgress, TicketStatus::Waiting, TicketStatus::Resolved, TicketStatus::Closed];

/// Tickets that did not come from a conversation.
fn standalone(ws: &Ws, seeds: &mut Vec<TicketSeed>) {
    let responders: Vec<_> = ws.responders().collect();
    for k in 0..ws.orphan_tickets {
        let rng = &mut rng_for(Stream::TicketOrphan, ws.idx, k);
        let opened = between(rng, START, END - 2 * HOUR);
        let contact_id = ws.contact_at(rng, opened).id;
        let topic = rng.random_range(0..text::TOPICS.len());
        let assignee = rng.random_bool(0.75).then(|| pick(rng, &responders).id);
        seeds.push(TicketSeed { conversation_id: None, contact_id, opened, topic, assignee, settled: false });
    }
}

/// The tickets of `ws` (from `seeds` plus standalone ones) and their labels.
pub fn build(ws: &Ws, mut seeds: Vec<TicketSeed>) -> (Vec<ticket::Model>, Vec<ticket_label::Model>) {
    use TicketStatus::*;
    standalone(ws, &mut seeds);
    seeds.sort_by_key(|s| s.opened);
    let mut tickets = Vec::with_capacity(seeds.len());
    let mut labels = Vec::new();
    for (n, seed) in seeds.into_iter().enumerate() {
        let number = n as i64 + 1;
        let rng = &mut rng_for(Stream::Ticket, ws.idx, number as u64);
        let opened = seed.opened;
        let topic = &text::TOPICS[seed.topic];
        let recent = END - opened < 10 * DAY;
        let weights: &[u32] = match (seed.settled, recent) {
            (true, _) => &[0, 10, 10, 45, 35],
            (false, true) => &[35, 30, 20, 10, 5],
            (false, false) => &[5, 15, 10, 35, 35],
        };
        let status = STATUSES[weighted(rng, weights)];
        let first_response = (status != Open || rng.random_bool(0.3))
            .then(|| (opened + between(rng, 10 * MINUTE, 8 * HOUR)).min(END - MINUTE));
        let resolved = matches!(status, Resolved | Closed)
            .then(|| first_response.map_or(opened, |f| (f + between(rng, HOUR, 5 * DAY)).min(END)));
        let updated = opened.max(first_response.unwrap_or(0)).max(resolved.unwrap_or(0));
        let template = *pick(rng, topic.subjects);
        let subject = fill(rng, template, None, "", "");
        let description = rng.random_bool(0.8).then(|| {
            let template = *pick(rng, topic.contact);
            fill(rng, template, None, "", "")
        });
        let assignee = if status == Open && rng.random_bool(0.4) { None } else { seed.assignee };
        let ticket_id = id(rng, opened);
        let label_count = weighted(rng, &[45, 30, 15, 10]);
        for label_id in ws.labels_for(rng, topic, label_count) {
            labels.push(ticket_label::Model {
                ticket_id,
                label_id,
                workspace_id: ws.id,
                created_at: at((opened + between(rng, 0, 10 * MINUTE)).min(END)),
            });
        }
        tickets.push(ticket::Model {
            id: ticket_id,
            workspace_id: ws.id,
            number,
            conversation_id: seed.conversation_id,
            contact_id: seed.contact_id,
            subject,
            description,
            status,
            priority: PRIORITIES[weighted(rng, &PRIORITY_WEIGHTS)],
            assignee_agent_id: assignee,
            due_at: rng.random_bool(0.5).then(|| at(opened + between(rng, DAY, 7 * DAY))),
            first_response_at: first_response.map(at),
            resolved_at: resolved.map(at),
            created_at: at(opened),
            updated_at: at(updated),
        });
    }
    (tickets, labels)
}
