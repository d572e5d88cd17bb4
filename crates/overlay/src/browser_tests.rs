//! Browser unit test of the overlay, run in headless Chromium by wasm-bindgen-test
//! (`scripts/test-wasm.sh`).

use guidepost_core::view::step_vm;
use guidepost_core::{Input, TourState};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

use crate::overlay;
use guidepost_dom::test_support::{doc, until};

/// The overlay's shadow root, mounting it once.
fn overlay_root() -> web_sys::ShadowRoot {
    if doc().query_selector("guidepost-root").unwrap().is_none() {
        overlay::boot(|_| {});
    }
    doc().query_selector("guidepost-root").unwrap().unwrap().shadow_root().expect("an open shadow root")
}

#[wasm_bindgen_test]
async fn the_overlay_renders_author_markup_as_text_in_an_accessible_dialog() {
    let json = r#"[{"id": "x", "name": "X", "steps": [
        {"id": "a", "kind": "modal", "title": "<img src=x onerror=alert(1)>",
         "body": "Hello **bold** <script>alert(2)</script> [docs](javascript:alert(3))"},
        {"id": "b", "kind": "modal", "body": "Second"}]}]"#;
    let report = guidepost_core::load_guides(json);
    let guide = report.guides.into_iter().next().expect("the fixture guide loads");
    let root = overlay_root();
    let (state, _) = TourState::start(&guide, None, 0);
    overlay::set_step(step_vm(&guide, &state, "en", false));
    until("the dialog", || root.query_selector("[role=dialog]").unwrap().is_some()).await;

    for bad in ["img", "script", "a[href^=javascript]"] {
        assert!(root.query_selector(bad).unwrap().is_none(), "no {bad} from author content");
    }
    let dialog = root.query_selector("[role=dialog]").unwrap().expect("a dialog");
    let title = root.get_element_by_id(&dialog.get_attribute("aria-labelledby").unwrap()).expect("labelled-by exists");
    assert_eq!(title.text_content().unwrap(), "<img src=x onerror=alert(1)>");
    let body = root.get_element_by_id(&dialog.get_attribute("aria-describedby").unwrap()).expect("described-by exists");
    assert!(body.text_content().unwrap().contains("<script>alert(2)</script>"));
    assert_eq!(body.query_selector("strong").unwrap().map(|b| b.text_content().unwrap()).as_deref(), Some("bold"));
    let names: Vec<String> = (0..root.query_selector_all("button").unwrap().length())
        .filter_map(|i| root.query_selector_all("button").unwrap().item(i))
        .map(|b| {
            let b: Element = b.unchecked_into();
            b.get_attribute("aria-label").unwrap_or_else(|| b.text_content().unwrap_or_default().trim().to_string())
        })
        .collect();
    assert!(names.contains(&"Close".to_string()) && names.contains(&"Next".to_string()), "{names:?}");

    // The next step replaces the content; ending the guide removes the dialog.
    let (state, _) = guidepost_core::transition(&guide, &state, Input::Next, 1);
    overlay::set_step(step_vm(&guide, &state, "en", false));
    let body_text = || root.query_selector("#gp-body").unwrap().and_then(|b| b.text_content()).unwrap_or_default();
    until("the second step's body", || body_text().trim() == "Second").await;
    overlay::set_step(None);
    until("the dialog to go", || root.query_selector("[role=dialog]").unwrap().is_none()).await;
}
