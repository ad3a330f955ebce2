//! What the read scenarios share: check every request once, probe the SQL statements per request at two page sizes
//! (from the server's `X-Parlor-Sql-Statements` header), then put the load on.

use super::Ctx;
use crate::client::Gql;
use crate::wrk::LoadResult;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

pub struct Read<'a> {
    /// File-name friendly.
    pub name: &'a str,
    pub query: &'a str,
    /// Variables of the measured requests, taken in turn.
    pub load_variables: Vec<Value>,
    /// The page size of the measured requests.
    pub page_size: u32,
    /// Two page sizes and their variables, for the statement probes.
    pub probes: [(u32, Value); 2],
    /// Rows on the page of a response (for the probes).
    pub rows: fn(&Value) -> u64,
}

#[derive(Debug, Serialize)]
pub struct ReadResult {
    pub query: String,
    pub page_size: u32,
    pub variants: usize,
    pub load: LoadResult,
    pub statements: Vec<StatementsProbe>,
}

/// One request's SQL statement count at a page size.
#[derive(Debug, Clone, Serialize)]
pub struct StatementsProbe {
    pub page_size: u32,
    /// Rows the page held.
    pub rows: u64,
    pub statements: u64,
}

pub async fn measure(ctx: &Ctx<'_>, read: Read<'_>) -> Result<ReadResult> {
    for vars in &read.load_variables {
        ctx.gql.run(read.query, vars).await.with_context(|| format!("{} with {vars}", read.name))?;
    }
    let mut statements = Vec::new();
    for (page_size, vars) in &read.probes {
        let answer = ctx.gql.run(read.query, vars).await.with_context(|| format!("{} with {vars}", read.name))?;
        statements.push(StatementsProbe {
            page_size: *page_size,
            rows: (read.rows)(&answer.data),
            statements: answer.statements.context("the response has no X-Parlor-Sql-Statements header")?,
        });
    }
    let bodies = read.load_variables.iter().map(|v| Gql::body(read.query, v)).collect();
    let load = super::load(ctx, read.name, bodies, ctx.settings.connections).await?;
    Ok(ReadResult {
        query: read.query.split_whitespace().collect::<Vec<_>>().join(" "),
        page_size: read.page_size,
        variants: read.load_variables.len(),
        load,
        statements,
    })
}

/// The length of the list at `pointer` (a JSON pointer) in `data`.
pub fn count(data: &Value, pointer: &str) -> u64 {
    data.pointer(pointer).and_then(Value::as_array).map_or(0, |a| a.len() as u64)
}
