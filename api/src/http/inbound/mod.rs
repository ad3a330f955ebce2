//! `POST /webhooks/channels/{channel}/{inboxId}` (and WhatsApp's `GET` verification handshake): the inbox is
//! found, the request authenticated ([`verify`]) before anything is read or written, charged to the inbox's rate
//! budget, read by the channel's adapter (`schema::inbound`), written by `schema::inbound::service`, and the
//! events published as `sendMessage` publishes them. Answers: 200 `{"ok": true, "created", "replayed",
//! "receipts"}` (also for a retried delivery, which writes nothing), 401 bad or missing signature, 404 unknown
//! inbox or another channel's, 400 malformed JSON, 413 over 1 MiB, 429 over budget; errors are JSON
//! `{"errors": [{"message", "extensions": {"code"}}]}`.

mod verify;

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use schema::error::{ApiError, Code};
use schema::id::{self, Kind};
use schema::inbound::{self, Batch};
use schema::inboxes::InboxChannel;
use schema::rate::{RateKey, Verdict};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest body a channel may post (WhatsApp and Telegram send a few KiB).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Points one delivery costs against the inbox's budget (the bot role's: 100,000 a minute by default, so 10,000
/// deliveries a minute), about what a `sendMessage` selecting its message costs.
const COST: u64 = 10;

fn error(status: StatusCode, code: Code, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, Code::NotFound, "no such inbox for this channel")
}

/// The inbox named by the path, if it exists and is of that channel.
async fn inbox(
    app: &AppState,
    channel: &str,
    inbox_id: &str,
) -> Result<(entities::inbox::Model, InboxChannel), Response> {
    let Some(channel) = InboxChannel::parse(channel) else { return Err(not_found()) };
    let Ok(id) = id::decode(Kind::Inbox, &async_graphql::ID(inbox_id.to_owned()), "inboxId") else {
        return Err(not_found());
    };
    match schema::inboxes::service::find(&app.db, id).await {
        Ok(Some(found)) if found.channel == channel.as_str() => Ok((found, channel)),
        Ok(_) => Err(not_found()),
        Err(e) => Err(api_error(&e)),
    }
}

fn api_error(e: &ApiError) -> Response {
    let status = match e {
        ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Conflict(_) | ApiError::InvalidTransition { .. } => StatusCode::CONFLICT,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let code = match e {
        ApiError::BadUserInput { .. } => Code::BadUserInput,
        ApiError::NotFound(_) => Code::NotFound,
        ApiError::Conflict(_) | ApiError::InvalidTransition { .. } => Code::Conflict,
        ApiError::Unavailable => Code::Unavailable,
        _ => Code::Internal,
    };
    error(status, code, &e.message())
}

/// WhatsApp's handshake: `hub.mode=subscribe`, the inbox's verify token, and the challenge echoed back.
pub async fn get(
    State(app): State<Arc<AppState>>,
    Path((channel, inbox_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (found, channel) = match inbox(&app, &channel, &inbox_id).await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    if channel != InboxChannel::Whatsapp {
        return error(StatusCode::METHOD_NOT_ALLOWED, Code::BadUserInput, "only WhatsApp inboxes answer GET");
    }
    let token_ok = match (q.get("hub.verify_token"), &found.verify_token) {
        (Some(got), Some(want)) => bool::from(subtle::ConstantTimeEq::ct_eq(got.as_bytes(), want.as_bytes())),
        _ => false,
    };
    match (q.get("hub.mode").map(String::as_str), q.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if token_ok => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], challenge.clone()).into_response()
        }
        _ => error(StatusCode::FORBIDDEN, Code::Forbidden, "verification refused: wrong mode or verify token"),
    }
}

pub async fn post(
    State(app): State<Arc<AppState>>,
    Path((channel, inbox_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (found, channel) = match inbox(&app, &channel, &inbox_id).await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let msg = format!("the request body is larger than the limit of {BODY_LIMIT} bytes");
            return error(StatusCode::PAYLOAD_TOO_LARGE, Code::BadUserInput, &msg);
        }
        Err(e) => return error(e.status(), Code::BadUserInput, &e.body_text()),
    };
    let checked = match channel {
        InboxChannel::Generic => verify::generic(&headers, &found.secret, &body, chrono::Utc::now().timestamp()),
        InboxChannel::Whatsapp => verify::whatsapp(&headers, &found.secret, &body),
        InboxChannel::Telegram => verify::telegram(&headers, &found.secret),
    };
    if let Err(why) = checked {
        tracing::info!(inbox = %found.id, why, "inbound webhook refused");
        return error(StatusCode::UNAUTHORIZED, Code::Unauthenticated, why);
    }
    // Charged once authenticated: unsigned requests cannot spend a platform's budget.
    let verdict = match &app.rates {
        Some(rates) => {
            let key = RateKey { id: format!("inbox:{}", found.id), per_minute: rates.budgets.bot };
            rates.limiter.charge(&key, COST).await
        }
        None => Verdict::Unmetered,
    };
    let mut resp = if matches!(verdict, Verdict::Denied { .. }) {
        error(StatusCode::TOO_MANY_REQUESTS, Code::RateLimited, "this inbox is over its rate budget: retry later")
    } else {
        receive(&app, &found, channel, &body).await
    };
    crate::rate::headers(resp.headers_mut(), &verdict);
    resp
}

async fn receive(app: &AppState, found: &entities::inbox::Model, channel: InboxChannel, body: &[u8]) -> Response {
    let parsed: Result<Batch, inbound::Malformed> = match channel {
        InboxChannel::Generic => inbound::generic::parse(body),
        InboxChannel::Whatsapp => inbound::whatsapp::parse(body),
        InboxChannel::Telegram => inbound::telegram::parse(body),
    };
    let batch = match parsed {
        Ok(b) => b,
        Err(inbound::Malformed(why)) => return error(StatusCode::BAD_REQUEST, Code::BadUserInput, &why),
    };
    match inbound::service::receive(&app.db, found, batch).await {
        Ok(out) => {
            app.bus.publish(&app.db, &out.events).await;
            let body = serde_json::json!({
                "ok": true, "created": out.created, "replayed": out.replayed, "receipts": out.receipts,
            });
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
        }
        Err(e) => api_error(&e),
    }
}
