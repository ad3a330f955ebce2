//! Start-up: open and migrate the database, load demo data when asked, bind, print where to go, serve until
//! SIGINT/SIGTERM, then close WebSockets (1001) and finish in-flight requests within `--shutdown-timeout`
//! (crate::server).

use crate::config::{DemoData, Serve};
use crate::state::AppState;
use crate::{db, http, seed, server, tenancy};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Deep enough for the standard introspection query (graphql-js `getIntrospectionQuery`, as GraphiQL sends it).
const INTROSPECTION_DEPTH: usize = 20;
/// Longest we wait for the pool to close after the drain (a request past the deadline may still hold a connection).
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn serve(database_url: Option<&str>, opts: Serve) -> anyhow::Result<()> {
    let url = db::resolve_url(database_url)?;
    let conn = db::connect(&url, opts.db_pool, opts.db_acquire_timeout).await?;
    db::migrate(&conn).await?;
    maybe_seed(&conn, opts.demo_data, db::is_sqlite(&url)).await?;

    let limits = schema::Limits {
        depth: opts.max_depth,
        complexity: opts.max_complexity,
        aliases: opts.max_aliases,
        selections: opts.max_selections,
        ..schema::Limits::default()
    };
    let spec = schema::spec_validator().map_err(|e| anyhow::anyhow!("the served schema does not validate: {e}"))?;
    let bus = schema::events::EventBus::with_buffer(conn.get_database_backend(), opts.event_buffer as usize);
    if !db::is_sqlite(&url) {
        // Every instance hears every instance's events (PostgreSQL LISTEN/NOTIFY).
        tokio::spawn(schema::events::listener::run(url.clone(), conn.clone(), bus.clone()));
    }
    let introspection_limits = schema::Limits { depth: limits.depth.max(INTROSPECTION_DEPTH), ..limits };
    let state = Arc::new(AppState {
        schema: schema::build(conn.clone(), bus.clone(), limits, spec.clone()),
        introspection: schema::build(conn.clone(), bus, introspection_limits, spec),
        db: conn.clone(),
        workspaces: tenancy::WorkspaceCache::default(),
        body_limit: opts.body_limit,
        body_timeout: opts.body_timeout,
        shutdown: tokio::sync::watch::Sender::new(false),
    });
    let sockets = state.shutdown.clone();
    let listener = TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    // stdout, on purpose: this is what a newcomer (and the test harness) reads. A closed stdout is no reason to stop.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Parlor listening on http://{addr}\nGraphiQL: http://{addr}/graphiql");
        let _ = out.flush();
    }
    tracing::info!(%addr, "listening");
    let timeouts = server::Timeouts { header: opts.header_timeout, shutdown: opts.shutdown_timeout };
    server::serve(listener, http::router(state), timeouts, sockets, shutdown_signal()).await;
    match tokio::time::timeout(POOL_CLOSE_TIMEOUT, conn.close()).await {
        Ok(closed) => closed?,
        Err(_) => tracing::warn!("the database pool did not close in time"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn maybe_seed(conn: &DatabaseConnection, demo: DemoData, sqlite: bool) -> anyhow::Result<()> {
    let wanted = match demo {
        DemoData::No => false,
        DemoData::Yes => true,
        DemoData::Auto => sqlite,
    };
    if wanted && entities::workspace::Entity::find().count(conn).await? == 0 {
        let started = std::time::Instant::now();
        let report = seed::demo(conn).await?;
        tracing::info!(?report, elapsed_ms = started.elapsed().as_millis() as u64, "demo data loaded");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: closing WebSockets, finishing in-flight requests");
}
