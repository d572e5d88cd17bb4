//! The guide store through the HTTP API: drafts, publishing, environments, rollback, the
//! publish log, what the embed loads (`/v1/config`), keys and roles.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use guidepost_collector::server::Running;
use guidepost_collector::store::SqliteStore;
use serde_json::{json, Value};

const ADMIN: &str = "ak";

/// What an environment serves: (guide id, version) pairs.
type Serves<'a> = Vec<(&'a str, u64)>;
/// (case, If-Match, body, expected status, expected revision, expected error paths)
type DraftCase<'a> = (&'a str, Option<&'a str>, String, u16, Option<i64>, Vec<&'a str>);
/// (case, method, path, bearer key, body, expected status, text expected in the error)
type Refusal<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<String>, u16, &'a str);

fn guide(id: &str, body: &str) -> Value {
    json!({"id": id, "name": format!("Guide {id}"), "steps": [{"id": "a", "kind": "modal", "body": body}]})
}

/// A guide core refuses: a misspelt placement.
fn invalid(id: &str) -> Value {
    json!({"id": id, "name": "Bad", "steps": [{"id": "a", "kind": "tooltip", "target": {"selector": "#x"}, "placement": "botom-end", "body": "hi"}]})
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    json: Value,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One request: `key` is sent as `authorization: Bearer`, `headers` as given.
async fn call(srv: &Running, method: &str, path: &str, key: Option<&str>, headers: &[(&str, &str)], body: Option<String>) -> Resp {
    let c = reqwest::Client::new();
    let mut req = c.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url(srv, path));
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, headers, text, json }
}

async fn admin(srv: &Running, method: &str, path: &str, body: Value) -> Resp {
    let body = if body.is_null() { None } else { Some(body.to_string()) };
    call(srv, method, path, Some(ADMIN), &[("x-guidepost-author", "ana")], body).await
}

/// `/v1/config` of a write key: (status, ETag, guide ids with their versions).
async fn config_of(srv: &Running, key: &str) -> (u16, String, Vec<(String, u64)>) {
    let r = call(srv, "GET", &format!("/v1/config?key={key}"), None, &[], None).await;
    let guides = r.json["guides"]
        .as_array()
        .map(|a| a.iter().map(|g| (g["id"].as_str().unwrap().to_string(), g["version"].as_u64().unwrap())).collect())
        .unwrap_or_default();
    (r.status, r.header("etag").unwrap_or_default().to_string(), guides)
}

fn ids(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(id, n)| (id.to_string(), *n)).collect()
}

