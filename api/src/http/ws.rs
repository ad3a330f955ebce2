//! GraphQL over WebSocket on `GET /graphql`: the `graphql-transport-ws` protocol (graphql-ws, preferred) and the
//! legacy `graphql-ws` subprotocol (subscriptions-transport-ws), in one small state machine per connection.
//!
//! Why not async-graphql's own `http::WebSocket`: it misses most close codes of graphql-transport-ws (PROTOCOL.md),
//! puts full parser errors in close frames (over the 123-byte limit), and gives `connection_init` no access to the
//! upgrade request's headers. Both protocols differ only in message names and a few rules, so one loop serves both:
//!
//! | event | graphql-transport-ws | legacy graphql-ws |
//! |---|---|---|
//! | no `connection_init` within `init_timeout` (also a slow `OnInit`) | close 4408 | close 4408 |
//! | second `connection_init` | close 4429 | close 4429 |
//! | `OnInit` refuses (no or bad credential) | close 4403 `Forbidden: <reason>` | `connection_error`, then close 4403 |
//! | the credential expires or is revoked while open | close 4403 `Forbidden: <reason>` | same |
//! | the credential already holds `--max-sockets-per-principal` sockets here | close 4429 `Too many connections…` | same |
//! | `subscribe`/`start` before `connection_ack` | close 4401 | close 4401 |
//! | `subscribe`/`start` with an active id | close 4409 | the new operation replaces the old one |
//! | invalid JSON, unknown `type`, bad `id`/`payload` | close 4400 | close 4400 |
//! | document refused (parse, validation, variables) | one `error`, no `complete` | `data` with errors, `complete` |
//! | `complete`/`stop` from the client | the operation stops, nothing sent | the operation stops, `complete` sent |
//! | `ping` | `pong` with the same payload (also before init) | same |
//! | server shutting down (SIGTERM/SIGINT) | close 1001 | close 1001 |
//!
//! Buffering: the connection is one task that writes every message before it polls the operations again, so a
//! slow reader pushes back on its subscriptions' sources (the bus's broadcast, or a shared execution's queue of
//! `super::shared::QUEUE` results; both cut a subscriber that falls behind off with an error) instead of queueing
//! without bound in this process. Live subscriptions of the same document, variables and visibility share one
//! execution (`super::shared`). A message that cannot be written within `write_timeout` closes the connection with
//! 1013 "Client is too slow" (best effort: a stuck socket is then dropped). WebSocket-level pings every `keepalive`
//! drop peers that answer nothing for a whole interval (like the graphql-ws server's `keepAlive`).
//!
//! Read buffer 4 KiB instead of tungstenite's 128 KiB (DESIGN.md §4). Measured: ~9 KB of server RSS per idle
//! acknowledged connection (1k–5k sockets), against ~134 KB for async-graphql-axum's `GraphQLSubscription`.
//! Close reasons are cut to 123 bytes on a char boundary.

use super::shared::{Delivery, Sharing};
use async_graphql::{Data, Executor, Request, Response, Value as GqlValue};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures::future::BoxFuture;
use futures::stream::{self, AbortHandle, BoxStream, SelectAll, StreamExt};
use schema::admission::Admission;
use schema::error::Code;
use schema::events::resume::Resume;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tracing::Instrument;

/// What connection_init decided: the session of the connection, or a refusal.
///
/// Called once per connection with the `connection_init` payload (`Null` if absent) and the upgrade request's
/// headers. A refusal closes the socket with its code and reason (legacy: `connection_error` first).
pub type OnInit = Arc<dyn Fn(Value, HeaderMap) -> BoxFuture<'static, Result<Session, InitRefusal>> + Send + Sync>;

/// Why `connection_init` was refused: the close code and its reason.
pub struct InitRefusal {
    pub code: u16,
    pub reason: String,
}

impl InitRefusal {
    /// 4403 `Forbidden: <reason>`: no credential, or a refused one.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self { code: 4403, reason: format!("Forbidden: {}", reason.into()) }
    }
}

