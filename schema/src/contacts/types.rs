//! The `Contact` object.

use crate::conversations::{Conversation, ConversationFilter, ConversationOrder};
use crate::error::ApiResult;
use crate::id::{self, Kind};
use crate::labels::{Label, labels_of};
use crate::lists::{ChildLoaders, ChildSpec, child_list, condition};
use crate::loaders::LabelJoin;
use crate::pagination::{Conn, PageArgs};
use crate::tickets::{Ticket, TicketFilter, TicketOrder};
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entities::contact::Model;
use std::sync::Arc;

pub struct Contact(pub Arc<Model>);

impl From<Model> for Contact {
    fn from(m: Model) -> Self {
        Contact(Arc::new(m))
    }
}

/// A person the workspace talks with (a customer): found by `externalId` or email, with custom `attributes`.
#[Object]
impl Contact {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Contact, self.0.id)
    }
    /// The id this contact has in the client's own system.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Display name (null when unknown or erased).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Email address (null when unknown or erased).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number (null when unknown or erased).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Custom attributes (a JSON object).
    async fn attributes(&self) -> Json<&serde_json::Value> {
        Json(&self.0.attributes)
    }
    /// When the contact was last seen, if known.
    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_seen_at
    }
    /// When the contact was erased (`deleteContact`): its personal data is gone, its conversations stay.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The contact's labels, by name.
    async fn labels(&self, ctx: &Context<'_>) -> ApiResult<Vec<Label>> {
        labels_of(ctx, LabelJoin::Contact, self.0.id).await
    }

    /// The contact's conversations, most recent activity first.
    #[expect(clippy::too_many_arguments)]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<ConversationFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<ConversationOrder>,
    ) -> ApiResult<Conn<Conversation>> {
        let cond = condition(ctx, filter.as_ref())?;
        let order = order_by.unwrap_or_default();
        let shape = format!("{filter:?}{order:?}");
        let via =
            ChildLoaders { pages: |l| l.conversations_of_contact(), counts: |l| l.conversation_counts_of_contact() };
        let args = PageArgs::new(first, after, last, before);
        let spec = ChildSpec { shape, cond, sort: order.sort(), args, prefetch: false };
        child_list(ctx, via, self.0.id, spec, Conversation::from).await
    }

    /// The contact's tickets, newest first.
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
        let via = ChildLoaders { pages: |l| l.tickets_of_contact(), counts: |l| l.ticket_counts_of_contact() };
        let args = PageArgs::new(first, after, last, before);
        let spec = ChildSpec { shape, cond, sort: order.sort(), args, prefetch: false };
        child_list(ctx, via, self.0.id, spec, Ticket::from).await
    }
}
