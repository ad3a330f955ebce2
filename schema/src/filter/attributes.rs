//! `AttributeFilter`: segments on the custom `attributes` JSON object of contacts and conversations (Chatwoot's
//! custom-attribute filters, Intercom's search), typed by the value given: numbers compare as numbers, text ignores
//! case, RFC 3339 text compares as time in `gt`/`gte`/`lt`/`lte`.
//!
//! Keys and values are always bound parameters. Every condition is two-valued (never SQL NULL), so `not` of a
//! condition also matches rows that lack the key. PostgreSQL (`attributes` is `jsonb`, GIN-indexed, see migration
//! 7) serves `exists` and equality/membership of numbers and booleans with `?` / `@>` from the index; text equality
//! ignores case, which no GIN operator does, so it is a filter on the rows the other conditions leave (measured in
//! BENCHMARKS.md). SQLite uses `json_type`/`json_extract` on the rows of the workspace.

use super::{MAX_IN, check_text};
use crate::error::{ApiError, ApiResult};
use async_graphql::{InputObject, Json};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, DbBackend};
use serde_json::Value;

/// Most attribute conditions one filter level may hold.
pub const MAX_ATTRIBUTE_FILTERS: usize = 20;
const MAX_KEY: usize = 64;
const FIELD: &str = "attributes";

/// One condition on a custom attribute. Values are `JSON` scalars so that one input serves every attribute type:
/// the type of the value given picks the comparison. All operators given must hold.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeFilter {
    /// The attribute's key: 1–64 characters of `A-Z a-z 0-9 _ - .`; a dot reaches into a nested object
    /// (`address.city`).
    pub key: String,
    /// Equal to this value: text ignoring case, numbers as numbers (`5` equals `5.0`), booleans exactly. Only an
    /// attribute of the same type matches (the text `"5"` does not equal the number `5`).
    pub eq: Option<Json<Value>>,
    /// Equal to one of these values (at most 100), each compared as in `eq`.
    #[graphql(name = "in")]
    pub any: Option<Vec<Json<Value>>>,
    /// Greater than this number, or later than this RFC 3339 timestamp (`"2026-01-31T09:00:00Z"`); other values are
    /// refused with `BAD_USER_INPUT`. A number matches number attributes, a timestamp matches text attributes
    /// holding an RFC 3339 timestamp.
    pub gt: Option<Json<Value>>,
    /// Greater than or equal to this number, or at or after this RFC 3339 timestamp (as `gt`).
    pub gte: Option<Json<Value>>,
    /// Less than this number, or earlier than this RFC 3339 timestamp (as `gt`).
    pub lt: Option<Json<Value>>,
    /// Less than or equal to this number, or at or before this RFC 3339 timestamp (as `gt`).
    pub lte: Option<Json<Value>>,
    /// `true`: the attribute is present with a non-null value; `false`: it is missing or null.
    pub exists: Option<bool>,
    /// Text: a case-insensitive substring of a text attribute, or an element (ignoring case) of an array
    /// attribute. A number or boolean: an element of an array attribute.
    pub contains: Option<Json<Value>>,
}

/// A value of `eq`, `in` or `contains`.
enum Scalar<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
}

/// A bound of `gt`/`gte`/`lt`/`lte`.
enum Bound {
    Number(f64),
    Time(DateTime<Utc>),
}

fn scalar<'a>(op: &str, v: &'a Value) -> ApiResult<Scalar<'a>> {
    match v {
        Value::String(s) => {
            check_text(FIELD, s)?;
            Ok(Scalar::Text(s))
        }
        Value::Number(n) => n.as_f64().map(Scalar::Number).ok_or_else(|| bad(format!("`{op}`: number out of range"))),
        Value::Bool(b) => Ok(Scalar::Bool(*b)),
        _ => Err(bad(format!("`{op}` takes a string, a number or a boolean"))),
    }
}

