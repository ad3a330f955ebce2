//! `GET` and `POST /graphql`: GraphQL over HTTP, with the gaps of async-graphql-axum closed (see PROTOCOL.md):
//! content negotiation, 4xx without `data` for refused documents, 405 for mutations over GET, 415, 413, no
//! batches, and a code on every error. (Failed nullable fields are made `null` by the resolvers: schema::error::OrNull.)
//! A response with an `UNAVAILABLE` error (the database cannot be reached) is 503 with `Retry-After`, its GraphQL
//! body kept, so that load balancers and clients back off instead of reading a 200.

use super::metering::Meter;
use super::negotiate::{self, Answer, MediaType};
use super::request::{self, Malformed};
use crate::auth::{self, Refusal};
use crate::graphiql;
use crate::metrics::{self, Outcome};
use crate::state::AppState;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Request, ServerError, Value};
use axum::Extension;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schema::error::Code;
use schema::stats::RequestStats;
use schema::{Loaders, NoViewer, TaskQueue, Viewer};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Seconds a client is told to wait (`Retry-After`) when the database is unavailable: a little more than the
/// default acquire timeout, so that a retry does not land in the same outage window at once.
const RETRY_AFTER_SECS: u32 = 5;

/// The client's address (inserted by `crate::server` on every connection).
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn ip(peer: &Peer) -> Option<IpAddr> {
    peer.as_ref().map(|p| p.0.0.ip())
}

pub async fn get(
    State(app): State<Arc<AppState>>,
    peer: Peer,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let started = std::time::Instant::now();
    let meter = Meter::new(&app, ip(&peer));
    let resp = serve_get(&app, &meter, ip(&peer), upgrade, headers, raw).await;
    metrics::record_request(&resp, started.elapsed());
    meter.finish(resp).await
}

async fn serve_get(
    app: &Arc<AppState>,
    meter: &Meter,
    peer: Option<IpAddr>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    raw: Option<String>,
) -> Response {
    match upgrade {
        Ok(ws) => {
            if !app.origins.allows(headers.get(header::ORIGIN)) {
                let msg = "this origin may not open WebSockets here (see --cors-origins)";
                return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg)
                    .into_response();
            }
            let shutdown = app.shutdown.subscribe();
            let config =
                super::ws::WsConfig { on_request: Some(metered()), sharing: app.sharing.clone(), ..Default::default() };
            return super::ws::upgrade(app.schema.clone(), on_init(app, peer), ws, headers, shutdown, config);
        }
        Err(rejection) if super::ws::is_upgrade(&headers) => return rejection.into_response(),
        Err(_) => {}
    }
    if let Some(token) = super::sse_single::token(&headers, raw.as_deref())
        && negotiate::answer_kind(&headers).is_some_and(|(_, a)| a == Answer::EventStream)
    {
        return super::sse_single::open(app, &token, &headers).await;
    }
    let raw = raw.unwrap_or_default();
    if negotiate::wants_html(&headers)
        && !raw.contains("query=")
        && let Some(g) = &app.graphiql
    {
        return graphiql::page("/graphql", &g.json()).into_response();
    }
    let (media, answer) = match negotiate::answer_kind(&headers) {
        Some(kind) => kind,
        None => return not_acceptable(),
    };
    if request::has_credential_param(&raw) {
        let msg = "credentials never go in URLs: send `Authorization: Bearer …` instead";
        return error_response(StatusCode::BAD_REQUEST, media, msg, Code::BadUserInput);
    }
    match request::from_query_string(&raw) {
        Ok(req) => execute(app, meter, &headers, req, true, media, answer).await,
        Err(e) => malformed(e, media),
    }
}

pub async fn post(
    State(app): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let started = std::time::Instant::now();
    let meter = Meter::new(&app, ip(&peer));
    let resp = serve_post(&app, &meter, headers, body).await;
    metrics::record_request(&resp, started.elapsed());
    meter.finish(resp).await
}

