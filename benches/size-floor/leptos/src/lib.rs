//! Size floor: one leptos view (a dialog with a title, a body, a step counter and two
//! buttons) mounted in an open shadow root, with its text read from JSON by serde_json.
//! This is the smallest overlay the product card's stack allows; it is measured, not shipped.
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn show(json: &str) -> Result<(), JsValue> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let steps: Vec<(String, String)> = v
        .as_array()
        .map(|a| a.iter().map(|s| (s["title"].as_str().unwrap_or("").to_string(), s["body"].as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let host = doc.create_element("guidepost-root")?;
    doc.body().ok_or("no body")?.append_child(&host)?;
    let shadow = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;
    let mount = doc.create_element("div")?;
    shadow.append_child(&mount)?;
    let mount: web_sys::HtmlElement = mount.unchecked_into();
    let n = steps.len();
    let at = RwSignal::new(0usize);
    leptos::mount::mount_to(mount, move || {
        let step = move || steps.get(at.get()).cloned().unwrap_or_default();
        let title = { let step = step.clone(); move || step().0 };
        view! {
            <div role="dialog" aria-labelledby="gp-t" aria-describedby="gp-b">
                <h2 id="gp-t">{title}</h2>
                <p id="gp-b">{move || step().1}</p>
                <span>{move || format!("{} of {}", at.get() + 1, n)}</span>
                <button on:click=move |_| at.update(|i| *i = i.saturating_sub(1))>"Back"</button>
                <button on:click=move |_| at.update(|i| *i = (*i + 1).min(n.saturating_sub(1)))>"Next"</button>
            </div>
        }
    })
    .forget();
    Ok(())
}
