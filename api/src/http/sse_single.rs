//! GraphQL over Server-Sent Events, the graphql-sse protocol's *single connection mode*: one event stream per
//! client carries the results of every operation it runs, for browsers held to 6 connections per host over
//! HTTP/1 and for `EventSource`, which cannot send `Authorization`.
//!
//! 1. `PUT /graphql` with the credential reserves a stream: `201` and a token (`pst_…`, 256 random bits) as
//!    `text/plain`. The reservation belongs to that principal and counts as one of its sockets.
//! 2. `GET /graphql` with `Accept: text/event-stream` and the token, in `X-GraphQL-Event-Stream-Token` or, for
//!    `EventSource`, as `?token=` (the one URL parameter that is not a credential: it opens this stream and nothing
//!    else), opens the stream. One stream per reservation at a time (`409` for a second).
//! 3. `POST /graphql` with the token header and a GraphQL request whose `extensions.operationId` names it runs the
//!    operation as the reservation's principal: `202`, and its results arrive on the stream as
//!    `event: next` / `data: {"id", "payload"}`, then `event: complete` / `data: {"id"}`. A request refused before
//!    it runs gets the same status and body as over plain HTTP instead.
//! 4. `DELETE /graphql?operationId=…` with the token header stops one operation: `200`.
//!
//! Every event of the stream has an `id`, its number in the reservation. A reservation not opened within [`TTL`]
//! expires. When its stream drops, its operations keep running for [`TTL`] and their results are kept (up to
//! [`MAX_PENDING`]); the last [`KEEP`] events sent are kept too. A client that reconnects with the same token in
//! time, with `Last-Event-ID` (as `EventSource` does by itself), first gets every event after that id, then live
//! ones, so a network loss shorter than [`TTL`] loses nothing; the reconnection takes the stream over from a
//! connection the server still thinks open (a half-open TCP connection can look alive for minutes). Without
//! `Last-Event-ID`, a second stream for an open reservation is a `409`. After [`TTL`] away, or when the
//! credential is revoked, the reservation ends and its operations with it. Reservations live in the
//! instance that made them: behind a load balancer, their requests need the same instance (sticky sessions), or
//! use the distinct connections mode (`super::sse`), which needs nothing shared.

use super::metering::Meter;
use super::negotiate::MediaType;
use crate::auth;
use crate::state::AppState;
use async_graphql::Response as GqlResponse;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::StreamExt;
use rand::RngCore;
use schema::admission::Admission;
use schema::error::Code;
use schema::stats::RequestStats;
use schema::{Loaders, TaskQueue, Viewer};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// The header carrying a reservation's token (graphql-sse's name).
pub const TOKEN_HEADER: &str = "x-graphql-event-stream-token";
/// What every reservation token starts with.
const TOKEN_PREFIX: &str = "pst_";
/// How long a reservation waits for its stream, and for the client to come back when the stream dropped.
pub const TTL: Duration = Duration::from_secs(30);
/// Most results kept for a client that is away; one more ends the reservation.
pub const MAX_PENDING: u64 = 10_000;
/// Events already sent that are kept for a reconnection with `Last-Event-ID`.
pub const KEEP: usize = 1_000;
/// Most operations one reservation runs at once.
const MAX_OPERATIONS: usize = 100;

type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

/// This instance's reservations, by token.
#[derive(Default)]
pub struct Reservations(Mutex<HashMap<String, Arc<Reservation>>>);

pub struct Reservation {
    token: String,
    viewer: Viewer,
    rate_key: Option<(Arc<dyn schema::rate::Limiter>, schema::rate::RateKey)>,
    state: Mutex<Inner>,
    _hold: Option<crate::rate::SocketHold>,
}

struct Inner {
    /// The open stream's sender, or `None` while nobody listens (results wait in `log`).
    stream: Option<mpsc::UnboundedSender<Bytes>>,
    /// Which stream is the reservation's: a stream that was taken over must not detach its successor.
    generation: u64,
    /// Events (framed, with their `id`): the last [`KEEP`] handed to a stream, then those waiting for one.
    log: VecDeque<(u64, Bytes)>,
    /// The `id` of the last event made; ids start at 1.
    last: u64,
    /// The `id` of the last event handed to a stream.
    handed: u64,
    ops: HashMap<String, AbortHandle>,
    /// When the reservation ends unless a stream is open then.
    expires: Instant,
    ended: bool,
}

impl Reservations {
    fn get(&self, token: &str) -> Option<Arc<Reservation>> {
        let map = self.0.lock().ok()?;
        let r = map.get(token)?.clone();
        drop(map);
        if r.expired() {
            self.end(&r);
            return None;
        }
        Some(r)
    }

    fn insert(&self, r: Arc<Reservation>) {
        // Each reservation's own sweeper (spawned in `reserve`) removes it once it has expired.
        if let Ok(mut map) = self.0.lock() {
            map.insert(r.token.clone(), r);
        }
    }

