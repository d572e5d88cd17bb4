//! The guide store's HTTP API: authoring with an admin key, and `GET /v1/config`, what the
//! embed loads with a write key.
//!
//! Authoring (`authorization: Bearer <admin key>`; the author named by `x-guidepost-author`,
//! at most 128 characters, else "admin"):
//! - `PUT /v1/guides/{id}/draft`, body the guide JSON (one object, at most 1 MB), saved even
//!   when invalid; optional `If-Match: "<revision>"` (409 `{"error":"stale revision",
//!   "revision":N}` when stale; `"0"` for a guide that does not exist yet) → 200
//!   `{"revision", "diagnostics"}` and `ETag: "<revision>"`. A body `id` other than the
//!   path's is an error diagnostic (the draft is still saved; publishing it is refused).
//! - `GET /v1/guides/{id}/draft` → `{"revision", "json", "updated_at", "updated_by"}` + ETag.
//! - `POST /v1/guides/{id}/publish` `{"environment"}` → `{"version", "environment"}`; 422
//!   `{"error": "the draft has errors", "diagnostics"}`; optional `If-Match: "<revision>"`,
//!   the draft revision the author saw (409 as for a save when the draft changed since).
//! - `POST /v1/guides/{id}/promote` `{"from", "to"}` → `{"version", "environment"}`.
//! - `POST /v1/guides/{id}/unpublish` `{"environment"}` → `{"environment", "version": null}`.
//! - `POST /v1/guides/{id}/rollback` `{"environment", "version"}` → `{"version",
//!   "environment", "from_version"}`.
//! - `GET /v1/guides/{id}/versions`, `GET /v1/guides/{id}/versions/{n}`,
//!   `GET /v1/publish-log[?guide=id][&limit=n]`, `GET /v1/store/guides`.
//!
//! No key or an unknown one is a 401, a key of another role a 403; both are answered before
//! any body is read: the keys are checked by extractors on the request head ([`Admin`]
//! here, [`crate::server::WriteKey`] for `/v1/config`). Handlers answer
//! [`AppResult`]: every refusal is an [`AppError`] (a guide store error converts into one,
//! e.g. 409 with `revision`, 422 with `diagnostics`).

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::design::Author;
use crate::error::{AppError, AppResult};
use crate::guide_store::{
    valid_guide_id, Actor, Env, GuideError, GuideStore, Published, MAX_AUTHOR_CHARS, MAX_GUIDE_BYTES, MAX_LOG_ENTRIES,
};
use crate::server::{bearer, key_role, read_body, AppState, Role, Shared, WriteKey, MAX_SMALL_BODY};

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/guides/{id}/draft", put(put_draft).get(get_draft))
        .route("/v1/guides/{id}/publish", post(publish))
        .route("/v1/guides/{id}/promote", post(promote))
        .route("/v1/guides/{id}/unpublish", post(unpublish))
        .route("/v1/guides/{id}/rollback", post(rollback))
        .route("/v1/guides/{id}/versions", get(versions))
        .route("/v1/guides/{id}/versions/{n}", get(version))
        .route("/v1/publish-log", get(publish_log))
        .route("/v1/store/guides", get(store_guides))
}

/// A request made with an admin key (`authorization: Bearer <key>`), and who made it (the
/// `x-guidepost-author` header, else "admin"). Rejections: 401 without a key or with an
/// unknown one, 403 with a write or read key, 400 for an author name that is not text of at
/// most [`MAX_AUTHOR_CHARS`] characters.
#[derive(Clone, Debug)]
pub struct Admin {
    pub who: String,
}

impl FromRequestParts<Shared> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> AppResult<Self> {
        let Some(key) = bearer(&parts.headers) else {
            return Err(AppError::unauthorized("missing admin key (authorization: Bearer <key>)").close());
        };
        match key_role(&st.cfg, key) {
            Some(Role::Admin) => {}
            Some(other) => {
                return Err(AppError::forbidden(format!("this is a {} key: authoring guides needs an admin key", other.name())).close())
            }
            None => return Err(AppError::unauthorized("wrong admin key").close()),
        }
        let who = match parts.headers.get("x-guidepost-author") {
            None => "admin".to_string(),
            Some(v) => {
                let s =
                    std::str::from_utf8(v.as_bytes()).map_err(|_| AppError::bad_request("x-guidepost-author is not UTF-8").close())?.trim();
                if s.chars().count() > MAX_AUTHOR_CHARS {
                    return Err(AppError::bad_request(format!(
                        "x-guidepost-author of {} characters; at most {MAX_AUTHOR_CHARS}",
                        s.chars().count()
                    ))
                    .close());
                }
                if s.is_empty() {
                    "admin".to_string()
                } else {
                    s.to_string()
                }
            }
        };
        Ok(Admin { who })
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub(crate) fn etag(revision: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{revision}\"")).expect("digits are a valid header value")
}

