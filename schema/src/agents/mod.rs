//! Agents: the humans of a workspace.

use crate::enums::{Availability, Role};
use crate::error::{ApiResult, OrNull};
use crate::filter::{EnumFilter, FilterCtx, FilterInput, StringFilter};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::KeyKind;
use crate::pagination::{Conn, KeyValue, PageArgs, Sort};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entities::agent::{Column as C, Entity, Model};
use sea_orm::Condition;
use std::sync::Arc;

pub struct Agent(pub Arc<Model>);

impl From<Model> for Agent {
    fn from(m: Model) -> Self {
        Agent(Arc::new(m))
    }
}

/// A person who works in the workspace: answers conversations (`AGENT`), administers it (`ADMIN`) or reads its
/// reports (`ANALYST`).
#[Object]
impl Agent {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Agent, self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Sign-in and contact address (hidden from contacts).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// What the agent may do in the workspace: `ADMIN`, `AGENT` or `ANALYST`.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Whether the agent takes new conversations now: `OFFLINE` while they have no live WebSocket or event
    /// stream (after a grace period), else their `availabilityChoice`.
    async fn availability(&self) -> Availability {
        self.0.availability.into()
    }
    /// What the agent chose with `setAvailability` (`ONLINE` unless they chose otherwise); kept across connections.
    async fn availability_choice(&self) -> Availability {
        self.0.availability_choice.into()
    }
    /// When a connection of the agent was last live (null if they never connected).
    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_seen_at
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Which agents to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct AgentFilter {
    /// Matches `role`.
    pub role: Option<EnumFilter<Role>>,
    /// Matches `name`.
    pub name: Option<StringFilter>,
    /// Matches `email`.
    pub email: Option<StringFilter>,
    /// Every one of these filters matches.
    pub and: Option<Vec<AgentFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<AgentFilter>>,
    /// This filter does not match.
    pub not: Option<Box<AgentFilter>>,
}

impl FilterInput for AgentFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.role {
            c = c.add(f.condition(C::Role, "role")?);
        }
        if let Some(f) = &self.name {
            c = c.add(f.condition(C::Name, "agent", "name", fx)?);
        }
        if let Some(f) = &self.email {
            c = c.add(f.condition(C::Email, "agent", "email", fx)?);
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

#[derive(Default)]
pub struct AgentQuery;

#[Object]
impl AgentQuery {
    /// The workspace's agents, oldest first.
    async fn agents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<AgentFilter>,
    ) -> ApiResult<Conn<Agent>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort: Sort<Entity> = Sort {
            name: "createdAt",
            col: C::CreatedAt,
            id: C::Id,
            desc: false,
            kind: KeyKind::Time,
            key: |m| (KeyValue::time(m.created_at), m.id),
        };
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Agent::from).await
    }

    /// One agent by id; null when it does not exist in this workspace.
    async fn agent(&self, ctx: &Context<'_>, #[graphql(desc = "The agent (its global id).")] id: ID) -> Option<Agent> {
        let found: ApiResult<Option<Agent>> = async {
            let id = id::decode(Kind::Agent, &id, "id")?;
            Ok(loaders(ctx)?.agent().load_one(id).await?.map(Agent))
        }
        .await;
        found.or_null(ctx)
    }
}

/// The agent with global id `gid` in the viewer's workspace, for a mutation input field named `field`.
pub async fn find(
    db: &sea_orm::DatabaseConnection,
    viewer: &crate::context::Viewer,
    gid: &ID,
    field: &str,
) -> ApiResult<uuid::Uuid> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let id = id::decode(Kind::Agent, gid, field)?;
    let found = crate::scope::scoped::<Entity>(viewer).filter(C::Id.eq(id)).one(db).await?;
    found.map(|a| a.id).ok_or_else(|| crate::error::ApiError::NotFound("agent".into()))
}