    /// Ends a reservation: its operations stop, its stream (if open) ends.
    fn end(&self, r: &Reservation) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&r.token);
        }
        r.end();
    }
}

impl Reservation {
    fn expired(&self) -> bool {
        self.state.lock().map_or(true, |s| s.ended || (s.stream.is_none() && Instant::now() >= s.expires))
    }

    fn end(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.ended = true;
            s.stream = None;
            s.log.clear();
            for (_, op) in s.ops.drain() {
                op.abort();
            }
        }
    }

    /// Sends an event (`event: …` and `data: …` lines) on the stream, or keeps it for when the client is back;
    /// `false` when the reservation ended.
    fn send(&self, event: &str) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        if s.ended {
            return false;
        }
        if s.stream.is_none() && Instant::now() >= s.expires {
            drop(s);
            self.end();
            return false;
        }
        s.last += 1;
        let id = s.last;
        let framed = Bytes::from(format!("id: {id}\n{event}"));
        s.log.push_back((id, framed.clone()));
        if let Some(tx) = &s.stream
            && tx.send(framed).is_ok()
        {
            s.handed = id;
        }
        while s.log.len() > KEEP && s.log.front().is_some_and(|(id, _)| *id <= s.handed) {
            s.log.pop_front();
        }
        if s.last - s.handed > MAX_PENDING {
            drop(s);
            tracing::info!("an event stream's client stayed away too long: its reservation ended");
            self.end();
            return false;
        }
        true
    }

    fn finished(&self, id: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.ops.remove(id);
        }
    }
}

/// The token of a single-connection request: the header, or (for the stream itself) the `token` URL parameter.
pub fn token(headers: &HeaderMap, raw_query: Option<&str>) -> Option<String> {
    if let Some(t) = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(t.trim().to_owned());
    }
    url::form_urlencoded::parse(raw_query?.as_bytes())
        .find(|(k, v)| k == "token" && v.starts_with(TOKEN_PREFIX))
        .map(|(_, v)| v.into_owned())
}

