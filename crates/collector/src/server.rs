//! The HTTP server: event ingest, reports, the dashboard and static files.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use guidepost_core::EventRecord;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::services::ServeDir;

use crate::store::{FunnelQuery, Store};

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Keys that may send events (public: they ship in the page).
    pub write_keys: Vec<String>,
    /// Keys that may read reports (secret).
    pub read_keys: Vec<String>,
    /// Origins allowed to send events from a browser besides the server's own; `*` allows any.
    pub allow_origins: Vec<String>,
    /// Largest accepted request body, bytes.
    pub max_body: usize,
    /// Token bucket per write key: events per second (0 disables the limit); the burst is 2 s worth.
    pub rate_per_key: f64,
    /// Static files served at `/` (the demo app and `/dashboard/`).
    pub www: Option<PathBuf>,
    /// The built bundle, served at `/dist/`.
    pub dist: Option<PathBuf>,
    /// Guide files, served as one array at `/guides.json`.
    pub guides_dir: Option<PathBuf>,
}

/// Largest accepted batch, records.
pub const MAX_BATCH: usize = 5000;

impl Default for Config {
    fn default() -> Self {
        Config {
            write_keys: vec!["demo-write-key".into()],
            read_keys: vec!["demo-read-key".into()],
            allow_origins: vec![],
            max_body: 1 << 20,
            rate_per_key: 100_000.0,
            www: None,
            dist: None,
            guides_dir: None,
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

    /// Takes `cost` tokens from `key`'s bucket; false when there are not enough.
    pub fn take(&self, key: &str, cost: f64, now: Instant) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(key.to_string()).or_insert(Bucket { tokens: self.burst, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= cost {
            b.tokens -= cost;
            true
        } else {
            false
        }
    }
}

struct AppState {
    cfg: Config,
    store: Arc<dyn Store>,
    limiter: RateLimiter,
}

type Shared = Arc<AppState>;

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "error": msg.into() }))).into_response()
}

/// Builds the router.
pub fn router(cfg: Config, store: Arc<dyn Store>) -> Router {
    let state =
        Arc::new(AppState { limiter: RateLimiter::new(cfg.rate_per_key, (cfg.rate_per_key * 2.0).max(1.0)), cfg: cfg.clone(), store });
    let mut app = Router::new()
        .route("/v1/events", post(ingest))
        .route("/v1/guides", get(list_guides))
        .route("/v1/guides/{id}/funnel", get(funnel))
        .route("/healthz", get(|| async { "ok" }))
        .route("/guides.json", get(guides_json))
        .layer(DefaultBodyLimit::max(cfg.max_body));
    if let Some(dist) = &cfg.dist {
        app = app.nest_service("/dist", ServeDir::new(dist));
    }
    if let Some(www) = &cfg.www {
        app = app.fallback_service(ServeDir::new(www).append_index_html_on_directories(true));
    }
    app.layer(middleware::from_fn_with_state(state.clone(), cors)).with_state(state)
}

fn origin_allowed(cfg: &Config, origin: &str, host: Option<&str>) -> bool {
    let own = host.is_some_and(|h| {
        origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|o| o.eq_ignore_ascii_case(h))
    });
    own || cfg.allow_origins.iter().any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// CORS for the API: preflights are answered here; requests from origins outside the