async fn serve_post(app: &AppState, meter: &Meter, headers: HeaderMap, body: axum::body::Body) -> Response {
    let (media, answer) = match negotiate::answer_kind(&headers) {
        Some(kind) => kind,
        None => return not_acceptable(),
    };
    if !negotiate::is_json_body(&headers) {
        let msg = "send the request as JSON with `Content-Type: application/json`";
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, media, msg, Code::BadUserInput);
    }
    let too_large = || {
        let msg = format!("the request body is larger than the limit of {} bytes", app.body_limit);
        error_response(StatusCode::PAYLOAD_TOO_LARGE, media, &msg, Code::BadUserInput)
    };
    // A declared length over the limit is refused before reading anything.
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > app.body_limit) {
        return too_large();
    }
    // A client trickling its body must not hold the connection (nor the shutdown) for long.
    let body = match tokio::time::timeout(app.body_timeout, axum::body::to_bytes(body, app.body_limit)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) if declared.is_none() => return too_large(),
        Ok(Err(_)) => {
            return error_response(StatusCode::BAD_REQUEST, media, "could not read the body", Code::BadUserInput);
        }
        Err(_) => {
            let msg = "the request body was not received in time";
            let mut resp = error_response(StatusCode::REQUEST_TIMEOUT, media, msg, Code::BadUserInput);
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    if let Some(token) = super::sse_single::token(&headers, None) {
        return super::sse_single::operation(app, meter, &token, body, media).await;
    }
    match request::from_body(&body) {
        Ok(req) => execute(app, meter, &headers, req, false, media, answer).await,
        Err(e) => malformed(e, media),
    }
}

/// Every WebSocket operation is metered like an HTTP request (its price charged at `subscribe`).
fn metered() -> super::ws::OnRequest {
    Arc::new(|req: Request| req.data(Arc::new(schema::rate::Metering::default())))
}

/// `connection_init`: the credential comes from the payload (`{"Authorization": "Bearer …"}`, any case, or
/// `{"token": "…"}`) or else the upgrade request's `Authorization` header. A missing or refused credential closes
/// the socket with 4403; the socket then closes with 4403 too when the credential expires or is revoked (checked
/// by [`super::ws`] every few seconds through the session's check).
fn on_init(app: &Arc<AppState>, peer: Option<IpAddr>) -> super::ws::OnInit {
    let app = app.clone();
    Arc::new(move |payload: serde_json::Value, headers: HeaderMap| {
        let app = app.clone();
        Box::pin(async move {
            use super::ws::InitRefusal;
            let credential =
                credential_in(&payload).or_else(|| match auth::bearer(headers.get(header::AUTHORIZATION)) {
                    Ok(c) => c.map(str::to_owned),
                    Err(_) => None,
                });
            let Some(credential) = credential else {
                return Err(InitRefusal::forbidden(
                    "send `{\"Authorization\": \"Bearer <token>\"}` in connection_init",
                ));
            };
            let viewer = match app.auth.authenticate(&credential).await {
                Ok(v) => v,
                Err(Refusal::Unauthenticated(why)) => return Err(InitRefusal::forbidden(why)),
                Err(Refusal::Unavailable) => {
                    return Err(InitRefusal::forbidden("the database is unavailable; retry later"));
                }
            };
            // The socket's task runs in its upgrade request's span: its log lines say whose socket it is.
            tracing::Span::current().record("principal", viewer.label());
            let mut data = async_graphql::Data::default();
            data.insert(Loaders::new(app.db.clone(), viewer.clone(), Arc::new(TaskQueue::detached())));
            data.insert(viewer.clone());
            // The principal's budget pays for its subscriptions and what they deliver; its sockets are counted.
            let (mut hold, mut key) = (None, None);
            if let Some(rates) = &app.rates {
                let k = rates.key(Some(&viewer), peer);
                match rates.hold_socket(&k) {
                    Ok(h) => hold = Some(Box::new(h) as Box<dyn std::any::Any + Send>),
                    Err(max) => {
                        ::metrics::counter!(schema::metrics::RATE_LIMITED, "reason" => "sockets").increment(1);
                        let reason = format!("Too many connections: this credential holds {max} here already");
                        return Err(InitRefusal { code: 4429, reason });
                    }
                }
                data.insert(k.clone());
                key = Some((rates.limiter.clone(), k));
            }
            // Online while the socket lives: the guard goes with the connection's other holds.
            let presence = app.presence.connect(&viewer).await;
            let hold = Some(Box::new((hold, presence)) as Box<dyn std::any::Any + Send>);
            let expires_at = viewer.expires_at;
            let check = session_check(&app, viewer, key);
            Ok(super::ws::Session { data, expires_at, check: Some(check), hold })
        })
    })
}

