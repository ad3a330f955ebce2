//! The scenarios, in the order they run. Each one is a module with a `run(&Ctx) -> Result<Outcome>`; a scenario
//! that fails is recorded as failed and the others still run. To add one: a variant of [`ScenarioId`], its module,
//! and a line in [`run`] (the report lays out every [`Outcome`] kind already).

mod contacts;
mod conversation;
mod fanout;
pub mod feed;
mod inbox;
mod metrics;
mod read;
mod send;

pub use fanout::FanoutResult;
pub use read::ReadResult;
pub use send::SendResult;

use crate::client::Gql;
use crate::fixtures::Fixtures;
use crate::procfs;
use crate::server::Server;
use crate::settings::Settings;
use crate::wrk::{self, LoadResult};
use anyhow::{Context, Result};
use clap::ValueEnum;
use serde::Serialize;
use std::path::Path;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioId {
    Inbox,
    Conversation,
    Contacts,
    Metrics,
    Send,
    Fanout,
}

impl ScenarioId {
    pub const ALL: [ScenarioId; 6] = [
        ScenarioId::Inbox,
        ScenarioId::Conversation,
        ScenarioId::Contacts,
        ScenarioId::Metrics,
        ScenarioId::Send,
        ScenarioId::Fanout,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ScenarioId::Inbox => "1. Inbox page",
            ScenarioId::Conversation => "2. Conversation view",
            ScenarioId::Contacts => "3. Contact lookup",
            ScenarioId::Metrics => "4. Metrics",
            ScenarioId::Send => "5. sendMessage",
            ScenarioId::Fanout => "6. Fan-out",
        }
    }
}

/// What every scenario gets.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub server: &'a Server,
    pub gql: &'a Gql,
    pub fixtures: &'a Fixtures,
    /// Where generated load scripts go.
    pub script_dir: &'a Path,
}

#[derive(Debug, Serialize)]
pub struct ScenarioReport {
    pub id: ScenarioId,
    pub title: &'static str,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Read(ReadResult),
    Send(SendResult),
    Fanout(FanoutResult),
    Failed { error: String },
}

/// Runs one scenario; a failure becomes [`Outcome::Failed`].
pub async fn run(id: ScenarioId, ctx: &Ctx<'_>) -> ScenarioReport {
    eprintln!("parlor-bench: {}", id.title());
    let result = match id {
        ScenarioId::Inbox => inbox::run(ctx).await,
        ScenarioId::Conversation => conversation::run(ctx).await,
        ScenarioId::Contacts => contacts::run(ctx).await,
        ScenarioId::Metrics => metrics::run(ctx).await,
        ScenarioId::Send => send::run(ctx).await,
        ScenarioId::Fanout => fanout::run(ctx).await,
    };
    let outcome = result.unwrap_or_else(|e| {
        eprintln!("parlor-bench: {} failed: {e:#}", id.title());
        Outcome::Failed { error: format!("{e:#}") }
    });
    ScenarioReport { id, title: id.title(), outcome }
}

/// A wrk run against the server, with the server's CPU time measured around it.
async fn load(ctx: &Ctx<'_>, name: &str, bodies: Vec<String>, connections: u32) -> Result<LoadResult> {
    let (addr, credential) = (ctx.server.addr, ctx.gql.credential().to_owned());
    let (duration, threads, dir) = (ctx.settings.duration, ctx.settings.wrk_threads, ctx.script_dir.to_owned());
    let name = name.to_owned();
    let pid = ctx.server.pid;
    let cpu_before = procfs::cpu_seconds(pid)?;
    let mut result = tokio::task::spawn_blocking(move || {
        wrk::run(&wrk::Load {
            addr,
            credential: &credential,
            bodies: &bodies,
            connections,
            threads,
            duration,
            script_dir: &dir,
            name: &name,
        })
    })
    .await
    .context("wrk thread")??;
    let cpu = procfs::cpu_seconds(pid)? - cpu_before;
    if result.requests > 0 {
        result.server_cpu_ms_per_request = Some(cpu * 1000.0 / result.requests as f64);
    }
    if result.duration_s > 0.0 {
        result.server_cores_busy = Some(cpu / result.duration_s);
    }
    eprintln!(
        "parlor-bench:   {} × {connections}: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
        result.requests,
        result.requests_per_s,
        result.latency_ms.p50,
        result.latency_ms.p99,
        result.errors.total()
    );
    Ok(result)
}
