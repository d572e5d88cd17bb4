//! Browser unit tests of target lookup and waits, run in headless Chromium by
//! wasm-bindgen-test (`scripts/test-wasm.sh`): the cases the end-to-end tests only touch once.

use guidepost_core::{Fallback, Target};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

use crate as dom;
use crate::test_support::{doc, fixture, shadow, target, text_fallback};

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
        // Regression: AdminLTE's sidebar on a phone is moved left of the page by a
        // transform; the step pointed at nothing at the screen's edge.
        (
            "off the canvas, left of the page",
            r#"<nav style="position:absolute;left:0;top:0;width:200px;transform:translateX(-250px)"><a class="go" href="/w">Widgets</a></nav>"#,
            target(".go", vec![]),
            None,
        ),
        (
            "a fixed drawer outside the viewport",
            r#"<aside style="position:fixed;top:0;right:0;width:200px;height:100px;transform:translateX(100%);overflow:auto"><a class="go" href="/w">Widgets</a></aside>"#,
            target(".go", vec![]),
            None,
        ),
        (
            "scrolled away in a carousel, which scrolling brings back",
            r#"<div style="width:100px;overflow-x:auto;white-space:nowrap"><span style="display:inline-block;width:500px">a</span><button class="go" id="far">Far</button></div>"#,
            target(".go", vec![]),
            Some("far"),
        ),
        // Regression from vitest's UI: its virtual list parks the rows it does not show
        // above its start; the step was shown hidden there, counted as viewed, and never
        // ended.
        (
            "a row a virtual list parked above its start",
            r#"<div style="height:100px;overflow:auto"><div style="height:500px;position:relative"><button class="go" style="position:absolute;top:0;transform:translateY(-9999px)">Row</button></div></div>"#,
            target(".go", vec![]),
            None,
        ),
        // Regression from Swagger Editor: its scrolling pane sits in a split pane that
        // hides its overflow; a target below the pane's fold was taken as out of reach of
        // the outer box and never found.
        (
            "below the fold of a pane inside a box that hides its overflow",
            r#"<div style="height:150px;overflow:hidden"><div style="height:100px;overflow:auto"><div style="height:3000px"></div><button class="go" id="in-pane">Op</button></div></div>"#,
            target(".go", vec![]),
            Some("in-pane"),
        ),
        (
            "a row far below a list's fold, which scrolling the list reaches",
            r#"<div style="height:100px;overflow:auto"><div style="height:3000px"></div><button class="go" id="below">Row</button></div>"#,
            target(".go", vec![]),
            Some("below"),
        ),
        // Regressions from reveal.js and Leaflet: a slide the deck does not show, and a
        // marker outside the map, sit outside a box that hides its overflow, where no
        // scrolling of the user's reaches: the step pointed at the deck's edge.
        (
            "outside a box that hides its overflow (a deck's other slide)",
            r#"<div style="position:relative;width:200px;height:100px;overflow:hidden"><section style="position:absolute;left:300px;top:0"><h2 class="go">Slide 5</h2></section></div>"#,
            target(".go", vec![]),
            None,
        ),
        (
            "the same box showing it (the deck moved to that slide)",
            r#"<div style="position:relative;width:200px;height:100px;overflow:hidden"><section style="position:absolute;left:0;top:0"><h2 class="go" id="shown-slide">Slide 5</h2></section></div>"#,
            target(".go", vec![]),
            Some("shown-slide"),
        ),
        // Regression from a review: panels scrolled by script from the wheel hide their
        // overflow (perfect-scrollbar's `.ps`, slimScroll); what is below their fold is found.
        (
            "below the fold of a panel scrolled by script",
            r#"<div style="height:80px;overflow:hidden"><div style="height:300px"></div><button class="go" id="ps-row">Row</button></div>"#,
            target(".go", vec![]),
            Some("ps-row"),
        ),
        (
            "below the fold of a scrolling list inside a box that hides its overflow",
            r#"<div style="overflow:hidden;height:100px"><div style="height:100px;overflow:auto"><div style="height:300px"></div><button class="go" id="row9">Row 9</button></div></div>"#,
            target(".go", vec![]),
            Some("row9"),
        ),
        (
            "below the fold of a long page",
            r#"<div style="height:3000px"></div><button class="go" id="low">Low</button>"#,
            target(".go", vec![]),
            Some("low"),
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
        // Regression: on a Tailwind page (Notus) the picker named a heading by its colour
        // utility, `h2.text-white`; a heading of that colour added above it was taken for it.
        (
            "the target's text picks among the selector's matches",
            r#"<h2 class="text-white" id="new">Revenue</h2><h2 class="text-white" id="picked">  Traffic
               sources </h2>"#,
            Target { text: Some("traffic SOURCES".into()), ..target("h2.text-white", vec![]) },
            Some("picked"),
        ),
        (
            "none has the text (a translated label), the selector names the element: its matches count",
            r#"<h2 data-stat="sales" id="only">Ventes</h2><h2 data-stat="sales" id="second">Commandes</h2>"#,
            Target { text: Some("Sales".into()), ..target(r#"h2[data-stat="sales"]"#, vec![]) },
            Some("only"),
        ),
        // Regression from Stoplight Elements: the overview has one `button.sl-button`,
        // Export, and the step picked on an operation's Send button moved onto it.
        (
            "a tag and classes whose one match has another text: not it",
            r#"<button class="sl-button" id="export">Export</button>"#,
            Target { text: Some("Send API Request".into()), ..target("button.sl-button", vec![]) },
            None,
        ),
        // Regression from CoreUI's admin template: every view's root is the same
        // `div.fadeIn`, so a card named by its place was found on another view, and the
        // step pointed at that view's first card.
        (
            "a structural path whose element has another text: not it",
            r#"<div><div id="members">9.823 Members online</div></div>"#,
            Target { text: Some("Theme colors".into()), ..target("#gp-test-area > div > div:nth-of-type(1)", vec![]) },
            None,
        ),
        (
            "a structural path whose element has the text",
            r#"<div><div id="colors">Theme colors</div></div>"#,
            Target { text: Some("Theme colors".into()), ..target("#gp-test-area > div > div:nth-of-type(1)", vec![]) },
            Some("colors"),
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

/// Regression from GrapesJS: a page builder zooms its canvas, an iframe, with a CSS
/// transform; steps on elements inside it were placed as if it were not scaled.
#[wasm_bindgen_test]
async fn an_element_in_a_scaled_iframe_has_its_scaled_rectangle() {
    // (case, the frame's style, expected scale)
    let cases = [
        ("not scaled, with a border and padding", "border:5px solid;padding:7px", 1.0),
        ("scaled by half from its corner", "border:5px solid;padding:7px;transform:scale(0.5);transform-origin:0 0", 0.5),
        ("scaled up", "border:0;transform:scale(1.5);transform-origin:0 0", 1.5),
    ];
    for (case, style, k) in cases {
        let area = fixture(r#"<div style="height:40px"></div>"#);
        let frame: web_sys::HtmlIFrameElement = doc().create_element("iframe").unwrap().unchecked_into();
        frame.set_attribute("style", &format!("width:400px;height:200px;{style}")).unwrap();
        frame.set_srcdoc(r#"<body style="margin:0"><div style="height:30px"></div><button id="inner" style="margin-left:100px;width:80px;height:20px">In</button></body>"#);
        let loaded = js_sys::Promise::new(&mut |resolve, _| frame.set_onload(Some(&resolve)));
        area.append_child(&frame).unwrap();
        JsFuture::from(loaded).await.unwrap();
        let f = dom::find(&target("#inner", vec![])).expect("found inside the iframe");
        let b = frame.get_bounding_client_rect();
        let inset = |side: &str| {
            js_sys::parse_float(&web_sys::window().unwrap().get_computed_style(&frame).unwrap().unwrap().get_property_value(side).unwrap())
        };
        let (left, top) = (inset("border-left-width") + inset("padding-left"), inset("border-top-width") + inset("padding-top"));
        let want = (b.left() + (left + 100.0) * k, b.top() + (top + 30.0) * k, 80.0 * k, 20.0 * k);
        let r = f.rect();
        let close = |a: f64, b: f64| (a - b).abs() < 1.0;
        assert!(
            close(r.x, want.0) && close(r.y, want.1) && close(r.width, want.2) && close(r.height, want.3),
            "{case}: rect {r:?}, wanted {want:?}"
        );
    }
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
    // `wait_for` looks once at once, then watches: what appears after this line is seen
    // by its observer.
    let pending = wait(target("#late", vec![]), 3000);
    area.set_inner_html(r#"<button id="late">Late</button>"#);
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "late");
}

#[wasm_bindgen_test]
async fn an_element_made_visible_later_is_found() {
    let area = fixture(r#"<button id="later" style="display:none">Later</button>"#);
    let pending = wait(target("#later", vec![]), 3000);
    area.query_selector("#later").unwrap().unwrap().remove_attribute("style").unwrap();
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "later");
}

/// Runs `f` with `style` on the test page's root and body, then takes it off.
fn with_page_style<T>(root_style: &str, body_style: &str, f: impl FnOnce() -> T) -> T {
    let d = doc();
    let (root, body) = (d.document_element().unwrap(), d.body().unwrap());
    root.set_attribute("style", root_style).unwrap();
    body.set_attribute("style", body_style).unwrap();
    let out = f();
    root.remove_attribute("style").unwrap();
    body.remove_attribute("style").unwrap();
    out
}

#[wasm_bindgen_test]
fn the_page_scrolling_in_any_direction_keeps_a_far_target_on_the_canvas() {
    // (case, root style, body style, markup with #far)
    let cases = [
        (
            "right to left, by CSS: reached by scrolling left",
            "direction:rtl",
            "",
            r#"<div style="width:5000px"><button id="far" style="margin-inline-start:4800px">Far</button></div>"#,
        ),
        // Regression (review): with the body as the page's scroller, everything below the
        // fold counted as off the canvas.
        (
            "the body scrolls, not the root",
            "overflow:hidden;height:100%",
            "height:100%;margin:0;overflow:auto",
            r#"<div style="height:3000px"></div><button id="far">Far</button>"#,
        ),
    ];
    for (name, root_style, body_style, html) in cases {
        let found = with_page_style(root_style, body_style, || {
            fixture(html);
            dom::find(&target("#far", vec![])).map(|f| f.el.id())
        });
        assert_eq!(found.as_deref(), Some("far"), "{name}");
    }
}

#[wasm_bindgen_test]
fn regression_a_menu_pushed_past_a_page_that_hides_its_overflow_counted_as_on_the_canvas() {
    // (case, root style, body style, found)
    let cases = [
        ("the body hides horizontal overflow", "", "overflow-x:hidden", MENU, None),
        ("the root clips horizontal overflow", "overflow-x:clip", "", MENU, None),
        // Review: the body, its own scroller beside a root that always shows a scrollbar,
        // was measured instead of the menu it clips.
        ("the body scrolls and hides horizontal overflow", "overflow-y:scroll", "overflow-x:hidden", MENU, None),
        ("a page that scrolls sideways reaches it", "", "", MENU, Some("far")),
        // Review: a scroll lock (the app's modal open) is no reason to give up on what lies
        // below the fold.
        ("a page locked vertically still has its fold", "overflow:hidden", "", BELOW, Some("far")),
    ];
    const MENU: &str = r#"<nav style="position:absolute;top:0;left:100%;width:200px"><a id="far" href="/w">Widgets</a></nav>"#;
    const BELOW: &str = r#"<div style="height:3000px"></div><a id="far" href="/w">Widgets</a>"#;
    for (name, root_style, body_style, html, want) in cases {
        let found = with_page_style(root_style, body_style, || {
            fixture(html);
            dom::find(&target("#far", vec![])).map(|f| f.el.id())
        });
        assert_eq!(found.as_deref(), want, "{name}");
    }
}

#[wasm_bindgen_test]
async fn a_menu_that_slides_onto_the_canvas_is_found_when_its_transition_ends() {
    let area = fixture(
        r#"<nav id="menu" style="position:absolute;left:0;top:0;width:200px;transform:translateX(-250px);transition:transform 60ms linear"><a id="item" href="/w">Widgets</a></nav>"#,
    );
    let pending = wait(target("#item", vec![]), 3000);
    // The class change the observer sees starts the transition; the item is still off the
    // canvas then, and only the transition's end brings it on.
    let menu: web_sys::HtmlElement = area.query_selector("#menu").unwrap().unwrap().unchecked_into();
    menu.style().set_property("transform", "none").unwrap();
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "item");
}

#[wasm_bindgen_test]
async fn a_menu_that_slides_in_inside_a_shadow_root_is_found_when_its_transition_ends() {
    let area = fixture(r#"<div id="host"></div>"#);
    let root = shadow(
        &area,
        "#host",
        r#"<nav id="menu" style="position:absolute;left:0;top:0;width:200px;transform:translateX(-250px);transition:transform 60ms linear"><a id="inner" href="/w">Widgets</a></nav>"#,
    );
    let pending = wait(target("#inner", vec![]), 3000);
    let menu: web_sys::HtmlElement = root.get_element_by_id("menu").unwrap().unchecked_into();
    menu.style().set_property("transform", "none").unwrap();
    assert_eq!(pending.await.unwrap().as_string().unwrap(), "inner");
}

#[wasm_bindgen_test]
async fn a_missing_element_times_out() {
    fixture("<p>nothing here</p>");
    assert_eq!(wait(target("#never", vec![]), 150).await.unwrap().as_string().unwrap(), "");
}

/// (case, markup, shadow markup for `#host` if any, whether `#t` scrolls with the page)
fn check_scrolls_with_page(cases: &[(&str, &str, Option<&str>, bool)]) {
    for (name, html, inner, want) in cases {
        let area = fixture(html);
        let el = match inner {
            Some(inner) => shadow(&area, "#host", inner).get_element_by_id("t"),
            None => doc().get_element_by_id("t"),
        };
        let found = dom::Found { el: el.expect("the fixture has #t"), frames: vec![] };
        assert_eq!(dom::scrolls_with_page(&found), *want, "{name}");
    }
}

#[wasm_bindgen_test]
fn a_target_scrolls_with_the_page_unless_something_up_its_tree_is_fixed_or_sticky() {
    check_scrolls_with_page(&[
        ("in the flow", r#"<div><p><button id="t">Go</button></p></div>"#, None, true),
        (
            "in a relative box that scrolls its own content",
            r#"<div style="position:relative;overflow:auto;height:50px"><button id="t">Go</button></div>"#,
            None,
            true,
        ),
        ("itself fixed", r#"<button id="t" style="position:fixed;bottom:0">Go</button>"#, None, false),
        ("in a sticky toolbar", r#"<div style="position:sticky;top:0"><span><button id="t">Go</button></span></div>"#, None, false),
        (
            "in a fixed launcher, inside its shadow root",
            r#"<div id="host" style="position:fixed;right:0;bottom:0"></div>"#,
            Some(r#"<button id="t">Chat</button>"#),
            false,
        ),
        ("inside a shadow root in the flow", r#"<div id="host"></div>"#, Some(r#"<div><button id="t">Go</button></div>"#), true),
    ]);
    // Regression: a light-DOM element slotted into a fixed drawer of a web component's
    // shadow tree was walked up its light-DOM parents only, and taken to scroll with the page.
    let area = fixture(r#"<div id="host"><button id="t">Slotted</button></div>"#);
    shadow(&area, "#host", r#"<div style="position:fixed;right:0;bottom:0"><slot></slot></div>"#);
    let found = dom::Found { el: doc().get_element_by_id("t").expect("#t"), frames: vec![] };
    assert!(!dom::scrolls_with_page(&found), "slotted into a fixed drawer");
}

/// (case, markup with `#modal` and `#host`, what to focus (`#id`, or `host:` and a selector
/// in the host's shadow root, or nothing), id of where `home_for` puts the host)
fn check_home(cases: &[(&str, &str, Option<&str>, &str)]) {
    for (name, html, focus, want) in cases {
        let area = fixture(html);
        let sr = shadow(&area, "#host", r#"<div class="box" tabindex="-1"><button id="step-btn">Next</button></div>"#);
        let host = area.query_selector("#host").unwrap().unwrap();
        let el = match focus {
            Some(f) if f.starts_with("host:") => sr.query_selector(&f[5..]).unwrap(),
            Some(f) => area.query_selector(f).unwrap(),
            None => None,
        };
        if let Some(e) = el {
            e.unchecked_into::<web_sys::HtmlElement>().focus().unwrap();
        }
        let home = dom::modal::home_for(&doc(), &host).map(|e| e.id());
        assert_eq!(home.as_deref(), Some(*want), "{name}");
    }
}

#[wasm_bindgen_test]
fn the_host_goes_where_the_pages_modal_traps_the_focus() {
    const BOX: &str = "width:300px;height:200px";
    check_home(&[
        // Regression: Element Plus traps the focus in `.el-dialog`, inside the
        // `[aria-modal]` overlay; a step beside it was never reached with Tab.
        (
            "Element Plus: the focus in a field of its dialog",
            &format!(
                r#"<div id="modal" role="dialog" aria-modal="true" style="{BOX}"><div id="trap" tabindex="-1"><div tabindex="-1"><input id="field"></div></div></div><div id="host"></div>"#
            ),
            Some("#field"),
            "trap",
        ),
        (
            "the focus fell to the body: where the host already is",
            &format!(
                r#"<div id="modal" aria-modal="true" style="{BOX}"><div id="trap" tabindex="-1"><input id="field"><div id="host"></div></div></div>"#
            ),
            None,
            "trap",
        ),
        // Review: the step's own box is focusable by script too, in the host's shadow root.
        (
            "the focus in the step, the host in the modal itself",
            &format!(r#"<div id="modal" aria-modal="true" tabindex="-1" style="{BOX}"><input id="field"><div id="host"></div></div>"#),
            Some("host:#step-btn"),
            "modal",
        ),
        // Review: a widget that moves the focus among its items is no place for the host.
        (
            "the focus in a tree inside the modal",
            &format!(
                r#"<div id="modal" aria-modal="true" style="{BOX}"><div role="tree" tabindex="-1"><div role="treeitem" id="item" tabindex="0">a</div></div></div><div id="host"></div>"#
            ),
            Some("#item"),
            "modal",
        ),
    ]);
}

// Regressions from a review: an element with `overflow: hidden` but no box (an inline
// span) hid every step inside it for good; a fixed target escapes the clip above it.
#[wasm_bindgen_test]
fn a_target_is_clipped_out_only_by_boxes_that_clip_it() {
    let cases = [
        (
            "inside a scroller, in view",
            r#"<div style="height:60px;overflow:auto"><button id="t">In</button><div style="height:500px"></div></div>"#,
            false,
        ),
        (
            "scrolled out of a scroller",
            r#"<div style="height:60px;overflow:auto"><div style="height:500px"></div><button id="t">Far</button></div>"#,
            true,
        ),
        ("an inline element with overflow: hidden", r#"<span style="overflow:hidden"><button id="t">In a span</button></span>"#, false),
        // Regression from reveal.js at a large window: its deck is scaled up, and the
        // scroller's unscaled client height put the clip's bottom above the target.
        (
            "inside a scroller scaled up by a transform, in view",
            r#"<div style="transform:scale(1.5);transform-origin:0 0"><div style="height:200px;overflow:auto"><div style="height:150px"></div><button id="t">Low in view</button><div style="height:500px"></div></div></div>"#,
            false,
        ),
        (
            "a fixed target below a clipping box",
            r#"<div style="height:10px;width:10px;overflow:hidden"><button id="t" style="position:fixed;left:40px;top:40px">Fixed</button></div>"#,
            false,
        ),
        // Regression from TiddlyWiki: its "more actions" dropdown is positioned absolutely
        // from the tiddler's frame, below a title bar that hides its overflow; the step
        // stayed hidden, counted as viewed, and never ended.
        (
            "a dropdown positioned from beyond a box that hides its overflow",
            r#"<div style="position:relative;height:200px"><div style="height:20px;overflow:hidden"><span style="position:absolute;left:0;top:60px"><button id="t">Clone</button></span></div></div>"#,
            false,
        ),
        (
            "the same dropdown positioned from inside that box",
            r#"<div style="position:relative;height:200px"><div style="position:relative;height:20px;overflow:hidden"><span style="position:absolute;left:0;top:60px"><button id="t">Clone</button></span></div></div>"#,
            true,
        ),
    ];
    for (name, html, want) in cases {
        let area = fixture(html);
        let el = area.query_selector("#t").unwrap().unwrap();
        assert_eq!(dom::clipped_out(&el, &dom::clippers(&el)), want, "{name}");
    }
}

/// Scrolls `el` into view as the overlay does a new target.
fn scroll(el: &web_sys::Element) {
    let found = dom::Found { el: el.clone(), frames: vec![] };
    dom::scroll_into_view(&found, &dom::clippers(el), !dom::scrolls_with_page(&found));
}

// Regressions from CoreUI and reveal.js: a row below the fold of a card's scrolling list, but
// inside the viewport, was not scrolled into view (the step stayed hidden, counted as
// viewed); a slide outside the deck was scrolled to by the browser, inside the deck that
// hides its overflow, which then showed none of its slides.
#[wasm_bindgen_test]
fn scrolling_into_view_scrolls_a_list_but_never_a_box_that_hides_its_overflow() {
    let area = fixture(
        r#"<div id="card" style="height:100px;overflow:auto"><div style="height:150px"></div><button id="row">Row</button></div>
           <div id="deck" style="width:200px;height:60px;overflow:hidden;white-space:nowrap"><span style="display:inline-block;width:400px">a</span><b id="slide">Slide</b></div>"#,
    );
    let el = |id: &str| area.query_selector(&format!("#{id}")).unwrap().unwrap();
    scroll(&el("row"));
    assert!(el("card").scroll_top() > 0, "the list scrolled");
    assert!(!dom::clipped_out(&el("row"), &dom::clippers(&el("row"))), "the row is in the list's view");
    scroll(&el("slide"));
    assert_eq!(el("deck").scroll_left(), 0, "the deck's scroll is its own");
}

// Regressions from a review: a sidebar that hides its sideways overflow and scrolls
// vertically (CoreUI's, SimpleBar's `hidden scroll`) had its scroll put back, and so had the
// page under `html { overflow-x: hidden }`.
#[wasm_bindgen_test]
fn scrolling_into_view_keeps_what_scrolls_vertically_under_a_sideways_hidden_overflow() {
    let area = fixture(
        r#"<nav id="side" style="height:100px;overflow-x:hidden;overflow-y:auto"><div style="height:300px"></div><a id="deep" href="/x">Deep</a></nav>
           <div style="height:3000px"></div><button id="low">Low</button>"#,
    );
    let el = |id: &str| area.query_selector(&format!("#{id}")).unwrap().unwrap();
    scroll(&el("deep"));
    assert!(el("side").scroll_top() > 0, "the sidebar scrolled");
    let win = web_sys::window().unwrap();
    with_page_style("overflow-x:hidden", "", || {
        scroll(&el("low"));
        assert!(win.scroll_y().unwrap() > 1000.0, "the page scrolled to the far button");
    });
    win.scroll_to_with_x_and_y(0.0, 0.0);
}

/// (case, markup, id of the target, whether the page's layer lies over it)
fn check_under_layer(cases: &[(&str, &str, &str, bool)]) {
    for (name, html, id, want) in cases {
        let area = fixture(html);
        // A `<dialog data-modal>` is shown modal (`showModal`), and closed after.
        let dialog = area.query_selector("dialog[data-modal]").unwrap();
        let call = |d: &web_sys::Element, method: &str| {
            let f: js_sys::Function = js_sys::Reflect::get(d, &method.into()).unwrap().unchecked_into();
            f.call0(d).unwrap();
        };
        if let Some(d) = &dialog {
            call(d, "showModal");
        }
        let el = area.query_selector(&format!("#{id}")).unwrap().expect(name);
        let found = dom::Found { el, frames: vec![] };
        let got = dom::under_layer(&found, found.rect(), dom::viewport());
        if let Some(d) = &dialog {
            call(d, "close");
        }
        assert_eq!(got, *want, "{name}");
    }
}

// Regression from TiddlyWiki: its modal is a fixed wrapper over the page (no aria-modal);
// the step stayed on top of it, pointing at the dimmed page behind.
#[wasm_bindgen_test]
fn a_page_wide_layer_over_the_target_hides_it_and_nothing_else_does() {
    check_under_layer(&[
        ("nothing over it", r#"<button id="t">Go</button>"#, "t", false),
        (
            "the app's modal wrapper over the whole page",
            r#"<button id="t">Go</button><div style="position:fixed;inset:0;z-index:9;background:#0008"><p>Modal</p></div>"#,
            "t",
            true,
        ),
        (
            "a target inside the app's modal",
            r#"<div style="position:fixed;inset:0;z-index:9;background:#0008"><button id="t">Save</button></div>"#,
            "t",
            false,
        ),
        (
            "an app whose shell is a fixed box over the page, with a sibling over the target",
            r#"<div style="position:fixed;inset:0"><button id="t" style="margin:20px">Go</button><span style="position:absolute;left:0;top:0;width:200px;height:80px"></span></div>"#,
            "t",
            false,
        ),
        (
            "a target inside a modal <dialog>, under a styled knob",
            r#"<dialog data-modal><label style="position:relative;display:inline-block"><input id="t" type="checkbox"><span style="position:absolute;inset:0;background:#888"></span></label></dialog>"#,
            "t",
            false,
        ),
        (
            "a modal <dialog> over the target",
            r#"<button id="t" style="position:fixed;top:40px;left:10px">Go</button><dialog data-modal>Settings</dialog>"#,
            "t",
            true,
        ),
        (
            "a layer the pointer goes through",
            r#"<button id="t">Go</button><div style="position:fixed;inset:0;z-index:9;pointer-events:none"></div>"#,
            "t",
            false,
        ),
        (
            "a fixed bar over part of the page",
            r#"<button id="t" style="position:fixed;top:40px;left:10px">Go</button><div style="position:fixed;left:0;top:0;right:0;height:120px;z-index:9"></div>"#,
            "t",
            false,
        ),
    ]);
}

// From CKEditor 5, TinyMCE, Quill, Fomantic UI and Handsontable, and a review: where the
// page's focus is its own to keep (a step that took it closed the menu, or took the keys),
// and where it is not (keyboard users must reach the step).
#[wasm_bindgen_test]
fn the_focus_in_the_pages_open_menus_and_own_widgets_is_left_there() {
    let cases: [(&str, &str, bool); 8] = [
        ("a menu's item", r#"<ul role="menu"><li><button id="f" role="menuitem">Bold</button></li></ul>"#, true),
        ("an expanded toggle", r#"<button id="f" aria-expanded="true">Heading</button>"#, true),
        (
            "beside an expanded toggle",
            r#"<div><span aria-expanded="true">Size</span><div><span id="f" tabindex="0" role="button">Large</span></div></div>"#,
            true,
        ),
        ("a grid's cell", r#"<table role="grid"><tr><td id="f" tabindex="0">1</td></tr></table>"#, true),
        ("a widget of the app's own making", r#"<div id="f" tabindex="0">Role ▾</div>"#, true),
        ("a heading a router focused", r#"<h1 id="f" tabindex="-1">Orders</h1><div tabindex="-1">x</div>"#, false),
        ("a role=button div", r#"<div id="f" tabindex="0" role="button">Save</div>"#, false),
        ("a scrolling region", r#"<div id="f" tabindex="0" style="height:20px;overflow:auto"><p>a</p><p>b</p><p>c</p></div>"#, false),
    ];
    for (name, html, want) in cases {
        let area = fixture(html);
        let el = area.query_selector("#f").unwrap().expect(name);
        assert_eq!(dom::in_open_popup(&el), want, "{name}");
    }
}
