//! The `guidepost` binary: exit codes and output.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use guidepost_collector::store::{SqliteStore, Store};
use guidepost_core::EventKind;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("guidepost-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_guidepost")).args(args).current_dir(root()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const GOOD: &str = r##"{"id":"g","name":"G","steps":[{"id":"a","kind":"modal","body":"hi"}]}"##;
const BAD: &str =
    r##"{"id":"g","name":"G","steps":[{"id":"a","kind":"tooltip","target":{"selector":"#x"},"placement":"botom-end","body":"hi"}]}"##;

#[test]
fn validate_exit_codes_and_diagnostics() {
    let d = tmp("validate");
    std::fs::write(d.join("good.json"), GOOD).unwrap();
    std::fs::write(d.join("bad.json"), BAD).unwrap();
    let good = d.join("good.json").display().to_string();
    let bad = d.join("bad.json").display().to_string();
    // (case, files, exit code, text expected in stdout)
    let cases: Vec<(&str, Vec<&str>, i32, &str)> = vec![
        ("good file", vec![&good], 0, "1 valid guide(s), 0 error(s)"),
        ("bad file", vec![&bad], 1, "steps[0].placement"),
        ("one bad among good", vec![&good, &bad], 1, "did you mean \"bottom-end\""),
        ("repository examples", vec!["guides/onboarding-tour.json", "guides/nps-survey.json"], 0, "2 valid guide(s)"),
    ];
    for (case, files, code, text) in cases {
        let mut args = vec!["validate"];
        args.extend(files);
        let (c, out, err) = run(&args);
        assert_eq!(c, code, "{case}: {out}{err}");
        assert!(out.contains(text), "{case}: {out}");
    }
}

#[test]
fn schema_is_core_schema() {
    let (c, out, _) = run(&["schema"]);
    assert_eq!(c, 0);
    assert_eq!(out, guidepost_core::guide_schema_json());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.get("$defs").is_some());
}