/// Drafts are saved valid or not, each save bumps the revision, a stale `If-Match` is
/// refused with the current revision, and core's diagnostics come back with their paths.
#[tokio::test]
async fn drafts_are_saved_even_invalid_with_diagnostics_and_revisions() {
    let (srv, _) = start_memory(config()).await;
    let mut mismatched = guide("other", "hi");
    mismatched["name"] = json!("Mismatch");
    let cases: Vec<DraftCase> = vec![
        ("a new guide, based on revision 0", Some("\"0\""), guide("tour", "hi").to_string(), 200, Some(1), vec![]),
        ("invalid, still saved", Some("\"1\""), invalid("tour").to_string(), 200, Some(2), vec!["$.steps[0].placement"]),
        ("stale quoted revision", Some("\"1\""), guide("tour", "lost").to_string(), 409, Some(2), vec![]),
        ("bare revision", Some("2"), guide("tour", "v3").to_string(), 200, Some(3), vec![]),
        ("no If-Match", None, guide("tour", "v4").to_string(), 200, Some(4), vec![]),
        ("id other than the path's", None, mismatched.to_string(), 200, Some(5), vec!["$.id"]),
        ("not JSON", None, "{\"id\":".into(), 400, None, vec![]),
        ("not one object", None, json!([guide("tour", "x")]).to_string(), 400, None, vec![]),
        ("If-Match not a revision", Some("\"abc\""), guide("tour", "x").to_string(), 400, None, vec![]),
        ("larger than 1 MB", None, guide("tour", &"x".repeat(1 << 20)).to_string(), 413, None, vec![]),
    ];
    for (case, if_match, body, want, revision, errors) in cases {
        let headers: Vec<(&str, &str)> = if_match.map(|m| vec![("if-match", m)]).unwrap_or_default();
        let r = call(&srv, "PUT", "/v1/guides/tour/draft", Some(ADMIN), &headers, Some(body)).await;
        assert_eq!(r.status, want, "{case}: {}", r.text);
        assert_eq!(r.json["revision"].as_i64(), revision, "{case}: {}", r.text);
        if want == 200 {
            assert_eq!(r.header("etag"), Some(format!("\"{}\"", revision.unwrap()).as_str()), "{case}");
            let got: Vec<&str> = r.json["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["severity"] == "error")
                .map(|d| d["path"].as_str().unwrap())
                .collect();
            assert_eq!(got, errors, "{case}: {}", r.text);
        } else {
            assert!(r.json["error"].is_string(), "{case}: every error is JSON: {}", r.text);
        }
        if want == 409 {
            assert_eq!(r.json["error"], "stale revision", "{case}");
        }
    }
    let r = admin(&srv, "GET", "/v1/guides/tour/draft", Value::Null).await;
    assert_eq!((r.status, r.header("etag")), (200, Some("\"5\"")), "{}", r.text);
    assert_eq!((r.json["revision"].as_i64(), &r.json["json"]), (Some(5), &mismatched), "the last save, as sent");
    assert_eq!(r.json["updated_by"], "admin", "no x-guidepost-author: admin");
    assert!(r.json["updated_at"].as_i64().unwrap() > T0);
    let r = admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "by ana")).await;
    assert_eq!(admin(&srv, "GET", "/v1/guides/tour/draft", Value::Null).await.json["updated_by"], "ana", "{}", r.text);
    let long = "a".repeat(129);
    let r = call(&srv, "PUT", "/v1/guides/tour/draft", Some(ADMIN), &[("x-guidepost-author", &long)], Some(guide("tour", "z").to_string()))
        .await;
    assert_eq!(r.status, 400, "an author name over 128 characters: {}", r.text);
    let r = admin(&srv, "GET", "/v1/guides/nope/draft", Value::Null).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.json["error"].is_string());
}

/// Publishing with `If-Match` publishes the draft the author saw or nothing: a draft saved
/// elsewhere since (the designer, a colleague) is refused with its revision, and nothing
/// goes live.
#[tokio::test]
async fn publish_refuses_a_draft_saved_since_the_author_saw_it() {
    let (srv, _) = start_memory(config()).await;
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "seen")).await;
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "saved elsewhere")).await;
    let body = Some(json!({"environment": "staging"}).to_string());
    // (case, If-Match, expected status, expected revision or version)
    let cases = [("stale", "\"1\"", 409, "revision", 2), ("the revision the author saw", "\"2\"", 200, "version", 1)];
    for (case, m, want, field, n) in cases {
        let r = call(&srv, "POST", "/v1/guides/tour/publish", Some(ADMIN), &[("if-match", m)], body.clone()).await;
        assert_eq!((r.status, r.json[field].as_i64()), (want, Some(n)), "{case}: {}", r.text);
        let served = if want == 200 { ids(&[("tour", 1)]) } else { ids(&[]) };
        assert_eq!(config_of(&srv, "sk").await.2, served, "{case}");
    }
    let r = call(&srv, "POST", "/v1/guides/tour/publish", Some(ADMIN), &[("if-match", "v2")], body).await;
    assert_eq!(r.status, 400, "If-Match not a revision: {}", r.text);
}

