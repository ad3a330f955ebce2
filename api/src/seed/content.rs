//! What a message says: its kind, text and payload, by who speaks and about what.

use super::clock::{pick, weighted};
use super::messages::Step;
use super::text::{self, Topic, fill};
use entities::enums::MessageKind;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

/// The voices of one conversation.
pub struct Voice<'a> {
    /// The contact's first name.
    pub name: Option<&'a str>,
    pub agent: &'a str,
    pub bot: &'a str,
    pub workspace: &'a str,
    pub topic: &'static Topic,
    pub by_bot: bool,
}

impl Voice<'_> {
    fn line(&self, rng: &mut StdRng, pool: &[&str]) -> String {
        let template = *pick(rng, pool);
        fill(rng, template, self.name, self.agent, self.bot)
    }

    /// Kind, content and payload of a message. Mostly text; contacts send screenshots and files, bots quick
    /// replies and cards, agents files. An agent's first message introduces them.
    pub fn say(
        &self,
        rng: &mut StdRng,
        step: Step,
        message_id: Uuid,
        first: bool,
        first_agent: bool,
    ) -> (MessageKind, String, Value) {
        use Step::*;
        let url = format!("https://files.parlor.example/{}", message_id.simple());
        match (step, weighted(rng, &[88, 5, 4, 3])) {
            (Agent, _) if first_agent => {
                let hello =
                    format!("Hi {}, this is {} from {}. ", self.name.unwrap_or("there"), self.agent, self.workspace);
                (MessageKind::Text, hello + &self.line(rng, self.topic.reply), json!({}))
            }
            (Contact, 1) => {
                let payload = json!({"url": format!("{url}.png"), "mime": "image/png", "width": 1170, "height": 2532});
                (MessageKind::Image, "Here's a screenshot".to_owned(), payload)
            }
            (Contact | Agent, 2) => {
                let name = format!("invoice-{}.pdf", rng.random_range(1000..9999));
                let size = rng.random_range(20_000..900_000);
                let payload =
                    json!({"url": format!("{url}.pdf"), "name": name, "mime": "application/pdf", "size": size});
                (MessageKind::File, name, payload)
            }
            (Bot, 1 | 2) => {
                let options: Vec<Value> = [
                    ("Refund", "refund"),
                    ("Shipping", "shipping"),
                    ("Password", "password"),
                    ("Talk to a human", "human"),
                ]
                .iter()
                .map(|(label, value)| json!({"label": label, "value": value}))
                .collect();
                let prompt = "Which of these best describes your question?".to_owned();
                (MessageKind::QuickReplies, prompt, json!({ "options": options }))
            }
            (Bot, 3) => {
                let order = rng.random_range(10_000..99_999);
                let button = json!({"label": "Track package", "url": format!("https://track.parlor.example/{order}")});
                let payload = json!({"title": format!("Order #{order}"), "text": "Shipped, arriving in 2–3 days", "buttons": [button]});
                (MessageKind::Card, format!("Order #{order} is on its way"), payload)
            }
            (Contact, _) if first || rng.random_bool(0.6) => {
                (MessageKind::Text, self.line(rng, self.topic.contact), json!({}))
            }
            (Contact, _) => (MessageKind::Text, (*pick(rng, text::CONTACT_FILLER)).to_owned(), json!({})),
            (Greeting, _) => (MessageKind::Text, self.line(rng, text::BOT_GREETINGS), json!({})),
            (Bot | Agent, _) => {
                let pool = if rng.random_bool(0.6) { self.topic.reply } else { text::REPLY_FILLER };
                (MessageKind::Text, self.line(rng, pool), json!({}))
            }
            (Note, _) => (MessageKind::Text, self.line(rng, text::AGENT_NOTES), json!({})),
            (Handoff, _) => {
                (MessageKind::Event, self.line(rng, text::HANDOFF), json!({"event": "handoff", "to": "human"}))
            }
            (Resolved, _) => {
                let by = if self.by_bot { self.bot } else { self.agent };
                (MessageKind::Event, format!("Conversation marked as resolved by {by}"), json!({"event": "resolved"}))
            }
        }
    }
}
