//! The HTTP server: event ingest, reports, the dashboard and static files.
//!
//! Every input is untrusted, so every cost has a bound that holds before the work is done:
//!
//! - connections: at most [`Config::max_connections`] are served at once (more wait in the
//!   listen backlog); a client has [`Config::header_read_timeout`] to send a request's
//!   headers, counted from when the server starts waiting for them, so it also bounds an idle
//!   kept-alive connection; and [`Config::body_read_timeout`] to send its whole body.
//! - requests: URIs longer than [`MAX_URI_LEN`] get 414, headers beyond [`MAX_HEADERS`] or
//!   [`MAX_HEADER_BYTES`] 431.
//! - ingest (`POST /v1/events`): the write key (the `x-guidepost-key` header or `?key=`) is
//!   checked by the [`IngestKey`] extractor, which runs on the request head, so before the
//!   body is read; the rate limit and `Content-Length` are checked before the body is read
//!   too; the body is read up to [`Config::max_body`] bytes; records are validated one by one
//!   ([`EventRecord::validate`]) and the valid ones stored, the others listed in `rejected`.
//! - authoring (`/v1/guides/{id}/draft`, `/publish`... see [`crate::authoring`]): the admin
//!   key is checked (the [`Admin`] extractor) before the body is read; a guide body is read up
//!   to [`crate::guide_store::MAX_GUIDE_BYTES`], other bodies up to [`MAX_SMALL_BODY`].
//! - reports (`GET /v1/guides`, `GET /v1/guides/{id}/funnel`) need a read key (the
//!   [`ReadKey`] extractor).
//! - the embed's config (`GET /v1/config`) needs a write key (the [`WriteKey`] extractor, which
//!   gives the key's environment) and is answered from memory ([`PublishedCache`]).
//!
//! Keys are refused with 401 (none, or an unknown one) or 403 (a key of another role); when
//! the refused request has a body (ingest, authoring), the connection is closed unread.
//!
//! CORS, on the API (`/v1/`) only: tower-http's [`CorsLayer`] (built by `cors_layer`) allows the
//! origins of [`Config::allow_origins`] and the server's own (the `Origin` equal to the
//! `Host`), answers preflights (204) and exposes `etag`; a small middleware in front of it
//! refuses other origins (and preflights without an origin) with 403 `origin not allowed`.
//!
//! Every error is JSON `{"error": "..."}`: handlers and extractors refuse with an
//! [`AppError`] (see [`crate::error`]); the ones axum or the static file service produce
//! (404, 405, 413...) are rewritten to JSON by a middleware.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use guidepost_core::dates::DAY_MS;
use guidepost_core::EventRecord;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::RequestBodyDeadlineLayer;

pub use crate::authoring::Admin;
pub use crate::error::{AppError, AppResult};
use crate::guide_store::Env;
use crate::guides::GuideCache;
use crate::published::PublishedCache;
use crate::store::{FunnelQuery, Store};

/// Largest body of the small authoring requests (`{"environment": ...}` and the like), bytes.
pub const MAX_SMALL_BODY: usize = 16 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Keys that may send events and load the guides of their environment with
    /// `GET /v1/config` (public: they ship in the page). Each belongs to one environment.
    pub write_keys: Vec<(String, Env)>,
    /// Keys that may read reports (secret).
    pub read_keys: Vec<String>,
    /// Keys that may author and publish guides (secret): `authorization: Bearer <key>`.
    pub admin_keys: Vec<String>,
    /// Origins allowed to send events from a browser besides the server's own; `*` allows any.
    pub allow_origins: Vec<String>,
    /// Origins of apps the in-app designer may open on, besides the server's own (see
    /// [`crate::design`]); they may also call the API from a browser.
    pub design_origins: Vec<String>,
    /// Largest accepted request body, bytes.
    pub max_body: usize,
    /// Token bucket per write key, charged one token per record: events per second (0
    /// disables the limit). The burst is 2 s worth, and at least one full batch ([`MAX_BATCH`]).
    pub rate_per_key: f64,
    /// Static files served at `/` (the demo app and `/dashboard/`).
    pub www: Option<PathBuf>,
    /// The built bundle, served at `/dist/`.
    pub dist: Option<PathBuf>,
    /// Guide files, served as one array at `/guides.json`: loaded and validated at start,
    /// reloaded when the files change.
    pub guides_dir: Option<PathBuf>,
    /// Time a client has to send a request's headers, counted from when the server starts
    /// waiting for them: on a new connection, and after each response on a kept-alive one (so
    /// this is also the idle keep-alive bound). The connection is closed when it runs out.
    pub header_read_timeout: Duration,
    /// Time a client has to send a whole request body, counted from when its headers
    /// arrived; ingest answers 408 and closes the connection when it runs out.
    pub body_read_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// `/guides.json` looks at the guide files' sizes and modification times at most this
    /// often, and reloads them when they changed.
    pub guides_check_interval: Duration,
    /// `GET /v1/config` asks the store whether what the environments serve changed (another
    /// collector on the same database published) at most this often; changes made through
    /// this collector are served at once.
    pub store_check_interval: Duration,
}