/// Runs a blocking guide store call off the async workers; a guide store error becomes its
/// [`AppError`].
async fn with_guides<T: Send + 'static>(
    st: &AppState,
    f: impl FnOnce(&dyn GuideStore) -> Result<T, GuideError> + Send + 'static,
) -> AppResult<T> {
    if st.store.guide_store().is_none() {
        return Err(AppError::no_guide_store());
    }
    let store = st.store.clone();
    let run = move || match store.guide_store() {
        Some(gs) => f(gs),
        None => Err(GuideError::Store("this store does not keep guides".into())),
    };
    Ok(tokio::task::spawn_blocking(run).await.map_err(AppError::internal)??)
}

pub(crate) fn check_id(id: &str) -> AppResult<()> {
    if valid_guide_id(id) {
        Ok(())
    } else {
        Err(AppError::bad_request(format!(
            "invalid guide id {}: 1 to 128 letters, digits or -_.:",
            Value::String(id.chars().take(200).collect())
        )))
    }
}

fn env(s: &str) -> AppResult<Env> {
    Env::parse(s).map_err(AppError::bad_request)
}

/// `If-Match: "3"` or `If-Match: 3`; `*` and no header ask for nothing.
fn if_match(headers: &HeaderMap) -> AppResult<Option<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    let digits = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| AppError::bad_request(format!("If-Match: expected a draft revision such as \"3\", found {s:?}")))
}

/// A small JSON body, read after the key was checked.
pub(crate) async fn small_body<T: serde::de::DeserializeOwned>(st: &AppState, headers: &HeaderMap, body: Body) -> AppResult<T> {
    let bytes = read_body(st, headers, body, MAX_SMALL_BODY).await?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::bad_request(format!("body: {e}")))
}

/// Rebuilds what `/v1/config` serves after a change of publication.
async fn changed(st: &Shared) {
    st.published.changed(&st.store).await;
}

async fn put_draft(State(st): State<Shared>, author: Author, Path(id): Path<String>, headers: HeaderMap, body: Body) -> AppResult {
    check_id(&id)?;
    author.may_edit(&id)?;
    let if_match = if_match(&headers)?;
    let bytes = read_body(&st, &headers, body, MAX_GUIDE_BYTES).await?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|e| AppError::bad_request(format!("body is not JSON: {e}")))?;
    if !json.is_object() {
        return Err(AppError::bad_request("expected one guide object"));
    }
    let by = By { who: author.who(), at: now_ms() };
    let saved = with_guides(&st, move |gs| gs.save_draft(&id, &json, if_match, &by.actor())).await?;
    let mut r = Json(&saved).into_response();
    r.headers_mut().insert(header::ETAG, etag(saved.revision));
    Ok(r)
}

