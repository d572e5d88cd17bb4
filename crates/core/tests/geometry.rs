//! Positioning geometry: cases through one `check` helper, and containment properties.

use guidepost_core::model::Side;
use guidepost_core::{
    beacon_position, compute_position, dock_position, spotlight_path, view_around, FloatSize, Mode, Placement, PositionOptions, Rect,
};
use proptest::prelude::*;

const VP: Rect = Rect { x: 0.0, y: 0.0, width: 1000.0, height: 800.0 };
const BOX: FloatSize = FloatSize { width: 200.0, height: 100.0 };

fn opts() -> PositionOptions {
    PositionOptions { offset: 10.0, padding: 8.0, arrow_padding: 12.0, ..Default::default() }
}

/// Positions BOX next to `target` and checks the resolved placement and coordinates.
fn check(target: Rect, placement: &str, o: &PositionOptions, want: &str, x: f64, y: f64) {
    let p: Placement = guidepost_core::json::from_value(&serde_json::json!(placement)).unwrap();
    let pos = compute_position(target, BOX, VP, p, o);
    assert_eq!(pos.placement.as_str(), want, "{pos:?}");
    assert_eq!((pos.x, pos.y), (x, y), "{pos:?}");
}

#[test]
fn each_side_and_alignment() {
    let t = Rect::new(400.0, 300.0, 100.0, 40.0);
    check(t, "bottom", &opts(), "bottom", 350.0, 350.0);
    check(t, "bottom-start", &opts(), "bottom-start", 400.0, 350.0);
    check(t, "bottom-end", &opts(), "bottom-end", 300.0, 350.0);
    check(t, "top", &opts(), "top", 350.0, 190.0);
    check(t, "left", &opts(), "left", 190.0, 270.0);
    check(t, "right-start", &opts(), "right-start", 510.0, 300.0);
}

#[test]
fn flips_when_the_preferred_side_has_no_room() {
    check(Rect::new(400.0, 20.0, 100.0, 40.0), "top", &opts(), "bottom", 350.0, 70.0);
    check(Rect::new(850.0, 300.0, 100.0, 40.0), "right", &opts(), "left", 640.0, 270.0);
}

#[test]
fn shifts_inside_the_viewport() {
    // Near the left edge, a centred box slides right to the padding.
    check(Rect::new(0.0, 300.0, 40.0, 40.0), "bottom", &opts(), "bottom", 8.0, 350.0);
}

/// (case, target, the area `view_around` gives within VP)
fn check_view_around(cases: &[(&str, Rect, Rect)]) {
    for (name, target, want) in cases {
        assert_eq!(view_around(VP, *target), *want, "{name}");
    }
}

#[test]
fn a_target_scrolled_out_of_the_viewport_is_placed_against_a_viewport_around_it() {
    check_view_around(&[
        ("on screen: the viewport", Rect::new(400.0, 300.0, 100.0, 40.0), VP),
        ("partly on screen: the viewport", Rect::new(400.0, -20.0, 100.0, 40.0), VP),
        ("scrolled above: centred on it", Rect::new(400.0, -320.0, 100.0, 40.0), Rect::new(0.0, -700.0, 1000.0, 800.0)),
        ("below and to the right", Rect::new(1200.0, 1000.0, 100.0, 40.0), Rect::new(750.0, 620.0, 1000.0, 800.0)),
    ]);
    // The box then stays next to the target instead of being pulled into the viewport.
    let t = Rect::new(400.0, -320.0, 100.0, 40.0);
    let pos = compute_position(t, BOX, view_around(VP, t), Placement::Bottom, &opts());
    assert_eq!((pos.x, pos.y), (350.0, -270.0));
}

#[test]
fn rtl_mirrors_start_and_end() {
    let t = Rect::new(400.0, 300.0, 100.0, 40.0);
    let rtl = PositionOptions { rtl: true, ..opts() };
    check(t, "bottom-start", &rtl, "bottom-end", 300.0, 350.0);
    check(t, "left-start", &rtl, "left-start", 190.0, 300.0);
}

