//! Inbound channels: the `inbox` table, one row per place where a platform (or an integrator's generic JSON)
//! posts messages in. Secrets stay in clear (see `entities::inbox`): they are HMAC keys and tokens to compare.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000009_inboxes"
    }
}

#[derive(DeriveIden)]
enum Inbox {
    Table,
    Id,
    WorkspaceId,
    Channel,
    Name,
    BotId,
    Secret,
    VerifyToken,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Bot {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Inbox::Table)
                .col(pk_uuid(Inbox::Id))
                .col(uuid(Inbox::WorkspaceId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Inbox::Table, Inbox::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .col(string_len(Inbox::Channel, 24))
                .col(string_len(Inbox::Name, 200))
                .col(uuid_null(Inbox::BotId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Inbox::Table, Inbox::BotId)
                        .to(Bot::Table, Bot::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .col(string_len(Inbox::Secret, 512))
                .col(string_len_null(Inbox::VerifyToken, 256))
                .col(timestamp_with_time_zone(Inbox::CreatedAt))
                .col(timestamp_with_time_zone(Inbox::UpdatedAt))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("CREATE INDEX ix_inbox_page ON inbox (workspace_id, created_at, id)")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Inbox::Table).take()).await
    }
}
