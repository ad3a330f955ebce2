//! One database's run: prepare the seeded copy, start the server, find the fixtures, run the scenarios, stop.

use crate::client::Gql;
use crate::fixtures::{Dataset, Fixtures};
use crate::machine::Machine;
use crate::scenarios::{self, Ctx, ScenarioReport};
use crate::seed::{self, Db, SeedOptions};
use crate::server::{Server, ServerOptions};
use crate::settings::Settings;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// Where and what a run is, besides the settings.
pub struct Environment {
    pub machine: Machine,
    pub commit: String,
    pub load_tool: String,
    pub note: Option<String>,
}

pub struct DatabaseRun<'a> {
    pub db: Db,
    pub root: &'a Path,
    pub parlor: &'a Path,
    pub data_dir: &'a Path,
    pub pg_url: &'a str,
    pub reseed: bool,
}

/// Everything a result file holds.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub harness: &'static str,
    /// UTC, RFC 3339.
    pub date: String,
    pub machine: Machine,
    pub commit: String,
    pub database: Db,
    pub database_version: String,
    pub scale: u32,
    /// Seconds `parlor seed` took in this run (null: the seeded template was reused).
    pub seeded_in_s: Option<f64>,
    pub dataset: Dataset,
    pub load_tool: String,
    pub settings: Settings,
    pub note: Option<String>,
    pub scenarios: Vec<ScenarioReport>,
    /// The server's RSS after the scenarios, in KiB.
    pub server_rss_end_kib: Option<u64>,
}

pub async fn run_database(run: &DatabaseRun<'_>, settings: &Settings, env: Environment) -> Result<RunReport> {
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    eprintln!("parlor-bench: {} at scale {}", run.db.title(), settings.scale);
    let database = seed::prepare(
        run.db,
        &SeedOptions {
            parlor: run.parlor,
            root: run.root,
            scale: settings.scale,
            reseed: run.reseed,
            data_dir: run.data_dir,
            pg_admin_url: run.pg_url,
        },
    )?;
    let log_file = run.data_dir.join(format!("server-{}.log", run.db.name()));
    let server = Server::start(&ServerOptions {
        binary: run.parlor,
        database_url: &database.url,
        log_filter: &settings.server_log_filter,
        log_file: &log_file,
        db_pool: settings.db_pool,
        rate_limit: &settings.rate_limit,
    })?;
    eprintln!("parlor-bench: server on {} (pid {}), log {}", server.addr, server.pid, log_file.display());
    let credential = crate::server::api_key(run.parlor, &database.url, &settings.workspace)?;
    let gql = Gql::new(server.addr, &credential)?;
    // The first request of a workspace looks it up once: not part of any measurement.
    gql.run("{ workspace { name } }", &json!({})).await.context("first request")?;
    let fixtures = Fixtures::discover(&gql, &settings.workspace).await.context("find the scenarios' data")?;
    let script_dir = run.data_dir.join("scripts");
    std::fs::create_dir_all(&script_dir)?;
    let ctx = Ctx { settings, server: &server, gql: &gql, fixtures: &fixtures, script_dir: &script_dir };
    let mut results = Vec::new();
    for &id in &settings.scenarios {
        results.push(scenarios::run(id, &ctx).await);
    }
    let server_rss_end_kib = crate::procfs::rss_kib(server.pid).ok();
    server.stop();
    let (database_version, seeded_in_s) = (database.server_version.clone(), database.seeded_in_s);
    database.cleanup();
    Ok(RunReport {
        harness: "parlor-bench",
        date,
        machine: env.machine,
        commit: env.commit,
        database: run.db,
        database_version,
        scale: settings.scale,
        seeded_in_s,
        dataset: fixtures.dataset,
        load_tool: env.load_tool,
        settings: settings.clone(),
        note: env.note,
        scenarios: results,
        server_rss_end_kib,
    })
}
