//! The overlay: a leptos view rendered inside the open shadow root of one
//! `<guidepost-root>` element, so host CSS can't break it and it can't leak out.
//!
//! It renders a [`StepVm`] and a [`Geometry`] and reports clicks and keys as
//! [`UiEvent`]s. It never sees a guide, a rule or the state machine.

use std::cell::RefCell;
use std::rc::Rc;

use guidepost_core::richtext::{self, Block, Inline};
use guidepost_core::view::{StepVm, UiEvent};
use guidepost_core::{FloatSize, Mode, Position, Rect, StepKind, SurveyAnswer, SurveyScale};
use guidepost_dom::{alive, document, px};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `view!` with every element built node by node. Leptos builds an element that is wholly
/// static (an "inert element") from a string of HTML through `innerHTML`, which a page that
/// enforces Trusted Types (`require-trusted-types-for 'script'`) refuses: the step never
/// showed and the error went into the page. A scope class is the macro's own switch for
/// that; `gp-v` is a class no rule uses. Nested `view!`s are this one too.
macro_rules! view {
    ($($t:tt)*) => { ::leptos::view! { class = "gp-v", $($t)* } };
}

/// Where things go on screen, computed by the core from DOM rectangles.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Geometry {
    pub viewport: Rect,
    pub target: Option<Rect>,
    pub position: Option<Position>,
    pub spotlight: Option<String>,
    pub visible: bool,
    /// A hotspot's beacon: its top left corner, in the coordinates of the box.
    pub beacon: Option<(f64, f64)>,
    /// Page coordinates (relative to the host, which scrolls with the document) instead of
    /// viewport coordinates for the box, the beacon and the target: they are
    /// `position: absolute` and scroll with the page. Never with a backdrop.
    pub in_page: bool,
}

#[derive(Clone, Copy)]
struct Signals {
    step: RwSignal<Option<StepVm>>,
    geo: RwSignal<Geometry>,
    rtl: RwSignal<bool>,
    open: RwSignal<bool>,
    announce: RwSignal<String>,
}

type Handler = Rc<dyn Fn(UiEvent)>;

thread_local! {
    static SIGNALS: RefCell<Option<Signals>> = const { RefCell::new(None) };
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
    static SHADOW: RefCell<Option<web_sys::ShadowRoot>> = const { RefCell::new(None) };
    /// The focus was in the step that just went, and the new one has not taken it yet.
    static KEYS_HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn signals() -> Option<Signals> {
    SIGNALS.with(|s| *s.borrow())
}

pub fn send(ev: UiEvent) {
    let h = HANDLER.with(|h| h.borrow().clone());
    if let Some(h) = h {
        h(ev);
    }
}

const CSS: &str = include_str!("overlay.css");

/// Keeps the handler of what the user does and mounts the view (see [`mount`]).
pub fn boot(handler: impl Fn(UiEvent) + 'static) {
    HANDLER.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
    mount();
}

/// Creates `<guidepost-root>` with an open shadow root and mounts the view in it, once. The
/// module can load before the page has a `<body>` (a tour in progress is fetched as the
/// loader starts): then the first step shown mounts it.
pub fn mount() {
    if signals().is_some() {
        return;
    }
    let Some(doc) = document() else { return };
    let Some(body) = doc.body() else { return };
    let Ok(host) = doc.create_element("guidepost-root") else { return };
    // A manual popover: shown, it sits in the browser's top layer, above every z-index of
    // the page (chat widgets use 2147483647). Browsers without the Popover API keep the
    // z-index of `:host`.
    let _ = host.set_attribute("popover", "manual");
    // A page's focus trap that lists the tabbable elements of its dialog (Element Plus's,
    // focus-trap's) does not look into shadow roots: a tabbable host is on its list, so Tab
    // from the dialog's last element reaches the step's buttons instead of wrapping round.
    // The host delegates its focus, so it is no tab stop of its own.
    let init = web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open);
    let _ = js_sys::Reflect::set(&init, &"delegatesFocus".into(), &true.into());
    let _ = host.set_attribute("tabindex", "0");
    let Ok(shadow) = host.attach_shadow(&init) else { return };
    // Positions are set through the CSSOM (`prop:style`), never as `style` attributes.
    guidepost_dom::sheet::adopt_css(&doc, &shadow, CSS);
    let Ok(container) = doc.create_element("div") else { return };
    let _ = shadow.append_child(&container);
    let _ = body.append_child(&host);
    guidepost_dom::modal::claim_presses(&host);
    SHADOW.with(|s| *s.borrow_mut() = Some(shadow.clone()));
    let sig = Signals {
        step: RwSignal::new(None),
        geo: RwSignal::new(Geometry::default()),
        rtl: RwSignal::new(false),
        open: RwSignal::new(false),
        announce: RwSignal::new(String::new()),
    };
    SIGNALS.with(|s| *s.borrow_mut() = Some(sig));
    let container: web_sys::HtmlElement = container.unchecked_into();
    leptos::mount::mount_to(container, move || root_view(sig)).forget();
    listen_keys();
}

