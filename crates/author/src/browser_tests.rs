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
        ("a link by where it goes", r#"<a href="/reports" class="nav-link">Reports</a>"#, "a", r#"a[href="/reports"]"#, 1),
        (
            "generated and state classes are skipped, a stable one is kept",
            r#"<div class="css-1x2y3z active"><span>a</span></div><div class="css-9q8w7e panel active"><span>b</span></div>"#,
            ".panel",
            "div.panel",
            1,
        ),
    ];
    for (name, html, pick, want, n) in cases {
        check_pick(name, html, pick, want, n);
    }
}

// Regressions from SB Admin 2 (real-apps.test.mjs has the page itself): the structural path
// stopped after five levels and matched 18 elements, a duplicated id was taken as unique
// and named the first of the two, and a shared class went unused as an anchor.
#[wasm_bindgen_test]
fn picker_names_are_unique_and_name_the_picked_element() {
    let cards = r#"<div class="card border-left-primary"><div class="row"><div class="h5">$40,000</div></div></div>
        <div class="card border-left-success"><div class="row"><div class="h5">$215,000</div></div></div>"#;
    let dup = r##"<div class="col-8"><a id="menuLink" href="#">a</a></div><div class="col-4"><a id="menuLink" href="#">b</a></div>"##;
    let deep = "<div><div><div><div><div><div><p>x</p></div></div></div></div></div></div><div><div><div><div><div><div><p>y</p></div></div></div></div></div></div>";
    let cases = [
        ("a class of an ancestor anchors a shared one", cards, ".border-left-success .h5", "div.border-left-success div.h5", 1),
        ("a duplicated id is anchored by its ancestor", dup, ".col-4 a", "div.col-4 #menuLink", 1),
        (
            "a path with no names goes up to an anchor (here seven levels up)",
            deep,
            "div:nth-child(2) p",
            "#gp-test-area > div:nth-of-type(2) > div > div > div > div > div > p",
            1,
        ),
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
    let button = sr.query_selector("button").unwrap().unwrap();
    assert_eq!(pick_by_press(&button).await, (Some(r#"[data-tour="deep-pick"]"#.to_string()), Some(1.0)));
}

// Regression from Ionic: the native `<button>` inside `<ion-button id="compose">`'s shadow
// root was named `button`, which every ion-button's shadow root has, and which the runtime
// found first in the page's own light DOM. The component is named instead.
#[wasm_bindgen_test]
async fn picking_inside_a_components_shadow_root_names_the_component_when_the_inside_has_no_name() {
    let area = fixture(r#"<button>Page's own</button><x-btn id="compose">Compose</x-btn><x-btn id="send">Send</x-btn>"#);
    let inside = r#"<button class="native" part="native"><span><slot></slot></span></button>"#;
    let compose = shadow(&area, "#compose", inside);
    shadow(&area, "#send", inside);
    let native = compose.query_selector("button").unwrap().unwrap();
    assert_eq!(pick_by_press(&native).await, (Some("#compose".to_string()), Some(1.0)));
    // The answer says the component was named, not what was clicked.
    let result = press_to_pick(&native).await;
    assert_eq!(js_sys::Reflect::get(&result, &"component".into()).unwrap().as_string().as_deref(), Some("x-btn"));
    // What can be named inside the shadow root alone still is.
    let labelled = shadow(&fixture(r#"<x-fab id="fab"></x-fab>"#), "#fab", r#"<button aria-label="New message">+</button>"#);
    let button = labelled.query_selector("button").unwrap().unwrap();
    assert_eq!(pick_by_press(&button).await, (Some(r#"button[aria-label="New message"]"#.to_string()), Some(1.0)));
}

/// Picks `el` as a pointer's release on it would (the picker answers on `pointerup`).
async fn pick_by_press(el: &web_sys::Element) -> (Option<String>, Option<f64>) {
    let result = press_to_pick(el).await;
    let selector = js_sys::Reflect::get(&result, &"selector".into()).unwrap().as_string();
    (selector, js_sys::Reflect::get(&result, &"matches".into()).unwrap().as_f64())
}

/// The picker's whole answer to a pointer's release on `el`.
async fn press_to_pick(el: &web_sys::Element) -> JsValue {
    let promise: js_sys::Promise = pick(JsValue::UNDEFINED).unwrap().unchecked_into();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let up = web_sys::MouseEvent::new_with_mouse_event_init_dict("pointerup", &init).unwrap();
    el.dispatch_event(&up).unwrap();
    JsFuture::from(promise).await.unwrap()
}

// Regression: a press on the page's background (below the content, in SB Admin 2's empty
// lower half) answered an empty selector, which the designer saved as the step's target.
#[wasm_bindgen_test]
async fn picking_the_background_names_the_body() {
    let body = web_sys::window().unwrap().document().unwrap().body().unwrap();
    assert_eq!(pick_by_press(&body).await, (Some("body".to_string()), Some(1.0)));
}

// Regression: clicking the icon or the label inside a link named the icon (`li > a > i`),
// which the author did not mean, and which a re-styled icon breaks.
#[wasm_bindgen_test]
async fn picking_the_icon_inside_a_link_picks_the_link() {
    let area = fixture(r#"<a href="/charts" class="nav-link"><i class="fa fa-chart"></i><span>Charts</span></a>"#);
    let icon = area.query_selector("i").unwrap().unwrap();
    assert_eq!(pick_by_press(&icon).await, (Some(r#"a[href="/charts"]"#.to_string()), Some(1.0)));
}

#[wasm_bindgen_test]
fn picked_targets_carry_a_text_fallback() {
    let area = fixture(r#"<button data-tour="export">  Export   CSV </button>"#);
    let (t, _) = robust_target(&area.query_selector("button").unwrap().unwrap());
    assert_eq!(t.fallbacks.len(), 1);
    assert_eq!(t.fallbacks[0].text.as_deref(), Some("Export CSV"));
    assert_eq!(t.fallbacks[0].tag.as_deref(), Some("button"));
}

/// Picks the element `pick` (a selector inside `html`) and checks the text the target must
/// also have: none when the selector names the element by something of its own.
fn check_pick_text(name: &str, html: &str, pick: &str, want: Option<&str>) {
    let area = fixture(html);
    let el = area.query_selector(pick).unwrap().unwrap_or_else(|| panic!("{name}: fixture lacks {pick}"));
    let (t, _) = robust_target(&el);
    assert_eq!(t.text.as_deref(), want, "{name}: {}", t.selector);
    assert!(find(&t).is_some_and(|f| f.el == el), "{name}: {} finds another element", t.selector);
}

// Regression: on Notus (Tailwind, no class names of the app's own) headings were named by
// their colour utility (`h2.text-white`) alone: a heading of that colour added to the page
// before it would have been taken for it.
#[wasm_bindgen_test]
fn picked_targets_whose_selector_names_nothing_of_the_element_also_need_its_text() {
    let tailwind = r#"<div class="flex"><h2 class="text-white text-xl font-semibold">Sales  value</h2><h2 class="text-blueGray-700 text-xl">Total orders</h2></div>"#;
    let cases = [
        ("a Tailwind utility", tailwind, "h2", Some("Sales value")),
        ("a structural path", "<ul><li>one</li><li>two</li></ul>", "li:nth-child(2)", Some("two")),
        ("a framework's class", r#"<div><button class="btn btn-primary">Save</button></div>"#, "button", Some("Save")),
        ("an id", r#"<h2 id="sales" class="text-white">Sales</h2><h2 class="text-white">Orders</h2>"#, "#sales", None),
        ("the app's own class", r#"<button class="btn save-report">Save</button>"#, "button", None),
        ("a data attribute", r#"<button data-tour="save" class="btn">Save</button>"#, "button", None),
        ("live text, with digits", r#"<span class="badge">3 new</span><span class="badge">!</span>"#, "span", None),
    ];
    for (name, html, pick, want) in cases {
        check_pick_text(name, html, pick, want);
    }
    // Regression: text now required for such selectors, a greeting or a name in the app's
    // header written as the target's text would have kept the step from every other user.
    crate::pick::set_personal(r#"{"ctx":{"user_id":"u-42","traits":{"name":"Ada Lovelace","email":"ada@acme.io","plan":"pro"}}}"#);
    let personal = [
        ("the author's name", r#"<div><span class="small text-gray-600">Ada Lovelace</span></div>"#, "span", None),
        ("a greeting with the first name", r#"<div><h2 class="text-xl">Welcome back, Ada.</h2></div>"#, "h2", None),
        ("the author's email", r#"<div><span class="small">ada@acme.io</span></div>"#, "span", None),
        ("a short trait value is everyone's word", r#"<div><span class="badge">Pro plan</span></div>"#, "span", Some("Pro plan")),
    ];
    for (name, html, pick, want) in personal {
        check_pick_text(name, html, pick, want);
    }
    crate::pick::set_personal("");
}

// Regression from Summernote (Tabler): a click on the text in a rich-text editor named the
// paragraph with its text (`div.note-editable p` + "Hello world…"): what the user writes
// differs, and the step was missing for every user.
#[wasm_bindgen_test]
async fn picking_inside_a_rich_text_editor_names_the_editor_without_its_text() {
    let area = fixture(
        r#"<div class="note-editor"><div class="note-editable" contenteditable="true"><p>Hello <b>world</b>, start writing here.</p></div></div>"#,
    );
    let bold = area.query_selector("b").unwrap().unwrap();
    assert_eq!(pick_by_press(&bold).await, (Some("div.note-editable".to_string()), Some(1.0)));
    let result = press_to_pick(&bold).await;
    let target = js_sys::Reflect::get(&result, &"target".into()).unwrap();
    assert!(js_sys::Reflect::get(&target, &"text".into()).unwrap().is_undefined(), "no text condition");
    assert!(js_sys::Reflect::get(&target, &"fallbacks".into()).unwrap().is_undefined(), "no text fallback");
}

// Regression from Swagger UI: with one operation open, the picker named its "Try it out"
// button `button.try-out__btn`, which every operation's button matches once several are
// open (the first of them is taken), and their texts are the same.
#[wasm_bindgen_test]
fn picker_anchors_a_class_unique_only_in_the_block_shown_open() {
    let cases = [
        (
            "one of several blocks open: anchored on the block's id",
            r#"<div class="opblock" id="op-add"><div class="body"><button class="try-out__btn">Try it out</button></div></div><div class="opblock" id="op-get"><div class="body"></div></div>"#,
            "#op-add button",
            "#op-add button.try-out__btn",
        ),
        (
            "the block has no name of its own: the class alone",
            r#"<div class="opblock"><div class="body"><button class="try-out__btn">Try it out</button></div></div><div class="opblock"></div>"#,
            "button",
            "button.try-out__btn",
        ),
        (
            "a block named by its record's data: the class alone",
            r#"<div class="card" data-id="17"><button class="card-menu">⋯</button></div><div class="card" data-id="18"></div>"#,
            "button",
            "button.card-menu",
        ),
        (
            "a block of its own kind: the class alone",
            r#"<div class="panel" id="reports"><button class="export">Export</button></div>"#,
            "button",
            "button.export",
        ),
    ];
    for (name, html, pick, want) in cases {
        check_pick(name, html, pick, want, 1);
    }
}
