//! Columns the write API needs: contacts erased on request, read markers per side, why a message failed.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_lifecycle"
    }
}

/// (table, new nullable column, is text)
const COLUMNS: &[(&str, &str, bool)] = &[
    ("contact", "deleted_at", false),
    ("conversation", "contact_last_read_at", false),
    ("conversation", "agent_last_read_at", false),
    ("message", "failure_reason", true),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE takes one change at a time.
        for (table, col, text) in COLUMNS {
            let def = if *text { text_null(Alias::new(*col)) } else { timestamp_with_time_zone_null(Alias::new(*col)) };
            m.alter_table(Table::alter().table(Alias::new(*table)).add_column(def).take()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, col, _) in COLUMNS.iter().rev() {
            m.alter_table(Table::alter().table(Alias::new(*table)).drop_column(Alias::new(*col)).take()).await?;
        }
        Ok(())
    }
}
