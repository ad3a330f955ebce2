//! `TestApp::spawn()`: the real `parlor` binary, started on a free port over a fresh database holding the demo
//! data set, driven over real HTTP.
//!
//! The database is SQLite (a file in a temp dir) unless `DATABASE_URL` points at PostgreSQL, where every test gets
//! its own database, dropped afterwards. The demo data is seeded once per test run into a template (a file, or a
//! PostgreSQL template database) and copied for each test.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static BINARY: OnceLock<PathBuf> = OnceLock::new();
static TEMPLATE: OnceLock<Template> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The HS256 secret every test server gets (`PARLOR_JWT_SECRET`); tests sign their tokens with it.
pub const JWT_SECRET: &str = "parlor-test-secret-3c1d9e0a7b5f42688f1e6d2c9a0b7e55";

struct Template {
    db: TemplateDb,
    /// An admin API key of each demo workspace (slug → secret), made once in the template: what `post(Some(ws))`
    /// and `query` send. (Integration keys may write as any participant, as the tests' senders do.)
    keys: std::collections::HashMap<String, String>,
}

enum TemplateDb {
    Sqlite { _dir: tempfile::TempDir, file: PathBuf },
    Postgres { admin_url: String, name: String },
}

/// The `parlor` binary of this workspace, built (or found up to date) once per test run.
pub fn binary() -> &'static PathBuf {
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "api", "--bin", "parlor", "--message-format=json-render-diagnostics"]);
        // What cargo sets for this test process is not the environment of a build: some build scripts track
        // variables such as CARGO_MANIFEST_DIR (ring does), and seeing them change would rebuild half of the
        // dependencies here, then again in the next plain `cargo build` or `cargo test`.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let set_for_tests =
                ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_CRATE_NAME", "CARGO_BIN_", "CARGO_TARGET_TMPDIR"]
                    .iter()
                    .any(|p| name.starts_with(p))
                    || name == "CARGO_PRIMARY_PACKAGE"
                    || name == "OUT_DIR";
            if set_for_tests {
                cmd.env_remove(name.as_ref());
            }
        }
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let out = cmd.stderr(Stdio::inherit()).output().expect("run cargo build");
        assert!(out.status.success(), "cargo build of parlor failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "parlor")
            .find_map(|v| v["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no parlor executable")
    })
}

/// Redis for the tests that need one (`PARLOR_TEST_REDIS_URL`, else 127.0.0.1:6379 when something listens there);
/// `None` when there is none: those tests then say so and skip.
pub fn redis_url() -> Option<String> {
    if let Ok(url) = std::env::var("PARLOR_TEST_REDIS_URL") {
        return Some(url);
    }
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 6379));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300))
        .ok()
        .map(|_| "redis://127.0.0.1:6379".to_owned())
}

fn postgres_url() -> Option<String> {
    std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn admin_sql(admin_url: &str, sql: &str) {
    let (url, sql) = (admin_url.to_owned(), sql.to_owned());
    // Our own runtime on a plain thread: callable from Drop and from inside #[tokio::test].
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sea_orm::ConnectionTrait;
            let db = sea_orm::Database::connect(url.as_str()).await.expect("connect to PostgreSQL");
            db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = db.close().await;
        })
    })
    .join()
    .expect("admin sql thread");
}

