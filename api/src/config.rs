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

    #[command(flatten)]
    pub auth: AuthOpts,
}

#[derive(Subcommand, Debug)]
#[expect(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum Command {
    /// Run the server (the default).
    Serve(Serve),
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data into an empty database.
    Seed(Seed),
    /// Print the GraphQL schema (SDL), as `schema.graphql` holds it; `parlor schema diff OLD.graphql` checks for
    /// breaking changes.
    Schema(SchemaCmd),
    /// Print the permission table (which role and scope may run each field), as README.md shows it.
    Policy,
    /// Mint a development JWT for an agent (or a contact) of a workspace, signed with the JWT secret.
    Token(TokenCmd),
    /// Create, list or revoke API keys from the command line.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCmd),
}

/// Whether this is a development machine or a deployment.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// Local use: the development JWT secret is allowed, GraphiQL gets a ready token, introspection is public.
    Development,
    /// Refuses to start with development secrets or the demo data; GraphiQL off and introspection for
    /// authenticated principals unless configured otherwise.
    Production,
}

/// A secret from the configuration: never printed, never logged.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// How tokens are checked (and, with a secret, signed).
#[derive(Parser, Debug, Clone)]
pub struct AuthOpts {
    /// `development` or `production` (see README.md: production refuses development secrets and the demo data).
    #[arg(long = "env", env = "PARLOR_ENV", value_enum, default_value_t = Env::Development, global = true)]
    pub env: Env,

    /// HS256 secret for JWTs (at least 32 bytes). Development falls back to a fixed, public development secret;
    /// production requires a real one or a JWKS.
    #[arg(long, env = "PARLOR_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,

    /// An identity provider's public keys for RS256/ES256 tokens: an `https://…` URL (fetched and cached) or a
    /// file path.
    #[arg(long, env = "PARLOR_JWT_JWKS", global = true)]
    pub jwt_jwks: Option<String>,

    /// Required `iss` of every JWT, when set.
    #[arg(long, env = "PARLOR_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` of every JWT, when set.
    #[arg(long, env = "PARLOR_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,

    /// The claim naming the workspace (id or slug); identity providers may need a namespaced one.
    #[arg(long, env = "PARLOR_JWT_WORKSPACE_CLAIM", default_value = "workspace", global = true)]
    pub jwt_workspace_claim: String,

    /// The claim naming the role (`admin`, `agent`, `analyst`, `contact`).
    #[arg(long, env = "PARLOR_JWT_ROLE_CLAIM", default_value = "role", global = true)]
    pub jwt_role_claim: String,
}

/// The HS256 development secret: public (it is in this source file), so production refuses it.
pub const DEV_JWT_SECRET: &str = "parlor-development-secret-not-for-production-use";

impl AuthOpts {
    /// The HS256 secret in effect: the configured one, or the development one in development mode.
    pub fn secret(&self) -> Option<&str> {
        match (&self.jwt_secret, self.env) {
            (Some(s), _) => Some(s.0.as_str()),
            (None, Env::Development) => Some(DEV_JWT_SECRET),
            (None, Env::Production) => None,
        }
    }
}

#[derive(Parser, Debug)]
pub struct SchemaCmd {
    #[command(subcommand)]
    pub diff: Option<SchemaDiff>,
}

#[derive(Subcommand, Debug)]
pub enum SchemaDiff {
    /// List the breaking changes from an older SDL to this schema (removed types, fields, arguments and enum
    /// values, changed types, new required arguments); fails on any that CHANGELOG.md's "Unreleased" section does
    /// not name by coordinate (`Type.field`).
    Diff {
        /// The older SDL (e.g. the last release's `schema.graphql`).
        old: std::path::PathBuf,
        /// Where breaking changes are declared.
        #[arg(long, default_value = "CHANGELOG.md")]
        changelog: std::path::PathBuf,
    },
}

