//! Browser unit tests of the element picker, run in headless Chromium by wasm-bindgen-test
//! (`scripts/test-wasm.sh`).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

use crate::pick::{pick, robust_target};
use guidepost_dom::find;
use guidepost_dom::test_support::{fixture, shadow};

/// Picks the element `pick` (a selector inside `html`) and checks the target the picker
/// proposes and how many elements it matches.
fn check_pick(name: &str, html: &str, pick: &str, want: &str, matches: usize) {
    let area = fixture(html);
    let el = area.query_selector(pick).unwrap().unwrap_or_else(|| panic!("{name}: fixture lacks {pick}"));
    let (t, n) = robust_target(&el);
    assert_eq!((t.selector.as_str(), n), (want, matches), "{name}");
    let found = find(&t).unwrap_or_else(|| panic!("{name}: {want} finds nothing"));
    assert!(found.el == el, "{name}: {want} finds another element");
}

#[wasm_bindgen_test]
fn picker_prefers_stable_attributes_over_position() {
    let cases = [
        ("data-tour beats an id", r#"<button id="save" data-tour="save-btn">Save</button>"#, "button", r#"[data-tour="save-btn"]"#, 1),
        ("any data- attribute", r#"<a data-nav="reports" href="/r">Reports</a>"#, "a", r#"[data-nav="reports"]"#, 1),
        ("a stable id", r#"<input id="email">"#, "input", "#email", 1),
        (
            "a generated id is skipped",
            r#"<button id="btn-839201" aria-label="Close">x</button>"#,
            "button",
            r#"button[aria-label="Close"]"#,
            1,
        ),
        (
            "a shared data attribute is not unique, the id is",
            r#"<i data-icon="x">a</i><i data-icon="x" id="second">b</i>"#,
            "#second",
            "#second",
            1,
        ),
        ("a form field's name", r#"<input name="company">"#, "input", r#"input[name="company"]"#, 1),
        (
            "a short structural path only as the last resort",
            "<ul><li>one</li><li>two</li></ul>",
            "li:nth-child(2)",
            "#gp-test-area > ul > li:nth-of-type(2)",
            1,
        ),
        ("quotes in values are escaped", r#"<button data-tour='say "hi"'>Hi</button>"#, "button", r#"[data-tour="say \"hi\""]"#, 1),
    ];
    for (name, html, pick, want, n) in cases {
        check_pick(name, html, pick, want, n);
    }
}

// Regression: the picker counted matches in the top document only, so a target inside a
// shadow root was reported as matching nothing, and a duplicate inside one went unseen.
#[wasm_bindgen_test]
fn picker_counts_matches_in_shadow_roots_too() {
    let area = fixture(r#"<div id="host"></div><button data-tour="dup" id="outer">Outer</button>"#);
    let sr = shadow(&area, "#host", r#"<button data-tour="inner">In</button><button data-tour="dup" aria-label="Dup">Dup</button>"#);
    let inner = sr.query_selector("[data-tour=inner]").unwrap().unwrap();
    let (t, n) = robust_target(&inner);
    assert_eq!((t.selector.as_str(), n), (r#"[data-tour="inner"]"#, 1));
    assert!(find(&t).is_some_and(|f| f.el == inner));
    // `[data-tour="dup"]` matches twice across the two roots; the id is unique.
    let outer = area.query_selector("#outer").unwrap().unwrap();
    assert_eq!(robust_target(&outer).0.selector, "#outer");
}

#[wasm_bindgen_test]
async fn picking_inside_a_shadow_root_picks_the_inner_element() {
    let area = fixture(r#"<div id="host"></div>"#);
    let sr = shadow(&area, "#host", r#"<button data-tour="deep-pick">Deep</button>"#);
    let promise: js_sys::Promise = pick(JsValue::UNDEFINED).unwrap().unchecked_into();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    sr.query_selector("button").unwrap().unwrap().dispatch_event(&click).unwrap();
    let result = JsFuture::from(promise).await.unwrap();
    let selector = js_sys::Reflect::get(&result, &"selector".into()).unwrap().as_string();
    let matches = js_sys::Reflect::get(&result, &"matches".into()).unwrap().as_f64();
    assert_eq!((selector.as_deref(), matches), (Some(r#"[data-tour="deep-pick"]"#), Some(1.0)));
}

#[wasm_bindgen_test]
fn picked_targets_carry_a_text_fallback() {
    let area = fixture(r#"<button data-tour="export">  Export   CSV </button>"#);
    let (t, _) = robust_target(&area.query_selector("button").unwrap().unwrap());
    assert_eq!(t.fallbacks.len(), 1);
    assert_eq!(t.fallbacks[0].text.as_deref(), Some("Export CSV"));
    assert_eq!(t.fallbacks[0].tag.as_deref(), Some("button"));
}
