//! `setAvailability` and `agentPresenceChanged`.

use super::payload::{Changed, Reason};
use super::service;
use crate::agents::Agent;
use crate::context::ContextExt;
use crate::enums::Availability;
use crate::error::{ApiError, ApiResult};
use crate::events::subscription::live;
use crate::events::types::EventType;
use crate::events::{Envelope, publish};
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entities::enums::Role;
use futures::Stream;
use sea_orm::{ColumnTrait, QueryFilter};

/// An agent's choice of availability.
#[derive(InputObject)]
pub struct SetAvailabilityInput {
    /// `ONLINE`: online whenever connected (the default); `BUSY`: connected but taking no new conversations;
    /// `OFFLINE`: appear offline even when connected. The choice is kept across connections: an agent who set
    /// `BUSY` and disconnects shows `OFFLINE`, and `BUSY` again when they reconnect.
    pub availability: Availability,
    /// Another agent of the workspace (global id): admins only. Without it, the calling agent (an agent's token).
    pub agent_id: Option<ID>,
}

/// An agent after `setAvailability`.
#[derive(SimpleObject)]
pub struct SetAvailabilityPayload {
    /// The agent: `availabilityChoice` is what was set, `availability` what is in effect (`OFFLINE` while they
    /// have no live connection).
    pub agent: Agent,
}

#[derive(Default)]
pub struct PresenceMutation;

#[Object]
impl PresenceMutation {
    /// Sets an agent's availability choice (see `SetAvailabilityInput.availability`); a change of what is in
    /// effect is an `agent.presence_changed` event.
    async fn set_availability(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The choice, and optionally whose.")] input: SetAvailabilityInput,
    ) -> ApiResult<SetAvailabilityPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let agent_id = match &input.agent_id {
            Some(gid) => {
                let id = crate::agents::find(db, viewer, gid, "input.agentId").await?;
                if viewer.agent() != Some(id) && viewer.role != Role::Admin {
                    return Err(ApiError::Forbidden("only an admin may set another agent's availability".into()));
                }
                id
            }
            None => viewer.agent().ok_or_else(|| {
                ApiError::bad_input("input.agentId", "this credential is not an agent's: name the agent")
            })?,
        };
        let (agent, events) =
            service::settle(db, viewer, agent_id, Some(input.availability.into()), None, Reason::Set).await?;
        publish(ctx, &events).await?;
        Ok(SetAvailabilityPayload { agent: Agent::from(agent) })
    }
}

pub struct AgentPresenceChange {
    agent_id: uuid::Uuid,
    changed: Changed,
    changed_at: DateTime<Utc>,
}

/// An agent's availability changed: they connected, their last connection closed (after the grace period) or
/// expired with its server, or their choice changed.
#[Object]
impl AgentPresenceChange {
    /// The agent (global id).
    async fn agent_id(&self) -> ID {
        id::encode(Kind::Agent, self.agent_id)
    }
    /// The agent, as it is now (null if it was deleted since).
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        // Read afresh: a socket's loaders live as long as the socket.
        let found = crate::scope::scoped::<entities::agent::Entity>(ctx.viewer()?)
            .filter(entities::agent::Column::Id.eq(self.agent_id))
            .one(ctx.db()?)
            .await?;
        Ok(found.map(Agent::from))
    }
    /// What is in effect now.
    async fn availability(&self) -> Availability {
        self.changed.availability.to.into()
    }
    /// What was in effect before.
    async fn previous_availability(&self) -> Availability {
        self.changed.availability.from.into()
    }
    /// What the agent chose (`setAvailability`).
    async fn availability_choice(&self) -> Availability {
        self.changed.choice.into()
    }
    /// When a connection of the agent was last live.
    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.changed.last_seen_at
    }
    /// When the change was recorded (UTC).
    async fn changed_at(&self) -> DateTime<Utc> {
        self.changed_at
    }
    /// Why it changed.
    async fn reason(&self) -> Reason {
        self.changed.reason
    }
}

#[derive(Default)]
pub struct PresenceSubscription;

#[Subscription]
impl PresenceSubscription {
    /// Agents of the workspace going online, busy or offline, on whichever server their connections are.
    async fn agent_presence_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this agent (global id).")] agent_id: Option<ID>,
    ) -> Result<impl Stream<Item = async_graphql::Result<AgentPresenceChange>> + use<>, ApiError> {
        let only = agent_id.as_ref().map(|a| id::decode(Kind::Agent, a, "agentId")).transpose()?;
        live(ctx, move |env| match env {
            Envelope::Stored { event, .. } if event.event_type == EventType::AgentPresenceChanged.as_str() => {
                let changed: Changed = serde_json::from_value(event.payload.clone()).ok()?;
                let agent_id = id::decode(Kind::Agent, &ID(changed.agent_id.clone()), "agentId").ok()?;
                if only.is_some_and(|o| o != agent_id) {
                    return None;
                }
                Some(AgentPresenceChange { agent_id, changed, changed_at: event.created_at })
            }
            _ => None,
        })
    }
}