/// Every transition, in order: publish makes version N+1 (with `"version": N+1`), versions
/// never change, saving a draft changes nothing served, promote, unpublish, rollback; the
/// publish log lists each, newest first.
#[tokio::test]
async fn publish_promote_unpublish_rollback_and_the_log() {
    let (srv, _) = start_memory(config()).await;
    let v1 = guide("tour", "first");
    admin(&srv, "PUT", "/v1/guides/tour/draft", v1.clone()).await;
    admin(&srv, "PUT", "/v1/guides/other/draft", guide("other", "x")).await;
    assert_eq!(config_of(&srv, "sk").await.2, ids(&[]), "nothing published yet");

    // (case, method, path, body, expected status, expected answer)
    let steps: Vec<(&str, &str, &str, Value, u16, Value)> = vec![
        (
            "publish v1 to staging",
            "POST",
            "/v1/guides/tour/publish",
            json!({"environment": "staging"}),
            200,
            json!({"version": 1, "environment": "staging"}),
        ),
        ("edit the draft", "PUT", "/v1/guides/tour/draft", guide("tour", "second"), 200, Value::Null),
        (
            "publish v2 to staging",
            "POST",
            "/v1/guides/tour/publish",
            json!({"environment": "staging"}),
            200,
            json!({"version": 2, "environment": "staging"}),
        ),
        (
            "promote v2",
            "POST",
            "/v1/guides/tour/promote",
            json!({"from": "staging", "to": "production"}),
            200,
            json!({"version": 2, "environment": "production"}),
        ),
        (
            "publish other",
            "POST",
            "/v1/guides/other/publish",
            json!({"environment": "production"}),
            200,
            json!({"version": 1, "environment": "production"}),
        ),
        (
            "unpublish tour from production",
            "POST",
            "/v1/guides/tour/unpublish",
            json!({"environment": "production"}),
            200,
            json!({"version": null, "environment": "production"}),
        ),
        (
            "roll staging back to v1",
            "POST",
            "/v1/guides/tour/rollback",
            json!({"environment": "staging", "version": 1}),
            200,
            json!({"version": 3, "environment": "staging", "from_version": 1}),
        ),
    ];
    // What each environment serves after each step: (staging, production).
    let serves: Vec<(Serves, Serves)> = vec![
        (vec![("tour", 1)], vec![]),
        (vec![("tour", 1)], vec![]),
        (vec![("tour", 2)], vec![]),
        (vec![("tour", 2)], vec![("tour", 2)]),
        (vec![("tour", 2)], vec![("other", 1), ("tour", 2)]),
        (vec![("tour", 2)], vec![("other", 1)]),
        (vec![("tour", 3)], vec![("other", 1)]),
    ];
    for ((case, method, path, body, want, answer), (staging, production)) in steps.into_iter().zip(serves) {
        let r = admin(&srv, method, path, body).await;
        assert_eq!(r.status, want, "{case}: {}", r.text);
        if !answer.is_null() {
            assert_eq!(r.json, answer, "{case}");
        }
        assert_eq!(config_of(&srv, "sk").await.2, ids(&staging), "{case}: staging");
        assert_eq!(config_of(&srv, "wk").await.2, ids(&production), "{case}: production");
    }

    // Versions never change; a rollback's content is the old version's.
    let content = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("version");
        v
    };
    // (version, expected body text)
    for (n, body) in [(1, "first"), (2, "second"), (3, "first")] {
        let r = admin(&srv, "GET", &format!("/v1/guides/tour/versions/{n}"), Value::Null).await;
        assert_eq!((r.status, r.json["version"].as_u64()), (200, Some(n)), "{}", r.text);
        assert_eq!(content(&r.json), guide("tour", body), "version {n}");
    }
    assert_eq!(admin(&srv, "GET", "/v1/guides/tour/versions/1", Value::Null).await.json["steps"][0]["body"], v1["steps"][0]["body"]);

    let r = admin(&srv, "GET", "/v1/guides/tour/versions", Value::Null).await;
    let listed: Vec<(u64, Value, String)> = r.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_u64().unwrap(), v["environments"].clone(), v["created_by"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(r.json["guide_id"], "tour");
    assert_eq!(
        listed,
        vec![(3, json!(["staging"]), "ana".into()), (2, json!([]), "ana".into()), (1, json!([]), "ana".into())],
        "newest first, with where each is served"
    );

    let r = admin(&srv, "GET", "/v1/publish-log?guide=tour", Value::Null).await;
    let log: Vec<(String, String, Value, Value, String)> = r.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["guide_id"], "tour");
            assert!(e["seq"].as_i64().is_some() && e["at"].as_i64().unwrap() > T0, "{e}");
            (
                e["action"].as_str().unwrap().into(),
                e["environment"].as_str().unwrap().into(),
                e["version"].clone(),
                e["replaced_version"].clone(),
                e["who"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String, Value, Value, String)> = [
        ("rollback", "staging", json!(3), json!(2)),
        ("unpublish", "production", json!(null), json!(2)),
        ("promote", "production", json!(2), json!(null)),
        ("publish", "staging", json!(2), json!(1)),
        ("publish", "staging", json!(1), json!(null)),
    ]
    .into_iter()
    .map(|(a, e, v, r)| (a.into(), e.into(), v, r, "ana".into()))
    .collect();
    assert_eq!(log, want);
    let all = admin(&srv, "GET", "/v1/publish-log", Value::Null).await;
    assert_eq!(all.json["entries"].as_array().unwrap().len(), 6, "the other guide's publish too");

    let r = admin(&srv, "GET", "/v1/store/guides", Value::Null).await;
    assert_eq!(
        r.json["guides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["id"].clone(), g["name"].clone(), g["published"].clone()))
            .collect::<Vec<_>>(),
        vec![
            (json!("other"), json!("Guide other"), json!({"staging": null, "production": 1})),
            (json!("tour"), json!("Guide tour"), json!({"staging": 3, "production": null})),
        ]
    );
    assert_eq!(r.json["guides"][1]["draft_revision"], 2);
}

/// Saving a draft, even an invalid one, changes nothing the embed loads: the body and its
/// ETag stay the same.
#[tokio::test]
async fn saving_a_draft_does_not_change_the_config() {
    let (srv, _) = start_memory(config()).await;
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "one")).await;
    admin(&srv, "POST", "/v1/guides/tour/publish", json!({"environment": "production"})).await;
    let before = call(&srv, "GET", "/v1/config?key=wk", None, &[], None).await;
    for body in [guide("tour", "two"), invalid("tour")] {
        assert_eq!(admin(&srv, "PUT", "/v1/guides/tour/draft", body).await.status, 200);
        let after = call(&srv, "GET", "/v1/config?key=wk", None, &[], None).await;
        assert_eq!((after.text.as_str(), after.header("etag")), (before.text.as_str(), before.header("etag")));
    }
    assert_eq!(before.json["environment"], "production");
    assert_eq!(before.json["guides"][0]["steps"][0]["body"], "one");
}

