//! Start-up: open and migrate the database, load demo data when asked, bind, print where to go, serve until
//! SIGINT/SIGTERM, then close WebSockets (1001) and finish in-flight requests within `--shutdown-timeout`
//! (crate::server).

use crate::config::{AuthOpts, DemoData, Env, IntrospectionSetting, Serve};
use crate::state::{AppState, GraphiqlHeaders};
use crate::{auth, db, http, seed, server};
use schema::auth::access::Introspection;
use schema::auth::token::TokenSigner;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Deep enough for the standard introspection query (graphql-js `getIntrospectionQuery`, as GraphiQL sends it).
const INTROSPECTION_DEPTH: usize = 20;
/// Longest we wait for the pool to close after the drain (a request past the deadline may still hold a connection).
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Lifetime of the admin token printed at start-up and put in GraphiQL, in development only: a working day.
pub const DEV_TOKEN_TTL: chrono::Duration = chrono::Duration::hours(12);

pub async fn serve(database_url: Option<&str>, auth_opts: &AuthOpts, opts: Serve) -> anyhow::Result<()> {
    let production = auth_opts.env == Env::Production;
    refuse_unsafe_production(auth_opts, &opts)?;
    let url = db::resolve_url(database_url)?;
    let conn = db::connect(&url, opts.db_pool, opts.db_acquire_timeout).await?;
    // First, so that everything after it is recorded.
    let metrics = match opts.metrics_addr {
        Some(addr) => Some(crate::metrics::listen(addr, conn.clone()).await?),
        None => None,
    };
    db::migrate(&conn).await?;
    if production {
        if seed::holds_demo_data(&conn).await? {
            anyhow::bail!("production mode refuses to serve the demo data (agents @acme.example / @globex.example)");
        }
    } else {
        maybe_seed(&conn, opts.demo_data, db::is_sqlite(&url)).await?;
    }
    let signer = match auth_opts.secret() {
        Some(secret) => Some(Arc::new(
            TokenSigner::new(secret.as_bytes(), auth_opts.jwt_issuer.clone(), auth_opts.jwt_audience.clone())
                .map_err(|e| anyhow::anyhow!("PARLOR_JWT_SECRET: {e}"))?,
        )),
        None => None,
    };
    let authenticator = Arc::new(auth::Authenticator::new(conn.clone(), verifier(auth_opts).await?));
    tokio::spawn(authenticator.keys.clone().keep_flushing(opts.key_use_interval));
    let rates = rates(&opts).await?;
    let introspection = opts.introspection.unwrap_or(if production {
        IntrospectionSetting::Authenticated
    } else {
        IntrospectionSetting::Public
    });
    let webhook_settings = schema::webhooks::Settings { allow_private: !production, ..Default::default() };
    let setup = || schema::auth::Setup {
        introspection: match introspection {
            IntrospectionSetting::Public => Introspection::Public,
            IntrospectionSetting::Authenticated | IntrospectionSetting::Off => Introspection::Authenticated,
        },
        introspection_off: introspection == IntrospectionSetting::Off,
        signer: signer.clone(),
        limiter: rates.as_ref().map(|r| r.limiter.clone()),
        webhooks: webhook_settings.clone(),
    };
    let origins = http::cors::Origins::parse(&opts.cors_origins).map_err(|e| anyhow::anyhow!("--cors-origins: {e}"))?;
    let dev_admin = match (&signer, production) {
        (Some(signer), false) => seed::first_admin(&conn).await?.map(|(ws, agent)| (signer.clone(), ws, agent)),
        _ => None,
    };
    let graphiql = match (opts.graphiql.unwrap_or(!production), &dev_admin) {
        (false, _) => None,
        (true, Some((signer, workspace, agent))) => {
            Some(GraphiqlHeaders::DevToken { signer: signer.clone(), workspace: *workspace, agent: *agent })
        }
        (true, None) => Some(GraphiqlHeaders::Placeholder),
    };

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
    crate::webhooks::spawn(
        conn.clone(),
        bus.clone(),
        webhook_settings.wake.clone(),
        crate::webhooks::Config {
            retry_base: opts.webhook_retry_base,
            max_attempts: opts.webhook_max_attempts,
            timeout: opts.webhook_timeout,
            concurrency: opts.webhook_concurrency,
            disable_after: opts.webhook_disable_after,
            allow_private: !production,
        },
    )?;
    let presence = schema::presence::Presence::new(
        conn.clone(),
        bus.clone(),
        schema::presence::Settings { lease: opts.presence_lease, grace: opts.presence_grace },
    );
    tokio::spawn(presence.clone().run());
    let introspection_limits = schema::Limits { depth: limits.depth.max(INTROSPECTION_DEPTH), ..limits };
    let state = Arc::new(AppState {
        schema: schema::build(conn.clone(), bus.clone(), limits, spec.clone(), setup()),
        introspection: schema::build(conn.clone(), bus.clone(), introspection_limits, spec, setup()),
        db: conn.clone(),
        auth: authenticator.clone(),
        body_limit: opts.body_limit,
        body_timeout: opts.body_timeout,
        shutdown: tokio::sync::watch::Sender::new(false),
        origins,
        graphiql,
        rates,
        reservations: Default::default(),
        sharing: opts.share_subscriptions.then(Default::default),
        presence,
        bus,
    });
    let sockets = state.shutdown.clone();
    let listener = TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    let metrics_addr = match metrics {
        Some((listener, router)) => {
            let addr = listener.local_addr()?;
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
            Some(addr)
        }
        None => None,
    };
    // stdout, on purpose: this is what a newcomer (and the test harness) reads. A closed stdout is no reason to stop.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // Before the "listening" line, which tells the test harness that start-up is over.
        if let Some(metrics) = metrics_addr {
            let _ = writeln!(out, "Metrics: http://{metrics}/metrics");
        }
        let _ = writeln!(out, "Parlor listening on http://{addr}");
        if state.graphiql.is_some() {
            let _ = writeln!(out, "GraphiQL: http://{addr}/graphiql");
        }
        if let Some((signer, ws, agent)) = &dev_admin
            && let Ok(minted) = signer.mint(*ws, *agent, schema::auth::Role::Admin, None, DEV_TOKEN_TTL)
        {
            let _ = writeln!(
                out,
                "Admin token (development only, valid {} h):\n  Authorization: Bearer {}",
                DEV_TOKEN_TTL.num_hours(),
                minted.token
            );
        }
        let _ = out.flush();
    }
    tracing::info!(%addr, "listening");
    let timeouts = server::Timeouts { header: opts.header_timeout, shutdown: opts.shutdown_timeout };
    server::serve(listener, http::router(state), timeouts, sockets, shutdown_signal()).await;
    authenticator.keys.flush_last_used().await;
    match tokio::time::timeout(POOL_CLOSE_TIMEOUT, conn.close()).await {
        Ok(closed) => closed?,
        Err(_) => tracing::warn!("the database pool did not close in time"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// The rate limiter of `--rate-limit`: `memory` (with a task forgetting idle keys), a Redis URL, or `off`.
async fn rates(opts: &Serve) -> anyhow::Result<Option<Arc<crate::rate::Rates>>> {
    use crate::rate::{Budgets, Rates, memory::MemoryLimiter, redis_store::RedisLimiter};
    let budgets = Budgets::parse(&opts.rate_budgets).map_err(|e| anyhow::anyhow!("--rate-budgets: {e}"))?;
    let limiter: Arc<dyn schema::rate::Limiter> = match opts.rate_limit.as_str() {
        "off" => return Ok(None),
        "memory" => {
            let memory = Arc::new(MemoryLimiter::default());
            let idle = memory.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    idle.forget_idle();
                }
            });
            memory
        }
        url if url.starts_with("redis://") || url.starts_with("rediss://") => {
            let fail_open = opts.rate_limit_fail == crate::config::FailMode::Open;
            Arc::new(RedisLimiter::connect(url, fail_open).await.map_err(|e| anyhow::anyhow!("--rate-limit: {e}"))?)
        }
        other => anyhow::bail!("--rate-limit: `{other}` is not `memory`, `off` or a redis:// URL"),
    };
    Ok(Some(Arc::new(Rates::new(limiter, budgets, opts.max_sockets_per_principal))))
}

