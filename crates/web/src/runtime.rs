//! The runtime: holds the engine and the user's context, turns host calls and DOM
//! facts into core inputs, and carries out the core's effects.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use guidepost_core::json::{self, At, FromJson, JsonError, Obj};
use guidepost_core::view::{step_vm, StepVm, UiEvent};
use guidepost_core::{
    read_guides_value, richtext, transition, Budget, Context, Decision, Device, Effect, Engine, Envelope, EventRecord, Guide, Input, Phase,
    SchedulerState, Size, TourState, TriggerInput,
};
use guidepost_dom::{self as dom, Found};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{config, delivery, store, ui};

#[derive(Default)]
struct InitOptions {
    guides: Option<serde_json::Value>,
    endpoint: Option<String>,
    write_key: Option<String>,
    locale: Option<String>,
    budget: Option<Budget>,
    rtl: Option<bool>,
    /// End a guide whose step stays on screen this long without moving on (exit reason `timeout`).
    step_timeout_ms: Option<u32>,
}

impl FromJson for InitOptions {
    fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "an options object")?;
        Ok(InitOptions {
            guides: o.opt("guides")?,
            endpoint: o.opt("endpoint")?,
            write_key: o.opt("writeKey")?,
            locale: o.opt("locale")?,
            budget: o.opt("budget")?,
            rtl: o.opt("rtl")?,
            step_timeout_ms: o.opt("stepTimeoutMs")?,
        })
    }
}

struct Active {
    guide: Guide,
    state: TourState,
    /// The guide as it was when the tour started is saved beside the tour, so a reload
    /// resumes the version the user started even after a new one is published.
    snapshot_saved: bool,
    /// A designer's preview: nothing is recorded, saved or counted in the user's history.
    preview: bool,
    /// Records made before the overlay module first put a step on screen: sent once it has
    /// (`UiEvent::Shown`) or once the guide ends; dropped if the overlay cannot be loaded
    /// (`UiEvent::Unavailable`), so no step is reported as viewed that nobody saw.
    held: Vec<EventRecord>,
    /// The scheduler's state before this guide was counted as shown, while the overlay
    /// has not shown it yet: put back if the overlay cannot be loaded, so the guide is not
    /// spent (`once`) on a page view that never showed it.
    sched_before: Option<SchedulerState>,
}

impl Active {
    fn new(guide: Guide, state: TourState, snapshot_saved: bool, preview: bool) -> Active {
        Active { guide, state, snapshot_saved, preview, held: vec![], sched_before: None }
    }
}

#[derive(Default)]
struct Runtime {
    emitter: Option<js_sys::Function>,
    engine: Option<Engine>,
    ctx: Context,
    anonymous: bool,
    sched: SchedulerState,
    budget: Budget,
    locale: Option<String>,
    rtl: Option<bool>,
    active: Option<Active>,
    target: Option<Found>,
    /// The step the overlay was last told to show.
    shown: Option<StepVm>,
    /// The overlay module has shown a step on this page view (it stays loaded).
    overlay_up: bool,
    /// Bumped on every locate, so a stale wait's answer is ignored.
    locate_gen: u64,
    step_timeout_ms: Option<u32>,
    idle_timer: Option<gloo_timers::callback::Timeout>,
    /// Takes the previous step off the screen when the next one's target is slow to come
    /// (`LOCATE_GRACE_MS`); replaced by each locate.
    locate_grace: Option<gloo_timers::callback::Timeout>,
    booted: bool,
    /// `start(id)` calls made before any guides were loaded, run once they are.
    pending_starts: Vec<String>,
    /// The JSON of each loaded guide, by id: what a tour saves beside itself (writing it
    /// back from the JSON costs no serialiser for the guide model in the bundle).
    sources: Vec<(String, serde_json::Value)>,
    /// A guide whose tour another tab or frame took over (`taken_over`): this document does
    /// not start or resume it again by itself (it would take the tour back) until that
    /// context's saved tour goes (`tour_gone`).
    handed_off: Option<String>,
    /// The tour state this document last saved, as text (`persist`).
    tour_written: Option<String>,
    /// False while the guides on hand are a cached copy the store has not confirmed yet:
    /// guides then start only when asked to (`start`), not by themselves.
    stale: bool,
}

/// The longest event name `track` accepts.
const MAX_EVENT_NAME: usize = 128;

/// At most this many `start` calls wait for the guides to load.
const MAX_PENDING_STARTS: usize = 8;

thread_local! {
    static RT: RefCell<Runtime> = RefCell::new(Runtime::default());
    static STRINGIFY: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static INPUTS: RefCell<VecDeque<Input>> = const { RefCell::new(VecDeque::new()) };
    /// The listener for clicks on an `advance: click` step's target, on the document and on
    /// the documents of the same-origin frames a target was found in.
    static ON_CLICK: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The primary press that began on the target, until its release (to ask then whether
    /// the page acted on it).
    static PRESS: RefCell<Option<web_sys::Event>> = const { RefCell::new(None) };
    /// The last release was counted as the target's click: the click that follows is it.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    /// Until when the page is taken to be leaving (a click on the target followed a link to
    /// another document): the next step is not looked for on the old page meanwhile.
    static LEAVING_UNTIL: Cell<i64> = const { Cell::new(0) };
    /// Counts the steps looked for or shown: a step held while the page leaves is taken up
    /// again only if no other came since.
    static HOLD_TURN: Cell<u32> = const { Cell::new(0) };
    /// The step held while the page leaves.
    static HELD: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
    static DISPATCHING: Cell<bool> = const { Cell::new(false) };
    static EVAL_PENDING: Cell<bool> = const { Cell::new(false) };
}

fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> R {
    RT.with(|rt| f(&mut rt.borrow_mut()))
}

fn now() -> i64 {
    js_sys::Date::now() as i64
}

pub fn emit(name: &str, payload: &JsValue) {
    let f = with(|rt| rt.emitter.clone());
    if let Some(f) = f {
        let _ = f.call2(&JsValue::NULL, &JsValue::from_str(name), payload);
    }
}

/// A value from the page, read through `JSON.stringify` and serde_json: what JSON cannot
/// hold is dropped the way JSON drops it (functions, `undefined`), and a value JSON cannot
/// write at all (a cycle, a BigInt) is an error. serde-wasm-bindgen did this before; its
/// error messages brought float formatting back into the module (13.5 KB gzipped).
///
/// The stringify is the loader's (`connect_stringify`): it sets aside a `toJSON` the page put
/// on `Array.prototype` or `Object.prototype` while it runs. Prototype.js (1.6, still in older
/// apps) gives arrays one that returns a string, so `init({ guides: [...] })` read the
/// guides as a URL and `identify`'s array traits as strings.
fn from_js(v: &JsValue) -> Result<serde_json::Value, String> {
    let stringify = STRINGIFY.with(|s| s.borrow().clone());
    let text = match stringify {
        Some(f) => f.call1(&JsValue::NULL, v),
        None => js_sys::JSON::stringify(v).map(Into::into),
    };
    let text = text.map_err(|_| "not representable as JSON (a cycle or a BigInt)".to_string())?;
    let text = text.as_string().ok_or("not representable as JSON")?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    // Through JSON so maps become plain objects.
    serde_json::to_string(v).ok().and_then(|s| js_sys::JSON::parse(&s).ok()).unwrap_or(JsValue::NULL)
}

pub fn report_error(source: &str, message: &str, detail: JsValue) {
    // Messages may already name their source (`track: ...`): say it once.
    let message = message.strip_prefix(source).and_then(|m| m.strip_prefix(": ")).unwrap_or(message);
    let line = JsValue::from_str(&format!("[guidepost] {source}: {message}"));
    if detail.is_undefined() {
        web_sys::console::warn_1(&line);
    } else {
        web_sys::console::warn_2(&line, &detail);
    }
    let payload = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&payload, &"source".into(), &source.into());
    let _ = js_sys::Reflect::set(&payload, &"message".into(), &message.into());
    if !detail.is_undefined() {
        let _ = js_sys::Reflect::set(&payload, &"diagnostics".into(), &detail);
    }
    emit("error", &payload);
}

