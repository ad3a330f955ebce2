//! End-to-end tests: each starts the real `parlor` binary over its own database and talks HTTP to it.
//! Run on SQLite by default; with `DATABASE_URL=postgres://…` on PostgreSQL.

mod cdp;
mod credentials;
mod harness;

mod analytics;
mod api_keys;
mod atomic;
mod auth;
mod bot_keys;
mod browsers;
mod connections;
mod delivery;
mod directory;
mod errors;
mod filters;
mod graphiql;
mod http;
mod identity_provider;
mod inbound;
mod lifecycle;
mod live_queue;
mod live_updates;
mod metrics;
mod mutations;
mod nodes;
mod outage;
mod permissions;
mod presence;
mod production;
mod rate_limits;
mod segments;
mod shared_subscriptions;
mod sse;
mod sse_single;
mod statements;
mod tenancy;
mod tickets;
mod validation;
mod webhooks;
mod widget;
mod ws;
