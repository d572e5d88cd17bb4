//! The in-app designer's trust chain: one-time tokens for allowed origins, sessions that
//! edit one guide's draft, and designer code served only to a live session.

mod common;

use common::*;
use guidepost_collector::server::Config;
use serde_json::{json, Value};

const APP: &str = "https://app.example";
/// Another allowed origin: a token for APP must not open a session there.
const OTHER: &str = "https://other.example";

fn design_config(dist: &std::path::Path) -> Config {
    Config { design_origins: vec![APP.into(), OTHER.into()], dist: Some(dist.to_path_buf()), ..config() }
}

struct Req<'a> {
    method: &'a str,
    path: String,
    auth: Option<String>,
    origin: Option<&'a str>,
    body: Option<Value>,
}

async fn send(srv: &guidepost_collector::server::Running, r: Req<'_>) -> (u16, Value, Vec<u8>) {
    let c = reqwest::Client::new();
    let mut req = match r.method {
        "POST" => c.post(url(srv, &r.path)),
        "PUT" => c.put(url(srv, &r.path)),
        _ => c.get(url(srv, &r.path)),
    };
    if let Some(a) = r.auth {
        req = req.header("authorization", format!("Bearer {a}"));
    }
    if let Some(o) = r.origin {
        req = req.header("origin", o);
    }
    if let Some(b) = r.body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap().to_vec();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), bytes)
}

fn req<'a>(method: &'a str, path: &str, auth: Option<&str>, origin: Option<&'a str>, body: Option<Value>) -> Req<'a> {
    Req { method, path: path.to_string(), auth: auth.map(str::to_string), origin, body }
}

async fn token(srv: &guidepost_collector::server::Running, guide: &str, app_url: &str) -> (u16, Value) {
    let (s, v, _) = send(srv, req("POST", "/v1/design/tokens", Some("ak"), None, Some(json!({ "guide_id": guide, "url": app_url })))).await;
    (s, v)
}

async fn exchange(srv: &guidepost_collector::server::Running, token: &str, origin: &str) -> (u16, Value) {
    let (s, v, _) = send(srv, req("POST", "/v1/design/session", None, Some(origin), Some(json!({ "token": token })))).await;
    (s, v)
}

