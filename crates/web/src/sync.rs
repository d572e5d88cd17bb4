//! Other tabs and frames of this origin. Each runs its own engine on the same storage and
//! saves its whole copy of the user's state, so the last to save used to erase what the
//! others had recorded: a tour completed in one tab came back in the next page view of
//! another. The `storage` event (fired in every other document of the origin, same-origin
//! frames included, never in the one that wrote) brings in what another context saved:
//! - the scheduler state and the event log are merged into this context's copy
//!   (`SchedulerState::merge`, `Context::merge_events`), so its next save carries both;
//! - a tour another context saved, on screen there, for the guide this one is showing
//!   means that context took the tour over (it resumed it in a frame, or in a newer tab):
//!   of the two, the one whose save is not the stored one stands down, so the same step is
//!   never on screen twice (a frame-based admin shell and the page in its frame both
//!   resumed it). A removed tour lets a guide handed off start here again.

use std::collections::BTreeMap;

use guidepost_core::json;
use guidepost_core::{SchedulerState, TourState};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::runtime;
use crate::store;

pub fn listen() {
    let Some(w) = web_sys::window() else { return };
    let on_storage = Closure::<dyn FnMut(web_sys::StorageEvent)>::new(|ev: web_sys::StorageEvent| {
        if guidepost_dom::alive() {
            on_storage(&ev);
        }
    });
    let _ = w.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    on_storage.forget();
}

fn on_storage(ev: &web_sys::StorageEvent) {
    // `clear()` has no key; sessionStorage is this tab's alone.
    let Some(key) = ev.key() else { return };
    let user_prefix = store::full_key(&runtime::user_key(&runtime::user_id(), ""));
    let Some(what) = key.strip_prefix(&user_prefix) else { return };
    let Some(text) = ev.new_value() else {
        if what == "tour" {
            runtime::tour_gone();
        }
        return;
    };
    match what {
        "sched" => {
            if let Ok(s) = json::from_str::<SchedulerState>(&text) {
                runtime::merge_sched(&s);
            }
        }
        "events" => {
            if let Ok(e) = json::from_str::<BTreeMap<String, Vec<i64>>>(&text) {
                runtime::merge_events(&e);
            }
        }
        "tour" => {
            if let Ok(t) = json::from_str::<TourState>(&text) {
                runtime::taken_over(&t);
            }
        }
        _ => {}
    }
}