/// Largest accepted batch, records.
pub const MAX_BATCH: usize = 5000;
/// Longest request URI (path and query), bytes: 414 beyond.
pub const MAX_URI_LEN: usize = 8 * 1024;
/// Most request headers: 431 beyond.
pub const MAX_HEADERS: usize = 100;
/// Largest total size of the request headers (names and values), bytes: 431 beyond.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// hyper's own limits, above ours so that ours answer (with JSON) first; a request beyond
/// these gets hyper's bare 431 or 414.
const HYPER_MAX_HEADERS: usize = 256;
const HYPER_MAX_BUF: usize = 256 * 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            write_keys: vec![("demo-write-key".into(), Env::Production), ("demo-staging-key".into(), Env::Staging)],
            read_keys: vec!["demo-read-key".into()],
            admin_keys: vec!["demo-admin-key".into()],
            allow_origins: vec![],
            design_origins: vec![],
            max_body: 1 << 20,
            rate_per_key: 100_000.0,
            www: None,
            dist: None,
            guides_dir: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            guides_check_interval: Duration::from_secs(1),
            store_check_interval: Duration::from_secs(1),
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Per-key token buckets.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimiter { rate, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// The limiter the server uses: `rate` per second, a burst of 2 s worth but at least
    /// one full batch, so that a batch the server accepts is never refused for ever.
    pub fn for_rate(rate: f64) -> Self {
        RateLimiter::new(rate, (rate * 2.0).max(MAX_BATCH as f64))
    }

    fn refill(&self, key: &str, now: Instant, f: impl FnOnce(&mut Bucket) -> Result<(), Duration>) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(key.to_string()).or_insert(Bucket { tokens: self.burst, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        f(b)
    }

    fn wait(&self, missing: f64) -> Duration {
        Duration::from_secs_f64((missing / self.rate).clamp(0.0, 86_400.0))
    }

    /// Takes `cost` tokens from `key`'s bucket; when there are not enough, takes none and
    /// says how long until there would be.
    pub fn take(&self, key: &str, cost: f64, now: Instant) -> Result<(), Duration> {
        self.refill(key, now, |b| {
            if b.tokens >= cost {
                b.tokens -= cost;
                Ok(())
            } else {
                Err(self.wait(cost - b.tokens))
            }
        })
    }

    /// Whether `cost` tokens are there, without taking them.
    pub fn check(&self, key: &str, cost: f64, now: Instant) -> Result<(), Duration> {
        self.refill(key, now, |b| if b.tokens >= cost { Ok(()) } else { Err(self.wait(cost - b.tokens)) })
    }
}

pub(crate) struct AppState {
    pub(crate) cfg: Config,
    pub(crate) store: Arc<dyn Store>,
    limiter: RateLimiter,
    guides: Option<Arc<GuideCache>>,
    pub(crate) published: PublishedCache,
    cors: CorsLayer,
    pub(crate) design: crate::design::DesignState,
}

pub(crate) type Shared = Arc<AppState>;

/// Whether `given` is one of `keys`, compared in constant time (every key is compared, and
/// each comparison takes the same time whatever the first differing byte).
pub fn key_matches(keys: &[String], given: &str) -> bool {
    keys.iter().fold(subtle::Choice::from(0), |found, k| found | k.as_bytes().ct_eq(given.as_bytes())).into()
}

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Send events; load the guides of this environment.
    Write(Env),
    /// Read reports.
    Read,
    /// Author and publish guides.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Write(_) => "write",
            Role::Read => "read",
            Role::Admin => "admin",
        }
    }
}

