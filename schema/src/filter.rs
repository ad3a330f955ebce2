//! Typed filter inputs shared by every list: `IdFilter`, `StringFilter`, `TimeFilter`, `IntFilter`,
//! `EnumFilter<T>`, each turning into a `sea_query::Condition`, and [`FilterInput`], which gives each entity's
//! filter its recursive `and`/`or`/`not` with bounded nesting.
//!
//! Text matching is served by indexes: `startsWith` is a range on `lower(col)` (btree), `contains` uses trigram
//! indexes (pg_trgm on PostgreSQL, FTS5 trigram tables on SQLite, see the search migration).

mod attributes;

pub use attributes::{AttributeFilter, attributes_condition};

use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use async_graphql::{ID, InputObject, InputType};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, DbBackend};

/// Most `in` values, nested filters and filter depth one list query may use.
pub const MAX_IN: usize = 100;
pub const MAX_DEPTH: usize = 4;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_TEXT: usize = 256;

/// What building a condition needs to know beyond the input.
pub struct FilterCtx {
    pub backend: DbBackend,
    conditions: std::cell::Cell<usize>,
}

impl FilterCtx {
    pub fn new(backend: DbBackend) -> Self {
        Self { backend, conditions: Default::default() }
    }

    fn count(&self, field: &str) -> ApiResult<()> {
        let n = self.conditions.get() + 1;
        self.conditions.set(n);
        if n > MAX_CONDITIONS {
            return Err(ApiError::bad_input(field, format!("a filter may hold at most {MAX_CONDITIONS} conditions")));
        }
        Ok(())
    }
}

/// Refuses text that no column should hold or search for: NUL bytes and oversize strings.
pub fn check_text(field: &str, s: &str) -> ApiResult<()> {
    crate::write::optional_text(field, s, MAX_TEXT)
}

fn check_in<T>(field: &str, values: &[T]) -> ApiResult<()> {
    if values.len() > MAX_IN {
        return Err(ApiError::bad_input(field, format!("`in` takes at most {MAX_IN} values")));
    }
    Ok(())
}

/// Matches global ids of one kind.
#[derive(InputObject, Default, Clone, Debug)]
pub struct IdFilter {
    /// Equal to this id.
    pub eq: Option<ID>,
    /// Any of these ids (at most 100).
    #[graphql(name = "in")]
    pub any: Option<Vec<ID>>,
    /// `true`: only where there is none; `false`: only where there is one.
    pub is_null: Option<bool>,
}

impl IdFilter {
    pub fn condition(&self, col: impl ColumnTrait, kind: Kind, field: &str) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = &self.eq {
            c = c.add(col.eq(id::decode(kind, v, field)?));
        }
        if let Some(vs) = &self.any {
            check_in(field, vs)?;
            let ids = vs.iter().map(|v| id::decode(kind, v, field)).collect::<ApiResult<Vec<_>>>()?;
            c = c.add(col.is_in(ids));
        }
        match self.is_null {
            Some(true) => c = c.add(col.is_null()),
            Some(false) => c = c.add(col.is_not_null()),
            None => {}
        }
        Ok(c)
    }
}

/// Matches text. `eq`/`in` are exact; `startsWith` and `contains` ignore case.
#[derive(InputObject, Default, Clone, Debug)]
pub struct StringFilter {
    /// Exactly this text.
    pub eq: Option<String>,
    /// Exactly one of these texts (at most 100).
    #[graphql(name = "in")]
    pub any: Option<Vec<String>>,
    /// Starts with this text, ignoring case.
    pub starts_with: Option<String>,
    /// Contains this text, ignoring case.
    pub contains: Option<String>,
    /// `true`: only where there is none; `false`: only where there is one.
    pub is_null: Option<bool>,
}

impl StringFilter {
    pub fn condition<C: ColumnTrait>(&self, col: C, table: &str, field: &str, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = &self.eq {
            check_text(field, v)?;
            c = c.add(col.eq(v.as_str()));
        }
        if let Some(vs) = &self.any {
            check_in(field, vs)?;
            for v in vs {
                check_text(field, v)?;
            }
            c = c.add(col.is_in(vs.iter().map(String::as_str)));
        }
        if let Some(v) = &self.starts_with {
            check_text(field, v)?;
            c = c.add(starts_with(col, v));
        }
        if let Some(v) = &self.contains {
            check_text(field, v)?;
            c = c.add(contains(fx.backend, table, col, v));
        }
        match self.is_null {
            Some(true) => c = c.add(col.is_null()),
            Some(false) => c = c.add(col.is_not_null()),
            None => {}
        }
        Ok(c)
    }
}