pub fn set_step(vm: Option<StepVm>) {
    let Some(s) = signals() else { return };
    let changed = s.step.with_untracked(|cur| cur.as_ref().map(|c| &c.key) != vm.as_ref().map(|v| &v.key));
    if !changed {
        s.step.set(vm);
        return;
    }
    // The step the focus was in goes: until the new one takes the focus, the body's keys
    // are still the tour's (a keyboard user's next arrow comes before that).
    KEYS_HELD.with(|k| k.set(focus_inside()));
    let announcement = vm.as_ref().map(StepVm::announcement);
    let is_hotspot = vm.as_ref().is_some_and(|v| v.kind == StepKind::Hotspot);
    s.open.set(!is_hotspot);
    s.geo.set(Geometry::default());
    top_layer(vm.is_some());
    s.step.set(vm);
    if let Some(a) = announcement {
        s.announce.set(a);
        // Move focus in once the view has rendered.
        after_render(focus_primary);
    }
}

/// What positioning needs of the step on screen, read without copying the step (this
/// runs on every scroll frame).
#[derive(Clone, Copy)]
pub struct Shown {
    pub anchored: bool,
    pub backdrop: bool,
    pub centered: bool,
    pub kind: StepKind,
    pub placement: guidepost_core::Placement,
}

pub fn shown() -> Option<Shown> {
    signals()?.step.with_untracked(|vm| {
        vm.as_ref().map(|vm| Shown {
            anchored: vm.is_anchored(),
            backdrop: vm.backdrop,
            centered: vm.centered,
            kind: vm.kind,
            placement: vm.placement,
        })
    })
}

/// Sets where things go; returns whether that changed anything.
pub fn set_geometry(g: Geometry) -> bool {
    let Some(s) = signals() else { return false };
    let changed = s.geo.with_untracked(|cur| *cur != g);
    if changed {
        s.geo.set(g);
    }
    changed
}

pub fn set_rtl(rtl: bool) {
    if let Some(s) = signals() {
        s.rtl.set(rtl);
    }
}

pub fn rtl() -> bool {
    signals().is_some_and(|s| s.rtl.get_untracked())
}

/// Whether a step is on screen.
pub(crate) fn showing() -> bool {
    signals().is_some_and(|s| s.step.with_untracked(Option::is_some))
}

/// Puts the host in the top layer (`showPopover`) while a step shows, out of it otherwise.
pub(crate) fn top_layer(show: bool) {
    let Some(host) = shadow().map(|s| s.host()) else { return };
    let open = host.matches(":popover-open").unwrap_or(false);
    if open == show {
        return;
    }
    let method = if show { "showPopover" } else { "hidePopover" };
    if let Ok(f) = js_sys::Reflect::get(&host, &JsValue::from_str(method)).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call0(&host);
    }
}

pub(crate) fn shadow() -> Option<web_sys::ShadowRoot> {
    SHADOW.with(|s| s.borrow().clone())
}

/// Where the host's top left corner is in the viewport: the origin of page coordinates.
pub fn host_origin() -> (f64, f64) {
    shadow().map(|s| s.host().get_bounding_client_rect()).map_or((0.0, 0.0), |r| (r.x(), r.y()))
}

