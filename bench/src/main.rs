//! `parlor-bench`: Parlor measured the way users would measure it: whole requests against the running release
//! server, on data seeded with `parlor seed --scale N`, load from a separate process. See BENCHMARKS.md.
//!
//! ```sh
//! cargo run --release -p parlor-bench -- --db both --scale 50     # the full run (an idle machine: ~10 minutes)
//! cargo run --release -p parlor-bench -- --quick --db sqlite      # a smoke run of the harness
//! ```

mod client;
mod fixtures;
mod machine;
mod procfs;
mod report;
mod run;
mod scenarios;
mod seed;
mod server;
mod settings;
mod stats;
mod wrk;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use scenarios::ScenarioId;
use seed::Db;
use settings::Settings;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "parlor-bench",
    about = "Benchmarks the parlor server end to end: seeds, serves (release), loads it from this process, records",
    after_help = "Results: bench/results/<date>-<db>-<commit>.json and an entry in BENCHMARKS.md.\n\
                  Needs wrk (apt-get install -y wrk) and, for PostgreSQL, psql and a server that --pg-url reaches."
)]
struct Cli {
    /// Which database to benchmark.
    #[arg(long, value_enum, default_value_t = DbChoice::Both)]
    db: DbChoice,
    /// Data volume for `parlor seed --scale N` [default: 50 (≈10k contacts, 50k conversations, 1M messages); 1 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    scale: Option<u32>,
    /// A smoke run: scale 1, 3 s per load run, 100 subscribers for 3 s (options given still win).
    #[arg(long)]
    quick: bool,
    /// Seconds of load per HTTP run [default: 15; 3 with --quick].
    #[arg(long)]
    duration: Option<u64>,
    /// Connections (wrk -c) for the read scenarios.
    #[arg(long, default_value_t = 10)]
    connections: u32,
    /// wrk threads (at most one per connection).
    #[arg(long, default_value_t = 2)]
    wrk_threads: u32,
    /// Concurrent clients of the sendMessage runs.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    send_clients: Vec<u32>,
    /// Subscriber counts of the fan-out runs [default: 1000,10000; 100 with --quick].
    #[arg(long, value_delimiter = ',')]
    subscribers: Option<Vec<usize>>,
    /// Messages per second sent during a fan-out run.
    #[arg(long, default_value_t = 2.0)]
    fanout_rate: f64,
    /// Seconds of sending per fan-out run [default: 10; 3 with --quick].
    #[arg(long)]
    fanout_duration: Option<u64>,
    /// How fan-out subscribers connect: WebSocket (graphql-transport-ws) or Server-Sent Events (graphql-sse).
    #[arg(long, value_enum, default_value = "ws")]
    fanout_transport: scenarios::feed::Transport,
    /// Scenarios to run (comma-separated) [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    scenarios: Option<Vec<ScenarioId>>,
    /// Seed a new template database even if one of this scale exists.
    #[arg(long)]
    reseed: bool,
    /// A PostgreSQL URL with the right to create databases (the bench uses parlor_bench_s<N> and parlor_bench_run).
    #[arg(long, env = "PARLOR_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// The workspace the load acts in.
    #[arg(long, default_value = "acme")]
    workspace: String,
    /// The parlor binary to run [default: build it with `cargo build --release -p api`].
    #[arg(long)]
    parlor_bin: Option<PathBuf>,
    /// The server's database pool (`parlor serve --db-pool`) [default: the server's].
    #[arg(long)]
    db_pool: Option<u32>,
    /// The server's rate limiter (`parlor serve --rate-limit`): `memory`, `off`, or a `redis://` URL. The load's
    /// key has the largest budget, so the limiter is measured, never hit.
    #[arg(long, default_value = "memory")]
    rate_limit: String,
    /// RUST_LOG of the server (its log goes to bench/data/server-<db>.log).
    #[arg(long, default_value = "warn")]
    server_log: String,
    /// Write the JSON only: no BENCHMARKS.md entry.
    #[arg(long)]
    no_record: bool,
    /// A note for the BENCHMARKS.md entry (e.g. "idle machine").
    #[arg(long)]
    note: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

impl Cli {
    fn databases(&self) -> Vec<Db> {
        match self.db {
            DbChoice::Sqlite => vec![Db::Sqlite],
            DbChoice::Postgres => vec![Db::Postgres],
            DbChoice::Both => vec![Db::Sqlite, Db::Postgres],
        }
    }

    fn settings(&self) -> Settings {
        let quick = self.quick;
        let mut scenarios = self.scenarios.clone().unwrap_or_else(|| ScenarioId::ALL.to_vec());
        scenarios.sort();
        scenarios.dedup();
        Settings {
            scale: self.scale.unwrap_or(if quick { 1 } else { 50 }),
            quick,
            duration: Duration::from_secs(self.duration.unwrap_or(if quick { 3 } else { 15 }).max(1)),
            connections: self.connections.max(1),
            wrk_threads: self.wrk_threads.max(1),
            send_clients: self.send_clients.iter().map(|&c| c.max(1)).collect(),
            subscribers: self.subscribers.clone().unwrap_or_else(|| if quick { vec![100] } else { vec![1000, 10_000] }),
            fanout_rate: self.fanout_rate.max(0.1),
            fanout_duration: Duration::from_secs(self.fanout_duration.unwrap_or(if quick { 3 } else { 10 }).max(1)),
            fanout_transport: self.fanout_transport,
            workspace: self.workspace.clone(),
            scenarios,
            db_pool: self.db_pool,
            rate_limit: self.rate_limit.clone(),
            server_log_filter: self.server_log.clone(),
        }
    }
}

/// The repository root (this crate lives in `bench/`).
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_owned()
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parlor-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let root = root();
    let settings = cli.settings();
    let load_tool = wrk::version()?;
    let parlor = match &cli.parlor_bin {
        Some(p) => p.clone(),
        None => server::build_release(&root)?,
    };
    let data_dir = root.join("bench").join("data");
    std::fs::create_dir_all(&data_dir).with_context(|| format!("create {}", data_dir.display()))?;
    let mut failures = Vec::new();
    for db in cli.databases() {
        let env = run::Environment {
            machine: machine::Machine::read(),
            commit: machine::commit(&root),
            load_tool: load_tool.clone(),
            note: cli.note.clone(),
        };
        let run = run::DatabaseRun {
            db,
            root: &root,
            parlor: &parlor,
            data_dir: &data_dir,
            pg_url: &cli.pg_url,
            reseed: cli.reseed,
        };
        match run::run_database(&run, &settings, env).await {
            Ok(result) => {
                let json = report::write_json(&result, &root.join("bench").join("results"))?;
                eprintln!("parlor-bench: {} results: {}", db.title(), json.display());
                if !cli.no_record {
                    report::append_markdown(&result, &json, &root)?;
                    eprintln!("parlor-bench: entry added to BENCHMARKS.md");
                }
            }
            Err(e) => {
                eprintln!("parlor-bench: {} run failed: {e:#}", db.title());
                failures.push(db.title());
            }
        }
    }
    anyhow::ensure!(failures.is_empty(), "runs failed: {}", failures.join(", "));
    Ok(())
}
