//! Analytics: the conversation facts that `conversationMetrics` aggregates, kept on the conversation row by the
//! write services so that "median first response time by channel, per day, last 30 days" reads one index range of
//! one table instead of every message of those conversations (at scale 50 that is ~1M message rows per query).
//!
//! Existing rows are backfilled from their messages; what the messages cannot tell (`handed_off_at` before this
//! migration, `reopen_count`) is approximated and says so below.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000005_analytics"
    }
}

/// New nullable timestamps of `conversation`.
const TIMES: &[&str] = &["first_contact_at", "first_response_at", "first_human_reply_at", "handed_off_at"];
/// New counters of `conversation`.
const COUNTS: &[&str] = &["reopen_count", "messages_in", "messages_out"];

/// Backfill from the messages already stored (correlated subqueries, served by `ux_message_seq`).
const BACKFILL: &[&str] = &[
    "UPDATE conversation SET first_contact_at = (SELECT min(m.created_at) FROM message m \
     WHERE m.conversation_id = conversation.id AND m.sender_kind = 'contact')",
    "UPDATE conversation SET first_response_at = (SELECT min(m.created_at) FROM message m \
     WHERE m.conversation_id = conversation.id AND m.sender_kind IN ('bot', 'agent') AND m.private = false \
     AND m.created_at >= conversation.first_contact_at) WHERE first_contact_at IS NOT NULL",
    "UPDATE conversation SET first_human_reply_at = (SELECT min(m.created_at) FROM message m \
     WHERE m.conversation_id = conversation.id AND m.sender_kind = 'agent' AND m.private = false)",
    "UPDATE conversation SET messages_in = (SELECT count(*) FROM message m \
     WHERE m.conversation_id = conversation.id AND m.sender_kind = 'contact')",
    "UPDATE conversation SET messages_out = (SELECT count(*) FROM message m \
     WHERE m.conversation_id = conversation.id AND m.sender_kind IN ('bot', 'agent') AND m.private = false)",
    // Approximation: a bot conversation that humans handle now was handed off; when exactly is not recorded
    // before this migration, so its first human reply (or its last update) stands in.
    "UPDATE conversation SET handed_off_at = COALESCE(first_human_reply_at, updated_at) \
     WHERE bot_id IS NOT NULL AND handled_by = 'human'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE takes one change at a time.
        for col in TIMES {
            let def = timestamp_with_time_zone_null(Alias::new(*col));
            m.alter_table(Table::alter().table(Alias::new("conversation")).add_column(def).take()).await?;
        }
        for col in COUNTS {
            let def = big_integer(Alias::new(*col)).default(0).take();
            m.alter_table(Table::alter().table(Alias::new("conversation")).add_column(def).take()).await?;
        }
        let db = m.get_connection();
        for sql in BACKFILL {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in COUNTS.iter().rev().chain(TIMES.iter().rev()) {
            m.alter_table(Table::alter().table(Alias::new("conversation")).drop_column(Alias::new(*col)).take())
                .await?;
        }
        Ok(())
    }
}