/// The floating box, while a step shows.
pub fn floating() -> Option<web_sys::HtmlElement> {
    shadow()?.query_selector(".gp-float").ok()??.dyn_into().ok()
}

/// The rendered size of the floating box.
pub fn floating_size() -> Option<FloatSize> {
    let el = floating()?;
    let (w, h) = (el.offset_width() as f64, el.offset_height() as f64);
    (w > 0.0).then_some(FloatSize { width: w, height: h })
}

fn after_render(f: fn()) {
    let cb = Closure::once_into_js(move || {
        if !alive() {
            return;
        }
        // Two frames: leptos applies updates in a microtask, layout settles by the next frame.
        let cb2 = Closure::once_into_js(f);
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(cb2.unchecked_ref());
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(cb.unchecked_ref());
    }
}

/// Moves the focus to the new step's main button, for keyboard and screen reader users.
/// Not from a field of the page the user is typing in, nor from a frame (an editor's
/// canvas): the app may have focused it itself as the step came (a filter's input that the
/// step points at), and the keys typed next, a space among them, would press the step's
/// button. Nor from an open menu or dropdown of the page's, which closes when the focus
/// leaves it (the step may point at its item). A modal step takes the focus all the same,
/// onto its box when the user is typing: the next space or Enter would otherwise press
/// Next or Done on a step the user never read.
fn focus_primary() {
    KEYS_HELD.with(|k| k.set(false));
    let modal = signals().is_some_and(|s| s.step.with_untracked(|v| v.as_ref().is_some_and(StepVm::is_modal)));
    let typing = typing_in_page();
    // (The focus on the previous step, in the host, is ours to move.)
    let in_popup = || {
        document()
            .filter(|d| d.active_element().zip(shadow()).is_none_or(|(a, s)| a != s.host()))
            .and_then(|d| guidepost_dom::focused(&d))
            .is_some_and(|el| guidepost_dom::in_open_popup(&el))
    };
    if !modal && (typing || in_popup()) {
        return;
    }
    let Some(root) = shadow() else { return };
    let button =
        || root.query_selector(".gp-float .gp-primary").ok().flatten().or_else(|| root.query_selector(".gp-float button").ok().flatten());
    let el = if typing { None } else { button() }.or_else(|| root.query_selector(".gp-float").ok().flatten());
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let opts = web_sys::FocusOptions::new();
        opts.set_prevent_scroll(true);
        let _ = el.focus_with_options(&opts);
    }
}

/// The page's focus is in a field that takes text (a text input, a textarea, a select,
/// an editable element) or in a frame, down through shadow roots.
fn typing_in_page() -> bool {
    let mut el = document().and_then(|d| d.active_element());
    while let Some(inner) = el.as_ref().and_then(|e| e.shadow_root()).and_then(|r| r.active_element()) {
        el = Some(inner);
    }
    let Some(el) = el else { return false };
    if shadow().is_some_and(|s| JsValue::from(s.host()) == JsValue::from(el.clone())) {
        return false;
    }
    match el.local_name().as_str() {
        "textarea" | "select" | "iframe" => true,
        "input" => {
            let kind = el.get_attribute("type").unwrap_or_default().to_ascii_lowercase();
            !matches!(kind.as_str(), "button" | "submit" | "reset" | "checkbox" | "radio" | "range" | "color" | "file" | "image")
        }
        _ => guidepost_dom::is_editable(&el),
    }
}

