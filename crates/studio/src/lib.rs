//! Guidepost Studio (served at `/studio/`) and the in-app designer (loaded by the embed in
//! designer mode): no-code authoring on `guidepost-core`, in leptos.
//!
//! - [`doc`], [`summary`]: pure logic on the guide's JSON value (paths, step edits,
//!   templates, translations, diffs, the targeting sentence), tested natively.
//! - [`api`]: the collector's HTTP API.
//! - [`app`], [`editor`], [`targeting`], [`panels`]: the Studio's screens.
//! - [`designer`]: the panel on the customer's app.

pub mod doc;
pub mod summary;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod designer;
#[cfg(target_arch = "wasm32")]
pub mod editor;
#[cfg(target_arch = "wasm32")]
pub mod fields;
#[cfg(target_arch = "wasm32")]
mod panel_host;
#[cfg(target_arch = "wasm32")]
pub mod panels;
#[cfg(target_arch = "wasm32")]
pub mod targeting;

#[cfg(target_arch = "wasm32")]
mod entry {
    use wasm_bindgen::prelude::*;

    /// Mounts the Studio into the page's `<body>`.
    #[wasm_bindgen]
    pub fn studio_main() {
        console_panics();
        leptos::mount::mount_to_body(crate::app::App);
    }

    /// Mounts the designer panel on the host page: `base` is the collector's URL,
    /// `session` the designer session, `guide_id` the guide it edits.
    #[wasm_bindgen]
    pub fn designer_main(base: String, session: String, guide_id: String) {
        console_panics();
        crate::designer::mount(base, session, guide_id);
    }

    fn console_panics() {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&format!("[guidepost studio] {info}").into());
        }));
    }
}
