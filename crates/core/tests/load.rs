//! Loading and validation: every broken guide is reported with a JSON path and skipped.

use guidepost_core::{guide_schema_json, load_guides, Severity};
use serde_json::{json, Value};

/// A minimal valid guide to mutate in each case.
fn base() -> Value {
    json!({
        "id": "tour",
        "name": "Tour",
        "steps": [
            { "id": "a", "kind": "modal", "title": "Hello", "buttons": [{ "label": "Next", "action": "next" }] },
            { "id": "b", "kind": "tooltip", "target": { "selector": "#x" }, "body": "There" }
        ]
    })
}

/// Loads `guide` (after `edit`) and checks each expected `(severity, path, fragment)` is reported,
/// and that the guide loads exactly when no error is expected.
fn check(edit: impl FnOnce(&mut Value), expected: &[(Severity, &str, &str)]) {
    let mut g = base();
    edit(&mut g);
    let report = load_guides(&json!([g]).to_string());
    for (sev, path, fragment) in expected {
        assert!(
            report.diagnostics.iter().any(|d| d.severity == *sev && d.path == *path && d.message.contains(fragment)),
            "expected {sev:?} at {path} containing {fragment:?}, got:\n{}",
            report.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
        );
    }
    let expect_error = expected.iter().any(|(s, _, _)| *s == Severity::Error);
    assert_eq!(report.guides.is_empty(), expect_error, "guide loaded state; diagnostics: {:?}", report.diagnostics);
}

use Severity::{Error as E, Warning as W};

#[test]
fn the_base_guide_is_clean() {
    check(|_| {}, &[]);
    let report = load_guides(&base().to_string());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn unknown_fields_suggest_a_name() {
    check(|g| g["steps"][0]["tittle"] = json!("x"), &[(E, "$[0].steps[0].tittle", "did you mean \"title\"")]);
    check(|g| g["prority"] = json!(3), &[(E, "$[0].prority", "did you mean \"priority\"")]);
    check(|g| g["steps"][1]["target"]["selecter"] = json!("#y"), &[(E, "$[0].steps[1].target.selecter", "did you mean \"selector\"")]);
    check(|g| g["steps"][0]["buttons"][0]["lable"] = json!("x"), &[(E, "$[0].steps[0].buttons[0].lable", "did you mean \"label\"")]);
}

#[test]
fn invalid_placement_and_kind() {
    check(|g| g["steps"][1]["placement"] = json!("botom-end"), &[(E, "$[0].steps[1].placement", "did you mean \"bottom-end\"")]);
    check(|g| g["steps"][1]["placement"] = json!("middle"), &[(E, "$[0].steps[1].placement", "invalid placement \"middle\"")]);
    check(|g| g["steps"][0]["kind"] = json!("popup"), &[(E, "$[0].steps[0].kind", "unknown step kind \"popup\"")]);
}

#[test]
fn step_ids_must_be_unique_and_resolvable() {
    check(|g| g["steps"][1]["id"] = json!("a"), &[(E, "$[0].steps[1].id", "duplicate step id \"a\"")]);
    check(
        |g| g["steps"][0]["branch"] = json!([{ "to": "bb" }]),
        &[(E, "$[0].steps[0].branch[0].to", "no step with id \"bb\"; did you mean \"b\"")],
    );
    check(
        |g| g["steps"][0]["buttons"] = json!([{ "label": "Go", "action": "goto", "to": "nope" }]),
        &[(E, "$[0].steps[0].buttons[0].to", "no step with id \"nope\"")],
    );
}

#[test]
fn unreachable_steps_are_warned_about() {
    check(
        |g| {
            g["steps"][0]["branch"] = json!([{ "to": "c" }]);
            g["steps"].as_array_mut().unwrap().push(json!({ "id": "c", "kind": "modal", "title": "End" }));
        },
        &[(W, "$[0].steps[1]", "step \"b\" is unreachable")],
    );
}

#[test]
fn selectors_and_text_are_checked() {
    check(|g| g["steps"][1]["target"]["selector"] = json!("div["), &[(E, "$[0].steps[1].target.selector", "unclosed \"[\"")]);
    check(|g| g["steps"][1]["target"]["selector"] = json!("> a"), &[(E, "$[0].steps[1].target.selector", "nothing before it")]);
    check(|g| g["steps"][1]["target"]["selector"] = json!("a{color:red}"), &[(E, "$[0].steps[1].target.selector", "unexpected \"{\"")]);
    check(|g| g["steps"][1]["body"] = json!("   "), &[(E, "$[0].steps[1].body", "empty text")]);
    check(|g| g["steps"][1]["target"]["text"] = json!(" "), &[(E, "$[0].steps[1].target.text", "empty text")]);
    check(|g| g["steps"][1]["target"]["text"] = json!("Export"), &[]);
    check(|g| g["steps"][1]["target"]["txt"] = json!("Export"), &[(E, "$[0].steps[1].target.txt", "did you mean \"text\"")]);
    check(|g| g["steps"][0]["buttons"][0]["label"] = json!(""), &[(E, "$[0].steps[0].buttons[0].label", "empty text")]);
    check(|g| g["steps"][1]["body"] = json!("<b>hi</b>"), &[(W, "$[0].steps[1].body", "HTML is not rendered")]);
    check(
        |g| g["steps"][1].as_object_mut().unwrap().remove("target").map(|_| ()).unwrap(),
        &[(E, "$[0].steps[1].target", "needs a target")],
    );
}

#[test]
fn locales_are_checked() {
    check(|g| g["locales"] = json!({ "xx": { "a": { "title": "?" } } }), &[(E, "$[0].locales.xx", "unknown locale \"xx\"")]);
    check(|g| g["locales"] = json!({ "French": {} }), &[(E, "$[0].locales.French", "invalid locale tag")]);
    check(|g| g["locales"] = json!({ "fr": { "zz": { "title": "?" } } }), &[(W, "$[0].locales.fr.zz", "no step with id \"zz\"")]);
    check(|g| g["audience"] = json!({ "locale": ["en", "qq"] }), &[(E, "$[0].audience.locale[1]", "unknown locale \"qq\"")]);
}

#[test]
fn rules_report_their_path() {
    check(
        |g| {
            g["audience"] =
                json!({ "all": [{ "trait": "plan", "op": "eq", "value": "pro" }, { "any": [{ "url": "/x", "mathc": "prefix" }] }] })
        },
        &[(E, "$[0].audience.all[1].any[0].mathc", "did you mean \"match\"")],
    );
    check(
        |g| g["audience"] = json!({ "trait": "plan", "op": "equals", "value": 1 }),
        &[(E, "$[0].audience.op", "unknown variant `equals`")],
    );
    check(|g| g["audience"] = json!({ "trait": "n", "op": "between", "value": 3 }), &[(E, "$[0].audience.value", "list of two values")]);
    check(|g| g["audience"] = json!({ "tratt": "plan" }), &[(E, "$[0].audience", "did you mean \"trait\"")]);
    check(|g| g["audience"] = json!({ "url": "dashboard" }), &[(E, "$[0].audience.url", "starting with \"/\"")]);
}

#[test]
fn types_are_reported_with_paths() {
    check(|g| g["priority"] = json!("high"), &[(E, "$[0].priority", "wrong type: found string \"high\"")]);
    check(|g| g["rollout"] = json!({ "percent": 150 }), &[(E, "$[0].rollout.percent", "from 0 to 100")]);
    check(|g| g["steps"] = json!([]), &[(E, "$[0].steps", "at least one step")]);
    check(
        |g| {
            g.as_object_mut().unwrap().remove("name");
        },
        &[(E, "$[0]", "missing required field `name`")],
    );
}

#[test]
fn a_broken_guide_does_not_stop_the_others() {
    let mut bad = base();
    bad["id"] = json!("bad");
    bad["steps"][0]["kind"] = json!("nope");
    let text = json!([base(), bad, { "id": "tour", "name": "dup", "steps": base()["steps"] }, 42]).to_string();
    let report = load_guides(&text);
    assert_eq!(report.guides.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), ["tour"]);
    let paths: Vec<&str> = report.errors().map(|d| d.path.as_str()).collect();
    assert!(paths.contains(&"$[1].steps[0].kind"), "{paths:?}");
    assert!(paths.contains(&"$[2].id"), "{paths:?}");
    assert!(paths.contains(&"$[3]"), "{paths:?}");
    assert_eq!(report.errors().find(|d| d.path == "$[1].steps[0].kind").unwrap().guide_id.as_deref(), Some("bad"));
}