/// Drops the databases of earlier test runs whose process is gone (a run cannot drop its template at exit).
fn sweep_stale_databases(admin_url: &str) {
    let url = admin_url.to_owned();
    let stale: Vec<String> = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sea_orm::{ConnectionTrait, Statement};
            let db = sea_orm::Database::connect(url.as_str()).await.expect("connect to PostgreSQL");
            let sql = "SELECT datname FROM pg_database WHERE datname LIKE 'parlor\\_t\\_%'";
            let rows =
                db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap_or_default();
            let _ = db.close().await;
            rows.iter().filter_map(|r| r.try_get::<String>("", "datname").ok()).collect()
        })
    })
    .join()
    .expect("sweep thread");
    for name in stale {
        let pid = name.strip_prefix("parlor_t_").and_then(|r| r.split('_').next()).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !std::path::Path::new(&format!("/proc/{p}")).exists()) {
            admin_sql(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn seed(url: &str) {
    let status = Command::new(binary())
        .args(["seed", "--demo"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .expect("run parlor seed");
    assert!(status.success(), "parlor seed --demo failed");
}

/// An admin API key for workspace `slug`, made with `parlor api-key create`; its secret.
fn make_key(url: &str, slug: &str) -> String {
    let out = Command::new(binary())
        .args(["api-key", "create", "--workspace", slug, "--name", "end-to-end tests", "--role", "admin"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .output()
        .expect("run parlor api-key create");
    assert!(out.status.success(), "parlor api-key create failed");
    String::from_utf8(out.stdout).expect("utf8").trim().to_owned()
}

fn template() -> &'static Template {
    TEMPLATE.get_or_init(|| {
        let (db, url) = match postgres_url() {
            Some(admin_url) => {
                sweep_stale_databases(&admin_url);
                let name = format!("parlor_t_{}_template", std::process::id());
                admin_sql(&admin_url, &format!("DROP DATABASE IF EXISTS {name}"));
                admin_sql(&admin_url, &format!("CREATE DATABASE {name}"));
                let url = with_database(&admin_url, &name);
                (TemplateDb::Postgres { admin_url, name }, url)
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let file = dir.path().join("template.db");
                let url = format!("sqlite://{}?mode=rwc", file.display());
                (TemplateDb::Sqlite { _dir: dir, file }, url)
            }
        };
        seed(&url);
        let keys = ["acme", "globex"].iter().map(|ws| ((*ws).to_owned(), make_key(&url, ws))).collect();
        Template { db, keys }
    })
}

/// A running server over its own database.
pub struct TestApp {
    pub url: String,
    /// The Prometheus endpoint, when started with `--metrics-addr`.
    pub metrics_url: Option<String>,
    pub database_url: String,
    child: Child,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
    drop_db: Option<(String, String)>,
}

impl TestApp {
    /// A server over a copy of the demo data.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Same, with extra `parlor serve` flags.
    pub async fn spawn_with(flags: &[&str]) -> TestApp {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let (database_url, dir, drop_db) = match &template().db {
            TemplateDb::Sqlite { file, .. } => {
                let dir = tempfile::tempdir().expect("temp dir");
                let copy = dir.path().join("parlor.db");
                std::fs::copy(file, &copy).expect("copy template database");
                // A write-ahead log not yet checkpointed holds committed rows too.
                let wal = format!("{}-wal", file.display());
                if std::path::Path::new(&wal).exists() {
                    std::fs::copy(&wal, format!("{}-wal", copy.display())).expect("copy template WAL");
                }
                (format!("sqlite://{}?mode=rwc", copy.display()), Some(dir), None)
            }
            TemplateDb::Postgres { admin_url, name } => {
                let db = format!("parlor_t_{}_{n}", std::process::id());
                admin_sql(admin_url, &format!("DROP DATABASE IF EXISTS {db}"));
                admin_sql(admin_url, &format!("CREATE DATABASE {db} TEMPLATE {name}"));
                (with_database(admin_url, &db), None, Some((admin_url.clone(), db)))
            }
        };
        let (Started { url, metrics_url }, child) = start_server(&database_url, flags, &[]).await;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        TestApp { url, metrics_url, database_url, child, client, _dir: dir, drop_db }
    }

    /// A server over any database (migrated, not seeded), with extra flags and environment.
    pub async fn start_over(database_url: &str, flags: &[&str], env: &[(&str, &str)]) -> TestApp {
        let (Started { url, metrics_url }, child) = start_server(database_url, flags, env).await;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        TestApp { url, metrics_url, database_url: database_url.to_owned(), child, client, _dir: None, drop_db: None }
    }

    /// A second server over this one's database (another instance of a scaled-out deployment).
    pub async fn spawn_peer(&self) -> TestApp {
        self.spawn_peer_with(&[]).await
    }

    /// Same, with extra `parlor serve` flags.
    pub async fn spawn_peer_with(&self, flags: &[&str]) -> TestApp {
        let (Started { url, metrics_url }, child) = start_server(&self.database_url, flags, &[]).await;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        TestApp { url, metrics_url, database_url: self.database_url.clone(), child, client, _dir: None, drop_db: None }
    }

    pub fn ws_url(&self) -> String {
        format!("{}/graphql", self.url.replacen("http://", "ws://", 1))
    }
}

/// Starts `parlor serve` on a free port over `database_url`; returns its URLs once it listens.
async fn start_server(database_url: &str, flags: &[&str], env: &[(&str, &str)]) -> (Started, Child) {
    let log = if std::env::var("TEST_LOG").is_ok() { "info" } else { "error" };
    let mut child = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--demo-data", "no"])
        .args(flags)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", log)
        .env("PARLOR_JWT_SECRET", JWT_SECRET)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(if log == "info" { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .expect("start parlor serve");
    let stdout = child.stdout.take().expect("stdout");
    // Read until the server says where it listens, then keep draining its stdout on a thread of its own.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut tx, mut metrics) = (Some(tx), None);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // `--metrics-addr` prints its URL before the listening line.
            if let Some(url) = line.strip_prefix("Metrics: ") {
                metrics = Some(url.trim().to_owned());
            }
            if let Some(url) = line.strip_prefix("Parlor listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(Started { url: url.trim().to_owned(), metrics_url: metrics.take() });
            }
        }
    });
    let started = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(120)))
        .await
        .expect("wait for the server")
        .expect("the server exited or did not listen within 120 s");
    (started, child)
}

/// Where a started server listens.
struct Started {
    url: String,
    /// `http://…/metrics` with `--metrics-addr`.
    metrics_url: Option<String>,
}

impl TestApp {
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POST a query with an admin API key of the given workspace (slug); `None` sends no credential. Returns
    /// status, headers and JSON body.
    pub async fn post(&self, workspace: Option<&str>, query: &str, variables: Value) -> Reply {
        let key = workspace.map(|ws| self.key(ws));
        self.post_as(key.as_deref(), query, variables).await
    }

    /// The admin API key of a demo workspace (for an unknown slug, a well-formed key no server knows).
    pub fn key(&self, ws: &str) -> String {
        template().keys.get(ws).cloned().unwrap_or_else(|| format!("prl_000000000000_{}", "A".repeat(43)))
    }

    /// POST a query with this bearer credential (a token or an API key), or none.
    pub async fn post_as(&self, credential: Option<&str>, query: &str, variables: Value) -> Reply {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.url))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(c) = credential {
            req = req.bearer_auth(c);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// A token for the first agent with `role` (`admin`, `agent`, `analyst`) of workspace `ws`, valid an hour.
    /// For a workspace that does not exist, a well-signed token naming it (the server refuses it).
    pub fn token(&self, ws: &str, role: &str) -> String {
        let dir = crate::credentials::directory(&self.database_url);
        let (ws_id, agent) = match dir.workspace(ws) {
            Some(w) => (w.id.to_string(), w.agent(role).map(|a| a.to_string()).unwrap_or_default()),
            None => (ws.to_owned(), uuid::Uuid::nil().to_string()),
        };
        crate::credentials::sign(json!({ "sub": agent, "workspace": ws_id, "role": role }), 3600)
    }

    /// A widget token for a contact (a uuid) of workspace `ws`.
    pub fn contact_token(&self, ws: &str, contact: uuid::Uuid) -> String {
        let dir = crate::credentials::directory(&self.database_url);
        let ws_id = dir.workspace(ws).map_or_else(|| ws.to_owned(), |w| w.id.to_string());
        crate::credentials::sign(json!({ "sub": contact.to_string(), "workspace": ws_id, "role": "contact" }), 3600)
    }

    /// A query in the `acme` demo workspace that must succeed: its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let reply = self.post(Some("acme"), query, variables).await;
        assert!(reply.body.get("errors").is_none(), "unexpected errors: {}", reply.body);
        assert_eq!(reply.status, 200);
        reply.body["data"].clone()
    }

    /// A query in `acme` that must fail: its first error's `extensions.code` and message.
    pub async fn error(&self, query: &str, variables: Value) -> (String, String) {
        let reply = self.post(Some("acme"), query, variables).await;
        let err = &reply.body["errors"][0];
        assert!(!err.is_null(), "expected an error, got {}", reply.body);
        (
            err["extensions"]["code"].as_str().unwrap_or("<none>").to_owned(),
            err["message"].as_str().unwrap_or("").to_owned(),
        )
    }
}

impl TestApp {
    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM to the server.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `limit` for the server to exit; whether it did.
    pub async fn exited_within(&mut self, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.child.try_wait().expect("try_wait").is_some() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.child.try_wait().expect("try_wait").is_some()
    }

    /// PostgreSQL only: takes the database away from the running server (no new connections, its backends
    /// terminated), as an outage would. `false` on SQLite, which has no server to lose.
    pub fn cut_database(&self) -> bool {
        let Some((admin, db)) = &self.drop_db else { return false };
        admin_sql(admin, &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS false"));
        let kill = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
        );
        admin_sql(admin, &kill);
        true
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin, db)) = self.drop_db.take() {
            admin_sql(&admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn from(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, headers, body }
    }

    pub fn sql_statements(&self) -> u64 {
        self.headers
            .get("x-parlor-sql-statements")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("x-parlor-sql-statements header")
    }
}

impl TestApp {
    /// The `v` column of every row of `sql`, as text (read straight from the database, not through the API).
    pub async fn sql_strings(&self, sql: &str) -> Vec<String> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(self.database_url.as_str()).await.expect("connect to the test database");
        let rows =
            db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.expect("query");
        let _ = db.close().await;
        rows.iter().map(|r| r.try_get::<String>("", "v").expect("a text column v")).collect()
    }
}

