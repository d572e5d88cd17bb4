//! How the picker names an element: pure logic over what the page says about the picked
//! element and its ancestors. `pick.rs` is the platform: it reads the DOM into [`Node`]s and
//! answers [`Page::matches`] by querying where the runtime looks for targets.
//!
//! The order of preference: the author's attribute families (`data-tour`, `data-testid`,
//! `id`, `aria-label`), other `data-` attributes, what the element says about itself (a
//! link's `href`, `title`, `alt`, `placeholder`), then its stable classes (the app's own
//! before a CSS framework's); a class unique only because its block is the one the page
//! shows open is anchored on that block's own name. When none of
//! these is unique on the page, the nearest ancestor that has a unique one anchors the
//! element's own (`#sidebar a.nav-link`), and only then a structural path below that anchor
//! (`#sidebar > li:nth-of-type(3) > a`). Names that frameworks generate (`css-1x2y3z`,
//! `:r1:`, `ember123`) and state classes (`active`, `show`) never appear: they change
//! between builds or page views, and a selector built on them stops matching.

use guidepost_dom::css_string;

/// The picker's attribute families, in its default order of preference: `data-tour`
/// (with `data-guide`), `data-testid` (with `data-test`, `data-cy`, `data-qa`), `id`,
/// `aria-label` (with `name`), and `text` (a text fallback beside the selector).
pub const PREFERENCES: [&str; 5] = ["data-tour", "data-testid", "id", "aria-label", "text"];

/// What the picker knows of one element: its tag (lower case), its attributes in document
/// order, and its place among its siblings of the same tag (1-based, and how many there are).
pub struct Node {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    pub nth_of_type: usize,
    pub of_type: usize,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }
}

/// Where the runtime looks for targets (the document, open shadow roots, same-origin frames).
pub trait Page {
    /// How many elements `sel` matches, hidden ones too, and whether the first of them is the
    /// picked element (the runtime uses the first visible match).
    fn matches(&self, sel: &str) -> (usize, bool);
}

/// The most selectors tried for one element: the picker names every element the pointer
/// moves over, and each try is a query of the whole page.
const MAX_TRIES: usize = 60;
/// Anchors are looked for this many levels up; beyond, the path from the top is shorter to
/// read than an anchor far away.
const MAX_ANCHOR_DEPTH: usize = 8;

/// Whether an id or a class looks made by a framework or a build, not by a person: React's
/// `useId` (`:r1:`), Ember's and ExtJS's counters, CSS-in-JS hashes (`css-1x2y3z`,
/// `sc-AxjAm`, `jsx-123`), CSS modules (`Button_root__3xYzA`), Angular's and Svelte's scoping.
pub fn looks_generated(name: &str) -> bool {
    // FullCalendar's `fc-dom-N` counts up at every render.
    const PREFIXES: [&str; 15] = [
        "css-",
        "sc-",
        "jsx-",
        "svelte-",
        "ng-",
        "_ng",
        "ember",
        "ext-",
        "yui_",
        "radix-",
        "headlessui-",
        "mui-",
        "rc-",
        "react-",
        "fc-dom-",
    ];
    // React's `useId` through the versions: `:r1:`, `«r1»` (19.1), `_r_1_` (19.2).
    let react = name.starts_with(['«', ':']) || (name.starts_with("_r_") && name.ends_with('_'));
    if name.is_empty() || react || PREFIXES.iter().any(|p| name.starts_with(p)) {
        return true;
    }
    // A counter (`item-1042`), or a segment that looks like a hash.
    name.chars().filter(|c| c.is_ascii_digit()).count() >= 4 || name.split(['-', '_']).any(hashlike)
}