/// `PUT /graphql`: a reservation for the credential's principal.
pub async fn reserve(State(app): State<Arc<AppState>>, peer: Peer, headers: HeaderMap) -> Response {
    let viewer = match authenticate(&app, &headers).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let (mut hold, mut rate_key) = (None, None);
    if let Some(rates) = &app.rates {
        let key = rates.key(Some(&viewer), peer.map(|p| p.0.0.ip()));
        match rates.hold_socket(&key) {
            Ok(h) => hold = Some(h),
            Err(max) => {
                ::metrics::counter!(schema::metrics::RATE_LIMITED, "reason" => "sockets").increment(1);
                let msg = format!("too many connections: this credential holds {max} streams and sockets here already");
                return json_error(StatusCode::TOO_MANY_REQUESTS, &msg, Code::RateLimited);
            }
        }
        rate_key = Some((rates.limiter.clone(), key));
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let state = Inner {
        stream: None,
        generation: 0,
        log: VecDeque::new(),
        last: 0,
        handed: 0,
        ops: HashMap::new(),
        expires: Instant::now() + TTL,
        ended: false,
    };
    let reservation =
        Arc::new(Reservation { token: token.clone(), viewer, rate_key, state: Mutex::new(state), _hold: hold });
    app.reservations.insert(reservation.clone());
    // Ends the reservation once it has been without a stream for `TTL`, operations and socket slot with it.
    let sweeper = app.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TTL / 3).await;
            if reservation.state.lock().map_or(true, |s| s.ended) {
                return;
            }
            if reservation.expired() {
                sweeper.reservations.end(&reservation);
                return;
            }
        }
    });
    let mut resp = (StatusCode::CREATED, token).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /graphql` with a token and `Accept: text/event-stream`: the reservation's stream, from after
/// `Last-Event-ID` if the client says where it was.
pub async fn open(app: &AppState, token: &str, headers: &HeaderMap) -> Response {
    let Some(r) = app.reservations.get(token) else { return not_found() };
    let last_seen = match headers.get("last-event-id").map(|v| v.to_str().map(|v| v.trim().parse::<u64>())) {
        None => None,
        Some(Ok(Ok(id))) => Some(id),
        Some(_) => {
            let msg = "Last-Event-ID is not an id of this stream: reconnect without it";
            return json_error(StatusCode::BAD_REQUEST, msg, Code::BadUserInput);
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let generation = {
        let Ok(mut s) = r.state.lock() else { return not_found() };
        if last_seen.is_none() && s.stream.as_ref().is_some_and(|tx| !tx.is_closed()) {
            return json_error(StatusCode::CONFLICT, "this reservation's stream is open already", Code::Conflict);
        }
        let from = last_seen.unwrap_or(s.handed);
        if from > s.last || s.log.front().is_some_and(|(first, _)| *first > from + 1) {
            let msg = "events after this Last-Event-ID are no longer kept: make a new reservation";
            return json_error(StatusCode::CONFLICT, msg, Code::Conflict);
        }
        // What the client has not seen goes first; a stream the server still held open is replaced (it ends).
        for (_, event) in s.log.iter().filter(|(id, _)| *id > from) {
            let _ = tx.send(event.clone());
        }
        s.handed = s.last;
        s.stream = Some(tx);
        s.generation += 1;
        s.generation
    };
    // An open stream is a live connection of its principal (an agent is online while it holds one).
    let presence = app.presence.connect(&r.viewer).await;
    let body = Body::from_stream(stream(app, r, rx, generation, presence));
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

/// Detaches the stream when the body is dropped (the client went away): the reservation waits [`TTL`] for it,
/// unless another stream took it over meanwhile.
struct Attached(Arc<Reservation>, u64);

impl Drop for Attached {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.state.lock()
            && s.generation == self.1
        {
            s.stream = None;
            s.expires = Instant::now() + TTL;
        }
    }
}

fn stream(
    app: &AppState,
    r: Arc<Reservation>,
    rx: mpsc::UnboundedReceiver<Bytes>,
    generation: u64,
    presence: Option<schema::presence::PresenceGuard>,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static {
    let mut recheck = tokio::time::interval_at(Instant::now() + super::sse::RECHECK, super::sse::RECHECK);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let live = Live {
        check: super::graphql::session_check(app, r.viewer.clone(), r.rate_key.clone()),
        expires: r.viewer.expires_at.map(|t| Instant::now() + (t - chrono::Utc::now()).to_std().unwrap_or_default()),
        attached: Attached(r, generation),
        rx,
        recheck,
        shutdown: app.shutdown.subscribe(),
        delivered: 0,
        done: false,
        _presence: presence,
    };
    // A comment first: some browsers only report the stream open once a byte arrived.
    let opening = futures::stream::once(async { Ok(Bytes::from_static(b":\n\n")) });
    opening.chain(futures::stream::unfold(live, |mut live| async move {
        if live.done {
            return None;
        }
        let last_words = loop {
            tokio::select! {
                event = live.rx.recv() => match event {
                    Some(event) => {
                        live.delivered += 1;
                        return Some((Ok(event), live));
                    }
                    None => return None,
                },
                () = tokio::time::sleep(super::sse::KEEP_ALIVE) => return Some((Ok(Bytes::from_static(b":\n\n")), live)),
                _ = live.recheck.tick() => {
                    let n = std::mem::take(&mut live.delivered);
                    if let Err(why) = (live.check)(n).await {
                        break unauthenticated(&why);
                    }
                }
                () = super::ws::shutting_down(&mut live.shutdown) => {
                    live.attached.0.end();
                    return None;
                }
                () = super::ws::until(live.expires) => break unauthenticated("the credential has expired"),
            }
        };
        live.attached.0.end();
        live.done = true;
        Some((Ok(last_words), live))
    }))
}

/// An open stream's state, owned by the response body.
struct Live {
    attached: Attached,
    rx: mpsc::UnboundedReceiver<Bytes>,
    check: super::ws::Check,
    recheck: tokio::time::Interval,
    expires: Option<Instant>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// Events sent since the last check (charged then).
    delivered: u64,
    done: bool,
    _presence: Option<schema::presence::PresenceGuard>,
}

/// The stream's last words when the credential stopped holding (no operation id: it is about them all).
fn unauthenticated(why: &str) -> Bytes {
    let body = serde_json::json!({ "errors": [{ "message": format!("Forbidden: {why}"), "extensions": { "code": Code::Unauthenticated.as_str() } }] });
    Bytes::from(format!("event: next\ndata: {body}\n\n"))
}

/// `POST /graphql` with a token: runs an operation whose results go to the reservation's stream.
pub async fn operation(app: &AppState, meter: &Meter, token: &str, body: Bytes, media: MediaType) -> Response {
    let req = match super::request::from_body(&body) {
        Ok(req) => req,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &e.0, Code::BadUserInput),
    };
    let id = match req.extensions.get("operationId") {
        Some(async_graphql::Value::String(id)) if !id.is_empty() && id.len() <= 200 => id.clone(),
        _ => {
            let msg = "name the operation with `extensions.operationId` (a string of 1 to 200 characters)";
            return json_error(StatusCode::BAD_REQUEST, msg, Code::BadUserInput);
        }
    };
    let Some(r) = app.reservations.get(token) else { return not_found() };
    {
        let Ok(s) = r.state.lock() else { return not_found() };
        if s.ops.contains_key(&id) {
            return json_error(StatusCode::CONFLICT, "an operation with this id is running", Code::Conflict);
        }
        if s.ops.len() >= MAX_OPERATIONS {
            let msg = format!("a stream runs at most {MAX_OPERATIONS} operations at once");
            return json_error(StatusCode::TOO_MANY_REQUESTS, &msg, Code::RateLimited);
        }
    }
    let viewer = r.viewer.clone();
    let loaders = Loaders::new(app.db.clone(), viewer.clone(), Arc::new(TaskQueue::detached()));
    let admission = Arc::new(Admission::default());
    let req = meter.attach(Some(&viewer), req).data(viewer).data(loaders).data(admission.clone());
    let mut results = app.schema.execute_stream(req).boxed();
    // Until it is admitted, or its first result (a refusal among them) is there.
    let first = std::future::poll_fn(|cx| match results.poll_next_unpin(cx) {
        std::task::Poll::Ready(item) => std::task::Poll::Ready(Some(item)),
        std::task::Poll::Pending if admission.admitted() => std::task::Poll::Ready(None),
        std::task::Poll::Pending => std::task::Poll::Pending,
    })
    .await;
    let mut first_result = None;
    match first {
        Some(Some(resp)) => {
            let stats = RequestStats::default();
            if let Some(refusal) = super::graphql::refused_before_execution(&resp, media, meter, &stats) {
                return refusal;
            }
            first_result = Some(resp);
        }
        Some(None) => {
            r.send(&complete(&id));
            return StatusCode::ACCEPTED.into_response();
        }
        None => {}
    }
    let (task_r, task_id) = (r.clone(), id.clone());
    let task = tokio::spawn(async move {
        if let Some(resp) = first_result
            && !task_r.send(&next(&task_id, &resp))
        {
            return;
        }
        while let Some(resp) = results.next().await {
            if !task_r.send(&next(&task_id, &resp)) {
                return;
            }
        }
        task_r.send(&complete(&task_id));
        task_r.finished(&task_id);
    });
    if let Ok(mut s) = r.state.lock() {
        if s.ended {
            task.abort();
            return not_found();
        }
        s.ops.insert(id, task.abort_handle());
    }
    StatusCode::ACCEPTED.into_response()
}

/// `DELETE /graphql?operationId=…` with a token: stops one operation.
pub async fn stop(State(app): State<Arc<AppState>>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let Some(token) = token(&headers, None) else {
        let msg = format!("send the reservation's token in `{TOKEN_HEADER}`");
        return json_error(StatusCode::BAD_REQUEST, &msg, Code::BadUserInput);
    };
    let id = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "operationId")
        .map(|(_, v)| v.into_owned());
    let Some(id) = id.filter(|id| !id.is_empty()) else {
        return json_error(StatusCode::BAD_REQUEST, "`operationId` is missing", Code::BadUserInput);
    };
    let Some(r) = app.reservations.get(&token) else { return not_found() };
    if let Ok(mut s) = r.state.lock()
        && let Some(op) = s.ops.remove(&id)
    {
        op.abort();
    }
    StatusCode::OK.into_response()
}

async fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Viewer, Response> {
    // The same answers as a refused credential on `/graphql` (401 with `WWW-Authenticate`, or 503).
    let media = MediaType::Json;
    let credential = match auth::bearer(headers.get(header::AUTHORIZATION)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            let why = "a reservation needs `Authorization: Bearer <token or API key>`";
            let resp = super::graphql::error_response(StatusCode::UNAUTHORIZED, media, why, Code::Unauthenticated);
            return Err(super::graphql::unauthenticated(resp, None));
        }
        Err(refusal) => return Err(super::graphql::refused_credential(refusal, media)),
    };
    match app.auth.authenticate(credential).await {
        Ok(v) => {
            tracing::Span::current().record("principal", v.label());
            Ok(v)
        }
        Err(refusal) => Err(super::graphql::refused_credential(refusal, media)),
    }
}

fn next(id: &str, resp: &GqlResponse) -> String {
    match serde_json::to_string(&serde_json::json!({ "id": id, "payload": resp })) {
        Ok(json) => format!("event: next\ndata: {json}\n\n"),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a result for an event stream");
            let body = serde_json::json!({ "id": id, "payload": { "errors": [{ "message": "internal error", "extensions": { "code": Code::Internal.as_str() } }] } });
            format!("event: next\ndata: {body}\n\n")
        }
    }
}

fn complete(id: &str) -> String {
    format!("event: complete\ndata: {}\n\n", serde_json::json!({ "id": id }))
}

fn not_found() -> Response {
    let msg = "no such stream reservation (expired, ended, or made on another instance): make a new one with PUT";
    json_error(StatusCode::NOT_FOUND, msg, Code::NotFound)
}

fn json_error(status: StatusCode, message: &str, code: Code) -> Response {
    super::graphql::error_response(status, MediaType::Json, message, code)
}