/// `lower(col) >= p AND lower(col) < p'`, where p' is p with its last character incremented: a btree range on
/// the `lower(col)` index, with no LIKE pattern to escape.
pub fn starts_with<C: ColumnTrait>(col: C, prefix: &str) -> Condition {
    let p = prefix.to_lowercase();
    let lower = || Expr::expr(Func::lower(Expr::col(col.as_column_ref())));
    let mut c = Condition::all().add(lower().gte(p.as_str()));
    if let Some(last) = p.chars().last() {
        let next = char::from_u32(last as u32 + 1).unwrap_or(char::MAX);
        let upper = format!("{}{}", &p[..p.len() - last.len_utf8()], next);
        c = c.add(lower().lt(upper));
    }
    c
}

/// Case-insensitive substring match, served by a trigram index on both backends.
pub fn contains<C: ColumnTrait>(backend: DbBackend, table: &str, col: C, needle: &str) -> Expr {
    let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    match backend {
        DbBackend::Sqlite if needle.chars().count() >= 3 => {
            // FTS5 trigram: a quoted phrase matches any substring of three characters or more.
            let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
            let fts = Alias::new(format!("{table}_fts"));
            let sub = Query::select()
                .column(Alias::new("rowid"))
                .from(fts)
                .and_where(Expr::cust_with_values(format!("\"{}\" MATCH ?", col.as_str()), [phrase]))
                .take();
            Expr::col((Alias::new(table), Alias::new("rowid"))).in_subquery(sub)
        }
        DbBackend::Postgres => {
            Expr::cust_with_exprs("$1 ILIKE $2 ESCAPE '\\'", [Expr::col(col.as_column_ref()), Expr::val(pattern)])
        }
        _ => Expr::cust_with_exprs(
            // sea-query's custom-expression placeholders follow the backend: `?` here, `$N` on PostgreSQL.
            "lower(?) LIKE lower(?) ESCAPE '\\'",
            [Expr::col(col.as_column_ref()), Expr::val(pattern)],
        ),
    }
}

/// Matches a point in time.
#[derive(InputObject, Default, Clone, Debug)]
pub struct TimeFilter {
    /// At exactly this time.
    pub eq: Option<DateTime<Utc>>,
    /// Later than this time.
    pub gt: Option<DateTime<Utc>>,
    /// At or later than this time.
    pub gte: Option<DateTime<Utc>>,
    /// Earlier than this time.
    pub lt: Option<DateTime<Utc>>,
    /// At or earlier than this time.
    pub lte: Option<DateTime<Utc>>,
    /// `true`: only where there is none; `false`: only where there is one.
    pub is_null: Option<bool>,
}

impl TimeFilter {
    pub fn condition(&self, col: impl ColumnTrait) -> Condition {
        let mut c = Condition::all();
        for (v, f) in [(self.eq, 0), (self.gt, 1), (self.gte, 2), (self.lt, 3), (self.lte, 4)] {
            if let Some(v) = v {
                c = c.add(match f {
                    0 => col.eq(v),
                    1 => col.gt(v),
                    2 => col.gte(v),
                    3 => col.lt(v),
                    _ => col.lte(v),
                });
            }
        }
        match self.is_null {
            Some(true) => c.add(col.is_null()),
            Some(false) => c.add(col.is_not_null()),
            None => c,
        }
    }
}

/// Matches a whole number.
#[derive(InputObject, Default, Clone, Debug)]
pub struct IntFilter {
    /// Equal to this number.
    pub eq: Option<i64>,
    /// Any of these numbers (at most 100).
    #[graphql(name = "in")]
    pub any: Option<Vec<i64>>,
    /// Greater than this number.
    pub gt: Option<i64>,
    /// Greater than or equal to this number.
    pub gte: Option<i64>,
    /// Less than this number.
    pub lt: Option<i64>,
    /// Less than or equal to this number.
    pub lte: Option<i64>,
}

impl IntFilter {
    pub fn condition(&self, col: impl ColumnTrait, field: &str) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(vs) = &self.any {
            check_in(field, vs)?;
            c = c.add(col.is_in(vs.iter().copied()));
        }
        for (v, f) in [(self.eq, 0), (self.gt, 1), (self.gte, 2), (self.lt, 3), (self.lte, 4)] {
            if let Some(v) = v {
                c = c.add(match f {
                    0 => col.eq(v),
                    1 => col.gt(v),
                    2 => col.gte(v),
                    3 => col.lt(v),
                    _ => col.lte(v),
                });
            }
        }
        Ok(c)
    }
}

