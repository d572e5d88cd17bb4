//! Unit tests that need a real DOM, run in headless Chromium by wasm-bindgen-test
//! (`scripts/test-wasm.sh`). They reach the platform functions directly: the cases that
//! the end-to-end tests (which drive the public API on the demo app) only touch once.
//! Markup here is the test's own fixture, not author content.

use guidepost_core::{Fallback, Input, Target, TourState};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

use crate::{dom, overlay, view};

wasm_bindgen_test_configure!(run_in_browser);

fn doc() -> Document {
    dom::document().expect("a document")
}

/// Replaces the test area's content with `html` and returns the area.
fn fixture(html: &str) -> Element {
    let d = doc();
    let area = d.get_element_by_id("gp-test-area").unwrap_or_else(|| {
        let a = d.create_element("div").unwrap();
        a.set_id("gp-test-area");
        d.body().unwrap().append_child(&a).unwrap();
        a
    });
    area.set_inner_html(html);
    area
}

fn target(selector: &str, fallbacks: Vec<Fallback>) -> Target {
    Target { selector: selector.into(), fallbacks }
}

fn text_fallback(text: &str) -> Fallback {
    Fallback { text: Some(text.into()), tag: None, attribute: None, value: None }
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Picks the element `pick` (a selector inside `html`) and checks the target the picker
/// proposes and how many elements it matches.
fn check_pick(name: &str, html: &str, pick: &str, want: &str, matches: usize) {
    let area = fixture(html);
    let el = area.query_selector(pick).unwrap().unwrap_or_else(|| panic!("{name}: fixture lacks {pick}"));
    let (t, n) = dom::robust_target(&el);
    assert_eq!((t.selector.as_str(), n), (want, matches), "{name}");
    let found = dom::find(&t).unwrap_or_else(|| panic!("{name}: {want} finds nothing"));
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

/// Attaches an open shadow root with `html` to the element `host` of the fixture.
fn shadow(area: &Element, host: &str, html: &str) -> web_sys::ShadowRoot {
    let host = area.query_selector(host).unwrap().unwrap();
    let sr = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).unwrap();
    sr.set_inner_html(html);
    sr
}

// Regression: the picker counted matches in the top document only, so a target inside a
// shadow root was reported as matching nothing, and a duplicate inside one went unseen.
#[wasm_bindgen_test]
fn picker_counts_matches_in_shadow_roots_too() {
    let area = fixture(r#"<div id="host"></div><button data-tour="dup" id="outer">Outer</button>"#);
    let sr = shadow(&area, "#host", r#"<button data-tour="inner">In</button><button data-tour="dup" aria-label="Dup">Dup</button>"#);
    let inner = sr.query_selector("[data-tour=inner]").unwrap().unwrap();
    let (t, n) = dom::robust_target(&inner);
    assert_eq!((t.selector.as_str(), n), (r#"[data-tour="inner"]"#, 1));
    assert!(dom::find(&t).is_some_and(|f| f.el == inner));
    // `[data-tour="dup"]` matches twice across the two roots; the id is unique.
    let outer = area.query_selector("#outer").unwrap().unwrap();
    assert_eq!(dom::robust_target(&outer).0.selector, "#outer");
}

#[wasm_bindgen_test]
async fn picking_inside_a_shadow_root_picks_the_inner_element() {
    let area = fixture(r#"<div id="host"></div>"#);
    let sr = shadow(&area, "#host", r#"<button data-tour="deep-pick">Deep</button>"#);
    let promise: js_sys::Promise = dom::pick(JsValue::UNDEFINED).unwrap().unchecked_into();
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
    let (t, _) = dom::robust_target(&area.query_selector("button").unwrap().unwrap());
    assert_eq!(t.fallbacks.len(), 1);
    assert_eq!(t.fallbacks[0].text.as_deref(), Some("Export CSV"));
    assert_eq!(t.fallbacks[0].tag.as_deref(), Some("button"));
}

/// (case, markup, target, id of the element that must be found or None)
fn check_find(cases: &[(&str, &str, Target, Option<&str>)]) {
    for (name, html, t, want) in cases {
        fixture(html);
        let got = dom::find(t).map(|f| f.el.id());
        assert_eq!(got.as_deref(), *want, "{name}");
    }
}

#[wasm_bindgen_test]
fn lookup_skips_hidden_elements_and_uses_fallbacks_in_order() {
    check_find(&[
        (
            "the visible one of two matches",
            r#"<button class="go" id="hidden" style="display:none">Go</button><button class="go" id="shown">Go</button>"#,
            target(".go", vec![]),
            Some("shown"),
        ),
        // Regression: an element hidden with `visibility: hidden` keeps its box and was
        // taken as the target.
        (
            "visibility: hidden is not visible",
            r#"<button class="go" style="visibility:hidden">Go</button><p style="visibility:hidden"><a class="go">x</a></p>"#,
            target(".go", vec![]),
            None,
        ),
        (
            "zero size is not visible",
            r#"<button class="go" style="display:block;width:0;height:0;padding:0;border:0"></button>"#,
            target(".go", vec![]),
            None,
        ),
        (
            "text fallback when the selector is stale, innermost match",
            r#"<ul><li id="row"><button id="btn">Export  csv</button></li></ul>"#,
            target("#renamed", vec![text_fallback("export CSV")]),
            Some("btn"),
        ),
        (
            "text fallbacks ignore case beyond ASCII",
            r#"<button id="next-fr">ÉTAPE SUIVANTE</button>"#,
            target("#renamed", vec![text_fallback("étape suivante")]),
            Some("next-fr"),
        ),
        (
            "attribute fallback",
            r#"<div data-tour="chart" id="chart">chart</div>"#,
            target(
                "#old",
                vec![
                    text_fallback("no such text"),
                    Fallback { text: None, tag: None, attribute: Some("data-tour".into()), value: Some("chart".into()) },
                ],
            ),
            Some("chart"),
        ),
        (
            "the selector wins over fallbacks",
            r#"<b id="primary" class="t">x</b><button id="fb">Save</button>"#,
            target(".t", vec![text_fallback("save")]),
            Some("primary"),
        ),
    ]);
}

#[wasm_bindgen_test]
fn lookup_reaches_into_open_shadow_roots() {
    let area = fixture(r#"<div id="host"></div>"#);
    shadow(&area, "#host", r#"<button id="deep" data-tour="deep">Deep</button>"#);
    let f = dom::find(&target(r#"[data-tour="deep"]"#, vec![])).expect("found inside the shadow root");
    assert_eq!(f.el.id(), "deep");
    assert!(f.rect().width > 0.0);
}

#[wasm_bindgen_test]
async fn lookup_reaches_into_same_origin_iframes_with_page_coordinates() {
    let area = fixture(r#"<div style="height:40px"></div>"#);
    let frame: web_sys::HtmlIFrameElement = doc().create_element("iframe").unwrap().unchecked_into();
    frame.set_srcdoc(r#"<body style="margin:0"><div style="height:30px"></div><button id="inner">In</button></body>"#);
    let loaded = js_sys::Promise::new(&mut |resolve, _| frame.set_onload(Some(&resolve)));
    area.append_child(&frame).unwrap();
    JsFuture::from(loaded).await.unwrap();
    let f = dom::find(&target("#inner", vec![])).expect("found inside the iframe");
    let frame_top = frame.get_bounding_client_rect().top();
    let r = f.rect();
    assert!((r.y - (frame_top + 30.0)).abs() < 3.0, "rect {r:?} is in page coordinates (frame top {frame_top})");
}

/// Waits for `t` and resolves with the found element's id, or "" on timeout.
fn wait(t: Target, timeout_ms: u32) -> JsFuture {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        dom::wait_for(t.clone(), timeout_ms, move |f| {
            let id = f.map(|f| f.el.id()).unwrap_or_default();
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(&id));
        });
    });
    JsFuture::from(p)
}

#[wasm_bindgen_test]
async fn a_late_element_is_found_when_it_appears() {
    let area = fixture("");
    let pending = wait(target("#late", vec![]), 3000);
    sleep(100).await;
    area.set_inner_html(r#"<button id="late">Late</button>"#);
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "late");
}

#[wasm_bindgen_test]
async fn an_element_made_visible_later_is_found() {
    let area = fixture(r#"<button id="later" style="display:none">Later</button>"#);
    let pending = wait(target("#later", vec![]), 3000);
    sleep(50).await;
    area.query_selector("#later").unwrap().unwrap().remove_attribute("style").unwrap();
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "later");
}

#[wasm_bindgen_test]
async fn a_missing_element_times_out() {
    fixture("<p>nothing here</p>");
    assert_eq!(wait(target("#never", vec![]), 150).await.unwrap().as_string().unwrap(), "");
}

/// The overlay's shadow root, mounting it once.
fn overlay_root() -> web_sys::ShadowRoot {
    if doc().query_selector("guidepost-root").unwrap().is_none() {
        overlay::mount(|_| {});
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
    overlay::set_step(view::step_vm(&guide, &state, "en", false));
    sleep(30).await;

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
    overlay::set_step(view::step_vm(&guide, &state, "en", false));
    sleep(30).await;
    let body = root.query_selector("#gp-body").unwrap().expect("second step body");
    assert_eq!(body.text_content().unwrap().trim(), "Second");
    overlay::set_step(None);
    sleep(30).await;
    assert!(root.query_selector("[role=dialog]").unwrap().is_none());
}