/// The periodic check of a live connection (WebSocket or event stream): charges the results delivered since the
/// last run to the principal's budget (taken even past zero), and says whether the credential still holds.
pub(super) fn session_check(
    app: &AppState,
    viewer: Viewer,
    key: Option<(Arc<dyn schema::rate::Limiter>, schema::rate::RateKey)>,
) -> super::ws::Check {
    let auth = app.auth.clone();
    Arc::new(move |delivered| {
        let (auth, viewer, key) = (auth.clone(), viewer.clone(), key.clone());
        Box::pin(async move {
            if let (Some((limiter, key)), true) = (key, delivered > 0) {
                limiter.charge_anyway(&key, delivered).await;
            }
            match auth.recheck(&viewer).await {
                Ok(()) | Err(Refusal::Unavailable) => Ok(()),
                Err(Refusal::Unauthenticated(why)) => Err(why),
            }
        })
    })
}

/// The credential of a `connection_init` payload: `Authorization` (any case) with or without `Bearer `, or `token`.
fn credential_in(payload: &serde_json::Value) -> Option<String> {
    let map = payload.as_object()?;
    let value = map.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization") || *k == "token")?.1.as_str()?;
    let value = value.trim();
    let value = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    };
    (!value.is_empty()).then(|| value.to_owned())
}

async fn execute(
    app: &AppState,
    meter: &Meter,
    headers: &HeaderMap,
    req: Request,
    is_get: bool,
    media: MediaType,
    answer: Answer,
) -> Response {
    let stats = Arc::new(RequestStats::default());
    let scope = stats.clone();
    let label = std::sync::Mutex::new(None);
    let mut resp = RequestStats::scope(scope, async {
        let tasks = Arc::new(match answer {
            Answer::Json => TaskQueue::default(),
            // Nobody drives a stream's execution with `TaskQueue::run`: batches are spawned (as on WebSocket).
            Answer::EventStream => TaskQueue::detached(),
        });
        let prepared = match prepare(app, meter, headers, req, is_get, media, &stats, &label, tasks.clone()).await {
            Ok(p) => p,
            Err(resp) => return resp,
        };
        if answer == Answer::EventStream {
            let resume = match super::sse::resume_point(headers) {
                Ok(r) => r,
                Err(msg) => return error_response(StatusCode::BAD_REQUEST, media, &msg, Code::BadUserInput),
            };
            return super::sse::respond(app, meter, prepared, media, &stats, resume).await;
        }
        let schema = if prepared.introspection_only { &app.introspection } else { &app.schema };
        let resp = tasks.run(schema.execute(prepared.req)).await;
        if let Some(refusal) = refused_before_execution(&resp, media, meter, &stats) {
            return refusal;
        }
        let extensions = meter.cost().map(|c| serde_json::json!({ "cost": c }));
        let body = GqlBody { data: Some(&resp.data), errors: &resp.errors, extensions: extensions.as_ref() };
        if resp.errors.iter().any(is_unavailable) {
            return retry_later(json_response(StatusCode::SERVICE_UNAVAILABLE, media, &body, &stats));
        }
        json_response(StatusCode::OK, media, &body, &stats)
    })
    .await;
    if let Some(name) = label.into_inner().ok().flatten() {
        resp.extensions_mut().insert(metrics::Operation(name));
    }
    resp
}

/// A request ready to run: authenticated, metered, with its viewer and loaders.
pub(super) struct Prepared {
    pub req: Request,
    /// Run it on `AppState::introspection` (only `__schema`, `__type`, `__typename` at its root).
    pub introspection_only: bool,
    pub viewer: Option<Viewer>,
    /// The operation that would run is a subscription (an event stream of it counts for presence).
    pub subscription: bool,
}