/// Matches one of an enum's values.
#[derive(InputObject, Clone, Debug)]
#[graphql(concrete(name = "ChannelFilter", params(crate::enums::Channel)))]
#[graphql(concrete(name = "ConversationStatusFilter", params(crate::enums::ConversationStatus)))]
#[graphql(concrete(name = "PriorityFilter", params(crate::enums::Priority)))]
#[graphql(concrete(name = "HandledByFilter", params(crate::enums::HandledBy)))]
#[graphql(concrete(name = "SenderKindFilter", params(crate::enums::SenderKind)))]
#[graphql(concrete(name = "MessageKindFilter", params(crate::enums::MessageKind)))]
#[graphql(concrete(name = "MessageStatusFilter", params(crate::enums::MessageStatus)))]
#[graphql(concrete(name = "TicketStatusFilter", params(crate::enums::TicketStatus)))]
#[graphql(concrete(name = "BotStatusFilter", params(crate::enums::BotStatus)))]
#[graphql(concrete(name = "RoleFilter", params(crate::enums::Role)))]
pub struct EnumFilter<T: InputType + Copy> {
    /// Equal to this value.
    pub eq: Option<T>,
    /// Any of these values.
    #[graphql(name = "in")]
    pub any: Option<Vec<T>>,
    /// None of these values.
    pub not_in: Option<Vec<T>>,
}

impl<T: InputType + Copy + Into<sea_orm::Value>> EnumFilter<T> {
    pub fn condition(&self, col: impl ColumnTrait, field: &str) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = self.eq {
            c = c.add(col.eq(v));
        }
        if let Some(vs) = &self.any {
            check_in(field, vs)?;
            c = c.add(col.is_in(vs.iter().copied()));
        }
        if let Some(vs) = &self.not_in {
            check_in(field, vs)?;
            c = c.add(col.is_not_in(vs.iter().copied()));
        }
        Ok(c)
    }
}

/// An entity's filter: its own fields, plus `and`/`or`/`not` of itself.
pub trait FilterInput: Sized {
    /// The conditions of this level's own fields, all of which must hold.
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition>;
    fn and(&self) -> &[Self];
    fn or(&self) -> &[Self];
    fn not(&self) -> Option<&Self>;

    /// The whole condition, with nesting and size bounded.
    fn build(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        self.build_at(fx, 1)
    }

    fn build_at(&self, fx: &FilterCtx, depth: usize) -> ApiResult<Condition> {
        if depth > MAX_DEPTH {
            return Err(ApiError::bad_input("filter", format!("and/or/not may nest at most {MAX_DEPTH} levels")));
        }
        fx.count("filter")?;
        let mut c = self.own(fx)?;
        for f in self.and() {
            c = c.add(f.build_at(fx, depth + 1)?);
        }
        if !self.or().is_empty() {
            let mut any = Condition::any();
            for f in self.or() {
                any = any.add(f.build_at(fx, depth + 1)?);
            }
            c = c.add(any);
        }
        if let Some(f) = self.not() {
            c = c.add(f.build_at(fx, depth + 1)?.not());
        }
        Ok(c)
    }
}

/// Implements the `and`/`or`/`not` accessors of [`FilterInput`] for a filter with those three fields.
#[macro_export]
macro_rules! filter_combinators {
    () => {
        fn and(&self) -> &[Self] {
            self.and.as_deref().unwrap_or_default()
        }
        fn or(&self) -> &[Self] {
            self.or.as_deref().unwrap_or_default()
        }
        fn not(&self) -> Option<&Self> {
            self.not.as_deref()
        }
    };
}

/// A condition that the row carries at least one of `labels` in `join_table` (`owner_col` names its parent).
pub fn has_label(
    owner: impl ColumnTrait,
    join_table: &str,
    owner_col: &str,
    filter: &IdFilter,
    field: &str,
) -> ApiResult<Condition> {
    let label_col = Expr::col((Alias::new(join_table), Alias::new("label_id")));
    let mut sub = Query::select().column(Alias::new(owner_col)).from(Alias::new(join_table)).take();
    if let Some(v) = &filter.eq {
        sub.and_where(label_col.clone().eq(id::decode(Kind::Label, v, field)?));
    }
    if let Some(vs) = &filter.any {
        check_in(field, vs)?;
        let ids = vs.iter().map(|v| id::decode(Kind::Label, v, field)).collect::<ApiResult<Vec<_>>>()?;
        sub.and_where(label_col.is_in(ids));
    }
    Ok(match filter.is_null {
        // "no labels at all"
        Some(true) => Condition::all().add(owner.not_in_subquery(sub)),
        _ => Condition::all().add(owner.in_subquery(sub)),
    })
}
