//! Who handles a conversation and in what state it is: `assignConversation`, `handoffToHuman`,
//! `setConversationStatus`, `setConversationPriority`, `markConversationRead`.

use super::Conversation;
use crate::context::ContextExt;
use crate::enums::{ConversationStatus, Priority};
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::scope::scoped;
use crate::write::{self, Change, Edited, enum_name, from_to};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::enums::{BotStatus, ConversationStatus as Status, HandledBy, MessageStatus, SenderKind};
use entities::{bot, conversation, message};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

/// Who handles a conversation from now on.
#[derive(InputObject)]
pub struct AssignConversationInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// The agent who takes it (humans then handle it). Null or absent: back to the conversation's bot.
    pub agent_id: Option<ID>,
}

/// A bot handing a conversation to the humans.
#[derive(InputObject)]
pub struct HandoffToHumanInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// Why the bot hands over (shown to agents, kept in the event).
    pub reason: String,
    /// Optionally, the agent who takes it.
    pub agent_id: Option<ID>,
}

/// A conversation's new status.
#[derive(InputObject)]
pub struct SetConversationStatusInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// The new status (`SNOOZED` needs `snoozedUntil`; `RESOLVED` records `resolvedAt`).
    pub status: ConversationStatus,
    /// Required with `SNOOZED` (in the future), refused otherwise. A contact message reopens a snoozed conversation.
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// A conversation's new priority.
#[derive(InputObject)]
pub struct SetConversationPriorityInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// The new priority.
    pub priority: Priority,
}

/// Who read: the contact (reads the bot's and agents' messages) or the agents (read the contact's).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSide {
    /// The contact read the agents' and bot's messages.
    Contact,
    /// The agents read the contact's messages.
    Agent,
}

/// One side of a conversation has read it up to now.
#[derive(InputObject)]
pub struct MarkConversationReadInput {
    /// The conversation (its global id).
    pub conversation_id: ID,
    /// Who read: the other side's messages become `READ`.
    pub side: ReadSide,
    /// Read up to this time (default: now). The marker never moves back.
    pub up_to: Option<DateTime<Utc>>,
}

/// A conversation after a change.
#[derive(SimpleObject)]
pub struct ConversationPayload {
    /// The conversation as it is after this mutation.
    pub conversation: Conversation,
}

/// A conversation after `markConversationRead`.
#[derive(SimpleObject)]
pub struct MarkConversationReadPayload {
    /// The conversation as it is after this mutation.
    pub conversation: Conversation,
    /// Messages whose status became `READ`.
    pub messages_read: u64,
}

fn subject(c: &conversation::Model) -> Subject {
    Subject { conversation: Some(c.id), contact: Some(c.contact_id), ..Default::default() }
}

fn agent_gid(id: Option<Uuid>) -> Option<String> {
    id.map(|a| id::encode(Kind::Agent, a).to_string())
}

async fn done(ctx: &Context<'_>, edited: Edited<conversation::Model>) -> ApiResult<ConversationPayload> {
    crate::events::publish(ctx, &edited.events).await?;
    Ok(ConversationPayload { conversation: edited.model.into() })
}

type Decide<'a> =
    Box<dyn FnOnce(&conversation::Model) -> ApiResult<Option<Change<conversation::ActiveModel>>> + Send + 'a>;

async fn edit(ctx: &Context<'_>, id: &ID, decide: Decide<'_>) -> ApiResult<ConversationPayload> {
    let (db, viewer) = (ctx.db()?, ctx.viewer()?);
    let id = id::decode(Kind::Conversation, id, "conversationId")?;
    let edited = write::edit::<conversation::Entity, _>(db, viewer, id, "conversation", subject, decide).await?;
    done(ctx, edited).await
}

#[derive(Default)]
pub struct ConversationLifecycleMutation;

