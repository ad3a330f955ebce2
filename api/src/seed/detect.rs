//! Recognising the demo data in a database: production refuses to serve it, and development's start-up token is
//! for its first admin.

use entities::enums::Role;
use entities::{agent, workspace};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Whether the demo data set is loaded: its agents use the reserved `example` domains (RFC 2606), which no real
/// deployment's agents do.
pub async fn holds_demo_data(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let demo = agent::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(agent::Column::Email.like("%@acme.example"))
                .add(agent::Column::Email.like("%@globex.example")),
        )
        .one(db)
        .await?;
    Ok(demo.is_some())
}

/// The first admin of workspace `acme` (the demo's), else of the oldest workspace: (workspace, agent).
pub async fn first_admin(db: &DatabaseConnection) -> Result<Option<(Uuid, Uuid)>, DbErr> {
    let acme = workspace::Entity::find().filter(workspace::Column::Slug.eq("acme")).one(db).await?;
    let ws = match acme {
        Some(w) => Some(w),
        None => workspace::Entity::find().order_by_asc(workspace::Column::CreatedAt).one(db).await?,
    };
    let Some(ws) = ws else { return Ok(None) };
    let admin = agent::Entity::find()
        .filter(agent::Column::WorkspaceId.eq(ws.id))
        .filter(agent::Column::Role.eq(Role::Admin))
        .order_by_asc(agent::Column::CreatedAt)
        .order_by_asc(agent::Column::Id)
        .one(db)
        .await?;
    Ok(admin.map(|a| (ws.id, a.id)))
}
