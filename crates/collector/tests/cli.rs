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
      {"id":"gone","kind":"tooltip","target":{"selector":"#nothing"},"body":"x"},
      {"id":"by-text","kind":"tooltip","target":{"selector":"#old-export","fallbacks":[{"text":"Export","tag":"button"}]},"body":"x"}]}"##;
    std::fs::write(d.join("t.json"), guide).unwrap();
    std::fs::write(
        d.join("page.html"),
        "<html><body><button id=save>Save</button><li class=item>1</li><li class=item>2</li><button> Export </button></body></html>",
    )
    .unwrap();
    let (c, out, err) = run(&["check", "--html", &d.join("page.html").display().to_string(), &d.join("t.json").display().to_string()]);
    assert_eq!(c, 1, "{out}{err}");
    let line =
        |id: &str| out.lines().find(|l| l.contains(&format!("t/{id}:"))).unwrap_or_else(|| panic!("no line for {id}: {out}")).to_string();
    assert!(line("one").starts_with('✓'), "{out}");
    assert!(line("many").contains("2 elements"), "{out}");
    assert!(line("gone").starts_with('✗') && line("gone").contains("no element"), "{out}");
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
