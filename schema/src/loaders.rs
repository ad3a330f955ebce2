//! DataLoaders, built per request with the viewer inside (so the cache never crosses tenants), their batches run
//! inside the request's task (see `tasks`).
//!
//! - [`ById`]: any tenant row by id (`WHERE id IN (…)`).
//! - [`ChildPages`]: "first N children of each of these parents" in one windowed query (`ROW_NUMBER() OVER
//!   (PARTITION BY parent …)`), so rows read stay bounded by the page; keyed by parent *and* query shape.
//! - [`ChildCounts`]: `totalCount` of those child lists, one `GROUP BY` query, only when selected.
//! - [`LabelsOf`]: labels of conversations, contacts or tickets through their join tables.

use crate::context::Viewer;
use crate::error::ApiError;
use crate::pagination::{Page, Sort, Window};
use crate::scope::{Tenanted, scoped};
use crate::tasks::{LoaderTimer, QueueSpawner, TaskQueue};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entities::label;
use futures::future::{BoxFuture, FutureExt, Shared};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock, Weak};
use uuid::Uuid;

type Batch<M> = Shared<BoxFuture<'static, Result<Arc<HashMap<Uuid, Arc<M>>>, ApiError>>>;

/// Any row of `E` in the viewer's workspace, by id.
///
/// DataLoader does not know about keys whose batch is still running: asked again (by a prefetch, or by a field
/// resolved while the first batch is in flight) it would query them again. `in_flight` lets a key wait for the
/// batch already fetching it, so each row is read once per request whatever the timing.
pub struct ById<E: Tenanted> {
    db: DatabaseConnection,
    viewer: Viewer,
    in_flight: std::sync::Mutex<HashMap<Uuid, Batch<E::Model>>>,
}

impl<E: Tenanted> Loader<Uuid> for ById<E>
where
    E::Model: Send + Sync,
{
    type Value = Arc<E::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut batches: Vec<Batch<E::Model>> = vec![];
        {
            let mut in_flight = self.in_flight.lock().map_err(|_| ApiError::Internal)?;
            let new: Vec<Uuid> = keys.iter().copied().filter(|k| !in_flight.contains_key(k)).collect();
            for k in keys {
                if let Some(b) = in_flight.get(k)
                    && !batches.iter().any(|x| x.ptr_eq(b))
                {
                    batches.push(b.clone());
                }
            }
            if !new.is_empty() {
                let query = scoped::<E>(&self.viewer).filter(E::id_col().is_in(new.iter().copied()));
                let db = self.db.clone();
                let batch: Batch<E::Model> = async move {
                    let rows = query.all(&db).await?;
                    Ok(Arc::new(rows.into_iter().map(|m| (E::model_id(&m), Arc::new(m))).collect()))
                }
                .boxed()
                .shared();
                for k in new {
                    in_flight.insert(k, batch.clone());
                }
                batches.push(batch);
            }
        }
        let mut out = HashMap::with_capacity(keys.len());
        for batch in batches {
            let found = batch.await?;
            out.extend(keys.iter().filter_map(|k| found.get(k).map(|m| (*k, m.clone()))));
        }
        Ok(out)
    }
}

/// The shape of a child list query: filter, sort and page. Parents asking the same shape share one statement.
pub struct ChildQuery<E: EntityTrait> {
    /// Canonical text of the shape (arguments as given), for equality and hashing.
    pub key: String,
    pub cond: Condition,
    pub sort: Sort<E>,
    pub window: Window,
    /// Load the relations the selection asks for (message senders) for the whole batch at once.
    pub prefetch: bool,
}

/// A child list of one parent.
pub struct ChildKey<E: EntityTrait> {
    pub parent: Uuid,
    pub query: Arc<ChildQuery<E>>,
}

impl<E: EntityTrait> Clone for ChildKey<E> {
    fn clone(&self) -> Self {
        Self { parent: self.parent, query: self.query.clone() }
    }
}
impl<E: EntityTrait> PartialEq for ChildKey<E> {
    fn eq(&self, o: &Self) -> bool {
        self.parent == o.parent && self.query.key == o.query.key
    }
}
impl<E: EntityTrait> Eq for ChildKey<E> {}
impl<E: EntityTrait> Hash for ChildKey<E> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.parent.hash(h);
        self.query.key.hash(h);
    }
}

/// A parent→children relation: the child's foreign key column and how to read it from a row.
pub struct Relation<E: EntityTrait> {
    pub parent_col: E::Column,
    pub parent_of: fn(&E::Model) -> Option<Uuid>,
}

impl<E: EntityTrait> Clone for Relation<E> {
    fn clone(&self) -> Self {
        Self { parent_col: self.parent_col, parent_of: self.parent_of }
    }
}