fn focusables() -> Vec<web_sys::HtmlElement> {
    let Some(root) = shadow() else { return vec![] };
    let Ok(list) = root.query_selector_all(".gp-beacon, .gp-float button, .gp-float textarea, .gp-float a[href], .gp-float input") else {
        return vec![];
    };
    (0..list.length())
        .filter_map(|i| list.get(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| !e.has_attribute("disabled"))
        .collect()
}

/// Past the step's controls, inside the page's modal (the host's parent is not the body):
/// the page's next (or previous) tabbable element in that modal after the host, wrapping
/// round. A page's trap that looks for the focused element without entering shadow roots
/// (Vuetify's `contains` on the deepest active element) lets Tab from the step leave its
/// dialog for the page behind it. In the body, `None`: the browser's order stands.
fn beside_host(back: bool) -> Option<web_sys::HtmlElement> {
    let host = shadow()?.host();
    let modal = host.parent_element().filter(|p| !p.tag_name().eq_ignore_ascii_case("body"))?;
    let list = modal.query_selector_all("a[href], button, input, select, textarea, summary, [tabindex], [contenteditable]").ok()?;
    let all: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.get(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| {
            let el: &web_sys::Element = e.unchecked_ref();
            *el != host
                && e.tab_index() >= 0
                && !el.has_attribute("disabled")
                && el.get_client_rects().length() > 0
                && el.closest("[inert]").ok().flatten().is_none()
        })
        .collect();
    // Before the host in the document's order, or after it.
    let before = |e: &web_sys::HtmlElement| host.compare_document_position(e) & web_sys::Node::DOCUMENT_POSITION_PRECEDING != 0;
    if back {
        all.iter().rev().find(|e| before(e)).or_else(|| all.last()).cloned()
    } else {
        all.iter().find(|e| !before(e)).or_else(|| all.first()).cloned()
    }
}

/// The focus is in the overlay. Asked of the host's shadow root, not of the document: where
/// the host sits in a web component's shadow root (its modal), the document's active element
/// is that component.
fn focus_inside() -> bool {
    shadow().is_some_and(|s| s.active_element().is_some())
}

/// The event comes from the designer's panel: its host, `<guidepost-designer>`, is on the
/// event's path (the panel may sit in a modal inside a component's shadow root).
fn from_designer(ev: &web_sys::Event) -> bool {
    ev.composed_path().iter().any(|n| n.dyn_ref::<web_sys::Element>().is_some_and(|e| e.local_name() == "guidepost-designer"))
}

fn listen_keys() {
    let Some(doc) = document() else { return };
    let on_key = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(|ev: web_sys::KeyboardEvent| {
        // Keys typed in the designer's panel (beside a step it previews) are the panel's.
        if !alive() || from_designer(&ev) {
            return;
        }
        let Some(s) = signals() else { return };
        let Some(vm) = s.step.get_untracked() else { return };
        let rtl = s.rtl.get_untracked();
        let body_focused = document().and_then(|d| d.active_element()).is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
        let inside = focus_inside() || (body_focused && KEYS_HELD.with(std::cell::Cell::get));
        // A key typed in the step is the step's alone: the page's own shortcuts (a slide
        // deck's arrows, a grid's keys) do not act on it too.
        let handled = |ev: &web_sys::KeyboardEvent| {
            ev.prevent_default();
            if inside || vm.is_modal() {
                ev.stop_propagation();
            }
        };
        match ev.key().as_str() {
            // A hotspot's open hint closes, as a popup does, and the focus goes back to its
            // beacon: the hint is the hotspot's, the guide goes on.
            "Escape" if vm.kind == StepKind::Hotspot && s.open.get_untracked() && (inside || body_focused) => {
                handled(&ev);
                toggle_hint(s);
                focus_beacon();
            }
            // The page's own Escape (closing its menu, its filter, its dialog) is left to it,
            // and so is Escape on the page beside a hotspot's closed beacon.
            "Escape" if inside || (body_focused && vm.kind != StepKind::Hotspot) || vm.is_modal() => {
                handled(&ev);
                send(UiEvent::Escape);
            }
            // Arrows with the focus on the page's body are the page's (scrolling sideways, a
            // slide deck's or a carousel's navigation), unless a modal step holds the page.
            "ArrowRight" | "ArrowLeft" if (inside || (body_focused && vm.is_modal())) && vm.kind != StepKind::Survey => {
                let forward = (ev.key() == "ArrowRight") != rtl;
                handled(&ev);
                send(if forward { UiEvent::Next } else { UiEvent::Back });
            }
            "Tab" if vm.is_modal() || focus_inside() => {
                // Tab among the step's own controls is moved here and kept from the page: a
                // page's focus trap that takes the host (tabbable, see `mount`) for its
                // dialog's last element would wrap round from the first. A modal step keeps
                // the focus, wrapping round itself; past the last control of another step,
                // Tab is the page's. The hint's beacon comes first; the step's box itself
                // (focused by a click on its text) comes before its controls.
                let items = focusables();
                let current = shadow().and_then(|r| r.active_element());
                let at = current.as_ref().and_then(|c| items.iter().position(|e| e.unchecked_ref::<web_sys::Element>() == c));
                let n = items.len() as isize;
                // Not on a control: from before the first, or (Shift+Tab from the page into a
                // modal step) after the last.
                let from = match at {
                    Some(i) => i as isize,
                    None if current.is_none() && ev.shift_key() => n,
                    None => -1,
                };
                let to = if ev.shift_key() { from - 1 } else { from + 1 };
                let to = if vm.is_modal() && n > 0 { to.rem_euclid(n) } else { to };
                let next = usize::try_from(to)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .or_else(|| (!vm.is_modal()).then(|| beside_host(ev.shift_key())).flatten());
                if let Some(t) = next {
                    ev.prevent_default();
                    ev.stop_propagation();
                    let _ = t.focus();
                } else if vm.is_modal() {
                    ev.prevent_default();
                    ev.stop_propagation();
                }
            }
            _ => {}
        }
    });
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_capture(true);
    let _ = doc.add_event_listener_with_callback_and_add_event_listener_options("keydown", on_key.as_ref().unchecked_ref(), &opts);
    on_key.forget();
    // The focus moving in the page may say where its modal traps it (`host::rehome`): the
    // host goes there before the next Tab. Not for the focus moving into the host.
    let on_focus = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
        let host = shadow().map(|s| s.host());
        if alive() && shown().is_some() && host.is_some_and(|h| ev.target().is_some_and(|t| JsValue::from(t) != JsValue::from(h))) {
            crate::host::rehome();
        }
    });
    let _ = doc.add_event_listener_with_callback_and_add_event_listener_options("focusin", on_focus.as_ref().unchecked_ref(), &opts);
    on_focus.forget();
}

