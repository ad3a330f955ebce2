//! What every update shares: lock the row, decide the change from its current state, write the row and its events
//! in one transaction. Callers publish the returned events after the commit; a failed or refused change writes
//! nothing and publishes nothing.

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::{self, Subject};
use crate::events::types::EventType;
use crate::scope::Tenanted;
use entities::event;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, IntoActiveModel, QueryFilter, QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde_json::Value;
use uuid::Uuid;

/// A decided change: the row with its changed fields set, and the events that describe it.
pub struct Change<A> {
    pub row: A,
    pub events: Vec<(EventType, Value)>,
}

impl<A> Change<A> {
    pub fn new(row: A) -> Self {
        Self { row, events: vec![] }
    }

    pub fn event(mut self, event_type: EventType, payload: Value) -> Self {
        self.events.push((event_type, payload));
        self
    }
}

/// The row after the edit, and the stored events to publish.
pub struct Edited<M> {
    pub model: M,
    pub events: Vec<event::Model>,
}

/// Locks one row of the viewer's workspace for the rest of the transaction and returns it. The lock is a write
/// that changes nothing (`SET id = id`): PostgreSQL takes the row lock, SQLite its write lock, so concurrent edits
/// of one row queue up and each decides on the state the previous one left. `None` when there is no such row.
pub async fn lock<E, C>(txn: &C, viewer: &Viewer, id: Uuid) -> Result<Option<E::Model>, DbErr>
where
    E: Tenanted,
    C: ConnectionTrait,
{
    let rows = crate::scope::scoped_update::<E>(viewer)
        .col_expr(E::id_col(), Expr::col(E::id_col()))
        .filter(E::id_col().eq(id))
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Appends `events` about `subject` in the transaction.
pub async fn append_all<C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    subject: Subject,
    events: Vec<(EventType, Value)>,
) -> Result<Vec<event::Model>, DbErr> {
    let mut stored = Vec::with_capacity(events.len());
    for (event_type, payload) in events {
        stored.push(outbox::append(txn, viewer.workspace_id, event_type, subject, payload).await?);
    }
    Ok(stored)
}

/// Edits one row: `decide` sees the locked current row and returns the change, `None` when there is nothing to
/// do (an idempotent repeat), or an error (nothing is written). `what` names the row in `NOT_FOUND`.
pub async fn edit<E, F>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    what: &str,
    subject: fn(&E::Model) -> Subject,
    decide: F,
) -> ApiResult<Edited<E::Model>>
where
    E: Tenanted,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    F: FnOnce(&E::Model) -> ApiResult<Option<Change<E::ActiveModel>>>,
{
    let txn = crate::write::begin(db).await?;
    let result = async {
        let current = lock::<E, _>(&txn, viewer, id).await?.ok_or_else(|| ApiError::NotFound(what.to_owned()))?;
        let Some(change) = decide(&current)? else {
            return Ok((Edited { model: current, events: vec![] }, false));
        };
        let model = if change.row.is_changed() {
            change.row.update(&txn).await.map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::Conflict(format!("{what}: a unique field is already taken (concurrent write)"))
                } else {
                    ApiError::from(e)
                }
            })?
        } else {
            current
        };
        let events = append_all(&txn, viewer, subject(&model), change.events).await?;
        Ok((Edited { model, events }, true))
    }
    .await;
    match result {
        // Nothing to change: end the transaction without a commit.
        Ok((unchanged, false)) => {
            rollback(txn).await;
            Ok(unchanged)
        }
        other => finish(txn, other).await.map(|(edited, _)| edited),
    }
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at once, waiting (busy
/// timeout) behind other writers, instead of a deferred transaction failing with `SQLITE_BUSY` when its first
/// write finds its read snapshot outdated by a concurrent commit. PostgreSQL ignores the mode.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    db.begin_with_options(options).await
}

/// Ends a transaction: commits on success; on failure rolls back *now*, so that the write lock (SQLite) or row
/// locks (PostgreSQL) are released before the error travels on, instead of when the pool next reuses the
/// connection.
pub async fn finish<T, E: From<DbErr>>(txn: DatabaseTransaction, result: Result<T, E>) -> Result<T, E> {
    match result {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            rollback(txn).await;
            Err(e)
        }
    }
}

/// Ends a transaction that wrote nothing to keep (or failed), logging a failed rollback.
pub async fn rollback(txn: DatabaseTransaction) {
    if let Err(e) = txn.rollback().await {
        tracing::warn!(error = %e, "rollback failed");
    }
}

/// `{"from": a, "to": b}` for an event payload.
pub fn from_to(from: impl serde::Serialize, to: impl serde::Serialize) -> Value {
    serde_json::json!({ "from": from, "to": to })
}

/// A stored enum value as its GraphQL name: `in_progress` → `IN_PROGRESS`.
pub fn enum_name(v: impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_uppercase)).unwrap_or_default()
}

/// A required, non-blank text input of at most `max` bytes.
pub fn required_text(field: &str, s: &str, max: usize) -> ApiResult<()> {
    if s.trim().is_empty() {
        return Err(ApiError::bad_input(field, "must not be blank"));
    }
    optional_text(field, s, max)
}

/// A text input of at most `max` bytes, without NUL bytes.
pub fn optional_text(field: &str, s: &str, max: usize) -> ApiResult<()> {
    if s.contains('\0') {
        return Err(ApiError::bad_input(field, "must not contain NUL bytes"));
    }
    if s.len() > max {
        return Err(ApiError::bad_input(field, format!("must be at most {max} bytes")));
    }
    Ok(())
}

/// A JSON object input of at most 64 KiB.
pub fn json_object(field: &str, v: &Value) -> ApiResult<()> {
    if !v.is_object() {
        return Err(ApiError::bad_input(field, "must be a JSON object"));
    }
    if serde_json::to_vec(v).map_or(0, |b| b.len()) > 64 * 1024 {
        return Err(ApiError::bad_input(field, "must be at most 65536 bytes"));
    }
    Ok(())
}

/// Merges `patch` into `target` (RFC 7396 JSON merge patch: a `null` removes the key, objects merge recursively).
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// True when `e` is a unique-constraint violation (a racing insert of the same key).
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// The next per-workspace `number` (conversations, tickets): the highest so far plus one, read in the writer's
/// transaction. Two writers racing for the same number collide on the unique `(workspace_id, number)` index;
/// [`retry_on_unique`] runs the loser again.
pub async fn next_number<E: Tenanted, C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    col: E::Column,
) -> Result<i64, DbErr> {
    #[expect(clippy::disallowed_methods, reason = "numbers are per workspace, whatever rows the writer reaches")]
    let max: Option<i64> = E::find()
        .select_only()
        .column_as(Expr::from(Func::max(Expr::col(col))), "n")
        .filter(E::workspace_col().eq(viewer.workspace_id))
        .into_tuple::<Option<i64>>()
        .one(txn)
        .await?
        .flatten();
    Ok(max.unwrap_or(0) + 1)
}

/// Runs `attempt` again (up to 8 times) while it fails on a unique index, as inserts racing for the next
/// number do; then `CONFLICT` naming `what`.
pub async fn retry_on_unique<T, F, Fut>(what: &str, mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    for _ in 0..8 {
        match attempt().await {
            Err(e) if is_unique_violation(&e) => continue,
            other => return Ok(other?),
        }
    }
    Err(ApiError::Conflict(format!("could not allocate a {what} number under contention; retry")))
}