/// Group `keys` by their query shape.
fn by_shape<E: EntityTrait>(keys: &[ChildKey<E>]) -> HashMap<&str, (Arc<ChildQuery<E>>, Vec<Uuid>)> {
    let mut groups: HashMap<&str, (Arc<ChildQuery<E>>, Vec<Uuid>)> = HashMap::new();
    for k in keys {
        groups.entry(k.query.key.as_str()).or_insert_with(|| (k.query.clone(), vec![])).1.push(k.parent);
    }
    groups
}

/// Primes other loaders with the relations of a batch of rows, so that per-row loads hit the cache.
pub type Prefetch<E> = fn(Arc<Loaders>, &[<E as EntityTrait>::Model]) -> BoxFuture<'static, ()>;

pub struct ChildPages<E: Tenanted> {
    db: DatabaseConnection,
    viewer: Viewer,
    rel: Relation<E>,
    loaders: Weak<Loaders>,
    prefetch: Option<Prefetch<E>>,
}

impl<E: Tenanted> Loader<ChildKey<E>> for ChildPages<E>
where
    E::Model: Send + Sync + Clone + FromQueryResult,
{
    type Value = Arc<Page<E::Model>>;
    type Error = ApiError;

    async fn load(&self, keys: &[ChildKey<E>]) -> Result<HashMap<ChildKey<E>, Self::Value>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (_, (q, parents)) in by_shape(keys) {
            let w = &q.window;
            let mut rows_of: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
            if w.size > 0 {
                let mut select = scoped::<E>(&self.viewer)
                    .filter(self.rel.parent_col.is_in(parents.iter().copied()))
                    .filter(q.cond.clone());
                for (c, forward) in [(&w.after, true), (&w.before, false)] {
                    if let Some(c) = c {
                        select = select.filter(q.sort.beyond(c, forward));
                    }
                }
                let order = q.sort.order(w.backward);
                let mut inner = select.into_query();
                inner.expr_window_as(
                    Func::cust(Alias::new("ROW_NUMBER")),
                    WindowStatement::partition_by(self.rel.parent_col)
                        .order_by_expr(q.sort.key_expr(), order.clone())
                        .order_by(q.sort.id, order)
                        .take(),
                    Alias::new("rn"),
                );
                let outer = Query::select()
                    .column(Asterisk)
                    .from_subquery(inner, Alias::new("page"))
                    .and_where(Expr::col(Alias::new("rn")).lte(w.size as i64 + 1))
                    .order_by(Alias::new("rn"), Order::Asc)
                    .take();
                let stmt = self.db.get_database_backend().build(&outer);
                #[expect(clippy::disallowed_methods, reason = "the statement is built on scoped() above")]
                let rows = E::find().from_raw_sql(stmt).all(&self.db).await?;
                // One load_many per related kind for every parent's rows: batches that do not depend on how
                // long the per-row resolvers take to enqueue their keys.
                if let (true, Some(prefetch), Some(loaders)) = (q.prefetch, self.prefetch, self.loaders.upgrade()) {
                    prefetch(loaders, &rows).await;
                }
                for m in rows {
                    if let Some(p) = (self.rel.parent_of)(&m) {
                        rows_of.entry(p).or_default().push(m);
                    }
                }
            }
            for parent in parents {
                let rows = rows_of.remove(&parent).unwrap_or_default();
                out.insert(ChildKey { parent, query: q.clone() }, Arc::new(Page::from_fetched(rows, w)));
            }
        }
        Ok(out)
    }
}

pub struct ChildCounts<E: Tenanted> {
    db: DatabaseConnection,
    viewer: Viewer,
    rel: Relation<E>,
}

impl<E: Tenanted> Loader<ChildKey<E>> for ChildCounts<E>
where
    E::Model: Send + Sync,
{
    type Value = u64;
    type Error = ApiError;

    async fn load(&self, keys: &[ChildKey<E>]) -> Result<HashMap<ChildKey<E>, u64>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (_, (q, parents)) in by_shape(keys) {
            let counts: HashMap<Uuid, i64> = scoped::<E>(&self.viewer)
                .select_only()
                .column(self.rel.parent_col)
                .column_as(Expr::cust("COUNT(*)"), "n")
                .filter(self.rel.parent_col.is_in(parents.iter().copied()))
                .filter(q.cond.clone())
                .group_by(self.rel.parent_col)
                .into_tuple::<(Uuid, i64)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect();
            for parent in parents {
                let n = u64::try_from(counts.get(&parent).copied().unwrap_or(0)).unwrap_or(0);
                out.insert(ChildKey { parent, query: q.clone() }, n);
            }
        }
        Ok(out)
    }
}

