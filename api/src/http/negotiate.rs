//! GraphQL-over-HTTP media types and status codes, in one place (the draft still moves).
//!
//! | outcome                                      | `application/graphql-response+json` | `application/json` |
//! |----------------------------------------------|-------------------------------------|--------------------|
//! | executed (`data` present, errors or not)     | 200                                 | 200                |
//! | parse, validation or limit error (no `data`) | 400, no `data` key                  | 200, no `data` key |
//! | malformed request (JSON, params, batch)      | 400                                 | 400                |
//! | body too large                               | 413                                 | 413                |
//! | POST without a JSON content type             | 415                                 | 415                |
//! | mutation over GET                            | 405, `Allow: POST`                  | 405, `Allow: POST` |
//! | no acceptable media type                     | 406                                 | 406                |
//! | no or refused credential (`UNAUTHENTICATED`) | 401, `WWW-Authenticate: Bearer`     | 401                |
//! | refused by the permission table (`FORBIDDEN`) | 403, no `data` key                 | 200, no `data` key |
//!
//! `Accept: text/event-stream` asks for the answer as Server-Sent Events (`super::sse`). Anything refused before
//! the stream starts is then answered as JSON with the statuses of the first column, unless the client also
//! lists `application/json` (and not `graphql-response+json`).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";
pub const EVENT_STREAM: &str = "text/event-stream";

/// How the answer goes back: one JSON body, or an event stream (see `super::sse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Json,
    EventStream,
}

/// The response media type a client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    pub fn header(self) -> HeaderValue {
        match self {
            MediaType::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            MediaType::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }

    /// Status of a response whose request was refused before execution (parse, validation, limits).
    pub fn request_error_status(self) -> StatusCode {
        match self {
            MediaType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
            MediaType::Json => StatusCode::OK,
        }
    }

    /// Status of an operation the permission check refused before it ran (`FORBIDDEN`): a request error, so 403
    /// for `graphql-response+json`, 200 for legacy JSON. (A missing or refused credential is 401 for both.)
    pub fn forbidden_status(self) -> StatusCode {
        match self {
            MediaType::GraphqlResponseJson => StatusCode::FORBIDDEN,
            MediaType::Json => StatusCode::OK,
        }
    }
}

/// Media ranges of an `Accept` header that are not refused with `q=0`, lowercased, without parameters.
fn accepted(headers: &HeaderMap) -> Option<Vec<String>> {
    let raw = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    if raw.trim().is_empty() {
        return None;
    }
    Some(
        raw.split(',')
            .filter_map(|item| {
                let mut parts = item.split(';').map(str::trim);
                let range = parts.next()?.to_ascii_lowercase();
                let refused = parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"));
                (!range.is_empty() && !refused).then_some(range)
            })
            .collect(),
    )
}

/// The media type to answer with: `graphql-response+json` when asked for, else `application/json` (also for
/// `*/*` or no `Accept`); `None` when the client accepts neither (406).
pub fn response_type(headers: &HeaderMap) -> Option<MediaType> {
    let Some(ranges) = accepted(headers) else { return Some(MediaType::Json) };
    if ranges.iter().any(|r| r == GRAPHQL_RESPONSE_JSON) {
        Some(MediaType::GraphqlResponseJson)
    } else if ranges.iter().any(|r| r == JSON || r == "*/*" || r == "application/*") {
        Some(MediaType::Json)
    } else {
        None
    }
}

/// The answer kind and the media type of a JSON answer (the whole answer, or a refusal before the stream starts);
/// `None` when the client accepts none of them (406).
pub fn answer_kind(headers: &HeaderMap) -> Option<(MediaType, Answer)> {
    let ranges = accepted(headers).unwrap_or_default();
    if !ranges.iter().any(|r| r == EVENT_STREAM) {
        return response_type(headers).map(|media| (media, Answer::Json));
    }
    let json_only = ranges.iter().any(|r| r == JSON) && !ranges.iter().any(|r| r == GRAPHQL_RESPONSE_JSON);
    let media = if json_only { MediaType::Json } else { MediaType::GraphqlResponseJson };
    Some((media, Answer::EventStream))
}

/// Whether a browser is asking for a page (GraphiQL) rather than for a GraphQL response.
pub fn wants_html(headers: &HeaderMap) -> bool {
    accepted(headers).is_some_and(|r| r.iter().any(|r| r == "text/html"))
}

/// Whether a POST body is JSON (`application/json`, or `application/graphql-response+json` from lenient clients).
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == JSON || essence == GRAPHQL_RESPONSE_JSON
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(response_type(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(response_type(&with_accept("*/*")), Some(MediaType::Json));
        assert_eq!(response_type(&with_accept("application/json")), Some(MediaType::Json));
        assert_eq!(
            response_type(&with_accept("application/graphql-response+json, application/json;q=0.9")),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(response_type(&with_accept("text/html")), None);
        assert_eq!(response_type(&with_accept("application/json;q=0")), None);
        let sse = Some((MediaType::GraphqlResponseJson, Answer::EventStream));
        assert_eq!(answer_kind(&with_accept("text/event-stream")), sse);
        assert_eq!(answer_kind(&with_accept("text/event-stream;q=0")), None);
        assert_eq!(answer_kind(&with_accept("*/*")), Some((MediaType::Json, Answer::Json)));
    }
}
