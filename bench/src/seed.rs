//! The database under test: seeded once per scale with `parlor seed --scale N` into a template that is kept (an
//! SQLite file, a PostgreSQL database `parlor_bench_s<N>`), marked complete only after the seed succeeded, and copied
//! for every run so that each run starts from the same rows (the runs write: sendMessage, fan-out).
//!
//! The mark names the scale and a fingerprint of the code that decides the rows (the seed generator, migrations and
//! entities: their last commit, plus a hash of uncommitted changes): when that code changes, the template is seeded
//! again rather than benchmarking data that the current `parlor seed` would not produce.

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }
}

/// A run's own copy of the seeded data.
pub struct RunDatabase {
    pub url: String,
    /// Seconds spent seeding the template in this run (None: an existing template was reused).
    pub seeded_in_s: Option<f64>,
    /// The database server's version (PostgreSQL), or the SQLite note.
    pub server_version: String,
    drop_after: Option<(String, String)>,
}

impl RunDatabase {
    /// Removes the run's copy (PostgreSQL; the SQLite copy is overwritten by the next run).
    pub fn cleanup(self) {
        if let Some((admin, name)) = &self.drop_after
            && let Err(e) = psql(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        {
            eprintln!("parlor-bench: could not drop {name}: {e:#}");
        }
    }
}

pub struct SeedOptions<'a> {
    pub parlor: &'a Path,
    /// The repository, for the seed fingerprint.
    pub root: &'a Path,
    pub scale: u32,
    pub reseed: bool,
    pub data_dir: &'a Path,
    /// A PostgreSQL URL the harness can create databases with (its database name is only used to connect).
    pub pg_admin_url: &'a str,
}

pub fn prepare(db: Db, opts: &SeedOptions<'_>) -> Result<RunDatabase> {
    std::fs::create_dir_all(opts.data_dir).with_context(|| format!("create {}", opts.data_dir.display()))?;
    match db {
        Db::Sqlite => prepare_sqlite(opts),
        Db::Postgres => prepare_postgres(opts),
    }
}

/// Paths whose changes can change the seeded rows.
const SEED_INPUTS: [&str; 3] = ["api/src/seed", "migration", "entities"];

/// "<last commit touching the seed inputs>[+<hash of their uncommitted changes>]" ("unknown" outside git).
fn fingerprint(root: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let git = |args: &[&str]| crate::machine::git(root, &[args, &SEED_INPUTS[..]].concat());
    let last = git(&["log", "-1", "--format=%h", "--"]).filter(|h| !h.is_empty()).unwrap_or_else(|| "unknown".into());
    let changes = git(&["status", "--porcelain", "--"]).unwrap_or_default();
    if changes.is_empty() {
        return last;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    changes.hash(&mut h);
    git(&["diff", "HEAD", "--"]).unwrap_or_default().hash(&mut h);
    // Untracked files (a new migration): their content.
    for path in changes.lines().filter_map(|l| l.strip_prefix("?? ")) {
        std::fs::read(root.join(path.trim())).unwrap_or_default().hash(&mut h);
    }
    format!("{last}+{:016x}", h.finish())
}

/// What a complete template is marked with.
fn mark(opts: &SeedOptions<'_>) -> String {
    format!("parlor-bench: seeded, scale {}, seed code {}", opts.scale, fingerprint(opts.root))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn remove_sqlite(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("remove {}", p.display()))?;
        }
    }
    Ok(())
}

