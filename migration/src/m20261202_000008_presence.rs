//! Presence: one row per live connection (a WebSocket or an event stream) of an agent or a contact, a lease that
//! its instance renews; and on `agent` the availability the agent chose (`availability_choice`) beside the one in
//! effect (`availability`), and when it was last seen. Rows of an instance that died stop being renewed, expire,
//! and any other instance's sweeper removes them and turns their agents offline.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_presence"
    }
}

#[derive(DeriveIden)]
enum PresenceSession {
    Table,
    Id,
    WorkspaceId,
    AgentId,
    ContactId,
    InstanceId,
    StartedAt,
    SeenAt,
    ExpiresAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
}

const INDEXES: &[&str] = &[
    // The sweeper: expired leases.
    "CREATE INDEX ix_presence_session_expires ON presence_session (expires_at)",
    // Whether an agent (a contact) still has a live session.
    "CREATE INDEX ix_presence_session_agent ON presence_session (agent_id, expires_at)",
    "CREATE INDEX ix_presence_session_contact ON presence_session (contact_id, expires_at)",
    // The heartbeat: one instance's open sessions.
    "CREATE INDEX ix_presence_session_instance ON presence_session (instance_id)",
    // What agents chose so far: busy stays busy; online and offline become automatic (online while connected).
    "UPDATE agent SET availability_choice = 'busy' WHERE availability = 'busy'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PresenceSession::Table)
                .col(pk_uuid(PresenceSession::Id))
                .col(uuid(PresenceSession::WorkspaceId))
                .foreign_key(
                    ForeignKey::create()
                        .from(PresenceSession::Table, PresenceSession::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .col(uuid_null(PresenceSession::AgentId))
                .col(uuid_null(PresenceSession::ContactId))
                .col(uuid(PresenceSession::InstanceId))
                .col(timestamp_with_time_zone(PresenceSession::StartedAt))
                .col(timestamp_with_time_zone(PresenceSession::SeenAt))
                .col(timestamp_with_time_zone(PresenceSession::ExpiresAt))
                .col(timestamp_with_time_zone_null(PresenceSession::EndedAt))
                .take(),
        )
        .await?;
        // One column per statement: SQLite's ALTER TABLE takes one change at a time.
        let choice = string_len(Alias::new("availability_choice"), 16).default("online").take();
        m.alter_table(Table::alter().table(Alias::new("agent")).add_column(choice).take()).await?;
        let seen = timestamp_with_time_zone_null(Alias::new("last_seen_at"));
        m.alter_table(Table::alter().table(Alias::new("agent")).add_column(seen).take()).await?;
        let db = m.get_connection();
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["last_seen_at", "availability_choice"] {
            m.alter_table(Table::alter().table(Alias::new("agent")).drop_column(Alias::new(col)).take()).await?;
        }
        m.drop_table(Table::drop().table(PresenceSession::Table).take()).await?;
        Ok(())
    }
}
