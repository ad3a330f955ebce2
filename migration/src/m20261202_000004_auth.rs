//! Authentication: API keys bound to a bot, rotation with a grace period (the previous secret's hash and when it
//! stops working), a per-key rate-limit budget for premium keys, and an index to list a workspace's keys in order.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000004_auth"
    }
}

fn api_key() -> Alias {
    Alias::new("api_key")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE takes one change at a time.
        let columns = [
            uuid_null(Alias::new("bot_id")),
            string_len_null(Alias::new("previous_secret_hash"), 128),
            timestamp_with_time_zone_null(Alias::new("previous_expires_at")),
            big_integer_null(Alias::new("budget")),
        ];
        for col in columns {
            m.alter_table(Table::alter().table(api_key()).add_column(col).take()).await?;
        }
        let db = m.get_connection();
        db.execute_unprepared("CREATE INDEX ix_api_key_page ON api_key (workspace_id, created_at, id)").await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DROP INDEX ix_api_key_page").await?;
        for col in ["budget", "previous_expires_at", "previous_secret_hash", "bot_id"] {
            m.alter_table(Table::alter().table(api_key()).drop_column(Alias::new(col)).take()).await?;
        }
        Ok(())
    }
}
