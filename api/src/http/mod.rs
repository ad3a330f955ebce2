//! The router: `/graphql` (GET, POST), GraphiQL, health checks, inbound channel webhooks, and the layers every request passes through
//! (request id, trace span, body limit, panic catcher). Every request's span carries its request id, and once
//! known its principal (`agent:<id>`, `api_key:<id>`, `contact:<id>`: never a credential) and operation name, so
//! every log line inside it, and the access line at its end, says whose request it was.

pub mod cors;
mod graphql;
mod health;
mod inbound;
mod metering;
mod negotiate;
mod request;
mod request_id;
mod shared;
pub use shared::Sharing;
mod sse;
pub mod sse_single;
mod ws;

use crate::graphiql;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use request_id::HEADER as REQUEST_ID;

pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.body_limit;
    let cors = state.origins.layer();
    let mut router = Router::new()
        .route(
            "/graphql",
            get(graphql::get).post(graphql::post).put(sse_single::reserve).delete(sse_single::stop).options(preflight),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Inbound channel webhooks: their own body limit (the route's layer wins over the router's below).
        .route(
            "/webhooks/channels/{channel}/{inbox_id}",
            get(inbound::get).merge(post(inbound::post)).layer(DefaultBodyLimit::max(inbound::BODY_LIMIT)),
        );
    if state.graphiql.is_some() {
        router = router.route("/graphiql", get(graphiql_page)).route("/graphiql/assets/{file}", get(graphiql::asset));
    }
    let router = router.with_state(state).layer(DefaultBodyLimit::max(body_limit));
    // CORS answers preflights itself (before the route's own OPTIONS) and adds its headers to every response.
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.layer(
        ServiceBuilder::new()
            .layer(tower::util::MapRequestLayer::new(request_id::sanitize::<axum::body::Body>))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<_>| {
                        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                        tracing::info_span!(
                            "request",
                            method = %req.method(),
                            path = %req.uri().path(),
                            request_id = %id,
                            principal = tracing::field::Empty,
                            operation = tracing::field::Empty,
                        )
                    })
                    // One line per answered request (status, latency) carrying the span's request id, principal and
                    // operation: the access log, at `info`.
                    .on_response(
                        DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis),
                    ),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CatchPanicLayer::custom(panic_response)),
    )
}

async fn graphiql_page(axum::extract::State(app): axum::extract::State<Arc<AppState>>) -> Response {
    match &app.graphiql {
        Some(g) => graphiql::page("/graphql", &g.json()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `OPTIONS /graphql` without configured CORS origins: what the endpoint allows, and no CORS headers (browsers
/// then keep other origins out).
async fn preflight() -> Response {
    (StatusCode::NO_CONTENT, [(axum::http::header::ALLOW, "GET, POST, PUT, DELETE, OPTIONS")]).into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let body = serde_json::json!({ "errors": [{ "message": "internal error", "extensions": { "code": schema::error::Code::Internal.as_str() } }] }).to_string();
    (StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "application/json")], body).into_response()
}
