//! Opening the database: SQLite (embedded default, WAL, file created on first run) or PostgreSQL, with the SQL
//! statement counter installed and migrations applied.

use crate::config::DEFAULT_SQLITE;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// The URL to use: the configured one, or the embedded SQLite file (whose folder is created).
pub fn resolve_url(configured: Option<&str>) -> Result<String, DbErr> {
    match configured {
        Some(url) if !url.trim().is_empty() => Ok(url.to_owned()),
        _ => {
            std::fs::create_dir_all("data").map_err(|e| DbErr::Custom(format!("cannot create ./data: {e}")))?;
            Ok(DEFAULT_SQLITE.to_owned())
        }
    }
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// How long the tools (`migrate`, `seed`) wait for a connection; the server takes `--db-acquire-timeout`.
pub const TOOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// `acquire` bounds both waiting for a free pooled connection and opening a new one: a request never waits
/// longer than that for the database (then it is answered 503 `UNAVAILABLE`).
pub async fn connect(url: &str, pool: u32, acquire: Duration) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(pool)
        .min_connections(1)
        .connect_timeout(acquire)
        .acquire_timeout(acquire)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = Database::connect(opts).await?;
    db.set_metric_callback(schema::stats::metric_callback);
    Ok(db)
}

/// Applies the pending migrations one at a time, saying which and how long each took (a migration over a large
/// database can take minutes: a person watching should see it move).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let pending: Vec<String> =
        Migrator::get_pending_migrations(db).await?.iter().map(|m| m.name().to_owned()).collect();
    if pending.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    for (i, name) in pending.iter().enumerate() {
        let t = std::time::Instant::now();
        tracing::info!(migration = %name, "migrating: {} of {}", i + 1, pending.len());
        Migrator::up(db, Some(1)).await?;
        tracing::info!(migration = %name, ms = t.elapsed().as_millis() as u64, "migrated");
    }
    tracing::info!(applied = pending.len(), ms = started.elapsed().as_millis() as u64, "migrations applied");
    Ok(())
}
