//! Helpers for the browser unit tests of the three modules (wasm-bindgen-test in headless
//! Chromium, `scripts/test-wasm.sh`). Only with the `test-support` feature, which the
//! modules enable for their tests alone. Markup is the tests' own fixture, not author content.

use guidepost_core::{Fallback, Target};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

pub fn doc() -> Document {
    crate::document().expect("a document")
}

/// Replaces the test area's content with `html` and returns the area.
pub fn fixture(html: &str) -> Element {
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

pub fn target(selector: &str, fallbacks: Vec<Fallback>) -> Target {
    Target { selector: selector.into(), text: None, fallbacks }
}

pub fn text_fallback(text: &str) -> Fallback {
    Fallback { text: Some(text.into()), tag: None, attribute: None, value: None }
}

/// Resolves on the next animation frame.
pub async fn next_frame() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Waits, frame by frame, until `cond` holds (a deterministic signal instead of a fixed
/// sleep); panics, naming `what`, after 120 frames without it.
pub async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..120 {
        if cond() {
            return;
        }
        next_frame().await;
    }
    panic!("still waiting for {what} after 120 frames");
}

/// Attaches an open shadow root with `html` to the element `host` of the fixture.
pub fn shadow(area: &Element, host: &str, html: &str) -> web_sys::ShadowRoot {
    let host = area.query_selector(host).unwrap().unwrap();
    let sr = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).unwrap();
    sr.set_inner_html(html);
    sr
}
