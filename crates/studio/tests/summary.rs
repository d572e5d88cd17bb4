//! The targeting sentence the Studio shows above the builder (`summary::guide`), natively.

use guidepost_studio::summary;
use serde_json::json;

/// (case, guide, sentence)
fn check(cases: &[(&str, serde_json::Value, &str)]) {
    for (case, g, want) in cases {
        assert_eq!(summary::guide(g), *want, "{case}");
    }
}

#[test]
fn the_targeting_sentence_reads_as_english() {
    check(&[
        (
            "a trait condition",
            json!({ "audience": { "trait": "role", "op": "eq", "value": "admin" } }),
            r#"Shows to users where role is "admin", on a page view, once."#,
        ),
        // Regression from an author's run: "Shows to users where everyone, on a page view, once."
        ("no audience", json!({}), "Shows to everyone, on a page view, once."),
        ("an empty all", json!({ "audience": { "all": [] } }), "Shows to everyone, on a page view, once."),
        (
            "an empty any",
            json!({ "audience": { "any": [] }, "trigger": { "type": "manual" } }),
            "Shows to no one, only when started by code, once.",
        ),
        ("a rollout", json!({ "rollout": { "percent": 50 } }), "Shows to everyone, to 50% of them, on a page view, once."),
    ]);
}
