//! Machine credentials: API keys for servers, and bot keys (bound to one bot). The secret is shown once and stored
//! hashed; a rotated key's previous secret keeps working until `previous_expires_at`.

use crate::enums::Role;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub prefix: String,
    pub secret_hash: String,
    pub role: Role,
    pub scopes: Json,
    pub last_used_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A bot key acts as this bot (role `bot`).
    pub bot_id: Option<Uuid>,
    pub previous_secret_hash: Option<String>,
    pub previous_expires_at: Option<DateTimeUtc>,
    /// Rate-limit budget (cost points per minute) instead of the role's default: premium keys get more.
    pub budget: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
