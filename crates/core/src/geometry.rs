//! Positioning geometry: pure functions from rectangles to coordinates.
//!
//! The runtime reads rectangles from the DOM and hands them in; nothing here
//! knows about elements, scrolling or styles.

use serde::{Deserialize, Serialize};

use crate::model::{Align, Placement, Side};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, width: f64, height: f64) -> Rect {
        Rect { x, y, width, height }
    }
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
    pub fn center_x(&self) -> f64 {
        self.x + self.width / 2.0
    }
    pub fn center_y(&self) -> f64 {
        self.y + self.height / 2.0
    }
    /// True when `other` lies entirely inside this rectangle (with a small tolerance).
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f64 = 1e-6;
        other.x >= self.x - EPS && other.y >= self.y - EPS && other.right() <= self.right() + EPS && other.bottom() <= self.bottom() + EPS
    }
    pub fn inset(&self, top: f64, right: f64, bottom: f64, left: f64) -> Rect {
        Rect::new(self.x + left, self.y + top, (self.width - left - right).max(0.0), (self.height - top - bottom).max(0.0))
    }
    /// The same rectangle `dx` right and `dy` down: another origin's coordinates.
    pub fn shifted(&self, dx: f64, dy: f64) -> Rect {
        Rect::new(self.x + dx, self.y + dy, self.width, self.height)
    }
    /// True when the two rectangles share an area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub struct FloatSize {
    pub width: f64,
    pub height: f64,
}

/// Options for [`compute_position`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct PositionOptions {
    /// Gap between the target and the floating box (the arrow sits in it).
    pub offset: f64,
    /// Minimum distance from the viewport edges.
    pub padding: f64,
    /// Space reserved at the top for fixed or sticky headers.
    pub scroll_padding_top: f64,
    /// Keep the arrow this far from the box's corners.
    pub arrow_padding: f64,
    /// Try the opposite and perpendicular sides when the preferred one has no room.
    pub flip: bool,
    /// Slide along the target's edge to stay inside the viewport.
    pub shift: bool,
    /// Right-to-left layout: `start` and `end` swap for top and bottom placements.
    pub rtl: bool,
}

impl Default for PositionOptions {
    fn default() -> Self {
        PositionOptions { offset: 12.0, padding: 8.0, scroll_padding_top: 0.0, arrow_padding: 12.0, flip: true, shift: true, rtl: false }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Next to the target, with an arrow.
    Anchored,
    /// Full width at the bottom of the viewport: no side had room.
    BottomSheet,
    /// In the middle of the viewport (modals, or a missing target shown centred).
    Centered,
    /// In a bottom corner of the viewport (a checklist), clear of what the page keeps fixed
    /// there ([`dock_position`]).
    Docked,
}

/// The arrow: on which edge of the floating box, and how far along that edge.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Arrow {
    pub edge: Side,
    pub offset: f64,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub x: f64,
    pub y: f64,
    /// Width to use (differs from the requested one only for a bottom sheet).
    pub width: f64,
    pub placement: Placement,
    pub arrow: Option<Arrow>,
    pub mode: Mode,
}

/// The area to place a box in for a target: the viewport, or, for a target scrolled out of
/// it, the viewport moved to centre on the target. Clamping a box placed in page coordinates
/// to a viewport its target has left would part the two for good.
pub fn view_around(viewport: Rect, target: Rect) -> Rect {
    let apart_x = target.right() < viewport.x || target.x > viewport.right();
    let apart_y = target.bottom() < viewport.y || target.y > viewport.bottom();
    let dx = if apart_x { target.center_x() - viewport.center_x() } else { 0.0 };
    let dy = if apart_y { target.center_y() - viewport.center_y() } else { 0.0 };
    viewport.shifted(dx, dy)
}

impl Position {
    /// The same position `dx` right and `dy` down (the arrow is relative to the box).
    pub fn shifted(&self, dx: f64, dy: f64) -> Position {
        Position { x: self.x + dx, y: self.y + dy, ..*self }
    }
}

fn opposite(s: Side) -> Side {
    match s {
        Side::Top => Side::Bottom,
        Side::Bottom => Side::Top,
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    }
}

fn space(side: Side, t: &Rect, vp: &Rect) -> f64 {
    match side {
        Side::Top => t.y - vp.y,
        Side::Bottom => vp.bottom() - t.bottom(),
        Side::Left => t.x - vp.x,
        Side::Right => vp.right() - t.right(),
    }
}

fn fits(side: Side, t: &Rect, f: FloatSize, vp: &Rect, offset: f64) -> bool {
    let main = match side {
        Side::Top | Side::Bottom => f.height,
        Side::Left | Side::Right => f.width,
    };
    let cross_ok = match side {
        Side::Top | Side::Bottom => f.width <= vp.width,
        Side::Left | Side::Right => f.height <= vp.height,
    };
    cross_ok && space(side, t, vp) >= main + offset
}

