//! Outbound webhooks: endpoints (per workspace, with the signing secret), deliveries (one per endpoint and event,
//! the unit that is retried and replayed), every attempt of a delivery, and the enqueuer's position in the event
//! outbox (one row: progress lives in the database, so a restart skips nothing).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000006_webhooks"
    }
}

#[derive(DeriveIden)]
enum WebhookEndpoint {
    Table,
    Id,
    WorkspaceId,
    Url,
    Events,
    Description,
    Secret,
    Enabled,
    FailureCount,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    WorkspaceId,
    EndpointId,
    EventId,
    ConversationId,
    EventType,
    Body,
    Attempts,
    Status,
    NextAttemptAt,
    LockedUntil,
    LastResponseCode,
    LastDurationMs,
    LastError,
    LastResponse,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempt {
    Table,
    Id,
    WorkspaceId,
    DeliveryId,
    Number,
    StartedAt,
    ResponseCode,
    DurationMs,
    Error,
    Response,
}

#[derive(DeriveIden)]
enum WebhookCursor {
    Table,
    Id,
    LastEventId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
}

fn workspace_fk<T: IntoIden + 'static>(t: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(t, col).to(Workspace::Table, Workspace::Id).on_delete(ForeignKeyAction::Cascade).take()
}

const INDEXES: &[&str] = &[
    "CREATE INDEX ix_webhook_endpoint_page ON webhook_endpoint (workspace_id, created_at, id)",
    // One delivery per endpoint and event: enqueuing the same event twice (a restart, two instances) is a no-op.
    "CREATE UNIQUE INDEX ux_webhook_delivery_event ON webhook_delivery (endpoint_id, event_id)",
    // What the worker claims: due deliveries.
    "CREATE INDEX ix_webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
    // Order per conversation: an earlier undelivered event of the same conversation holds the later ones back.
    "CREATE INDEX ix_webhook_delivery_order ON webhook_delivery (endpoint_id, conversation_id, event_id)",
    "CREATE INDEX ix_webhook_delivery_page ON webhook_delivery (endpoint_id, created_at, id)",
    "CREATE INDEX ix_webhook_attempt_delivery ON webhook_attempt (delivery_id, number)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoint::Table)
                .col(pk_uuid(WebhookEndpoint::Id))
                .col(uuid(WebhookEndpoint::WorkspaceId))
                .foreign_key(&mut workspace_fk(WebhookEndpoint::Table, WebhookEndpoint::WorkspaceId))
                .col(string_len(WebhookEndpoint::Url, 2048))
                .col(json(WebhookEndpoint::Events))
                .col(text_null(WebhookEndpoint::Description))
                .col(string_len(WebhookEndpoint::Secret, 128))
                .col(boolean(WebhookEndpoint::Enabled))
                .col(integer(WebhookEndpoint::FailureCount))
                .col(text_null(WebhookEndpoint::DisabledReason))
                .col(timestamp_with_time_zone(WebhookEndpoint::CreatedAt))
                .col(timestamp_with_time_zone(WebhookEndpoint::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDelivery::Table)
                .col(pk_uuid(WebhookDelivery::Id))
                .col(uuid(WebhookDelivery::WorkspaceId))
                .foreign_key(&mut workspace_fk(WebhookDelivery::Table, WebhookDelivery::WorkspaceId))
                .col(uuid(WebhookDelivery::EndpointId))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDelivery::Table, WebhookDelivery::EndpointId)
                        .to(WebhookEndpoint::Table, WebhookEndpoint::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .col(big_integer_null(WebhookDelivery::EventId))
                .col(uuid_null(WebhookDelivery::ConversationId))
                .col(string_len(WebhookDelivery::EventType, 64))
                .col(text(WebhookDelivery::Body))
                .col(integer(WebhookDelivery::Attempts))
                .col(string_len(WebhookDelivery::Status, 24))
                .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                .col(timestamp_with_time_zone_null(WebhookDelivery::LockedUntil))
                .col(integer_null(WebhookDelivery::LastResponseCode))
                .col(integer_null(WebhookDelivery::LastDurationMs))
                .col(text_null(WebhookDelivery::LastError))
                .col(text_null(WebhookDelivery::LastResponse))
                .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookAttempt::Table)
                .col(pk_uuid(WebhookAttempt::Id))
                .col(uuid(WebhookAttempt::WorkspaceId))
                .foreign_key(&mut workspace_fk(WebhookAttempt::Table, WebhookAttempt::WorkspaceId))
                .col(uuid(WebhookAttempt::DeliveryId))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookAttempt::Table, WebhookAttempt::DeliveryId)
                        .to(WebhookDelivery::Table, WebhookDelivery::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .col(integer(WebhookAttempt::Number))
                .col(timestamp_with_time_zone(WebhookAttempt::StartedAt))
                .col(integer_null(WebhookAttempt::ResponseCode))
                .col(integer(WebhookAttempt::DurationMs))
                .col(text_null(WebhookAttempt::Error))
                .col(text_null(WebhookAttempt::Response))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookCursor::Table)
                .col(integer(WebhookCursor::Id).primary_key())
                .col(big_integer(WebhookCursor::LastEventId))
                .col(timestamp_with_time_zone(WebhookCursor::UpdatedAt))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        // No endpoint exists yet, so nothing before now is owed to one: start after the newest event.
        db.execute_unprepared(
            "INSERT INTO webhook_cursor (id, last_event_id, updated_at) \
             SELECT 1, COALESCE(MAX(id), 0), CURRENT_TIMESTAMP FROM event",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["webhook_cursor", "webhook_attempt", "webhook_delivery", "webhook_endpoint"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take()).await?;
        }
        Ok(())
    }
}