#[test]
fn simulate_says_whether_the_guide_shows() {
    let d = tmp("simulate");
    let guide = r#"{"id":"admins","name":"A","audience":{"trait":"role","op":"eq","value":"admin"},"steps":[{"id":"a","kind":"modal","body":"hi"}]}"#;
    std::fs::write(d.join("admins.json"), guide).unwrap();
    std::fs::write(d.join("admin.json"), r#"{"id":"u1","traits":{"role":"admin"}}"#).unwrap();
    std::fs::write(d.join("viewer.json"), r#"{"id":"u2","traits":{"role":"viewer"}}"#).unwrap();
    let dir = d.display().to_string();
    for (user, code, text) in [("admin.json", 0, "would show"), ("viewer.json", 1, "would not show")] {
        let u = d.join(user).display().to_string();
        let (c, out, err) = run(&["simulate", "--guide", "admins", "--user", &u, "--url", "/home", "--guides", &dir]);
        assert_eq!(c, code, "{user}: {out}{err}");
        assert!(out.contains(text) && out.contains("role"), "{user}: trace {out}");
    }
    let (c, _, err) = run(&["simulate", "--guide", "nope", "--user", &d.join("admin.json").display().to_string(), "--guides", &dir]);
    assert_eq!(c, 2, "unknown guide is an error: {err}");
}

#[test]
fn simulate_url_targets_hash_routes() {
    // `{"url": "/#/settings"}` never matched: the page URL lost its fragment.
    let d = tmp("simulate-hash");
    let guide = r#"{"id":"hash","name":"H","audience":{"url":"/#/settings"},"steps":[{"id":"a","kind":"modal","body":"hi"}]}"#;
    std::fs::write(d.join("hash.json"), guide).unwrap();
    std::fs::write(d.join("u.json"), r#"{"id":"u1","traits":{}}"#).unwrap();
    let (dir, user) = (d.display().to_string(), d.join("u.json").display().to_string());
    for (url, code) in [("/#/settings", 0), ("https://app.example/#/settings?tab=2", 0), ("/#/reports", 1), ("/settings", 1)] {
        let (c, out, err) = run(&["simulate", "--guide", "hash", "--user", &user, "--url", url, "--guides", &dir]);
        assert_eq!(c, code, "{url}: {out}{err}");
    }
    let (c, out, err) = run(&["validate", &d.join("hash.json").display().to_string()]);
    assert_eq!(c, 0, "a hash-route rule is valid: {out}{err}");
}

#[test]
fn report_prints_the_funnel_table() {
    let d = tmp("report");
    let db = d.join("events.db");
    {
        let s = SqliteStore::open(&db).unwrap();
        let mut recs = journey("u1", 3, Some(EventKind::GuideCompleted), T0, &[1000, 2000, 3000]);
        recs.extend(journey("u2", 1, Some(EventKind::GuideDismissed), T0, &[1000]));
        s.insert(&recs).unwrap();
    }
    let (c, out, err) = run(&["report", "--guide", "tour", "--db", &db.display().to_string()]);
    assert_eq!(c, 0, "{err}");
    assert!(out.contains("2 shown, 1 completed (50.0%)"), "{out}");
    let sidebar = out.lines().find(|l| l.contains("sidebar")).expect("a sidebar row");
    assert!(sidebar.contains("dismissed 1"), "{sidebar}");
    let (c, _, _) = run(&["report", "--guide", "tour", "--db", &d.join("missing.db").display().to_string()]);
    assert_eq!(c, 2, "a missing database is an error");
}

#[test]
fn check_html_reports_missing_and_ambiguous_targets() {
    let d = tmp("check");
    let guide = r##"{"id":"t","name":"T","steps":[
      {"id":"one","kind":"tooltip","target":{"selector":"#save"},"body":"x"},
      {"id":"many","kind":"tooltip","target":{"selector":".item"},"body":"x"},
      {"id":"many-by-text","kind":"tooltip","target":{"selector":".item","text":"Two"},"body":"x"},
      {"id":"many-text-gone","kind":"tooltip","target":{"selector":".item","text":"Three"},"body":"x"},
      {"id":"gone","kind":"tooltip","target":{"selector":"#nothing"},"body":"x"},
      {"id":"place-other-text","kind":"tooltip","target":{"selector":"body > li:nth-of-type(1)","text":"Theme colors"},"body":"x"},
      {"id":"place-with-text","kind":"tooltip","target":{"selector":"body > li:nth-of-type(1)","text":"One"},"body":"x"},
      {"id":"by-text","kind":"tooltip","target":{"selector":"#old-export","fallbacks":[{"text":"Export","tag":"button"}]},"body":"x"}]}"##;
    std::fs::write(d.join("t.json"), guide).unwrap();
    std::fs::write(
        d.join("page.html"),
        "<html><body><button id=save>Save</button><li class=item>One</li><li class=item> two </li><button> Export </button></body></html>",
    )
    .unwrap();
    let (c, out, err) = run(&["check", "--html", &d.join("page.html").display().to_string(), &d.join("t.json").display().to_string()]);
    assert_eq!(c, 1, "{out}{err}");
    let line =
        |id: &str| out.lines().find(|l| l.contains(&format!("t/{id}:"))).unwrap_or_else(|| panic!("no line for {id}: {out}")).to_string();
    assert!(line("one").starts_with('✓'), "{out}");
    assert!(line("many").contains("2 elements"), "{out}");
    assert!(line("many-by-text").starts_with('✓'), "the text picks one of two: {out}");
    assert!(line("many-text-gone").contains("none with the text"), "{out}");
    assert!(line("gone").starts_with('✗') && line("gone").contains("no element"), "{out}");
    assert!(line("place-other-text").contains("naming no id or attribute"), "a structural path needs its text: {out}");
    assert!(line("place-with-text").starts_with('✓'), "{out}");
    assert!(line("by-text").contains("fallback"), "{out}");
    assert!(!line("by-text").starts_with('✗'), "found by its text fallback: {out}");
}

/// Regression: `guidepost report --to 2026-11-23` stopped at the start of that day, while
/// the HTTP API included it; both now use one parser (inclusive end days, real dates only).
#[test]
fn report_dates_match_the_http_api() {
    let d = tmp("report-dates");
    let db = d.join("events.db");
    SqliteStore::open(&db).unwrap().insert(&journey("u1", 1, None, T0, &[100])).unwrap(); // 2025-11-23
    let db = db.display().to_string();
    // (flags, exit code, text expected in stdout or stderr)
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["--to", "2025-11-23"], 0, "1 shown"),
        (vec!["--from", "2025-11-23", "--to", "2025-11-23"], 0, "1 shown"),
        (vec!["--from", "2025-11-24"], 0, "0 shown"),
        (vec!["--to", "2025-11-22"], 0, "0 shown"),
        (vec!["--to", "2025-02-31"], 2, "--to:"),
        (vec!["--from", "2025-1-1"], 2, "--from:"),
    ];
    for (flags, code, text) in cases {
        let mut args = vec!["report", "--guide", "tour", "--db", &db];
        args.extend(&flags);
        let (c, out, err) = run(&args);
        assert_eq!(c, code, "{flags:?}: {out}{err}");
        assert!(out.contains(text) || err.contains(text), "{flags:?}: {out}{err}");
    }
}