/// Tables whose rows a refused mutation must leave alone (see [`TestApp::row_counts`]).
const COUNTED_TABLES: &[&str] =
    &["workspace", "agent", "bot", "contact", "conversation", "message", "ticket", "label", "event", "api_key"];

impl TestApp {
    /// Rows per table, read from the database itself: compare before and after a refusal to prove that nothing
    /// was written (the outbox `event` included, so nothing was published either).
    pub async fn row_counts(&self) -> Vec<(&'static str, i64)> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(self.database_url.as_str()).await.expect("connect to the test database");
        let mut counts = vec![];
        for table in COUNTED_TABLES {
            let sql = format!("SELECT COUNT(*) AS n FROM {table}");
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("count rows")
                .expect("a row");
            counts.push((*table, row.try_get::<i64>("", "n").expect("n")));
        }
        let _ = db.close().await;
        counts
    }

    /// Runs `refuse`, which must fail with `code`, and checks that no table changed.
    pub async fn assert_refused_without_writes(&self, code: &str, query: &str, variables: Value) {
        let before = self.row_counts().await;
        let reply = self.post(Some("acme"), query, variables).await;
        let got = reply.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>");
        assert_eq!(got, code, "{}", reply.body);
        assert_eq!(self.row_counts().await, before, "a refused mutation wrote rows: {}", reply.body);
    }
}
