//! Deterministic demo data (`parlor seed --demo`) and its scaled-up variant for benchmarks.
//!
//! Two workspaces (`acme`, ~80% of the rows, and `globex`) with agents, bots, labels, contacts, conversations across
//! every channel and status, their messages and tickets. Every run yields the same ids, content and timestamps: rows
//! draw from per-row seeded random streams and all times are anchored to 2026-11-01T00:00:00Z (activity in the 60
//! days before it). Conversation fields derived from messages (`message_count`, `last_message_at`,
//! `first_reply_at`, `waiting_since`, …) agree with the messages. The event table stays empty.
//!
//! Everything is inserted in one transaction with multi-row `INSERT`s, generated in batches of conversations so
//! that memory stays bounded at any scale.

mod bulk;
mod clock;
mod contacts;
mod content;
mod conversations;
mod detect;
#[cfg(test)]
mod invariants;
mod messages;
mod people;
mod text;
mod tickets;

pub use detect::{first_admin, holds_demo_data};

use entities::workspace;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, TransactionTrait,
};
use std::time::Instant;
use tracing::info;

/// Rows inserted per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub workspaces: u64,
    pub agents: u64,
    pub bots: u64,
    pub contacts: u64,
    pub conversations: u64,
    pub messages: u64,
    pub tickets: u64,
    pub labels: u64,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} workspaces, {} agents, {} bots, {} contacts, {} conversations, {} messages, {} tickets, {} labels",
            self.workspaces,
            self.agents,
            self.bots,
            self.contacts,
            self.conversations,
            self.messages,
            self.tickets,
            self.labels
        )
    }
}

/// Conversations generated (with their messages) before they are written.
const BATCH: usize = 500;

/// Loads the deterministic demo data set into an empty, migrated database. Errors if any workspace already exists.
pub async fn demo(db: &DatabaseConnection) -> Result<SeedReport, DbErr> {
    scale(db, 1).await
}

/// The demo generator at `scale`× the demo volume (`scale >= 1`), for benchmarks: contacts, conversations, messages
/// and tickets grow with `scale`; workspaces, agents, bots and labels stay the same. Errors if any workspace exists.
pub async fn scale(db: &DatabaseConnection, scale: u32) -> Result<SeedReport, DbErr> {
    if scale == 0 {
        return Err(DbErr::Custom("seed: scale must be at least 1".to_owned()));
    }
    let started = Instant::now();
    let txn = db.begin().await?;
    let existing = workspace::Entity::find().count(&txn).await?;
    if existing > 0 {
        return Err(DbErr::Custom(format!(
            "seed: refusing to load the demo data: the database already holds {existing} workspace(s); \
             seeding needs an empty, migrated database"
        )));
    }
    let mut report = SeedReport::default();
    let (mut workspaces, fixed) = people::workspaces(u64::from(scale));
    report.workspaces = logged(&txn, "workspace", fixed.workspaces).await?;
    report.agents = logged(&txn, "agent", fixed.agents).await?;
    report.bots = logged(&txn, "bot", fixed.bots).await?;
    report.labels = logged(&txn, "label", fixed.labels).await?;
    let (mut contact_rows, mut contact_labels) = (Vec::new(), Vec::new());
    for ws in &mut workspaces {
        let (rows, labels) = contacts::generate(ws);
        contact_rows.extend(rows);
        contact_labels.extend(labels);
    }
    report.contacts = logged(&txn, "contact", contact_rows).await?;
    logged(&txn, "contact_label", contact_labels).await?;

    let t = Instant::now();
    // Progress in tenths of the conversations (most of the work), with a rough time left.
    let total: u64 = workspaces.iter().map(|ws| ws.conversation_count).sum::<u64>().max(1);
    let (mut conversation_labels, mut next_tenth) = (0, 1);
    let mut ticket_seeds = Vec::with_capacity(workspaces.len());
    for ws in &workspaces {
        let (mut batch, mut seeds) = (conversations::Batch::default(), Vec::new());
        for i in 0..ws.conversation_count {
            conversations::generate(ws, i, &mut batch, &mut seeds);
            if batch.conversations.len() < BATCH && i + 1 < ws.conversation_count {
                continue;
            }
            report.conversations += bulk::insert(&txn, std::mem::take(&mut batch.conversations)).await?;
            report.messages += bulk::insert(&txn, std::mem::take(&mut batch.messages)).await?;
            conversation_labels += bulk::insert(&txn, std::mem::take(&mut batch.labels)).await?;
            if report.conversations * 10 >= next_tenth * total && report.conversations < total {
                next_tenth = report.conversations * 10 / total + 1;
                let done = report.conversations as f64 / total as f64;
                let left_s = t.elapsed().as_secs_f64() * (1.0 - done) / done;
                info!(
                    conversations = report.conversations,
                    of = total,
                    messages = report.messages,
                    "seed: {:.0}% of the conversations written, about {left_s:.0} s left",
                    done * 100.0
                );
            }
        }
        ticket_seeds.push(seeds);
    }
    let ms = t.elapsed().as_millis();
    info!(table = "conversation", rows = report.conversations, ms, "seeded (with messages and labels)");
    info!(table = "message", rows = report.messages, "seeded");
    info!(table = "conversation_label", rows = conversation_labels, "seeded");

    let (mut tickets, mut ticket_labels) = (Vec::new(), Vec::new());
    for (ws, seeds) in workspaces.iter().zip(ticket_seeds) {
        let (rows, labels) = tickets::build(ws, seeds);
        tickets.extend(rows);
        ticket_labels.extend(labels);
    }
    report.tickets = logged(&txn, "ticket", tickets).await?;
    logged(&txn, "ticket_label", ticket_labels).await?;
    txn.commit().await?;
    // Planner statistics for the bulk-loaded tables: without them SQLite picks a workspace-wide index for "the
    // messages of these conversations" (a scan of every message) and PostgreSQL guesses row counts.
    let t = Instant::now();
    db.execute_unprepared("ANALYZE").await?;
    info!(ms = t.elapsed().as_millis(), "seed: ANALYZE done");
    info!(scale, ms = started.elapsed().as_millis(), "seed: done: {report}");
    Ok(report)
}