/// A hash, not a word: letters and digits interleaved (`1hw9j7s`, `a1b2c3`), a digit first
/// (`3xYzA`), or a short run of letters whose case changes three times or more (`bdVaJa`,
/// `kEAMpA`, as styled-components names its classes), or twice around two capitals or more
/// (`gZPTqn`). Camel case changes case at most twice in so few letters, around one capital
/// (`signIn`, `navBar`) or at the end (`userID`), and capitals alone never (`LOGIN`). Short
/// words in a row (`goToTop`, `getURLs`) look the same and are taken for a hash: the picker
/// then names the element otherwise.
fn hashlike(seg: &str) -> bool {
    if seg.len() < 5 {
        return false;
    }
    let b = seg.as_bytes();
    let switches = b.windows(2).filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit()).count();
    let alpha = b.iter().any(u8::is_ascii_alphabetic);
    if switches >= 2 || (b[0].is_ascii_digit() && alpha) {
        return true;
    }
    // A capitalised word's first change (`MuiBox`, `Sidebar`) is not counted.
    let skip = usize::from(b[0].is_ascii_uppercase() && b[1].is_ascii_lowercase());
    let case_switches = b[skip..].windows(2).filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase()).count();
    let capitals = b[skip..].iter().filter(|c| c.is_ascii_uppercase()).count();
    seg.len() <= 8 && b.iter().all(u8::is_ascii_alphabetic) && (case_switches >= 3 || (case_switches == 2 && capitals >= 2))
}

/// Classes that say what state an element is in (they come and go as the user clicks), and
/// Tailwind's variants and arbitrary values (`md:flex`, `w-[13px]`).
fn is_state_class(c: &str) -> bool {
    const STATES: [&str; 30] = [
        "active",
        "locked",
        "unlocked",
        "show",
        "showing",
        "open",
        "opened",
        "in",
        "collapsed",
        "collapsing",
        "expanded",
        "selected",
        "disabled",
        "hover",
        "focus",
        "focused",
        "focus-visible",
        "current",
        "checked",
        "toggled",
        "visible",
        "hidden",
        "loading",
        "loaded",
        "fade",
        "animated",
        "router-link-active",
        "router-link-exact-active",
        "nuxt-link-active",
        "highlighted",
    ];
    // MUI's global state classes (`Mui-selected`; its component classes are `MuiTab-root`),
    // jQuery UI's and Kendo's, and modifiers that end in a state (`v-tab--selected`).
    let last = c.rsplit(['-', '_']).next().unwrap_or(c);
    STATES.contains(&c)
        || STATES.contains(&last)
        || ["is-", "has-", "was-", "animate__", "ng-", "Mui-", "ui-state-", "k-state-"].iter().any(|p| c.starts_with(p))
        || c.contains([':', '[', '/', '!', '.', '#'])
        || animation_class(c)
}

/// animate.css 3's entrance and exit classes (`fadeIn`, `slideInUp`, `bounceOut`), which
/// CoreUI's views wear while they come in: they say how the element moves, not what it is.
fn animation_class(c: &str) -> bool {
    const WAYS: [&str; 15] = [
        "",
        "Up",
        "Down",
        "Left",
        "Right",
        "X",
        "Y",
        "TopLeft",
        "TopRight",
        "BottomLeft",
        "BottomRight",
        "DownLeft",
        "DownRight",
        "UpLeft",
        "UpRight",
    ];
    ["fade", "bounce", "slide", "zoom", "flip", "rotate", "roll", "back", "lightSpeed"].iter().any(|p| {
        let Some(rest) = c.strip_prefix(p).and_then(|r| r.strip_prefix("In").or_else(|| r.strip_prefix("Out"))) else { return false };
        let rest = rest.strip_suffix("Big").unwrap_or(rest);
        WAYS.contains(&rest)
    })
}