/// The role of `given`, every configured key compared in constant time (as in [`key_matches`]).
pub fn key_role(cfg: &Config, given: &str) -> Option<Role> {
    let mut write = subtle::Choice::from(0);
    let mut staging = subtle::Choice::from(0);
    for (k, env) in &cfg.write_keys {
        let m = k.as_bytes().ct_eq(given.as_bytes());
        write |= m;
        staging |= m & subtle::Choice::from(u8::from(*env == Env::Staging));
    }
    let read = key_matches(&cfg.read_keys, given);
    let admin = key_matches(&cfg.admin_keys, given);
    // A key configured for several roles gets the most powerful one.
    if admin {
        Some(Role::Admin)
    } else if read {
        Some(Role::Read)
    } else if bool::from(write) {
        Some(Role::Write(if bool::from(staging) { Env::Staging } else { Env::Production }))
    } else {
        None
    }
}

/// The `authorization: Bearer <key>` key.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ").map(str::trim))
}

/// Builds the router.
pub fn router(cfg: Config, store: Arc<dyn Store>) -> Router {
    build(cfg, store).0
}

fn build(cfg: Config, store: Arc<dyn Store>) -> (Router, Option<Arc<GuideCache>>) {
    let guides = cfg.guides_dir.as_ref().map(|dir| Arc::new(GuideCache::open(dir.clone(), cfg.guides_check_interval)));
    let state = Arc::new(AppState {
        limiter: RateLimiter::for_rate(cfg.rate_per_key),
        published: PublishedCache::new(cfg.store_check_interval),
        cfg: cfg.clone(),
        store,
        guides: guides.clone(),
        cors: cors_layer(&cfg),
        design: Default::default(),
    });
    let mut app = crate::authoring::routes()
        .merge(crate::design::routes())
        .route("/v1/events", post(ingest))
        .route("/v1/config", get(crate::authoring::config))
        .route("/v1/guides", get(list_guides))
        .route("/v1/guides/{id}/funnel", get(funnel))
        .route("/v1/guides/{id}/goals", get(goals))
        .route("/healthz", get(|| async { "ok" }))
        .route("/guides.json", get(guides_json))
        .method_not_allowed_fallback(method_not_allowed);
    if let Some(dist) = &cfg.dist {
        app = app.nest_service("/dist", ServeDir::new(dist));
    }
    app = match &cfg.www {
        Some(www) => app.fallback_service(ServeDir::new(www).append_index_html_on_directories(true)),
        None => app.fallback(not_found),
    };
    let app = app
        .layer(middleware::from_fn_with_state(state.clone(), api_cors))
        .layer(RequestBodyDeadlineLayer::new(cfg.body_read_timeout))
        .layer(middleware::from_fn(request_limits))
        .layer(middleware::from_fn(json_errors))
        .with_state(state);
    (app, guides)
}

async fn not_found(uri: Uri) -> AppError {
    AppError::not_found(format!("not found: {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::new(StatusCode::METHOD_NOT_ALLOWED, format!("method {method} not allowed on {}", uri.path()))
}

/// 414 and 431 with JSON, before hyper's own (bare) limits are reached.
async fn request_limits(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_LEN {
        return AppError::new(StatusCode::URI_TOO_LONG, format!("URI of {uri_len} bytes; at most {MAX_URI_LEN}")).close().into_response();
    }
    let count = req.headers().len();
    let bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if count > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return AppError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("{count} headers of {bytes} bytes; at most {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes"),
        )
        .close()
        .into_response();
    }
    next.run(req).await
}

/// Turns any error response that is not JSON (axum's extractor rejections, the static file
/// service's 404...) into `{"error": "..."}`, keeping its status and headers.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.ok().map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let msg = text.filter(|t| !t.is_empty()).unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(json!({ "error": msg }).to_string()))
}

/// Whether a browser page of `origin` may call the API: its own origin (the `Host` the
/// request was sent to), or one of `allow_origins` (`*` allows any).
fn origin_allowed(allow_origins: &[String], origin: &str, host: Option<&str>) -> bool {
    let own = host.is_some_and(|h| {
        origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|o| o.eq_ignore_ascii_case(h))
    });
    own || allow_origins.iter().any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The CORS headers of the API (`/v1/`): an allowed origin (see [`origin_allowed`]) is