/// Every refusal answers JSON `{"error": ...}` with its status, and changes nothing.
#[tokio::test]
async fn refusals_have_their_status_and_a_json_error() {
    let (srv, _) = start_memory(config()).await;
    admin(&srv, "PUT", "/v1/guides/bad/draft", invalid("bad")).await;
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "x")).await;
    let env = json!({"environment": "staging"}).to_string();
    let cases: Vec<Refusal> = vec![
        ("publish an invalid draft", "POST", "/v1/guides/bad/publish", Some(ADMIN), Some(env.clone()), 422, "the draft has errors"),
        ("publish without a draft", "POST", "/v1/guides/none/publish", Some(ADMIN), Some(env.clone()), 404, "no draft"),
        (
            "unknown environment",
            "POST",
            "/v1/guides/tour/publish",
            Some(ADMIN),
            Some(json!({"environment": "x"}).to_string()),
            400,
            "unknown environment \"x\": expected staging or production",
        ),
        (
            "promote from an environment serving nothing",
            "POST",
            "/v1/guides/tour/promote",
            Some(ADMIN),
            Some(json!({"from": "staging", "to": "production"}).to_string()),
            409,
            "staging serves no version",
        ),
        (
            "rollback to an unknown version",
            "POST",
            "/v1/guides/tour/rollback",
            Some(ADMIN),
            Some(json!({"environment": "staging", "version": 7}).to_string()),
            404,
            "no version 7",
        ),
        ("publish body not JSON", "POST", "/v1/guides/tour/publish", Some(ADMIN), Some("staging".into()), 400, "body"),
        ("invalid guide id", "PUT", "/v1/guides/a%20b/draft", Some(ADMIN), Some(guide("a b", "x").to_string()), 400, "invalid guide id"),
        ("versions of an unknown guide", "GET", "/v1/guides/none/versions", Some(ADMIN), None, 404, "no guide"),
        ("unknown version", "GET", "/v1/guides/tour/versions/9", Some(ADMIN), None, 404, "no version 9"),
        ("version not a number", "GET", "/v1/guides/tour/versions/x", Some(ADMIN), None, 400, ""),
        ("no key", "POST", "/v1/guides/tour/publish", None, Some(env.clone()), 401, "missing admin key"),
        ("unknown key", "POST", "/v1/guides/tour/publish", Some("nope"), Some(env.clone()), 401, "wrong admin key"),
        ("write key authoring", "POST", "/v1/guides/tour/publish", Some("wk"), Some(env.clone()), 403, "write key"),
        ("staging write key authoring", "PUT", "/v1/guides/tour/draft", Some("sk"), Some(guide("tour", "y").to_string()), 403, "write key"),
        ("read key authoring", "GET", "/v1/store/guides", Some("rk"), None, 403, "read key"),
        ("read key reading the log", "GET", "/v1/publish-log", Some("rk"), None, 403, "read key"),
        ("config without a key", "GET", "/v1/config", None, None, 401, "missing write key"),
        ("config with an unknown key", "GET", "/v1/config?key=nope", None, None, 401, "wrong write key"),
        ("config with the admin key", "GET", "/v1/config?key=ak", None, None, 403, "admin key"),
        ("config with a read key", "GET", "/v1/config?key=rk", None, None, 403, "read key"),
    ];
    for (case, method, path, key, body, want, text) in cases {
        let r = call(&srv, method, path, key, &[], body).await;
        assert_eq!(r.status, want, "{case}: {}", r.text);
        let e = r.json["error"].as_str().unwrap_or_else(|| panic!("{case}: not a JSON error: {}", r.text));
        assert!(e.contains(text), "{case}: {e}");
        if want == 422 {
            let paths: Vec<&str> = r.json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
            assert!(paths.contains(&"$.steps[0].placement"), "{case}: {paths:?}");
        }
    }
    let log = admin(&srv, "GET", "/v1/publish-log", Value::Null).await;
    assert_eq!(log.json["entries"], json!([]), "no refusal published anything");
    assert_eq!(admin(&srv, "GET", "/v1/guides/tour/draft", Value::Null).await.json["revision"], 1, "nor saved anything");
}