/// Run every [`WsConfig::recheck`] with the number of results delivered since the last run (`next`/`data`
/// messages): whether the connection's credential still holds (`Err(reason)` closes the socket with 4403), and
/// the place to account for the deliveries.
pub type Check = Arc<dyn Fn(u64) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// An acknowledged connection's session.
pub struct Session {
    /// Extra request data for every operation of the connection (the viewer, its loaders).
    pub data: Data,
    /// When the credential expires: the socket closes then with 4403 "Forbidden: the credential has expired".
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Run every [`WsConfig::recheck`] (a revoked key, a deleted agent; the deliveries' cost).
    pub check: Option<Check>,
    /// Held for as long as the connection lives (what counts its principal's sockets).
    pub hold: Option<Box<dyn std::any::Any + Send>>,
}

/// Called on every operation's request before it runs (e.g. to add per-operation DataLoaders to `Request::data`).
/// The connection's `OnInit` data is already reachable from the context as session data.
pub type OnRequest = Arc<dyn Fn(Request) -> Request + Send + Sync>;

/// Per-connection limits and timers. `WsConfig::default()` is what a plain [`upgrade`] uses.
#[derive(Clone)]
pub struct WsConfig {
    /// Close 4408 when `connection_init` has not been acknowledged this long after the upgrade (default 3 s).
    pub init_timeout: Duration,
    /// WebSocket ping interval; a peer that sends nothing (not even a pong) for a whole interval is dropped.
    /// `None` disables (default 12 s, as the graphql-ws server).
    pub keepalive: Option<Duration>,
    /// A message not written within this long closes the connection with 1013 (default 10 s).
    pub write_timeout: Duration,
    /// Active operations per connection; one more gets an `error` (default 100).
    pub max_operations: usize,
    /// Largest message (and frame) accepted from the client; larger closes with 1009 (default 256 KiB).
    pub max_message_size: usize,
    /// See [`OnRequest`] (default none).
    pub on_request: Option<OnRequest>,
    /// How often the session's [`Check`] runs (default 5 s: a revoked key's sockets close within that).
    pub recheck: Duration,
    /// Shared executions for subscribers of the same live subscription (`super::shared`; default none: every
    /// operation runs on its own).
    pub sharing: Option<Arc<Sharing>>,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            init_timeout: Duration::from_secs(3),
            keepalive: Some(Duration::from_secs(12)),
            write_timeout: Duration::from_secs(10),
            max_operations: 100,
            max_message_size: 256 * 1024,
            on_request: None,
            recheck: Duration::from_secs(5),
            sharing: None,
        }
    }
}

const TRANSPORT_WS: &str = "graphql-transport-ws";
const LEGACY_WS: &str = "graphql-ws";
/// A close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason.
const MAX_CLOSE_REASON: usize = 123;
/// How long we wait to deliver our close frame, then for the peer's reply to it.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Whether the request asks for a WebSocket (`Upgrade: websocket`), so that `GET /graphql` should hand it to
/// [`upgrade`] (and answer with the extractor's rejection if the rest of the handshake is malformed).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// GET /graphql with `Upgrade: websocket`: negotiates `graphql-transport-ws` (preferred) or legacy `graphql-ws`,
/// refuses others (400). The socket closes with 1001 once `shutdown` turns `true`, and drops the receiver then.
pub fn upgrade<E: Executor>(
    executor: E,
    on_init: OnInit,
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    shutdown: watch::Receiver<bool>,
    config: WsConfig,
) -> HttpResponse {
    let ws = ws.protocols([TRANSPORT_WS, LEGACY_WS]);
    let proto = match ws.selected_protocol().map(HeaderValue::as_bytes) {
        Some(p) if p == TRANSPORT_WS.as_bytes() => Proto::Transport,
        Some(p) if p == LEGACY_WS.as_bytes() => Proto::Legacy,
        _ => {
            let msg = "unsupported WebSocket subprotocol: offer graphql-transport-ws (or the legacy graphql-ws)";
            return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg)
                .into_response();
        }
    };
    let span = tracing::Span::current();
    ws.read_buffer_size(4096)
        .max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
        .on_upgrade(move |socket| {
            let conn = Conn {
                proto,
                executor,
                init: Some((on_init, headers)),
                data: None,
                expires: None,
                check: None,
                hold: None,
                delivered: 0,
                active: HashMap::new(),
                ops: SelectAll::new(),
                config,
                shutdown,
            };
            conn.run(socket).instrument(span)
        })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    /// `graphql-transport-ws` (graphql-ws).
    Transport,
    /// Legacy `graphql-ws` (subscriptions-transport-ws).
    Legacy,
}

