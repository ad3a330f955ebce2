//! Where a workspace's events are POSTed: a URL, the event types it wants (empty: all), the signing secret
//! (`whsec_…`, kept in clear: it signs every delivery), and whether it is enabled (an endpoint that keeps failing is
//! disabled, with the reason).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub url: String,
    /// Event type names (`message.created`, …); an empty array is every type.
    pub events: Json,
    pub description: Option<String>,
    pub secret: String,
    pub enabled: bool,
    /// Deliveries in a row that exhausted their retries (reset by any success).
    pub failure_count: i32,
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
