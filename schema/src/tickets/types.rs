//! The `Ticket` object.

use crate::agents::Agent;
use crate::contacts::Contact;
use crate::conversations::Conversation;
use crate::enums::{Priority, TicketStatus};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::labels::{Label, labels_of};
use crate::lists::loaders;
use crate::loaders::LabelJoin;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::ticket::Model;
use std::sync::Arc;

pub struct Ticket(pub Arc<Model>);

impl From<Model> for Ticket {
    fn from(m: Model) -> Self {
        Ticket(Arc::new(m))
    }
}

/// A piece of work for a contact, optionally from a conversation: prioritised, assigned, due, and resolved.
#[Object]
impl Ticket {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Ticket, self.0.id)
    }
    /// Human-friendly number, unique in the workspace.
    async fn number(&self) -> i64 {
        self.0.number
    }
    /// A short title.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// What the ticket is about.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the ticket stands.
    async fn status(&self) -> TicketStatus {
        self.0.status.into()
    }
    /// Urgency.
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    /// When it should be resolved, if set.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }
    /// When it first left `OPEN` (or got a public reply).
    async fn first_response_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_response_at
    }
    /// When it was last resolved (null: it is not).
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The conversation the ticket was opened from, if any.
    async fn conversation(&self, ctx: &Context<'_>) -> Option<Conversation> {
        let found: ApiResult<Option<Conversation>> = async {
            let Some(id) = self.0.conversation_id else { return Ok(None) };
            Ok(loaders(ctx)?.conversation().load_one(id).await?.map(Conversation))
        }
        .await;
        found.or_null(ctx)
    }

    /// The contact it is for.
    async fn contact(&self, ctx: &Context<'_>) -> Option<Contact> {
        let found: ApiResult<Option<Contact>> =
            async { Ok(loaders(ctx)?.contact().load_one(self.0.contact_id).await?.map(Contact)) }.await;
        found.or_null(ctx)
    }

    /// The agent working on it, if any.
    async fn assignee(&self, ctx: &Context<'_>) -> Option<Agent> {
        let found: ApiResult<Option<Agent>> = async {
            let Some(id) = self.0.assignee_agent_id else { return Ok(None) };
            Ok(loaders(ctx)?.agent().load_one(id).await?.map(Agent))
        }
        .await;
        found.or_null(ctx)
    }

    /// The ticket's labels, by name.
    async fn labels(&self, ctx: &Context<'_>) -> ApiResult<Vec<Label>> {
        labels_of(ctx, LabelJoin::Ticket, self.0.id).await
    }
}
