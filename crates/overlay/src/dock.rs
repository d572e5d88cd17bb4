//! What the page keeps fixed in the viewport's bottom corners, where a checklist docks: a
//! chat launcher (Intercom's, Crisp's, at z-index 2147483647) that the checklist, in the top
//! layer, would cover, so that the user could not open the chat. Read here, at most twice a
//! second (it hit-tests the page); core's `dock_position` places the box clear of them.

use std::cell::RefCell;

use guidepost_core::{FloatSize, Rect};
use guidepost_dom::{document, pinned};
use wasm_bindgen::JsCast;

/// How far a docked box stays from the viewport's edges.
pub const MARGIN: f64 = 16.0;

/// How long a reading stands.
const FRESH_MS: f64 = 500.0;

thread_local! {
    /// The last reading: when, what, and whether a reading is due when it goes stale.
    static CACHE: RefCell<Option<(f64, Vec<Rect>, bool)>> = const { RefCell::new(None) };
}

/// The boxes of what the page keeps fixed where a box of `size` could dock (both bottom
/// corners, up to the middle of the viewport), read at most twice a second. Asked again
/// within that time (the page changed: a chat widget that loads late), the box is placed
/// again once the reading goes stale, so the last change is always seen.
pub fn obstacles(vp: Rect, size: FloatSize) -> Vec<Rect> {
    let now = js_sys::Date::now();
    let fresh = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let (at, found, due) = c.as_mut().filter(|(at, _, _)| (0.0..FRESH_MS).contains(&(now - *at)))?;
        if !*due {
            *due = true;
            let wait = std::time::Duration::from_millis((FRESH_MS - (now - *at)).ceil() as u64);
            leptos::prelude::set_timeout(
                || {
                    if guidepost_dom::alive() {
                        CACHE.with(|c| *c.borrow_mut() = None);
                        crate::place::reposition_soon();
                    }
                },
                wait,
            );
        }
        Some(found.clone())
    });
    if let Some(found) = fresh {
        return found;
    }
    let found = read(vp, size);
    CACHE.with(|c| *c.borrow_mut() = Some((now, found.clone(), false)));
    found
}

fn read(vp: Rect, size: FloatSize) -> Vec<Rect> {
    let Some(doc) = document() else { return vec![] };
    let w = size.width.min(vp.width);
    let mut seen: Vec<web_sys::Element> = Vec::new();
    let mut out = Vec::new();
    for x0 in [vp.right() - MARGIN - w, vp.x + MARGIN] {
        for i in 0..4 {
            for j in 0..6 {
                let x = x0 + w * (f64::from(i) + 0.5) / 4.0;
                let y = vp.bottom() - vp.height / 2.0 * (f64::from(j) + 0.5) / 6.0;
                // The page's topmost element there, under Guidepost's own host (which the
                // document's hit test gives for anything in its shadow tree).
                let stack = doc.elements_from_point(x as f32, y as f32);
                let top = stack.iter().map(|e| e.unchecked_into::<web_sys::Element>()).find(|e| {
                    !matches!(e.tag_name().to_ascii_lowercase().as_str(), "guidepost-root" | "guidepost-designer")
                        && !e.has_attribute("data-guidepost-picker")
                });
                let Some(el) = top.and_then(|e| pinned(&e)) else { continue };
                if seen.contains(&el) {
                    continue;
                }
                let r = el.get_bounding_client_rect();
                seen.push(el);
                // Half the viewport or more is an app's own frame (a fixed shell, a sidebar),
                // not a widget in a corner: the box may go over it, as any step does.
                if r.width() * r.height() < vp.width * vp.height / 2.0 {
                    out.push(Rect::new(r.x(), r.y(), r.width(), r.height()));
                }
            }
        }
    }
    out
}
