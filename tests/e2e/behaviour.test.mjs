import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, events, kinds, lab, guide, frames, settled, rect } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); globalThis.__labBase = server.base; browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const heading = (page, name) => dialog(page).getByRole("heading", { name });

/** The step's box `b` is beside the target's rectangle `t`, on some side. */
function assertNextTo(b, t) {
  const gaps = [b.y - t.bottom, t.y - b.bottom, b.x - t.right, t.x - b.right].map(Math.abs);
  assert.ok(gaps.some((g) => g < 40), `the step ${JSON.stringify(b)} is next to ${JSON.stringify(t)}`);
}

test("resume after a reload at the same step", async () => {
  const { page } = await openPage(browser, `${server.base}/index.html?user=ada-admin`);
  await dialog(page).getByRole("button", { name: "Start the tour" }).click();
  await heading(page, "Your reports live here").waitFor();
  await page.reload();
  await heading(page, "Your reports live here").waitFor();
  const ev = kinds(await events(page));
  // After the reload: the same step is viewed again, the guide is not shown anew.
  assert.deepEqual(ev, ["step_viewed:sidebar"]);
});

test("a multi-page tour continues on the next page", async () => {
  const { page } = await openPage(browser, `${server.base}/index.html?user=ada-admin`);
  await dialog(page).getByRole("button", { name: "Start the tour" }).click();
  await heading(page, "Your reports live here").waitFor();
  await dialog(page).getByRole("button", { name: "Next" }).click();
  // Step 3 targets the Export button, which lives on the reports page.
  await page.goto(`${server.base}/reports.html`);
  await heading(page, "Export in one click").waitFor();
  await page.locator("#export-button").click();
  await heading(page, "You're all set").waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  const ev = await events(page);
  assert.deepEqual(kinds(ev).slice(-4), ["step_completed:export", "step_viewed:done", "step_completed:done", "guide_completed:done"]);
});

test("targeting: the right user sees the guide and the wrong user doesn't", async () => {
  const admin = await openPage(browser, `${server.base}/index.html?user=ada-admin`);
  await heading(admin.page, "Welcome to Acme Analytics").waitFor();
  const viewer = await openPage(browser, `${server.base}/index.html?user=vic-viewer`);
  await viewer.page.waitForFunction(async () => (await Guidepost.debug()).length > 0);
  await settled(viewer.page);
  assert.equal(await dialog(viewer.page).count(), 0);
  const trace = await viewer.page.evaluate(async () => (await Guidepost.debug()).find((g) => g.guide_id === "onboarding-tour"));
  assert.equal(trace.eligible, false);
  const role = trace.trace.children[0].children.find((c) => c.label.startsWith("trait role"));
  assert.equal(role.detail, 'role is "viewer"');
});

test("events carry ids, versions, session and user", async () => {
  const { page } = await openPage(browser, `${server.base}/index.html?user=ada-admin`);
  await dialog(page).getByRole("button", { name: "Not now" }).click();
  await dialog(page).waitFor({ state: "detached" });
  const ev = await events(page);
  assert.deepEqual(kinds(ev), ["guide_shown:", "step_viewed:welcome", "guide_dismissed:welcome"]);
  assert.equal(new Set(ev.map((e) => e.event_id)).size, ev.length, "unique event ids");
  for (const e of ev) {
    assert.equal(e.guide_id, "onboarding-tour");
    assert.equal(e.guide_version, 3);
    assert.equal(e.user_id, "ada-admin");
    assert.equal(e.anonymous, false);
    assert.match(e.session_id, /^[0-9a-f]{32}$/);
    assert.equal(e.url, "/index.html?user=ada-admin");
    assert.ok(Math.abs(e.timestamp - Date.now()) < 60_000);
  }
  assert.equal(ev[2].reason, "dismissed");
  assert.ok(ev[2].duration_ms >= 0);
  // Dismissed once: not shown again on the next visit (the next eligible guide, the checklist, shows instead).
  await page.reload();
  await dialog(page).getByText("Get started").waitFor();
  assert.equal(await heading(page, "Welcome to Acme Analytics").count(), 0);
});

