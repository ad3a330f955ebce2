//! The names of the metrics Parlor records, in one place (README.md "Metrics" lists them; `/metrics` serves them).
//! Every crate records through the `metrics` facade, which does nothing until `parlor serve --metrics-addr`
//! installs the Prometheus recorder (api/src/metrics.rs), so the tools and unit tests pay nothing for them.

/// Counter: GraphQL requests over HTTP, by `operation` (name, `anonymous`, or `other` past the first
/// [`MAX_OPERATION_NAMES`]) and `outcome` (`ok`, or the first error's code in lower case).
pub const REQUESTS: &str = "parlor_graphql_requests_total";
/// Histogram (seconds): time to answer a GraphQL request over HTTP, same labels as [`REQUESTS`].
pub const REQUEST_DURATION: &str = "parlor_graphql_request_duration_seconds";
/// Histogram: SQL statements one HTTP request ran (what `X-Parlor-Sql-Statements` says).
pub const SQL_PER_REQUEST: &str = "parlor_sql_statements_per_request";
/// Counter: SQL statements run, by requests and by everything else (event delivery, key bookkeeping).
pub const SQL_STATEMENTS: &str = "parlor_sql_statements_total";
/// Gauge: connections in the database pool, by `state` (`idle`, `in_use`); read at each scrape.
pub const POOL_CONNECTIONS: &str = "parlor_db_pool_connections";
/// Gauge: the pool's maximum size (`--db-pool`).
pub const POOL_MAX: &str = "parlor_db_pool_max_connections";
/// Counter: database operations that found the database unavailable (no pooled connection within
/// `--db-acquire-timeout`, a refused or broken connection): the requests that answered 503.
pub const DB_UNAVAILABLE: &str = "parlor_db_unavailable_total";
/// Gauge: open WebSocket connections.
pub const WS_CONNECTIONS: &str = "parlor_ws_connections";
/// Gauge: active subscriptions (operations) over WebSocket.
pub const WS_SUBSCRIPTIONS: &str = "parlor_ws_subscriptions";
/// Gauge: executions shared by subscribers of the same live subscription, over WebSocket and event streams
/// (`api::http::shared`); each serves one or more subscribers.
pub const SHARED_EXECUTIONS: &str = "parlor_shared_executions";
/// Counter: subscriptions started over WebSocket.
pub const WS_SUBSCRIPTIONS_STARTED: &str = "parlor_ws_subscriptions_started_total";
/// Counter: events committed by this instance and handed to the bus.
pub const EVENTS_PUBLISHED: &str = "parlor_events_published_total";
/// Counter: events delivered to a live subscriber (one per subscriber that receives it).
pub const EVENTS_DELIVERED: &str = "parlor_events_delivered_total";
/// Counter: events a subscriber did not get, by `reason`: `lagged` (it fell more than `--event-buffer` behind and
/// was cut off), `interrupted` (this instance could not load them; live streams ended).
pub const EVENTS_DROPPED: &str = "parlor_events_dropped_total";
/// Counter: requests refused by the rate limiter, by `reason`: `budget` (over budget: 429 or a WebSocket
/// `error`), `sockets` (over `--max-sockets-per-principal`: closed with 4429).
pub const RATE_LIMITED: &str = "parlor_rate_limit_refusals_total";
/// Counter: outbound webhook attempts, by `outcome`: `delivered` (a 2xx), `retry` (another attempt is scheduled),
/// `failed` (refused, or the last attempt).
pub const WEBHOOK_ATTEMPTS: &str = "parlor_webhook_attempts_total";

/// Distinct operation names that get a label of their own; later ones are counted as `other`, so that clients
/// cannot grow the metrics without bound.
pub const MAX_OPERATION_NAMES: usize = 200;
