//! The first data model: tenants, people, bots, conversations, messages, tickets, labels and the event outbox.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_initial"
    }
}

/// Enum columns are short strings (see `entities::enums`).
fn enum_col<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, 24)
}

/// A `workspace_id` column with its foreign key.
fn tenant<T: IntoIden + 'static>(table: &mut TableCreateStatement, t: T) -> &mut TableCreateStatement {
    table.col(uuid(Ws::WorkspaceId)).foreign_key(
        ForeignKey::create()
            .from(t, Ws::WorkspaceId)
            .to(Workspace::Table, Workspace::Id)
            .on_delete(ForeignKeyAction::Cascade),
    )
}

fn fk<F: IntoIden + 'static, C: IntoIden + 'static, T: IntoIden + 'static, K: IntoIden + 'static>(
    from: F,
    col: C,
    to: T,
    key: K,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, key).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Workspace::Table)
                .col(pk_uuid(Workspace::Id))
                .col(string(Workspace::Name))
                .col(string_uniq(Workspace::Slug))
                .col(timestamp_with_time_zone(Workspace::CreatedAt))
                .take(),
        )
        .await?;

        let mut t = Table::create().table(Agent::Table).col(pk_uuid(Agent::Id)).take();
        tenant(&mut t, Agent::Table)
            .col(string(Agent::Name))
            .col(string(Agent::Email))
            .col(enum_col(Agent::Role))
            .col(enum_col(Agent::Availability))
            .col(timestamp_with_time_zone(Agent::CreatedAt));
        m.create_table(t).await?;

        let mut t = Table::create().table(ApiKey::Table).col(pk_uuid(ApiKey::Id)).take();
        tenant(&mut t, ApiKey::Table)
            .col(string(ApiKey::Name))
            .col(string_uniq(ApiKey::Prefix))
            .col(string(ApiKey::SecretHash))
            .col(enum_col(ApiKey::Role))
            .col(json(ApiKey::Scopes))
            .col(timestamp_with_time_zone_null(ApiKey::LastUsedAt))
            .col(timestamp_with_time_zone_null(ApiKey::ExpiresAt))
            .col(timestamp_with_time_zone_null(ApiKey::RevokedAt))
            .col(timestamp_with_time_zone(ApiKey::CreatedAt));
        m.create_table(t).await?;

        let mut t = Table::create().table(Bot::Table).col(pk_uuid(Bot::Id)).take();
        tenant(&mut t, Bot::Table)
            .col(string(Bot::Name))
            .col(text_null(Bot::Description))
            .col(enum_col(Bot::Status))
            .col(json(Bot::Config))
            .col(timestamp_with_time_zone(Bot::CreatedAt))
            .col(timestamp_with_time_zone(Bot::UpdatedAt));
        m.create_table(t).await?;

        let mut t = Table::create().table(Contact::Table).col(pk_uuid(Contact::Id)).take();
        tenant(&mut t, Contact::Table)
            .col(string_null(Contact::ExternalId))
            .col(string_null(Contact::Name))
            .col(string_null(Contact::Email))
            .col(string_null(Contact::Phone))
            .col(json(Contact::Attributes))
            .col(timestamp_with_time_zone_null(Contact::LastSeenAt))
            .col(timestamp_with_time_zone(Contact::CreatedAt))
            .col(timestamp_with_time_zone(Contact::UpdatedAt));
        m.create_table(t).await?;

        let mut t = Table::create().table(Conversation::Table).col(pk_uuid(Conversation::Id)).take();
        tenant(&mut t, Conversation::Table)
            .col(big_integer(Conversation::Number))
            .col(uuid_null(Conversation::BotId))
            .col(uuid(Conversation::ContactId))
            .col(enum_col(Conversation::Channel))
            .col(enum_col(Conversation::Status))
            .col(enum_col(Conversation::Priority))
            .col(uuid_null(Conversation::AssigneeAgentId))
            .col(enum_col(Conversation::HandledBy))
            .col(string_null(Conversation::Subject))
            .col(json(Conversation::Attributes))
            .col(timestamp_with_time_zone_null(Conversation::SnoozedUntil))
            .col(timestamp_with_time_zone_null(Conversation::WaitingSince))
            .col(timestamp_with_time_zone_null(Conversation::FirstReplyAt))
            .col(timestamp_with_time_zone_null(Conversation::LastMessageAt))
            .col(timestamp_with_time_zone(Conversation::LastActivityAt))
            .col(timestamp_with_time_zone_null(Conversation::ResolvedAt))
            .col(big_integer(Conversation::MessageCount).default(0))
            .col(timestamp_with_time_zone(Conversation::CreatedAt))
            .col(timestamp_with_time_zone(Conversation::UpdatedAt))
            .foreign_key(&mut fk(Conversation::Table, Conversation::BotId, Bot::Table, Bot::Id))
            .foreign_key(&mut fk(Conversation::Table, Conversation::ContactId, Contact::Table, Contact::Id))
            .foreign_key(&mut fk(Conversation::Table, Conversation::AssigneeAgentId, Agent::Table, Agent::Id));
        m.create_table(t).await?;

        let mut t = Table::create().table(Message::Table).col(pk_uuid(Message::Id)).take();
        tenant(&mut t, Message::Table)
            .col(uuid(Message::ConversationId))
            .col(big_integer(Message::Seq))
            .col(enum_col(Message::Channel))
            .col(enum_col(Message::SenderKind))
            .col(uuid_null(Message::SenderId))
            .col(enum_col(Message::Kind))
            .col(text(Message::Content))
            .col(json(Message::Payload))
            .col(boolean(Message::Private).default(false))
            .col(enum_col(Message::Status))
            .col(string_null(Message::SourceId))
            .col(string_null(Message::ClientMessageId))
            .col(timestamp_with_time_zone(Message::CreatedAt))
            .foreign_key(&mut fk(Message::Table, Message::ConversationId, Conversation::Table, Conversation::Id));
        m.create_table(t).await?;

        let mut t = Table::create().table(Ticket::Table).col(pk_uuid(Ticket::Id)).take();
        tenant(&mut t, Ticket::Table)
            .col(big_integer(Ticket::Number))
            .col(uuid_null(Ticket::ConversationId))
            .col(uuid(Ticket::ContactId))
            .col(string(Ticket::Subject))
            .col(text_null(Ticket::Description))
            .col(enum_col(Ticket::Status))
            .col(enum_col(Ticket::Priority))
            .col(uuid_null(Ticket::AssigneeAgentId))
            .col(timestamp_with_time_zone_null(Ticket::DueAt))
            .col(timestamp_with_time_zone_null(Ticket::FirstResponseAt))
            .col(timestamp_with_time_zone_null(Ticket::ResolvedAt))
            .col(timestamp_with_time_zone(Ticket::CreatedAt))
            .col(timestamp_with_time_zone(Ticket::UpdatedAt))
            .foreign_key(&mut fk(Ticket::Table, Ticket::ConversationId, Conversation::Table, Conversation::Id))
            .foreign_key(&mut fk(Ticket::Table, Ticket::ContactId, Contact::Table, Contact::Id))
            .foreign_key(&mut fk(Ticket::Table, Ticket::AssigneeAgentId, Agent::Table, Agent::Id));
        m.create_table(t).await?;

        let mut t = Table::create().table(Label::Table).col(pk_uuid(Label::Id)).take();
        tenant(&mut t, Label::Table)
            .col(string(Label::Name))
            .col(string_len(Label::Color, 16))
            .col(timestamp_with_time_zone(Label::CreatedAt));
        m.create_table(t).await?;

        for (table, owner, owner_table) in [
            (Join::ConversationLabel, Join::ConversationId, Conversation::Table.into_iden()),
            (Join::ContactLabel, Join::ContactId, Contact::Table.into_iden()),
            (Join::TicketLabel, Join::TicketId, Ticket::Table.into_iden()),
        ] {
            let mut t = Table::create()
                .table(table)
                .col(uuid(owner))
                .col(uuid(Join::LabelId))
                .primary_key(Index::create().col(owner).col(Join::LabelId))
                .take();
            tenant(&mut t, table)
                .col(timestamp_with_time_zone(Join::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(table, owner)
                        .to(owner_table, Ws::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(table, Join::LabelId)
                        .to(Label::Table, Label::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                );
            m.create_table(t).await?;
        }

        let mut t = Table::create().table(Event::Table).col(big_pk_auto(Event::Id)).take();
        tenant(&mut t, Event::Table)
            .col(string_len(Event::Type, 64))
            .col(uuid_null(Event::ConversationId))
            .col(uuid_null(Event::MessageId))
            .col(uuid_null(Event::TicketId))
            .col(uuid_null(Event::ContactId))
            .col(json(Event::Payload))
            .col(timestamp_with_time_zone(Event::CreatedAt));
        m.create_table(t).await?;

        // Unique keys (idempotent ingestion, human numbers) and the indexes behind keyset pages and filters.
        // Expression indexes (lower(email)) are written as SQL: both backends accept the same text.
        let db = m.get_connection();
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "event",
            "ticket_label",
            "contact_label",
            "conversation_label",
            "label",
            "ticket",
            "message",
            "conversation",
            "contact",
            "bot",
            "api_key",
            "agent",
            "workspace",
        ] {
            m.drop_table(Table::drop().table(table).if_exists().take()).await?;
        }
        Ok(())
    }
}

const INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX ux_agent_email ON agent (workspace_id, lower(email))",
    "CREATE INDEX ix_agent_page ON agent (workspace_id, created_at, id)",
    "CREATE INDEX ix_api_key_workspace ON api_key (workspace_id)",
    "CREATE INDEX ix_bot_page ON bot (workspace_id, created_at, id)",
    "CREATE UNIQUE INDEX ux_contact_external_id ON contact (workspace_id, external_id)",
    "CREATE UNIQUE INDEX ux_contact_email ON contact (workspace_id, lower(email))",
    "CREATE INDEX ix_contact_name ON contact (workspace_id, lower(name))",
    "CREATE INDEX ix_contact_page ON contact (workspace_id, created_at, id)",
    "CREATE UNIQUE INDEX ux_conversation_number ON conversation (workspace_id, number)",
    "CREATE INDEX ix_conversation_inbox ON conversation (workspace_id, status, last_activity_at, id)",
    "CREATE INDEX ix_conversation_recent ON conversation (workspace_id, last_activity_at, id)",
    "CREATE INDEX ix_conversation_updated ON conversation (workspace_id, updated_at, id)",
    "CREATE INDEX ix_conversation_page ON conversation (workspace_id, created_at, id)",
    "CREATE INDEX ix_conversation_contact ON conversation (contact_id, created_at)",
    "CREATE INDEX ix_conversation_bot ON conversation (bot_id, created_at)",
    "CREATE INDEX ix_conversation_assignee ON conversation (assignee_agent_id, created_at)",
    "CREATE UNIQUE INDEX ux_message_seq ON message (conversation_id, seq)",
    "CREATE UNIQUE INDEX ux_message_client_id ON message (conversation_id, client_message_id)",
    "CREATE UNIQUE INDEX ux_message_source_id ON message (workspace_id, channel, source_id)",
    "CREATE INDEX ix_message_page ON message (workspace_id, created_at, id)",
    "CREATE UNIQUE INDEX ux_ticket_number ON ticket (workspace_id, number)",
    "CREATE INDEX ix_ticket_page ON ticket (workspace_id, created_at, id)",
    "CREATE INDEX ix_ticket_status ON ticket (workspace_id, status, created_at, id)",
    "CREATE INDEX ix_ticket_contact ON ticket (contact_id, created_at)",
    "CREATE INDEX ix_ticket_conversation ON ticket (conversation_id)",
    "CREATE INDEX ix_ticket_assignee ON ticket (assignee_agent_id)",
    "CREATE UNIQUE INDEX ux_label_name ON label (workspace_id, lower(name))",
    "CREATE INDEX ix_conversation_label_label ON conversation_label (label_id)",
    "CREATE INDEX ix_contact_label_label ON contact_label (label_id)",
    "CREATE INDEX ix_ticket_label_label ON ticket_label (label_id)",
    "CREATE INDEX ix_event_workspace ON event (workspace_id, id)",
];

