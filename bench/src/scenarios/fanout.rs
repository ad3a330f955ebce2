//! Scenario 6, fan-out: N subscribers to `messageAdded` of the whole workspace over WebSocket (graphql-transport-ws)
//! or Server-Sent Events (graphql-sse, `--fanout-transport sse`), each its own connection and tokio task; messages sent with sendMessage at a fixed rate; for every delivery, the time from just
//! before the mutation was sent to its receipt at the client (so it includes the mutation's own round trip).
//! Reported: latency p50/p99/max over all deliveries, events lost (sent successfully but never received by a
//! connected subscriber: must be 0), the server's RSS per idle subscription (VmRSS after all subscribed minus before,
//! divided by the connections), and the server's CPU time per delivered event.
//!
//! No off-the-shelf tool speaks graphql-transport-ws to thousands of sockets and matches events to sends, hence this
//! client ([`super::feed`]). Its sockets use a 4 KiB read buffer (tungstenite's default is 128 KiB, zero-filled on
//! reads).

use super::feed::{Feed, Item, Transport};
use super::{Ctx, Outcome};
use crate::procfs;
use crate::stats::Latency;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};

const SUBSCRIPTION: &str = "subscription { messageAdded { id seq senderKind content createdAt } }";
const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }";
/// Message content carries `pb-fanout-<index>.`: index 0 is the primer, 1..=n the measured messages.
const MARK: &str = "pb-fanout-";
/// Connections being opened at once.
const CONNECTING: usize = 128;

#[derive(Debug, Serialize)]
pub struct FanoutResult {
    pub subscription: String,
    pub transport: Transport,
    pub runs: Vec<FanoutRun>,
}

#[derive(Debug, Default, Serialize)]
pub struct FanoutRun {
    pub subscribers: usize,
    pub connected: usize,
    pub connect_failures: usize,
    pub connect_s: f64,
    pub rate_per_s: f64,
    pub messages_sent: u64,
    pub send_errors: u64,
    pub deliveries_expected: u64,
    pub deliveries_received: u64,
    pub lost: u64,
    pub duplicates: u64,
    /// Subscribers whose connection ended (closed, error, `error`/`complete` message) before the end.
    pub closed_early: usize,
    pub latency_ms: Latency,
    pub server_rss_before_kib: u64,
    pub server_rss_idle_kib: u64,
    pub kib_per_idle_connection: f64,
    pub server_cpu_us_per_delivery: Option<f64>,
    pub first_error: Option<String>,
}

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome> {
    let mut runs = Vec::new();
    for &n in &ctx.settings.subscribers {
        runs.push(run_one(ctx, n).await?);
        // Let the server close the previous run's sockets before the next baseline.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let transport = ctx.settings.fanout_transport;
    Ok(Outcome::Fanout(FanoutResult { subscription: SUBSCRIPTION.to_owned(), transport, runs }))
}

/// State shared by the coordinator and the subscriber tasks.
struct Shared {
    base: Instant,
    /// When message i was sent, in µs after `base` (0: not yet).
    sent_at_us: Vec<AtomicU64>,
    ready: AtomicUsize,
    failed: AtomicUsize,
    primed: AtomicUsize,
    received: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.base.elapsed().as_micros() as u64
    }

    fn note_error(&self, e: String) {
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert(e);
        }
    }
}

/// What one subscriber saw: (message index, latency µs) per delivery.
#[derive(Default)]
struct Seen {
    deliveries: Vec<(u32, u64)>,
    closed_early: bool,
    connected: bool,
}