fn bound(op: &str, v: &Value) -> ApiResult<Bound> {
    let wrong = || bad(format!("`{op}` takes a number or an RFC 3339 timestamp such as \"2026-01-31T09:00:00Z\""));
    match v {
        Value::Number(n) => n.as_f64().map(Bound::Number).ok_or_else(wrong),
        Value::String(s) => {
            DateTime::parse_from_rfc3339(s).map(|t| Bound::Time(t.with_timezone(&Utc))).map_err(|_| wrong())
        }
        _ => Err(wrong()),
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_input(FIELD, message)
}

/// Splits and checks a key: 1–64 characters of `[A-Za-z0-9_.-]`, no empty segment.
fn path(key: &str) -> ApiResult<Vec<String>> {
    let ok = (1..=MAX_KEY).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && key.split('.').all(|s| !s.is_empty());
    if !ok {
        return Err(bad(format!(
            "invalid key {:?}: use 1–{MAX_KEY} characters of A-Z a-z 0-9 _ - and dots between nested keys",
            key.chars().take(MAX_KEY + 1).collect::<String>()
        )));
    }
    Ok(key.split('.').map(str::to_owned).collect())
}

/// The conditions of `filters` on the `attributes` column `col`, all of which must hold.
pub fn attributes_condition<C: ColumnTrait>(
    filters: &[AttributeFilter],
    col: C,
    backend: DbBackend,
) -> ApiResult<Condition> {
    if filters.len() > MAX_ATTRIBUTE_FILTERS {
        return Err(bad(format!("at most {MAX_ATTRIBUTE_FILTERS} attribute conditions per filter")));
    }
    let mut c = Condition::all();
    for f in filters {
        c = c.add(f.condition(Attr { backend, col: Expr::col(col.as_column_ref()), path: path(&f.key)? })?);
    }
    Ok(c)
}

impl AttributeFilter {
    fn condition(&self, a: Attr) -> ApiResult<Condition> {
        let mut c = Condition::all();
        let mut any_op = false;
        if let Some(Json(v)) = &self.eq {
            c = c.add(a.equals(v, scalar("eq", v)?));
            any_op = true;
        }
        if let Some(vs) = &self.any {
            if vs.len() > MAX_IN {
                return Err(bad(format!("`in` takes at most {MAX_IN} values")));
            }
            let mut one_of = Condition::any();
            for Json(v) in vs {
                one_of = one_of.add(a.equals(v, scalar("in", v)?));
            }
            // An empty `in` matches nothing, as `status: {in: []}` does.
            c = c.add(if vs.is_empty() { Condition::all().add(Expr::val(false)) } else { one_of });
            any_op = true;
        }
        for (op, v) in [("gt", &self.gt), ("gte", &self.gte), ("lt", &self.lt), ("lte", &self.lte)] {
            if let Some(Json(v)) = v {
                c = c.add(a.compare(op, bound(op, v)?));
                any_op = true;
            }
        }
        if let Some(e) = self.exists {
            let present = a.present();
            c = c.add(if e { present } else { present.not() });
            any_op = true;
        }
        if let Some(Json(v)) = &self.contains {
            c = c.add(a.contains(v, scalar("contains", v)?));
            any_op = true;
        }
        if !any_op {
            return Err(bad(format!(
                "key {:?}: give at least one of eq, in, gt, gte, lt, lte, exists, contains",
                self.key
            )));
        }
        Ok(c)
    }
}

/// One attribute of one row, as SQL: the expressions every operator is built from.
struct Attr {
    backend: DbBackend,
    col: Expr,
    path: Vec<String>,
}

impl Attr {
    fn pg(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// PostgreSQL: the attribute as `jsonb` (`attributes -> $1 -> $2`).
    fn node(&self) -> Expr {
        self.path
            .iter()
            .fold(self.col.clone(), |acc, seg| Expr::cust_with_exprs("($1 -> $2)", [acc, Expr::val(seg.as_str())]))
    }

    /// SQLite: the JSON path, quoted segment by segment (`$."address"."city"`).
    fn sqlite_path(&self) -> String {
        let mut p = String::from("$");
        for seg in &self.path {
            p.push_str(&format!(".\"{seg}\""));
        }
        p
    }

    /// The JSON type: PostgreSQL's `jsonb_typeof` names, SQLite's `json_type` names; NULL when missing.
    fn kind(&self) -> Expr {
        if self.pg() {
            Expr::cust_with_exprs("jsonb_typeof($1)", [self.node()])
        } else {
            Expr::cust_with_exprs("json_type(?, ?)", [self.col.clone(), Expr::val(self.sqlite_path())])
        }
    }

    /// The value as SQL text (strings unquoted).
    fn text(&self) -> Expr {
        if self.pg() {
            Expr::cust_with_exprs("($1 #>> '{}')", [self.node()])
        } else {
            Expr::cust_with_exprs("json_extract(?, ?)", [self.col.clone(), Expr::val(self.sqlite_path())])
        }
    }

    fn string_kind(&self) -> &'static str {
        if self.pg() { "string" } else { "text" }
    }

    /// PostgreSQL: `attributes @> {"a": {"b": leaf}}`, served by the GIN index.
    fn pg_contains(&self, leaf: Value) -> Expr {
        let doc = self.path.iter().rev().fold(leaf, |acc, seg| serde_json::json!({ seg.as_str(): acc }));
        Expr::cust_with_exprs("($1 @> $2)", [self.col.clone(), Expr::val(doc)])
    }

    fn equals(&self, raw: &Value, v: Scalar<'_>) -> Expr {
        match v {
            Scalar::Text(s) => self.coalesce_false(
                self.kind()
                    .eq(self.string_kind())
                    .and(Expr::cust_with_exprs(self.tpl("lower($1) = lower($2)"), [self.text(), Expr::val(s)])),
            ),
            Scalar::Number(_) | Scalar::Bool(_) if self.pg() => self.pg_contains(raw.clone()),
            Scalar::Number(n) => self.coalesce_false(
                Expr::cust_with_exprs("? IN ('integer', 'real')", [self.kind()]).and(self.text().eq(n)),
            ),
            Scalar::Bool(b) => self.coalesce_false(self.kind().eq(if b { "true" } else { "false" })),
        }
    }

    /// `COALESCE(e, FALSE)`: a comparison with a missing attribute is false, not unknown.
    fn coalesce_false(&self, e: Expr) -> Expr {
        Expr::cust_with_exprs(self.tpl("COALESCE($1, FALSE)"), [e])
    }

    /// `$N` placeholders for PostgreSQL, `?` for SQLite.
    fn tpl(&self, pg: &'static str) -> String {
        if self.pg() { pg.to_owned() } else { pg.replace("$1", "?").replace("$2", "?").replace("$3", "?") }
    }

    fn compare(&self, op: &str, b: Bound) -> Expr {
        let (value, bound) = match (b, self.pg()) {
            (Bound::Number(n), true) => (
                Expr::cust_with_exprs("(CASE WHEN jsonb_typeof($1) = 'number' THEN ($1)::numeric END)", [self.node()]),
                Expr::cust_with_exprs("CAST($1 AS numeric)", [Expr::val(n)]),
            ),
            (Bound::Number(n), false) => (
                Expr::cust_with_exprs(
                    "(CASE WHEN json_type(?, ?) IN ('integer', 'real') THEN json_extract(?, ?) END)",
                    [self.col.clone(), Expr::val(self.sqlite_path()), self.col.clone(), Expr::val(self.sqlite_path())],
                ),
                Expr::val(n),
            ),
            // parlor_attr_time (migration 7) is NULL for text that is not an RFC 3339 timestamp, where a cast fails.
            (Bound::Time(t), true) => (
                Expr::cust_with_exprs(
                    "(CASE WHEN jsonb_typeof($1) = 'string' THEN parlor_attr_time($1 #>> '{}') END)",
                    [self.node()],
                ),
                Expr::val(t),
            ),
            // julianday() reads bare numbers as day numbers: only text shaped like a date counts.
            (Bound::Time(t), false) => (
                Expr::cust_with_exprs(
                    "(CASE WHEN json_type(?, ?) = 'text' AND json_extract(?, ?) GLOB \
                     '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt ][0-9][0-9]:[0-9][0-9]*' \
                     THEN julianday(json_extract(?, ?)) END)",
                    [
                        self.col.clone(),
                        Expr::val(self.sqlite_path()),
                        self.col.clone(),
                        Expr::val(self.sqlite_path()),
                        self.col.clone(),
                        Expr::val(self.sqlite_path()),
                    ],
                ),
                Expr::cust_with_exprs("julianday(?)", [Expr::val(t.to_rfc3339_opts(SecondsFormat::Micros, true))]),
            ),
        };
        self.coalesce_false(match op {
            "gt" => value.gt(bound),
            "gte" => value.gte(bound),
            "lt" => value.lt(bound),
            _ => value.lte(bound),
        })
    }

    /// Present with a non-null value. PostgreSQL: the top-level key's `?` is served by the GIN index.
    fn present(&self) -> Expr {
        let not_null = Expr::cust_with_exprs(self.tpl("COALESCE($1, 'null') <> 'null'"), [self.kind()]);
        if self.pg() {
            let top = Expr::cust_with_exprs("($1 ? $2)", [self.col.clone(), Expr::val(self.path[0].as_str())]);
            top.and(not_null)
        } else {
            not_null
        }
    }

    fn contains(&self, raw: &Value, v: Scalar<'_>) -> Expr {
        match (v, self.pg()) {
            (Scalar::Text(s), true) => Expr::cust_with_exprs(
                "(CASE jsonb_typeof($1) \
                 WHEN 'string' THEN strpos(lower($1 #>> '{}'), lower($2)) > 0 \
                 WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements($1) AS e(v) \
                   WHERE jsonb_typeof(e.v) = 'string' AND lower(e.v #>> '{}') = lower($2)) \
                 ELSE FALSE END)",
                [self.node(), Expr::val(s)],
            ),
            (Scalar::Text(s), false) => Expr::cust_with_exprs(
                "(CASE json_type(?, ?) \
                 WHEN 'text' THEN instr(lower(json_extract(?, ?)), lower(?)) > 0 \
                 WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(?, ?) AS e \
                   WHERE e.type = 'text' AND lower(e.value) = lower(?)) \
                 ELSE FALSE END)",
                [
                    self.col.clone(),
                    Expr::val(self.sqlite_path()),
                    self.col.clone(),
                    Expr::val(self.sqlite_path()),
                    Expr::val(s),
                    self.col.clone(),
                    Expr::val(self.sqlite_path()),
                    Expr::val(s),
                ],
            ),
            (_, true) => self.pg_contains(Value::Array(vec![raw.clone()])),
            (v, false) => {
                let mut args = vec![
                    self.col.clone(),
                    Expr::val(self.sqlite_path()),
                    self.col.clone(),
                    Expr::val(self.sqlite_path()),
                ];
                let element = match v {
                    Scalar::Number(n) => {
                        args.push(Expr::val(n));
                        "e.type IN ('integer', 'real') AND e.value = ?"
                    }
                    Scalar::Bool(true) => "e.type = 'true'",
                    _ => "e.type = 'false'",
                };
                Expr::cust_with_exprs(
                    format!(
                        "(COALESCE(json_type(?, ?) = 'array', FALSE) AND EXISTS (SELECT 1 FROM json_each(?, ?) AS e \
                         WHERE {element}))"
                    ),
                    args,
                )
            }
        }
    }
}