/// Inserts `rows` and logs how many and how long it took.
async fn logged<A, M>(txn: &DatabaseTransaction, table: &str, rows: Vec<M>) -> Result<u64, DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    M: sea_orm::IntoActiveModel<A> + Send,
{
    let t = Instant::now();
    let n = bulk::insert(txn, rows).await?;
    info!(table, rows = n, ms = t.elapsed().as_millis(), "seeded");
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::MigratorTrait;
    use sea_orm::Database;
    use std::path::PathBuf;

    /// A migrated SQLite database in a fresh temporary file.
    async fn sqlite(tag: &str) -> (DatabaseConnection, PathBuf) {
        let path = std::env::temp_dir().join(format!("parlor-seed-{tag}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await.expect("open sqlite");
        migration::Migrator::up(&db, None).await.expect("migrate");
        (db, path)
    }

    async fn demo_checked(db: &DatabaseConnection, backend: &str) -> SeedReport {
        let t = Instant::now();
        let report = demo(db).await.expect("demo seed");
        println!("seed::demo on {backend}: {:?} — {report}", t.elapsed());
        invariants::check(db, &report, 1).await;
        let again = demo(db).await.expect_err("a second seed must fail");
        assert!(again.to_string().contains("already holds 2 workspace"), "{again}");
        report
    }

    #[tokio::test]
    async fn demo_sqlite_is_consistent_and_deterministic() {
        let (db, path) = sqlite("a").await;
        let report = demo_checked(&db, "SQLite").await;
        let (db2, path2) = sqlite("b").await;
        assert_eq!(demo(&db2).await.expect("second database"), report);
        invariants::same_rows(&db, &db2).await;
        for p in [path, path2] {
            let _ = std::fs::remove_file(p);
        }
    }

    /// On the PostgreSQL pass of the suite (`DATABASE_URL=postgres://…`): a fresh database, the same checks, and the
    /// same rows as on SQLite. On the SQLite pass there is no PostgreSQL to use, and the SQLite test covers it.
    #[tokio::test]
    async fn demo_postgres() {
        use sea_orm::ConnectionTrait;
        let Some(admin_url) = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
            eprintln!("DATABASE_URL is not PostgreSQL: the PostgreSQL seed test runs on the PostgreSQL pass");
            return;
        };
        let name = format!("parlor_seed_{}", std::process::id());
        let admin = Database::connect(admin_url.as_str()).await.expect("connect to PostgreSQL");
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await.expect("drop");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
        let base = admin_url.split('?').next().unwrap_or(&admin_url);
        let url = format!("{}/{name}", base.rsplit_once('/').map_or(base, |(b, _)| b));
        let db = Database::connect(url.as_str()).await.expect("connect to the test database");
        migration::Migrator::up(&db, None).await.expect("migrate");
        demo_checked(&db, "PostgreSQL").await;
        let (lite, path) = sqlite("pg").await;
        demo(&lite).await.expect("SQLite seed");
        invariants::same_rows(&db, &lite).await;
        let _ = std::fs::remove_file(path);
        let _ = db.close().await;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.expect("drop");
    }

    /// `--scale` keeps every invariant. Scale 2 by default; `SEED_SCALE=50 cargo test --release -p api scaled --
    /// --nocapture` times a benchmark-sized load.
    #[tokio::test]
    async fn scaled_sqlite() {
        let n: u32 = std::env::var("SEED_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
        let (db, path) = sqlite("scaled").await;
        let t = Instant::now();
        let report = scale(&db, n).await.expect("scaled seed");
        println!("seed::scale({n}) on SQLite: {:?} — {report}", t.elapsed());
        invariants::check(&db, &report, n).await;
        let _ = std::fs::remove_file(path);
    }
}