/// Whether a box on `side` can line up with the target's centre: the centre is inside the
/// area on the other axis.
fn reaches(side: Side, t: &Rect, vp: &Rect) -> bool {
    match side {
        Side::Top | Side::Bottom => (vp.x..=vp.right()).contains(&t.center_x()),
        Side::Left | Side::Right => (vp.y..=vp.bottom()).contains(&t.center_y()),
    }
}

fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if hi < lo {
        lo
    } else {
        v.max(lo).min(hi)
    }
}

/// Where to put a floating box of size `floating` next to `target`, inside `viewport`.
pub fn compute_position(target: Rect, floating: FloatSize, viewport: Rect, placement: Placement, o: &PositionOptions) -> Position {
    let vp = viewport.inset(o.padding + o.scroll_padding_top.max(0.0), o.padding, o.padding, o.padding);
    let (preferred, mut align) = placement.parts().unwrap_or((Side::Bottom, Align::Center));
    if o.rtl && matches!(preferred, Side::Top | Side::Bottom) {
        align = match align {
            Align::Start => Align::End,
            Align::End => Align::Start,
            Align::Center => Align::Center,
        };
    }
    let candidates: Vec<Side> = if placement == Placement::Auto {
        let mut sides = vec![Side::Bottom, Side::Top, Side::Right, Side::Left];
        // Most room first, bottom winning ties.
        crate::sort::sort_by(&mut sides, |a, b| space(*b, &target, &vp).total_cmp(&space(*a, &target, &vp)));
        sides
    } else if o.flip {
        let perp = match preferred {
            Side::Top | Side::Bottom => [Side::Right, Side::Left],
            Side::Left | Side::Right => [Side::Bottom, Side::Top],
        };
        vec![preferred, opposite(preferred), perp[0], perp[1]]
    } else {
        vec![preferred]
    };
    // A side whose arrow can reach the target's centre first: beside a target in a fixed
    // header, the box would sit below the header, its arrow pointing past the target.
    let pick = |reach: bool| {
        candidates.iter().copied().find(|s| fits(*s, &target, floating, &vp, o.offset) && (!reach || reaches(*s, &target, &vp)))
    };
    let Some(side) = pick(true).or_else(|| pick(false)) else {
        return bottom_sheet(floating, &viewport, o);
    };
    let (mut x, mut y) = match side {
        Side::Top => (0.0, target.y - o.offset - floating.height),
        Side::Bottom => (0.0, target.bottom() + o.offset),
        Side::Left => (target.x - o.offset - floating.width, 0.0),
        Side::Right => (target.right() + o.offset, 0.0),
    };
    match side {
        Side::Top | Side::Bottom => {
            x = match align {
                Align::Start => target.x,
                Align::Center => target.center_x() - floating.width / 2.0,
                Align::End => target.right() - floating.width,
            }
        }
        Side::Left | Side::Right => {
            y = match align {
                Align::Start => target.y,
                Align::Center => target.center_y() - floating.height / 2.0,
                Align::End => target.bottom() - floating.height,
            }
        }
    }
    if o.shift {
        x = clamp(x, vp.x, vp.right() - floating.width);
        y = clamp(y, vp.y, vp.bottom() - floating.height);
    }
    // The arrow points at the target's centre, kept off the box's corners
    // (a box narrower than two paddings gets it in its middle).
    let (toward, len) = match side {
        Side::Top | Side::Bottom => (target.center_x() - x, floating.width),
        Side::Left | Side::Right => (target.center_y() - y, floating.height),
    };
    let pad = o.arrow_padding.min(len / 2.0);
    let arrow = Arrow { edge: opposite(side), offset: clamp(toward, pad, len - pad) };
    let final_align = if placement == Placement::Auto { Align::Center } else { align };
    Position { x, y, width: floating.width, placement: Placement::from_parts(side, final_align), arrow: Some(arrow), mode: Mode::Anchored }
}

fn bottom_sheet(floating: FloatSize, viewport: &Rect, o: &PositionOptions) -> Position {
    let width = viewport.width;
    let height = floating.height.min(viewport.height - o.scroll_padding_top.max(0.0));
    Position { x: viewport.x, y: viewport.bottom() - height, width, placement: Placement::Bottom, arrow: None, mode: Mode::BottomSheet }
}