async fn run_one(ctx: &Ctx<'_>, subscribers: usize) -> Result<FanoutRun> {
    let settings = ctx.settings;
    if let Some(limit) = procfs::open_files_limit()
        && limit < subscribers as u64 + 512
    {
        bail!(
            "{subscribers} sockets need more open files than `ulimit -n` ({limit}) allows: raise it (e.g. `ulimit -n {}`)",
            subscribers + 1024
        );
    }
    let messages = ((settings.fanout_rate * settings.fanout_duration.as_secs_f64()).round() as usize).max(1);
    eprintln!("parlor-bench:   {subscribers} subscribers, {messages} messages at {}/s", settings.fanout_rate);
    let shared = Arc::new(Shared {
        base: Instant::now(),
        sent_at_us: (0..=messages).map(|_| AtomicU64::new(0)).collect(),
        ready: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        primed: AtomicUsize::new(0),
        received: AtomicU64::new(0),
        first_error: Mutex::new(None),
    });
    let pid = ctx.server.pid;
    let rss_before = procfs::rss_kib(pid)?;
    let addr = ctx.server.addr.to_string();
    let transport = settings.fanout_transport;
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let started = Instant::now();
    let tasks: Vec<_> = (0..subscribers)
        .map(|_| {
            let (addr, credential, shared, gate, stop) =
                (addr.clone(), ctx.gql.credential().to_owned(), shared.clone(), gate.clone(), stop_rx.clone());
            tokio::spawn(async move { subscriber((transport, &addr, &credential), &shared, &gate, stop).await })
        })
        .collect();

    let deadline = started + Duration::from_secs(60) + Duration::from_millis(10 * subscribers as u64);
    while shared.ready.load(Ordering::SeqCst) + shared.failed.load(Ordering::SeqCst) < subscribers
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connect_s = started.elapsed().as_secs_f64();
    let connected = shared.ready.load(Ordering::SeqCst);
    // graphql-transport-ws does not acknowledge `subscribe`: give the server a moment to register them all.
    tokio::time::sleep(Duration::from_millis(500 + subscribers as u64 / 10)).await;
    let rss_idle = procfs::rss_kib(pid)?;

    // The primer: sent until every connected subscriber has seen it, so that the measured messages find every
    // subscription registered.
    for _ in 0..15 {
        send(ctx, &shared, 0).await.context("send the primer message")?;
        let wait_until = Instant::now() + Duration::from_secs(3);
        while shared.primed.load(Ordering::SeqCst) < connected && Instant::now() < wait_until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if shared.primed.load(Ordering::SeqCst) >= connected {
            break;
        }
    }
    let primed = shared.primed.load(Ordering::SeqCst);
    if primed < connected {
        shared.note_error(format!("only {primed} of {connected} subscribers received the primer"));
    }

    let cpu_before = procfs::cpu_seconds(pid)?;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.fanout_rate));
    let mut sends = Vec::with_capacity(messages);
    for i in 1..=messages {
        tick.tick().await;
        let (gql, shared, conv) = (
            ctx.gql.clone(),
            shared.clone(),
            ctx.fixtures.open_conversations[i % ctx.fixtures.open_conversations.len()].clone(),
        );
        sends.push(tokio::spawn(async move { send_to(&gql, &shared, &conv, i).await.map(|()| i) }));
    }
    let mut ok = HashSet::new();
    let mut send_errors = 0;
    for s in sends {
        match s.await {
            Ok(Ok(i)) => {
                ok.insert(i as u32);
            }
            Ok(Err(e)) => {
                send_errors += 1;
                shared.note_error(format!("sendMessage: {e:#}"));
            }
            Err(e) => {
                send_errors += 1;
                shared.note_error(format!("send task: {e}"));
            }
        }
    }
    let expected = (connected * ok.len()) as u64;
    let drain_until = Instant::now() + Duration::from_secs(10);
    while shared.received.load(Ordering::SeqCst) < expected && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = procfs::cpu_seconds(pid)? - cpu_before;
    let _ = stop_tx.send(true);

    let mut run = FanoutRun {
        subscribers,
        connected,
        connect_failures: shared.failed.load(Ordering::SeqCst),
        connect_s,
        rate_per_s: settings.fanout_rate,
        messages_sent: ok.len() as u64,
        send_errors,
        deliveries_expected: expected,
        server_rss_before_kib: rss_before,
        server_rss_idle_kib: rss_idle,
        kib_per_idle_connection: if connected > 0 {
            rss_idle.saturating_sub(rss_before) as f64 / connected as f64
        } else {
            0.0
        },
        ..FanoutRun::default()
    };
    let mut latencies = Vec::with_capacity(expected as usize);
    for task in tasks {
        let seen = task.await.unwrap_or_default();
        if !seen.connected {
            continue;
        }
        run.closed_early += usize::from(seen.closed_early);
        let mut unique = HashSet::with_capacity(seen.deliveries.len());
        for (i, latency) in seen.deliveries {
            if !ok.contains(&i) {
                continue;
            }
            if unique.insert(i) {
                latencies.push(latency);
            } else {
                run.duplicates += 1;
            }
        }
        run.deliveries_received += unique.len() as u64;
    }
    run.lost = expected.saturating_sub(run.deliveries_received);
    run.latency_ms = Latency::from_micros(&mut latencies);
    if run.deliveries_received > 0 {
        run.server_cpu_us_per_delivery = Some(cpu * 1e6 / run.deliveries_received as f64);
    }
    run.first_error = shared.first_error.lock().ok().and_then(|e| e.clone());
    eprintln!(
        "parlor-bench:   {connected} connected in {connect_s:.1} s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         lost {}; {:.1} KiB RSS per connection",
        run.latency_ms.p50, run.latency_ms.p99, run.latency_ms.max, run.lost, run.kib_per_idle_connection
    );
    Ok(run)
}