pub(crate) fn user_key(user: &str, what: &str) -> String {
    format!("u:{user}:{what}")
}

pub(crate) fn user_id() -> String {
    with(|rt| rt.ctx.user_id.clone())
}

/// Another tab or frame saved this user's scheduler state (`sync.rs`): taken in, so rules
/// on guide status and frequencies see it, and this context's next save keeps it.
pub(crate) fn merge_sched(other: &SchedulerState) {
    with(|rt| {
        rt.sched.merge(other);
        rt.ctx.guides = rt.sched.history.clone();
    });
}

/// Another tab or frame saved this user's event log (`sync.rs`).
pub(crate) fn merge_events(other: &std::collections::BTreeMap<String, Vec<i64>>) {
    with(|rt| rt.ctx.merge_events(other));
}

/// Another tab or frame saved a tour for this user (`sync.rs`). If it shows, on screen
/// there, the guide this document shows too, one of the two must go: the one whose save is
/// not the one in storage now, so that of two documents saving at once (a shell and its
/// frame loading together) exactly one stays. This one's copy goes with nothing recorded
/// (the other records the tour from here on) and nothing saved (that would take it back). A
/// tour only looked for there (its target not on that page) takes nothing from here.
pub(crate) fn taken_over(theirs: &TourState) {
    let showing_there = matches!(theirs.phase, Phase::Showing { .. });
    let ours = with(|rt| rt.active.as_ref().is_some_and(|a| !a.preview && !a.state.is_ended() && a.guide.id == theirs.guide_id));
    if !showing_there || !ours {
        return;
    }
    let user = user_id();
    let stored = store::get_raw(&user_key(&user, "tour"));
    if stored.is_some() && stored == with(|rt| rt.tour_written.clone()) {
        return;
    }
    dom::cancel_wait();
    unpresent(true);
    with(|rt| {
        rt.active = None;
        rt.target = None;
        rt.idle_timer = None;
        rt.handed_off = Some(theirs.guide_id.clone());
    });
}

/// Another tab or frame removed this user's saved tour (it ended there, or was reset): a
/// guide handed off to it may start here again.
pub(crate) fn tour_gone() {
    with(|rt| rt.handed_off = None);
}

/// Keeps the loader's `JSON.stringify` for values from the page (see [`from_js`]).
pub fn connect_stringify(f: js_sys::Function) {
    STRINGIFY.with(|s| *s.borrow_mut() = Some(f));
}

pub fn boot(emitter: js_sys::Function) {
    let first = with(|rt| {
        rt.emitter = Some(emitter);
        !std::mem::replace(&mut rt.booted, true)
    });
    if !first {
        return;
    }
    // Anonymous identity until identify(); one session per tab.
    let anon = store::get::<String>("anon").unwrap_or_else(|| {
        let id = format!("anon-{}", store::random_id());
        store::set("anon", &id);
        id
    });
    let session = store::session_get("session").unwrap_or_else(|| {
        let id = store::random_id();
        store::session_set("session", &id);
        id
    });
    with(|rt| {
        rt.sched.session_id = session;
    });
    load_user(&anon, serde_json::Map::new(), true);
    listen_window();
    crate::sync::listen();
}

/// At most this many users keep state in this browser (300 `identify` calls left 602
/// keys); the least recently seen one's keys go first.
const MAX_STORED_USERS: usize = 5;

fn load_user(user: &str, traits: serde_json::Map<String, serde_json::Value>, anonymous: bool) {
    let mut users: Vec<String> = store::get("users").unwrap_or_default();
    users.retain(|u| u != user);
    users.insert(0, user.to_string());
    for gone in users.drain(MAX_STORED_USERS.min(users.len())..) {
        store::remove_prefix(&user_key(&gone, ""));
    }
    store::set("users", &users);
    let sched: SchedulerState = store::get(&user_key(user, "sched")).unwrap_or_default();
    let events = store::get(&user_key(user, "events")).unwrap_or_default();
    with(|rt| {
        let session = std::mem::take(&mut rt.sched.session_id);
        rt.sched = sched;
        rt.sched.session_id = session;
        rt.ctx.user_id = user.to_string();
        rt.ctx.traits = traits;
        rt.ctx.events = events;
        rt.anonymous = anonymous;
    });
}

fn save_user() {
    let (user, sched, events) = with(|rt| (rt.ctx.user_id.clone(), rt.sched.clone(), rt.ctx.events.clone()));
    store::set(&user_key(&user, "sched"), &sched);
    store::set(&user_key(&user, "events"), &events);
}