#[test]
fn invalid_json_names_line_and_column() {
    let report = load_guides("[{\"id\": \"x\",,}]");
    let d = report.errors().next().expect("an error");
    assert!(d.message.contains("line 1, column 13"), "{d}");
}

#[test]
fn example_guides_load_cleanly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".json") || name.ends_with(".schema.json") {
            continue;
        }
        let report = load_guides(&std::fs::read_to_string(&path).unwrap());
        assert!(report.diagnostics.is_empty(), "{name}: {:?}", report.diagnostics);
        assert!(!report.guides.is_empty(), "{name}");
        count += 1;
    }
    assert!(count >= 5, "expected the example guides, found {count}");
}

#[test]
fn schema_file_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides/guide.schema.json");
    let fresh = guide_schema_json();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &fresh).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(on_disk == fresh, "guides/guide.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -p guidepost-core --test load`");
}

#[test]
fn schema_describes_every_step_kind_and_placement() {
    let schema: Value = serde_json::from_str(&guide_schema_json()).unwrap();
    let text = schema.to_string();
    for word in ["tooltip", "modal", "hotspot", "banner", "checklist", "survey", "right-end", "on_missing", "fallbacks"] {
        assert!(text.contains(&format!("\"{word}\"")), "schema lacks {word}");
    }
    // The validator's field lists and the schema describe the same objects.
    let step = &schema["$defs"]["Step"]["properties"];
    let mut props: Vec<&str> = step.as_object().unwrap().keys().map(String::as_str).collect();
    props.sort();
    let mut fields = guidepost_core::load::known_step_fields().to_vec();
    fields.sort();
    assert_eq!(props, fields);
}

#[test]
fn locales_replace_texts_with_language_fallback() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides/onboarding-tour.json");
    let g = load_guides(&std::fs::read_to_string(dir).unwrap()).guides.remove(0);
    let fr = g.localized_step(0, "fr-CA").unwrap();
    assert_eq!(fr.title.as_deref(), Some("Bienvenue sur Acme Analytics"));
    assert_eq!(fr.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Commencer", "Plus tard"]);
    // Untranslated parts keep the original; unknown locales get the original.
    let done = g.localized_step(3, "fr").unwrap();
    assert_eq!(done.body, g.steps[3].body);
    assert_eq!(g.localized_step(0, "de").unwrap(), g.steps[0]);
    assert!(g.localized_step(9, "fr").is_none());
}
