//! Human users of a workspace.

use crate::enums::{Availability, Role};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// In effect: offline while the agent has no live connection (see `presence_session`), else their choice.
    pub availability: Availability,
    /// What the agent chose (`setAvailability`): kept across connections; `offline` means "appear offline".
    pub availability_choice: Availability,
    /// When a connection of the agent was last live (set on connect and when the last one ends).
    pub last_seen_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
