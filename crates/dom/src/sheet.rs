//! Styles for a shadow root under a strict Content-Security-Policy. A `style-src` without
//! `'unsafe-inline'` refuses `<style>` elements and `style` attributes, but not a
//! constructed stylesheet adopted by the root, nor styles set through the CSSOM. The
//! overlay and the designer's panel style their shadow roots here.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Styles `shadow` with `css` through a constructed stylesheet; a `<style>` element is the
/// fallback for browsers without constructable stylesheets.
pub fn adopt_css(doc: &web_sys::Document, shadow: &web_sys::ShadowRoot, css: &str) {
    let adopted = (|| -> Result<(), JsValue> {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"CSSStyleSheet".into())?.dyn_into()?;
        let sheet = js_sys::Reflect::construct(&ctor, &js_sys::Array::new())?;
        let replace: js_sys::Function = js_sys::Reflect::get(&sheet, &"replaceSync".into())?.dyn_into()?;
        replace.call1(&sheet, &JsValue::from_str(css))?;
        js_sys::Reflect::set(shadow, &"adoptedStyleSheets".into(), &js_sys::Array::of1(&sheet))?;
        Ok(())
    })();
    if adopted.is_err() {
        if let Ok(style) = doc.create_element("style") {
            style.set_text_content(Some(css));
            let _ = shadow.append_child(&style);
        }
    }
}
