//! Verifying API keys and bot keys (`prl_…`, see `schema::api_keys::secret`).
//!
//! Rows are cached per instance for [`TTL`] (found or not), so a request costs no query while a revocation,
//! an expiry or a rotation reaches every instance within seconds. `lastUsedAt` is recorded in memory and written
//! at most once per `--key-use-interval` (a minute by default) per key and instance: no write per request.

use super::cache::TtlCache;
use chrono::{DateTime, Utc};
use entities::api_key;
use schema::api_keys::secret;
use schema::auth::{Principal, Viewer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long a key row is trusted before it is read again: the longest a revoked key keeps working anywhere.
pub const TTL: Duration = Duration::from_secs(5);
const CACHED_KEYS: usize = 10_000;

pub struct KeyStore {
    db: DatabaseConnection,
    rows: TtlCache<String, Option<Arc<api_key::Model>>>,
    /// The same rows by id, for open sockets checking that their key still works.
    by_id: TtlCache<Uuid, Option<Arc<api_key::Model>>>,
    /// Keys used since the last flush, and when.
    used: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

impl KeyStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            rows: TtlCache::new(TTL, CACHED_KEYS),
            by_id: TtlCache::new(TTL, CACHED_KEYS),
            used: Mutex::new(HashMap::new()),
        }
    }

    async fn row(&self, prefix: &str) -> Result<Option<Arc<api_key::Model>>, DbErr> {
        if let Some(row) = self.rows.get(&prefix.to_owned()) {
            return Ok(row);
        }
        let row = api_key::Entity::find().filter(api_key::Column::Prefix.eq(prefix)).one(&self.db).await?.map(Arc::new);
        self.rows.put(prefix.to_owned(), row.clone());
        Ok(row)
    }

    /// The viewer of a key, or why it is refused.
    pub async fn verify(&self, key: &str) -> Result<Result<Viewer, String>, DbErr> {
        let Some(prefix) = secret::prefix_of(key) else { return Ok(Err("malformed API key".into())) };
        let Some(row) = self.row(prefix).await? else { return Ok(Err("unknown API key".into())) };
        if let Err(why) = usable(&row) {
            return Ok(Err(why.into()));
        }
        let now = Utc::now();
        let current = secret::matches(key, &row.secret_hash);
        let previous = !current
            && row.previous_expires_at.is_some_and(|t| t > now)
            && row.previous_secret_hash.as_deref().is_some_and(|h| secret::matches(key, h));
        if !current && !previous {
            return Ok(Err("invalid API key".into()));
        }
        if let Ok(mut used) = self.used.lock() {
            used.insert(row.id, now);
        }
        let expires_at = match (row.expires_at, previous.then_some(row.previous_expires_at).flatten()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Ok(Viewer {
            workspace_id: row.workspace_id,
            principal: Principal::ApiKey { id: row.id, bot: row.bot_id },
            role: row.role,
            scopes: schema::api_keys::scopes_of(&row),
            expires_at,
            budget: row.budget.and_then(|b| u64::try_from(b).ok()),
        }))
    }

    /// Whether the key behind a viewer made earlier still works (for open sockets).
    pub async fn still_valid(&self, id: Uuid) -> Result<Result<(), String>, DbErr> {
        let row = match self.by_id.get(&id) {
            Some(row) => row,
            None => {
                let row = api_key::Entity::find_by_id(id).one(&self.db).await?.map(Arc::new);
                self.by_id.put(id, row.clone());
                row
            }
        };
        Ok(match row {
            Some(row) => usable(&row).map_err(str::to_owned),
            None => Err("the API key was deleted".into()),
        })
    }

    /// Writes `lastUsedAt` of the keys used since the last call.
    pub async fn flush_last_used(&self) {
        let used: Vec<(Uuid, DateTime<Utc>)> = match self.used.lock() {
            Ok(mut u) => u.drain().collect(),
            Err(_) => return,
        };
        for (id, at) in used {
            let write = api_key::Entity::update_many()
                .col_expr(api_key::Column::LastUsedAt, Expr::value(Some(at)))
                .filter(api_key::Column::Id.eq(id))
                .exec(&self.db)
                .await;
            if let Err(e) = write {
                tracing::warn!(error = %e, "recording an API key's last use failed");
            }
        }
    }

    /// Runs [`Self::flush_last_used`] every `every`, for ever.
    pub async fn keep_flushing(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.flush_last_used().await;
        }
    }
}

fn usable(row: &api_key::Model) -> Result<(), &'static str> {
    if row.revoked_at.is_some() {
        return Err("the API key was revoked");
    }
    if row.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err("the API key has expired");
    }
    Ok(())
}