#[derive(Parser, Debug)]
pub struct TokenCmd {
    /// The workspace (slug or id).
    #[arg(long)]
    pub workspace: String,
    /// `admin`, `agent`, `analyst` or `contact`.
    #[arg(long, default_value = "admin")]
    pub role: String,
    /// The agent (email or id); default: the workspace's first agent with the role (or its first admin).
    #[arg(long, conflicts_with = "contact")]
    pub agent: Option<String>,
    /// The contact (id) of a widget token (`--role contact`).
    #[arg(long)]
    pub contact: Option<String>,
    /// Fewer scopes than the role's, comma-separated (`conversations:read,messages:read`).
    #[arg(long)]
    pub scopes: Option<String>,
    /// Lifetime (`1h`, `30m`, `3600`).
    #[arg(long, default_value = "1h", value_parser = parse_lifetime)]
    pub ttl: Duration,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCmd {
    /// Create a key and print its secret (shown once).
    Create {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        name: String,
        /// `admin`, `agent` or `analyst` (a bot key: give `--bot` instead).
        #[arg(long)]
        role: Option<String>,
        /// Fewer scopes than the role's, comma-separated.
        #[arg(long)]
        scopes: Option<String>,
        /// A bot key: the bot's id; the key acts as that bot.
        #[arg(long)]
        bot: Option<String>,
        /// Lifetime (`30d`, `12h`); never expires if absent.
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<Duration>,
        /// Rate-limit budget (cost points per minute) instead of the role's default.
        #[arg(long)]
        budget: Option<i64>,
    },
    /// List a workspace's keys (never their secrets).
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Revoke a key (its prefix `prl_…` or id).
    Revoke {
        #[arg(long)]
        workspace: String,
        key: String,
    },
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

    /// Subscribers of the same live subscription (same document, variables and visibility; WebSocket or SSE) share one
    /// execution and one serialised result per event (`true`); `false` runs each subscription on its own.
    #[arg(long, env = "PARLOR_SHARE_SUBSCRIPTIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub share_subscriptions: bool,

    /// Browser origins allowed to call the API (CORS) and to open WebSockets, comma-separated
    /// (`https://app.example.com`), or `*` for any. Default: none (same-origin only). Credentials (cookies) are
    /// never allowed: the API authenticates with bearer tokens.
    #[arg(long, env = "PARLOR_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Who may read the schema (`__schema`, `__type`): `public`, `authenticated`, or `off`. Default: `public` in
    /// development, `authenticated` in production.
    #[arg(long, env = "PARLOR_INTROSPECTION", value_enum)]
    pub introspection: Option<IntrospectionSetting>,

    /// Serve GraphiQL (`/graphiql`, and `GET /graphql` to browsers). Default: on in development, off in production.
    #[arg(long, env = "PARLOR_GRAPHIQL")]
    pub graphiql: Option<bool>,

    /// Where rate-limit budgets live: `memory` (this process only: the embedded mode, one instance), a Redis URL
    /// (`redis://127.0.0.1:6379`: one budget per principal across every instance), or `off`.
    #[arg(long, env = "PARLOR_RATE_LIMIT", default_value = "memory")]
    pub rate_limit: String,

    /// When the Redis rate-limit store cannot be reached: `open` lets requests through, `closed` refuses them.
    #[arg(long, env = "PARLOR_RATE_LIMIT_FAIL", value_enum, default_value_t = FailMode::Open)]
    pub rate_limit_fail: FailMode,

    /// Budgets in points per minute, replacing the defaults by name: `admin=…,agent=…,analyst=…,bot=…,contact=…,
    /// anonymous=…` (defaults 200000, 200000, 200000, 100000, 20000, 2000; a key's own `budget` wins).
    #[arg(long, env = "PARLOR_RATE_BUDGETS", default_value = "")]
    pub rate_budgets: String,

    /// Most WebSocket connections one principal may hold on this instance; one more is closed with 4429.
    #[arg(long, env = "PARLOR_MAX_SOCKETS_PER_PRINCIPAL", default_value_t = 100)]
    pub max_sockets_per_principal: usize,

    /// Serve Prometheus metrics on `http://<this address>/metrics` (`127.0.0.1:9090`; port 0 picks a free port).
    /// A listener of its own, off by default: keep it off the public network. See README.md "Metrics".
    #[arg(long, env = "PARLOR_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// How often each server writes the `lastUsedAt` of the API keys it saw (no write per request).
    #[arg(long, env = "PARLOR_KEY_USE_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    pub key_use_interval: Duration,
    /// Outbound webhooks: the first retry's delay; each next one is 4 times longer (at most 10 h), with ±20%
    /// jitter. With the defaults (10 s, 9 attempts) a failing delivery is retried for about a day.
    #[arg(long, env = "PARLOR_WEBHOOK_RETRY_BASE", default_value = "10s", value_parser = parse_duration)]
    pub webhook_retry_base: Duration,
    /// Outbound webhooks: attempts per delivery (the first one included) before it is given up.
    #[arg(long, env = "PARLOR_WEBHOOK_MAX_ATTEMPTS", default_value_t = 9,
        value_parser = clap::value_parser!(u32).range(1..=50))]
    pub webhook_max_attempts: u32,
    /// Outbound webhooks: longest an endpoint may take to answer (connection included).
    #[arg(long, env = "PARLOR_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,
    /// Outbound webhooks: requests this instance has in flight at most.
    #[arg(long, env = "PARLOR_WEBHOOK_CONCURRENCY", default_value_t = 32,
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub webhook_concurrency: u32,
    /// Outbound webhooks: an endpoint is disabled after this many deliveries in a row failed for good.
    #[arg(long, env = "PARLOR_WEBHOOK_DISABLE_AFTER", default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_disable_after: u32,
    /// Presence: how long an agent's closed connection still counts as live, so that a reload or a blip that
    /// reconnects within it does not flip them offline and back.
    #[arg(long, env = "PARLOR_PRESENCE_GRACE", default_value = "15s", value_parser = parse_duration)]
    pub presence_grace: Duration,
    /// Presence: the lease of a connection's session, renewed every third of it; an instance that dies stops
    /// renewing, and another instance turns its agents offline once the lease runs out.
    #[arg(long, env = "PARLOR_PRESENCE_LEASE", default_value = "30s", value_parser = parse_duration)]
    pub presence_lease: Duration,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    Open,
    Closed,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntrospectionSetting {
    Public,
    Authenticated,
    Off,
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
    parse_span(s, 86_400.0)
}

/// A credential's lifetime: `1h`, `30m`, `30d`, `3600` (seconds); at most a year.
fn parse_lifetime(s: &str) -> Result<Duration, String> {
    parse_span(s, 366.0 * 86_400.0)
}

fn parse_span(s: &str, max_secs: f64) -> Result<Duration, String> {
    let s = s.trim();
    let (number, scale) = if let Some(ms) = s.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else if let Some(n) = s.strip_suffix('d') {
        (n, 86_400.0)
    } else {
        (s, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n * scale <= max_secs => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(format!("`{s}` is not a duration (at most {max_secs} s): write e.g. `2s`, `800ms`, `1h` or `2`")),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, parse_lifetime};
    use std::time::Duration;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("800ms"), Ok(Duration::from_millis(800)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
        assert_eq!(parse_lifetime("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_lifetime("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("2d").is_err());
    }
}
