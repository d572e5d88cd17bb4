//! The in-app designer's trust chain: one-time tokens, designer sessions, and the designer's
//! code served only to a session.
//!
//! - `POST /v1/design/tokens` (admin key) `{"guide_id", "url"}` → `{"token", "url",
//!   "expires_in"}`: the URL is the app's, with `guidepost-design=<token>` added to its fragment ([`design_url`]). The
//!   URL's origin must be the collector's own, one of [`Config::design_origins`], or one
//!   of the CORS allow-list (`*` excepted).
//! - `POST /v1/design/session` `{"token"}`, from a page whose `Origin` is the token's → 200
//!   `{"session", "guide_id", "expires_at"}`. A token works once and expires after
//!   [`TOKEN_TTL`]; no key is needed (the token is the credential).
//! - `GET /v1/design/session` (`authorization: Bearer <session>`) → the same, or 401: the
//!   embed asks this after a navigation before it loads anything of the designer.
//! - `GET /v1/design/assets/{file}?session=<session>`: the designer's code (the Studio
//!   crate's build in `dist/studio/`), 401 without a valid session. A write key never opens
//!   any of these routes.
//!
//! A session may read and save the draft of its own guide (see [`Author`]), nothing else.
//! Tokens and sessions live in this process's memory, bounded ([`MAX_PENDING`]): behind
//! several collectors, the token's exchange and the session's requests must reach the
//! collector that issued them (sticky sessions), or the author opens the designer again.
//!
//! [`Config::design_origins`]: crate::server::Config::design_origins

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::authoring::{now_ms, small_body, Admin};
use crate::error::{AppError, AppResult};
use crate::server::{bearer, key_role, Shared};

/// How long a one-time token can be exchanged.
pub const TOKEN_TTL: Duration = Duration::from_secs(5 * 60);
/// How long a designer session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// Tokens, and sessions, held at once; the oldest goes first when full.
pub const MAX_PENDING: usize = 1000;
/// The fragment key the embed looks for.
pub const FRAGMENT_KEY: &str = "guidepost-design";

#[derive(Clone, Debug)]
struct Grant {
    guide_id: String,
    origin: String,
    expires: Instant,
    /// Wall-clock expiry, ms since 1970, for the answer.
    expires_ms: i64,
}

/// Tokens not yet exchanged and live sessions.
#[derive(Default)]
pub struct DesignState {
    tokens: Mutex<HashMap<String, Grant>>,
    sessions: Mutex<HashMap<String, Grant>>,
}

fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Inserts `grant` under a fresh random key, dropping expired entries and, when still full,
/// the one that expires first.
fn insert(map: &Mutex<HashMap<String, Grant>>, prefix: &str, grant: Grant) -> AppResult<String> {
    let key = format!("{prefix}{}", random_hex(24)?);
    let mut m = map.lock().map_err(|_| AppError::internal("design state poisoned"))?;
    let now = Instant::now();
    m.retain(|_, g| g.expires > now);
    if m.len() >= MAX_PENDING {
        if let Some(oldest) = m.iter().min_by_key(|(_, g)| g.expires).map(|(k, _)| k.clone()) {
            m.remove(&oldest);
        }
    }
    m.insert(key.clone(), grant);
    Ok(key)
}