/// How a connection ends when it is not the client closing it.
enum Exit {
    /// Send a close frame with this code and reason, then drop.
    Close(u16, Cow<'static, str>),
    /// Drop the socket without a close frame (it is gone, or the peer is unresponsive).
    Drop,
}

type Flow = Result<(), Exit>;

fn bad(reason: impl Into<Cow<'static, str>>) -> Exit {
    Exit::Close(4400, reason.into())
}

/// One event of an operation: a result, or `None` when its stream ended.
type OpEvent = (Arc<str>, Option<OpItem>);

/// A result of an operation.
#[expect(clippy::large_enum_variant, reason = "moved once per result; boxing would allocate once per result")]
enum OpItem {
    /// From its own execution, and whether it is the first.
    Own(Response, bool),
    /// From a shared execution (`super::shared`), already serialised.
    Shared(Delivery),
}

struct Conn<E> {
    proto: Proto,
    executor: E,
    /// Until the first `connection_init`: the callback and the upgrade request's headers.
    init: Option<(OnInit, HeaderMap)>,
    /// Set once `connection_ack` is sent: the `OnInit` data, shared by every operation as session data.
    data: Option<Arc<Data>>,
    /// When the session's credential expires.
    expires: Option<Instant>,
    check: Option<Check>,
    hold: Option<Box<dyn std::any::Any + Send>>,
    /// Results delivered since the last check.
    delivered: u64,
    active: HashMap<Arc<str>, AbortHandle>,
    ops: SelectAll<BoxStream<'static, OpEvent>>,
    config: WsConfig,
    /// The server's shutdown flag (AppState::shutdown); held until the socket is closed.
    shutdown: watch::Receiver<bool>,
}

#[derive(Serialize)]
struct Out<'a, P: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type")]
    ty: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<P>,
}

impl<E: Executor> Conn<E> {
    async fn run(mut self, mut socket: WebSocket) {
        let _open = Gauge::up(schema::metrics::WS_CONNECTIONS);
        let exit = self.serve(&mut socket).await;
        // Stop every operation before the (possibly slow) closing handshake.
        self.ops = SelectAll::new();
        self.active.clear();
        if let Exit::Close(code, reason) = exit {
            close(&mut socket, code, &reason).await;
        }
    }

