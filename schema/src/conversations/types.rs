//! The `Conversation` object.

use crate::agents::Agent;
use crate::bots::Bot;
use crate::contacts::Contact;
use crate::enums::{Channel, ConversationStatus, HandledBy, Priority};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::labels::{Label, labels_of};
use crate::lists::{ChildLoaders, ChildSpec, child_list, condition, loaders, selects_on_nodes};
use crate::loaders::LabelJoin;
use crate::messages::{Message, MessageFilter, MessageOrder};
use crate::pagination::{Conn, PageArgs};
use crate::tickets::{Ticket, TicketFilter, TicketOrder};
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entities::conversation::Model;
use std::sync::Arc;

pub struct Conversation(pub Arc<Model>);

impl From<Model> for Conversation {
    fn from(m: Model) -> Self {
        Conversation(Arc::new(m))
    }
}

/// A thread between a contact and the workspace on one channel, handled by a bot or by humans, with its messages
/// in order (`seq`).
#[Object]
impl Conversation {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Conversation, self.0.id)
    }
    /// Human-friendly number, unique in the workspace.
    async fn number(&self) -> i64 {
        self.0.number
    }
    /// Where the conversation takes place.
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }
    /// Its state in the inbox.
    async fn status(&self) -> ConversationStatus {
        self.0.status.into()
    }
    /// Urgency.
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    /// Who answers now: its bot, or humans.
    async fn handled_by(&self) -> HandledBy {
        self.0.handled_by.into()
    }
    /// A short title, if any.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Custom attributes (a JSON object).
    async fn attributes(&self) -> Json<&serde_json::Value> {
        Json(&self.0.attributes)
    }
    /// When a `SNOOZED` conversation comes back (null otherwise).
    async fn snoozed_until(&self) -> Option<DateTime<Utc>> {
        self.0.snoozed_until
    }
    /// Since when the contact has been waiting for a reply (null when nobody is waiting).
    async fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.0.waiting_since
    }
    /// When a bot or agent first answered the contact (null: not yet).
    async fn first_reply_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_reply_at
    }
    /// When its latest message was written (null: no message yet).
    async fn last_message_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_message_at
    }
    /// `lastMessageAt`, or `createdAt` before the first message.
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.0.last_activity_at
    }
    /// When it was last resolved (null: it is not resolved).
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// Up to when the contact has read the conversation (`markConversationRead`).
    async fn contact_last_read_at(&self) -> Option<DateTime<Utc>> {
        self.0.contact_last_read_at
    }
    /// Up to when the agents have read the conversation (`markConversationRead`).
    async fn agent_last_read_at(&self) -> Option<DateTime<Utc>> {
        self.0.agent_last_read_at
    }
    /// How many messages it holds.
    async fn message_count(&self) -> i64 {
        self.0.message_count
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The bot in charge of it, if any.
    async fn bot(&self, ctx: &Context<'_>) -> Option<Bot> {
        let found: ApiResult<Option<Bot>> = async {
            let Some(id) = self.0.bot_id else { return Ok(None) };
            Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot))
        }
        .await;
        found.or_null(ctx)
    }

    /// The contact it is with.
    async fn contact(&self, ctx: &Context<'_>) -> Option<Contact> {
        let found: ApiResult<Option<Contact>> =
            async { Ok(loaders(ctx)?.contact().load_one(self.0.contact_id).await?.map(Contact)) }.await;
        found.or_null(ctx)
    }

    /// The agent the conversation is assigned to.
    async fn assignee(&self, ctx: &Context<'_>) -> Option<Agent> {
        let found: ApiResult<Option<Agent>> = async {
            let Some(id) = self.0.assignee_agent_id else { return Ok(None) };
            Ok(loaders(ctx)?.agent().load_one(id).await?.map(Agent))
        }
        .await;
        found.or_null(ctx)
    }

    /// Messages in conversation order (`seq`), oldest first: `last: 10` gives the latest ten.
    #[expect(clippy::too_many_arguments)]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<MessageFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<MessageOrder>,
    ) -> ApiResult<Conn<Message>> {
        let cond = condition(ctx, filter.as_ref())?;
        let order = order_by.unwrap_or_else(MessageOrder::in_conversation);
        let shape = format!("{filter:?}{order:?}");
        let via = ChildLoaders { pages: |l| l.messages_of_conversation(), counts: |l| l.message_counts() };
        let prefetch = selects_on_nodes(ctx, "sender");
        let args = PageArgs::new(first, after, last, before);
        let spec = ChildSpec { shape, cond, sort: order.sort(), args, prefetch };
        child_list(ctx, via, self.0.id, spec, Message::from).await
    }

    /// Labels on the conversation, by name.
    async fn labels(&self, ctx: &Context<'_>) -> ApiResult<Vec<Label>> {
        labels_of(ctx, LabelJoin::Conversation, self.0.id).await
    }

    /// Tickets opened from this conversation.
    #[expect(clippy::too_many_arguments)]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<TicketFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<TicketOrder>,
    ) -> ApiResult<Conn<Ticket>> {
        let cond = condition(ctx, filter.as_ref())?;
        let order = order_by.unwrap_or_default();
        let shape = format!("{filter:?}{order:?}");
        let via =
            ChildLoaders { pages: |l| l.tickets_of_conversation(), counts: |l| l.ticket_counts_of_conversation() };
        let args = PageArgs::new(first, after, last, before);
        let spec = ChildSpec { shape, cond, sort: order.sort(), args, prefetch: false };
        child_list(ctx, via, self.0.id, spec, Ticket::from).await
    }
}
