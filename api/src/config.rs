//! Command line and environment configuration. Every setting is a flag with an environment variable behind it
//! (`PARLOR_…`, plus the conventional `DATABASE_URL`), with defaults that are safe for local use.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "parlor", version, about = "Parlor: a GraphQL API for conversations, bots, contacts and tickets")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Parser, Debug, Clone)]
pub struct Global {
    /// Database to use: `sqlite://path?mode=rwc` or `postgres://user@host/db`. Default: an SQLite file under
    /// ./data/ (created on first run).
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Log format: `pretty` for humans, `json` for log collectors.
    #[arg(long, env = "PARLOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve(Serve),
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data into an empty database.
    Seed(Seed),
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Parser, Debug, Clone)]
pub struct Serve {
    /// Address to listen on. Port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "PARLOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Load the demo data set at start-up: `auto` does so only on an empty embedded (SQLite) database.
    #[arg(long, env = "PARLOR_DEMO_DATA", value_enum, default_value_t = DemoData::Auto)]
    pub demo_data: DemoData,

    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(long, env = "PARLOR_BODY_LIMIT", default_value_t = 1 << 20)]
    pub body_limit: usize,

    /// Deepest selection nesting a query may use.
    #[arg(long, env = "PARLOR_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Highest query cost (each field 1, connections multiply by their page size).
    #[arg(long, env = "PARLOR_MAX_COMPLEXITY", default_value_t = 50_000)]
    pub max_complexity: usize,

    /// Most aliases one document may use (an alias inside a fragment counts at each spread).
    #[arg(long, env = "PARLOR_MAX_ALIASES", default_value_t = 100)]
    pub max_aliases: usize,

    /// Most field selections a document may expand to, fragments counted at each spread and `__typename`
    /// included: bounds fragment bombs before anything walks them.
    #[arg(long, env = "PARLOR_MAX_SELECTIONS", default_value_t = 2_000)]
    pub max_selections: usize,

    /// Database connection pool size.
    #[arg(long, env = "PARLOR_DB_POOL", default_value_t = 16)]
    pub db_pool: u32,

    /// Longest a request waits for a database connection (`2s`, `500ms`; a bare number is seconds). Past it the
    /// request answers 503 `UNAVAILABLE` with `Retry-After`: with the database down, clients learn it fast.
    #[arg(long, env = "PARLOR_DB_ACQUIRE_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    pub db_acquire_timeout: Duration,

    /// On SIGTERM/SIGINT: how long in-flight requests may take to finish (WebSockets are closed with 1001 at
    /// once) before the process exits anyway.
    #[arg(long, env = "PARLOR_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// Longest a client may take to send a request's headers; slower connections are closed (slowloris).
    #[arg(long, env = "PARLOR_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// Longest a client may take to send a request's body once its headers are in (larger bodies are capped by
    /// `--body-limit`); slower answers 408.
    #[arg(long, env = "PARLOR_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Events a live subscriber may fall behind before it is cut off (it then resumes with `events(after:)`).
    #[arg(long, env = "PARLOR_EVENT_BUFFER", default_value_t = 4096,
        value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub event_buffer: u32,
}

impl Default for Serve {
    fn default() -> Self {
        Serve::parse_from(["serve"])
    }
}

#[derive(Parser, Debug)]
pub struct Seed {
    /// The deterministic demo data set (2 workspaces, ~1,000 conversations, ~20,000 messages).
    #[arg(long)]
    pub demo: bool,
    /// The demo generator at N× its volume, for benchmarks.
    #[arg(long, conflicts_with = "demo", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: Option<u32>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoData {
    Auto,
    Yes,
    No,
}

/// The embedded default database: a file under ./data/, created on first run.
pub const DEFAULT_SQLITE: &str = "sqlite://data/parlor.db?mode=rwc";

/// `2s`, `800ms` or a bare number of seconds (`2`, `0.5`).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, scale) = match (s.strip_suffix("ms"), s.strip_suffix('s')) {
        (Some(ms), _) => (ms, 0.001),
        (None, Some(secs)) => (secs, 1.0),
        (None, None) => (s, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n * scale <= 86_400.0 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(format!("`{s}` is not a duration: write e.g. `2s`, `800ms` or `2`")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("800ms"), Ok(Duration::from_millis(800)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
