//! Conversations, generated in order of creation, each with its messages, its labels and sometimes a ticket.

use super::clock::{DAY, END, HOUR, MINUTE, START, Stream, at, between, id, pick, rng_for, weighted};
use super::messages::{self, Thread};
use super::people::Ws;
use super::text::{self, fill};
use super::tickets::TicketSeed;
use entities::enums::{Channel, ConversationStatus, HandledBy, Priority};
use entities::{conversation, conversation_label, message};
use rand::Rng;
use serde_json::json;

const CHANNELS: [Channel; 8] = [
    Channel::Web,
    Channel::Whatsapp,
    Channel::Email,
    Channel::Messenger,
    Channel::Telegram,
    Channel::Slack,
    Channel::Sms,
    Channel::Api,
];
const CHANNEL_WEIGHTS: [u32; 8] = [30, 18, 15, 10, 7, 7, 7, 6];

const STATUSES: [ConversationStatus; 4] =
    [ConversationStatus::Open, ConversationStatus::Pending, ConversationStatus::Snoozed, ConversationStatus::Resolved];

pub const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];
pub const PRIORITY_WEIGHTS: [u32; 4] = [15, 60, 18, 7];

/// Rows generated for a run of conversations, inserted together (conversations before their children).
#[derive(Default)]
pub struct Batch {
    pub conversations: Vec<conversation::Model>,
    pub messages: Vec<message::Model>,
    pub labels: Vec<conversation_label::Model>,
}

/// Generates conversation number `i + 1` of `ws` into `batch`; a ticket opened from it goes to `tickets`.
pub fn generate(ws: &Ws, i: u64, batch: &mut Batch, tickets: &mut Vec<TicketSeed>) {
    use ConversationStatus::*;
    let rng = &mut rng_for(Stream::Conversation, ws.idx, i);
    let n = ws.conversation_count;
    // Evenly spread and increasing with the number, ending two hours before the anchor.
    let created = START + ((i as f64 + rng.random::<f64>()) / n as f64 * (END - 2 * HOUR - START) as f64) as i64;
    let conversation_id = id(rng, created);
    let channel = CHANNELS[weighted(rng, &CHANNEL_WEIGHTS)];
    let topic_idx = rng.random_range(0..text::TOPICS.len());
    let topic = &text::TOPICS[topic_idx];
    let contact = ws.contact_at(rng, created);
    // Old conversations are mostly resolved; the last week's are still in the inbox.
    let recent = END - created < 7 * DAY;
    let status = STATUSES[weighted(rng, if recent { &[40, 25, 10, 25] } else { &[4, 4, 4, 88] })];
    let by_bot = rng.random_bool(0.4);
    let bots: Vec<_> = ws.bots.iter().filter(|b| b.paused_at.is_none_or(|p| created < p)).collect();
    let bot = (by_bot || rng.random_bool(0.5)).then(|| *pick(rng, &bots));
    let responders: Vec<_> = ws.responders().collect();
    let unassigned = by_bot || (status == Open && rng.random_bool(0.2));
    let agent = (!unassigned).then(|| *pick(rng, &responders));
    let waiting = status == Open && ((!by_bot && agent.is_none()) || rng.random_bool(if by_bot { 0.3 } else { 0.6 }));
    // A handful of long threads (0.5%) for paging.
    let target = if i % 200 == 37 {
        rng.random_range(100..=180)
    } else if rng.random_bool(0.03) {
        1
    } else {
        rng.random_range(2..=38)
    };
    let resolved_note = status == Resolved && rng.random_bool(0.4);
    let thread = Thread {
        ws,
        conversation_id,
        channel,
        created,
        contact,
        bot,
        agent,
        by_bot,
        topic,
        target,
        waiting,
        resolved_note,
    };
    let derived = messages::write(rng, &thread, &mut batch.messages);
    let last_activity = derived.last.unwrap_or(created);
    let resolved_at = (status == Resolved)
        .then(|| if resolved_note { last_activity } else { last_activity + between(rng, MINUTE, HOUR) });
    let (snoozed_at, snoozed_until) = if status == Snoozed {
        let at = last_activity + between(rng, MINUTE, 30 * MINUTE);
        (Some(at), Some(at + between(rng, HOUR, 5 * DAY)))
    } else {
        (None, None)
    };
    let updated = last_activity.max(resolved_at.unwrap_or(0)).max(snoozed_at.unwrap_or(0));
    let subject = (channel == Channel::Email || rng.random_bool(0.6)).then(|| {
        let template = *pick(rng, topic.subjects);
        fill(rng, template, contact.first, "", "")
    });
    let attributes = match channel {
        Channel::Web => json!({
            "page": pick(rng, &["/pricing", "/checkout", "/account", "/help/refunds", "/orders"]),
            "browser": pick(rng, &["Chrome", "Firefox", "Safari", "Edge"]),
        }),
        Channel::Email => json!({"mailbox": "support"}),
        _ => json!({}),
    };
    let label_count = weighted(rng, &[35, 35, 20, 10]);
    for label_id in ws.labels_for(rng, topic, label_count) {
        batch.labels.push(conversation_label::Model {
            conversation_id,
            label_id,
            workspace_id: ws.id,
            created_at: at((created + between(rng, MINUTE, 30 * MINUTE)).min(END)),
        });
    }
    if rng.random_bool(0.11) {
        tickets.push(TicketSeed {
            conversation_id: Some(conversation_id),
            contact_id: contact.id,
            opened: created + between(rng, 5 * MINUTE, HOUR),
            topic: topic_idx,
            assignee: agent.map(|a| a.id),
            settled: status == Resolved,
        });
    }
    batch.conversations.push(conversation::Model {
        id: conversation_id,
        workspace_id: ws.id,
        number: i as i64 + 1,
        bot_id: bot.map(|b| b.id),
        contact_id: contact.id,
        channel,
        status,
        priority: PRIORITIES[weighted(rng, &PRIORITY_WEIGHTS)],
        assignee_agent_id: agent.map(|a| a.id),
        handled_by: if by_bot { HandledBy::Bot } else { HandledBy::Human },
        subject,
        attributes,
        snoozed_until: snoozed_until.map(at),
        waiting_since: derived.waiting_since.map(at),
        first_reply_at: derived.first_reply.map(at),
        last_message_at: derived.last.map(at),
        last_activity_at: at(last_activity),
        resolved_at: resolved_at.map(at),
        contact_last_read_at: None,
        agent_last_read_at: None,
        message_count: derived.count,
        first_contact_at: derived.first_contact.map(at),
        first_response_at: derived.first_response.map(at),
        first_human_reply_at: derived.first_human_reply.map(at),
        handed_off_at: derived.handed_off.map(at),
        reopen_count: 0,
        messages_in: derived.messages_in,
        messages_out: derived.messages_out,
        created_at: at(created),
        updated_at: at(updated),
    });
}
