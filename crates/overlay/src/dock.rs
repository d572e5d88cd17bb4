//! What the page keeps fixed in the viewport's bottom corners, where a checklist docks: a
//! chat launcher (Intercom's, Crisp's, at z-index 2147483647) that the checklist, in the top
//! layer, would cover, so that the user could not open the chat. Read here by hit-testing
//! where the box would sit, at points at most 34 px apart (a launcher is round: its corners
//! are not hit, and a 48 px circle always holds such a point), at most twice a second per
//! corner, the other corner only when the first has no room; core's `dock_position` places
//! the box clear of what is found.

use std::cell::RefCell;

use guidepost_core::{dock_corners, dock_position, FloatSize, Position, Rect};
use guidepost_dom::{document, pinned};

/// How far a docked box stays from the viewport's edges.
const MARGIN: f64 = 16.0;
/// How long a reading stands.
const FRESH_MS: f64 = 500.0;
/// The most room between two points hit-tested where the box would sit.
const PITCH: f64 = 34.0;

/// One corner's reading: which corner (0: the one tried first), when it was read, what
/// was found.
type Reading = (usize, f64, Vec<Rect>);

thread_local! {
    /// The last reading of each corner, and whether the box is to be placed again once a
    /// reading goes stale.
    static CACHE: RefCell<(Vec<Reading>, bool)> = const { RefCell::new((Vec::new(), false)) };
}

/// Where a box of `size` docks: its corner (the right one, the left one on a right-to-left
/// page), clear of what the page pins there, else the other corner (read only then).
pub fn place(vp: Rect, size: FloatSize, rtl: bool) -> Position {
    let corners = dock_corners(size, vp, rtl, MARGIN);
    let mut found = obstacles(vp, size, corners, 0);
    let pos = dock_position(size, vp, rtl, MARGIN, &found);
    if pos.x == corners[0] {
        return pos;
    }
    found.extend(obstacles(vp, size, corners, 1));
    dock_position(size, vp, rtl, MARGIN, &found)
}

/// What the page pins in corner `corner` of `corners`, read at most twice a second. Asked
/// again within that time (the page changed: a chat widget that loads late), the box is
/// placed again once the reading goes stale, so the last change is always seen.
fn obstacles(vp: Rect, size: FloatSize, corners: [f64; 2], corner: usize) -> Vec<Rect> {
    let now = js_sys::Date::now();
    let cached = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let (readings, due) = &mut *c;
        readings.retain(|(_, at, _)| (0.0..FRESH_MS).contains(&(now - at)));
        let (_, at, found) = readings.iter().find(|(c, _, _)| *c == corner)?;
        if !*due {
            *due = true;
            let wait = std::time::Duration::from_millis((FRESH_MS - (now - at)).ceil() as u64);
            leptos::prelude::set_timeout(
                || {
                    if guidepost_dom::alive() {
                        CACHE.with(|c| *c.borrow_mut() = (Vec::new(), false));
                        crate::place::reposition_soon();
                    }
                },
                wait,
            );
        }
        Some(found.clone())
    });
    if let Some(found) = cached {
        return found;
    }
    let found = read(vp, size, corners[corner]);
    CACHE.with(|c| c.borrow_mut().0.push((corner, now, found.clone())));
    found
}

fn read(vp: Rect, size: FloatSize, x0: f64) -> Vec<Rect> {
    let Some(doc) = document() else { return vec![] };
    let w = size.width.min(vp.width);
    // Where the box would sit, to the viewport's edge, at most `PITCH` apart; then the
    // column above it up to the middle of the viewport, coarser (4 × 3): what the box is
    // lifted past.
    let low = Rect::new(x0, (vp.bottom() - MARGIN - size.height).max(vp.y), w, (size.height + MARGIN).min(vp.height));
    let high = Rect::new(x0, vp.y + vp.height / 2.0, w, (low.y - vp.height / 2.0 - vp.y).max(0.0));
    let points = |r: Rect, cols: u32, rows: u32| {
        (0..cols * rows).map(move |k| {
            (r.x + r.width * (f64::from(k % cols) + 0.5) / f64::from(cols), r.y + r.height * (f64::from(k / cols) + 0.5) / f64::from(rows))
        })
    };
    let fine = |len: f64| ((len / PITCH).ceil() as u32).clamp(1, 40);
    let mut seen: Vec<web_sys::Element> = Vec::new();
    let mut out = Vec::new();
    for (x, y) in points(low, fine(low.width), fine(low.height)).chain(points(high, 4, 3)) {
        // The page's topmost element there, under Guidepost's own host.
        let top = guidepost_dom::page_element_at(&doc, x, y);
        // Fixed, not sticky: a sticky column or heading in the corner scrolls away.
        let Some(el) = top.and_then(|e| pinned(&e, false)) else { continue };
        if seen.contains(&el) {
            continue;
        }
        let r = el.get_bounding_client_rect();
        seen.push(el);
        // Half the viewport or more is an app's own frame (a fixed shell, a sidebar), not a
        // widget in a corner: the box may go over it, as any step does.
        if r.width() * r.height() < vp.width * vp.height / 2.0 {
            out.push(Rect::new(r.x(), r.y(), r.width(), r.height()));
        }
    }
    out
}
