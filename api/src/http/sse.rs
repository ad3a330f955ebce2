//! GraphQL over Server-Sent Events on `/graphql`: the graphql-sse protocol's *distinct connections mode*
//! (`POST` with a JSON body, or `GET` with URL parameters, and `Accept: text/event-stream`). A thin adapter:
//! the request goes through the same preparation as JSON answers (`super::graphql::prepare`: credential,
//! mutation over GET, metering), the same schema and its guards (limits, permissions, rate charge), and an
//! operation refused before it runs gets the same status and JSON body as over plain HTTP, before any stream.
//!
//! Once admitted (`schema::admission`), every result is an `event: next` whose `data` is the GraphQL response,
//! and the end an `event: complete` with empty `data`. Queries and mutations give one `next`; subscriptions
//! stream until they end, the client goes away (the stream, and the operation with it, is dropped) or the server
//! shuts down. Like a WebSocket: the stream counts as one of its principal's sockets
//! (`--max-sockets-per-principal`; one more is a 429), and every [`RECHECK`] the results delivered are charged
//! (1 point each, even past zero) and the credential is checked again: revoked or expired, the stream ends with
//! a `next` carrying an `UNAUTHENTICATED` error, then `complete`.
//!
//! Resume: every `next` that delivers a stored event carries an SSE `id`, that event's outbox cursor (the
//! `Event.cursor` of `events(after:)`). A client that reconnects with `Last-Event-ID` (as `EventSource` does by
//! itself) first gets what the subscription would have delivered since, from the outbox, then live events
//! (`schema::events::resume`). Ephemeral signals (typing) and recomputed states (`liveQueueUpdated`) carry no id
//! and are not replayed.

