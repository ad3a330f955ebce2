//! Relay connections over keyset pages. Use [`PageArgs::window`] to validate `first/after/last/before` (the one
//! place page sizes are checked), [`fetch_page`] for a top-level list, `loaders::ChildPages` for "first N children
//! of each parent" in one windowed query, and [`into_connection`] to build the GraphQL connection.
//!
//! Cursors are opaque (base64url JSON of the sort key's name, its value and the row id) and stable under inserts:
//! a page continues strictly after `(key, id)`, never at an offset.

use crate::error::{ApiError, ApiResult};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Object, OutputType};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// The four Relay arguments, as given.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    /// Rows wanted; one more is fetched to learn whether there is a next page.
    pub size: u64,
    /// `last`/`before`: read in reverse order, then flip.
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageArgs {
    pub fn new(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Self {
        Self { first, after, last, before }
    }

    /// Checks the arguments against the sort in use. Too large or negative sizes and foreign or broken cursors are
    /// `BAD_USER_INPUT`, never silently corrected.
    pub fn window<E: EntityTrait>(&self, sort: &Sort<E>) -> ApiResult<Window> {
        let size = |name: &str, n: i32| -> ApiResult<u64> {
            if n < 0 || n as u64 > MAX_PAGE {
                return Err(ApiError::bad_input(name, format!("must be between 0 and {MAX_PAGE}, got {n}")));
            }
            Ok(n as u64)
        };
        let (size, backward) = match (self.first, self.last) {
            (Some(_), Some(_)) => return Err(ApiError::bad_input("last", "give `first` or `last`, not both")),
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (DEFAULT_PAGE, self.before.is_some() && self.after.is_none()),
        };
        let after = self.after.as_deref().map(|c| Cursor::decode(c, sort.name, sort.kind, "after")).transpose()?;
        let before = self.before.as_deref().map(|c| Cursor::decode(c, sort.name, sort.kind, "before")).transpose()?;
        Ok(Window { size, backward, after, before })
    }
}

/// A sort key value, as stored in cursors.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    Int(i64),
    Text(String),
}

impl KeyValue {
    pub fn time(t: DateTime<Utc>) -> Self {
        KeyValue::Int(t.timestamp_micros())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub sort: String,
    #[serde(rename = "v")]
    pub value: KeyValue,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, sort: &str, kind: KeyKind, field: &str) -> ApiResult<Cursor> {
        let bad = || ApiError::bad_input(field, "invalid cursor: use a cursor returned by this connection");
        if text.len() > 512 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&raw).map_err(|_| bad())?;
        if cursor.sort != sort {
            return Err(ApiError::bad_input(field, "this cursor belongs to another ordering of this list"));
        }
        if !kind.accepts(&cursor.value) {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// Reads a row's sort key and id, for its cursor.
pub type KeyFn<M> = fn(&M) -> (KeyValue, Uuid);

/// How a list is ordered: one column, then the id as a tie-breaker.
pub struct Sort<E: EntityTrait> {
    /// Names the ordering in cursors, so a cursor of one ordering is refused by another.
    pub name: &'static str,
    pub col: E::Column,
    pub id: E::Column,
    pub desc: bool,
    /// What the column holds, so a cursor's value is checked before it is bound.
    pub kind: KeyKind,
    pub key: KeyFn<E::Model>,
}

/// The type of a sort column, as cursor values carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A timestamp; cursor values are microseconds since the epoch.
    Time,
    Int,
    Text,
    /// Text that may be NULL: sorted as `COALESCE(col, '')`, so rows without it come first ascending and keyset
    /// comparisons never meet a NULL (which would drop those rows from every page).
    NullableText,
}

impl KeyKind {
    /// Whether `v` can be bound against a column of this kind. A hand-made cursor with a value of another type
    /// would otherwise reach the database (PostgreSQL refuses to compare text with a timestamp: INTERNAL).
    fn accepts(self, v: &KeyValue) -> bool {
        match (self, v) {
            (KeyKind::Time, KeyValue::Int(n)) => DateTime::<Utc>::from_timestamp_micros(*n).is_some(),
            (KeyKind::Int, KeyValue::Int(_)) => true,
            (KeyKind::Text | KeyKind::NullableText, KeyValue::Text(s)) => !s.contains('\0'),
            _ => false,
        }
    }
}

impl<E: EntityTrait> Sort<E> {
    fn bind(&self, v: &KeyValue) -> sea_orm::Value {
        match v {
            KeyValue::Int(n) if self.kind == KeyKind::Time => {
                DateTime::<Utc>::from_timestamp_micros(*n).unwrap_or_default().into()
            }
            KeyValue::Int(n) => (*n).into(),
            KeyValue::Text(s) => s.clone().into(),
        }
    }