test("a hostile host stylesheet cannot break the overlay", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/index.html?user=ada-admin`, {
    init: () => document.addEventListener("DOMContentLoaded", () => {
      const s = document.createElement("style");
      // The visibility attack is aimed at the overlay's own host element: a host element
      // the page itself hides is, rightly, not a target (browser_tests.rs).
      s.textContent = `* { font-size: 40px !important; color: red !important; display: block !important;
        opacity: .1 !important; transform: rotate(10deg) !important; position: static !important; z-index: -1 !important; }
        guidepost-root, guidepost-root * { visibility: hidden !important; }
        button { display: none !important; } h2 { font-size: 3px !important; } [role=dialog] { display: none !important; }`;
      document.head.appendChild(s);
    }),
  });
  const d = dialog(page);
  await heading(page, "Welcome to Acme Analytics").waitFor();
  const style = await d.evaluate((e) => { const c = getComputedStyle(e); return { font: c.fontSize, vis: c.visibility, pos: c.position, color: c.color }; });
  assert.deepEqual(style, { font: "14px", vis: "visible", pos: "fixed", color: "rgb(31, 35, 48)" });
  await d.getByRole("button", { name: "Start the tour" }).click();
  await heading(page, "Your reports live here").waitFor();
  assert.deepEqual(errors, []);
});

test("keyboard only: focus moves in, arrows step, Tab stays in the modal, Esc restores focus", async () => {
  const { page } = await openPage(browser, `${server.base}/index.html?user=tom-trial`);
  // tom-trial has no auto-started tour here; start it from the page's button by keyboard.
  await page.waitForFunction(async () => (await Guidepost.debug()).length > 0);
  await page.locator("#start-tour").focus();
  await page.keyboard.press("Enter");
  await heading(page, "Welcome to Acme Analytics").waitFor();
  // Focus moves in two frames after the step renders.
  await frames(page, 3);
  const focused = () => page.evaluate(() => { const r = document.querySelector("guidepost-root"); const a = document.activeElement === r ? r.shadowRoot.activeElement : document.activeElement; return a && (a.getAttribute("aria-label") || a.textContent.trim()); });
  assert.equal(await focused(), "Start the tour", "focus moved to the primary button");
  for (let i = 0; i < 5; i++) await page.keyboard.press("Tab");
  const inside = await page.evaluate(() => document.activeElement === document.querySelector("guidepost-root"));
  assert.ok(inside, "Tab keeps focus inside the modal");
  await page.keyboard.press("ArrowRight");
  await heading(page, "Your reports live here").waitFor();
  await page.keyboard.press("ArrowLeft");
  await heading(page, "Welcome to Acme Analytics").waitFor();
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.id), "start-tour", "focus restored");
});

test("dialog semantics, live announcement and accessible button names", async () => {
  const g = guide("a11y", [
    { id: "one", kind: "modal", title: "First", body: "Hello" },
    { id: "two", kind: "modal", title: "Second", body: "World" },
  ], { trigger: { type: "manual" } });
  const { page } = await lab(browser, [g], { start: "a11y" });
  const d = dialog(page);
  await d.waitFor();
  assert.equal(await d.getAttribute("aria-labelledby"), "gp-title");
  assert.equal(await d.getAttribute("aria-describedby"), "gp-body");
  assert.ok(await d.getByRole("button", { name: "Close" }).isVisible());
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("heading", { name: "Second" }).waitFor();
  assert.ok(await d.getByRole("button", { name: "Back" }).isVisible());
  assert.ok(await d.getByRole("button", { name: "Done" }).isVisible());
  const live = await page.locator("guidepost-root [aria-live=polite]").textContent();
  assert.equal(live, "Step 2 of 2: Second");
});

test("author HTML is shown as text, never rendered", async () => {
  const g = guide("xss", [{ id: "s", kind: "modal", title: "<img src=x onerror=window.pwned=1>", body: "<script>window.pwned=2</script> [bad](javascript:window.pwned=3) **ok**" }], { trigger: { type: "manual" } });
  const { page } = await lab(browser, [g], { start: "xss" });
  const d = dialog(page);
  await d.waitFor();
  assert.equal(await d.locator("img, script").count(), 0);
  assert.equal(await d.locator("a").count(), 0);
  assert.match(await d.textContent(), /<img src=x onerror=window.pwned=1>/);
  await d.getByRole("button", { name: "Done" }).click();
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await d.count(), 0);
});

test("a broken guide is reported and the rest still load", async () => {
  // The runtime's lean reader names the guide and the JSON path of what it cannot read;
  // validate() (the author module) adds the shape pass and its did-you-mean hints.
  const good = guide("good", [{ id: "s", kind: "modal", title: "Good" }], { trigger: { type: "manual" } });
  const bad = { id: "bad", name: "bad", steps: [{ id: "s", kind: "modal", title: "x", placement: "topp", placment: "top" }] };
  const { page, errors } = await lab(browser, [bad, good], { start: "good" });
  await dialog(page).getByRole("heading", { name: "Good" }).waitFor();
  const reported = await page.evaluate(() => window.__errors.map((e) => e.message));
  assert.ok(reported.some((m) => m.includes("$[0].steps[0].placement") && m.includes('guide "bad"')), reported.join("\n"));
  const checked = await page.evaluate((g) => Guidepost.validate([g]), bad);
  const messages = checked.diagnostics.map((d) => `${d.path}: ${d.message}`);
  assert.ok(messages.some((m) => m.includes("$[0].steps[0].placment") && m.includes('did you mean "placement"')), messages.join("\n"));
  assert.deepEqual(errors, []);
});

test("a step left on screen past stepTimeoutMs ends the guide with reason timeout", async () => {
  // Playwright's clock: time is moved on by the test, not waited for.
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`, { before: (p) => p.clock.install() });
  const g = guide("idle", [{ id: "s", kind: "modal", title: "Still there?" }, { id: "t", kind: "modal", title: "Next one" }], { trigger: { type: "manual" } });
  await page.evaluate((g) => { Guidepost.init({ guides: [g], stepTimeoutMs: 3000 }); Guidepost.start("idle"); }, g);
  await dialog(page).getByRole("heading", { name: "Still there?" }).waitFor();
  // Moving on restarts the clock for the new step: after 1 s on the first step, the second
  // lives its full 3 s (without a restart it would end after 2 s).
  await page.clock.runFor(1000);
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "Next one" }).waitFor();
  await page.clock.runFor(2500);
  assert.equal(await dialog(page).count(), 1, "still on screen 2.5 s into the second step");
  await page.clock.runFor(600);
  await dialog(page).waitFor({ state: "detached" });
  const last = (await events(page)).at(-1);
  assert.equal(last.kind, "guide_abandoned");
  assert.equal(last.reason, "timeout");
  assert.equal(last.step_id, "t");
  assert.ok(last.duration_ms >= 2900, `duration ${last.duration_ms}`);
});

test("the embed adds one global, Guidepost, and no wasm-bindgen names to the host page", async () => {
  const { page, errors } = await lab(browser, [guide("g", [{ id: "s1", kind: "modal", title: "Hello" }])], { start: "g" });
  await heading(page, "Hello").waitFor();
  const leaked = await page.evaluate(() => {
    const f = document.createElement("iframe");
    document.body.appendChild(f);
    const fresh = new Set(Object.getOwnPropertyNames(f.contentWindow));
    f.remove();
    const own = Object.getOwnPropertyNames(window).filter((n) => !fresh.has(n) && !/^\d+$/.test(n));
    // Top-level `let`/`class` bindings are not window properties; name the ones wasm-bindgen declares.
    const lexical = ["wasm_bindgen", "IntoUnderlyingSource", "IntoUnderlyingSink", "IntoUnderlyingByteSource"]
      .filter((n) => { try { return (0, eval)(`typeof ${n}`) !== "undefined"; } catch { return false; } });
    return [...own, ...lexical].sort();
  });
  // The harness's own globals (__events, __errors) are in the fresh frame too.
  assert.deepEqual(leaked, ["Guidepost"]);
  assert.deepEqual(errors, []);
});