/// Production mode refuses development secrets, weak ones, no way to verify tokens, and demo data.
fn refuse_unsafe_production(auth: &AuthOpts, opts: &Serve) -> anyhow::Result<()> {
    if auth.env != Env::Production {
        return Ok(());
    }
    match &auth.jwt_secret {
        Some(s) if s.0 == crate::config::DEV_JWT_SECRET => {
            anyhow::bail!("production mode refuses the development JWT secret: set a real PARLOR_JWT_SECRET")
        }
        Some(s) if s.0.len() < schema::auth::token::MIN_SECRET_BYTES => anyhow::bail!(
            "production mode needs a PARLOR_JWT_SECRET of at least {} bytes",
            schema::auth::token::MIN_SECRET_BYTES
        ),
        None if auth.jwt_jwks.is_none() => {
            anyhow::bail!("production mode needs PARLOR_JWT_SECRET or PARLOR_JWT_JWKS to verify tokens")
        }
        _ => {}
    }
    if opts.demo_data == DemoData::Yes {
        anyhow::bail!("production mode refuses --demo-data yes");
    }
    Ok(())
}

/// The JWT verifier of the configuration (the JWKS is loaded now: a broken file stops the start).
pub async fn verifier(opts: &AuthOpts) -> anyhow::Result<auth::jwt::Verifier> {
    let secret = match opts.secret() {
        Some(s) => Some(
            jsonwebtoken::DecodingKey::from_secret(s.as_bytes())
                .map_err(|e| anyhow::anyhow!("PARLOR_JWT_SECRET: {e}"))?,
        ),
        None => None,
    };
    let jwks = match &opts.jwt_jwks {
        Some(location) => {
            Some(auth::jwks::Jwks::load(location).await.map_err(|e| anyhow::anyhow!("PARLOR_JWT_JWKS: {e}"))?)
        }
        None => None,
    };
    Ok(auth::jwt::Verifier {
        secret,
        jwks,
        issuer: opts.jwt_issuer.clone(),
        audience: opts.jwt_audience.clone(),
        workspace_claim: opts.jwt_workspace_claim.clone(),
        role_claim: opts.jwt_role_claim.clone(),
    })
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