/// allow-list are refused; allowed ones get `access-control-allow-origin`.
async fn cors(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    if !path.starts_with("/v1/") {
        return next.run(req).await;
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    let allowed = origin.as_deref().map(|o| origin_allowed(&st.cfg, o, host));
    if req.method() == Method::OPTIONS {
        return match (origin, allowed) {
            (Some(o), Some(true)) => {
                let mut r = StatusCode::NO_CONTENT.into_response();
                let h = r.headers_mut();
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_str(&o).unwrap_or(HeaderValue::from_static("null")));
                h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
                h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, x-guidepost-key, authorization"));
                h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
                h.insert(header::VARY, HeaderValue::from_static("origin"));
                r
            }
            _ => error(StatusCode::FORBIDDEN, "origin not allowed"),
        };
    }
    if allowed == Some(false) {
        return error(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let mut resp = next.run(req).await;
    if let Some(o) = origin {
        if let Ok(v) = HeaderValue::from_str(&o) {
            resp.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            resp.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
        }
    }
    resp
}

#[derive(Deserialize, Default)]
struct KeyQuery {
    key: Option<String>,
}

/// Why records of a batch were refused.
#[derive(serde::Serialize, Debug, PartialEq)]
pub struct RecordError {
    pub index: usize,
    pub reason: String,
}

/// Parses a request body: `{"batch":[...], "writeKey"?}` or a bare array.
/// Returns the records' JSON values and the key found in the body.
pub fn split_body(body: &[u8]) -> Result<(Vec<Value>, Option<String>), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    match v {
        Value::Array(a) => Ok((a, None)),
        Value::Object(mut m) => {
            let key = ["writeKey", "write_key", "key"].iter().find_map(|k| m.get(*k).and_then(Value::as_str).map(str::to_string));
            match m.remove("batch") {
                Some(Value::Array(a)) => Ok((a, key)),
                _ => Err("expected {\"batch\": [records]} or an array of records".into()),
            }
        }
        _ => Err("expected {\"batch\": [records]} or an array of records".into()),
    }
}

/// A well-formed body, decoded straight into records (the fast path: no JSON tree).
#[derive(serde::Deserialize)]
struct TypedBody {
    batch: Vec<EventRecord>,
    #[serde(rename = "writeKey", alias = "write_key", alias = "key", default)]
    write_key: Option<String>,
}

/// A body parsed either straight into records or, when that fails, into JSON values so
/// every bad record can be named.
pub enum Parsed {
    Typed(Vec<EventRecord>),
    Raw(Vec<Value>),
}

impl Parsed {
    fn len(&self) -> usize {
        match self {
            Parsed::Typed(r) => r.len(),
            Parsed::Raw(v) => v.len(),
        }
    }
}

/// Parses a body, trying the typed fast path first.
pub fn parse_body(body: &[u8]) -> Result<(Parsed, Option<String>), String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let typed = if first == Some(&b'[') {
        serde_json::from_slice::<Vec<EventRecord>>(body).ok().map(|r| (r, None))
    } else {
        serde_json::from_slice::<TypedBody>(body).ok().map(|b| (b.batch, b.write_key))
    };
    match typed {
        Some((records, key)) => Ok((Parsed::Typed(records), key)),
        None => split_body(body).map(|(v, k)| (Parsed::Raw(v), k)),
    }
}