// Regressions from ag-grid, RapiDoc and Scalar: a step took the focus from the filter input
// the app had focused (the typed space pressed the step's Done), and Escape that closed the
// app's filter or search ended the tour, its default prevented.
test("regression: a step took the focus from the app's field, and the app's Escape dismissed the tour", async () => {
  const g = guide("typing", [{ id: "filter", kind: "tooltip", title: "Filter here", body: "Type a model.", target: { selector: "#app-filter" } }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const input = Object.assign(document.createElement("input"), { id: "app-filter" });
    document.body.prepend(input);
    input.focus();
    window.__escape = [];
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") window.__escape.push(e.defaultPrevented); });
  });
  await page.evaluate(() => Guidepost.start("typing"));
  await heading(page, "Filter here").waitFor();
  await frames(page, 3);
  assert.equal(await page.evaluate(() => document.activeElement.id), "app-filter", "the app's field keeps the focus");
  await page.keyboard.type("Model 12");
  assert.equal(await page.locator("#app-filter").inputValue(), "Model 12");
  await page.keyboard.press("Escape");
  assert.deepEqual(await page.evaluate(() => window.__escape), [false], "the app's Escape is the app's");
  // The user leaves the field: Escape is the tour's again.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:filter", "guide_dismissed:filter"]);
  assert.deepEqual(errors, []);
});

