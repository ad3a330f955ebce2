//! The HTTP load generator: wrk (Debian package `wrk`), a separate process, driven by a generated Lua script that
//! rotates over request bodies, counts responses carrying GraphQL `errors`, and prints its summary as JSON.
//!
//! Why wrk: it is C with one epoll loop per thread, so it takes the least CPU per request of the tools at hand, and
//! on a 2-core machine every cycle the load generator uses is taken from the server. Its Lua hooks give what a fixed
//! request cannot: a different body per request (sendMessage spread over conversations, contact prefixes) and a
//! check of each response body. Latency percentiles come from wrk's own histogram (microsecond resolution).

use crate::stats::Latency;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One wrk run.
pub struct Load<'a> {
    pub addr: SocketAddr,
    /// The bearer credential every request sends.
    pub credential: &'a str,
    /// JSON bodies; requests take them in turn (each thread starting elsewhere in the list).
    pub bodies: &'a [String],
    pub connections: u32,
    pub threads: u32,
    pub duration: Duration,
    /// Where the Lua script goes (`<name>.lua`).
    pub script_dir: &'a Path,
    pub name: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub tool: String,
    pub connections: u32,
    pub threads: u32,
    pub duration_s: f64,
    pub requests: u64,
    pub requests_per_s: f64,
    pub latency_ms: Latency,
    pub errors: Errors,
    /// CPU time of the parlor process per request (not the database's, not wrk's).
    pub server_cpu_ms_per_request: Option<f64>,
    /// Cores the parlor process kept busy on average during the run.
    pub server_cores_busy: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Errors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    /// Responses other than 2xx/3xx.
    pub status: u64,
    pub timeout: u64,
    /// HTTP 200 responses whose body holds GraphQL `errors`.
    pub graphql: u64,
}

impl Errors {
    pub fn total(&self) -> u64 {
        self.connect + self.read + self.write + self.status + self.timeout + self.graphql
    }
}

#[derive(Deserialize)]
struct Summary {
    requests: u64,
    duration_us: u64,
    errors: Errors,
    latency_us: LatencyUs,
}

#[derive(Deserialize)]
struct LatencyUs {
    min: f64,
    mean: f64,
    max: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
}

const MARKER: &str = "PARLOR_BENCH_RESULT ";

/// wrk's version line, or an error telling how to install it.
pub fn version() -> Result<String> {
    let out = Command::new("wrk").arg("--version").output().context(
        "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`; it is the HTTP load generator",
    )?;
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    Ok(text.lines().next().unwrap_or("wrk").split(" Copyright").next().unwrap_or("wrk").trim().to_owned())
}

/// Runs wrk (blocking) and parses its summary. The caller measures the server around it.
pub fn run(load: &Load<'_>) -> Result<LoadResult> {
    anyhow::ensure!(!load.bodies.is_empty(), "no request body");
    let script = write_script(load)?;
    let threads = load.threads.clamp(1, load.connections.max(1));
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .args(["--timeout", "10s", "-s"])
        .arg(&script)
        .arg(format!("http://{}/graphql", load.addr))
        .output()
        .context("run wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed ({}): {}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(MARKER))
        .with_context(|| format!("no summary in wrk's output: {stdout}"))?;
    let s: Summary = serde_json::from_str(line).with_context(|| format!("wrk summary {line}"))?;
    let duration_s = s.duration_us as f64 / 1e6;
    let ms = |us: f64| us / 1000.0;
    Ok(LoadResult {
        tool: version().unwrap_or_else(|_| "wrk".into()),
        connections: load.connections,
        threads,
        duration_s,
        requests: s.requests,
        requests_per_s: if duration_s > 0.0 { s.requests as f64 / duration_s } else { 0.0 },
        latency_ms: Latency {
            min: ms(s.latency_us.min),
            mean: ms(s.latency_us.mean),
            p50: ms(s.latency_us.p50),
            p90: ms(s.latency_us.p90),
            p99: ms(s.latency_us.p99),
            p999: ms(s.latency_us.p999),
            max: ms(s.latency_us.max),
        },
        errors: s.errors,
        server_cpu_ms_per_request: None,
        server_cores_busy: None,
    })
}

fn write_script(load: &Load<'_>) -> Result<PathBuf> {
    let mut lua =
        String::from("-- Generated by parlor-bench: POST /graphql, bodies in turn, GraphQL errors counted.\n");
    lua.push_str("local bodies = {\n");
    for body in load.bodies {
        anyhow::ensure!(!body.contains("]==]"), "a request body holds the Lua string terminator");
        let _ = writeln!(lua, "[==[{body}]==],");
    }
    lua.push_str("}\n");
    let credential = load.credential.replace(['"', '\\'], "");
    let _ = write!(
        lua,
        r#"wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
wrk.headers["Authorization"] = "Bearer {credential}"
wrk.body = bodies[1]

local threads = {{}}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

offset = 0
gql_errors = 0
local n = 0
"#
    );
    if load.bodies.len() > 1 {
        lua.push_str(
            r#"function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[((n + offset) % #bodies) + 1])
end
"#,
        );
    }
    let _ = write!(
        lua,
        r#"function response(status, headers, body)
  if status == 200 and string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
  end
end

function done(summary, latency, requests)
  local gql = 0
  for _, t in ipairs(threads) do gql = gql + (t:get("gql_errors") or 0) end
  local e = summary.errors
  io.write(string.format(
    '{MARKER}{{"requests":%d,"duration_us":%d,"errors":{{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"graphql":%d}},'
    .. '"latency_us":{{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, gql,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"#
    );
    let path = load.script_dir.join(format!("{}.lua", load.name));
    std::fs::write(&path, lua).with_context(|| format!("write {}", path.display()))?;
    Ok(path)
}
