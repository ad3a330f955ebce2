//! `createTicket`, `updateTicket`, `assignTicket`, `setTicketStatus`, `closeTicket`, `addTicketComment`.

use super::Ticket;
use super::service::{self, Comment, NewTicket, open_for_changes, subject};
use crate::context::ContextExt;
use crate::enums::{Priority, TicketStatus};
use crate::error::{ApiError, ApiResult};
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::messages::Message;
use crate::scope::scoped;
use crate::write::{self, Change, Edited, from_to, optional_text, required_text};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::enums::TicketStatus as S;
use entities::{contact, conversation, ticket};
use sea_orm::{ColumnTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

pub const MAX_DESCRIPTION: usize = 16 * 1024;

/// A new ticket, for a contact or from a conversation.
#[derive(InputObject)]
pub struct CreateTicketInput {
    /// A short title.
    pub subject: String,
    /// What the ticket is about.
    pub description: Option<String>,
    /// The conversation the ticket comes from; its contact is the ticket's contact.
    pub conversation_id: Option<ID>,
    /// Required without `conversationId`.
    pub contact_id: Option<ID>,
    /// Urgency (default `NORMAL`).
    #[graphql(default_with = "Priority::Normal")]
    pub priority: Priority,
    /// The assignee (its global id).
    pub assignee_id: Option<ID>,
    /// When it should be resolved.
    pub due_at: Option<DateTime<Utc>>,
}

/// Fields left out stay as they are; `null` clears `description` or `dueAt`.
#[derive(InputObject)]
pub struct UpdateTicketInput {
    /// The ticket (its global id).
    pub id: ID,
    /// New title; absent keeps it.
    pub subject: Option<String>,
    /// New description; `null` removes it, absent keeps it.
    pub description: MaybeUndefined<String>,
    /// New urgency; absent keeps it.
    pub priority: Option<Priority>,
    /// New due time; `null` removes it, absent keeps it.
    pub due_at: MaybeUndefined<DateTime<Utc>>,
}

/// Who works on a ticket.
#[derive(InputObject)]
pub struct AssignTicketInput {
    /// The ticket (its global id).
    pub id: ID,
    /// Null or absent: unassigned.
    pub agent_id: Option<ID>,
}

/// A ticket's new status.
#[derive(InputObject)]
pub struct SetTicketStatusInput {
    /// The ticket (its global id).
    pub id: ID,
    /// The new status (leaving `OPEN` records `firstResponseAt`; `RESOLVED` records `resolvedAt`; `CLOSED` is final).
    pub status: TicketStatus,
}

/// A ticket to close for good.
#[derive(InputObject)]
pub struct CloseTicketInput {
    /// The ticket (its global id).
    pub id: ID,
}

/// A comment on a ticket: a message of its conversation.
#[derive(InputObject)]
pub struct AddTicketCommentInput {
    /// The ticket (its global id).
    pub ticket_id: ID,
    /// The agent writing.
    pub agent_id: ID,
    /// The comment's text.
    pub body: String,
    /// A reply the contact sees (and the ticket's first response); by default a private note.
    #[graphql(default)]
    pub public: bool,
    /// Idempotency key: a retry returns the first comment.
    pub client_message_id: Option<String>,
}

/// A ticket after a change.
#[derive(SimpleObject)]
pub struct TicketPayload {
    /// The ticket as it is after this mutation.
    pub ticket: Ticket,
}

/// A ticket and the comment added to it.
#[derive(SimpleObject)]
pub struct AddTicketCommentPayload {
    /// The ticket, as it is after the comment.
    pub ticket: Ticket,
    /// The comment: a message of the ticket's conversation.
    pub comment: Message,
    /// `true` when `clientMessageId` was seen before: the first comment is returned and nothing was written.
    pub replayed: bool,
}

async fn done(ctx: &Context<'_>, edited: Edited<ticket::Model>) -> ApiResult<TicketPayload> {
    crate::events::publish(ctx, &edited.events).await?;
    Ok(TicketPayload { ticket: edited.model.into() })
}

type Decide<'a> = Box<dyn FnOnce(&ticket::Model) -> ApiResult<Option<Change<ticket::ActiveModel>>> + Send + 'a>;

async fn edit(ctx: &Context<'_>, gid: &ID, decide: Decide<'_>) -> ApiResult<TicketPayload> {
    let (db, viewer) = (ctx.db()?, ctx.viewer()?);
    let id = id::decode(Kind::Ticket, gid, "id")?;
    let edited = write::edit::<ticket::Entity, _>(db, viewer, id, "ticket", subject, decide).await?;
    done(ctx, edited).await
}

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a ticket for a contact, or from a conversation (its contact).
    async fn create_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CreateTicketInput,
    ) -> ApiResult<TicketPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        required_text("subject", &input.subject, crate::filter::MAX_TEXT)?;
        if let Some(d) = &input.description {
            optional_text("description", d, MAX_DESCRIPTION)?;
        }
        let mut contact_id =
            input.contact_id.as_ref().map(|c| id::decode(Kind::Contact, c, "contactId")).transpose()?;
        let mut conversation_id = None;
        if let Some(c) = &input.conversation_id {
            let cid = id::decode(Kind::Conversation, c, "conversationId")?;
            let conv = scoped::<conversation::Entity>(viewer)
                .filter(conversation::Column::Id.eq(cid))
                .one(db)
                .await?
                .ok_or_else(|| ApiError::NotFound("conversation".into()))?;
            if contact_id.is_some_and(|c| c != conv.contact_id) {
                return Err(ApiError::bad_input("contactId", "is not the conversation's contact"));
            }
            contact_id = Some(conv.contact_id);
            conversation_id = Some(cid);
        }
        let Some(contact_id) = contact_id else {
            return Err(ApiError::bad_input("contactId", "give contactId or conversationId"));
        };
        let found = scoped::<contact::Entity>(viewer)
            .filter(contact::Column::Id.eq(contact_id))
            .filter(contact::Column::DeletedAt.is_null())
            .one(db)
            .await?;
        if found.is_none() {
            return Err(ApiError::NotFound("contact".into()));
        }
        let assignee = match &input.assignee_id {
            Some(a) => Some(crate::agents::find(db, viewer, a, "assigneeId").await?),
            None => None,
        };
        let new = NewTicket {
            contact_id,
            conversation_id,
            subject: input.subject.trim().to_owned(),
            description: input.description,
            priority: input.priority.into(),
            assignee_agent_id: assignee,
            due_at: input.due_at,
        };
        let edited = service::create(db, viewer, new).await?;
        done(ctx, edited).await
    }

    /// Changes a ticket's subject, description, priority or due date. A closed ticket is `CONFLICT`.
    async fn update_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: UpdateTicketInput,
    ) -> ApiResult<TicketPayload> {
        if let Some(s) = &input.subject {
            required_text("subject", s, crate::filter::MAX_TEXT)?;
        }
        if let MaybeUndefined::Value(d) = &input.description {
            optional_text("description", d, MAX_DESCRIPTION)?;
        }
        edit(
            ctx,
            &input.id,
            Box::new(move |t| {
                open_for_changes(t)?;
                let mut row = t.clone().into_active_model();
                let mut fields = vec![];
                if let Some(s) = &input.subject
                    && s.trim() != t.subject
                {
                    row.subject = Set(s.trim().to_owned());
                    fields.push("subject");
                }
                let description = match &input.description {
                    MaybeUndefined::Undefined => t.description.clone(),
                    MaybeUndefined::Null => None,
                    MaybeUndefined::Value(d) => Some(d.clone()),
                };
                if description != t.description {
                    row.description = Set(description);
                    fields.push("description");
                }
                if let Some(p) = input.priority.map(entities::enums::Priority::from)
                    && p != t.priority
                {
                    row.priority = Set(p);
                    fields.push("priority");
                }
                let due = match &input.due_at {
                    MaybeUndefined::Undefined => t.due_at,
                    MaybeUndefined::Null => None,
                    MaybeUndefined::Value(d) => Some(*d),
                };
                if due != t.due_at {
                    row.due_at = Set(due);
                    fields.push("dueAt");
                }
                if fields.is_empty() {
                    return Ok(None);
                }
                row.updated_at = Set(entities::now());
                Ok(Some(Change::new(row).event(EventType::TicketUpdated, json!({ "fields": fields }))))
            }),
        )
        .await
    }

    /// Gives a ticket to an agent, or (without `agentId`) unassigns it.
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: AssignTicketInput,
    ) -> ApiResult<TicketPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let agent = match &input.agent_id {
            Some(a) => Some(crate::agents::find(db, viewer, a, "agentId").await?),
            None => None,
        };
        edit(
            ctx,
            &input.id,
            Box::new(move |t| {
                open_for_changes(t)?;
                if t.assignee_agent_id == agent {
                    return Ok(None);
                }
                let mut row = t.clone().into_active_model();
                row.assignee_agent_id = Set(agent);
                row.updated_at = Set(entities::now());
                let gid = |a: Option<Uuid>| a.map(|a| id::encode(Kind::Agent, a));
                let payload =
                    json!({ "fields": ["assignee"], "assignee": from_to(gid(t.assignee_agent_id), gid(agent)) });
                Ok(Some(Change::new(row).event(EventType::TicketUpdated, payload)))
            }),
        )
        .await
    }

    /// Moves a ticket through `OPEN`, `IN_PROGRESS`, `WAITING`, `RESOLVED` and `CLOSED`. Leaving `OPEN` records
    /// `firstResponseAt` (if no public comment did), `RESOLVED` records `resolvedAt`, reopening clears it, and
    /// `CLOSED` is final (`CONFLICT` afterwards).
    async fn set_ticket_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: SetTicketStatusInput,
    ) -> ApiResult<TicketPayload> {
        let to = S::from(input.status);
        edit(ctx, &input.id, Box::new(move |t| service::set_status(t, to))).await
    }

    /// Closes a ticket for good (from any state; closing a closed ticket changes nothing).
    async fn close_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CloseTicketInput,
    ) -> ApiResult<TicketPayload> {
        edit(ctx, &input.id, Box::new(|t| service::set_status(t, S::Closed))).await
    }

    /// Comments on a ticket. Comments are messages of the ticket's conversation (one is started, on channel
    /// `API`, for a ticket without one): private agent notes by default, or public replies to the contact.
    async fn add_ticket_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: AddTicketCommentInput,
    ) -> ApiResult<AddTicketCommentPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let ticket_id = id::decode(Kind::Ticket, &input.ticket_id, "ticketId")?;
        let agent_id = crate::agents::find(db, viewer, &input.agent_id, "agentId").await?;
        let comment =
            Comment { agent_id, body: input.body, public: input.public, client_message_id: input.client_message_id };
        let (edited, sent) = service::comment(db, viewer, ticket_id, comment).await?;
        let mut events: Vec<_> = sent.events.iter().chain(&edited.events).cloned().collect();
        events.sort_by_key(|e| e.id);
        crate::events::publish(ctx, &events).await?;
        Ok(AddTicketCommentPayload {
            ticket: edited.model.into(),
            comment: sent.message.into(),
            replayed: sent.replayed,
        })
    }
}