    async fn serve(&mut self, socket: &mut WebSocket) -> Exit {
        let init_deadline = Instant::now() + self.config.init_timeout;
        let init_timer = tokio::time::sleep_until(init_deadline);
        tokio::pin!(init_timer);
        let mut keepalive = self.config.keepalive.map(|period| {
            let mut interval = tokio::time::interval_at(Instant::now() + period, period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        let mut heard = true; // received anything since the last keep-alive ping
        let mut recheck = tokio::time::interval_at(Instant::now() + self.config.recheck, self.config.recheck);
        recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // The handlers are boxed so that an idle connection's task stays small (~2 KB instead of ~3.3 KB).
        loop {
            let flow = tokio::select! {
                msg = socket.recv() => match msg {
                    None => return Exit::Drop,
                    Some(Err(e)) => return read_error(&e.to_string()),
                    Some(Ok(msg)) => {
                        heard = true;
                        Box::pin(self.on_frame(socket, msg, init_deadline)).await
                    }
                },
                Some((id, event)) = self.ops.next(), if !self.ops.is_empty() => {
                    Box::pin(self.on_op(socket, id, event)).await
                }
                () = shutting_down(&mut self.shutdown) => {
                    Err(Exit::Close(1001, "server shutting down".into()))
                }
                () = &mut init_timer, if self.data.is_none() => {
                    Err(Exit::Close(4408, "Connection initialisation timeout".into()))
                }
                () = until(self.expires) => {
                    Err(Exit::Close(4403, "Forbidden: the credential has expired".into()))
                }
                _ = recheck.tick(), if self.check.is_some() => {
                    let delivered = std::mem::take(&mut self.delivered);
                    match self.check.as_ref().map(|c| c(delivered)) {
                        Some(check) => check.await.map_err(|why| Exit::Close(4403, format!("Forbidden: {why}").into())),
                        None => Ok(()),
                    }
                }
                () = tick(&mut keepalive) => {
                    if !heard {
                        tracing::debug!("WebSocket peer silent for a keep-alive interval: dropped");
                        return Exit::Drop;
                    }
                    heard = false;
                    self.write(socket, Message::Ping(Default::default())).await
                }
            };
            if let Err(exit) = flow {
                return exit;
            }
        }
    }

    async fn on_frame(&mut self, socket: &mut WebSocket, msg: Message, init_deadline: Instant) -> Flow {
        let text = match &msg {
            Message::Text(t) => t.as_str(),
            Message::Binary(b) => std::str::from_utf8(b).map_err(|_| bad("Invalid message received"))?,
            // Pongs to our pings arrive here; tungstenite answers pings and close frames itself (a close from the
            // client ends `recv` on the next call).
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return Ok(()),
        };
        let Ok(Value::Object(mut msg)) = serde_json::from_str::<Value>(text) else {
            return Err(bad("Invalid message received"));
        };
        let Some(Value::String(ty)) = msg.remove("type") else {
            return Err(bad("Invalid message received: no type"));
        };
        match (self.proto, ty.as_str()) {
            (_, "connection_init") => {
                let payload = optional_object(msg.remove("payload"))?;
                self.on_init(socket, payload, init_deadline).await
            }
            (_, "ping") => {
                let payload = optional_object(msg.remove("payload"))?;
                let payload = (!payload.is_null()).then_some(payload);
                self.send(socket, Out { id: None, ty: "pong", payload }).await
            }
            (_, "pong") => Ok(()),
            (Proto::Transport, "subscribe") | (Proto::Legacy, "start") => {
                let id = take_id(&mut msg)?;
                let request = parse_request(msg.remove("payload"))?;
                self.on_subscribe(socket, id, request).await
            }
            (Proto::Transport, "complete") | (Proto::Legacy, "stop") => {
                let id = take_id(&mut msg)?;
                match self.active.remove(id.as_str()) {
                    Some(handle) => {
                        handle.abort();
                        // subscriptions-transport-ws answers `stop` with `complete`; graphql-ws does not.
                        match self.proto {
                            Proto::Legacy => self.send(socket, complete(&id)).await,
                            Proto::Transport => Ok(()),
                        }
                    }
                    None => Ok(()),
                }
            }
            (Proto::Legacy, "connection_terminate") => Err(Exit::Close(1000, "Normal closure".into())),
            (_, ty) => Err(bad(format!("Invalid message received: unexpected type \"{ty}\""))),
        }
    }

    async fn on_init(&mut self, socket: &mut WebSocket, payload: Value, init_deadline: Instant) -> Flow {
        let Some((on_init, headers)) = self.init.take() else {
            return Err(Exit::Close(4429, "Too many initialisation requests".into()));
        };
        // A slow `OnInit` counts against the same deadline, as in the graphql-ws server.
        let decision = tokio::time::timeout_at(init_deadline, on_init(payload, headers))
            .await
            .map_err(|_| Exit::Close(4408, "Connection initialisation timeout".into()))?;
        match decision {
            Ok(session) => {
                self.data = Some(Arc::new(session.data));
                self.check = session.check;
                self.hold = session.hold;
                self.expires = session.expires_at.map(|t| {
                    let left = (t - chrono::Utc::now()).to_std().unwrap_or_default();
                    Instant::now() + left
                });
                self.send(socket, Out::<()> { id: None, ty: "connection_ack", payload: None }).await
            }
            Err(refusal) => {
                if self.proto == Proto::Legacy {
                    let payload = serde_json::json!({ "message": refusal.reason });
                    self.send(socket, Out { id: None, ty: "connection_error", payload: Some(payload) }).await?;
                }
                Err(Exit::Close(refusal.code, refusal.reason.into()))
            }
        }
    }

    async fn on_subscribe(&mut self, socket: &mut WebSocket, id: String, mut request: Request) -> Flow {
        let Some(data) = self.data.clone() else {
            return Err(Exit::Close(4401, "Unauthorized".into()));
        };
        if let Some(old) = self.active.remove(id.as_str()) {
            if self.proto == Proto::Transport {
                return Err(Exit::Close(4409, format!("Subscriber for {id} already exists").into()));
            }
            old.abort(); // subscriptions-transport-ws replaces an operation whose id is reused
        }
        if self.active.len() >= self.config.max_operations {
            let message =
                format!("too many active operations on this connection (the limit is {})", self.config.max_operations);
            return match self.proto {
                Proto::Transport => {
                    let payload = serde_json::json!([{ "message": message, "extensions": { "code": Code::RateLimited.as_str() } }]);
                    self.send(socket, Out { id: Some(&id), ty: "error", payload: Some(payload) }).await
                }
                Proto::Legacy => {
                    let payload = serde_json::json!({ "message": message });
                    self.send(socket, Out { id: Some(&id), ty: "error", payload: Some(payload) }).await
                }
            };
        }
        if let Some(on_request) = &self.config.on_request {
            request = on_request(request);
        }
        let shared = self.config.sharing.clone().and_then(|sharing| {
            let viewer = data.get(&std::any::TypeId::of::<schema::Viewer>())?.downcast_ref::<schema::Viewer>()?;
            Some((sharing, schema::events::sharing::share_key(&request, viewer)?))
        });
        let results = match shared {
            None => self
                .executor
                .execute_stream(request, Some(data))
                .enumerate()
                .map(|(i, response)| OpItem::Own(response, i == 0))
                .boxed(),
            Some((sharing, key)) => {
                let admission = Arc::new(Admission::default());
                let resume = Arc::new(Resume::default());
                let request = request.data(admission.clone()).data(resume.clone());
                let own = self.executor.execute_stream(request, Some(data));
                stream::once(share_once_admitted(own, admission, resume, sharing, key)).flatten().boxed()
            }
        }
        .map(Some)
        .chain(stream::once(async { None }));
        let (results, handle) = stream::abortable(results);
        let id: Arc<str> = id.into();
        let tag = id.clone();
        // Counted while the operation's stream exists: it is dropped when it ends, is stopped, or the socket closes.
        ::metrics::counter!(schema::metrics::WS_SUBSCRIPTIONS_STARTED).increment(1);
        let active = Gauge::up(schema::metrics::WS_SUBSCRIPTIONS);
        self.ops.push(
            results
                .map(move |event| {
                    let _ = &active;
                    (tag.clone(), event)
                })
                .boxed(),
        );
        self.active.insert(id, handle);
        Ok(())
    }

    async fn on_op(&mut self, socket: &mut WebSocket, id: Arc<str>, event: Option<OpItem>) -> Flow {
        let ty = match self.proto {
            Proto::Transport => "next",
            Proto::Legacy => "data",
        };
        match event {
            Some(OpItem::Shared(Delivery::Next(payload))) => {
                self.delivered += 1;
                self.write(socket, Message::Text(frame(&id, ty, &payload.json).into())).await
            }
            Some(OpItem::Shared(Delivery::Lagged)) => {
                // Cut off for falling behind (`super::shared`): say so, then the operation is over.
                self.active.remove(&id);
                let payload = super::shared::lagged_json();
                self.write(socket, Message::Text(frame(&id, ty, &payload).into())).await?;
                self.send(socket, complete(&id)).await
            }
            Some(OpItem::Own(response, first)) => {
                if first && self.proto == Proto::Transport && is_request_error(&response) {
                    // graphql-ws: a document that cannot run gets one `error` and no `complete`.
                    if let Some(handle) = self.active.remove(&id) {
                        handle.abort();
                    }
                    return self
                        .send(socket, Out { id: Some(&id), ty: "error", payload: Some(&response.errors) })
                        .await;
                }
                self.delivered += 1;
                self.send(socket, Out { id: Some(&id), ty, payload: Some(&response) }).await
            }
            None => {
                self.active.remove(&id);
                self.send(socket, complete(&id)).await
            }
        }
    }

    /// Write one protocol message. (`&mut self` rather than `&self`: the future must stay `Send`, and `Conn` is
    /// not `Sync`.)
    async fn send<P: Serialize>(&mut self, socket: &mut WebSocket, out: Out<'_, P>) -> Flow {
        match serde_json::to_string(&out) {
            Ok(text) => self.write(socket, Message::Text(text.into())).await,
            Err(e) => {
                tracing::error!(error = %e, "could not serialize a WebSocket message");
                Err(Exit::Close(1011, "Internal error".into()))
            }
        }
    }

    async fn write(&mut self, socket: &mut WebSocket, msg: Message) -> Flow {
        match tokio::time::timeout(self.config.write_timeout, socket.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Exit::Drop),
            Err(_) => {
                tracing::debug!("WebSocket client too slow: closing");
                Err(Exit::Close(1013, "Client is too slow".into()))
            }
        }
    }
}

/// `{"id":…,"type":…,"payload":…}` around an already serialised payload.
fn frame(id: &str, ty: &str, payload: &str) -> String {
    let id = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".to_owned());
    let mut text = String::with_capacity(payload.len() + id.len() + ty.len() + 32);
    text.push_str("{\"id\":");
    text.push_str(&id);
    text.push_str(",\"type\":\"");
    text.push_str(ty);
    text.push_str("\",\"payload\":");
    text.push_str(payload);
    text.push('}');
    text
}

/// Runs `own` until it is admitted; then, if it has produced nothing yet, hands it to the shared executions
/// (joining the running one for `key`, or becoming it). A refusal, or a first result before admission, stays
/// this operation's own.
async fn share_once_admitted(
    mut own: BoxStream<'static, Response>,
    admission: Arc<Admission>,
    resume: Arc<Resume>,
    sharing: Arc<Sharing>,
    key: schema::events::sharing::ShareKey,
) -> BoxStream<'static, OpItem> {
    let first = std::future::poll_fn(|cx| match own.poll_next_unpin(cx) {
        std::task::Poll::Ready(item) => std::task::Poll::Ready(Some(item)),
        std::task::Poll::Pending if admission.admitted() => std::task::Poll::Ready(None),
        std::task::Poll::Pending => std::task::Poll::Pending,
    })
    .await;
    match first {
        Some(Some(response)) => stream::once(async move { OpItem::Own(response, true) })
            .chain(own.map(|response| OpItem::Own(response, false)))
            .boxed(),
        Some(None) => stream::empty().boxed(),
        None => sharing.join(key, own, resume).map(OpItem::Shared).boxed(),
    }
}

fn complete(id: &str) -> Out<'_, ()> {
    Out { id: Some(id), ty: "complete", payload: None }
}