/// Answers true while the guides are fetched from a URL.
pub fn init(options: JsValue) -> Result<bool, String> {
    let opts = from_js(&options).map_err(|e| format!("invalid options: {e}"))?;
    let opts = InitOptions::from_json(&opts, At::Root("options")).map_err(|e| format!("invalid options: {}: {}", e.path, e.message))?;
    delivery::configure(opts.endpoint.clone(), opts.write_key.clone());
    with(|rt| {
        rt.locale = opts.locale.clone();
        rt.rtl = opts.rtl;
        rt.step_timeout_ms = opts.step_timeout_ms.filter(|ms| *ms > 0);
        if let Some(b) = opts.budget.clone() {
            rt.budget = b;
        }
    });
    match opts.guides {
        Some(serde_json::Value::String(url)) => {
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_text(&url).await {
                    // Parsed here so the guides' JSON is kept.
                    Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                        Ok(v) => install_guides_value(&v),
                        Err(e) => {
                            report_error(
                                "guides",
                                &format!("{url}: invalid JSON at line {}, column {}: {e}", e.line(), e.column()),
                                JsValue::UNDEFINED,
                            );
                            install_guides_value(&serde_json::Value::Array(vec![]));
                        }
                    },
                    Err(e) => {
                        report_error("init", &format!("could not load guides from {url}: {e}"), JsValue::UNDEFINED);
                        // Settled all the same: `ready` fires, and queued starts report why.
                        let count = with(|rt| rt.engine.as_ref().map_or(0, |e| e.guides().len()));
                        if count == 0 {
                            install_guides_value(&serde_json::Value::Array(vec![]));
                        } else {
                            emit("guides_loaded", &JsValue::from_f64(count as f64));
                        }
                    }
                }
            });
            return Ok(true);
        }
        Some(v @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => install_guides_value(&v),
        Some(other) => return Err(format!("guides: expected an array of guides or a URL, found {other}")),
        // The guide store: the published guides of the write key's environment.
        None => match (opts.endpoint, opts.write_key) {
            (Some(endpoint), Some(key)) => {
                with(|rt| rt.stale = true);
                let from_cache = config::load(endpoint.trim_end_matches('/').to_string(), key);
                return Ok(!from_cache);
            }
            _ => install_guides_value(&serde_json::Value::Array(vec![])),
        },
    }
    Ok(false)
}

/// Installs guides published in the store; `fresh` when they come from the store itself
/// rather than the cached copy.
pub fn install_published(guides: &serde_json::Value, fresh: bool) {
    if fresh {
        with(|rt| rt.stale = false);
    }
    install_guides_value(guides);
}

/// The store answered without new guides (unchanged, or unreachable): the guides on hand
/// may start by themselves now. `none` when there were no guides at all yet.
pub fn config_settled(none: bool) {
    with(|rt| rt.stale = false);
    if none {
        install_guides_value(&serde_json::Value::Array(vec![]));
    } else {
        schedule_eval();
    }
}

pub async fn fetch_text(url: &str) -> Result<String, String> {
    let w = web_sys::window().ok_or("no window")?;
    let resp = wasm_bindgen_futures::JsFuture::from(w.fetch_with_str(url)).await.map_err(reason)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "not a response")?;
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(reason)?).await.map_err(reason)?;
    text.as_string().ok_or_else(|| "not text".into())
}

/// Why a browser call failed, for a message: an `Error`'s own message ("Failed to fetch"),
/// not its debug form (which carried the stack, and wasm-bindgen's debug printer with it).
fn reason(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| "the request failed".into())
}

/// Loads guides from JSON, keeping each guide's JSON by id (the snapshot a tour saves).
fn install_guides_value(v: &serde_json::Value) {
    let one = std::slice::from_ref(v);
    let list = v.as_array().map_or(one, Vec::as_slice);
    let sources = list.iter().filter_map(|g| Some((g.get("id")?.as_str()?.to_string(), g.clone()))).collect();
    with(|rt| rt.sources = sources);
    install_guides(read_guides_value(v));
}

fn install_guides(report: guidepost_core::LoadReport) {
    for d in &report.diagnostics {
        let payload = to_js(d);
        if d.severity == guidepost_core::Severity::Error {
            report_error("guides", &d.to_string(), payload);
        } else {
            web_sys::console::info_1(&JsValue::from_str(&format!("[guidepost] {d}")));
        }
    }
    let count = report.guides.len();
    with(|rt| rt.engine = Some(Engine::new(report.guides)));
    emit("guides_loaded", &JsValue::from_f64(count as f64));
    resume_saved();
    // `start(id)` calls made while the guides were loading.
    for id in with(|rt| std::mem::take(&mut rt.pending_starts)) {
        decide(TriggerInput::Manual(&id));
    }
    schedule_eval();
}

/// Resumes a guide in progress after a reload or a page change.
fn resume_saved() {
    let (user, loaded) = with(|rt| (rt.ctx.user_id.clone(), rt.engine.is_some()));
    if !loaded {
        // Guides still loading: install_guides resumes once they are in.
        return;
    }
    let Some(saved) = store::get::<TourState>(&user_key(&user, "tour")) else { return };
    if saved.is_ended() || saved.version != guidepost_core::STATE_VERSION {
        store::remove(&user_key(&user, "tour"));
        return;
    }
    // The version the user started, when it was saved; else the loaded one, by step id.
    let snapshot = store::get::<Guide>(&user_key(&user, "tourguide")).filter(|g| g.id == saved.guide_id);
    let saved_snapshot = snapshot.is_some();
    let guide = snapshot.or_else(|| with(|rt| rt.engine.as_ref().and_then(|e| e.guide(&saved.guide_id).cloned())));
    let Some(guide) = guide else {
        store::remove(&user_key(&user, "tour"));
        return;
    };
    let already =
        with(|rt| rt.active.as_ref().is_some_and(|a| a.guide.id == guide.id) || rt.handed_off.as_deref() == Some(guide.id.as_str()));
    if already {
        return;
    }
    with(|rt| rt.active = Some(Active::new(guide, saved, saved_snapshot, false)));
    dispatch(Input::Resume { url: current_url() });
}

