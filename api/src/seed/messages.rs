//! One conversation's messages, and the conversation fields derived from them.

use super::clock::{END, HOUR, MINUTE, SECOND, at, between, id};
use super::content::Voice;
use super::people::{AgentRef, BotRef, ContactRef, Ws};
use super::text::Topic;
use entities::enums::{Channel, MessageStatus, SenderKind};
use entities::message;
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

/// What one message of the thread is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Contact,
    /// The bot speaking first, before the contact wrote.
    Greeting,
    Bot,
    Agent,
    /// A private agent note.
    Note,
    /// System message: the bot handed the conversation to humans.
    Handoff,
    /// System message: the conversation was resolved.
    Resolved,
}

/// Who takes part in a thread and how it should end.
pub struct Thread<'a> {
    pub ws: &'a Ws,
    pub conversation_id: Uuid,
    pub channel: Channel,
    pub created: i64,
    pub contact: &'a ContactRef,
    pub bot: Option<&'a BotRef>,
    pub agent: Option<&'a AgentRef>,
    pub by_bot: bool,
    pub topic: &'static Topic,
    /// About how many messages to write.
    pub target: usize,
    /// End on an unanswered contact message.
    pub waiting: bool,
    /// End with a "resolved" system message.
    pub resolved_note: bool,
}

/// The conversation fields that follow from its messages (microseconds).
pub struct Derived {
    pub count: i64,
    pub first_reply: Option<i64>,
    pub last: Option<i64>,
    pub waiting_since: Option<i64>,
    pub first_contact: Option<i64>,
    /// The first public bot or agent reply after the first contact message.
    pub first_response: Option<i64>,
    pub first_human_reply: Option<i64>,
    pub handed_off: Option<i64>,
    pub messages_in: i64,
    pub messages_out: i64,
}

fn plan(rng: &mut StdRng, th: &Thread) -> Vec<Step> {
    use Step::*;
    let mut plan = Vec::with_capacity(th.target + 4);
    if th.bot.is_some() && rng.random_bool(0.08) {
        plan.push(Greeting);
    }
    // Human conversations that a bot started: a few bot turns, then the handoff.
    let bot_turns = if !th.by_bot && th.bot.is_some() { rng.random_range(1..=3) } else { 0 };
    let mut turns = 0;
    // Nobody answers an unassigned conversation after the handoff: keep it short.
    let target = if !th.by_bot && th.agent.is_none() { th.target.min(2 * bot_turns + 2) } else { th.target };
    while plan.len() < target {
        plan.push(Contact);
        if rng.random_bool(0.2) {
            plan.push(Contact);
        }
        if plan.len() >= target {
            break;
        }
        if th.by_bot {
            plan.push(Bot);
            if rng.random_bool(0.15) {
                plan.push(Bot);
            }
        } else if turns < bot_turns {
            plan.push(Bot);
            turns += 1;
            if turns == bot_turns {
                plan.push(Handoff);
            }
        } else if th.agent.is_some() {
            plan.push(Agent);
            if rng.random_bool(0.08) {
                plan.push(Note);
            }
        }
    }
    if turns < bot_turns {
        if plan.last() == Some(&Contact) {
            plan.push(Bot);
        }
        plan.push(Handoff);
    }
    if th.waiting {
        if plan.last() != Some(&Contact) {
            plan.push(Contact);
        }
    } else if !matches!(plan.last(), Some(Bot | Agent | Note)) {
        plan.push(if th.by_bot || th.agent.is_none() { Bot } else { Agent });
    }
    if th.resolved_note {
        plan.push(Resolved);
    }
    plan
}

/// When each step happens: replies within seconds (bots) or minutes (people), contacts sometimes come back hours
/// later; squeezed to end at least an hour before [`END`].
fn times(rng: &mut StdRng, th: &Thread, plan: &[Step]) -> Vec<i64> {
    use Step::*;
    let mut out = Vec::with_capacity(plan.len());
    let mut t = th.created;
    let mut first_agent = true;
    for (i, step) in plan.iter().enumerate() {
        if i > 0 {
            t += match step {
                Contact if plan[i - 1] == Contact => between(rng, 5 * SECOND, 90 * SECOND),
                Contact if rng.random_bool(0.12) => between(rng, HOUR, 20 * HOUR),
                Contact => between(rng, 15 * SECOND, 15 * MINUTE),
                Greeting | Bot => between(rng, SECOND, 6 * SECOND),
                Agent if first_agent => between(rng, MINUTE, 3 * HOUR),
                Agent => between(rng, 20 * SECOND, 12 * MINUTE),
                Note => between(rng, 10 * SECOND, 2 * MINUTE),
                Handoff => between(rng, SECOND, 3 * SECOND),
                Resolved => between(rng, MINUTE, 30 * MINUTE),
            };
        }
        first_agent &= *step != Agent;
        out.push(t);
    }
    let (span, window) = (t - th.created, END - HOUR - th.created);
    if span > window {
        let mut prev = i64::MIN;
        for t in &mut out {
            let scaled = th.created + ((*t - th.created) as i128 * window as i128 / span as i128) as i64;
            *t = scaled.max(prev.saturating_add(1));
            prev = *t;
        }
    }
    out
}