// Regression from reveal.js: ArrowRight with the focus on the page's body moved both the
// slide deck and the tour, and a key typed in the step reached the deck's shortcuts too.
test("regression: arrow keys moved both the app and the tour", async () => {
  const g = guide("arrows", [
    { id: "a", kind: "tooltip", title: "First", target: { selector: "#plain" } },
    { id: "b", kind: "tooltip", title: "Second", target: { selector: "#other" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => { window.__deck = []; document.addEventListener("keydown", (e) => window.__deck.push(e.key)); });
  await page.evaluate(() => Guidepost.start("arrows"));
  await heading(page, "First").waitFor();
  await frames(page, 3);
  // The user clicks the page and presses the deck's arrow: the deck's, not the tour's.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("ArrowRight");
  assert.deepEqual(await page.evaluate(() => window.__deck), ["ArrowRight"]);
  // In the step, the arrow is the tour's alone.
  await dialog(page).getByRole("button", { name: "Next" }).focus();
  await page.keyboard.press("ArrowRight");
  await heading(page, "Second").waitFor();
  assert.deepEqual(await page.evaluate(() => window.__deck), ["ArrowRight"], "the page did not get the step's key");
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:a", "step_completed:a", "step_viewed:b"]);
  assert.deepEqual(errors, []);
});

// Regression from CoreUI and reveal.js: a sidebar toggled by a CSS transition of its
// wrapper's padding, and a slide moved by a transform, left the step where its target was:
// a transition fires no event while it moves things, and the mutation that starts it comes
// before anything moved.
test("regression: the step stayed behind when a CSS transition moved its target", async () => {
  const g = guide("slide", [{ id: "a", kind: "tooltip", title: "Here", target: { selector: "#plain" }, placement: "right" }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => Guidepost.start("slide"));
  await heading(page, "Here").waitFor();
  await frames(page, 3);
  const gap = async () => { const [b, t] = [await rect(dialog(page)), await rect(page.locator("#plain"))]; return Math.round(b.x - t.right); };
  const before = await gap();
  // The app slides the content over 10 s; the test holds the transition halfway.
  await page.evaluate(() => {
    const p = document.querySelector("#plain").parentElement;
    p.style.transition = "padding-left 10s linear";
    p.style.paddingLeft = "400px";
  });
  await page.waitForFunction(() => document.getAnimations().some((a) => a.transitionProperty === "padding-left"));
  await page.evaluate(() => { const a = document.getAnimations().find((a) => a.transitionProperty === "padding-left"); a.pause(); a.currentTime = 5000; });
  await page.waitForFunction(() => Math.round(document.querySelector("#plain").getBoundingClientRect().x) >= 200);
  await frames(page, 3);
  assert.equal(await gap(), before, "the step moved with its target halfway through the transition");
  // The transition ends: the step is beside the target where it ends.
  await page.evaluate(() => new Promise((r) => { document.addEventListener("transitionend", r, { once: true }); document.getAnimations().find((a) => a.transitionProperty === "padding-left").finish(); }));
  await frames(page, 3);
  assert.equal(await gap(), before, "the step is beside its target where the transition ended");
  assert.deepEqual(errors, []);
});

// Regression from RapiDoc: a click on a target inside a web component's shadow root reached
// the document as a click on the component, and the step never advanced; a click inside a
// same-origin frame never reached the document at all.
test("regression: advance on click did not fire for a target inside a shadow root or a same-origin frame", async () => {
  const g = guide("clicks", [
    { id: "host", kind: "tooltip", title: "The component", body: "Click it.", target: { selector: "#shadow-host" }, advance: { on: "click" } },
    { id: "shadow", kind: "tooltip", title: "In the component", body: "Click it.", target: { selector: "#in-shadow" }, advance: { on: "click" } },
    { id: "frame", kind: "tooltip", title: "In the frame", body: "Click it.", target: { selector: "#in-frame" }, advance: { on: "click" } },
    { id: "end", kind: "modal", title: "Both clicked", body: "Done." },
  ]);
  // The lab page has both: a button in `#shadow-host`'s open shadow root, one in the `#frame` iframe.
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => Guidepost.start("clicks"));
  // A component's host as the target, clicked on its shadow content.
  await heading(page, "The component").waitFor();
  await page.locator("#shadow-host #in-shadow").click();
  await heading(page, "In the component").waitFor();
  await page.locator("#shadow-host #in-shadow").click();
  await heading(page, "In the frame").waitFor();
  await page.frameLocator("#frame").locator("#in-frame").click();
  await heading(page, "Both clicked").waitFor();
  assert.deepEqual(kinds(await events(page)).filter((k) => k.startsWith("step_completed")), ["step_completed:host", "step_completed:shadow", "step_completed:frame"]);
  assert.deepEqual(errors, []);
});

// Regression from RapiDoc at phone width: a hotspot's beacon on a full-width field stuck
// out past the viewport's right edge, and the page scrolled sideways.
test("regression: a hotspot's beacon past the right edge made the page scroll sideways", async () => {
  const g = guide("beacon", [{ id: "url", kind: "hotspot", title: "Your spec", body: "Paste its URL.", target: { selector: "#spec-url" } }]);
  const { page, errors } = await lab(browser, [g], { viewport: { width: 375, height: 740 } });
  await page.evaluate(() => {
    const input = Object.assign(document.createElement("input"), { id: "spec-url" });
    input.style.cssText = "display:block;width:100%;box-sizing:border-box;margin:40px 0 0";
    document.body.prepend(input);
    document.body.style.overflowX = "visible";
  });
  const before = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.evaluate(() => Guidepost.start("beacon"));
  const beacon = page.locator("guidepost-root .gp-beacon");
  await beacon.waitFor();
  await frames(page);
  const b = await rect(beacon);
  const input = await rect(page.locator("#spec-url"));
  assert.ok(b.right <= 375 - 13, `the beacon ${JSON.stringify(b)} and its pulse are inside the viewport`);
  assert.ok(b.x >= input.x && b.right <= input.right, "on the field's top edge");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), before, "the page is no wider");
  assert.deepEqual(errors, []);
});

// Regression from ag-grid: a step stayed on screen when the user scrolled its row out of
// the grid's body, pointing at the grid's header, then at the app's top bar.
test("regression: a step stayed on screen, pointing at the container's edge, after its target was scrolled out of its container", async () => {
  const g = guide("clip", [{ id: "far", kind: "hotspot", title: "Far away", body: "In the list.", target: { selector: "#far" } }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => Guidepost.start("clip"));
  const beacon = page.locator("guidepost-root .gp-beacon");
  await beacon.waitFor();
  await beacon.click();
  await heading(page, "Far away").waitFor();
  // The user scrolls the list on past the button: the step and its beacon hide.
  await page.locator("#scroller").evaluate((s) => { s.scrollTop += 400; });
  await dialog(page).waitFor({ state: "hidden" });
  await beacon.waitFor({ state: "hidden" });
  // Back: the step is there again, next to its button.
  await page.locator("#scroller").evaluate((s) => { s.scrollTop -= 400; });
  await heading(page, "Far away").waitFor();
  await beacon.waitFor();
  const [b, t] = [await rect(dialog(page)), await rect(page.locator("#far"))];
  assertNextTo(b, t);
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:far"]);
  assert.deepEqual(errors, []);
});

// Regression from Tabler's user menu and Summernote's link dialog: the page closed the menu
// holding the target by hiding it (`display: none`), and the step jumped to the viewport's
// top left corner, pointing at nothing.
test("regression: a step jumped to the corner when the page hid the menu that holds its target", async () => {
  const g = guide("menu", [{ id: "settings", kind: "tooltip", title: "Your settings", body: "Here.", target: { selector: "#menu-settings" } }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const menu = Object.assign(document.createElement("div"), { id: "menu" });
    menu.innerHTML = '<a id="menu-settings" href="#settings">Settings</a>';
    menu.style.cssText = "margin:20px";
    document.querySelector("main").prepend(menu);
  });
  await page.evaluate(() => Guidepost.start("menu"));
  await heading(page, "Your settings").waitFor();
  await page.evaluate(() => { document.getElementById("menu").style.display = "none"; });
  await dialog(page).waitFor({ state: "hidden" });
  await page.evaluate(() => { document.getElementById("menu").style.display = ""; });
  await heading(page, "Your settings").waitFor();
  const [b, t] = [await rect(dialog(page)), await rect(page.locator("#menu-settings"))];
  assertNextTo(b, t);
  assert.deepEqual(errors, []);
});

/** Waits until the step's box is next to the element `selector` picks (it moves there on the next frames). */
async function waitNextTo(page, selector) {
  await page.waitForFunction((sel) => {
    const host = document.querySelector("guidepost-root");
    const d = host?.shadowRoot?.querySelector("[role=dialog]");
    const t = document.querySelector(sel);
    if (!d || !t || getComputedStyle(d).visibility === "hidden") return false;
    const [b, r] = [d.getBoundingClientRect(), t.getBoundingClientRect()];
    return [b.y - r.bottom, r.y - b.bottom, b.x - r.right, r.x - b.right].map(Math.abs).some((g) => g < 40) && b.bottom > r.y - 40 && b.y < r.bottom + 40;
  }, selector);
}

// Regressions from SB Admin's table (simple-datatables sorts by rewriting its cells) and
// vitest's UI (its virtual list gives a row's node to another row as it scrolls): the
// element stayed in the page, no longer the target, and the step went on pointing at it.
test("regression: the step kept pointing at an element the app rewrote into another one", async () => {
  const rows = (attr) => ["Ann", "Bob", "Cedric", "Dora"].map((n, i) => `<div class="row" ${attr(n, i)} style="height:40px">${n}</div>`).join("");
  // (case, rows, target, the app's rewrite, where the target is after it)
  const cases = [
    [
      "a table sorted by rewriting its cells: the target's text moved",
      rows((n, i) => `id="r${i}"`),
      { selector: "#list .row", text: "Cedric" },
      () => document.querySelectorAll("#list .row").forEach((r, i, all) => { r.textContent = ["Dora", "Cedric", "Bob", "Ann"][i]; }),
      "#r1",
    ],
    [
      "a virtual list's node given to another row: the selector no longer matches it",
      rows((n, i) => `id="r${i}" aria-label="case ${i}"`),
      { selector: "[aria-label='case 2']" },
      () => {
        const [r0, r2] = [document.querySelector("#r0"), document.querySelector("#r2")];
        r2.setAttribute("aria-label", "case 7"); r2.textContent = "Hugo";
        r0.setAttribute("aria-label", "case 2"); r0.textContent = "Cedric";
      },
      "#r0",
    ],
  ];
  for (const [name, html, target, rewrite, after] of cases) {
    const g = guide("rewritten", [{ id: "row", kind: "tooltip", title: "This row", body: "Here.", target, placement: "right" }]);
    const { page, errors } = await lab(browser, [g]);
    await page.evaluate((html) => {
      const list = Object.assign(document.createElement("div"), { id: "list", innerHTML: html });
      list.style.cssText = "width:200px;margin:20px";
      document.querySelector("main").prepend(list);
    }, html);
    await page.evaluate(() => Guidepost.start("rewritten"));
    await waitNextTo(page, "#r2");
    await page.evaluate(`(${rewrite})()`);
    await waitNextTo(page, after);
    assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:row"], `${name}: one view of the step`);
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});

// Regression from SB Admin and Sneat: the user closed the side menu (slid left of the page)
// and the step stayed on screen at the window's edge, pointing at nothing.
test("regression: a step stayed on screen after the app slid the side menu that holds its target off the page", async () => {
  const g = guide("side", [{ id: "link", kind: "tooltip", title: "Tables", body: "Here.", target: { selector: "#side-link" }, placement: "right" }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const nav = Object.assign(document.createElement("nav"), { id: "side", innerHTML: '<a id="side-link" href="#tables">Tables</a>' });
    nav.style.cssText = "position:absolute;left:0;top:60px;width:180px";
    document.body.prepend(nav);
  });
  await page.evaluate(() => Guidepost.start("side"));
  await waitNextTo(page, "#side-link");
  await page.evaluate(() => { document.getElementById("side").style.transform = "translateX(-250px)"; });
  await dialog(page).waitFor({ state: "hidden" });
  await page.evaluate(() => { document.getElementById("side").style.transform = ""; });
  await waitNextTo(page, "#side-link");
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:link"]);
  assert.deepEqual(errors, []);
});

// Regression from TiddlyWiki: with the app's own modal open (a fixed wrapper over the whole
// page, no aria-modal), the step stayed on top of it, pointing at the dimmed page behind.
test("regression: a step stayed above the app's own modal, pointing at the page behind it", async () => {
  const g = guide("layer", [
    { id: "here", kind: "tooltip", title: "Behind", body: "Here.", target: { selector: "#layer-target" }, advance: { on: "click" } },
    { id: "save", kind: "tooltip", title: "In the modal", body: "Save.", target: { selector: "#in-modal" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    // The app's modal: a fixed wrapper over the whole page (no aria-modal), a dimmed
    // backdrop and a box in the middle.
    window.openModal = () => {
      const w = Object.assign(document.createElement("div"), { id: "app-modal" });
      w.innerHTML = '<div style="position:absolute;inset:0;background:#0008"></div><div style="position:relative;margin:200px auto;width:300px;background:#fff">Settings <button id="in-modal">Save</button></div>';
      w.style.cssText = "position:fixed;inset:0;z-index:1000";
      document.body.append(w);
    };
    const b = Object.assign(document.createElement("button"), { id: "layer-target", textContent: "Reports", onclick: () => openModal() });
    b.style.cssText = "margin:40px";
    document.querySelector("main").prepend(b);
  });
  await page.evaluate(() => Guidepost.start("layer"));
  await waitNextTo(page, "#layer-target");
  await page.evaluate(() => openModal());
  await dialog(page).waitFor({ state: "hidden" });
  await page.evaluate(() => document.getElementById("app-modal").remove());
  await waitNextTo(page, "#layer-target");
  // The step's own target opens the modal: the next step, inside it, is not under it.
  await page.locator("#layer-target").click();
  await heading(page, "In the modal").waitFor();
  await waitNextTo(page, "#in-modal");
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:here", "step_completed:here", "step_viewed:save"]);
  assert.deepEqual(errors, []);
});

// Regression from GrapesJS: its canvas is an iframe, and a change inside it moved the
// target with no change of the page around it; the step stayed where the target had been.
test("regression: the step stayed behind when a change inside its frame moved the target", async () => {
  const g = guide("inframe", [{ id: "btn", kind: "tooltip", title: "In the frame", body: "Here.", target: { selector: "#in-frame" }, placement: "bottom" }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => { document.getElementById("frame").style.height = "300px"; });
  await page.evaluate(() => Guidepost.start("inframe"));
  await heading(page, "In the frame").waitFor();
  // Measured once the box's entrance animation is over (under load, three frames were not).
  await page.waitForFunction(() => document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]").getAnimations({ subtree: true }).length === 0);
  await frames(page, 3);
  const gap = async () => {
    const b = await rect(dialog(page));
    const t = await page.evaluate(() => { const f = document.getElementById("frame"); return f.getBoundingClientRect().y + f.clientTop + f.contentDocument.getElementById("in-frame").getBoundingClientRect().bottom; });
    return Math.round(b.y - t);
  };
  const before = await gap();
  await page.evaluate(() => { const d = document.getElementById("frame").contentDocument; d.getElementById("in-frame").before(Object.assign(d.createElement("div"), { style: "height:150px" })); });
  await page.waitForFunction((want) => {
    const d = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]");
    const f = document.getElementById("frame");
    const t = f.getBoundingClientRect().y + f.clientTop + f.contentDocument.getElementById("in-frame").getBoundingClientRect().bottom;
    return Math.round(d.getBoundingClientRect().y - t) === want;
  }, before);
  assert.ok(before >= 0 && before < 40, `the step is below the button (${before})`);
  assert.deepEqual(errors, []);
});

// Regressions from rich-text editors (TinyMCE, CKEditor 5, Quill).

// TinyMCE edits in an iframe: a step on a paragraph stayed on screen, over the toolbar and
// the page, after the user scrolled the paragraph out of the editor.
test("regression: a step stayed on screen after its target was scrolled out of its frame", async () => {
  const g = guide("deep", [{ id: "p30", kind: "tooltip", title: "Paragraph", body: "Here.", target: { selector: "#p30" }, placement: "bottom" }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const f = document.getElementById("frame");
    f.style.height = "200px";
    f.contentDocument.body.innerHTML = Array.from({ length: 40 }, (_, i) => `<p id="p${i}">Paragraph ${i}</p>`).join("");
  });
  await page.evaluate(() => Guidepost.start("deep"));
  await heading(page, "Paragraph").waitFor();
  const inFrame = () => page.evaluate(() => {
    const f = document.getElementById("frame");
    const r = f.contentDocument.getElementById("p30").getBoundingClientRect();
    return r.bottom > 0 && r.top < f.clientHeight;
  });
  assert.equal(await inFrame(), true, "the paragraph was scrolled into the frame's view");
  await page.evaluate(() => document.getElementById("frame").contentWindow.scrollBy(0, -400));
  await dialog(page).waitFor({ state: "hidden" });
  await page.evaluate(() => document.getElementById("frame").contentDocument.getElementById("p30").scrollIntoView());
  await heading(page, "Paragraph").waitFor();
  assert.deepEqual(errors, []);
});

// TinyMCE: focus given back to its <iframe> when a guide ended left the editor deaf to
// typing; it goes back to the element focused inside the frame.
test("regression: after a guide ended, an editor in a frame no longer took typing", async () => {
  const g = guide("news", [{ id: "m", kind: "modal", title: "What's new", body: "Autosave." }], { trigger: { type: "manual" } });
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const d = document.getElementById("frame").contentDocument;
    d.body.contentEditable = "true";
    d.body.textContent = "one";
  });
  await page.locator("#frame").contentFrame().locator("body").click();
  await page.evaluate(() => Guidepost.start("news"));
  await heading(page, "What's new").waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => { const d = document.getElementById("frame").contentDocument; return d.activeElement === d.body; }), true);
  await page.keyboard.press("End");
  await page.keyboard.type(" two");
  assert.match(await page.evaluate(() => document.getElementById("frame").contentDocument.body.textContent), /one two$/);
  assert.deepEqual(errors, []);
});

// CKEditor 5, TinyMCE and Quill close a dropdown when the focus leaves it: the step on its
// item took the focus, the menu closed, and the step was gone.
test("regression: a step on an item of the app's open menu took the focus and closed the menu", async () => {
  const g = guide("menu-item", [
    { id: "open", kind: "tooltip", title: "Headings", body: "Open.", target: { selector: "#heading-toggle" }, advance: { on: "click" } },
    { id: "h2", kind: "tooltip", title: "Heading 2", body: "Pick it.", target: { selector: "#h2-item" }, placement: "right" },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const wrap = document.createElement("div");
    wrap.innerHTML = '<button id="heading-toggle" aria-haspopup="true" aria-expanded="false">Paragraph</button><ul id="heading-menu" role="menu" hidden><li><button role="menuitemradio" id="p-item">Paragraph</button></li><li><button role="menuitemradio" id="h2-item">Heading 2</button></li></ul>';
    wrap.style.cssText = "margin:20px";
    document.querySelector("main").prepend(wrap);
    const [toggle, menu] = [document.getElementById("heading-toggle"), document.getElementById("heading-menu")];
    toggle.onclick = () => { menu.hidden = false; toggle.setAttribute("aria-expanded", "true"); document.getElementById("p-item").focus(); };
    // The menu closes when the focus leaves it.
    menu.addEventListener("focusout", (e) => { if (!menu.contains(e.relatedTarget)) { menu.hidden = true; toggle.setAttribute("aria-expanded", "false"); } });
  });
  await page.evaluate(() => Guidepost.start("menu-item"));
  await heading(page, "Headings").waitFor();
  await page.locator("#heading-toggle").click();
  await heading(page, "Heading 2").waitFor();
  await frames(page, 3);
  assert.equal(await page.evaluate(() => document.activeElement.id), "p-item", "the focus stays in the menu");
  assert.equal(await page.locator("#heading-menu").isVisible(), true, "the menu stays open");
  await page.keyboard.press("ArrowDown"); // the app's own keys still work in its menu
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:open", "step_completed:open", "step_viewed:h2"]);
  assert.deepEqual(errors, []);
});

// A modal that came while the user typed took the focus onto its Next button: the next
// space pressed it, then Done, and the guide was recorded as completed, unread.
test("regression: keys typed as a modal step appeared pressed its buttons", async () => {
  const g = guide("typed", [
    { id: "intro", kind: "modal", title: "Autosave is here", body: "Your work is saved." },
    { id: "more", kind: "modal", title: "And history", body: "Go back in time." },
  ], { trigger: { type: "manual" } });
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const input = Object.assign(document.createElement("input"), { id: "doc" });
    document.querySelector("main").prepend(input);
  });
  await page.locator("#doc").click();
  await page.keyboard.type("The quick");
  await page.evaluate(() => Guidepost.start("typed"));
  await heading(page, "Autosave is here").waitFor();
  await frames(page, 3);
  await page.keyboard.type(" brown fox jumps \n");
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:intro"], "nothing was pressed");
  await heading(page, "Autosave is here").waitFor();
  // The keyboard still works the step: Tab reaches its buttons.
  await page.keyboard.press("Tab");
  assert.equal(await dialog(page).evaluate((d) => d.getRootNode().activeElement?.tagName), "BUTTON");
  assert.deepEqual(errors, []);
});