pub fn identify(user_id: JsValue, traits: JsValue) -> Result<(), String> {
    let id = user_id.as_string().or_else(|| user_id.as_f64().map(guidepost_core::num::show)).ok_or("identify: userId must be a string")?;
    if id.is_empty() || id.len() > 128 {
        return Err("identify: userId must be 1–128 characters".into());
    }
    let traits: serde_json::Map<String, serde_json::Value> = if traits.is_undefined() || traits.is_null() {
        Default::default()
    } else {
        let v = from_js(&traits).map_err(|e| format!("identify: traits: {e}"))?;
        json::from_value(&v).map_err(|_| "identify: traits must be an object")?
    };
    let (same, was_anonymous) = with(|rt| (rt.ctx.user_id == id, rt.anonymous));
    if same {
        with(|rt| {
            rt.ctx.traits = traits;
            rt.anonymous = false;
        });
    } else if was_anonymous {
        // The visitor signed in: the same person, so a guide in progress goes on, and what
        // they saw while anonymous counts for frequency rules.
        save_user();
        let (anon, history, running) = with(|rt| (rt.ctx.user_id.clone(), rt.sched.history.clone(), rt.active.is_some()));
        store::remove(&user_key(&anon, "tour"));
        store::remove(&user_key(&anon, "tourguide"));
        load_user(&id, traits, false);
        with(|rt| {
            for (guide, h) in history {
                rt.sched.history.entry(guide).or_insert(h);
            }
            rt.ctx.guides = rt.sched.history.clone();
        });
        if running {
            with(|rt| {
                if let Some(a) = rt.active.as_mut() {
                    a.snapshot_saved = false;
                }
            });
            persist();
        } else {
            resume_saved();
        }
    } else {
        // A different user: the previous one's guide ends (with its exit record).
        end_for_user_change();
        save_user();
        load_user(&id, traits, false);
        resume_saved();
    }
    schedule_eval();
    Ok(())
}

/// Ends the running guide because the user changed: an exit record, then hidden.
fn end_for_user_change() {
    let running = with(|rt| rt.active.as_ref().is_some_and(|a| !a.state.is_ended()));
    if running {
        dispatch(Input::UserChanged);
    }
    hide_all();
    with(|rt| rt.active = None);
}

pub fn track(event: JsValue, props: JsValue) -> Result<(), String> {
    let name = event.as_string().ok_or("track: event name must be a string")?;
    if name.is_empty() || name.chars().count() > MAX_EVENT_NAME {
        return Err(format!("track: event name must be 1–{MAX_EVENT_NAME} characters"));
    }
    let props = if props.is_undefined() || props.is_null() {
        serde_json::Map::new()
    } else {
        match from_js(&props) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err("track: properties must be a plain object".into()),
        }
    };
    let t = now();
    with(|rt| rt.ctx.record_event(&name, t));
    save_user();
    check_goals(guidepost_core::goals::GoalInput::Event { name: &name, props: &props });
    dispatch(Input::Event { name: name.clone() });
    decide(TriggerInput::Event(&name));
    Ok(())
}

pub fn page() -> Result<(), String> {
    let url = current_url();
    let active = with(|rt| rt.active.is_some());
    if active {
        dispatch(Input::PageView { url });
    }
    schedule_eval();
    Ok(())
}

pub fn start(guide_id: JsValue) -> Result<(), String> {
    let id = guide_id.as_string().ok_or("start: guideId must be a string")?;
    let waiting = with(|rt| {
        if rt.engine.is_some() {
            return Ok(false);
        }
        if rt.pending_starts.len() >= MAX_PENDING_STARTS {
            return Err(format!("start: \"{id}\" dropped: {MAX_PENDING_STARTS} starts already wait for init() to load guides"));
        }
        rt.pending_starts.push(id.clone());
        Ok(true)
    })?;
    if !waiting {
        decide(TriggerInput::Manual(&id));
    }
    Ok(())
}

/// `preview({guide, step})`: runs `guide` (guide JSON, read by core) from step `step` in
/// the real overlay, for the in-app designer. Nothing is recorded or saved, and the user's
/// history is left alone; a preview replaces a running preview, and ends a running tour.
pub fn preview(arg: JsValue) -> Result<(), String> {
    let v = from_js(&arg).map_err(|_| "preview: expected { guide, step }")?;
    let step = v.get("step").and_then(serde_json::Value::as_u64).unwrap_or(0) as usize;
    // The designer validates with the full loader (in the Studio's core) before it asks.
    let guide = Guide::from_json(&v["guide"], At::Root("$.guide")).map_err(|e| format!("preview: {}: {}", e.path, e.message))?;
    if step >= guide.steps.len() {
        return Err(format!("preview: the guide has {} steps, no step {step}", guide.steps.len()));
    }
    let running = with(|rt| rt.active.as_ref().map(|a| a.preview));
    match running {
        Some(true) => {
            with(|rt| rt.active = None);
            hide_all();
        }
        Some(false) => dispatch(Input::Close),
        None => {}
    }
    // The guide from that step on, as a user who reached it sees it: Back to the step
    // before, Next on to the next (`start_at`).
    let (state, effects) = TourState::start_at(&guide, step, now());
    with(|rt| rt.active = Some(Active::new(guide, state, true, true)));
    run_effects(effects);
    drain();
    Ok(())
}

pub fn end() -> Result<(), String> {
    dispatch(Input::Close);
    Ok(())
}

pub fn reset() -> Result<(), String> {
    end_for_user_change();
    let user = with(|rt| rt.ctx.user_id.clone());
    store::remove_prefix(&user_key(&user, ""));
    store::remove("anon");
    let anon = format!("anon-{}", store::random_id());
    store::set("anon", &anon);
    load_user(&anon, Default::default(), true);
    Ok(())
}

/// What `debug()` explains, as JSON for the author module: the loaded guides' JSON, the
/// user's context and the scheduler's state.
pub fn debug_state() -> Result<String, String> {
    refresh_context();
    let guides: Vec<serde_json::Value> = with(|rt| {
        let loaded = |id: &str| rt.engine.as_ref().is_some_and(|e| e.guide(id).is_some());
        rt.sources.iter().filter(|(id, _)| loaded(id)).map(|(_, v)| v.clone()).collect()
    });
    let out = with(|rt| serde_json::to_string(&serde_json::json!({ "guides": guides, "ctx": &rt.ctx, "sched": &rt.sched })));
    out.map_err(|e| format!("debug: {e}"))
}

fn current_url() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            // The fragment too: hash-routed apps (`/#/settings`) are targeted by it.
            format!("{}{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default(), l.hash().unwrap_or_default())
        })
        .unwrap_or_default()
}