/// What every HTTP answer (JSON or event stream) goes through before execution: parsing for the HTTP-only
/// questions (mutation over GET, introspection only, the operation's label), then the credential. `Err` is the
/// response to send instead.
#[expect(clippy::too_many_arguments, reason = "one call site per answer kind; a struct would only rename them")]
async fn prepare(
    app: &AppState,
    meter: &Meter,
    headers: &HeaderMap,
    mut req: Request,
    is_get: bool,
    media: MediaType,
    stats: &RequestStats,
    label: &std::sync::Mutex<Option<String>>,
    tasks: Arc<TaskQueue>,
) -> Result<Prepared, Response> {
    let operation = req.operation_name.clone();
    // Parsed here for the two HTTP-only questions below, and not kept: the schema's document guard parses
    // and checks every document itself, on every transport (schema::document).
    let doc = match async_graphql::parser::parse_query(&req.query) {
        Ok(doc) => doc,
        Err(e) => return Err(refused(vec![e.into()], media, stats)),
    };
    let doc = &doc;
    let selected = selected_name(doc, operation.as_deref());
    if let Ok(mut l) = label.lock() {
        let (name, label) = match selected {
            Some(name) => (name.unwrap_or("anonymous"), metrics::operation_label(name, false)),
            None => ("unknown", "unknown".to_owned()),
        };
        tracing::Span::current().record("operation", name);
        *l = Some(label);
    }
    if is_get && is_mutation(doc, operation.as_deref()) {
        let mut resp =
            error_response(StatusCode::METHOD_NOT_ALLOWED, media, "mutations must use POST", Code::BadUserInput);
        resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(resp);
    }
    let introspection_only = is_introspection_only(doc, operation.as_deref());
    let subscription =
        selected_operation(doc, operation.as_deref()).is_some_and(|op| op.ty == OperationType::Subscription);

    let credential = match auth::bearer(headers.get(header::AUTHORIZATION)) {
        Ok(c) => c,
        Err(refusal) => return Err(refused_credential(refusal, media)),
    };
    let mut viewer = None;
    match credential {
        Some(credential) => match app.auth.authenticate(credential).await {
            Ok(v) => {
                tracing::Span::current().record("principal", v.label());
                if let (Some(Some(name)), Ok(mut l)) = (selected, label.lock()) {
                    *l = Some(metrics::operation_label(Some(name), true));
                }
                let loaders = Loaders::new(app.db.clone(), v.clone(), tasks);
                req = meter.attach(Some(&v), req);
                req = req.data::<Viewer>(v.clone()).data(loaders);
                viewer = Some(v);
            }
            Err(refusal) => return Err(refused_credential(refusal, media)),
        },
        None if headers.contains_key("x-parlor-workspace") => {
            let why = "X-Parlor-Workspace is no longer accepted: send `Authorization: Bearer <token or API key>`";
            req = meter.attach(None, req).data(NoViewer(why.into()));
        }
        None => req = meter.attach(None, req),
    }
    Ok(Prepared { req, introspection_only, viewer, subscription })
}

/// The answer to an operation refused before it ran (parse, validation, limits, permissions, rate), the same
/// for every HTTP answer kind; `None` if it ran.
pub(super) fn refused_before_execution(
    resp: &async_graphql::Response,
    media: MediaType,
    meter: &Meter,
    stats: &RequestStats,
) -> Option<Response> {
    if !super::ws::is_request_error(resp) {
        return None;
    }
    if is_rate_limited(&resp.errors) {
        let extensions = meter.cost().map(|c| serde_json::json!({ "cost": c }));
        let body = GqlBody { data: None, errors: &resp.errors, extensions: extensions.as_ref() };
        return Some(json_response(StatusCode::TOO_MANY_REQUESTS, media, &body, stats));
    }
    if let Some(code) = auth_refusal(&resp.errors) {
        let body = GqlBody { data: None, errors: &resp.errors, extensions: None };
        return Some(match code {
            Code::Unauthenticated => {
                unauthenticated(json_response(StatusCode::UNAUTHORIZED, media, &body, stats), None)
            }
            _ => json_response(media.forbidden_status(), media, &body, stats),
        });
    }
    Some(refused(resp.errors.clone(), media, stats))
}

/// A refused credential: 401 with `WWW-Authenticate` (RFC 6750), or 503 when the database could not be asked.
pub(super) fn refused_credential(refusal: Refusal, media: MediaType) -> Response {
    match refusal {
        Refusal::Unauthenticated(why) => {
            let resp = error_response(StatusCode::UNAUTHORIZED, media, &why, Code::Unauthenticated);
            unauthenticated(resp, Some(&why))
        }
        Refusal::Unavailable => {
            let msg = schema::error::ApiError::Unavailable.message();
            retry_later(error_response(StatusCode::SERVICE_UNAVAILABLE, media, &msg, Code::Unavailable))
        }
    }
}