// ---------------------------------------------------------------------------
// Views.

fn root_view(s: Signals) -> impl IntoView {
    view! {
        <div class="gp" dir=move || if s.rtl.get() { "rtl" } else { "ltr" }>
            <div class="gp-live" role="status" aria-live="polite">{move || s.announce.get()}</div>
            {move || s.step.get().map(|vm| step_view(vm, s))}
        </div>
    }
}

/// CSS pixels, rounded to hundredths.
fn float_style(g: &Geometry) -> String {
    match (&g.position, g.visible) {
        (Some(p), true) => match p.mode {
            Mode::BottomSheet => "left:0;right:0;bottom:0;top:auto;width:auto;max-width:none;border-radius:12px 12px 0 0".into(),
            // `translate`, not `left`/`top`: moving the box each scroll frame then changes
            // no layout (and composes with the entrance animation's `transform`).
            _ => format!("{}left:0;top:0;translate:{} {}", if g.in_page { "position:absolute;" } else { "" }, px(p.x), px(p.y)),
        },
        _ => "left:0;top:0;visibility:hidden".into(),
    }
}

fn arrow_style(g: &Geometry) -> Option<String> {
    let p = g.position.as_ref()?;
    let a = p.arrow?;
    use guidepost_core::model::Side;
    Some(match a.edge {
        Side::Top => format!("top:-6px;left:{}", px(a.offset - 6.0)),
        Side::Bottom => format!("bottom:-6px;left:{}", px(a.offset - 6.0)),
        Side::Left => format!("left:-6px;top:{}", px(a.offset - 6.0)),
        Side::Right => format!("right:-6px;top:{}", px(a.offset - 6.0)),
    })
}

fn inline_view(runs: Vec<Inline>) -> impl IntoView {
    runs.into_iter()
        .map(|r| {
            let mut v: AnyView = r.text.clone().into_any();
            if r.code {
                v = view! { <code>{r.text.clone()}</code> }.into_any();
            }
            if r.italic {
                v = view! { <em>{v}</em> }.into_any();
            }
            if r.bold {
                v = view! { <strong>{v}</strong> }.into_any();
            }
            if let Some(href) = r.link.clone() {
                v = view! { <a href=href target="_blank" rel="noopener noreferrer">{v}</a> }.into_any();
            }
            if r.br {
                view! { <br/>{v} }.into_any()
            } else {
                v
            }
        })
        .collect_view()
}

