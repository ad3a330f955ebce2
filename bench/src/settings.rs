//! The resolved run settings (command line plus the `--quick` defaults), recorded in every result file.

use crate::scenarios::ScenarioId;
use serde::{Serialize, Serializer};
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub scale: u32,
    pub quick: bool,
    /// Load per HTTP run (each read scenario, each sendMessage concurrency).
    #[serde(rename = "duration_s", serialize_with = "seconds")]
    pub duration: Duration,
    /// wrk connections for the read scenarios.
    pub connections: u32,
    pub wrk_threads: u32,
    pub send_clients: Vec<u32>,
    pub subscribers: Vec<usize>,
    /// Messages per second during fan-out.
    pub fanout_rate: f64,
    #[serde(rename = "fanout_duration_s", serialize_with = "seconds")]
    pub fanout_duration: Duration,
    /// How fan-out subscribers connect.
    pub fanout_transport: crate::scenarios::feed::Transport,
    pub workspace: String,
    pub scenarios: Vec<ScenarioId>,
    /// The server's `--db-pool` (None: its default).
    pub db_pool: Option<u32>,
    /// `parlor serve --rate-limit`.
    pub rate_limit: String,
    pub server_log_filter: String,
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
