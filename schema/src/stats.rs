//! Per-request SQL statement counting. The api crate installs [`metric_callback`] on the connection and runs each
//! request inside [`RequestStats::scope`]; DataLoader tasks are spawned inside the same scope (see `loaders`), so
//! every statement a request causes is counted once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static CURRENT: Arc<RequestStats>;
}

#[derive(Debug, Default)]
pub struct RequestStats {
    statements: AtomicU64,
    db_micros: AtomicU64,
}

impl RequestStats {
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn db_micros(&self) -> u64 {
        self.db_micros.load(Ordering::Relaxed)
    }

    /// Runs `fut` with `stats` as the current request's counters.
    pub async fn scope<F: Future>(stats: Arc<RequestStats>, fut: F) -> F::Output {
        CURRENT.scope(stats, fut).await
    }

    /// The current request's counters, if any.
    pub fn current() -> Option<Arc<RequestStats>> {
        CURRENT.try_with(Arc::clone).ok()
    }
}

/// To be passed to `DatabaseConnection::set_metric_callback`.
pub fn metric_callback(info: &sea_orm::metric::Info<'_>) {
    metrics::counter!(crate::metrics::SQL_STATEMENTS).increment(1);
    let _ = CURRENT.try_with(|s| {
        s.statements.fetch_add(1, Ordering::Relaxed);
        s.db_micros.fetch_add(info.elapsed.as_micros() as u64, Ordering::Relaxed);
    });
    tracing::trace!(sql = %info.statement, elapsed_us = info.elapsed.as_micros() as u64, "sql");
}