/// Regression guard for the bound: the admin key is checked on the headers alone, before
/// any of a large declared body is read.
#[tokio::test]
async fn the_admin_key_is_checked_before_the_body_is_read() {
    let (srv, _) = start_memory(config()).await;
    // (case, request head, expected status)
    let cases = [
        ("no key", "PUT /v1/guides/tour/draft HTTP/1.1\r\nhost: x\r\ncontent-length: 53477376\r\n\r\n", 401),
        ("write key", "PUT /v1/guides/tour/draft HTTP/1.1\r\nhost: x\r\nauthorization: Bearer wk\r\ncontent-length: 53477376\r\n\r\n", 403),
        (
            "admin key, 51 MB",
            "PUT /v1/guides/tour/draft HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ak\r\ncontent-length: 53477376\r\n\r\n",
            413,
        ),
        (
            "admin key, 51 MB publish",
            "POST /v1/guides/tour/publish HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ak\r\ncontent-length: 53477376\r\n\r\n",
            413,
        ),
    ];
    for (case, head, want) in cases {
        let mut s = raw(&srv, head.as_bytes()).await;
        let got = read_head(&mut s, Duration::from_secs(5)).await.unwrap_or_else(|| panic!("{case}: no answer without a body"));
        assert!(got.starts_with(&format!("HTTP/1.1 {want}")), "{case}: {got}");
        assert!(got.to_ascii_lowercase().contains("content-type: application/json"), "{case}: {got}");
    }
}