#[derive(DeriveIden)]
enum Ws {
    WorkspaceId,
    Id,
}

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Agent {
    Table,
    Id,
    Name,
    Email,
    Role,
    Availability,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKey {
    Table,
    Id,
    Name,
    Prefix,
    SecretHash,
    Role,
    Scopes,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Bot {
    Table,
    Id,
    Name,
    Description,
    Status,
    Config,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    ExternalId,
    Name,
    Email,
    Phone,
    Attributes,
    LastSeenAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Conversation {
    Table,
    Id,
    Number,
    BotId,
    ContactId,
    Channel,
    Status,
    Priority,
    AssigneeAgentId,
    HandledBy,
    Subject,
    Attributes,
    SnoozedUntil,
    WaitingSince,
    FirstReplyAt,
    LastMessageAt,
    LastActivityAt,
    ResolvedAt,
    MessageCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    ConversationId,
    Seq,
    Channel,
    SenderKind,
    SenderId,
    Kind,
    Content,
    Payload,
    Private,
    Status,
    SourceId,
    ClientMessageId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
    Number,
    ConversationId,
    ContactId,
    Subject,
    Description,
    Status,
    Priority,
    AssigneeAgentId,
    DueAt,
    FirstResponseAt,
    ResolvedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Label {
    Table,
    Id,
    Name,
    Color,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Join {
    ConversationLabel,
    ContactLabel,
    TicketLabel,
    ConversationId,
    ContactId,
    TicketId,
    LabelId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
    Type,
    ConversationId,
    MessageId,
    TicketId,
    ContactId,
    Payload,
    CreatedAt,
}
