//! Indexes behind substring search (`contains`) on names, emails, subjects and message content.
//!
//! PostgreSQL: trigram GIN indexes (pg_trgm) serve `ILIKE '%…%'`. SQLite: FTS5 tables with the trigram tokenizer,
//! kept in step by triggers, serve `LIKE '%…%'` through `rowid IN (SELECT rowid FROM …_fts WHERE … LIKE ?)`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_search"
    }
}

/// (table, searched columns)
const SEARCHED: &[(&str, &[&str])] =
    &[("contact", &["name", "email"]), ("conversation", &["subject"]), ("message", &["content"])];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
                for (table, cols) in SEARCHED {
                    for col in *cols {
                        db.execute_unprepared(&format!(
                            "CREATE INDEX ix_{table}_{col}_trgm ON {table} USING gin ({col} gin_trgm_ops)"
                        ))
                        .await?;
                    }
                }
            }
            DatabaseBackend::Sqlite => {
                for (table, cols) in SEARCHED {
                    for sql in sqlite_fts(table, cols) {
                        db.execute_unprepared(&sql).await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, cols) in SEARCHED {
            match m.get_database_backend() {
                DatabaseBackend::Postgres => {
                    for col in *cols {
                        db.execute_unprepared(&format!("DROP INDEX IF EXISTS ix_{table}_{col}_trgm")).await?;
                    }
                }
                _ => {
                    for op in ["ai", "ad", "au"] {
                        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_fts_{op}")).await?;
                    }
                    db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}_fts")).await?;
                }
            }
        }
        Ok(())
    }
}

/// An external-content FTS5 table over `table`'s rowid, and the triggers that keep it in step.
fn sqlite_fts(table: &str, cols: &[&str]) -> Vec<String> {
    let list = cols.join(", ");
    let new = cols.iter().map(|c| format!("new.{c}")).collect::<Vec<_>>().join(", ");
    let old = cols.iter().map(|c| format!("old.{c}")).collect::<Vec<_>>().join(", ");
    vec![
        format!(
            "CREATE VIRTUAL TABLE {table}_fts USING fts5({list}, content='{table}', \
             tokenize='trigram')"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN \
             INSERT INTO {table}_fts(rowid, {list}) VALUES (new.rowid, {new}); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN \
             INSERT INTO {table}_fts({table}_fts, rowid, {list}) VALUES ('delete', old.rowid, {old}); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {list} ON {table} BEGIN \
             INSERT INTO {table}_fts({table}_fts, rowid, {list}) VALUES ('delete', old.rowid, {old}); \
             INSERT INTO {table}_fts(rowid, {list}) VALUES (new.rowid, {new}); END"
        ),
        format!("INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"),
    ]
}