/// What the store says of each guide: (id, staging version, production version, number of
/// versions).
fn store_state(db: &std::path::Path) -> Vec<(String, Option<u32>, Option<u32>, usize)> {
    use guidepost_collector::guide_store::GuideStore;
    let s = SqliteStore::open(db).unwrap();
    s.list()
        .unwrap()
        .into_iter()
        .map(|g| {
            let n = s.versions(&g.id).unwrap().unwrap().len();
            (g.id, g.published.staging, g.published.production, n)
        })
        .collect()
}

/// `import --publish staging,production` drafts and publishes every valid guide (one
/// version served by both environments), reports invalid ones with their diagnostics (exit
/// code 1, the valid ones still imported); importing unchanged files again makes no new
/// version, a changed guide makes one; `export` writes the drafts back as files.
#[test]
fn import_publishes_once_and_export_round_trips() {
    let d = tmp("import");
    let db = d.join("guidepost.db").display().to_string();
    let one = serde_json::json!({"id": "one", "name": "One", "steps": [{"id": "a", "kind": "modal", "body": "hi"}]});
    let pair = serde_json::json!([
        {"id": "two", "name": "Two", "steps": [{"id": "a", "kind": "modal", "body": "2"}]},
        {"id": "three", "name": "Three", "version": 7, "steps": [{"id": "a", "kind": "modal", "body": "3"}]}
    ]);
    std::fs::write(d.join("one.json"), one.to_string()).unwrap();
    std::fs::write(d.join("pair.json"), pair.to_string()).unwrap();
    std::fs::write(d.join("bad.json"), BAD.replace("\"g\"", "\"bad\"")).unwrap();
    let file = |n: &str| d.join(n).display().to_string();
    let (one_f, pair_f, bad_f) = (file("one.json"), file("pair.json"), file("bad.json"));
    let import = ["import", "--db", &db, "--publish", "staging,production", &one_f, &pair_f, &bad_f];

    let (c, out, err) = run(&import);
    assert_eq!(c, 1, "an invalid guide: exit 1: {out}{err}");
    assert!(out.contains("steps[0].placement"), "its diagnostics are printed: {out}");
    let s = |id: &str, st: Option<u32>, pr: Option<u32>, n: usize| (id.to_string(), st, pr, n);
    let first =
        vec![s("bad", None, None, 0), s("one", Some(1), Some(1), 1), s("three", Some(1), Some(1), 1), s("two", Some(1), Some(1), 1)];
    assert_eq!(store_state(std::path::Path::new(&db)), first, "one version each, served by both: {out}");

    let (c, out, err) = run(&["import", "--db", &db, "--publish", "staging,production", &one_f, &pair_f]);
    assert_eq!(c, 0, "{out}{err}");
    assert_eq!(store_state(std::path::Path::new(&db)), first, "unchanged guides make no new version: {out}");

    let mut changed = one.clone();
    changed["steps"][0]["body"] = "changed".into();
    std::fs::write(d.join("one.json"), changed.to_string()).unwrap();
    let (c, out, err) = run(&["import", "--db", &db, "--publish", "staging", &one_f]);
    assert_eq!(c, 0, "{out}{err}");
    assert_eq!(store_state(std::path::Path::new(&db))[1], s("one", Some(2), Some(1), 2), "a change is a new version, staging only: {out}");

    let out_dir = d.join("exported");
    let (c, out, err) = run(&["export", "--db", &db, &out_dir.display().to_string()]);
    assert_eq!(c, 0, "{out}{err}");
    let read = |n: &str| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(out_dir.join(n)).unwrap()).unwrap() };
    // (file, expected content: the draft as imported)
    let cases = [("one.json", changed.clone()), ("two.json", pair[0].clone()), ("three.json", pair[1].clone())];
    for (name, want) in cases {
        assert_eq!(read(name), want, "{name}");
    }
    assert!(std::fs::read_to_string(out_dir.join("one.json")).unwrap().contains("\n  \"id\""), "pretty JSON");
    let (c, out, err) = run(&["import", "--db", &db, "--publish", "staging", &out_dir.join("one.json").display().to_string()]);
    assert_eq!((c, store_state(std::path::Path::new(&db))[1].clone()), (0, s("one", Some(2), Some(1), 2)), "round trip: {out}{err}");
}

