//! Presence: agents are online while they hold an authenticated WebSocket or event stream, on any instance.
//!
//! Each live connection of an agent (a JWT) or a contact (a widget token) is a row of `presence_session` with a
//! lease. The transports call [`Presence::connect`] once the connection is accepted and keep the returned
//! [`PresenceGuard`] for as long as it lives; dropping it closes the session. [`Presence::run`] renews this
//! instance's sessions in one `UPDATE` every [`Settings::heartbeat`] and sweeps expired ones (of any instance)
//! every [`Settings::sweep`]. Timings (defaults, `parlor serve --presence-lease/--presence-grace`):
//! - lease [`LEASE`] (30 s), renewed every lease / 3 (10 s): an instance that dies (or loses the database) stops
//!   renewing, and its agents go offline within lease + sweep of its last renewal, settled by another instance;
//! - grace [`GRACE`] (15 s): a closed connection's lease is cut to the grace period, so a reload or a network
//!   blip that reconnects within it does not flip the agent offline and back;
//! - sweep every min(grace, lease) / 3, between 100 ms and 5 s.
//!
//! The decisions (what an agent shows, when an event is written) are in [`service`]; the GraphQL side
//! (`setAvailability`, `agentPresenceChanged`) in [`graphql`].

pub mod graphql;
pub mod payload;
pub mod service;

use crate::auth::{Principal, Viewer};
use crate::events::EventBus;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Default lease of a session: how long it stays live without being renewed.
pub const LEASE: Duration = Duration::from_secs(30);
/// Default grace period after a connection closes before its agent may go offline.
pub const GRACE: Duration = Duration::from_secs(15);
/// The sweeper runs at least this often.
const MAX_SWEEP: Duration = Duration::from_secs(5);
/// And at most this often.
const MIN_SWEEP: Duration = Duration::from_millis(100);

/// Presence timings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub lease: Duration,
    pub grace: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { lease: LEASE, grace: GRACE }
    }
}

impl Settings {
    /// How often an instance renews its sessions: three chances per lease.
    pub fn heartbeat(&self) -> Duration {
        (self.lease / 3).max(MIN_SWEEP)
    }

    /// How often an instance sweeps expired sessions.
    pub fn sweep(&self) -> Duration {
        (self.grace.min(self.lease) / 3).clamp(MIN_SWEEP, MAX_SWEEP)
    }
}

/// Whose session it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Agent { workspace: Uuid, id: Uuid },
    Contact { workspace: Uuid, id: Uuid },
}

impl Who {
    /// Agents (JWTs) and contacts (widget tokens) have presence; API keys, bot keys and Parlor itself do not.
    pub fn of(viewer: &Viewer) -> Option<Who> {
        let workspace = viewer.workspace_id;
        match viewer.principal {
            Principal::Agent(id) => Some(Who::Agent { workspace, id }),
            Principal::Contact(id) => Some(Who::Contact { workspace, id }),
            Principal::ApiKey { .. } | Principal::System => None,
        }
    }

    pub fn workspace(self) -> Uuid {
        match self {
            Who::Agent { workspace, .. } | Who::Contact { workspace, .. } => workspace,
        }
    }
}

/// This instance's presence: its id, its open sessions, what it needs to write and publish.
#[derive(Clone)]
pub struct Presence(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    bus: EventBus,
    instance: Uuid,
    settings: Settings,
    /// Sessions open on this instance (to re-open those a sweeper removed while we could not renew them).
    open: Mutex<HashMap<Uuid, Who>>,
}

/// Held for as long as a connection lives; dropping it closes its session (the agent goes offline after the
/// grace period unless another connection is live).
pub struct PresenceGuard {
    presence: Presence,
    id: Uuid,
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let (presence, id) = (self.presence.clone(), self.id);
        // No runtime (the process is ending): the lease expires and another instance's sweeper settles.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { presence.close(id).await });
        }
    }
}

impl Presence {
    pub fn new(db: DatabaseConnection, bus: EventBus, settings: Settings) -> Self {
        let instance = Uuid::now_v7();
        Presence(Arc::new(Inner { db, bus, instance, settings, open: Mutex::new(HashMap::new()) }))
    }

    fn open_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Who>> {
        self.0.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens a session for an accepted connection of `viewer` (`None` for credentials without presence). A
    /// failed write is logged and retried by the heartbeat: presence never refuses a connection.
    pub async fn connect(&self, viewer: &Viewer) -> Option<PresenceGuard> {
        let who = Who::of(viewer)?;
        let id = Uuid::now_v7();
        self.open_sessions().insert(id, who);
        self.open(id, who).await;
        Some(PresenceGuard { presence: self.clone(), id })
    }

    async fn open(&self, id: Uuid, who: Who) {
        match service::open(&self.0.db, self.0.instance, id, who, self.0.settings.lease).await {
            Ok(events) => self.0.bus.publish(&self.0.db, &events).await,
            Err(e) => tracing::warn!(error = %e.message(), "opening a presence session failed; the heartbeat retries"),
        }
    }

    async fn close(&self, id: Uuid) {
        self.open_sessions().remove(&id);
        if let Err(e) = service::close(&self.0.db, id, self.0.settings.grace).await {
            // The session is no longer renewed: it expires after its lease instead of the grace period.
            tracing::warn!(error = %e.message(), "closing a presence session failed; it will expire");
        }
    }

    /// Renews this instance's sessions and sweeps expired ones, until the process ends.
    pub async fn run(self) {
        let settings = self.0.settings;
        let mut heartbeat = tokio::time::interval(settings.heartbeat());
        let mut sweep = tokio::time::interval(settings.sweep());
        for t in [&mut heartbeat, &mut sweep] {
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                _ = heartbeat.tick() => self.renew().await,
                _ = sweep.tick() => match service::sweep(&self.0.db).await {
                    Ok(events) => self.0.bus.publish(&self.0.db, &events).await,
                    Err(e) => tracing::warn!(error = %e.message(), "sweeping presence sessions failed; retrying"),
                },
            }
        }
    }

    /// One batched renewal; sessions the database lost (swept while this instance could not renew them) are
    /// opened again.
    async fn renew(&self) {
        let expected = self.open_sessions().len() as u64;
        let renewed = match service::heartbeat(&self.0.db, self.0.instance, self.0.settings.lease).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e.message(), "renewing presence sessions failed; retrying");
                return;
            }
        };
        if renewed >= expected {
            return;
        }
        let Ok(held) = service::held(&self.0.db, self.0.instance).await else { return };
        let lost: Vec<(Uuid, Who)> =
            self.open_sessions().iter().filter(|(id, _)| !held.contains(id)).map(|(id, who)| (*id, *who)).collect();
        for (id, who) in lost {
            self.open(id, who).await;
        }
    }
}