/// The left edges of a docked box of `floating`'s size in the two bottom corners, the
/// corner it tries first (the right one, the left one on a right-to-left page) first.
pub fn dock_corners(floating: FloatSize, viewport: Rect, rtl: bool, margin: f64) -> [f64; 2] {
    let w = floating.width.min(viewport.width);
    // A viewport with no room for both margins shares out what room it has.
    let m = margin.min((viewport.width - w).max(0.0) / 2.0);
    let (right, left) = (viewport.right() - m - w, viewport.x + m);
    if rtl {
        [left, right]
    } else {
        [right, left]
    }
}

/// A box docked in a bottom corner of the viewport, `margin` from its edges (a checklist),
/// clear of `obstacles`: what the page keeps fixed there, such as a chat launcher, which the
/// box would otherwise cover in the top layer. The first of [`dock_corners`], lifted above
/// the obstacles it would overlap; then the other corner; with no room clear of them in
/// either, the first corner as it is (over them).
pub fn dock_position(floating: FloatSize, viewport: Rect, rtl: bool, margin: f64, obstacles: &[Rect]) -> Position {
    let (w, h) = (floating.width.min(viewport.width), floating.height);
    let corners = dock_corners(floating, viewport, rtl, margin);
    let lifted = |x: f64| -> Option<f64> {
        let mut y = viewport.bottom() - margin - h;
        // Each pass clears one more obstacle; as many passes as there are obstacles.
        for _ in 0..=obstacles.len() {
            let here = Rect::new(x, y, w, h);
            let Some(top) = obstacles.iter().filter(|o| o.overlaps(&here)).map(|o| o.y).reduce(f64::min) else {
                return Some(y);
            };
            y = top - margin - h;
            if y < viewport.y + margin {
                return None;
            }
        }
        None
    };
    let (x, y) = corners.iter().find_map(|&x| lifted(x).map(|y| (x, y))).unwrap_or((corners[0], viewport.bottom() - margin - h));
    Position { x, y, width: w, placement: Placement::Auto, arrow: None, mode: Mode::Docked }
}

/// The diameter of a hotspot's beacon, and how far its pulse reaches past it on each side
/// (`overlay.css`: 16 px, scaled up to 2.6 times).
pub const BEACON: f64 = 16.0;
pub const BEACON_PULSE: f64 = 13.0;

/// Where a hotspot's beacon goes (its top left corner): centred on the target's top right
/// corner, moved along the target's top edge so that the beacon and its pulse stay inside
/// the viewport's width. Past its edge they would widen the page, which then scrolls
/// sideways (a full-width field on a phone).
pub fn beacon_position(target: Rect, viewport: Rect) -> (f64, f64) {
    let (lo, hi) = (viewport.x + BEACON_PULSE, viewport.right() - BEACON_PULSE - BEACON);
    let x = target.right() - BEACON / 2.0;
    (if lo <= hi { x.clamp(lo, hi) } else { x }, target.y - BEACON / 2.0)
}

/// A box centred in the viewport (modals and centred fallbacks).
pub fn center_position(floating: FloatSize, viewport: Rect) -> Position {
    Position {
        x: viewport.x + ((viewport.width - floating.width) / 2.0).max(0.0),
        y: viewport.y + ((viewport.height - floating.height) / 2.0).max(0.0),
        width: floating.width.min(viewport.width),
        placement: Placement::Auto,
        arrow: None,
        mode: Mode::Centered,
    }
}

fn n(v: f64) -> String {
    crate::num::rounded(v, 2)
}

/// The spotlight backdrop: the viewport with a rounded hole around `hole`, as an SVG path
/// to fill with `fill-rule="evenodd"`.
pub fn spotlight_path(viewport: Rect, hole: Rect, padding: f64, radius: f64) -> String {
    let outer = format!("M{} {}H{}V{}H{}Z", n(viewport.x), n(viewport.y), n(viewport.right()), n(viewport.bottom()), n(viewport.x));
    let h = Rect::new(hole.x - padding, hole.y - padding, hole.width + 2.0 * padding, hole.height + 2.0 * padding);
    if h.width <= 0.0 || h.height <= 0.0 {
        return outer;
    }
    let r = radius.max(0.0).min(h.width / 2.0).min(h.height / 2.0);
    let inner = format!(
        "M{} {}H{}A{r} {r} 0 0 1 {} {}V{}A{r} {r} 0 0 1 {} {}H{}A{r} {r} 0 0 1 {} {}V{}A{r} {r} 0 0 1 {} {}Z",
        n(h.x + r),
        n(h.y),
        n(h.right() - r),
        n(h.right()),
        n(h.y + r),
        n(h.bottom() - r),
        n(h.right() - r),
        n(h.bottom()),
        n(h.x + r),
        n(h.x),
        n(h.bottom() - r),
        n(h.y + r),
        n(h.x + r),
        n(h.y),
        r = n(r)
    );
    format!("{outer}{inner}")
}
