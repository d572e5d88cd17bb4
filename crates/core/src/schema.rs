//! The JSON Schema for guides, generated from the Rust types.
//!
//! `guides/guide.schema.json` is this output; a test fails when the file is stale.

use crate::model::Guide;

/// The pretty-printed JSON Schema of a guide file: one guide, or an array of guides.
pub fn guide_schema_json() -> String {
    let mut schema = schemars::schema_for!(Guide);
    let obj = schema.as_object_mut().expect("schemars produces an object schema");
    let guide = serde_json::Value::Object(obj.clone());
    // Accept a single guide or an array of guides, sharing the definitions.
    let defs = obj.remove("$defs").unwrap_or_default();
    let mut single = guide.as_object().cloned().unwrap_or_default();
    single.remove("$defs");
    single.remove("$schema");
    let mut defs = defs.as_object().cloned().unwrap_or_default();
    defs.insert("Guide".into(), serde_json::Value::Object(single));
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://guidepost.dev/guide.schema.json",
        "title": "Guidepost guides",
        "description": "One guide or an array of guides for the Guidepost onboarding engine.",
        "anyOf": [
            { "$ref": "#/$defs/Guide" },
            { "type": "array", "items": { "$ref": "#/$defs/Guide" } }
        ],
        "$defs": defs,
    });
    let mut s = serde_json::to_string_pretty(&root).expect("schema serialises");
    s.push('\n');
    s
}