// Handsontable runs a context menu's command on mouseup and removes the menu: no click ever
// came, and the step that continued on a click on the item never did.
test("regression: a step on a menu item the app acts on at mouseup never continued", async () => {
  const g = guide("ctx", [
    { id: "insert", kind: "tooltip", title: "Insert a row", body: "Click it.", target: { selector: "#ctx-insert" }, advance: { on: "click" } },
    { id: "done", kind: "modal", title: "Row inserted" },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    window.__inserted = 0;
    const menu = Object.assign(document.createElement("div"), { id: "ctx", innerHTML: '<div id="ctx-insert" style="padding:8px">Insert row above</div>' });
    menu.style.cssText = "margin:40px;width:200px;border:1px solid #999";
    menu.addEventListener("mouseup", () => { window.__inserted++; menu.remove(); });
    document.querySelector("main").prepend(menu);
  });
  await page.evaluate(() => Guidepost.start("ctx"));
  await heading(page, "Insert a row").waitFor();
  await page.locator("#ctx-insert").click();
  await heading(page, "Row inserted").waitFor();
  assert.equal(await page.evaluate(() => window.__inserted), 1);
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:insert", "step_completed:insert", "step_viewed:done"]);
  assert.deepEqual(errors, []);
});

// One press on a target that two steps in a row continue on: the release and its click
// are one click, not two.
test("a press released on the target and its click advance one step", async () => {
  const g = guide("twice", [
    { id: "a", kind: "tooltip", title: "Press once", body: "x", target: { selector: "#press-me" }, advance: { on: "click" } },
    { id: "b", kind: "tooltip", title: "Press again", body: "y", target: { selector: "#press-me" }, advance: { on: "click" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const b = Object.assign(document.createElement("button"), { id: "press-me", textContent: "Press" });
    b.style.cssText = "margin:40px";
    document.querySelector("main").prepend(b);
  });
  await page.evaluate(() => Guidepost.start("twice"));
  await heading(page, "Press once").waitFor();
  await page.locator("#press-me").click();
  await heading(page, "Press again").waitFor();
  await frames(page, 3);
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:a", "step_completed:a", "step_viewed:b"]);
  assert.deepEqual(errors, []);
});

// Fomantic UI's dropdown is a <div tabindex="0"> with no role, closed on blur: the step on
// its item took the focus, and the user could never pick the item.
test("regression: a step on an item of a dropdown with no role took the focus and closed it", async () => {
  const g = guide("fui", [
    { id: "dd", kind: "tooltip", title: "Role", body: "Open it.", target: { selector: "#role-dd" }, advance: { on: "click" } },
    { id: "editor", kind: "tooltip", title: "Editor", body: "Pick it.", target: { selector: "#role-dd .item[data-value=editor]" }, placement: "right", advance: { on: "click" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const dd = Object.assign(document.createElement("div"), { id: "role-dd", tabIndex: 0 });
    dd.innerHTML = 'Role<div class="menu" hidden><div class="item" data-value="viewer">Viewer</div><div class="item" data-value="editor">Editor</div></div>';
    dd.style.cssText = "margin:40px;width:160px;border:1px solid #999";
    const menu = dd.querySelector(".menu");
    dd.addEventListener("mousedown", (e) => { if (!menu.contains(e.target)) menu.hidden = !menu.hidden; });
    dd.addEventListener("blur", () => { menu.hidden = true; });
    menu.addEventListener("mousedown", (e) => { e.preventDefault(); window.__picked = e.target.dataset.value; menu.hidden = true; });
    document.querySelector("main").prepend(dd);
  });
  await page.evaluate(() => Guidepost.start("fui"));
  await heading(page, "Role").waitFor();
  await page.locator("#role-dd").click();
  await heading(page, "Editor").waitFor();
  await frames(page, 3);
  assert.equal(await page.evaluate(() => document.activeElement.id), "role-dd", "the focus stays on the dropdown");
  await page.locator("#role-dd .item[data-value=editor]").click();
  assert.equal(await page.evaluate(() => window.__picked), "editor");
  assert.deepEqual(errors, []);
});

// From an author's run on AdminLTE: the step after a "continue on click" link to another page
// showed on the old page while the new one loaded, on an element there that its selector
// also matched, with live buttons, and was recorded as viewed there.
test("regression: the step after a link to another page showed on the old page while it loaded", async () => {
  const g = guide("away", [
    { id: "go", kind: "tooltip", title: "Widgets", body: "Open it.", target: { selector: "#go" }, advance: { on: "click" } },
    { id: "card", kind: "tooltip", title: "Your inbox", body: "Here.", target: { selector: "main" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  // The old page says what it records, and once five frames have passed after the click's
  // step was completed, whether a step is on screen (Playwright cannot evaluate in a page
  // whose navigation is under way).
  const said = [];
  let settled;
  const quiet = new Promise((r) => { settled = r; });
  page.on("console", (m) => { said.push(m.text()); if (m.text().startsWith("settled")) settled(); });
  await page.evaluate(() => {
    const a = Object.assign(document.createElement("a"), { id: "go", href: "/lab/lab.html?page=widgets", textContent: "Widgets" });
    document.querySelector("main").prepend(a);
    Guidepost.on("event", (e) => {
      console.log(`event ${e.kind}:${e.step_id}`);
      if (e.kind !== "step_completed") return;
      const tick = (k) => (k ? requestAnimationFrame(() => tick(k - 1)) : console.log(`settled ${!!document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]")}`));
      tick(5);
    });
  });
  // The next page is held until the old one has settled.
  await page.route((u) => u.searchParams.get("page") === "widgets", async (route) => { await quiet; await route.continue(); });
  await page.evaluate(() => Guidepost.start("away"));
  await heading(page, "Widgets").waitFor();
  // (Playwright's click would wait for the navigation it starts, which is held.)
  await page.locator("#go").click({ noWaitAfter: true });
  await quiet;
  const told = said.filter((t) => /^(event|settled)/.test(t));
  assert.deepEqual(told.slice(told.indexOf("event step_completed:go")), ["event step_completed:go", "settled false"], "nothing shown or recorded on the old page");
  await page.waitForURL(/page=widgets/);
  await page.evaluate((gs) => { Guidepost.init({ guides: gs }); Guidepost.identify("lab-user", {}); }, [g]);
  await heading(page, "Your inbox").waitFor();
  assert.deepEqual(kinds(await events(page)), ["step_viewed:card"]);
  assert.deepEqual(errors, []);
});

// From a review of the two fixes above.
test("regression: a press on a disabled target continued the step", async () => {
  const g = guide("disabled", [{ id: "save", kind: "tooltip", title: "Save it", body: "x", target: { selector: "#save-btn" }, advance: { on: "click" } }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const b = Object.assign(document.createElement("button"), { id: "save-btn", textContent: "Save", disabled: true });
    b.style.cssText = "margin:40px";
    document.querySelector("main").prepend(b);
  });
  await page.evaluate(() => Guidepost.start("disabled"));
  await heading(page, "Save it").waitFor();
  await page.locator("#save-btn").click({ force: true });
  await page.evaluate(() => { document.getElementById("save-btn").disabled = false; });
  await page.locator("#save-btn").click();
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "guide_completed"));
  assert.deepEqual(kinds(await events(page)).slice(0, 3), ["guide_shown:", "step_viewed:save", "step_completed:save"]);
  assert.equal(kinds(await events(page)).filter((k) => k === "step_completed:save").length, 1);
  assert.deepEqual(errors, []);
});

test("a link a router takes, or opened in a new tab, does not hold the next step", async () => {
  const g = guide("routed", [
    { id: "a", kind: "tooltip", title: "Go", body: "x", target: { selector: "#routed" }, advance: { on: "click" } },
    { id: "b", kind: "tooltip", title: "Routed", body: "y", target: { selector: "#tabbed" }, advance: { on: "click" } },
    { id: "c", kind: "tooltip", title: "Still here", body: "z", target: { selector: "main" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const routed = Object.assign(document.createElement("a"), { id: "routed", href: "/lab/lab.html?page=orders", textContent: "Orders" });
    routed.addEventListener("click", (e) => { e.preventDefault(); history.pushState(null, "", routed.href); });
    const tabbed = Object.assign(document.createElement("a"), { id: "tabbed", href: "/lab/lab.html?page=other", textContent: "Other" });
    document.querySelector("main").prepend(routed, " ", tabbed);
  });
  await page.evaluate(() => Guidepost.start("routed"));
  await heading(page, "Go").waitFor();
  await page.locator("#routed").click();
  await heading(page, "Routed").waitFor();
  const popup = page.context().waitForEvent("page");
  await page.locator("#tabbed").click({ modifiers: ["Control"] });
  await (await popup).close();
  await heading(page, "Still here").waitFor();
  assert.deepEqual(errors, []);
});

test("regression: a step stayed hidden after the app's modal faded out instead of leaving the page", async () => {
  const g = guide("fade", [{ id: "here", kind: "tooltip", title: "Behind the fade", body: "Here.", target: { selector: "#fade-target" } }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const b = Object.assign(document.createElement("button"), { id: "fade-target", textContent: "Reports" });
    b.style.cssText = "margin:40px";
    document.querySelector("main").prepend(b);
    const w = Object.assign(document.createElement("div"), { id: "fade-modal", textContent: "Settings" });
    w.style.cssText = "position:fixed;inset:0;z-index:1000;background:#0008;transition:opacity .2s,visibility .2s";
    document.body.append(w);
  });
  await page.evaluate(() => Guidepost.start("fade"));
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "step_viewed"));
  await dialog(page).waitFor({ state: "hidden" });
  // The app closes its modal by fading it out; the element stays.
  await page.evaluate(() => { const w = document.getElementById("fade-modal"); w.style.opacity = "0"; w.style.visibility = "hidden"; });
  await waitNextTo(page, "#fade-target");
  assert.deepEqual(errors, []);
});

test("regression: focus went to an ordinary frame's body, not back to the frame, when a guide ended", async () => {
  const g = guide("frame-focus", [{ id: "m", kind: "modal", title: "Hello", body: "x" }], { trigger: { type: "manual" } });
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => document.getElementById("frame").focus());
  await page.evaluate(() => Guidepost.start("frame-focus"));
  await heading(page, "Hello").waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.id), "frame");
  assert.deepEqual(errors, []);
});

// From GraphiQL, PrimeVue, Quasar and Bulma.

// Radix's menu trigger (GraphiQL's Execute button) opens on the press, prevents its
// default and sets `body { pointer-events: none }`: the release and the click land on
// <html>, and the step on the trigger never continued.
test("regression: a step on a menu trigger that opens on the press never continued", async () => {
  const g = guide("radix", [
    { id: "run", kind: "tooltip", title: "Run", body: "x", target: { selector: "#trigger" }, advance: { on: "click" } },
    { id: "op", kind: "tooltip", title: "Pick one", body: "y", target: { selector: "#op" } },
  ]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const t = Object.assign(document.createElement("button"), { id: "trigger", textContent: "Execute" });
    t.style.cssText = "margin:40px";
    t.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      document.body.style.pointerEvents = "none";
      const menu = Object.assign(document.createElement("div"), { id: "op", textContent: "GetOrders", role: "menuitem" });
      menu.style.cssText = "pointer-events:auto;position:absolute;left:40px;top:200px";
      document.body.append(menu);
    });
    document.querySelector("main").prepend(t);
  });
  await page.evaluate(() => Guidepost.start("radix"));
  await heading(page, "Run").waitFor();
  const r = await rect(page.locator("#trigger"));
  await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
  await heading(page, "Pick one").waitFor();
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:run", "step_completed:run", "step_viewed:op"]);
  assert.deepEqual(errors, []);
});

