//! The one error type of the GraphQL layer. Each variant maps to one `extensions.code` of DESIGN.md §3.
//!
//! Resolvers return `ApiResult<T>`; database errors become `Internal` after being logged (inside the request's
//! span, so the log line carries the request id) and never show internals to the client. A database that cannot
//! be reached (no connection within the pool's acquire timeout, a refused or broken connection) is `Unavailable`
//! instead: the client should retry later, and the HTTP layer answers 503 with `Retry-After`.

use async_graphql::{ErrorExtensions, ServerError};

pub type ApiResult<T> = Result<T, ApiError>;

/// Deliberately not `Display`: async-graphql converts any `Display` error into a plain error without a code, so
/// the only way out of a resolver is our `From` impl below, which always sets `extensions.code`.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    BadUserInput {
        message: String,
        field: Option<String>,
    },
    Conflict(String),
    /// A change the object's current state does not allow: `CONFLICT`, with `extensions.currentState`.
    InvalidTransition {
        message: String,
        state: String,
    },
    QueryTooComplex(String),
    /// The database cannot be reached right now: `UNAVAILABLE` (HTTP 503 with `Retry-After`).
    Unavailable,
    Internal,
}

/// The fixed set of `extensions.code` values (DESIGN.md §3, plus `UNAVAILABLE`), for every crate: a code is never
/// written as a string literal, so a typo is a compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    QueryTooComplex,
    Unavailable,
    Internal,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::Forbidden(_) => Code::Forbidden,
            Self::NotFound(_) => Code::NotFound,
            Self::BadUserInput { .. } => Code::BadUserInput,
            Self::Conflict(_) | Self::InvalidTransition { .. } => Code::Conflict,
            Self::QueryTooComplex(_) => Code::QueryTooComplex,
            Self::Unavailable => Code::Unavailable,
            Self::Internal => Code::Internal,
        }
        .as_str()
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::Conflict(m) | Self::QueryTooComplex(m) => m.clone(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::BadUserInput { message, .. } | Self::InvalidTransition { message, .. } => message.clone(),
            Self::Unavailable => "the database is unavailable: retry later".to_owned(),
            Self::Internal => "internal error".to_owned(),
        }
    }

    /// Bad input in a named argument or input field.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        Self::BadUserInput { message: format!("{field}: {}", message.into()), field: Some(field) }
    }
}

impl ApiError {
    /// `what` is in `state` (a GraphQL enum value such as `RESOLVED`), which does not allow `action`.
    pub fn transition(what: &str, state: impl serde::Serialize, action: &str) -> Self {
        let state = crate::write::enum_name(state);
        Self::InvalidTransition { message: format!("{what} is {state}: cannot {action}"), state }
    }
}

/// The code of [`ApiError::Unavailable`], which the HTTP layer turns into 503.
pub const UNAVAILABLE: &str = Code::Unavailable.as_str();

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            metrics::counter!(crate::metrics::DB_UNAVAILABLE).increment(1);
            return Self::Unavailable;
        }
        tracing::error!(error = %err, "database error");
        Self::Internal
    }
}

/// Whether `err` says the database could not be reached (rather than that a statement failed): no connection
/// within the acquire timeout, a closed pool, a refused connection, or one broken under a running statement.
pub fn is_unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::WorkerCrashed => true,
            // PostgreSQL: class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot
            // connect now), 55000 on a database that no longer allows connections is caught at connect (Conn).
            Sqlx::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P0")),
            _ => false,
        },
        _ => false,
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message()).extend_with(|_, e| {
            e.set("code", self.code());
            if let Self::BadUserInput { field: Some(field), .. } = self {
                e.set("field", field.as_str());
            }
            if let Self::InvalidTransition { state, .. } = self {
                e.set("currentState", state.as_str());
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}

/// For nullable fields: a failure becomes `null` in `data` plus an error with the field's path, as the spec asks.
/// (async-graphql 7.2 leaves the field's key out of `data` instead: upstream issue 1449.)
pub trait OrNull<T> {
    fn or_null(self, ctx: &async_graphql::Context<'_>) -> Option<T>;
}

impl<T> OrNull<T> for ApiResult<Option<T>> {
    fn or_null(self, ctx: &async_graphql::Context<'_>) -> Option<T> {
        match self {
            Ok(v) => v,
            Err(e) => {
                let err = async_graphql::Error::from(e).into_server_error(ctx.item.pos);
                ctx.add_error(ctx.set_error_path(err));
                None
            }
        }
    }
}

/// Gives a code to the errors async-graphql raises itself (parse, validation, limits, argument coercion), so
/// that every error a client sees has one. Limit violations are `QUERY_TOO_COMPLEX`, the rest `BAD_USER_INPUT`.
pub fn classify(mut err: ServerError) -> ServerError {
    let has_code = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if has_code {
        return err;
    }
    let msg = err.message.as_str();
    // Depth is async-graphql's last limit (cost, aliases, size, nesting and directives are the document guard's,
    // which sets its codes itself).
    let code = if msg.starts_with("Query is nested too deep") {
        Code::QueryTooComplex.as_str()
    } else {
        // Parse and validation errors, and resolver errors without a code (argument coercion failures).
        Code::BadUserInput.as_str()
    };
    err.extensions.get_or_insert_with(Default::default).set("code", code);
    err
}