async fn send(ctx: &Ctx<'_>, shared: &Shared, i: usize) -> Result<()> {
    send_to(ctx.gql, shared, &ctx.fixtures.open_conversations[0], i).await
}

async fn send_to(gql: &crate::client::Gql, shared: &Shared, conversation: &str, i: usize) -> Result<()> {
    let input = json!({ "conversationId": conversation, "senderKind": "CONTACT", "content": format!("{MARK}{i}.") });
    if let Some(slot) = shared.sent_at_us.get(i) {
        slot.store(shared.now_us().max(1), Ordering::SeqCst);
    }
    gql.run(SEND, &json!({ "input": input })).await.map(|_| ())
}

/// One subscriber: connect (at most [`CONNECTING`] at once), init, subscribe, then record deliveries until stopped.
async fn subscriber(
    connect: (Transport, &str, &str),
    shared: &Shared,
    gate: &Semaphore,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let (transport, addr, credential) = connect;
    let mut seen = Seen::default();
    let connecting = async {
        let _permit = gate.acquire().await.context("connection gate")?;
        Feed::connect(transport, addr, credential, SUBSCRIPTION).await
    };
    let mut feed = match connecting.await {
        Ok(s) => s,
        Err(e) => {
            shared.failed.fetch_add(1, Ordering::SeqCst);
            shared.note_error(format!("connect: {e:#}"));
            return seen;
        }
    };
    seen.connected = true;
    shared.ready.fetch_add(1, Ordering::SeqCst);
    let mut primed = false;
    loop {
        let item = tokio::select! {
            _ = stop.changed() => break,
            item = feed.next() => item,
        };
        let text = match item {
            Item::Result(text) => text,
            Item::Ping => {
                feed.pong().await;
                continue;
            }
            Item::End(why) => {
                seen.closed_early = true;
                shared.note_error(format!("subscription ended: {}", why.chars().take(300).collect::<String>()));
                break;
            }
        };
        let at = shared.now_us();
        if let Some(i) = marked_index(&text) {
            if i == 0 {
                if !primed {
                    primed = true;
                    shared.primed.fetch_add(1, Ordering::SeqCst);
                }
                continue;
            }
            let sent = shared.sent_at_us.get(i).map_or(0, |s| s.load(Ordering::SeqCst));
            seen.deliveries.push((i as u32, at.saturating_sub(sent)));
            shared.received.fetch_add(1, Ordering::SeqCst);
        } else if text.contains(r#""type":"error""#)
            || text.contains(r#""type":"complete""#)
            || text.contains(r#""errors""#)
        {
            seen.closed_early = true;
            shared.note_error(format!("subscription ended: {}", text.chars().take(300).collect::<String>()));
            break;
        }
    }
    seen
}

/// The index in a delivered message's content (`pb-fanout-<i>.`).
fn marked_index(text: &str) -> Option<usize> {
    let start = text.find(MARK)? + MARK.len();
    let digits: &str = &text[start..];
    let end = digits.find(|c: char| !c.is_ascii_digit())?;
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::marked_index;

    #[test]
    fn finds_the_message_index() {
        let frame = r#"{"id":"1","type":"next","payload":{"data":{"messageAdded":{"content":"pb-fanout-42."}}}}"#;
        assert_eq!(marked_index(frame), Some(42));
        assert_eq!(marked_index(r#"{"type":"ping"}"#), None);
    }
}