use super::graphql::Prepared;
use super::metering::Meter;
use super::negotiate::MediaType;
use super::shared::Delivery;
use crate::state::AppState;
use async_graphql::Response as GqlResponse;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use schema::admission::Admission;
use schema::error::Code;
use schema::events::resume::Resume;
use schema::stats::RequestStats;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A comment line (`:`) is sent after this long without anything else written, so that proxies and load balancers (often
/// idle-timing out at 30–60 s) keep the connection open, and a dead peer is noticed by the failed write.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How often a live stream charges what it delivered and checks its credential again (as WebSocket's recheck).
pub const RECHECK: Duration = Duration::from_secs(5);

/// Runs a prepared request and answers with its event stream, or with the JSON refusal if it never ran.
pub(super) async fn respond(
    app: &AppState,
    meter: &Meter,
    prepared: Prepared,
    media: MediaType,
    stats: &RequestStats,
    resume: Arc<Resume>,
) -> Response {
    // Counted like a WebSocket of the same principal, before anything is charged.
    let mut limiter_key = None;
    let mut hold = None;
    if let (Some(rates), Some(key)) = (meter.rates(), meter.key()) {
        match rates.hold_socket(&key) {
            Ok(h) => hold = Some(h),
            Err(max) => {
                ::metrics::counter!(schema::metrics::RATE_LIMITED, "reason" => "sockets").increment(1);
                let msg = format!("too many connections: this credential holds {max} streams and sockets here already");
                return super::graphql::error_response(StatusCode::TOO_MANY_REQUESTS, media, &msg, Code::RateLimited);
            }
        }
        limiter_key = Some((rates.limiter.clone(), key));
    }
    let admission = Arc::new(Admission::default());
    // A live subscription that does not replay may share its execution with the same ones (`super::shared`).
    let shared = match (&app.sharing, &prepared.viewer) {
        (Some(sharing), Some(viewer)) if prepared.subscription && !resume.resumes() => {
            schema::events::sharing::share_key(&prepared.req, viewer).map(|key| (sharing.clone(), key))
        }
        _ => None,
    };
    let schema = if prepared.introspection_only { &app.introspection } else { &app.schema };
    let mut results = schema.execute_stream(prepared.req.data(admission.clone()).data(resume.clone())).boxed();
    // Until the operation is admitted, or its first result (a refusal among them) is there.
    let first = std::future::poll_fn(|cx| match results.poll_next_unpin(cx) {
        Poll::Ready(item) => Poll::Ready(Some(item)),
        Poll::Pending if admission.admitted() => Poll::Ready(None),
        Poll::Pending => Poll::Pending,
    })
    .await;
    let mut queue = VecDeque::new();
    let mut done = false;
    let results = match (&first, shared) {
        (None, Some((sharing, key))) => sharing
            .join(key, results, resume.clone())
            .map(|delivery| match delivery {
                Delivery::Next(payload) => next_json(&payload.json, payload.cursor.as_deref()),
                Delivery::Lagged => next_event(&super::shared::lagged_json()),
            })
            .boxed(),
        _ => {
            let resume = resume.clone();
            // The cursor is read once the result is there: the execution records it before yielding.
            results.map(move |resp| next(&resp, resume.last().as_deref())).boxed()
        }
    };
    match first {
        Some(Some(resp)) => {
            if let Some(refusal) = super::graphql::refused_before_execution(&resp, media, meter, stats) {
                return refusal;
            }
            queue.push_back(next(&resp, resume.last().as_deref()));
        }
        Some(None) => {
            queue.push_back(complete());
            done = true;
        }
        None => {}
    }
    let queue_len_delivered = u64::from(!done && !queue.is_empty());
    let check = prepared.viewer.clone().map(|v| super::graphql::session_check(app, v, limiter_key));
    let expires = prepared.viewer.as_ref().and_then(|v| v.expires_at).map(|t| {
        let left = (t - chrono::Utc::now()).to_std().unwrap_or_default();
        Instant::now() + left
    });
    let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Online while an agent's (or a contact's) subscription stream lives, as with a WebSocket.
    let presence = match &prepared.viewer {
        Some(v) if prepared.subscription && !done => app.presence.connect(v).await,
        _ => None,
    };
    let live = Live {
        _presence: presence,
        queue,
        done,
        results,
        check,
        delivered: queue_len_delivered,
        recheck,
        expires,
        shutdown: app.shutdown.subscribe(),
        written: Instant::now(),
        _hold: hold.map(|h| Box::new(h) as Box<dyn std::any::Any + Send>),
    };
    let mut resp = Body::from_stream(events(live)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

/// One stream's state, owned by the response body: dropping the body (the client went away) drops the operation.
struct Live {
    /// Events to send before polling anything else.
    queue: VecDeque<Bytes>,
    /// `complete` is queued or sent: nothing more after the queue.
    done: bool,
    /// Each result as its `next` event.
    results: BoxStream<'static, Bytes>,
    check: Option<super::ws::Check>,
    /// Results sent since the last check.
    delivered: u64,
    recheck: Interval,
    expires: Option<Instant>,
    shutdown: watch::Receiver<bool>,
    /// When the last event or comment was handed to the body (the keep-alive counts from there).
    written: Instant,
    _hold: Option<Box<dyn std::any::Any + Send>>,
    _presence: Option<schema::presence::PresenceGuard>,
}

fn events(live: Live) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    stream::unfold(live, |mut live| async move {
        loop {
            if let Some(event) = live.queue.pop_front() {
                live.written = Instant::now();
                return Some((Ok(event), live));
            }
            if live.done {
                return None;
            }
            tokio::select! {
                () = tokio::time::sleep_until(live.written + KEEP_ALIVE) => {
                    live.queue.push_back(Bytes::from_static(b":\n\n"));
                }
                item = live.results.next() => match item {
                    Some(event) => {
                        live.delivered += 1;
                        live.queue.push_back(event);
                    }
                    None => live.finish(None),
                },
                _ = live.recheck.tick(), if live.check.is_some() => {
                    let delivered = std::mem::take(&mut live.delivered);
                    if let Some(check) = live.check.as_ref().map(|c| c(delivered))
                        && let Err(why) = check.await
                    {
                        live.finish(Some(why));
                    }
                }
                () = super::ws::shutting_down(&mut live.shutdown) => live.finish(None),
                () = super::ws::until(live.expires) => live.finish(Some("the credential has expired".to_owned())),
            }
        }
    })
}

impl Live {
    /// Ends the stream: the operation is dropped, an `UNAUTHENTICATED` error is sent if the credential no longer
    /// holds, then `complete`.
    fn finish(&mut self, unauthenticated: Option<String>) {
        self.results = stream::empty().boxed();
        self.check = None;
        if let Some(why) = unauthenticated {
            let body = serde_json::json!({ "errors": [{ "message": format!("Forbidden: {why}"), "extensions": { "code": Code::Unauthenticated.as_str() } }] });
            self.queue.push_back(next_event(&body.to_string()));
        }
        self.queue.push_back(complete());
        self.done = true;
    }
}

/// A result: `event: next`, its JSON on one `data:` line (serde_json escapes every newline), with the cursor of
/// the last stored event delivered as its `id` (an event without `id` leaves the client's last id as it was).
fn next(resp: &GqlResponse, id: Option<&str>) -> Bytes {
    match serde_json::to_string(resp) {
        Ok(json) => next_json(&json, id),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a result for an event stream");
            let body = serde_json::json!({ "errors": [{ "message": "internal error", "extensions": { "code": Code::Internal.as_str() } }] });
            next_event(&body.to_string())
        }
    }
}

fn next_json(json: &str, id: Option<&str>) -> Bytes {
    match id {
        Some(id) => Bytes::from(format!("event: next\nid: {id}\ndata: {json}\n\n")),
        None => next_event(json),
    }
}

fn next_event(json: &str) -> Bytes {
    Bytes::from(format!("event: next\ndata: {json}\n\n"))
}

/// The end of the stream, framed as the graphql-sse reference server does (`data:` present and empty).
fn complete() -> Bytes {
    Bytes::from_static(b"event: complete\ndata:\n\n")
}

/// Where a stream resumes: after the request's `Last-Event-ID`, if it has one (`Err`: why it is refused).
pub(super) fn resume_point(headers: &axum::http::HeaderMap) -> Result<Arc<Resume>, String> {
    let Some(value) = headers.get("last-event-id") else { return Ok(Arc::default()) };
    let cursor = value.to_str().map_err(|_| "Last-Event-ID is not text".to_owned())?;
    if cursor.trim().is_empty() {
        return Ok(Arc::default());
    }
    Resume::after(cursor).map(Arc::new).map_err(|e| e.message())
}
