//! The `Bot` object.

use crate::conversations::{Conversation, ConversationFilter, ConversationOrder};
use crate::enums::BotStatus;
use crate::error::ApiResult;
use crate::id::{self, Kind};
use crate::lists::{ChildLoaders, ChildSpec, child_list, condition};
use crate::pagination::{Conn, PageArgs};
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entities::bot::Model;
use std::sync::Arc;

pub struct Bot(pub Arc<Model>);

impl From<Model> for Bot {
    fn from(m: Model) -> Self {
        Bot(Arc::new(m))
    }
}

/// An automated agent that answers conversations first (`handledBy: BOT`) until it hands them to humans.
#[Object]
impl Bot {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Bot, self.0.id)
    }
    /// Display name, shown to contacts as the sender of its messages.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the bot does, for agents.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Whether the bot is `ACTIVE`, `PAUSED` (`resumeBot` brings it back) or `ARCHIVED` (for good).
    async fn status(&self) -> BotStatus {
        self.0.status.into()
    }
    /// The bot's configuration (a JSON object).
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Conversations this bot takes part in, most recent activity first.
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
        let via = ChildLoaders { pages: |l| l.conversations_of_bot(), counts: |l| l.conversation_counts_of_bot() };
        let args = PageArgs::new(first, after, last, before);
        let spec = ChildSpec { shape, cond, sort: order.sort(), args, prefetch: false };
        child_list(ctx, via, self.0.id, spec, Conversation::from).await
    }
}
