//! Results: the JSON file under bench/results/ and an entry (a heading, a line of context and two small tables)
//! appended to BENCHMARKS.md.

use crate::run::RunReport;
use crate::scenarios::{Outcome, ScenarioReport};
use crate::wrk::LoadResult;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bench/results/<date>-<db>-<commit>.json` (a time is added when that name is taken); its path.
pub fn write_json(report: &RunReport, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let date = report.date.get(..10).unwrap_or(&report.date);
    let stem = format!("{date}-{}-{}", report.database.name(), report.commit);
    let mut path = dir.join(format!("{stem}.json"));
    if path.exists() {
        let time = report.date.get(11..19).unwrap_or("").replace(':', "");
        path = dir.join(format!("{stem}-{time}.json"));
    }
    let json = serde_json::to_string_pretty(report).context("serialize the results")?;
    std::fs::write(&path, json + "\n").with_context(|| format!("write {}", path.display()))?;
    Ok(path)
}

/// Appends this run's entry to `root/BENCHMARKS.md`.
pub fn append_markdown(report: &RunReport, json: &Path, root: &Path) -> Result<()> {
    let path = root.join("BENCHMARKS.md");
    let json = json.strip_prefix(root).unwrap_or(json).display().to_string();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("open {}", path.display()))?;
    file.write_all(entry(report, &json).as_bytes()).with_context(|| format!("append to {}", path.display()))
}

fn entry(r: &RunReport, json: &str) -> String {
    let s = &r.settings;
    let d = &r.dataset;
    let mut out = String::new();
    let when = r.date.replace('T', " ").replace('Z', " UTC");
    let quick = if s.quick { " · quick (smoke run)" } else { "" };
    let _ = writeln!(out, "\n### {when} · {} · scale {}{quick} · {}\n", r.database.title(), r.scale, r.commit);
    let _ = writeln!(
        out,
        "{} (load average {:.2} at start); {}. Data (workspace `{}`): {} contacts, {} conversations ({} open), \
         {} messages, {} tickets. {}, {} connections for reads, {} s per run. Results: [`{json}`]({json}).",
        r.machine.summary(),
        r.machine.load_average_at_start,
        r.database_version,
        d.workspace,
        d.contacts,
        d.conversations,
        d.open_conversations,
        d.messages,
        d.tickets,
        r.load_tool,
        s.connections,
        s.duration.as_secs(),
    );
    if let Some(note) = &r.note {
        let _ = writeln!(out, "\nNote: {note}");
    }
    out.push_str(
        "\n| scenario | req/s | p50 ms | p99 ms | errors | SQL statements per request | parlor CPU ms/req |\n\
         |---|--:|--:|--:|--:|---|--:|\n",
    );
    let mut fanout = None;
    for sc in &r.scenarios {
        match &sc.outcome {
            Outcome::Read(read) => {
                let probes = read
                    .statements
                    .iter()
                    .map(|p| format!("{} at {} rows", p.statements, p.rows))
                    .collect::<Vec<_>>()
                    .join(" · ");
                let title = format!("{} (page {})", sc.title, read.page_size);
                out.push_str(&load_row(&title, &read.load, &probes));
            }
            Outcome::Send(send) => {
                let statements = send.statements_per_request.map_or("?".to_owned(), |n| n.to_string());
                for run in &send.runs {
                    let title =
                        format!("{}, {} client{}", sc.title, run.clients, if run.clients == 1 { "" } else { "s" });
                    out.push_str(&load_row(&title, &run.load, &statements));
                }
            }
            Outcome::Fanout(f) => fanout = Some((sc, f)),
            Outcome::Failed { error } => {
                let _ = writeln!(out, "| {} | – | – | – | – | failed: {} | – |", sc.title, cell(error, 160));
            }
        }
    }
    if let Some((sc, f)) = fanout {
        fanout_table(&mut out, sc, f);
    }
    out
}

fn load_row(title: &str, load: &LoadResult, statements: &str) -> String {
    let cpu = load.server_cpu_ms_per_request.map_or("–".to_owned(), |c| format!("{c:.2}"));
    format!(
        "| {title} | {:.0} | {} | {} | {} | {statements} | {cpu} |\n",
        load.requests_per_s,
        ms(load.latency_ms.p50),
        ms(load.latency_ms.p99),
        load.errors.total()
    )
}

fn fanout_table(out: &mut String, sc: &ScenarioReport, f: &crate::scenarios::FanoutResult) {
    let transport = match f.transport {
        crate::scenarios::feed::Transport::Ws => "WebSocket",
        crate::scenarios::feed::Transport::Sse => "SSE",
    };
    let _ = write!(
        out,
        "\n| fan-out ({transport}): subscribers | messages (rate) | p50 ms | p99 ms | max ms | lost | KiB RSS per idle \
         connection | parlor CPU µs per delivery |\n|---|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for run in &f.runs {
        let connected = if run.connected == run.subscribers {
            run.subscribers.to_string()
        } else {
            format!("{} ({} connected)", run.subscribers, run.connected)
        };
        let cpu = run.server_cpu_us_per_delivery.map_or("–".to_owned(), |c| format!("{c:.1}"));
        let _ = writeln!(
            out,
            "| {connected} | {} ({}/s) | {} | {} | {} | {} | {:.1} | {cpu} |",
            run.messages_sent,
            run.rate_per_s,
            ms(run.latency_ms.p50),
            ms(run.latency_ms.p99),
            ms(run.latency_ms.max),
            run.lost,
            run.kib_per_idle_connection,
        );
        if let Some(e) = &run.first_error {
            let _ = writeln!(out, "\n{} with {} subscribers: {}\n", sc.title, run.subscribers, cell(e, 200));
        }
    }
}

fn ms(v: f64) -> String {
    if v < 10.0 { format!("{v:.2}") } else { format!("{v:.1}") }
}

/// Text fit for a table cell: one line, no pipes, at most `max` characters.
fn cell(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c == '\n' || c == '|' { ' ' } else { c }).collect();
    if one_line.chars().count() > max { one_line.chars().take(max).collect::<String>() + "…" } else { one_line }
}
