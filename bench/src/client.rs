//! A small GraphQL-over-HTTP client for setting up scenarios and probing statement counts (the load itself comes
//! from wrk), and for the fan-out's paced sendMessage calls.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// The header in which the server reports the SQL statements a request ran.
pub const STATEMENTS_HEADER: &str = "x-parlor-sql-statements";

#[derive(Clone)]
pub struct Gql {
    http: reqwest::Client,
    url: String,
    /// The bearer credential of every request (an admin API key of the benchmark workspace).
    credential: String,
}

/// A successful response: its `data` and the statement count the server reported.
pub struct Answer {
    pub data: Value,
    pub statements: Option<u64>,
}

impl Gql {
    pub fn new(addr: SocketAddr, credential: &str) -> Result<Gql> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .context("HTTP client")?;
        Ok(Gql { http, url: format!("http://{addr}/graphql"), credential: credential.to_owned() })
    }

    /// The bearer credential this client sends (the load generator and the subscribers send it too).
    pub fn credential(&self) -> &str {
        &self.credential
    }

    /// The JSON body of a request, as sent by this client and by the load generator.
    pub fn body(query: &str, variables: &Value) -> String {
        json!({ "query": query, "variables": variables }).to_string()
    }

    /// Runs a document; a transport error, a non-2xx status or any GraphQL error is an `Err`.
    pub async fn run(&self, query: &str, variables: &Value) -> Result<Answer> {
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .bearer_auth(&self.credential)
            .body(Gql::body(query, variables))
            .send()
            .await
            .context("POST /graphql")?;
        let status = response.status();
        let statements =
            response.headers().get(STATEMENTS_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        let body: Value = response.json().await.with_context(|| format!("response body (HTTP {status})"))?;
        if let Some(errors) = body.get("errors") {
            bail!("GraphQL errors (HTTP {status}): {errors}");
        }
        if !status.is_success() {
            bail!("HTTP {status}: {body}");
        }
        Ok(Answer { data: body.get("data").cloned().unwrap_or(Value::Null), statements })
    }
}
