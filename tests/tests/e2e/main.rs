//! End-to-end tests: each starts the real `parlor` binary over its own database and talks HTTP to it.
//! Run on SQLite by default; with `DATABASE_URL=postgres://…` on PostgreSQL.

mod harness;

mod atomic;
mod connections;
mod delivery;
mod directory;
mod errors;
mod filters;
mod http;
mod lifecycle;
mod live_updates;
mod mutations;
mod nodes;
mod outage;
mod statements;
mod tickets;
mod validation;
mod ws;
