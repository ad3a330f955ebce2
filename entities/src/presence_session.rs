//! One live connection (WebSocket or event stream) of an agent or a contact: a lease its instance renews.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "presence_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// The agent connected (a JWT of the workspace), or
    pub agent_id: Option<Uuid>,
    /// the contact connected (a widget token).
    pub contact_id: Option<Uuid>,
    /// The server instance holding the connection (a random id per process).
    pub instance_id: Uuid,
    pub started_at: DateTimeUtc,
    /// Last renewed (or when the connection closed).
    pub seen_at: DateTimeUtc,
    /// The lease: past it, any instance's sweeper removes the row.
    pub expires_at: DateTimeUtc,
    /// When the connection closed (the lease then runs only the grace period).
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