fn refresh_context() {
    let vp = dom::viewport();
    let url = current_url();
    let lang = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en".into());
    with(|rt| {
        rt.ctx.now_ms = now();
        rt.ctx.url = url;
        rt.ctx.viewport = Size { width: vp.width, height: vp.height };
        rt.ctx.device = Device::from_width(vp.width);
        rt.ctx.locale = rt.locale.clone().unwrap_or(lang);
    });
}

/// Coalesces page views, identify and init made in one run of script (the stub's replay,
/// or a host's `init(); identify()`) into one evaluation, in a microtask once that run is
/// over. Not a task: the host page's own tasks (a dashboard's chart animations) would run
/// first, and on the peer benchmark's dashboard that delayed the overlay's fetch by 36 ms.
fn schedule_eval() {
    if EVAL_PENDING.with(|p| p.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        if !dom::alive() {
            return;
        }
        EVAL_PENDING.with(|p| p.set(false));
        let url = guidepost_core::rules::NormalUrl::new(&current_url());
        check_goals(guidepost_core::goals::GoalInput::Page(&url));
        decide(TriggerInput::PageView);
    });
}

/// Asks the core which guide shows now, and starts it.
fn decide(trigger: TriggerInput) {
    if !matches!(trigger, TriggerInput::Manual(_)) && with(|rt| rt.stale) {
        // A cached copy the store has not confirmed: wait for its answer.
        return;
    }
    refresh_context();
    let decision = with(|rt| {
        let engine = rt.engine.as_ref()?;
        let active = rt.active.as_ref().filter(|a| !a.state.is_ended()).map(|a| a.guide.id.clone());
        Some(engine.next_guide(&rt.ctx, &rt.sched, active.as_deref(), trigger, &rt.budget))
    });
    let busy = with(|rt| rt.active.as_ref().is_some_and(|a| !a.state.is_ended()));
    match decision {
        // The runtime shows one guide at a time: a guide that doesn't displace the running
        // one (a banner or checklist beside a tour) waits for a later page view.
        Some(Decision::Show { displaces: None, .. }) if busy => {}
        Some(Decision::Show { guide_id, .. })
            if !matches!(trigger, TriggerInput::Manual(_)) && with(|rt| rt.handed_off.as_deref() == Some(guide_id.as_str())) => {}
        Some(Decision::Show { guide_id, variant, displaces }) => {
            if displaces.is_some() {
                dispatch(Input::Displaced);
            }
            start_guide(&guide_id, variant);
        }
        // Held out where it would have shown; the same trigger may start another guide.
        Some(Decision::HoldOut { .. }) if busy => {}
        Some(Decision::HoldOut { guide_id }) => {
            hold_out(&guide_id);
            decide(trigger);
        }
        Some(Decision::Nothing { reason }) => {
            if let TriggerInput::Manual(id) = trigger {
                report_error("start", &reason, JsValue::from_str(id));
            }
        }
        None => {}
    }
}

fn start_guide(id: &str, variant: Option<String>) {
    let t = now();
    let started = with(|rt| {
        let guide = rt.engine.as_ref()?.guide(id)?.clone();
        let (state, effects) = TourState::start(&guide, variant, t);
        let before = (!rt.overlay_up).then(|| rt.sched.clone());
        rt.sched.record_shown(id, t);
        rt.ctx.guides = rt.sched.history.clone();
        rt.active = Some(Active { sched_before: before, ..Active::new(guide, state, false, false) });
        Some(effects)
    });
    if let Some(effects) = started {
        save_user();
        run_effects(effects);
        drain();
    }
}

/// Feeds an input to the running guide's state machine; re-entrant calls are queued.
pub fn dispatch(input: Input) {
    INPUTS.with(|q| q.borrow_mut().push_back(input));
    drain();
}

fn drain() {
    if DISPATCHING.with(|d| d.replace(true)) {
        return;
    }
    while let Some(input) = INPUTS.with(|q| q.borrow_mut().pop_front()) {
        let t = now();
        let effects = with(|rt| {
            let a = rt.active.as_mut()?;
            let (next, fx) = transition(&a.guide, &a.state, input, t);
            a.state = next;
            Some(fx)
        });
        if let Some(fx) = effects {
            run_effects(fx);
            refresh_shown();
        }
    }
    DISPATCHING.with(|d| d.set(false));
}

/// Re-renders the step on screen when its state changed without a new Show effect
/// (a checklist item completed by a tracked event). Same key: focus and announcement stay.
fn refresh_shown() {
    let Some(cur) = with(|rt| rt.shown.clone()) else { return };
    let vm = with(|rt| {
        let a = rt.active.as_ref()?;
        step_vm(&a.guide, &a.state, &rt.ctx.locale, cur.centered)
    });
    if let Some(vm) = vm.filter(|vm| vm.key == cur.key && *vm != cur) {
        present(vm);
    }
}

/// Hands the step to the overlay module, anchored to the target found for it.
fn present(vm: StepVm) {
    let rtl = with(|rt| rt.rtl).unwrap_or_else(dom::is_rtl);
    let target = with(|rt| rt.target.clone().filter(|_| !vm.centered));
    ui::show(&vm, target.as_ref(), rtl);
    with(|rt| rt.shown = Some(vm));
}

/// Takes the step off the screen; `end` (the guide ended) also returns focus.
fn unpresent(end: bool) {
    with(|rt| rt.shown = None);
    ui::hide(end);
}

fn run_effects(effects: Vec<Effect>) {
    // A guide is about to show: fetch the overlay module while the target is awaited, and
    // before this batch's records and storage writes (the first write to localStorage
    // costs milliseconds, measured in BENCHMARKS.md).
    if effects.iter().any(|e| matches!(e, Effect::Locate { .. })) {
        ui::prefetch();
    }
    for e in effects {
        match e {
            Effect::Locate { step, timeout_ms } => locate(step, timeout_ms),
            Effect::Show { step, centered } => show(step, centered),
            Effect::Hide => unpresent(false),
            Effect::Record(d) => record(d),
            Effect::Persist => persist(),
            Effect::Ended { reason } => ended(reason),
            Effect::OpenUrl { url } => {
                if richtext::safe_url(&url) {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(&url);
                    }
                }
            }
        }
    }
}