#[Object]
impl ConversationLifecycleMutation {
    /// Gives the conversation to an agent (humans handle it; `PENDING` becomes `OPEN`), or, without `agentId`,
    /// back to its bot (`OPEN` becomes `PENDING`). Repeating an assignment changes nothing.
    async fn assign_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: AssignConversationInput,
    ) -> ApiResult<ConversationPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let agent = match &input.agent_id {
            Some(a) => Some(crate::agents::find(db, viewer, a, "agentId").await?),
            None => None,
        };
        // Back to the bot: the bot must exist and still take conversations.
        let mut bot_status = None;
        if agent.is_none() {
            let cid = id::decode(Kind::Conversation, &input.conversation_id, "conversationId")?;
            let conv = scoped::<conversation::Entity>(viewer).filter(conversation::Column::Id.eq(cid)).one(db).await?;
            if let Some(bot_id) = conv.and_then(|c| c.bot_id) {
                bot_status =
                    scoped::<bot::Entity>(viewer).filter(bot::Column::Id.eq(bot_id)).one(db).await?.map(|b| b.status);
            }
        }
        edit(
            ctx,
            &input.conversation_id,
            Box::new(move |c| {
                let mut row = c.clone().into_active_model();
                let mut change_status = None;
                match agent {
                    Some(a) => {
                        if c.assignee_agent_id == Some(a) && c.handled_by == HandledBy::Human {
                            return Ok(None);
                        }
                        row.assignee_agent_id = Set(Some(a));
                        row.handled_by = Set(HandledBy::Human);
                        if c.handled_by == HandledBy::Bot && c.bot_id.is_some() && c.handed_off_at.is_none() {
                            row.handed_off_at = Set(Some(entities::now()));
                        }
                        if c.status == Status::Pending {
                            change_status = Some(Status::Open);
                        }
                    }
                    None => {
                        if c.bot_id.is_none() {
                            return Err(ApiError::Conflict("conversation has no bot to go back to".into()));
                        }
                        match bot_status {
                            Some(BotStatus::Archived) | None => {
                                return Err(ApiError::transition(
                                    "bot",
                                    bot_status.unwrap_or(BotStatus::Archived),
                                    "take the conversation back",
                                ));
                            }
                            Some(_) => {}
                        }
                        if c.assignee_agent_id.is_none() && c.handled_by == HandledBy::Bot {
                            return Ok(None);
                        }
                        row.assignee_agent_id = Set(None);
                        row.handled_by = Set(HandledBy::Bot);
                        if c.status == Status::Open {
                            change_status = Some(Status::Pending);
                        }
                    }
                }
                if let Some(s) = change_status {
                    row.status = Set(s);
                }
                row.updated_at = Set(entities::now());
                let mut payload = json!({
                    "assignee": from_to(agent_gid(c.assignee_agent_id), agent_gid(agent)),
                    "handledBy": from_to(c.handled_by, if agent.is_some() { HandledBy::Human } else { HandledBy::Bot }),
                });
                if let Some(s) = change_status {
                    payload["status"] = from_to(c.status, s);
                }
                Ok(Some(Change::new(row).event(EventType::ConversationAssigned, payload)))
            }),
        )
        .await
    }

    /// The bot hands the conversation to humans (`handledBy: HUMAN`, `PENDING` becomes `OPEN`), with a reason and
    /// optionally an agent. `CONFLICT` when humans already handle it or it is resolved.
    async fn handoff_to_human(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: HandoffToHumanInput,
    ) -> ApiResult<ConversationPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        write::required_text("reason", &input.reason, 1000)?;
        let agent = match &input.agent_id {
            Some(a) => Some(crate::agents::find(db, viewer, a, "agentId").await?),
            None => None,
        };
        let reason = input.reason.trim().to_owned();
        edit(
            ctx,
            &input.conversation_id,
            Box::new(move |c| {
                if c.handled_by == HandledBy::Human {
                    return Err(ApiError::InvalidTransition {
                        message: "conversation is handled by HUMAN already: nothing to hand off".into(),
                        state: enum_name(c.status),
                    });
                }
                if c.status == Status::Resolved {
                    return Err(ApiError::transition("conversation", c.status, "be handed off"));
                }
                let mut row = c.clone().into_active_model();
                row.handled_by = Set(HandledBy::Human);
                if c.handed_off_at.is_none() {
                    row.handed_off_at = Set(Some(entities::now()));
                }
                let to = if c.status == Status::Pending { Status::Open } else { c.status };
                row.status = Set(to);
                if agent.is_some() {
                    row.assignee_agent_id = Set(agent);
                }
                row.updated_at = Set(entities::now());
                let payload = json!({
                    "reason": reason,
                    "status": from_to(c.status, to),
                    "assignee": agent_gid(agent.or(c.assignee_agent_id)),
                });
                Ok(Some(Change::new(row).event(EventType::ConversationHandoff, payload)))
            }),
        )
        .await
    }

    /// Opens, marks pending (bot-handled only), snoozes (until `snoozedUntil`) or resolves a conversation.
    /// Resolving records `resolvedAt`; a contact message reopens a resolved or snoozed conversation.
    async fn set_conversation_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: SetConversationStatusInput,
    ) -> ApiResult<ConversationPayload> {
        let to = Status::from(input.status);
        let now = entities::now();
        match (to, input.snoozed_until) {
            (Status::Snoozed, None) => return Err(ApiError::bad_input("snoozedUntil", "required to snooze")),
            (Status::Snoozed, Some(t)) if t <= now => {
                return Err(ApiError::bad_input("snoozedUntil", "must be in the future"));
            }
            (Status::Snoozed, _) | (_, None) => {}
            (_, Some(_)) => return Err(ApiError::bad_input("snoozedUntil", "only with status SNOOZED")),
        }
        let until = input.snoozed_until;
        edit(
            ctx,
            &input.conversation_id,
            Box::new(move |c| {
                if c.status == to && (to != Status::Snoozed || c.snoozed_until == until) {
                    return Ok(None);
                }
                if to == Status::Pending && c.handled_by == HandledBy::Human {
                    return Err(ApiError::InvalidTransition {
                        message: format!(
                            "conversation is {} and handled by HUMAN: PENDING is the bot's queue (assign it back to the bot)",
                            enum_name(c.status)
                        ),
                        state: enum_name(c.status),
                    });
                }
                if to == Status::Snoozed && c.status == Status::Resolved {
                    return Err(ApiError::transition("conversation", c.status, "be snoozed (reopen it first)"));
                }
                let mut row = c.clone().into_active_model();
                row.status = Set(to);
                row.snoozed_until = Set(until);
                match to {
                    Status::Resolved => {
                        row.resolved_at = Set(Some(now));
                        row.waiting_since = Set(None);
                    }
                    _ => row.resolved_at = Set(None),
                }
                if c.status == Status::Resolved && to != Status::Resolved {
                    row.reopen_count = Set(c.reopen_count + 1);
                }
                row.updated_at = Set(now);
                let mut payload = from_to(c.status, to);
                if let Some(t) = until {
                    payload["snoozedUntil"] = json!(t);
                }
                Ok(Some(Change::new(row).event(EventType::ConversationStatusChanged, payload)))
            }),
        )
        .await
    }

    /// Changes a conversation's priority.
    async fn set_conversation_priority(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: SetConversationPriorityInput,
    ) -> ApiResult<ConversationPayload> {
        let to = entities::enums::Priority::from(input.priority);
        edit(
            ctx,
            &input.conversation_id,
            Box::new(move |c| {
                if c.priority == to {
                    return Ok(None);
                }
                let mut row = c.clone().into_active_model();
                row.priority = Set(to);
                row.updated_at = Set(entities::now());
                let payload = json!({ "fields": ["priority"], "priority": from_to(c.priority, to) });
                Ok(Some(Change::new(row).event(EventType::ConversationUpdated, payload)))
            }),
        )
        .await
    }

    /// Marks the conversation read by one side up to `upTo`: the other side's messages (not private notes) up to
    /// then become `READ`, and the side's read marker moves forward (never back).
    async fn mark_conversation_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: MarkConversationReadInput,
    ) -> ApiResult<MarkConversationReadPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        crate::auth::acting::read_side(viewer, input.side == ReadSide::Contact)?;
        let id = id::decode(Kind::Conversation, &input.conversation_id, "conversationId")?;
        let now = entities::now();
        let up_to = input.up_to.map_or(now, |t| t.min(now));
        let txn = crate::write::begin(db).await?;
        let result: Result<_, ApiError> = async {
            let c = write::lock::<conversation::Entity, _>(&txn, viewer, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("conversation".into()))?;
            let (marker, senders) = match input.side {
                ReadSide::Contact => {
                    (c.contact_last_read_at, vec![SenderKind::Bot, SenderKind::Agent, SenderKind::System])
                }
                ReadSide::Agent => (c.agent_last_read_at, vec![SenderKind::Contact]),
            };
            if marker.is_some_and(|m| m >= up_to) {
                return Ok((c, vec![], 0));
            }
            let read = crate::scope::scoped_update::<message::Entity>(viewer)
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Read))
                .filter(message::Column::ConversationId.eq(id))
                .filter(message::Column::Status.is_in([MessageStatus::Sent, MessageStatus::Delivered]))
                .filter(message::Column::Private.eq(false))
                .filter(message::Column::SenderKind.is_in(senders))
                .filter(message::Column::CreatedAt.lte(up_to))
                .exec(&txn)
                .await?
                .rows_affected;
            let mut row = c.clone().into_active_model();
            match input.side {
                ReadSide::Contact => row.contact_last_read_at = Set(Some(up_to)),
                ReadSide::Agent => row.agent_last_read_at = Set(Some(up_to)),
            }
            row.updated_at = Set(now);
            let model = sea_orm::ActiveModelTrait::update(row, &txn).await?;
            let side = if input.side == ReadSide::Contact { "contact" } else { "agent" };
            let payload = json!({ "side": side, "upTo": up_to, "messagesRead": read });
            let events =
                write::append_all(&txn, viewer, subject(&model), vec![(EventType::ConversationRead, payload)]).await?;
            Ok((model, events, read))
        }
        .await;
        let (model, events, read) = crate::write::finish(txn, result).await?;
        let payload = done(ctx, Edited { model, events }).await?;
        Ok(MarkConversationReadPayload { conversation: payload.conversation, messages_read: read })
    }
}