#[test]
fn fixed_header_counts_as_taken_space() {
    let header = PositionOptions { scroll_padding_top: 64.0, ..opts() };
    // 80px below the top: room above for 100px only without the header.
    check(Rect::new(400.0, 190.0, 100.0, 40.0), "top", &opts(), "top", 350.0, 80.0);
    check(Rect::new(400.0, 150.0, 100.0, 40.0), "top", &header, "bottom", 350.0, 200.0);
}

#[test]
fn regression_a_header_icon_got_its_box_beside_it_below_the_header() {
    // Adminator: an icon in a 60px fixed header, near the right edge. Left had the most room,
    // but a box there sits below the header, its arrow pointing past the icon.
    let header = PositionOptions { scroll_padding_top: 60.0, ..opts() };
    check(Rect::new(900.0, 12.0, 36.0, 36.0), "auto", &header, "bottom", 792.0, 68.0);
    // Without the header, the box beside it can point at it.
    check(Rect::new(900.0, 12.0, 36.0, 36.0), "auto", &opts(), "left", 690.0, 8.0);
    // A table wider than the viewport, its centre past the right edge: the sides that reach
    // its centre have no room, and below it still serves.
    check(Rect::new(100.0, 300.0, 3000.0, 40.0), "auto", &opts(), "bottom", 792.0, 350.0);
}

// Regression: a checklist docked in the bottom right corner covered the chat launcher a
// page keeps there (Intercom's, Crisp's: fixed, at z-index 2147483647, below the top layer),
// and the user could not open the chat while the checklist was open.
#[test]
fn regression_a_docked_checklist_covered_the_chat_launcher() {
    let checklist = FloatSize { width: 300.0, height: 200.0 };
    let check = |name: &str, rtl: bool, obstacles: &[Rect], want: (f64, f64)| {
        let p = dock_position(checklist, VP, rtl, 16.0, obstacles);
        assert_eq!((p.x, p.y, p.mode), (want.0, want.1, Mode::Docked), "{name}");
        assert!(!obstacles.iter().any(|o| o.overlaps(&Rect::new(p.x, p.y, p.width, 200.0))) || want.1 == 584.0, "{name}: overlaps");
    };
    let launcher = Rect::new(920.0, 720.0, 60.0, 60.0);
    check("nothing in the corner", false, &[], (684.0, 584.0));
    check("a chat launcher: lifted above it", false, &[launcher], (684.0, 504.0));
    check("right to left: the left corner", true, &[launcher], (16.0, 584.0));
    check("a fixed element elsewhere is no obstacle", false, &[Rect::new(0.0, 0.0, 1000.0, 60.0)], (684.0, 584.0));
    // The launcher's open panel (a column up to the top): the other corner.
    check("a column to the top: the left corner", false, &[Rect::new(600.0, 0.0, 400.0, 800.0)], (16.0, 584.0));
    // Two obstacles stacked: above both.
    check("stacked", false, &[launcher, Rect::new(900.0, 600.0, 80.0, 100.0)], (684.0, 384.0));
    // No room clear of them anywhere: the corner as before.
    check("no room", false, &[Rect::new(0.0, 100.0, 1000.0, 700.0)], (684.0, 584.0));
    // A viewport with no room for the box and both margins: the room it has, shared out
    // (the box went past the viewport's left edge).
    let narrow = dock_position(checklist, Rect::new(0.0, 0.0, 310.0, 800.0), false, 16.0, &[]);
    assert_eq!((narrow.x, narrow.width), (5.0, 300.0));
}

#[test]
fn arrow_points_at_the_target_centre() {
    let pos = compute_position(Rect::new(20.0, 300.0, 40.0, 40.0), BOX, VP, Placement::Bottom, &opts());
    let arrow = pos.arrow.unwrap();
    assert_eq!(arrow.edge, Side::Top);
    assert_eq!(pos.x + arrow.offset, 40.0);
}