fn locate(step: usize, timeout_ms: u32) {
    if held_while_leaving(Box::new(move || locate(step, timeout_ms))) {
        return;
    }
    let (target, gen, before) = with(|rt| {
        rt.locate_gen += 1;
        let before = rt.target.take().map(|f| f.el);
        let t = rt.active.as_ref().and_then(|a| a.guide.steps.get(step)).and_then(|s| s.target.clone());
        (t, rt.locate_gen, before)
    });
    let Some(target) = target else {
        dispatch(Input::TargetMissing);
        return;
    };
    dom::wait_for(target, timeout_ms, move |found| {
        let current = with(|rt| rt.locate_gen == gen);
        if !current {
            return;
        }
        match found {
            Some(f) => {
                listen_in_frames(&f);
                // Another element than the one shown before (the new page's own, after a
                // page change), or the same one (the old view, still there).
                let anew = before.as_ref().is_some_and(|b| *b != f.el);
                with(|rt| rt.target = Some(f));
                dispatch(if anew { Input::TargetFoundAnew } else { Input::TargetFound });
            }
            None => dispatch(Input::TargetMissing),
        }
    });
    // The previous step stays up while the next target is looked for, so a target that is
    // already there, or comes with the page's next render or a menu's opening, takes over
    // without a blink. One that takes longer (hidden in a collapsed tab, on a slow route)
    // must not leave the previous step on screen, pointing at the old target with a Next
    // that no longer answers: it goes, until the target comes or the wait ends.
    let grace = gloo_timers::callback::Timeout::new(LOCATE_GRACE_MS, move || {
        let waiting = with(|rt| {
            rt.locate_gen == gen
                && rt.shown.is_some()
                && rt.active.as_ref().is_some_and(|a| matches!(a.state.phase, Phase::Locating { .. }))
        });
        if waiting && dom::alive() {
            unpresent(false);
        }
    });
    with(|rt| rt.locate_grace = Some(grace));
}

/// While the page is following a link to another document, the next step is neither looked
/// for nor shown on the old page, which may have an element that matches (a card of the
/// same layout): `again` runs once the time given to the page is over, unless another step
/// came meanwhile. The step that was clicked goes now. Answers whether it held.
fn held_while_leaving(again: Box<dyn FnOnce()>) -> bool {
    let turn = HOLD_TURN.with(|t| t.get().wrapping_add(1));
    HOLD_TURN.with(|t| t.set(turn));
    // A step held before is superseded by this one, held or not.
    HELD.with(|h| h.borrow_mut().take());
    let leaving = LEAVING_UNTIL.with(Cell::get) - now();
    if leaving <= 0 {
        return false;
    }
    unpresent(false);
    HELD.with(|h| *h.borrow_mut() = Some(again));
    gloo_timers::callback::Timeout::new(leaving as u32, move || {
        if HOLD_TURN.with(Cell::get) == turn {
            take_up_held();
        }
    })
    .forget();
    true
}

/// The page did not leave after all (a router took the link's click): the held step is
/// taken up now.
fn stop_leaving() {
    LEAVING_UNTIL.with(|l| l.set(0));
    take_up_held();
}

fn take_up_held() {
    if let Some(again) = HELD.with(|h| h.borrow_mut().take()) {
        if dom::alive() {
            again();
        }
    }
}

/// How long the previous step stays on screen while the next step's target is looked for.
const LOCATE_GRACE_MS: u32 = 400;

fn show(_step: usize, centered: bool) {
    if held_while_leaving(Box::new(move || show(_step, centered))) {
        return;
    }
    let vm = with(|rt| {
        let a = rt.active.as_ref()?;
        step_vm(&a.guide, &a.state, &rt.ctx.locale, centered)
    });
    let Some(vm) = vm else { return };
    present(vm);
    // While the overlay module is still loading the step is not on screen yet: its timer
    // starts when the overlay announces it (`overlay_shown`).
    if with(|rt| rt.overlay_up) {
        arm_step_timeout();
    }
}

/// Starts the idle timer for the step now on screen, if `stepTimeoutMs` is set.
fn arm_step_timeout() {
    let (ms, mark) = with(|rt| {
        let mark = rt.active.as_ref().map(|a| (a.guide.id.clone(), a.state.step_started_ms));
        (rt.step_timeout_ms, mark)
    });
    let (Some(ms), Some(mark)) = (ms, mark) else { return };
    let timer = gloo_timers::callback::Timeout::new(ms, move || {
        if !dom::alive() {
            return;
        }
        let same = with(|rt| {
            rt.idle_timer = None;
            rt.active
                .as_ref()
                .is_some_and(|a| (a.guide.id.clone(), a.state.step_started_ms) == mark && matches!(a.state.phase, Phase::Showing { .. }))
        });
        if same {
            dispatch(Input::Timeout);
        }
    });
    with(|rt| rt.idle_timer = Some(timer));
}

fn record(d: guidepost_core::RecordDraft) {
    let r = with(|rt| {
        let a = rt.active.as_ref().filter(|a| !a.preview)?;
        let r = EventRecord::from_draft(d, &envelope(rt, &a.guide.id, a.guide.version, a.state.variant.clone()));
        if rt.overlay_up {
            return Some(r);
        }
        rt.active.as_mut()?.held.push(r);
        None
    });
    if let Some(r) = r {
        send(r);
    }
}

/// The overlay module put a step on screen: what was held back is sent, and the guide
/// counts as shown for good.
fn overlay_shown() {
    let held = with(|rt| {
        rt.overlay_up = true;
        let a = rt.active.as_mut()?;
        a.sched_before = None;
        // What was held happens now, for whoever reads the records: the step's time on
        // screen starts now too, not while the overlay module loaded. (A tour resumed from
        // an earlier page view holds nothing and keeps its step's start.)
        let mut held = std::mem::take(&mut a.held);
        if !held.is_empty() {
            let t = now();
            a.state.step_started_ms = t;
            for r in &mut held {
                r.timestamp = t;
            }
        }
        Some(held)
    });
    let restamped = held.as_ref().is_some_and(|h| !h.is_empty());
    for r in held.into_iter().flatten() {
        send(r);
    }
    if restamped {
        // The saved tour resumes with the step's new start after a reload.
        persist();
    }
    arm_step_timeout();
}

