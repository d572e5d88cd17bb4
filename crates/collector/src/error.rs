//! [`AppError`], the one error of the HTTP handlers and extractors.
//!
//! Every refusal is JSON `{"error": "<message>"}` with a status, and sometimes more fields
//! (409's `revision`, 422's `diagnostics`) and headers (`Connection: close` after a request
//! whose body is left unread, `Retry-After`, `ETag`). Handlers answer
//! `Result<_, AppError>` and refuse with `?`; the response is built once, in
//! [`IntoResponse`].

use axum::extract::rejection::QueryRejection;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use crate::guide_store::GuideError;

/// A refused request: a status, the message of `{"error": ...}`, and optionally more JSON
/// fields and headers.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    message: String,
    /// More fields of the JSON object, after `error`.
    fields: Vec<(&'static str, Value)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// What handlers answer.
pub type AppResult<T = Response> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError { status, message: message.into(), fields: Vec::new(), headers: Vec::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, message)
    }

    /// 503 `store: <e>`: the store failed, the client may retry.
    pub fn store(e: impl std::fmt::Display) -> AppError {
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}"))
    }

    /// 500: a blocking task panicked.
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }

    /// 501: the store does not keep guides.
    pub fn no_guide_store() -> AppError {
        AppError::new(StatusCode::NOT_IMPLEMENTED, "this collector's store does not keep guides")
    }

    /// Adds a field to the JSON object.
    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> AppError {
        self.fields.push((name, value.into()));
        self
    }

    /// Adds a header to the response.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> AppError {
        self.headers.push((name, value));
        self
    }

    /// Closes the connection after the answer: for a refusal before the body was read, so
    /// that the rest of the request is not read either.
    pub fn close(self) -> AppError {
        self.header(header::CONNECTION, HeaderValue::from_static("close"))
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("error".into(), Value::String(self.message));
        for (name, value) in self.fields {
            body.insert(name.into(), value);
        }
        let mut r = (self.status, Json(Value::Object(body))).into_response();
        for (name, value) in self.headers {
            r.headers_mut().insert(name, value);
        }
        r
    }
}

/// axum's own rejection of a query string, with its status and text.
impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> AppError {
        AppError::new(e.status(), e.body_text())
    }
}

/// The answer of a guide store error.
impl From<GuideError> for AppError {
    fn from(e: GuideError) -> AppError {
        match e {
            GuideError::NotFound(m) => AppError::not_found(m),
            GuideError::Stale { revision } => AppError::new(StatusCode::CONFLICT, "stale revision")
                .with("revision", revision)
                .header(header::ETAG, crate::authoring::etag(revision)),
            GuideError::Conflict(m) => AppError::new(StatusCode::CONFLICT, m),
            GuideError::Invalid(d) => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "the draft has errors")
                .with("diagnostics", serde_json::to_value(d).unwrap_or(Value::Null)),
            GuideError::BadRequest(m) => AppError::bad_request(m),
            GuideError::Store(m) => AppError::store(m),
        }
    }
}