/// echoed in `access-control-allow-origin`, with `vary: origin`; preflights get the methods
/// and headers the API uses; responses expose `etag` (`GET /v1/config`).
fn cors_layer(cfg: &Config) -> CorsLayer {
    let allow: Vec<String> = cfg.allow_origins.iter().chain(&cfg.design_origins).cloned().collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, parts| {
            origin.to_str().is_ok_and(|o| origin_allowed(&allow, o, header_str(&parts.headers, &header::HOST)))
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("x-guidepost-key"),
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("x-guidepost-author"),
        ])
        .max_age(Duration::from_secs(86_400))
        .expose_headers([header::ETAG])
}

/// CORS for the API (`/v1/` paths; the static files and `/guides.json` are left alone): a
/// request from an origin outside the allow-list, and a preflight without an allowed origin,
/// are refused with 403 `origin not allowed` (a [`CorsLayer`] only leaves the headers out);
/// the others go through the [`CorsLayer`] of [`cors_layer`], which answers preflights
/// itself, with 204 here.
async fn api_cors(State(st): State<Shared>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v1/") {
        return next.run(req).await;
    }
    let preflight = req.method() == Method::OPTIONS;
    let allowed = header_str(req.headers(), &header::ORIGIN).map(|o| {
        let host = header_str(req.headers(), &header::HOST);
        origin_allowed(&st.cfg.allow_origins, o, host) || origin_allowed(&st.cfg.design_origins, o, host)
    });
    if allowed == Some(false) || (preflight && allowed.is_none()) {
        return AppError::forbidden("origin not allowed").into_response();
    }
    let answered: Result<Response, Infallible> = st.cors.layer(next).oneshot(req).await;
    let Ok(mut resp) = answered;
    if preflight {
        *resp.status_mut() = StatusCode::NO_CONTENT;
    }
    resp
}

#[derive(Deserialize, Default)]
pub(crate) struct KeyQuery {
    pub(crate) key: Option<String>,
}

/// A record of a batch that was not stored, and why.
#[derive(serde::Serialize, Debug, PartialEq)]
pub struct RecordError {
    pub index: usize,
    pub reason: String,
}

const SHAPE: &str = "expected {\"batch\": [records]} or an array of records";

/// Parses a request body, `{"batch":[...]}` or a bare array, into the records' JSON values.
pub fn split_body(body: &[u8]) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    match v {
        Value::Array(a) => Ok(a),
        Value::Object(mut m) => match m.remove("batch") {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(SHAPE.into()),
        },
        _ => Err(SHAPE.into()),
    }
}

/// A well-formed body, decoded straight into records (the fast path: no JSON tree).
#[derive(serde::Deserialize)]
struct TypedBody {
    batch: Vec<EventRecord>,
}

/// A body parsed either straight into records or, when that fails, into JSON values so
/// every bad record can be named.
pub enum Parsed {
    Typed(Vec<EventRecord>),
    Raw(Vec<Value>),
}