fn source_id(channel: Channel, message_id: Uuid) -> Option<String> {
    let hex = message_id.simple();
    Some(match channel {
        Channel::Whatsapp => format!("wamid.{hex}"),
        Channel::Messenger => format!("m_{hex}"),
        Channel::Telegram => format!("tg:{hex}"),
        Channel::Slack => format!("slack:{hex}"),
        Channel::Email => format!("<{hex}@mail.example>"),
        Channel::Sms => format!("SM{hex}"),
        Channel::Web | Channel::Api => return None,
    })
}

/// Writes the thread's messages into `out` and returns the derived conversation fields.
pub fn write(rng: &mut StdRng, th: &Thread, out: &mut Vec<message::Model>) -> Derived {
    use Step::*;
    let plan = plan(rng, th);
    let times = times(rng, th, &plan);
    let last_contact = plan.iter().rposition(|s| *s == Contact);
    let last_reply = plan.iter().rposition(|s| matches!(s, Greeting | Bot | Agent));
    let voice = Voice {
        name: th.contact.first,
        agent: th.agent.map_or("the team", |a| a.first),
        bot: th.bot.map_or("the assistant", |b| b.name),
        workspace: th.ws.name,
        topic: th.topic,
        by_bot: th.by_bot,
    };
    let mut first_agent = true;
    for (i, (&step, &t)) in plan.iter().zip(&times).enumerate() {
        let message_id = id(rng, t);
        let (sender_kind, sender_id) = match step {
            Contact => (SenderKind::Contact, Some(th.contact.id)),
            Greeting | Bot => (SenderKind::Bot, th.bot.map(|b| b.id)),
            Agent | Note => (SenderKind::Agent, th.agent.map(|a| a.id)),
            Handoff | Resolved => (SenderKind::System, None),
        };
        let (kind, content, payload) = voice.say(rng, step, message_id, i == 0, first_agent);
        first_agent &= step != Agent;
        let status = match step {
            Contact if last_reply.is_some_and(|r| r > i) => MessageStatus::Read,
            Contact => MessageStatus::Delivered,
            Greeting | Bot | Agent if last_contact.is_some_and(|c| c > i) => {
                if rng.random_bool(0.003) {
                    MessageStatus::Failed
                } else {
                    MessageStatus::Read
                }
            }
            Greeting | Bot | Agent if rng.random_bool(0.3) => MessageStatus::Sent,
            Greeting | Bot | Agent => MessageStatus::Delivered,
            Note | Handoff | Resolved => MessageStatus::Sent,
        };
        let seq = i as i64 + 1;
        let client_message_id = match step {
            Agent | Note if rng.random_bool(0.6) => Some(format!("agt-{seq}-{:08x}", rng.random::<u32>())),
            Contact if matches!(th.channel, Channel::Web | Channel::Api) && rng.random_bool(0.7) => {
                Some(format!("web-{seq}-{:08x}", rng.random::<u32>()))
            }
            _ => None,
        };
        let source_id = if step == Contact && rng.random_bool(0.9) { source_id(th.channel, message_id) } else { None };
        out.push(message::Model {
            id: message_id,
            workspace_id: th.ws.id,
            conversation_id: th.conversation_id,
            seq,
            channel: th.channel,
            sender_kind,
            sender_id,
            kind,
            content,
            payload,
            private: step == Note,
            failure_reason: (status == MessageStatus::Failed).then(|| "recipient unreachable".to_owned()),
            status,
            source_id,
            client_message_id,
            created_at: at(t),
        });
    }
    let first_contact = plan.iter().position(|s| *s == Contact);
    let first_reply = first_contact
        .and_then(|c| (c + 1..plan.len()).find(|&i| matches!(plan[i], Greeting | Bot | Agent | Note)))
        .map(|i| times[i]);
    let waiting_since =
        (plan.last() == Some(&Contact)).then(|| times[plan.iter().rposition(|s| *s != Contact).map_or(0, |i| i + 1)]);
    let first_response = first_contact
        .and_then(|c| (c + 1..plan.len()).find(|&i| matches!(plan[i], Greeting | Bot | Agent)))
        .map(|i| times[i]);
    let first_of = |step: Step| plan.iter().position(|s| *s == step).map(|i| times[i]);
    let count = |f: fn(&Step) -> bool| plan.iter().filter(|s| f(s)).count() as i64;
    Derived {
        count: plan.len() as i64,
        first_reply,
        last: times.last().copied(),
        waiting_since,
        first_contact: first_contact.map(|i| times[i]),
        first_response,
        first_human_reply: first_of(Agent),
        handed_off: first_of(Handoff),
        messages_in: count(|s| *s == Contact),
        messages_out: count(|s| matches!(s, Greeting | Bot | Agent)),
    }
}