fn dist_with_designer() -> tempdir::Dir {
    let d = tempdir::Dir::new("guidepost-design");
    std::fs::create_dir_all(d.0.join("studio")).unwrap();
    std::fs::write(d.0.join("studio/studio.js"), "export default async function init() {}").unwrap();
    std::fs::write(d.0.join("studio/studio_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    d
}

/// A throw-away directory removed on drop.
mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(prefix: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), rand_suffix()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    fn rand_suffix() -> u128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn tokens_are_issued_to_admins_for_allowed_origins_only() {
    let dist = dist_with_designer();
    let (srv, _) = start_memory(design_config(&dist.0)).await;
    let cases: [(&str, Option<&str>, Value, u16); 7] = [
        ("admin, allowed origin", Some("ak"), json!({ "guide_id": "tour", "url": "https://app.example/reports?x=1#/a" }), 200),
        ("origin not allowed", Some("ak"), json!({ "guide_id": "tour", "url": "https://evil.example/" }), 403),
        ("not http(s)", Some("ak"), json!({ "guide_id": "tour", "url": "javascript:alert(1)" }), 400),
        ("bad guide id", Some("ak"), json!({ "guide_id": "no spaces", "url": "https://app.example/" }), 400),
        ("write key", Some("wk"), json!({ "guide_id": "tour", "url": "https://app.example/" }), 403),
        ("read key", Some("rk"), json!({ "guide_id": "tour", "url": "https://app.example/" }), 403),
        ("no key", None, json!({ "guide_id": "tour", "url": "https://app.example/" }), 401),
    ];
    for (case, auth, body, want) in cases {
        let (s, v, _) = send(&srv, req("POST", "/v1/design/tokens", auth, None, Some(body))).await;
        assert_eq!(s, want, "{case}: {v}");
        if want == 200 {
            let t = v["token"].as_str().unwrap();
            assert_eq!(
                v["url"],
                format!("https://app.example/reports?x=1#/a?guidepost-design={t}"),
                "{case}: the token follows the app's route"
            );
            assert!(v["expires_in"].as_u64().unwrap() <= 600, "{case}: a token expires within minutes");
        } else {
            assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{case}: {v}");
        }
    }
}

#[tokio::test]
async fn a_token_works_once_from_its_origin_and_opens_one_guide() {
    let dist = dist_with_designer();
    let (srv, _) = start_memory(design_config(&dist.0)).await;
    // From an origin outside every list: refused before anything is read.
    let (_, t) = token(&srv, "tour", "https://app.example/").await;
    let t = t["token"].as_str().unwrap().to_string();
    assert_eq!(exchange(&srv, &t, "https://evil.example").await.0, 403);
    // From another allowed origin than the token's: refused, and the token is spent.
    assert_eq!(exchange(&srv, &t, OTHER).await.0, 403);
    assert_eq!(exchange(&srv, &t, APP).await.0, 401, "a token works once, even after a refusal");
    // The right origin: a session, once.
    let (_, t) = token(&srv, "tour", "https://app.example/").await;
    let t = t["token"].as_str().unwrap().to_string();
    let (s, sess) = exchange(&srv, &t, APP).await;
    assert_eq!((s, sess["guide_id"].as_str()), (200, Some("tour")));
    assert_eq!(exchange(&srv, &t, APP).await.0, 401, "used twice");
    assert_eq!(exchange(&srv, "gpt_made_up", APP).await.0, 401);
    let session = sess["session"].as_str().unwrap().to_string();

    // What the session may do: its guide's draft; nothing else.
    let draft = json!({ "id": "tour", "name": "Tour", "steps": [{ "id": "a", "kind": "modal", "title": "Hi" }] });
    let other = json!({ "id": "other", "name": "Other", "steps": [{ "id": "a", "kind": "modal", "title": "Hi" }] });
    let cases: Vec<(&str, Req, u16)> = vec![
        ("check the session", req("GET", "/v1/design/session", Some(&session), Some(APP), None), 200),
        ("save its guide's draft", req("PUT", "/v1/guides/tour/draft", Some(&session), Some(APP), Some(draft)), 200),
        ("read its guide's draft", req("GET", "/v1/guides/tour/draft", Some(&session), Some(APP), None), 200),
        ("another guide's draft", req("PUT", "/v1/guides/other/draft", Some(&session), Some(APP), Some(other)), 403),
        ("publish", req("POST", "/v1/guides/tour/publish", Some(&session), Some(APP), Some(json!({ "environment": "production" }))), 401),
        ("the guides list", req("GET", "/v1/store/guides", Some(&session), Some(APP), None), 401),
        ("reports", req("GET", "/v1/guides", Some(&session), Some(APP), None), 401),
        (
            "designer code with the session",
            req("GET", &format!("/v1/design/assets/studio.js?session={session}"), None, Some(APP), None),
            200,
        ),
        (
            "designer wasm with the session",
            req("GET", &format!("/v1/design/assets/studio_bg.wasm?session={session}"), None, Some(APP), None),
            200,
        ),
        ("designer code without a session", req("GET", "/v1/design/assets/studio.js", None, Some(APP), None), 401),
        ("designer code with a write key", req("GET", "/v1/design/assets/studio.js?session=wk", None, Some(APP), None), 403),
        ("designer code with a write key as bearer", req("GET", "/v1/design/assets/studio.js", Some("wk"), Some(APP), None), 403),
        ("designer code with a made-up session", req("GET", "/v1/design/assets/studio.js?session=gps_nope", None, Some(APP), None), 401),
        ("no other file", req("GET", &format!("/v1/design/assets/..%2FCargo.toml?session={session}"), None, Some(APP), None), 404),
        ("a session with a write key", req("GET", "/v1/design/session", Some("wk"), Some(APP), None), 403),
    ];
    for (case, r, want) in cases {
        let (s, v, _) = send(&srv, r).await;
        assert_eq!(s, want, "{case}: {v}");
    }
    // The designer's save is logged under its origin.
    let (_, d, _) = send(&srv, req("GET", "/v1/guides/tour/draft", Some("ak"), None, None)).await;
    assert_eq!(d["updated_by"], "designer on https://app.example");
    // The code served is the build's, with its type.
    let (_, _, body) = send(&srv, req("GET", &format!("/v1/design/assets/studio_bg.wasm?session={session}"), None, Some(APP), None)).await;
    assert_eq!(&body[..4], b"\0asm");
}

#[tokio::test]
async fn the_collectors_own_origin_needs_no_allow_list_entry() {
    let dist = dist_with_designer();
    let (srv, _) = start_memory(Config { design_origins: vec![], allow_origins: vec!["*".into()], ..design_config(&dist.0) }).await;
    let own = format!("http://{}", srv.addr);
    let (s, t) = token(&srv, "tour", &format!("{own}/index.html")).await;
    assert_eq!(s, 200, "{t}");
    let (s, v) = exchange(&srv, t["token"].as_str().unwrap(), &own).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        token(&srv, "tour", "https://app.example/").await.0,
        403,
        "no list: only the own origin (a CORS `*` does not open the designer)"
    );
}

#[tokio::test]
async fn an_origin_allowed_to_send_events_may_open_the_designer() {
    let dist = dist_with_designer();
    // `config()` allows https://app.example for CORS.
    let (srv, _) = start_memory(Config { design_origins: vec![], ..design_config(&dist.0) }).await;
    let (s, t) = token(&srv, "tour", "https://app.example/home").await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(exchange(&srv, t["token"].as_str().unwrap(), APP).await.0, 200);
}

#[test]
fn regression_the_designer_url_dropped_a_hash_routed_apps_route() {
    use guidepost_collector::design::design_url;
    // react-admin opened on its first resource instead of `#/users`.
    for (app, want) in [
        ("https://app.example/", "https://app.example/#guidepost-design=T"),
        ("https://app.example/#", "https://app.example/#guidepost-design=T"),
        ("https://app.example/#/users", "https://app.example/#/users?guidepost-design=T"),
        ("https://app.example/?a=1#/users?page=2", "https://app.example/?a=1#/users?page=2&guidepost-design=T"),
        ("https://app.example/docs#install", "https://app.example/docs#install?guidepost-design=T"),
        // A URL copied from a tab the designer opened: its old token goes.
        ("https://app.example/#/users?guidepost-design=OLD", "https://app.example/#/users?guidepost-design=T"),
        ("https://app.example/#/users?guidepost-design=OLD&page=2", "https://app.example/#/users?page=2&guidepost-design=T"),
        ("https://app.example/#guidepost-design=OLD", "https://app.example/#guidepost-design=T"),
    ] {
        assert_eq!(design_url(app, "T"), want, "{app}");
    }
}
