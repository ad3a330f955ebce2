//! `parlor`: the Parlor server and its tools. `parlor` alone runs `parlor serve`.

mod alloc;
mod app;
mod auth;
mod config;
mod credentials;
mod db;
mod graphiql;
mod http;
mod metrics;
mod rate;
mod seed;
mod server;
mod state;
mod telemetry;
mod webhooks;

use clap::Parser;
use config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.global.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "parlor failed");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.global.database_url.as_deref();
    match cli.command.unwrap_or(Command::Serve(config::Serve::default())) {
        Command::Serve(opts) => app::serve(url, &cli.global.auth, opts).await,
        Command::Migrate => {
            let conn = db::connect(&db::resolve_url(url)?, 2, db::TOOL_ACQUIRE_TIMEOUT).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed(opts) => {
            let conn = db::connect(&db::resolve_url(url)?, 4, db::TOOL_ACQUIRE_TIMEOUT).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let report = match (opts.demo, opts.scale) {
                (_, Some(n)) => seed::scale(&conn, n).await?,
                (true, None) => seed::demo(&conn).await?,
                (false, None) => anyhow::bail!("say what to load: --demo or --scale N"),
            };
            println!("{report:?} in {:.2}s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Schema(config::SchemaCmd { diff: None }) => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::Schema(config::SchemaCmd { diff: Some(config::SchemaDiff::Diff { old, changelog }) }) => {
            schema_diff(&old, &changelog)
        }
        Command::Policy => {
            print!("{}", schema::auth::policy::markdown());
            Ok(())
        }
        Command::Token(cmd) => {
            let conn = db::connect(&db::resolve_url(url)?, 2, db::TOOL_ACQUIRE_TIMEOUT).await?;
            let minted = credentials::token(&conn, &cli.global.auth, cmd).await;
            conn.close().await?;
            minted
        }
        Command::ApiKey(cmd) => {
            let conn = db::connect(&db::resolve_url(url)?, 2, db::TOOL_ACQUIRE_TIMEOUT).await?;
            db::migrate(&conn).await?;
            let done = credentials::api_key(&conn, cmd).await;
            // Closing checkpoints SQLite's write-ahead log into the database file: a copy of the file alone
            // (a backup, a test template) then holds the new key.
            conn.close().await?;
            done
        }
    }
}

/// `parlor schema diff OLD`: prints every breaking change, and fails on those CHANGELOG.md does not declare.
fn schema_diff(old: &std::path::Path, changelog: &std::path::Path) -> anyhow::Result<()> {
    let old_sdl = std::fs::read_to_string(old).map_err(|e| anyhow::anyhow!("{}: {e}", old.display()))?;
    let changes = schema::sdl_diff::breaking_changes(&old_sdl, &schema::sdl()).map_err(|e| anyhow::anyhow!(e))?;
    let declared = std::fs::read_to_string(changelog).unwrap_or_default();
    let undeclared = schema::sdl_diff::undeclared(changes.clone(), &declared);
    for change in &changes {
        let mark = if undeclared.contains(change) { "UNDECLARED" } else { "declared" };
        println!("{mark}: {change}");
    }
    if !undeclared.is_empty() {
        anyhow::bail!(
            "{} breaking change(s) not declared in {}'s \"Unreleased\" section: deprecate instead (`@deprecated(reason:)`), \
             or name each coordinate there in backticks",
            undeclared.len(),
            changelog.display()
        );
    }
    println!("no undeclared breaking changes ({} declared)", changes.len());
    Ok(())
}