impl Parsed {
    pub fn len(&self) -> usize {
        match self {
            Parsed::Typed(r) => r.len(),
            Parsed::Raw(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Validates every record: the valid ones, and the reasons for the others.
    pub fn into_records(self) -> (Vec<EventRecord>, Vec<RecordError>) {
        let mut out = Vec::with_capacity(self.len());
        let mut rejected = Vec::new();
        let mut check = |index: usize, r: Result<EventRecord, String>| match r.and_then(|r| r.validate().map(|()| r)) {
            Ok(r) => out.push(r),
            Err(reason) => rejected.push(RecordError { index, reason }),
        };
        match self {
            Parsed::Typed(records) => records.into_iter().enumerate().for_each(|(i, r)| check(i, Ok(r))),
            Parsed::Raw(values) => values
                .into_iter()
                .enumerate()
                .for_each(|(i, v)| check(i, serde_json::from_value::<EventRecord>(v).map_err(|e| e.to_string()))),
        }
        (out, rejected)
    }
}

/// Parses a body, trying the typed fast path first. An error means the body is not JSON or
/// not `{"batch": [...]}` / `[...]`; a record that does not decode is not an error here.
pub fn parse_body(body: &[u8]) -> Result<Parsed, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let typed = if first == Some(&b'[') {
        serde_json::from_slice::<Vec<EventRecord>>(body).ok()
    } else {
        serde_json::from_slice::<TypedBody>(body).ok().map(|b| b.batch)
    };
    match typed {
        Some(records) => Ok(Parsed::Typed(records)),
        None => split_body(body).map(Parsed::Raw),
    }
}

fn too_many(wait: Duration, rate: f64) -> AppError {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    AppError::new(StatusCode::TOO_MANY_REQUESTS, format!("rate limit of {rate} events per second for this key; retry in {secs} s"))
        .header(header::RETRY_AFTER, HeaderValue::from(secs))
}

/// Whether `e` or any of its sources is an `E`.
fn caused_by<E: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<E>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Reads a body of at most `limit` bytes: a larger declared `Content-Length` is refused
/// before any of it is read; a body not received within `body_read_timeout` is a 408.
pub(crate) async fn read_body(st: &AppState, headers: &HeaderMap, body: Body, limit: usize) -> AppResult<Bytes> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|&n| n > limit as u64) {
        return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("body of {n} bytes; at most {limit}")).close());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let refusal = if caused_by::<http_body_util::LengthLimitError>(&e) {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("body larger than {limit} bytes"))
        } else if caused_by::<tower_http::timeout::TimeoutError>(&e) {
            AppError::new(StatusCode::REQUEST_TIMEOUT, format!("body not received within {} s", st.cfg.body_read_timeout.as_secs_f64()))
        } else {
            AppError::bad_request(format!("cannot read the body: {e}"))
        };
        refusal.close()
    })
}

/// The key of a request: the `x-guidepost-key` header, else `?key=`.
fn header_or_query_key(parts: &Parts, query: KeyQuery) -> Option<String> {
    match parts.headers.get("x-guidepost-key") {
        Some(v) => Some(v.to_str().unwrap_or_default().to_string()),
        None => query.key,
    }
}

/// The write key of an ingest request (`x-guidepost-key` header or `?key=`; a key in the
/// body is not read: the extractor runs on the request head, before the body is read).
/// Rejections: 400 for a query that does not parse, 401 (and the connection closed) without
/// a write key.
pub struct IngestKey(pub String);

impl FromRequestParts<Shared> for IngestKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        let query = Query::<KeyQuery>::try_from_uri(&parts.uri).map_err(|e| AppError::bad_request(format!("query: {}", e.body_text())))?.0;
        let Some(key) = header_or_query_key(parts, query) else {
            return Err(AppError::unauthorized(
                "missing write key: send it in the x-guidepost-key header or the ?key= query parameter (a key in the body is not read)",
            )
            .close());
        };
        if !matches!(key_role(&st.cfg, &key), Some(Role::Write(_))) {
            return Err(AppError::unauthorized("wrong write key (from the x-guidepost-key header or ?key=)").close());
        }
        Ok(IngestKey(key))
    }
}

/// A request made with a write key (`?key=` or the `x-guidepost-key` header), and the
/// environment it belongs to: `GET /v1/config`. Rejections: 400 for a query that does not
/// parse, 401 without a key or with an unknown one, 403 with a read or admin key.
#[derive(Clone, Copy, Debug)]
pub struct WriteKey {
    pub env: Env,
}

impl FromRequestParts<Shared> for WriteKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        let Query(query) = Query::<KeyQuery>::try_from_uri(&parts.uri)?;
        let Some(key) = header_or_query_key(parts, query) else {
            return Err(AppError::unauthorized("missing write key: send it as ?key= or in the x-guidepost-key header"));
        };
        match key_role(&st.cfg, &key) {
            Some(Role::Write(env)) => Ok(WriteKey { env }),
            Some(other) => Err(AppError::forbidden(format!("this is a {} key: the config is loaded with a write key", other.name()))),
            None => Err(AppError::unauthorized("wrong write key")),
        }
    }
}

/// A request made with a read key (`authorization: Bearer <key>`, else `?key=`): the
/// reports. Rejections: 400 for a query that does not parse, 401 without a key or with an
/// unknown one, 403 with a write or admin key.
#[derive(Clone, Copy, Debug)]
pub struct ReadKey;