fn prepare_sqlite(opts: &SeedOptions<'_>) -> Result<RunDatabase> {
    let template = opts.data_dir.join(format!("sqlite-scale{}.db", opts.scale));
    let marker = opts.data_dir.join(format!("sqlite-scale{}.seeded", opts.scale));
    let mut seeded_in_s = None;
    let mark = mark(opts);
    let current = std::fs::read_to_string(&marker).unwrap_or_default();
    if opts.reseed || current.trim() != mark {
        if !opts.reseed && !current.is_empty() {
            eprintln!("parlor-bench: the seed code changed since {} was seeded: seeding again", template.display());
        }
        let _ = std::fs::remove_file(&marker);
        remove_sqlite(&template)?;
        seeded_in_s = Some(seed(opts.parlor, &sqlite_url(&template), opts.scale)?);
        std::fs::write(&marker, format!("{mark}\n"))?;
    } else {
        eprintln!("parlor-bench: reusing {} (--reseed to seed again)", template.display());
    }
    let run = opts.data_dir.join("run-sqlite.db");
    remove_sqlite(&run)?;
    std::fs::copy(&template, &run).with_context(|| format!("copy {} to {}", template.display(), run.display()))?;
    let wal = PathBuf::from(format!("{}-wal", template.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}-wal", run.display())).context("copy the template's WAL")?;
    }
    Ok(RunDatabase {
        url: sqlite_url(&run),
        seeded_in_s,
        server_version: "SQLite embedded in parlor (sqlx, WAL)".to_owned(),
        drop_after: None,
    })
}

fn prepare_postgres(opts: &SeedOptions<'_>) -> Result<RunDatabase> {
    let admin = opts.pg_admin_url;
    let version = psql(admin, "SHOW server_version").context("connect to PostgreSQL (--pg-url)")?;
    let version_num: u32 = psql(admin, "SHOW server_version_num")?.parse().unwrap_or(0);
    let template = format!("parlor_bench_s{}", opts.scale);
    let mark = mark(opts);
    let current = psql(
        admin,
        &format!("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{template}'"),
    )?;
    let mut seeded_in_s = None;
    if opts.reseed || current != mark {
        if !opts.reseed && !current.is_empty() {
            eprintln!("parlor-bench: the seed code changed since {template} was seeded: seeding again");
        }
        psql(admin, &format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)"))?;
        psql(admin, &format!("CREATE DATABASE {template}"))?;
        let url = with_database(admin, &template);
        seeded_in_s = Some(seed(opts.parlor, &url, opts.scale)?);
        // Planner statistics, as autovacuum would have them soon after such a load in production.
        psql(&url, "VACUUM ANALYZE")?;
        psql(admin, &format!("COMMENT ON DATABASE {template} IS '{}'", mark.replace('\'', "")))?;
    } else {
        eprintln!("parlor-bench: reusing PostgreSQL database {template} (--reseed to seed again)");
    }
    let run = "parlor_bench_run";
    psql(admin, &format!("DROP DATABASE IF EXISTS {run} WITH (FORCE)"))?;
    // FILE_COPY (PostgreSQL 15+) copies files instead of WAL-logging every page: much faster for a large template.
    let strategy = if version_num >= 150_000 { " STRATEGY = FILE_COPY" } else { "" };
    psql(admin, &format!("CREATE DATABASE {run} TEMPLATE {template}{strategy}"))?;
    Ok(RunDatabase {
        url: with_database(admin, run),
        seeded_in_s,
        server_version: format!("PostgreSQL {version}"),
        drop_after: Some((admin.to_owned(), run.to_owned())),
    })
}

/// `parlor seed --scale N` over `url`, its progress shown; the seconds it took.
fn seed(parlor: &Path, url: &str, scale: u32) -> Result<f64> {
    eprintln!("parlor-bench: parlor seed --scale {scale} (DATABASE_URL={url})");
    let started = Instant::now();
    let status = Command::new(parlor)
        .args(["seed", "--scale", &scale.to_string()])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn,parlor=info")
        .stdin(Stdio::null())
        .status()
        .context("run parlor seed")?;
    if !status.success() {
        bail!("parlor seed --scale {scale} failed ({status})");
    }
    Ok(started.elapsed().as_secs_f64())
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rsplit_once('/') {
        // "postgres://host/db" → "postgres://host"; "postgres://host" has no database to cut.
        Some((b, _)) if b.contains("//") => b,
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// One statement through `psql` (outside a transaction, so CREATE/DROP DATABASE work); its trimmed output.
fn psql(url: &str, sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .arg(url)
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdin(Stdio::null())
        .output()
        .context("run psql (the PostgreSQL client: apt-get install -y postgresql-client)")?;
    if !out.status.success() {
        bail!("psql: {sql}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
    }
}