/// A label that says what the element will do or what state it is in changes when the user
/// acts (react-admin's menu button is "Close menu", then "Open menu"; Swagger UI's
/// "authorization button unlocked", then "locked"): both labels, `button:is([aria-label=
/// "Close menu"],[aria-label="Open menu"])`. `None` when the label starts or ends with no
/// word of such a pair, or is nothing but one.
fn state_pair(tag: &str, label: &str) -> Option<String> {
    const LEADING: [(&str, &str); 7] = [
        ("open", "close"),
        ("show", "hide"),
        ("expand", "collapse"),
        ("enable", "disable"),
        ("lock", "unlock"),
        ("mute", "unmute"),
        ("play", "pause"),
    ];
    const TRAILING: [(&str, &str); 8] = [
        ("open", "closed"),
        ("opened", "closed"),
        ("shown", "hidden"),
        ("expanded", "collapsed"),
        ("locked", "unlocked"),
        ("on", "off"),
        ("enabled", "disabled"),
        ("ascending", "descending"),
    ];
    // The other word of the pair, written as `w` is (lower case, capitalised, capitals).
    let partner = |pairs: &[(&str, &str)], w: &str| {
        let l = w.to_ascii_lowercase();
        let other = pairs.iter().find_map(|(a, b)| {
            if *a == l {
                Some(*b)
            } else if *b == l {
                Some(*a)
            } else {
                None
            }
        })?;
        Some(if w.len() > 1 && w.bytes().all(|c| c.is_ascii_uppercase()) {
            other.to_ascii_uppercase()
        } else if w.starts_with(|c: char| c.is_ascii_uppercase()) {
            other[..1].to_ascii_uppercase() + &other[1..]
        } else {
            other.to_string()
        })
    };
    let label = label.trim();
    let other = match (label.split_once(' '), label.rsplit_once(' ')) {
        (Some((first, rest)), _) if !rest.trim().is_empty() && partner(&LEADING, first).is_some() => {
            format!("{} {rest}", partner(&LEADING, first)?)
        }
        (_, Some((head, last))) if !head.trim().is_empty() => format!("{head} {}", partner(&TRAILING, last)?),
        _ => return None,
    };
    Some(format!("{tag}:is([aria-label={}],[aria-label={}])", css_string(label), css_string(&other)))
}

/// A CSS framework's component or utility class (Bootstrap's, Tailwind's, Font Awesome's):
/// stable, but shared by many elements of any page.
fn is_framework_class(c: &str) -> bool {
    const NAMES: [&str; 37] = [
        "btn",
        "row",
        "col",
        "container",
        "container-fluid",
        "card",
        "card-body",
        "card-header",
        "nav",
        "nav-link",
        "nav-item",
        "navbar",
        "dropdown-item",
        "dropdown-menu",
        "form-control",
        "form-group",
        "input-group",
        "badge",
        "fa",
        "fas",
        "far",
        "flex",
        "grid",
        "shadow",
        // Tailwind's utilities without a dash.
        "block",
        "inline",
        "relative",
        "absolute",
        "fixed",
        "sticky",
        "rounded",
        "border",
        "uppercase",
        "truncate",
        "underline",
        "grow",
        "shrink",
    ];
    // Bootstrap's and Tailwind's utilities: spacing, sizing, colour, type, layout.
    const PREFIXES: [&str; 52] = [
        "btn-",
        "col-",
        "d-",
        "text-",
        "bg-",
        "m-",
        "mt-",
        "mb-",
        "ms-",
        "me-",
        "ml-",
        "mr-",
        "mx-",
        "my-",
        "p-",
        "pt-",
        "pb-",
        "ps-",
        "pe-",
        "pl-",
        "pr-",
        "px-",
        "py-",
        "w-",
        "h-",
        "fa-",
        "min-",
        "max-",
        "flex-",
        "grid-",
        "gap-",
        "space-",
        "items-",
        "justify-",
        "self-",
        "place-",
        "rounded-",
        "border-",
        "font-",
        "leading-",
        "tracking-",
        "shadow-",
        "ring-",
        "inline-",
        "overflow-",
        "z-",
        "opacity-",
        "transition",
        "duration-",
        "ease-",
        "list-",
        "whitespace-",
    ];
    NAMES.contains(&c) || PREFIXES.iter().any(|p| c.starts_with(p))
}