/// The overlay module could not be loaded (reported through `on('error')` by the loader):
/// the guide it held back leaves the screen unrecorded. A guide started on this page view
/// is not counted as shown and is not resumed; a resumed tour stays saved for the next
/// page view.
fn overlay_unavailable() {
    let started = with(|rt| {
        let a = rt.active.take().filter(|a| !a.preview && !rt.overlay_up)?;
        rt.target = None;
        let before = a.sched_before?;
        rt.sched = before;
        rt.ctx.guides = rt.sched.history.clone();
        Some(rt.ctx.user_id.clone())
    });
    dom::cancel_wait();
    if let Some(user) = started {
        store::remove(&user_key(&user, "tour"));
        store::remove(&user_key(&user, "tourguide"));
        save_user();
    }
    unpresent(false);
}

/// Who, where and when, for a record of guide `guide_id`.
fn envelope(rt: &Runtime, guide_id: &str, version: u32, variant: Option<String>) -> Envelope {
    Envelope {
        event_id: store::random_id(),
        guide_id: guide_id.to_string(),
        guide_version: version,
        user_id: rt.ctx.user_id.clone(),
        anonymous: rt.anonymous,
        session_id: rt.sched.session_id.clone(),
        timestamp: now(),
        url: current_url(),
        variant,
    }
}

/// Hands a record to the `on()` handlers and the delivery queue.
fn send(r: EventRecord) {
    let js = to_js(&r);
    emit("event", &js);
    emit(r.kind.as_str(), &js);
    delivery::enqueue(r);
}

/// A record about a guide that is not running (held out, goal reached).
fn record_about(guide_id: &str, version: u32, kind: guidepost_core::EventKind) {
    let draft = guidepost_core::RecordDraft { kind, step_id: None, step_index: None, reason: None, duration_ms: None, answer: None };
    let env = with(|rt| envelope(rt, guide_id, version, None));
    send(EventRecord::from_draft(draft, &env));
}

/// The user falls in the guide's holdout: recorded once, never shown automatically.
fn hold_out(id: &str) {
    let t = now();
    let version = with(|rt| {
        let v = rt.engine.as_ref()?.guide(id)?.version;
        rt.sched.record_held_out(id, t);
        rt.ctx.guides = rt.sched.history.clone();
        Some(v)
    });
    if let Some(v) = version {
        save_user();
        record_about(id, v, guidepost_core::EventKind::GuideHeldOut);
    }
}

/// Reports `goal_reached` for each guide whose goal `input` reaches for this user (once
/// per user and guide, within the goal's window after the first exposure).
fn check_goals(input: guidepost_core::goals::GoalInput) {
    let t = now();
    let hits: Vec<(String, u32)> = with(|rt| {
        let Some(engine) = rt.engine.as_ref() else { return vec![] };
        let hits: Vec<(String, u32)> =
            guidepost_core::goals::reached(engine.guides(), &input, &rt.sched, t).into_iter().map(|g| (g.id.clone(), g.version)).collect();
        for (id, _) in &hits {
            if let Some(h) = rt.sched.history.get_mut(id) {
                h.goal_ms = Some(t);
            }
        }
        rt.ctx.guides = rt.sched.history.clone();
        hits
    });
    if hits.is_empty() {
        return;
    }
    save_user();
    for (id, v) in hits {
        record_about(&id, v, guidepost_core::EventKind::GoalReached);
    }
}

fn persist() {
    if with(|rt| rt.active.as_ref().is_some_and(|a| a.preview)) {
        return;
    }
    let (user, state, snapshot) = with(|rt| {
        let a = rt.active.as_mut();
        let state = a.as_ref().map(|a| a.state.clone());
        // The guide itself once per tour (it does not change while the tour runs).
        let id = a.filter(|a| !a.snapshot_saved).map(|a| {
            a.snapshot_saved = true;
            a.guide.id.clone()
        });
        let snapshot = id.and_then(|id| rt.sources.iter().find(|(s, _)| *s == id).map(|(_, v)| v.clone()));
        (rt.ctx.user_id.clone(), state, snapshot)
    });
    match state {
        Some(s) if !s.is_ended() => {
            // Remembered as written: the tabs and frames that see it decide by it which one
            // keeps a tour both show (`taken_over`).
            let text = serde_json::to_string(&s).unwrap_or_default();
            store::set_raw(&user_key(&user, "tour"), &text);
            with(|rt| rt.tour_written = Some(text));
            if let Some(g) = snapshot {
                store::set(&user_key(&user, "tourguide"), &g);
            }
        }
        _ => {
            store::remove(&user_key(&user, "tour"));
            store::remove(&user_key(&user, "tourguide"));
        }
    }
}

fn ended(reason: guidepost_core::ExitReason) {
    let t = now();
    // A guide that ends before the overlay showed it (its target never came) is reported
    // as it went: the records held back go now.
    let held = with(|rt| {
        let a = rt.active.take().filter(|a| !a.preview);
        rt.target = None;
        let a = a?;
        rt.sched.record_exit(&a.guide.id, reason, t);
        rt.ctx.guides = rt.sched.history.clone();
        Some(a.held)
    });
    for r in held.into_iter().flatten() {
        send(r);
    }
    dom::cancel_wait();
    persist();
    save_user();
    unpresent(true);
}

fn hide_all() {
    dom::cancel_wait();
    unpresent(false);
}

/// Events from the overlay module's UI.
pub fn on_ui(ev: UiEvent) {
    let input = match ev {
        UiEvent::Button { index: Some(i), .. } => Input::Button { index: i },
        UiEvent::Button { index: None, action } => match action {
            guidepost_core::ButtonAction::Back => Input::Back,
            _ => Input::Next,
        },
        UiEvent::Close => Input::Close,
        UiEvent::Escape => Input::Escape,
        UiEvent::Backdrop => Input::BackdropClick,
        UiEvent::Next => Input::Next,
        UiEvent::Back => Input::Back,
        UiEvent::Survey { answer } => Input::SurveyAnswer { answer },
        UiEvent::StartGuide { id } => {
            decide(TriggerInput::Manual(&id));
            return;
        }
        // The anchored step's target left the page: look for it again.
        UiEvent::TargetLost => Input::TargetMissing,
        UiEvent::Shown => return overlay_shown(),
        UiEvent::Unavailable => return overlay_unavailable(),
    };
    dispatch(input);
}