fn body_view(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(runs) => view! { <p>{inline_view(runs)}</p> }.into_any(),
            Block::List(items) => {
                view! { <ul>{items.into_iter().map(|r| view! { <li>{inline_view(r)}</li> }).collect_view()}</ul> }.into_any()
            }
        })
        .collect_view()
}

fn buttons_view(vm: &StepVm) -> impl IntoView {
    vm.buttons
        .iter()
        .cloned()
        .map(|b| {
            let (index, action) = (b.index, b.action);
            view! {
                <button type="button" class="gp-btn" class:gp-primary=b.primary
                    on:click=move |_| send(UiEvent::Button { index, action })>{b.label}</button>
            }
        })
        .collect_view()
}

fn survey_view(vm: &StepVm) -> impl IntoView {
    let survey = vm.survey.clone()?;
    let score = RwSignal::new(None::<i32>);
    let choice = RwSignal::new(None::<String>);
    let comment = RwSignal::new(String::new());
    let scale = match &survey.scale {
        SurveyScale::Nps => (0..=10).map(|n| n.to_string()).collect::<Vec<_>>(),
        SurveyScale::Rating { min, max } => (*min..=*max).map(|n| n.to_string()).collect(),
        SurveyScale::Choice { choices } => choices.clone(),
    };
    let is_choice = matches!(survey.scale, SurveyScale::Choice { .. });
    let options = scale
        .into_iter()
        .map(|label| {
            let value = label.clone();
            let pressed = {
                let value = value.clone();
                move || {
                    if is_choice {
                        choice.get().as_deref() == Some(value.as_str())
                    } else {
                        score.get().map(|s| s.to_string()).as_deref() == Some(value.as_str())
                    }
                }
            };
            let pick = move |_| {
                if is_choice {
                    choice.set(Some(value.clone()));
                } else {
                    score.set(value.parse().ok());
                }
            };
            view! {
                <button type="button" class="gp-scale-btn" aria-pressed=move || pressed().to_string() on:click=pick>{label}</button>
            }
        })
        .collect_view();
    let with_comment = survey.comment;
    let submit = move |_| {
        let c = comment.get_untracked();
        send(UiEvent::Survey {
            answer: SurveyAnswer {
                score: score.get_untracked(),
                choice: choice.get_untracked(),
                comment: (!c.trim().is_empty()).then_some(c),
            },
        })
    };
    Some(view! {
        <fieldset class="gp-survey">
            <legend class="gp-question">{survey.question.clone()}</legend>
            <div class="gp-scale" class:gp-nps=!is_choice>{options}</div>
            {(!is_choice).then(|| view! { <div class="gp-scale-ends" aria-hidden="true"><span>"Not likely"</span><span>"Very likely"</span></div> })}
            {with_comment.then(|| view! {
                <label class="gp-comment">"Comment (optional)"
                    <textarea rows="2" on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
            })}
            <div class="gp-footer">
                <button type="button" class="gp-btn gp-primary" disabled=move || score.get().is_none() && choice.get().is_none() on:click=submit>"Submit"</button>
            </div>
        </fieldset>
    })
}