impl DesignState {
    /// The live session `key`, if any.
    fn session(&self, key: &str) -> Option<Grant> {
        let m = self.sessions.lock().ok()?;
        m.get(key).filter(|g| g.expires > Instant::now()).cloned()
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; `None` when it is not http(s).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// Whether the designer may run on `origin`: the collector's own (`host`), one of
/// `--design-origin`, or one of `--allow-origin` (an app allowed to send events is the
/// customer's; the wildcard `*` does not count here).
fn design_origin_allowed(st: &Shared, origin: &str, host: Option<&str>) -> bool {
    let own = host.is_some_and(|h| origin.split_once("://").is_some_and(|(_, o)| o.eq_ignore_ascii_case(h)));
    let listed = st.cfg.design_origins.iter().chain(&st.cfg.allow_origins).filter(|o| o.as_str() != "*");
    own || listed.into_iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/design/tokens", post(new_token))
        .route("/v1/design/session", post(exchange).get(check_session))
        .route("/v1/design/assets/{file}", get(asset))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    guide_id: String,
    url: String,
}

async fn new_token(State(st): State<Shared>, _: Admin, headers: HeaderMap, body: Body) -> AppResult {
    let b: TokenBody = small_body(&st, &headers, body).await?;
    crate::authoring::check_id(&b.guide_id)?;
    if b.url.len() > 2048 {
        return Err(AppError::bad_request("url: at most 2048 bytes"));
    }
    let origin = origin_of(&b.url).ok_or_else(|| AppError::bad_request(format!("url: expected an http(s) URL, found {:?}", b.url)))?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !design_origin_allowed(&st, &origin, host) {
        return Err(AppError::forbidden(format!(
            "url: the designer may not open on {origin}; start the collector with --design-origin {origin}"
        )));
    }
    let expires_ms = now_ms() + TOKEN_TTL.as_millis() as i64;
    let grant = Grant { guide_id: b.guide_id, origin, expires: Instant::now() + TOKEN_TTL, expires_ms };
    let token = insert(&st.design.tokens, "gpt_", grant)?;
    Ok(Json(json!({
        "token": token,
        "url": design_url(&b.url, &token),
        "expires_in": TOKEN_TTL.as_secs(),
    }))
    .into_response())
}

/// The app's URL with the token in its fragment, after the app's own fragment: a
/// hash-routed app opens on its route (`#/users?guidepost-design=T`, as routers read a
/// query in the fragment; `&` when the fragment has a query already). The embed's stub takes
/// the token out before the app's router reads the address.
pub fn design_url(app_url: &str, token: &str) -> String {
    let (base, fragment) = app_url.split_once('#').unwrap_or((app_url, ""));
    let fragment = without_token(fragment);
    let sep = if fragment.is_empty() {
        ""
    } else if fragment.contains('?') {
        "&"
    } else {
        "?"
    };
    format!("{base}#{fragment}{sep}{FRAGMENT_KEY}={token}")
}

/// `fragment` without an earlier token (an app URL copied from a designer tab), as the
/// embed takes it out: with the `&` before it, or the `&` after it.
fn without_token(fragment: &str) -> String {
    let key = format!("{FRAGMENT_KEY}=");
    let mut f = fragment.to_string();
    while let Some(i) = f.find(&key) {
        let end = i + key.len() + f[i + key.len()..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        if f[..i].ends_with('&') {
            f.replace_range(i - 1..end, "");
        } else {
            let end = if f[end..].starts_with('&') { end + 1 } else { end };
            f.replace_range(i..end, "");
        }
    }
    f.trim_end_matches(['?', '&']).to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeBody {
    token: String,
}

fn session_answer(key: &str, g: &Grant) -> Response {
    Json(json!({ "session": key, "guide_id": g.guide_id, "expires_at": g.expires_ms })).into_response()
}

async fn exchange(State(st): State<Shared>, headers: HeaderMap, body: Body) -> AppResult {
    let b: ExchangeBody = small_body(&st, &headers, body).await?;
    // Taken out at once: a token works once, even when the rest of the checks fail.
    let grant = st.design.tokens.lock().map_err(|_| AppError::internal("design state poisoned"))?.remove(&b.token);
    let grant =
        grant.filter(|g| g.expires > Instant::now()).ok_or_else(|| AppError::unauthorized("unknown, used or expired designer token"))?;
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !origin.eq_ignore_ascii_case(&grant.origin) {
        return Err(AppError::forbidden(format!("this token is for {}, not for {origin:?}", grant.origin)));
    }
    let session = Grant { expires: Instant::now() + SESSION_TTL, expires_ms: now_ms() + SESSION_TTL.as_millis() as i64, ..grant };
    let key = insert(&st.design.sessions, "gps_", session.clone())?;
    Ok(session_answer(&key, &session))
}

/// A live designer session, from `authorization: Bearer <session>` or `?session=`.
pub struct Session {
    pub key: String,
    grant: Grant,
}

#[derive(Deserialize, Default)]
struct SessionQuery {
    session: Option<String>,
}

impl FromRequestParts<Shared> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        let Query(q) = Query::<SessionQuery>::try_from_uri(&parts.uri).unwrap_or_default();
        let key =
            bearer(&parts.headers).map(str::to_string).or(q.session).ok_or_else(|| AppError::unauthorized("missing designer session"))?;
        if key_role(&st.cfg, &key).is_some() {
            return Err(AppError::forbidden("a key is not a designer session"));
        }
        let g = st.design.session(&key).ok_or_else(|| AppError::unauthorized("unknown or expired designer session"))?;
        Ok(Session { key, grant: g })
    }
}

async fn check_session(s: Session) -> Response {
    session_answer(&s.key, &s.grant)
}

async fn asset(State(st): State<Shared>, _: Session, Path(file): Path<String>) -> AppResult {
    let kind = match file.as_str() {
        "studio.js" => "text/javascript; charset=utf-8",
        "studio_bg.wasm" => "application/wasm",
        _ => return Err(AppError::not_found(format!("no designer asset {file:?}"))),
    };
    let dir = st.cfg.dist.as_ref().ok_or_else(|| AppError::not_found("this collector serves no built files (--dist)"))?;
    let path = dir.join("studio").join(&file);
    let bytes =
        tokio::fs::read(&path).await.map_err(|e| AppError::not_found(format!("{}: {e} (run scripts/build-studio.sh)", path.display())))?;
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

/// Who may read and save a guide's draft: an admin key, or a designer session for that
/// guide (checked by [`Author::may_edit`] in the handler, which knows the guide).
pub enum Author {
    Admin(Admin),
    Designer(Session),
}

impl Author {
    pub fn may_edit(&self, guide_id: &str) -> AppResult<()> {
        match self {
            Author::Designer(s) if s.grant.guide_id != guide_id => {
                Err(AppError::forbidden(format!("this designer session edits guide {:?} only", s.grant.guide_id)))
            }
            _ => Ok(()),
        }
    }

    pub fn who(&self) -> String {
        match self {
            Author::Admin(a) => a.who.clone(),
            Author::Designer(s) => format!("designer on {}", s.grant.origin),
        }
    }
}

impl FromRequestParts<Shared> for Author {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        match bearer(&parts.headers) {
            Some(k) if k.starts_with("gps_") && key_role(&st.cfg, k).is_none() => {
                Ok(Author::Designer(Session::from_request_parts(parts, st).await?))
            }
            _ => Ok(Author::Admin(Admin::from_request_parts(parts, st).await?)),
        }
    }
}
