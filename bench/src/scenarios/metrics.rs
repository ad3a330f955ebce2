//! Scenario 4, metrics: median first response time by channel per day over 30 days. The analytics query
//! (`conversationMetrics`) is not in the API yet, so this reports "not available" instead of measuring a stand-in.
//! When the field appears in the schema, the report says so; then write its query here as a [`super::read::Read`].

use super::{Ctx, Outcome};
use anyhow::Result;
use serde_json::json;

const FIELD: &str = "conversationMetrics";

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let d = ctx.gql.run("{ __type(name: \"Query\") { fields { name } } }", &json!({})).await?.data;
    let present = d["__type"]["fields"].as_array().into_iter().flatten().any(|f| f["name"] == FIELD);
    let reason = if present {
        format!("not measured yet: the API now has `{FIELD}`; add its query to bench/src/scenarios/metrics.rs")
    } else {
        "not available (analytics query not in the API yet)".to_owned()
    };
    Ok(Outcome::NotAvailable { reason })
}