fn checklist_view(vm: &StepVm) -> impl IntoView {
    let done = vm.items.iter().filter(|i| i.done).count();
    let total = vm.items.len();
    let items = vm
        .items
        .iter()
        .map(|it| {
            let start = it.start_guide.clone();
            view! {
                <li class="gp-item" class:gp-done=it.done>
                    <button type="button" class="gp-item-btn" aria-pressed=it.done.to_string()
                        on:click=move |_| if let Some(g) = start.clone() { send(UiEvent::StartGuide { id: g }) }>
                        <span class="gp-check" aria-hidden="true">{if it.done { "✓" } else { "" }}</span>
                        {it.label.clone()}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="gp-checklist-progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string() aria-valuenow=done.to_string()>
            <span prop:style=format!("width:{}%", (done * 100).checked_div(total).unwrap_or(0))></span>
        </div>
        <p class="gp-count">{format!("{done} of {total} done")}</p>
        <ul class="gp-items">{items}</ul>
    }
}

fn dialog_view(vm: StepVm, s: Signals) -> impl IntoView {
    let kind = vm.kind;
    let modal = vm.is_modal();
    let title = vm.title.clone().unwrap_or_default();
    let progress = (vm.total > 1).then(|| format!("{} / {}", vm.position, vm.total));
    let progress_label = format!("Step {} of {}", vm.position, vm.total);
    let kind_class = format!("gp-float gp-{}", kind.as_str());
    let tooltip_attr = matches!(kind, StepKind::Tooltip | StepKind::Hotspot).then_some("");
    view! {
        <div class=kind_class role="dialog" aria-modal=modal.to_string() aria-labelledby="gp-title" aria-describedby="gp-body"
            tabindex="-1" data-guide-tooltip=tooltip_attr prop:style=move || float_style(&s.geo.get())>
            <button type="button" class="gp-close" aria-label="Close" on:click=move |_| send(UiEvent::Close)>"×"</button>
            {(!title.is_empty()).then(|| view! { <h2 id="gp-title" class="gp-title">{title.clone()}</h2> })}
            <div id="gp-body" class="gp-body">{body_view(richtext::parse(&vm.body))}</div>
            {survey_view(&vm)}
            {(kind == StepKind::Checklist).then(|| checklist_view(&vm))}
            <div class="gp-footer">
                {progress.map(|p| view! { <span class="gp-progress" aria-label=progress_label>{p}</span> })}
                <span class="gp-spacer"></span>
                {buttons_view(&vm)}
            </div>
            {move || arrow_style(&s.geo.get()).map(|st| view! { <div class="gp-arrow" prop:style=st></div> })}
        </div>
    }
}

/// Focuses a hotspot's beacon (the hint that held the focus is closing).
fn focus_beacon() {
    if let Some(b) =
        shadow().and_then(|r| r.query_selector(".gp-beacon").ok().flatten()).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = b.focus();
    }
}

/// Opens or closes a hotspot's hint. The box it opens is measured and placed on the next
/// frame (nothing else would ask: a step in page coordinates ignores the page's scrolls).
fn toggle_hint(s: Signals) {
    s.open.update(|o| *o = !*o);
    crate::place::reposition_soon();
}

fn step_view(vm: StepVm, s: Signals) -> AnyView {
    let kind = vm.kind;
    let backdrop = vm.backdrop;
    let dialog = {
        let vm = vm.clone();
        move || dialog_view(vm.clone(), s)
    };
    let backdrop_view = move || {
        let g = s.geo.get();
        (backdrop && g.visible).then(|| {
            let d = g.spotlight.clone().unwrap_or_default();
            view! {
                <svg class="gp-backdrop" aria-hidden="true" on:click=move |_| send(UiEvent::Backdrop)>
                    <path d=d fill-rule="evenodd"></path>
                </svg>
            }
        })
    };
    match kind {
        StepKind::Hotspot => view! {
            {move || {
                let g = s.geo.get();
                g.beacon.filter(|_| g.visible).map(|(x, y)| {
                    let style = format!("{}left:{};top:{}", if g.in_page { "position:absolute;" } else { "" }, px(x), px(y));
                    view! {
                        <button type="button" class="gp-beacon" prop:style=style aria-label="Open hint"
                            aria-expanded=move || s.open.get().to_string() on:click=move |_| toggle_hint(s)>
                            <span></span>
                        </button>
                    }
                })
            }}
            {move || s.open.get().then(dialog.clone())}
        }
        .into_any(),
        StepKind::Banner => view! {
            <div class="gp-banner" role="region" aria-label=vm.title.clone().unwrap_or_else(|| "Announcement".into())>
                {vm.title.clone().map(|t| view! { <strong class="gp-title">{t}</strong> })}
                <div class="gp-body">{body_view(richtext::parse(&vm.body))}</div>
                <span class="gp-spacer"></span>
                {buttons_view(&vm)}
                <button type="button" class="gp-close" aria-label="Close" on:click=move |_| send(UiEvent::Close)>"×"</button>
            </div>
        }
        .into_any(),
        _ => view! { {backdrop_view} {dialog} }.into_any(),
    }
}
