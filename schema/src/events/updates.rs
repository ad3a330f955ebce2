//! `conversationUpdated` and `ticketUpdated`: the new state of a conversation or ticket after each change, filtered
//! in memory on that new state. The state is read when the event is delivered (once per instance), so a burst of
//! changes may show the latest state more than once; `events(after:)` has every change in order.

use super::Envelope;

use crate::conversations::Conversation;
use crate::enums::{ConversationStatus, HandledBy, Priority, TicketStatus};
use crate::error::{ApiError, ApiResult};
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::tickets::Ticket;
use async_graphql::{Context, ID, InputObject, Subscription};
use futures::Stream;
use uuid::Uuid;

const MAX_IDS: usize = 100;

/// Which conversations to hear about (all given conditions must hold, on the conversation's new state).
#[derive(InputObject, Default)]
pub struct ConversationUpdatedFilter {
    /// Only these conversations (global ids).
    pub ids: Option<Vec<ID>>,
    /// Only conversations whose status is now one of these.
    pub statuses: Option<Vec<ConversationStatus>>,
    /// Only conversations assigned to this agent (global id).
    pub assignee_id: Option<ID>,
    /// Only conversations of this bot (global id).
    pub bot_id: Option<ID>,
    /// Only conversations handled by a bot, or by humans.
    pub handled_by: Option<HandledBy>,
}

/// Which tickets to hear about (all given conditions must hold, on the ticket's new state).
#[derive(InputObject, Default)]
pub struct TicketUpdatedFilter {
    /// Only these tickets (global ids).
    pub ids: Option<Vec<ID>>,
    /// Only tickets whose status is now one of these.
    pub statuses: Option<Vec<TicketStatus>>,
    /// Only tickets whose priority is now one of these.
    pub priorities: Option<Vec<Priority>>,
    /// Only tickets assigned to this agent (global id).
    pub assignee_id: Option<ID>,
}

fn ids(kind: Kind, one: Option<&ID>, many: Option<&Vec<ID>>, field: &str) -> ApiResult<Option<Vec<Uuid>>> {
    if many.is_some_and(|m| m.len() > MAX_IDS) {
        return Err(ApiError::bad_input(field, format!("at most {MAX_IDS} ids")));
    }
    let all: Vec<&ID> = one.into_iter().chain(many.into_iter().flatten()).collect();
    if one.is_none() && many.is_none() {
        return Ok(None);
    }
    all.into_iter().map(|i| id::decode(kind, i, field)).collect::<ApiResult<Vec<_>>>().map(Some)
}

fn one(kind: Kind, v: Option<&ID>, field: &str) -> ApiResult<Option<Uuid>> {
    v.map(|i| id::decode(kind, i, field)).transpose()
}

#[derive(Default)]
pub struct UpdateSubscription;

#[Subscription]
impl UpdateSubscription {
    /// A conversation changed (a new message, status, assignment, handoff, priority, labels, read marker): its new
    /// state. One conversation (`conversationId`), those matching `filter`, or all of the workspace.
    async fn conversation_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this conversation (global id).")] conversation_id: Option<ID>,
        #[graphql(desc = "Which items to include.")] filter: Option<ConversationUpdatedFilter>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Conversation>> + use<>, ApiError> {
        let f = filter.unwrap_or_default();
        let only = ids(Kind::Conversation, conversation_id.as_ref(), f.ids.as_ref(), "conversationId")?;
        let assignee = one(Kind::Agent, f.assignee_id.as_ref(), "filter.assigneeId")?;
        let bot = one(Kind::Bot, f.bot_id.as_ref(), "filter.botId")?;
        let statuses: Option<Vec<entities::enums::ConversationStatus>> =
            f.statuses.map(|s| s.into_iter().map(Into::into).collect());
        let handled_by = f.handled_by.map(entities::enums::HandledBy::from);
        super::resume::resumable(ctx, move |env| match env {
            Envelope::Stored { event, conversation: Some(c), .. }
                if EventType::parse(&event.event_type)
                    .is_some_and(|t| t.is_conversation() || t == EventType::MessageCreated)
                    && only.as_ref().is_none_or(|o| o.contains(&c.id))
                    && statuses.as_ref().is_none_or(|s| s.contains(&c.status))
                    && assignee.is_none_or(|a| c.assignee_agent_id == Some(a))
                    && bot.is_none_or(|b| c.bot_id == Some(b))
                    && handled_by.is_none_or(|h| c.handled_by == h) =>
            {
                Some(Conversation(c.clone()))
            }
            _ => None,
        })
    }

    /// A ticket was created or changed (fields, assignment, status, comments): its new state. One ticket
    /// (`ticketId`), those matching `filter`, or all of the workspace.
    async fn ticket_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this ticket (global id).")] ticket_id: Option<ID>,
        #[graphql(desc = "Which items to include.")] filter: Option<TicketUpdatedFilter>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Ticket>> + use<>, ApiError> {
        let f = filter.unwrap_or_default();
        let only = ids(Kind::Ticket, ticket_id.as_ref(), f.ids.as_ref(), "ticketId")?;
        let assignee = one(Kind::Agent, f.assignee_id.as_ref(), "filter.assigneeId")?;
        let statuses: Option<Vec<entities::enums::TicketStatus>> =
            f.statuses.map(|s| s.into_iter().map(Into::into).collect());
        let priorities: Option<Vec<entities::enums::Priority>> =
            f.priorities.map(|s| s.into_iter().map(Into::into).collect());
        super::resume::resumable(ctx, move |env| match env {
            Envelope::Stored { event, ticket: Some(t), .. }
                if EventType::parse(&event.event_type).is_some_and(EventType::is_ticket)
                    && only.as_ref().is_none_or(|o| o.contains(&t.id))
                    && statuses.as_ref().is_none_or(|s| s.contains(&t.status))
                    && priorities.as_ref().is_none_or(|p| p.contains(&t.priority))
                    && assignee.is_none_or(|a| t.assignee_agent_id == Some(a)) =>
            {
                Some(Ticket(t.clone()))
            }
            _ => None,
        })
    }
}
