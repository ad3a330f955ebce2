//! The outbox: one row per write, in global order. Feeds subscriptions (resume after reconnect), webhooks, reports.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: Uuid,
    #[sea_orm(column_name = "type")]
    pub event_type: String,
    pub conversation_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub payload: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