/// Adds the `WWW-Authenticate` challenge; `invalid` says why a presented token was refused.
pub(super) fn unauthenticated(mut resp: Response, invalid: Option<&str>) -> Response {
    let challenge = match invalid {
        Some(why) => {
            let why: String = why.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect();
            format!("Bearer realm=\"parlor\", error=\"invalid_token\", error_description=\"{why}\"")
        }
        None => "Bearer realm=\"parlor\"".to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// `UNAUTHENTICATED` or `FORBIDDEN` when the operation was refused by the permission check before it ran.
fn auth_refusal(errors: &[ServerError]) -> Option<Code> {
    let code_of = |e: &ServerError| match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(Value::String(c)) if c == Code::Unauthenticated.as_str() => Some(Code::Unauthenticated),
        Some(Value::String(c)) if c == Code::Forbidden.as_str() => Some(Code::Forbidden),
        _ => None,
    };
    let first = code_of(errors.first()?)?;
    errors.iter().all(|e| code_of(e).is_some()).then_some(first)
}

/// The operation was refused by the rate limiter before it ran.
fn is_rate_limited(errors: &[ServerError]) -> bool {
    errors.iter().any(|e| {
        let code = e.extensions.as_ref().and_then(|x| x.get("code"));
        matches!(code, Some(Value::String(c)) if c == Code::RateLimited.as_str())
    })
}

fn is_unavailable(err: &ServerError) -> bool {
    let code = err.extensions.as_ref().and_then(|e| e.get("code"));
    matches!(code, Some(Value::String(c)) if c == Code::Unavailable.as_str())
}

/// 503 (unless the response is already an error status of its own) with `Retry-After`.
fn retry_later(mut resp: Response) -> Response {
    if resp.status().is_success() {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    resp
}

#[derive(Serialize)]
struct GqlBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    /// `cost` (see `crate::rate::cost_extension`).
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<&'a serde_json::Value>,
}

fn json_response(status: StatusCode, media: MediaType, body: &GqlBody<'_>, stats: &RequestStats) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, media, "internal error", Code::Internal);
        }
    };
    let mut resp = Response::new(axum::body::Body::from(bytes));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, media.header());
    h.insert("x-parlor-sql-statements", HeaderValue::from(stats.statements()));
    ::metrics::histogram!(schema::metrics::SQL_PER_REQUEST).record(stats.statements() as f64);
    let outcome = match body.errors.first() {
        None => Outcome("ok".to_owned()),
        Some(e) => match e.extensions.as_ref().and_then(|x| x.get("code")) {
            Some(Value::String(code)) => Outcome::code(code),
            _ => Outcome("error".to_owned()),
        },
    };
    resp.extensions_mut().insert(outcome);
    resp
}

/// A document refused before execution: no `data` key; 400 for `graphql-response+json`, 200 for legacy JSON.
fn refused(errors: Vec<ServerError>, media: MediaType, stats: &RequestStats) -> Response {
    let errors: Vec<ServerError> = errors.into_iter().map(schema::error::classify).collect();
    json_response(
        media.request_error_status(),
        media,
        &GqlBody { data: None, errors: &errors, extensions: None },
        stats,
    )
}

/// An error answered without running anything, as a GraphQL response body.
pub fn error_response(status: StatusCode, media: MediaType, message: &str, code: Code) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, media.header());
    resp.extensions_mut().insert(Outcome::code(code.as_str()));
    resp
}

fn malformed(e: Malformed, media: MediaType) -> Response {
    error_response(StatusCode::BAD_REQUEST, media, &e.0, Code::BadUserInput)
}

fn not_acceptable() -> Response {
    let body = "accept application/graphql-response+json or application/json";
    let mut resp = (StatusCode::NOT_ACCEPTABLE, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp.extensions_mut().insert(Outcome("not_acceptable".to_owned()));
    resp
}

/// The operation that would run: the named one, or the only one (named or not).
fn selected_operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The name of the operation that would run (`Some(None)`: it is anonymous; `None`: no operation would run).
fn selected_name<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<Option<&'a str>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(_), _) => Some(None),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get_key_value(name).map(|(k, _)| Some(k.as_str())),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.keys().next().map(|k| Some(k.as_str())),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Whether the operation that would run is a mutation.
fn is_mutation(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    selected_operation(doc, name).is_some_and(|op| op.ty == OperationType::Mutation)
}

/// Whether the operation that would run selects only `__schema`, `__type` and `__typename` at its root (fragments
/// included), so it can reach no data.
fn is_introspection_only(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    fn only_meta(doc: &ExecutableDocument, set: &SelectionSet, seen: usize) -> bool {
        seen < 8
            && set.items.iter().all(|s| match &s.node {
                Selection::Field(f) => f.node.name.node.starts_with("__"),
                Selection::InlineFragment(f) => only_meta(doc, &f.node.selection_set.node, seen + 1),
                Selection::FragmentSpread(spread) => doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|f| only_meta(doc, &f.node.selection_set.node, seen + 1)),
            })
    }
    selected_operation(doc, name)
        .is_some_and(|op| op.ty == OperationType::Query && only_meta(doc, &op.selection_set.node, 0))
}