/// Validates decoded records; any failure refuses the whole batch.
pub fn validate_batch(records: Vec<EventRecord>) -> Result<Vec<EventRecord>, Vec<RecordError>> {
    let errors: Vec<RecordError> =
        records.iter().enumerate().filter_map(|(index, r)| r.validate().err().map(|reason| RecordError { index, reason })).collect();
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// Decodes and validates every record; any failure refuses the whole batch.
pub fn decode_batch(values: Vec<Value>) -> Result<Vec<EventRecord>, Vec<RecordError>> {
    let mut out = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    for (index, v) in values.into_iter().enumerate() {
        match serde_json::from_value::<EventRecord>(v) {
            Ok(r) => match r.validate() {
                Ok(()) => out.push(r),
                Err(reason) => errors.push(RecordError { index, reason }),
            },
            Err(e) => errors.push(RecordError { index, reason: e.to_string() }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

async fn ingest(State(st): State<Shared>, Query(q): Query<KeyQuery>, headers: HeaderMap, body: Bytes) -> Response {
    let (values, body_key) = match parse_body(&body) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let key = headers.get("x-guidepost-key").and_then(|v| v.to_str().ok()).map(str::to_string).or(q.key).or(body_key);
    match key.clone() {
        Some(k) if st.cfg.write_keys.contains(&k) => {}
        Some(_) => return error(StatusCode::UNAUTHORIZED, "wrong write key"),
        None => return error(StatusCode::UNAUTHORIZED, "missing write key (x-guidepost-key header, ?key= or writeKey in the body)"),
    }
    if values.len() > MAX_BATCH {
        return error(StatusCode::PAYLOAD_TOO_LARGE, format!("batch of {} records; at most {MAX_BATCH}", values.len()));
    }
    if !st.limiter.take(&key.unwrap_or_default(), values.len().max(1) as f64, Instant::now()) {
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    let decoded = match values {
        Parsed::Typed(records) => validate_batch(records),
        Parsed::Raw(values) => decode_batch(values),
    };
    let records = match decoded {
        Ok(r) => r,
        Err(errors) => return (StatusCode::BAD_REQUEST, Json(json!({ "errors": errors }))).into_response(),
    };
    match with_store(&st, move |store| store.insert(&records)).await {
        Ok(n) => Json(json!({ "accepted": n.accepted, "duplicates": n.duplicates })).into_response(),
        Err(r) => r,
    }
}

/// Runs a blocking store call off the async workers: a store error is a 503 (the client
/// retries), a call that panicked a 500.
async fn with_store<T: Send + 'static>(
    st: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
    let store = st.store.clone();
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error(StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}"))),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

fn read_authorized(st: &AppState, headers: &HeaderMap, key: Option<&str>) -> Result<(), Response> {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ").map(str::trim));
    match bearer.or(key) {
        Some(k) if st.cfg.read_keys.iter().any(|r| r == k) => Ok(()),
        Some(_) => Err(error(StatusCode::UNAUTHORIZED, "wrong read key")),
        None => Err(error(StatusCode::UNAUTHORIZED, "missing read key (authorization: Bearer <key> or ?key=)")),
    }
}

/// Query of the funnel endpoint; `from`/`to` are ms since the epoch or `YYYY-MM-DD` (UTC;
/// `to` as a date includes that whole day).
#[derive(Deserialize, Default, Debug)]
pub struct FunnelParams {
    pub key: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub version: Option<String>,
    pub variant: Option<String>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Parses `1700000000000` or `2026-11-23` (midnight UTC).
pub fn parse_time(s: &str) -> Result<i64, String> {
    parse_time_at(s, false)
}

/// Parses `1700000000000` or `2026-11-23`; `end` makes a date mean the end of that day.
pub fn parse_time_at(s: &str, end: bool) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() == 3 {
        if let (Ok(y), Ok(m), Ok(d)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>(), parts[2].parse::<i64>()) {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                let day = days_from_civil(y, m, d) + if end { 1 } else { 0 };
                return Ok(day * 86_400_000);
            }
        }
    }
    Err(format!("expected milliseconds or YYYY-MM-DD, found {s:?}"))
}

impl FunnelParams {
    pub fn to_query(&self, guide_id: &str) -> Result<FunnelQuery, String> {
        let nonempty = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(FunnelQuery {
            guide_id: guide_id.to_string(),
            from_ms: nonempty(&self.from).map(|s| parse_time_at(&s, false)).transpose().map_err(|e| format!("from: {e}"))?,
            to_ms: nonempty(&self.to).map(|s| parse_time_at(&s, true)).transpose().map_err(|e| format!("to: {e}"))?,
            version: nonempty(&self.version)
                .map(|s| s.parse::<u32>().map_err(|_| format!("version: expected a number, found {s:?}")))
                .transpose()?,
            variant: nonempty(&self.variant),
        })
    }
}

async fn funnel(State(st): State<Shared>, Path(id): Path<String>, Query(p): Query<FunnelParams>, headers: HeaderMap) -> Response {
    if let Err(r) = read_authorized(&st, &headers, p.key.as_deref()) {
        return r;
    }
    let q = match p.to_query(&id) {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match with_store(&st, move |store| store.funnel(&q)).await {
        Ok(r) => Json(r).into_response(),
        Err(r) => r,
    }
}

async fn list_guides(State(st): State<Shared>, Query(q): Query<KeyQuery>, headers: HeaderMap) -> Response {
    if let Err(r) = read_authorized(&st, &headers, q.key.as_deref()) {
        return r;
    }
    match with_store(&st, |store| store.guides()).await {
        Ok(g) => Json(json!({ "guides": g })).into_response(),
        Err(r) => r,
    }
}

async fn guides_json(State(st): State<Shared>) -> Response {
    let Some(dir) = st.cfg.guides_dir.clone() else {
        return error(StatusCode::NOT_FOUND, "no guides directory configured");
    };
    let (guides, _) = crate::cli::load_dir(&dir);
    Json(guides).into_response()
}

/// Serves until Ctrl-C.
pub async fn serve(addr: SocketAddr, cfg: Config, store: Arc<dyn Store>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("guidepost collector on http://{}", listener.local_addr()?);
    axum::serve(listener, router(cfg, store))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// A running server (tests, benchmarks, `guidepost serve`).
pub struct Running {
    pub addr: SocketAddr,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `addr` (port 0 for an ephemeral one) and serves in the background.
pub async fn spawn(addr: &str, cfg: Config, store: Arc<dyn Store>) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(cfg, store);
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running { addr, shutdown: tx, handle })
}