#[test]
fn write_keys_name_their_environment() {
    use guidepost_collector::cli::parse_write_key;
    use guidepost_collector::guide_store::Env;
    /// The key and its environment, or the error text.
    type Want<'a> = Result<(&'a str, Env), &'a str>;
    // (flag value, expected)
    let cases: Vec<(&str, Want)> = vec![
        ("k", Ok(("k", Env::Production))),
        ("k=staging", Ok(("k", Env::Staging))),
        ("k=production", Ok(("k", Env::Production))),
        ("a2V5==", Ok(("a2V5==", Env::Production))),
        ("a=b=staging", Ok(("a=b", Env::Staging))),
        ("k=prod", Err("unknown environment \"prod\": expected staging or production")),
        ("=staging", Err("empty key")),
    ];
    for (given, want) in cases {
        let got = parse_write_key(given);
        match want {
            Ok((k, e)) => assert_eq!(got, Ok((k.to_string(), e)), "{given}"),
            Err(text) => assert!(got.as_ref().is_err_and(|g| g.contains(text)), "{given}: {got:?}"),
        }
    }
}

/// `guidepost report` follows the funnel with the goal section: the guide's goal (from the
/// guides directory here), each group's conversion and the comparison with its verdict.
#[test]
fn report_prints_the_goal_section() {
    let d = tmp("report-goals");
    let db = d.join("events.db");
    let (records, _) = goal_checks::known_scenario();
    SqliteStore::open(&db).unwrap().insert(&records).unwrap();
    let guides = d.join("guides");
    std::fs::create_dir_all(&guides).unwrap();
    let g = serde_json::json!([{"id": "tour", "name": "Tour", "goal": {"event": "exported", "within_days": 7},
        "steps": [{"id": "a", "kind": "modal", "body": "Hi"}]}]);
    std::fs::write(guides.join("tour.json"), g.to_string()).unwrap();
    let db = db.display().to_string();
    let (c, out, err) = run(&["report", "--guide", "tour", "--db", &db, "--guides", &guides.display().to_string()]);
    assert_eq!(c, 0, "{err}");
    assert!(out.contains("Goal: event \"exported\", within 7 days"), "{out}");
    let row = |g: &str| out.lines().find(|l| l.trim_start().starts_with(g)).unwrap_or_else(|| panic!("no {g} row: {out}")).to_string();
    assert!(row("held_out").split_whitespace().take(3).eq(["held_out", "2", "1"]), "{out}");
    assert!(row("shown ").split_whitespace().take(3).eq(["shown", "2", "1"]), "{out}");
    assert!(out.contains("shown vs held_out: +0.0 points") && out.contains("not enough data"), "{out}");
    let (c, json, _) = run(&["report", "--guide", "tour", "--db", &db, "--json", "--guides", &guides.display().to_string()]);
    assert_eq!(c, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["goals"]["groups"][0]["group"], "held_out", "{json}");
    // The funnel counts every user shown, u3 too (held out first, then started by hand).
    assert_eq!(v["funnel"]["shown_users"], 3, "{json}");
}