/// The events that make a click on the target: the click itself, and the press and release
/// for apps that act on the release and take the element away before any click (a
/// Handsontable menu item runs its command on `mouseup` and closes the menu).
const CLICK_EVENTS: [&str; 4] = ["pointerdown", "pointerup", "click", "keydown"];

/// A number or flag of a page event, read as a property (events of frames are of another
/// realm).
fn event_prop(ev: &web_sys::Event, name: &str) -> JsValue {
    js_sys::Reflect::get(ev, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn listen_window() {
    let capture = dom::passive_capture();
    // Clicks on the target advance `advance: click` steps.
    let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
        if !dom::alive() {
            return;
        }
        let hit = with(|rt| {
            let showing = rt.active.as_ref().is_some_and(|a| matches!(a.state.phase, Phase::Showing { centered: false }));
            let t = rt.target.as_ref()?;
            // On the click's path: a target inside an open shadow root (by the time the click
            // reaches the document, its target is the shadow root's host), a target that is a
            // component's host clicked on its shadow content, a target in a frame (no
            // `instanceof` on nodes of another realm).
            Some(showing && ev.composed_path().includes(&t.el, 0))
        }) == Some(true);
        match ev.type_().as_str() {
            "pointerdown" => {
                let primary = event_prop(&ev, "button").as_f64() == Some(0.0);
                PRESS.with(|p| *p.borrow_mut() = (hit && primary).then(|| ev.clone()));
                COUNTED.with(|c| c.set(false));
            }
            // A key may click too (Enter on a button): the next click is not a press's.
            "keydown" => {
                PRESS.with(|p| p.borrow_mut().take());
                COUNTED.with(|c| c.set(false));
            }
            "pointerup" => {
                // Pressed and released on the target: a click, counted now (the app may take
                // the element away on this release, and the step would be looking for it
                // again by the time a click came). The click that follows is this one. Not
                // on a disabled control, which gets no click. A link's click always comes:
                // it is counted then, knowing where it goes. Released anywhere after a
                // press the page acted on (it prevented the press's default: Radix's menu
                // trigger opens on the press and lets no pointer event reach the page until
                // it closes, so neither the release nor a click comes to the target).
                let Some(down) = PRESS.with(|p| p.borrow_mut().take()) else { return };
                if (hit || down.default_prevented()) && !disabled_on_path(&ev) && link_on_path(&ev).is_none() {
                    COUNTED.with(|c| c.set(true));
                    dispatch(Input::TargetClicked);
                }
            }
            _ => {
                PRESS.with(|p| p.borrow_mut().take());
                if COUNTED.with(|c| c.replace(false)) || !hit {
                    return;
                }
                // A link to another document in this tab: the next step is held until the
                // page goes ([`held_while_leaving`]), unless the page's handlers prevent the
                // click's default (a router took it), known once they have run.
                let leaving = link_on_path(&ev).filter(|link| leaves_document(&ev, link)).is_some();
                if leaving {
                    LEAVING_UNTIL.with(|l| l.set(now() + LEAVING_MS));
                    gloo_timers::callback::Timeout::new(0, move || {
                        if ev.default_prevented() {
                            stop_leaving();
                        }
                    })
                    .forget();
                }
                dispatch(Input::TargetClicked);
            }
        }
    });
    let f: js_sys::Function = on_click.into_js_value().unchecked_into();
    if let Some(doc) = dom::document() {
        for name in CLICK_EVENTS {
            let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(name, &f, &capture);
        }
    }
    ON_CLICK.with(|c| *c.borrow_mut() = Some(f));
}

/// How long a page that follows a link is given to go before the next step is looked for on
/// it after all (a navigation the server answered with nothing, a download).
const LEAVING_MS: i64 = 10_000;

/// The elements on an event's path, whatever their realm (a frame's are of another): by
/// node type, not `instanceof`; shadow roots, the document and the window left out.
fn path_elements(ev: &web_sys::Event) -> impl Iterator<Item = web_sys::Element> {
    let path = ev.composed_path();
    (0..path.length()).map(move |i| path.get(i)).filter_map(|n| {
        (js_sys::Reflect::get(&n, &"nodeType".into()).ok()?.as_f64()? == 1.0).then(|| n.unchecked_into::<web_sys::Element>())
    })
}

/// The link a click went through: the nearest `<a href>` on its path (in the target, or
/// around it: `a.nav-link > p`).
fn link_on_path(ev: &web_sys::Event) -> Option<web_sys::Element> {
    path_elements(ev).find(|el| el.local_name() == "a" && el.has_attribute("href"))
}

/// A disabled control on the path, up to the target: it gets no click.
fn disabled_on_path(ev: &web_sys::Event) -> bool {
    let Some(target) = with(|rt| rt.target.as_ref().map(|t| t.el.clone())) else { return false };
    for el in path_elements(ev) {
        if el.matches(":disabled").unwrap_or(false) || el.get_attribute("aria-disabled").as_deref() == Some("true") {
            return true;
        }
        if el == target {
            break;
        }
    }
    false
}

/// Whether following `link` with the click `ev` loads another document in this tab: a plain
/// primary click (a modifier opens a tab or a window), an http(s) URL other than this page's
/// (a change of the fragment alone stays), not in another window, no download.
fn leaves_document(ev: &web_sys::Event, link: &web_sys::Element) -> bool {
    let plain = ["ctrlKey", "metaKey", "shiftKey", "altKey"].iter().all(|k| !event_prop(ev, k).is_truthy())
        && event_prop(ev, "button").as_f64().unwrap_or(0.0) == 0.0;
    let href = js_sys::Reflect::get(link, &"href".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let here = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let doc = |u: &str| u.split('#').next().unwrap_or_default().to_string();
    let frame = link.get_attribute("target").unwrap_or_default();
    plain
        && (href.starts_with("http://") || href.starts_with("https://"))
        && doc(&href) != doc(&here)
        && (frame.is_empty() || frame.eq_ignore_ascii_case("_self"))
        && !link.has_attribute("download")
}

/// Clicks inside a same-origin frame never reach the top document: a target found in one
/// is listened to in its frame's document too (added once per document).
fn listen_in_frames(found: &dom::Found) {
    let Some(f) = ON_CLICK.with(|c| c.borrow().clone()) else { return };
    let capture = dom::passive_capture();
    for frame in &found.frames {
        if let Some(doc) = frame.content_document() {
            for name in CLICK_EVENTS {
                let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(name, &f, &capture);
            }
        }
    }
}