/// The embed's config: ETag of the body, 304 for an equal `If-None-Match`, a new ETag after
/// a publish, `Cache-Control: no-cache`, and CORS as ingest with the ETag exposed.
#[tokio::test]
async fn config_etag_304_and_cors() {
    let (srv, _) = start_memory(config()).await;
    let (status, empty_tag, _) = config_of(&srv, "wk").await;
    assert_eq!(status, 200);
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "x")).await;
    admin(&srv, "POST", "/v1/guides/tour/publish", json!({"environment": "production"})).await;
    let first = call(&srv, "GET", "/v1/config?key=wk", None, &[], None).await;
    let tag = first.header("etag").unwrap().to_string();
    assert_ne!(tag, empty_tag, "a publish changes the ETag");
    assert_eq!(first.header("cache-control"), Some("no-cache"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    let other = format!("\"{}\"", "0".repeat(16));
    let both = format!("{other}, {tag}");
    // (case, If-None-Match, expected status)
    let cases = [("equal", tag.as_str(), 304), ("weak equal", &format!("W/{tag}"), 304), ("in a list", &both, 304), ("other", &other, 200)];
    for (case, inm, want) in cases {
        let r = call(&srv, "GET", "/v1/config?key=wk", None, &[("if-none-match", inm)], None).await;
        assert_eq!(r.status, want, "{case}");
        assert_eq!(r.header("etag"), Some(tag.as_str()), "{case}");
        if want == 304 {
            assert_eq!(r.text, "", "{case}: no body");
        } else {
            assert_eq!(r.text, first.text, "{case}");
        }
    }
    let own = format!("http://{}", srv.addr);
    // (case, origin, expected status, expected allow-origin)
    let cors = [
        ("allowed origin", "https://app.example", 200, Some("https://app.example")),
        ("own origin", own.as_str(), 200, Some(own.as_str())),
        ("other origin", "https://evil.example", 403, None),
    ];
    for (case, origin, want, allow) in cors {
        let r = call(&srv, "GET", "/v1/config?key=wk", None, &[("origin", origin)], None).await;
        assert_eq!(r.status, want, "{case}: {}", r.text);
        assert_eq!(r.header("access-control-allow-origin"), allow, "{case}");
        if want == 200 {
            assert_eq!(r.header("access-control-expose-headers"), Some("etag"), "{case}");
        }
    }
    let r = call(
        &srv,
        "OPTIONS",
        "/v1/config?key=wk",
        None,
        &[("origin", "https://app.example"), ("access-control-request-method", "GET"), ("access-control-request-headers", "if-none-match")],
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.header("access-control-allow-headers").unwrap().contains("if-none-match"));
}

/// Two collectors on one SQLite file: a publish through the first is served by the second
/// (which reads the store's generation on each request here: its check interval is zero).
#[tokio::test]
async fn a_second_server_on_the_same_database_sees_a_publish() {
    let dir = std::env::temp_dir().join(format!("guidepost-guide-store-two-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("guidepost.db");
    let mut cfg = config();
    cfg.store_check_interval = Duration::ZERO;
    let one = start(cfg.clone(), Arc::new(SqliteStore::open(&path).unwrap())).await;
    let two = start(cfg, Arc::new(SqliteStore::open(&path).unwrap())).await;
    assert_eq!(config_of(&two, "wk").await.2, ids(&[]), "nothing yet");
    // (case, method, path on the first, body, expected production on the second)
    let steps: Vec<(&str, &str, Value, Serves)> = vec![
        ("publish", "/v1/guides/tour/publish", json!({"environment": "production"}), vec![("tour", 1)]),
        ("publish again", "/v1/guides/tour/publish", json!({"environment": "production"}), vec![("tour", 2)]),
        ("rollback", "/v1/guides/tour/rollback", json!({"environment": "production", "version": 1}), vec![("tour", 3)]),
        ("unpublish", "/v1/guides/tour/unpublish", json!({"environment": "production"}), vec![]),
    ];
    admin(&one, "PUT", "/v1/guides/tour/draft", guide("tour", "x")).await;
    for (case, path, body, want) in steps {
        assert_eq!(admin(&one, "POST", path, body).await.status, 200, "{case}");
        assert_eq!(config_of(&two, "wk").await.2, ids(&want), "{case}: seen by the second server");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A change made through a server is served by it at once, even when its check of the
/// store's generation is an hour away.
#[tokio::test]
async fn own_changes_are_served_at_once_whatever_the_interval() {
    let mut cfg = config();
    cfg.store_check_interval = Duration::from_secs(3600);
    let (srv, _) = start_memory(cfg).await;
    assert_eq!(config_of(&srv, "wk").await.2, ids(&[]));
    admin(&srv, "PUT", "/v1/guides/tour/draft", guide("tour", "x")).await;
    admin(&srv, "POST", "/v1/guides/tour/publish", json!({"environment": "production"})).await;
    assert_eq!(config_of(&srv, "wk").await.2, ids(&[("tour", 1)]));
    admin(&srv, "POST", "/v1/guides/tour/unpublish", json!({"environment": "production"})).await;
    assert_eq!(config_of(&srv, "wk").await.2, ids(&[]));
}