impl FromRequestParts<Shared> for ReadKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        let Query(query) = Query::<KeyQuery>::try_from_uri(&parts.uri)?;
        match bearer(&parts.headers).or(query.key.as_deref()) {
            Some(k) => match key_role(&st.cfg, k) {
                Some(Role::Read | Role::Admin) => Ok(ReadKey),
                Some(other) => Err(AppError::forbidden(format!("this is a {} key: reports need a read key", other.name()))),
                None => Err(AppError::unauthorized("wrong read key")),
            },
            None => Err(AppError::unauthorized("missing read key (authorization: Bearer <key> or ?key=)")),
        }
    }
}

/// Ingest. The body is read only for a request with a valid write key ([`IngestKey`]),
/// within the rate limit, whose declared length fits; then up to `max_body` bytes within
/// `body_read_timeout`. A well-formed body gets 200 `{"accepted", "duplicates", "rejected":
/// [{"index", "reason"}]}`: the valid records are stored, the invalid ones listed (the
/// client must not resend those).
async fn ingest(State(st): State<Shared>, IngestKey(key): IngestKey, req: Request) -> AppResult {
    st.limiter.check(&key, 1.0, Instant::now()).map_err(|wait| too_many(wait, st.cfg.rate_per_key))?;
    let (parts, body) = req.into_parts();
    let bytes = read_body(&st, &parts.headers, body, st.cfg.max_body).await?;
    let parsed = parse_body(&bytes).map_err(AppError::bad_request)?;
    drop(bytes);
    if parsed.len() > MAX_BATCH {
        return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("batch of {} records; at most {MAX_BATCH}", parsed.len())));
    }
    st.limiter.take(&key, parsed.len().max(1) as f64, Instant::now()).map_err(|wait| too_many(wait, st.cfg.rate_per_key))?;
    let (records, rejected) = parsed.into_records();
    let n = if records.is_empty() { Default::default() } else { with_store(&st, move |store| store.insert(&records)).await? };
    Ok(Json(json!({ "accepted": n.accepted, "duplicates": n.duplicates, "rejected": rejected })).into_response())
}

/// Runs a blocking store call off the async workers: a store error is a 503 (the client
/// retries), a call that panicked a 500.
async fn with_store<T: Send + 'static>(st: &AppState, f: impl FnOnce(&dyn Store) -> Result<T, String> + Send + 'static) -> AppResult<T> {
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref())).await.map_err(AppError::internal)?.map_err(AppError::store)
}

/// Query of the funnel endpoint (and the flags of `guidepost report`); `from`/`to` are
/// parsed by [`parse_bound`].
#[derive(Deserialize, Default, Debug)]
pub struct FunnelParams {
    pub key: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub version: Option<String>,
    pub variant: Option<String>,
}

/// Latest accepted bound, ms: 10000-01-01.
const MAX_BOUND_MS: i64 = 253_402_300_800_000;

/// Parses a report bound: milliseconds since 1970 (0 to year 10000), or a day `YYYY-MM-DD`
/// (UTC, a real calendar day: `2026-02-31` is refused). A day as a start (`end` false) is
/// its midnight; as an end, the whole day is included (the bound is the next midnight, and
/// ends are exclusive). The one parser of both the HTTP API and `guidepost report`.
pub fn parse_bound(s: &str, end: bool) -> Result<i64, String> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .filter(|ms| *ms <= MAX_BOUND_MS)
            .ok_or_else(|| format!("milliseconds out of range (0 to {MAX_BOUND_MS}): {s}"));
    }
    match guidepost_core::dates::parse_day(s) {
        Some(day) => Ok((day + i64::from(end)) * DAY_MS),
        None => Err(format!("expected YYYY-MM-DD (a real calendar day) or milliseconds since 1970, found {s:?}")),
    }
}

impl FunnelParams {
    /// The store query; an error names the parameter.
    pub fn to_query(&self, guide_id: &str) -> Result<FunnelQuery, String> {
        let nonempty = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let from_ms = nonempty(&self.from).map(|s| parse_bound(&s, false)).transpose().map_err(|e| format!("from: {e}"))?;
        let to_ms = nonempty(&self.to).map(|s| parse_bound(&s, true)).transpose().map_err(|e| format!("to: {e}"))?;
        Ok(FunnelQuery {
            guide_id: guide_id.to_string(),
            from_ms,
            to_ms,
            version: nonempty(&self.version)
                .map(|s| s.parse::<u32>().map_err(|_| format!("version: expected a number, found {s:?}")))
                .transpose()?,
            variant: nonempty(&self.variant),
        })
    }
}