    /// What the list is sorted by: the column, or `COALESCE(col, '')` for [`KeyKind::NullableText`] (the empty text
    /// is written in the SQL, not bound, so that it matches the expression of the index behind the order).
    pub fn key_expr(&self) -> Expr {
        let col = Expr::col(self.col.as_column_ref());
        match self.kind {
            KeyKind::NullableText => Func::coalesce([col, Expr::cust("''")]).into(),
            _ => col,
        }
    }

    /// Rows strictly beyond `c` in the direction `forward` of this sort: `(col, id) > (v, id)` or `<`.
    pub fn beyond(&self, c: &Cursor, forward: bool) -> Expr {
        let left = Expr::tuple([self.key_expr(), Expr::col(self.id.as_column_ref())]);
        let right = Expr::tuple([Expr::val(self.bind(&c.value)), Expr::val(c.id)]);
        if forward != self.desc { left.gt(right) } else { left.lt(right) }
    }

    /// Keyset conditions and ordering for `w`; the select still needs its limit.
    pub fn apply(&self, mut select: Select<E>, w: &Window) -> Select<E> {
        if let Some(c) = &w.after {
            select = select.filter(self.beyond(c, true));
        }
        if let Some(c) = &w.before {
            select = select.filter(self.beyond(c, false));
        }
        let order = self.order(w.backward);
        select.order_by(self.key_expr(), order.clone()).order_by(self.id, order)
    }

    pub fn order(&self, backward: bool) -> Order {
        if self.desc != backward { Order::Desc } else { Order::Asc }
    }

    pub fn cursor(&self, m: &E::Model) -> String {
        let (value, id) = (self.key)(m);
        Cursor { sort: self.name.to_owned(), value, id }.encode()
    }
}

/// One page of rows, in the list's order.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<M>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<M> Page<M> {
    /// Trims the extra row fetched past the page and restores order for backward pages.
    pub fn from_fetched(mut rows: Vec<M>, w: &Window) -> Self {
        let more = rows.len() as u64 > w.size;
        rows.truncate(w.size as usize);
        if w.backward {
            rows.reverse();
            Page { rows, has_previous: more, has_next: w.before.is_some() }
        } else {
            Page { rows, has_previous: w.after.is_some(), has_next: more }
        }
    }
}

/// Reads one page of `select` (already filtered and tenant-scoped).
pub async fn fetch_page<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: &Sort<E>,
    w: &Window,
) -> ApiResult<Page<E::Model>> {
    if w.size == 0 {
        return Ok(Page { rows: vec![], has_previous: false, has_next: false });
    }
    let rows = sort.apply(select, w).limit(w.size + 1).all(db).await?;
    Ok(Page::from_fetched(rows, w))
}

/// Counts rows on demand: only when a client selects `totalCount`.
pub type CountFn = Arc<dyn Fn() -> BoxFuture<'static, ApiResult<u64>> + Send + Sync>;

/// `totalCount` of a top-level list: the same filtered select, counted.
pub fn count_of<E: EntityTrait>(db: &DatabaseConnection, select: Select<E>) -> CountFn
where
    Select<E>: Clone,
    E::Model: Sync,
{
    let db = db.clone();
    Arc::new(move || {
        let (db, select) = (db.clone(), select.clone());
        Box::pin(async move { Ok(select.count(&db).await?) })
    })
}

/// The fields every connection has beside `edges`, `nodes` and `pageInfo`.
pub struct ConnectionFields {
    count: CountFn,
}

#[Object]
impl ConnectionFields {
    /// How many items the whole list holds, across all pages (with the same filter).
    async fn total_count(&self) -> ApiResult<u64> {
        (self.count)().await
    }
}

pub type Conn<N> = Connection<String, N, ConnectionFields>;

/// Builds a connection from a page; `wrap` turns a row into its GraphQL type.
pub fn into_connection<E, N>(page: Page<E::Model>, sort: &Sort<E>, count: CountFn, wrap: fn(E::Model) -> N) -> Conn<N>
where
    E: EntityTrait,
    N: OutputType,
{
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, ConnectionFields { count });
    conn.edges.extend(page.rows.into_iter().map(|m| Edge::new(sort.cursor(&m), wrap(m))));
    conn
}
