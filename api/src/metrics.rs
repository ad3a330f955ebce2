//! `/metrics` in the Prometheus text format, on a listener of its own (`--metrics-addr`, off by default): the
//! metrics say which operations run, how often and how fast, and who is refused, which is nothing an API client
//! should read, so they are kept off the public port rather than behind a credential. What is recorded, and
//! where, is named in `schema::metrics`; this module installs the recorder, labels HTTP requests, and reads the
//! database pool at each scrape.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use schema::metrics as m;
use sea_orm::DatabaseConnection;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;

/// Latency buckets, seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// SQL statements per request: a nested query runs one per level (DESIGN.md §4), so dozens means something is
/// not batched.
const STATEMENT_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 100.0];
/// How often histograms are drained into their buckets (the exporter's upkeep).
const UPKEEP: Duration = Duration::from_secs(5);

/// What the metrics listener serves.
#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    db: DatabaseConnection,
}

/// Installs the Prometheus recorder (from now on every `metrics::` call records) and binds `addr`; returns the
/// bound listener and the router to serve on it.
pub async fn listen(addr: std::net::SocketAddr, db: DatabaseConnection) -> anyhow::Result<(TcpListener, Router)> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(m::REQUEST_DURATION.into()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(m::SQL_PER_REQUEST.into()), STATEMENT_BUCKETS)?
        .install_recorder()?;
    describe();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    let listener = TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("--metrics-addr {addr}: {e}"))?;
    let router = Router::new().route("/metrics", get(scrape)).with_state(Scrape { handle, db });
    Ok((listener, router))
}

async fn scrape(State(s): State<Scrape>) -> impl IntoResponse {
    pool_gauges(&s.db);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.handle.render())
}

/// The pool's size now (sqlx keeps no count of waits; acquire timeouts are counted as `parlor_db_unavailable_total`).
fn pool_gauges(db: &DatabaseConnection) {
    let (size, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
    };
    let idle = idle as f64;
    metrics::gauge!(m::POOL_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(m::POOL_CONNECTIONS, "state" => "in_use").set((f64::from(size) - idle).max(0.0));
    metrics::gauge!(m::POOL_MAX).set(f64::from(max));
}

/// `# HELP` lines.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(m::REQUESTS, "GraphQL requests over HTTP, by operation name and outcome (ok or error code)");
    describe_histogram!(m::REQUEST_DURATION, Unit::Seconds, "Time to answer a GraphQL request over HTTP");
    describe_histogram!(m::SQL_PER_REQUEST, "SQL statements one HTTP request ran (X-Parlor-Sql-Statements)");
    describe_counter!(m::SQL_STATEMENTS, "SQL statements run");
    describe_gauge!(m::POOL_CONNECTIONS, "Database pool connections by state");
    describe_gauge!(m::POOL_MAX, "Database pool maximum size (--db-pool)");
    describe_counter!(m::DB_UNAVAILABLE, "Database operations that found no connection (503 UNAVAILABLE)");
    describe_gauge!(m::WS_CONNECTIONS, "Open WebSocket connections");
    describe_gauge!(m::WS_SUBSCRIPTIONS, "Active WebSocket subscriptions");
    describe_gauge!(
        m::SHARED_EXECUTIONS,
        "Executions shared by subscribers of the same live subscription (WebSocket and SSE)"
    );
    describe_counter!(m::WS_SUBSCRIPTIONS_STARTED, "WebSocket subscriptions started");
    describe_counter!(m::EVENTS_PUBLISHED, "Events committed by this instance and published");
    describe_counter!(m::EVENTS_DELIVERED, "Events delivered to live subscribers (one per subscriber)");
    describe_counter!(m::EVENTS_DROPPED, "Events subscribers did not get, by reason (lagged, interrupted)");
    describe_counter!(m::RATE_LIMITED, "Requests refused by the rate limiter, by reason (budget, sockets)");
    describe_counter!(m::WEBHOOK_ATTEMPTS, "Outbound webhook attempts, by outcome (delivered, retry, failed)");
}

/// The `operation` label of a request: its name while fewer than `MAX_OPERATION_NAMES` names have been seen,
/// `anonymous` without one, `other` past the cap. Only an authenticated request (`may_add`) adds a name: an
/// anonymous client sending made-up names gets `other` for them, and cannot use up the labels.
pub fn operation_label(name: Option<&str>, may_add: bool) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else { return "anonymous".to_owned() };
    let Ok(mut seen) = SEEN.get_or_init(Mutex::default).lock() else { return "other".to_owned() };
    if seen.contains(name) {
        return name.to_owned();
    }
    if !may_add || seen.len() >= m::MAX_OPERATION_NAMES {
        return "other".to_owned();
    }
    seen.insert(name.to_owned());
    name.to_owned()
}

/// The operation an HTTP GraphQL response answered (its label: see [`operation_label`]), put on the response by
/// the handler once the document is parsed.
#[derive(Clone)]
pub struct Operation(pub String);

/// How an HTTP GraphQL response turned out: `ok`, or the first error's code in lower case (`bad_user_input`,
/// `rate_limited`, …), put on the response where its body is made.
#[derive(Clone)]
pub struct Outcome(pub String);

impl Outcome {
    pub fn code(code: &str) -> Self {
        Outcome(code.to_ascii_lowercase())
    }
}

/// Records one answered HTTP GraphQL request (responses that are no GraphQL answer, such as the GraphiQL page or a
/// WebSocket upgrade, carry no [`Outcome`] and are not counted).
pub fn record_request(resp: &axum::response::Response, elapsed: Duration) {
    let Some(Outcome(outcome)) = resp.extensions().get::<Outcome>() else { return };
    let operation = resp.extensions().get::<Operation>().map_or("none", |o| o.0.as_str());
    let labels = [("operation", operation.to_owned()), ("outcome", outcome.clone())];
    metrics::counter!(m::REQUESTS, &labels).increment(1);
    metrics::histogram!(m::REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::operation_label;

    #[test]
    fn only_authenticated_requests_add_operation_names() {
        assert_eq!(operation_label(Some("MadeUpByAStranger"), false), "other");
        assert_eq!(operation_label(Some("Inbox"), true), "Inbox");
        // Once added, the name is its own label for everyone.
        assert_eq!(operation_label(Some("Inbox"), false), "Inbox");
        assert_eq!(operation_label(None, false), "anonymous");
    }
}