async fn get_draft(State(st): State<Shared>, author: Author, Path(id): Path<String>) -> AppResult {
    check_id(&id)?;
    author.may_edit(&id)?;
    let msg = format!("no draft of guide \"{id}\"");
    let d = with_guides(&st, move |gs| gs.draft(&id)).await?.ok_or_else(|| AppError::not_found(msg))?;
    let mut r = Json(&d).into_response();
    r.headers_mut().insert(header::ETAG, etag(d.revision));
    Ok(r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvBody {
    environment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoteBody {
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    environment: String,
    version: u32,
}

/// An owned [`Actor`], to move into a blocking task.
struct By {
    who: String,
    at: i64,
}

impl By {
    fn actor(&self) -> Actor<'_> {
        Actor { who: &self.who, at: self.at }
    }
}

fn by(admin: &Admin) -> By {
    By { who: admin.who.clone(), at: now_ms() }
}

fn answer(p: &Published) -> Response {
    Json(json!({ "version": p.version, "environment": p.environment })).into_response()
}

async fn publish(State(st): State<Shared>, admin: Admin, Path(id): Path<String>, headers: HeaderMap, body: Body) -> AppResult {
    check_id(&id)?;
    let b: EnvBody = small_body(&st, &headers, body).await?;
    let e = env(&b.environment)?;
    let if_match = if_match(&headers)?;
    let by = by(&admin);
    let p = with_guides(&st, move |gs| gs.publish(&id, e, if_match, &by.actor())).await?;
    changed(&st).await;
    Ok(answer(&p))
}

async fn promote(State(st): State<Shared>, admin: Admin, Path(id): Path<String>, headers: HeaderMap, body: Body) -> AppResult {
    check_id(&id)?;
    let b: PromoteBody = small_body(&st, &headers, body).await?;
    let (from, to) = (env(&b.from)?, env(&b.to)?);
    let by = by(&admin);
    let p = with_guides(&st, move |gs| gs.promote(&id, from, to, &by.actor())).await?;
    changed(&st).await;
    Ok(answer(&p))
}

async fn unpublish(State(st): State<Shared>, admin: Admin, Path(id): Path<String>, headers: HeaderMap, body: Body) -> AppResult {
    check_id(&id)?;
    let b: EnvBody = small_body(&st, &headers, body).await?;
    let e = env(&b.environment)?;
    let by = by(&admin);
    let p = with_guides(&st, move |gs| gs.unpublish(&id, e, &by.actor())).await?;
    changed(&st).await;
    Ok(answer(&p))
}

async fn rollback(State(st): State<Shared>, admin: Admin, Path(id): Path<String>, headers: HeaderMap, body: Body) -> AppResult {
    check_id(&id)?;
    let b: RollbackBody = small_body(&st, &headers, body).await?;
    let e = env(&b.environment)?;
    let by = by(&admin);
    let from_version = b.version;
    let p = with_guides(&st, move |gs| gs.rollback(&id, e, from_version, &by.actor())).await?;
    changed(&st).await;
    Ok(Json(json!({ "version": p.version, "environment": p.environment, "from_version": from_version })).into_response())
}

async fn versions(State(st): State<Shared>, _: Admin, Path(id): Path<String>) -> AppResult {
    check_id(&id)?;
    let key = id.clone();
    let v = with_guides(&st, move |gs| gs.versions(&key)).await?.ok_or_else(|| AppError::not_found(format!("no guide \"{id}\"")))?;
    Ok(Json(json!({ "guide_id": id, "versions": v })).into_response())
}

async fn version(State(st): State<Shared>, _: Admin, Path((id, n)): Path<(String, u32)>) -> AppResult {
    check_id(&id)?;
    let msg = format!("guide \"{id}\" has no version {n}");
    let v = with_guides(&st, move |gs| gs.version(&id, n)).await?.ok_or_else(|| AppError::not_found(msg))?;
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct LogQuery {
    guide: Option<String>,
    limit: Option<usize>,
}

async fn publish_log(State(st): State<Shared>, _: Admin, Query(q): Query<LogQuery>) -> AppResult {
    if let Some(g) = &q.guide {
        check_id(g)?;
    }
    let limit = q.limit.unwrap_or(MAX_LOG_ENTRIES);
    let entries = with_guides(&st, move |gs| gs.log(q.guide.as_deref(), limit)).await?;
    Ok(Json(json!({ "entries": entries })).into_response())
}

async fn store_guides(State(st): State<Shared>, _: Admin) -> AppResult {
    let guides = with_guides(&st, |gs| gs.list()).await?;
    Ok(Json(json!({ "guides": guides })).into_response())
}

/// `GET /v1/config?key=<write key>` (or the `x-guidepost-key` header): the guides the key's
/// environment serves, `{"environment", "guides": [...]}` sorted by id, from memory, with an
/// ETag (`If-None-Match` equal → 304) and `Cache-Control: no-cache`.
pub(crate) async fn config(State(st): State<Shared>, WriteKey { env }: WriteKey, headers: HeaderMap) -> AppResult {
    if st.store.guide_store().is_none() {
        return Err(AppError::no_guide_store());
    }
    let served = st.published.get(&st.store, env).await.map_err(AppError::store)?;
    let tag = HeaderValue::from_str(&served.etag).expect("hex digits are a valid header value");
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == served.etag);
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag), cache]).into_response());
    }
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::ETAG, tag), cache], served.body).into_response())
}