/// Parse, validation, variable and limit errors: async-graphql answers them with a first (and only) response that
/// has no data and errors without a path. Errors of a running operation always carry the field's path.
pub(super) fn is_request_error(response: &Response) -> bool {
    response.data == GqlValue::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty())
}

/// A gauge raised for as long as this value lives.
struct Gauge(&'static str);

impl Gauge {
    fn up(name: &'static str) -> Self {
        ::metrics::gauge!(name).increment(1.0);
        Gauge(name)
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        ::metrics::gauge!(self.0).decrement(1.0);
    }
}

/// Completes once the server shuts down (never, if the flag's sender is gone).
pub(super) async fn shutting_down(flag: &mut watch::Receiver<bool>) {
    let flipped = flag.wait_for(|down| *down).await.is_ok();
    if !flipped {
        std::future::pending::<()>().await;
    }
}

/// Completes at `deadline` (never without one).
pub(super) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn tick(keepalive: &mut Option<Interval>) {
    match keepalive {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Send a close frame (reason cut to fit), then wait briefly for the peer's close so that it reads ours before the
/// TCP connection goes away.
async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: truncate(reason, MAX_CLOSE_REASON).into() };
    if let Ok(Ok(())) = tokio::time::timeout(CLOSE_WAIT, socket.send(Message::Close(Some(frame)))).await {
        let _ = tokio::time::timeout(CLOSE_WAIT, async { while let Some(Ok(_)) = socket.recv().await {} }).await;
    }
}

fn read_error(error: &str) -> Exit {
    // axum hides tungstenite's error type; its messages are stable.
    if error.starts_with("Space limit exceeded") {
        Exit::Close(1009, "Message too big".into())
    } else if error.starts_with("WebSocket protocol error") {
        Exit::Close(1002, "Protocol error".into())
    } else if error.starts_with("UTF-8 encoding error") {
        Exit::Close(1007, "Invalid UTF-8".into())
    } else {
        Exit::Drop
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `payload` of `connection_init`, `ping`: absent, null or an object.
fn optional_object(payload: Option<Value>) -> Result<Value, Exit> {
    match payload {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(bad("Invalid message received: payload must be an object")),
    }
}

fn take_id(msg: &mut Map<String, Value>) -> Result<String, Exit> {
    match msg.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id),
        _ => Err(bad("Invalid message received: id must be a non-empty string")),
    }
}

/// The `subscribe`/`start` payload, checked as the graphql-ws server does: `query` a string, `variables` and
/// `extensions` objects or null, `operationName` a string or null.
fn parse_request(payload: Option<Value>) -> Result<Request, Exit> {
    let Some(Value::Object(mut payload)) = payload else {
        return Err(bad("Invalid message received: payload must be an object"));
    };
    if !matches!(payload.get("query"), Some(Value::String(_))) {
        return Err(bad("Invalid message received: payload.query must be a string"));
    }
    for (key, want_object) in [("variables", true), ("extensions", true), ("operationName", false)] {
        match payload.get(key) {
            None => {}
            Some(Value::Null) => {
                payload.remove(key);
            }
            Some(Value::Object(_)) if want_object => {}
            Some(Value::String(_)) if !want_object => {}
            Some(_) => return Err(bad(format!("Invalid message received: invalid payload.{key}"))),
        }
    }
    serde_json::from_value(Value::Object(payload)).map_err(|_| bad("Invalid message received: invalid payload"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_a_char_boundary() {
        assert_eq!(truncate("abc", 123), "abc");
        let long = "é".repeat(100); // 200 bytes
        let cut = truncate(&long, MAX_CLOSE_REASON);
        assert!(cut.len() <= MAX_CLOSE_REASON);
        assert_eq!(cut.len(), 122);
    }

    #[test]
    fn checks_the_subscribe_payload() {
        assert!(parse_request(None).is_err());
        assert!(parse_request(Some(serde_json::json!({ "variables": {} }))).is_err());
        assert!(parse_request(Some(serde_json::json!({ "query": "{a}", "variables": [] }))).is_err());
        let ok = serde_json::json!({ "query": "{a}", "variables": null, "operationName": null, "extensions": null });
        assert!(parse_request(Some(ok)).is_ok());
        let ok = serde_json::json!({ "query": "query A($x: Int) {a}", "variables": { "x": 1 }, "operationName": "A" });
        assert!(parse_request(Some(ok)).is_ok());
    }
}