// A step on a button of a fixed header scrolled the page (the button counted as above
// the header), and its box was put below the header's whole band (Bulma's expanded phone
// menu: 243 px from its target).
test("regression: a step on a fixed header's button scrolled the page and sat below the header's band", async () => {
  const g = guide("navbar", [{ id: "signup", kind: "tooltip", title: "Sign up", body: "x", target: { selector: "#signup" }, placement: "bottom" }]);
  const { page, errors } = await lab(browser, [g]);
  await page.evaluate(() => {
    const nav = Object.assign(document.createElement("nav"), { id: "fixed-nav" });
    nav.innerHTML = '<a href="#">Home</a><div style="height:300px"></div><button id="signup">Sign up</button>';
    nav.style.cssText = "position:fixed;top:0;left:0;right:0;height:360px;background:#eee;z-index:5";
    document.body.prepend(nav);
    document.body.style.minHeight = "3000px";
    scrollTo(0, 700);
  });
  await page.evaluate(() => Guidepost.start("navbar"));
  await heading(page, "Sign up").waitFor();
  await frames(page, 3);
  assert.equal(await page.evaluate(() => scrollY), 700, "the page did not scroll");
  const [b, t] = [await rect(dialog(page)), await rect(page.locator("#signup"))];
  assert.ok(b.y - t.bottom >= 0 && b.y - t.bottom < 30, `the box is just below the button: ${JSON.stringify({ b, t })}`);
  assert.deepEqual(errors, []);
});