/// The guide's name (`name`) and each step's title (`title`) are added where the guide is
/// known, for the dashboard to show instead of ids.
async fn funnel(State(st): State<Shared>, Path(id): Path<String>, Query(p): Query<FunnelParams>, _: ReadKey) -> AppResult {
    let q = p.to_query(&id).map_err(AppError::bad_request)?;
    let dir = dir_guides(&st).await;
    let answer = with_store(&st, move |store| {
        let mut v = serde_json::to_value(store.funnel(&q)?).map_err(|e| e.to_string())?;
        if let Some(g) = crate::labels::guide_json(store, dir.as_deref(), &q.guide_id) {
            v["name"] = g["name"].clone();
            let titles = crate::labels::step_titles(&g);
            for s in v["steps"].as_array_mut().into_iter().flatten() {
                if let Some(t) = s["step_id"].as_str().and_then(|id| titles.get(id)) {
                    s["title"] = Value::String(t.clone());
                }
            }
        }
        Ok(v)
    })
    .await?;
    Ok(Json(answer).into_response())
}

/// The guides directory's JSON array, when one is configured.
async fn dir_guides(st: &Shared) -> Option<axum::body::Bytes> {
    match &st.guides {
        Some(c) => Some(c.get().await),
        None => None,
    }
}

async fn goals(State(st): State<Shared>, Path(id): Path<String>, Query(p): Query<FunnelParams>, _: ReadKey) -> AppResult {
    let q = p.to_query(&id).map_err(AppError::bad_request)?;
    let dir = dir_guides(&st).await;
    let answer = with_store(&st, move |store| crate::goal_report::goal_report(store, dir.as_deref(), &q)).await?;
    Ok(Json(answer).into_response())
}

/// Each guide with its `name` where the guide is known.
async fn list_guides(State(st): State<Shared>, _: ReadKey) -> AppResult {
    let dir = dir_guides(&st).await;
    let g = with_store(&st, move |store| {
        let mut g = serde_json::to_value(store.guides()?).map_err(|e| e.to_string())?;
        let names = crate::labels::names(store, dir.as_deref());
        for s in g.as_array_mut().into_iter().flatten() {
            if let Some(n) = s["guide_id"].as_str().and_then(|id| names.get(id)) {
                s["name"] = Value::String(n.clone());
            }
        }
        Ok(g)
    })
    .await?;
    Ok(Json(json!({ "guides": g })).into_response())
}

/// The guides, from memory (see [`GuideCache`]).
async fn guides_json(State(st): State<Shared>) -> AppResult {
    let cache = st.guides.as_ref().ok_or_else(|| AppError::not_found("no guides directory configured"))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], cache.get().await).into_response())
}

/// Serves until Ctrl-C.
pub async fn serve(addr: SocketAddr, cfg: Config, store: Arc<dyn Store>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("guidepost collector on http://{}", listener.local_addr()?);
    let (app, _) = build(cfg.clone(), store);
    accept_loop(listener, &cfg, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Accepts connections until `shutdown`, at most `max_connections` at a time, each served
/// by hyper with the header timeout; then waits for the open connections to finish.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    cfg: &Config,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(cfg.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(cfg.header_read_timeout).max_headers(HYPER_MAX_HEADERS).max_buf_size(HYPER_MAX_BUF);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    eprintln!("guidepost: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A running server (tests, benchmarks, `guidepost serve`).
pub struct Running {
    pub addr: SocketAddr,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The guide cache behind `/guides.json`, when a guides directory is configured.
    pub guides: Option<Arc<GuideCache>>,
}

/// Binds `addr` (port 0 for an ephemeral one) and serves in the background.
pub async fn spawn(addr: &str, cfg: Config, store: Arc<dyn Store>) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (app, guides) = build(cfg.clone(), store);
    let handle = tokio::spawn(async move {
        accept_loop(listener, &cfg, app, async {
            let _ = rx.await;
        })
        .await
    });
    Ok(Running { addr, shutdown: tx, handle, guides })
}