/// Data attributes that hold state or a framework's bookkeeping, not a name.
fn is_state_data(name: &str) -> bool {
    name.starts_with("data-v-")
        || name.starts_with("data-react")
        || name.starts_with("data-headlessui")
        || name.starts_with("data-radix")
        || name.starts_with("data-focus")
        || name.starts_with("data-hover")
        || [
            "data-state",
            "data-active",
            "data-selected",
            "data-open",
            "data-highlighted",
            "data-disabled",
            "data-checked",
            "data-orientation",
            "data-shrink",
            "data-side",
            "data-align",
            "data-expanded",
            "data-pressed",
            "data-popper-placement",
            "data-popper-escaped",
            "data-popper-reference-hidden",
            "data-bs-popper",
        ]
        .contains(&name)
}

/// `s` as a CSS identifier (`CSS.escape`): a leading digit, or a digit after a leading
/// hyphen, as a code point; every other character outside `[A-Za-z0-9_-]` with a backslash.
pub fn css_ident(s: &str) -> String {
    if s == "-" {
        return "\\-".into();
    }
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        let leading_digit = c.is_ascii_digit() && (i == 0 || (i == 1 && s.starts_with('-')));
        if leading_digit || c.is_control() {
            out.push_str(&format!("\\{:x} ", c as u32));
        } else if c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

/// The selectors that name `node` by itself, most stable first. `prefer` orders and limits
/// the author's attribute families (see [`PREFERENCES`]).
pub fn candidates(node: &Node, prefer: &[String]) -> Vec<String> {
    names(node, prefer).into_iter().map(|(s, _)| s).collect()
}

/// [`candidates`], each with whether it is a name the app gave the element (an attribute,
/// the app's own class) rather than a CSS framework's classes, its `type` or its `role`,
/// which many elements share.
fn names(node: &Node, prefer: &[String]) -> Vec<(String, bool)> {
    let tag = &node.tag;
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut add = |s: String, strong: bool| {
        if !out.iter().any(|(o, _)| o == &s) {
            out.push((s, strong));
        }
    };
    for family in prefer {
        match family.as_str() {
            "data-tour" | "data-testid" => {
                let names: &[&str] =
                    if family == "data-tour" { &["data-tour", "data-guide"] } else { &["data-testid", "data-test", "data-cy", "data-qa"] };
                for a in names {
                    if let Some(v) = node.attr(a) {
                        add(format!("[{a}={}]", css_string(v)), true);
                    }
                }
            }
            "id" => {
                if let Some(id) = node.attr("id").filter(|id| !looks_generated(id)) {
                    add(format!("#{}", css_ident(id)), true);
                }
            }
            "aria-label" => {
                if let Some(v) = node.attr("aria-label") {
                    if let Some(sel) = state_pair(tag, v) {
                        add(sel, true);
                    }
                }
                for a in ["aria-label", "name"] {
                    if let Some(v) = node.attr(a) {
                        add(format!("{tag}[{a}={}]", css_string(v)), true);
                    }
                }
            }
            _ => {}
        }
    }
    for (n, v) in &node.attrs {
        if n.starts_with("data-") && !is_state_data(n) && !v.is_empty() && v.len() < 60 && !looks_generated(v) {
            add(format!("[{}={}]", css_ident(n), css_string(v)), true);
        }
    }
    // What the element says about itself. A link's `href` is only a name when it goes
    // somewhere: not `#`, not script, not a long URL (session ids, tracking).
    if let Some(href) = node.attr("href").filter(|h| tag == "a" && *h != "#" && !h.starts_with("javascript:") && h.len() <= 80) {
        add(format!("a[href={}]", css_string(href)), true);
    }
    for a in ["title", "alt", "placeholder", "for"] {
        // A label's `for` is an id, made by the framework as often as ids are (React's
        // `useId` in MUI and react-admin forms: `label[for=":ra:"]`).
        if let Some(v) = node.attr(a).filter(|v| v.len() <= 60 && !(a == "for" && looks_generated(v))) {
            add(format!("{tag}[{a}={}]", css_string(v)), true);
        }
    }
    let classes: Vec<(&str, bool)> = node
        .attr("class")
        .map(|c| {
            // The app's own names before a CSS framework's (`button.authorize`, not
            // `button.btn`): a framework's class is on many elements, and unique only by chance.
            // styled-components writes an element's classes as its components' ids
            // (`sc-jXbUNg`, or `Button-sc-1x2y3z` with its Babel plugin), then a hash of its
            // styles (`copjkU`, `kxO`), which changes with them, then the app's own
            // `className`: the class right after the last id is that hash.
            let all: Vec<&str> = c.split_whitespace().collect();
            let hash = all.iter().rposition(|c| c.starts_with("sc-") || c.contains("-sc-")).and_then(|i| all.get(i + 1).copied());
            let (own, framework): (Vec<&str>, Vec<&str>) = all
                .iter()
                .copied()
                .filter(|c| !is_state_class(c) && !looks_generated(c) && Some(*c) != hash)
                .partition(|c| !is_framework_class(c));
            own.into_iter().map(|c| (c, true)).chain(framework.into_iter().map(|c| (c, false))).take(4).collect()
        })
        .unwrap_or_default();
    for (c, app) in &classes {
        add(format!("{tag}.{}", css_ident(c)), *app);
    }
    if classes.len() > 1 {
        add(format!("{tag}{}", classes.iter().map(|(c, _)| format!(".{}", css_ident(c))).collect::<String>()), classes[0].1);
    }
    if let Some(t) = node.attr("type").filter(|_| matches!(tag.as_str(), "input" | "button")) {
        add(format!("{tag}[type={}]", css_string(t)), false);
    }
    if let Some(r) = node.attr("role") {
        add(format!("{tag}[role={}]", css_string(r)), false);
    }
    out
}

/// One step of a structural path: the tag, with its place when it has siblings of that tag.
fn step(node: &Node) -> String {
    if node.of_type > 1 {
        format!("{}:nth-of-type({})", node.tag, node.nth_of_type)
    } else {
        node.tag.clone()
    }
}

/// The structural path from `path[top]` down to the element, `>`-joined.
fn structural(path: &[Node], top: usize) -> String {
    path[..=top].iter().rev().map(step).collect::<Vec<_>>().join(" > ")
}

/// What the picker names an element by.
#[derive(Debug, PartialEq)]
pub struct Named {
    pub selector: String,
    /// How many elements the selector matches.
    pub matches: usize,
    /// The selector's last part is a name the app gave the element (see [`candidates`]);
    /// otherwise it is a CSS framework's classes, a `type`, a `role` or a structural path,
    /// which another element may come to match.
    pub by_name: bool,
}

/// A selector for the element `path[0]` (`path[1..]` are its ancestors, nearest first, up to
/// but not including `body`, or up to the top of its shadow root), and how many elements it
/// matches. Unique and pointing at the element whenever the page allows it.
pub fn build(path: &[Node], prefer: &[String], page: &impl Page) -> Named {
    let Some(el) = path.first() else { return Named { selector: String::new(), matches: 0, by_name: false } };
    let mut tries = 0;
    let mut try_sel = |sel: &str| -> (usize, bool) {
        tries += 1;
        if tries > MAX_TRIES {
            return (0, false);
        }
        page.matches(sel)
    };
    let unique = |selector: String, by_name: bool| Named { selector, matches: 1, by_name };
    let own = names(el, prefer);
    let mut tails: Vec<(String, bool)> = Vec::new();
    for (c, by_name) in own {
        match try_sel(&c) {
            // A class unique on the page only because the element's block is the one the
            // page shows open (one operation of an API reference expanded, one card's
            // menu): anchored on that block's own name when it has one.
            (1, true) if c.starts_with(&format!("{}.", el.tag)) => {
                let anchored = in_repeated_block(path, prefer, &c, &mut try_sel);
                return anchored.map_or_else(|| unique(c, by_name), |sel| unique(sel, by_name));
            }
            (1, true) => return unique(c, by_name),
            (n, _) if n > 1 && tails.len() < 3 => tails.push((c, by_name)),
            _ => {}
        }
    }
    tails.push((el.tag.clone(), false));
    // The nearest ancestor with a unique name of its own anchors the element.
    for depth in 1..path.len().min(MAX_ANCHOR_DEPTH + 1) {
        let anchors: Vec<String> = candidates(&path[depth], prefer).into_iter().take(4).collect();
        for a in anchors {
            if try_sel(&a).0 != 1 {
                continue;
            }
            for (t, by_name) in &tails {
                let sel = format!("{a} {t}");
                if try_sel(&sel) == (1, true) {
                    return unique(sel, *by_name);
                }
            }
            // Unique, so the structural path below it names exactly one element.
            let sel = format!("{a} > {}", structural(path, depth - 1));
            return match try_sel(&sel) {
                (n, true) => Named { selector: sel, matches: n, by_name: false },
                _ => fallback(path, page),
            };
        }
    }
    fallback(path, page)
}

/// `class_sel` names the element `path[0]` alone by a class. When an ancestor (up to
/// [`MAX_ANCHOR_DEPTH`] levels) is one of several blocks of the same class (the page's
/// operations, cards, rows), another block opened later would hold an element of that class
/// too: the nearest such block with a unique name of its own (an id, a data attribute, with
/// no digits: not a record's) anchors the class. None when no block has one.
fn in_repeated_block(path: &[Node], prefer: &[String], class_sel: &str, try_sel: &mut impl FnMut(&str) -> (usize, bool)) -> Option<String> {
    for block in path.iter().take(MAX_ANCHOR_DEPTH + 1).skip(1) {
        let own = names(block, prefer);
        let Some((class, _)) = own.iter().find(|(c, _)| c.starts_with(&format!("{}.", block.tag))) else { continue };
        if try_sel(class).0 < 2 {
            continue;
        }
        // Not a name that carries the block's data (`#todo-17`, `[data-id="17"]`,
        // `a[href="/orders/88"]`): it names the author's record, which other users do not
        // have.
        let anchor = own
            .iter()
            .filter(|(c, strong)| *strong && !c.starts_with(&format!("{}.", block.tag)) && !c.bytes().any(|b| b.is_ascii_digit()))
            .find(|(c, _)| try_sel(c).0 == 1);
        if let Some(sel) = anchor.map(|(a, _)| format!("{a} {class_sel}")).filter(|sel| try_sel(sel) == (1, true)) {
            return Some(sel);
        }
    }
    None
}

/// The structural path from the top of the element's tree: below `body` in a document, or
/// the bare path (at the top of a shadow root), whichever names the element alone. When
/// neither does (the same path in several frames' documents), the path and how many elements
/// it matches, for the author to see.
fn fallback(path: &[Node], page: &impl Page) -> Named {
    let bare = structural(path, path.len() - 1);
    let below_body = format!("body > {bare}");
    if page.matches(&below_body) == (1, true) {
        return Named { selector: below_body, matches: 1, by_name: false };
    }
    let (n, _) = page.matches(&bare);
    Named { selector: bare, matches: n, by_name: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(tag: &str, attrs: &[(&str, &str)]) -> Node {
        Node { tag: tag.into(), attrs: attrs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(), nth_of_type: 1, of_type: 1 }
    }

    fn all_families() -> Vec<String> {
        PREFERENCES.iter().map(|s| s.to_string()).collect()
    }

    /// Names seen on real apps, and whether the picker must treat them as generated.
    #[test]
    fn generated_names_are_told_from_names_people_give() {
        let check = |name: &str, want: bool| assert_eq!(looks_generated(name), want, "{name}");
        for name in [
            "«rb»",
            "_r_1_",
            "_r_b_",
            ":r1:",               // React useId
            ":R2mqm:",            // React 18 useId
            "ember1042",          // Ember
            "ext-gen1234",        // ExtJS
            "css-1hw9j7s",        // emotion (MUI)
            "sc-AxjAm",           // styled-components
            "sc-bdVaJa",          // styled-components
            "jsx-2893512",        // styled-jsx
            "svelte-1x2y3z4",     // Svelte scoping
            "Button_root__3xYzA", // CSS modules
            "mui-123",            // MUI ids
            "radix-:r3:",         // Radix
            "headlessui-menu-button-3",
            "rc-tabs-0-tab-1", // Ant Design
            "btn-839201",      // a counter
            "a1b2c3d4",        // a hash
            "react-select-2-input",
            "kEAMpA", // styled-components, the second class
            "hWnAXl",
            "bdVaJa",
            "gZPTqn",     // regression: styled-components, two case changes around three capitals
            "fc-dom-132", // regression: FullCalendar's render counter named a day cell
        ] {
            check(name, true);
        }
        for name in [
            "sidebar",
            "accordionSidebar",
            "nav-link",
            "btn-primary",
            "col-xl-3",
            "mb-4",
            "h-100",
            "sidebarToggle",
            "dataTable_filter",
            "myAreaChart",
            "text-gray-800",
            "border-left-primary",
            "MuiButton-root",
            "v-list-item",
            "p-2",
            "w-64",
            "userDropdown",
            "card-body",
            "h5",
            "myPieChart",
            "btn-lg",
            "navbarNav",
            "collapseOne",
            "headingOne",
            "col-md-6",
            "fa-chart-area",
            "HEADER",
            "LOGIN",
            "signIn",
            "userID",
            "btnOK",
            "reactions",
            "reaction-bar",
            "navBar",
            "step1",
            "tab-2",
            "chart12",
        ] {
            check(name, false);
        }
        // animate.css's classes, and names that only begin like them (a review).
        for (name, want) in [
            ("fadeIn", true),
            ("slideInUp", true),
            ("bounceOutLeftBig", true),
            ("flipInX", true),
            ("rotateOutUpRight", true),
            ("slideIndicator", false),
            ("flipInner", false),
            ("zoomInButton", false),
        ] {
            assert_eq!(animation_class(name), want, "{name}");
        }
    }

    #[test]
    fn state_classes_and_tailwind_variants_are_left_out() {
        let c = candidates(
            &node(
                "li",
                &[
                    // Regression from CoreUI's admin template: animate.css's `fadeIn` named its views.
                    ("class", "nav-item active show md:flex w-[13px] is-open Mui-selected v-tab--selected ui-state-hover fadeIn slideInUp"),
                    ("data-shrink", "true"),
                ],
            ),
            &all_families(),
        );
        assert_eq!(c, vec!["li.nav-item".to_string()]);
    }

    /// Each fixture: an element, and the selectors the picker tries for it, in order.
    #[test]
    fn candidates_come_most_stable_first() {
        let check = |name: &str, n: Node, want: &[&str]| assert_eq!(candidates(&n, &all_families()), want, "{name}");
        check(
            "families first, then other data attributes",
            node("button", &[("class", "btn"), ("data-x", "y"), ("id", "save"), ("data-tour", "save-btn")]),
            &[r#"[data-tour="save-btn"]"#, "#save", r#"[data-x="y"]"#, "button.btn"],
        );
        check(
            "a link by where it goes",
            node("a", &[("class", "nav-link collapsed"), ("href", "charts.html")]),
            &[r#"a[href="charts.html"]"#, "a.nav-link"],
        );
        check("a link to nowhere is not named by it", node("a", &[("href", "#"), ("class", "dropdown-toggle")]), &["a.dropdown-toggle"]);
        check(
            "an input by its placeholder and type",
            node("input", &[("type", "text"), ("class", "form-control bg-light"), ("placeholder", "Search for...")]),
            &[
                r#"input[placeholder="Search for..."]"#,
                "input.form-control",
                "input.bg-light",
                "input.form-control.bg-light",
                r#"input[type="text"]"#,
            ],
        );
        check(
            "generated ids, classes and data values are skipped",
            node("div", &[("id", ":r5:"), ("class", "css-1x2y3z MuiBox-root"), ("data-state", "open"), ("data-key", "a1b2c3d4")]),
            &["div.MuiBox-root"],
        );
        check(
            "regression: a label named by the generated id its for attribute points at (react-admin)",
            node("label", &[("for", ":ra:"), ("class", "MuiFormLabel-root css-1ej2682")]),
            &["label.MuiFormLabel-root"],
        );
        check("a label for a named field", node("label", &[("for", "email")]), &[r#"label[for="email"]"#]);
        check(
            "regression: a button named by Bootstrap's btn before its own class (Swagger UI's Authorize)",
            node("button", &[("class", "btn authorize unlocked")]),
            &["button.authorize", "button.btn", "button.authorize.btn"],
        );
        check(
            "regression: react-admin's menu button was named by the label it swaps on a click",
            node("button", &[("aria-label", "Close menu"), ("class", "css-1x2y3z")]),
            &[r#"button:is([aria-label="Close menu"],[aria-label="Open menu"])"#, r#"button[aria-label="Close menu"]"#],
        );
        check(
            "a label ending in a state word (Swagger UI)",
            node("button", &[("aria-label", "authorization button unlocked")]),
            &[
                r#"button:is([aria-label="authorization button unlocked"],[aria-label="authorization button locked"])"#,
                r#"button[aria-label="authorization button unlocked"]"#,
            ],
        );
        check(
            "a sort order, in capitals",
            node("span", &[("aria-label", "Sort by id DESCENDING")]),
            &[
                r#"span:is([aria-label="Sort by id DESCENDING"],[aria-label="Sort by id ASCENDING"])"#,
                r#"span[aria-label="Sort by id DESCENDING"]"#,
            ],
        );
        check("a label that is only a state word", node("button", &[("aria-label", "Close")]), &[r#"button[aria-label="Close"]"#]);
        check(
            "a label that never changes still names its element",
            node("button", &[("aria-label", "Show all")]),
            &[r#"button:is([aria-label="Show all"],[aria-label="Hide all"])"#, r#"button[aria-label="Show all"]"#],
        );
        check(
            "regression: the hash of a styled-components element's styles was taken for its name (Redoc's headings)",
            node("h2", &[("class", "sc-jXbUNg copjkU")]),
            &[],
        );
        check("an app's own class name after the hash stays", node("div", &[("class", "sc-jXbUNg copjkU navBar")]), &["div.navBar"]);
        check("a hash in one case, with its Babel plugin's id", node("div", &[("class", "Title-sc-1x2y3z abcdef title")]), &["div.title"]);
        check(
            "beside an sc- class, the app's own names stay",
            node("span", &[("class", "sc-kxO kxO api-info menu")]),
            &["span.api-info", "span.menu", "span.api-info.menu"],
        );
        check("without one, a camel-case name is a name", node("div", &[("class", "navBar")]), &["div.navBar"]);
        check(
            "Tailwind's utilities after the app's own class (a Notus sidebar link)",
            node("a", &[("class", "text-xs uppercase py-3 font-bold block sidebar-link items-center")]),
            &["a.sidebar-link", "a.text-xs", "a.uppercase", "a.py-3", "a.sidebar-link.text-xs.uppercase.py-3"],
        );
        check("an id that starts with a digit", node("div", &[("id", "1st")]), &[r"#\31 st"]);
        check("a line break in a value", node("button", &[("title", "Save\nnow")]), &[r#"button[title="Save\a now"]"#]);
    }

    #[test]
    fn identifiers_are_escaped_as_css_escape_does() {
        for (raw, want) in [
            ("-", r"\-"),
            ("plain-id_1", "plain-id_1"),
            ("9lives", r"\39 lives"),
            ("-5x", r"-\35 x"),
            ("a.b:c", r"a\.b\:c"),
            ("naïve", "naïve"),
        ] {
            assert_eq!(css_ident(raw), want, "{raw}");
        }
    }
}