/// Which join table links labels to their owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelJoin {
    Conversation,
    Contact,
    Ticket,
}

impl LabelJoin {
    pub fn table(self) -> &'static str {
        match self {
            LabelJoin::Conversation => "conversation_label",
            LabelJoin::Contact => "contact_label",
            LabelJoin::Ticket => "ticket_label",
        }
    }

    pub fn owner_col(self) -> &'static str {
        match self {
            LabelJoin::Conversation => "conversation_id",
            LabelJoin::Contact => "contact_id",
            LabelJoin::Ticket => "ticket_id",
        }
    }
}

pub struct LabelsOf {
    db: DatabaseConnection,
    viewer: Viewer,
}

#[derive(FromQueryResult)]
struct LabelRow {
    owner: Uuid,
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    color: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl Loader<(LabelJoin, Uuid)> for LabelsOf {
    type Value = Arc<Vec<label::Model>>;
    type Error = ApiError;

    async fn load(&self, keys: &[(LabelJoin, Uuid)]) -> Result<HashMap<(LabelJoin, Uuid), Self::Value>, ApiError> {
        let mut out: HashMap<(LabelJoin, Uuid), Vec<label::Model>> = keys.iter().map(|k| (*k, vec![])).collect();
        for join in [LabelJoin::Conversation, LabelJoin::Contact, LabelJoin::Ticket] {
            let owners: Vec<Uuid> = keys.iter().filter(|k| k.0 == join).map(|k| k.1).collect();
            if owners.is_empty() {
                continue;
            }
            let j = Alias::new(join.table());
            let owner = Expr::col((j.clone(), Alias::new(join.owner_col())));
            let query = Query::select()
                .expr_as(owner.clone(), Alias::new("owner"))
                .column((label::Entity, Asterisk))
                .from(label::Entity)
                .inner_join(
                    j.clone(),
                    Expr::col((j, Alias::new("label_id"))).equals((label::Entity, label::Column::Id)),
                )
                .and_where(owner.is_in(owners))
                .and_where(Expr::col((label::Entity, label::Column::WorkspaceId)).eq(self.viewer.workspace_id))
                .order_by((label::Entity, label::Column::Name), Order::Asc)
                .take();
            let stmt = self.db.get_database_backend().build(&query);
            for r in LabelRow::find_by_statement(stmt).all(&self.db).await? {
                let m = label::Model {
                    id: r.id,
                    workspace_id: r.workspace_id,
                    name: r.name,
                    color: r.color,
                    created_at: r.created_at,
                };
                out.entry((join, r.owner)).or_default().push(m);
            }
        }
        Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

/// Declares the per-request loader set; each loader is built on first use.
macro_rules! loader_set {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = |$db:ident, $viewer:ident, $me:ident| $make:expr ;)+) => {
        pub struct Loaders {
            db: DatabaseConnection,
            viewer: Viewer,
            tasks: Arc<TaskQueue>,
            me: Weak<Loaders>,
            $( $field: OnceLock<DataLoader<$ty, HashMapCache>>, )+
        }

        impl Loaders {
            $(
                $(#[$doc])*
                pub fn $field(&self) -> &DataLoader<$ty, HashMapCache> {
                    self.$field.get_or_init(|| {
                        let ($db, $viewer, $me) = (self.db.clone(), self.viewer.clone(), self.me.clone());
                        let tasks = self.tasks.clone();
                        // Loaders live for one request, so caching is safe and makes prefetching useful. No delay:
                        // batches start when the execution is idle (see `tasks`), with every key it could reach.
                        let caching = !tasks.is_detached();
                        let loader = DataLoader::with_cache($make, QueueSpawner(tasks), LoaderTimer, HashMapCache::default())
                            .delay(std::time::Duration::ZERO);
                        // Detached loaders serve a WebSocket connection for its whole life: a cache there would
                        // grow without bound and answer later events with stale rows.
                        loader.enable_all_cache(caching);
                        loader
                    })
                }
            )+
        }

        impl Loaders {
            /// Batches run on `tasks`, which the caller must drive next to the execution (see `tasks`).
            pub fn new(db: DatabaseConnection, viewer: Viewer, tasks: Arc<TaskQueue>) -> Arc<Self> {
                Arc::new_cyclic(|me| Self { db, viewer, tasks, me: me.clone(), $( $field: OnceLock::new(), )+ })
            }
        }
    };
}

fn by_id<E: Tenanted>(db: DatabaseConnection, viewer: Viewer) -> ById<E> {
    ById { db, viewer, in_flight: Default::default() }
}

use entities::{agent, bot, contact, conversation, message, ticket};

/// Loads the senders of a batch of messages: one statement per sender kind.
fn prefetch_senders(l: Arc<Loaders>, rows: &[message::Model]) -> BoxFuture<'static, ()> {
    use entities::enums::SenderKind;
    let (mut contacts, mut bots, mut agents) = (vec![], vec![], vec![]);
    for m in rows {
        match (m.sender_kind, m.sender_id) {
            (SenderKind::Contact, Some(id)) => contacts.push(id),
            (SenderKind::Bot, Some(id)) => bots.push(id),
            (SenderKind::Agent, Some(id)) => agents.push(id),
            _ => {}
        }
    }
    Box::pin(async move {
        // Errors surface again, with their path, when the sender fields load.
        let _ = futures::join!(l.contact().load_many(contacts), l.bot().load_many(bots), l.agent().load_many(agents));
    })
}

fn msg_rel() -> Relation<message::Entity> {
    Relation { parent_col: message::Column::ConversationId, parent_of: |m| Some(m.conversation_id) }
}
fn conv_by_contact() -> Relation<conversation::Entity> {
    Relation { parent_col: conversation::Column::ContactId, parent_of: |m| Some(m.contact_id) }
}
fn conv_by_bot() -> Relation<conversation::Entity> {
    Relation { parent_col: conversation::Column::BotId, parent_of: |m| m.bot_id }
}
fn ticket_by_contact() -> Relation<ticket::Entity> {
    Relation { parent_col: ticket::Column::ContactId, parent_of: |m| Some(m.contact_id) }
}
fn ticket_by_conv() -> Relation<ticket::Entity> {
    Relation { parent_col: ticket::Column::ConversationId, parent_of: |m| m.conversation_id }
}

loader_set! {
    agent: ById<agent::Entity> = |db, viewer, _me| by_id(db, viewer);
    bot: ById<bot::Entity> = |db, viewer, _me| by_id(db, viewer);
    contact: ById<contact::Entity> = |db, viewer, _me| by_id(db, viewer);
    conversation: ById<conversation::Entity> = |db, viewer, _me| by_id(db, viewer);
    message: ById<message::Entity> = |db, viewer, _me| by_id(db, viewer);
    ticket: ById<ticket::Entity> = |db, viewer, _me| by_id(db, viewer);
    label: ById<label::Entity> = |db, viewer, _me| by_id(db, viewer);
    api_key: ById<entities::api_key::Entity> = |db, viewer, _me| by_id(db, viewer);
    webhook_endpoint: ById<entities::webhook_endpoint::Entity> = |db, viewer, _me| by_id(db, viewer);
    webhook_delivery: ById<entities::webhook_delivery::Entity> = |db, viewer, _me| by_id(db, viewer);
    inbox: ById<entities::inbox::Entity> = |db, viewer, _me| by_id(db, viewer);
    labels_of: LabelsOf = |db, viewer, _me| LabelsOf { db, viewer };
    messages_of_conversation: ChildPages<message::Entity> = |db, viewer, me| ChildPages {
        db, viewer, rel: msg_rel(), loaders: me, prefetch: Some(prefetch_senders),
    };
    message_counts: ChildCounts<message::Entity> = |db, viewer, _me| ChildCounts { db, viewer, rel: msg_rel() };
    conversations_of_contact: ChildPages<conversation::Entity> =
        |db, viewer, _me| ChildPages { db, viewer, rel: conv_by_contact(), loaders: _me, prefetch: None };
    conversation_counts_of_contact: ChildCounts<conversation::Entity> =
        |db, viewer, _me| ChildCounts { db, viewer, rel: conv_by_contact() };
    conversations_of_bot: ChildPages<conversation::Entity> = |db, viewer, _me| ChildPages { db, viewer, rel: conv_by_bot(), loaders: _me, prefetch: None };
    conversation_counts_of_bot: ChildCounts<conversation::Entity> =
        |db, viewer, _me| ChildCounts { db, viewer, rel: conv_by_bot() };
    tickets_of_contact: ChildPages<ticket::Entity> = |db, viewer, _me| ChildPages { db, viewer, rel: ticket_by_contact(), loaders: _me, prefetch: None };
    ticket_counts_of_contact: ChildCounts<ticket::Entity> =
        |db, viewer, _me| ChildCounts { db, viewer, rel: ticket_by_contact() };
    tickets_of_conversation: ChildPages<ticket::Entity> = |db, viewer, _me| ChildPages { db, viewer, rel: ticket_by_conv(), loaders: _me, prefetch: None };
    ticket_counts_of_conversation: ChildCounts<ticket::Entity> =
        |db, viewer, _me| ChildCounts { db, viewer, rel: ticket_by_conv() };
}