#[test]
fn small_phones_get_a_bottom_sheet() {
    let phone = Rect::new(0.0, 0.0, 320.0, 480.0);
    let big = FloatSize { width: 300.0, height: 300.0 };
    let pos = compute_position(Rect::new(10.0, 200.0, 300.0, 80.0), big, phone, Placement::Bottom, &opts());
    assert_eq!(pos.mode, Mode::BottomSheet);
    assert_eq!((pos.x, pos.y + 300.0, pos.width), (0.0, 480.0, 320.0));
    assert!(pos.arrow.is_none());
}

#[test]
fn spotlight_has_outer_frame_and_rounded_hole() {
    let d = spotlight_path(Rect::new(0.0, 0.0, 100.0, 50.0), Rect::new(10.0, 10.0, 20.0, 10.0), 4.0, 4.0);
    assert!(d.starts_with("M0 0H100V50H0Z"), "{d}");
    // The hole is the target grown by the padding (6,6 to 34,24) with 4px corners.
    assert!(d.ends_with("M10 6H30A4 4 0 0 1 34 10V20A4 4 0 0 1 30 24H10A4 4 0 0 1 6 20V10A4 4 0 0 1 10 6Z"), "{d}");
    let empty = spotlight_path(Rect::new(0.0, 0.0, 100.0, 50.0), Rect::new(10.0, 10.0, 0.0, 0.0), 0.0, 4.0);
    assert_eq!(empty, "M0 0H100V50H0Z");
}

proptest! {
    #[test]
    fn the_box_stays_inside_the_viewport_when_it_fits(
        tx in -200.0f64..1200.0, ty in -200.0f64..1000.0, tw in 0.0f64..300.0, th in 0.0f64..300.0,
        fw in 10.0f64..600.0, fh in 10.0f64..400.0,
        placement in prop::sample::select(Placement::NAMES.to_vec()),
        rtl in any::<bool>(), header in 0.0f64..100.0,
    ) {
        let o = PositionOptions { rtl, scroll_padding_top: header, ..opts() };
        let p: Placement = guidepost_core::json::from_value(&serde_json::json!(placement)).unwrap();
        let f = FloatSize { width: fw, height: fh };
        let pos = compute_position(Rect::new(tx, ty, tw, th), f, VP, p, &o);
        let inner = VP.inset(8.0 + header, 8.0, 8.0, 8.0);
        match pos.mode {
            Mode::Anchored => {
                prop_assert!(fw <= inner.width && fh <= inner.height);
                prop_assert!(inner.contains(&Rect::new(pos.x, pos.y, fw, fh)), "{:?} not in {:?}", pos, inner);
                let a = pos.arrow.unwrap();
                let along = if matches!(a.edge, Side::Top | Side::Bottom) { fw } else { fh };
                prop_assert!(a.offset >= 0.0 && a.offset <= along);
            }
            Mode::BottomSheet => prop_assert!(VP.contains(&Rect::new(pos.x, pos.y, pos.width, fh.min(VP.height - header)))),
            Mode::Centered | Mode::Docked => prop_assert!(false, "compute_position never centres or docks"),
        }
    }
}

// Regression: on RapiDoc at phone width (375 px), a hotspot on a full-width field put its
// beacon (and its pulse) past the viewport's right edge; the page grew 14 px wider and
// scrolled sideways.
#[test]
fn regression_a_hotspot_beacon_past_the_right_edge_made_the_page_scroll_sideways() {
    let phone = Rect::new(0.0, 0.0, 375.0, 740.0);
    let cases = [
        ("inside: on the target's top right corner", Rect::new(100.0, 200.0, 80.0, 30.0), (172.0, 192.0)),
        ("a full-width field: moved in along its top edge", Rect::new(0.0, 60.0, 375.0, 40.0), (375.0 - 13.0 - 16.0, 52.0)),
        ("a field wider than the viewport, scrolled sideways", Rect::new(-200.0, 60.0, 900.0, 40.0), (375.0 - 13.0 - 16.0, 52.0)),
        ("at the left edge: moved right", Rect::new(0.0, 60.0, 4.0, 40.0), (13.0, 52.0)),
    ];
    for (name, target, want) in cases {
        assert_eq!(beacon_position(target, phone), want, "{name}");
    }
}
