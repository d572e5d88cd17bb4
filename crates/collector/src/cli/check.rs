//! `guidepost check --html page.html guides/*.json`: which steps' targets match zero or
//! several elements in a saved page, so broken guides are caught before shipping.

use guidepost_core::{Guide, Target};
use scraper::{Html, Selector};

/// How a step's target fared in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    pub guide_id: String,
    pub step_id: String,
    pub selector: String,
    /// Elements the selector matched.
    pub selector_matches: usize,
    /// Elements the first matching fallback matched, when the selector matched none.
    pub fallback_matches: Option<(String, usize)>,
    pub problem: Option<String>,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn count(doc: &Html, sel: &str) -> Result<usize, String> {
    let s = Selector::parse(sel).map_err(|e| format!("invalid selector {sel:?}: {e}"))?;
    Ok(doc.select(&s).count())
}

/// How many of `sel`'s matches have the target's `text`, as the runtime compares it.
fn count_with_text(doc: &Html, sel: &str, text: &str) -> usize {
    let want = norm(text);
    Selector::parse(sel).map_or(0, |s| doc.select(&s).filter(|e| norm(&e.text().collect::<String>()) == want).count())
}

fn fallback_count(doc: &Html, t: &Target) -> Option<(String, usize)> {
    for f in &t.fallbacks {
        if let Some(text) = &f.text {
            let tag = f
                .tag
                .clone()
                .unwrap_or_else(|| "a, button, [role=button], [role=tab], [role=menuitem], label, h1, h2, h3, h4, li, summary".into());
            let Ok(sel) = Selector::parse(&tag) else {
                continue;
            };
            let want = norm(text);
            let hits: Vec<_> = doc.select(&sel).filter(|e| norm(&e.text().collect::<String>()) == want).collect();
            // Keep innermost matches, as the runtime does.
            let inner = hits.iter().filter(|e| !hits.iter().any(|o| o.id() != e.id() && o.ancestors().any(|a| a.id() == e.id()))).count();
            if inner > 0 {
                return Some((format!("text {text:?}"), inner));
            }
        } else if let Some(attr) = &f.attribute {
            let sel = match &f.value {
                Some(v) => format!("[{attr}=\"{}\"]", v.replace('"', "\\\"")),
                None => format!("[{attr}]"),
            };
            if let Ok(n) = count(doc, &sel) {
                if n > 0 {
                    return Some((sel, n));
                }
            }
        }
    }
    None
}

/// Checks every targeted step of `guides` against the HTML page.
pub fn check_page(html: &str, guides: &[Guide]) -> Vec<TargetCheck> {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    for g in guides {
        for s in &g.steps {
            let Some(t) = &s.target else { continue };
            let (n, problem) = match count(&doc, &t.selector) {
                Ok(n) => (n, None),
                Err(e) => (0, Some(e)),
            };
            let fallback = if n == 0 { fallback_count(&doc, t) } else { None };
            let problem = problem.or_else(|| match (n, &fallback) {
                (0, None) => Some("matches no element".to_string()),
                (0, Some((how, 1))) => Some(format!("selector matches no element; found by fallback {how}")),
                (0, Some((how, k))) => Some(format!("selector matches no element; fallback {how} matches {k} elements")),
                (1, _) => match t.text.as_deref().filter(|_| t.text_required()) {
                    Some(text) if count_with_text(&doc, &t.selector, text) == 0 => {
                        Some(format!("its one match has not the text {text:?}, which a selector naming no id or attribute needs; the step would look to its fallbacks, then wait"))
                    }
                    _ => None,
                },
                // The target's text picks among several matches (see `Target::text`).
                (k, _) => match t.text.as_deref().map(|text| (text, count_with_text(&doc, &t.selector, text))) {
                    Some((_, 1)) => None,
                    Some((text, 0)) if t.text_required() => Some(format!(
                        "matches {k} elements, none with the text {text:?}, which a selector naming no id or attribute needs; the step would look to its fallbacks, then wait"
                    )),
                    Some((text, 0)) => {
                        Some(format!("matches {k} elements, none with the text {text:?}; the guide would anchor to the first"))
                    }
                    Some((text, w)) => {
                        Some(format!("matches {k} elements, {w} with the text {text:?}; the guide would anchor to the first"))
                    }
                    None => Some(format!("matches {k} elements; the guide would anchor to the first")),
                },
            });
            out.push(TargetCheck {
                guide_id: g.id.clone(),
                step_id: s.id.clone(),
                selector: t.selector.clone(),
                selector_matches: n,
                fallback_matches: fallback,
                problem,
            });
        }
    }
    out
}
