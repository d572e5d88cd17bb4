// Regressions found on real host apps and by an audit: each test is named after what broke.
// Pages come from the static test server; a stand-in collector inside it answers
// `/collect/v1/events` as the test scripts it (partial batches, 429, refusals).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, kinds, events, lab, guide } from "./harness.mjs";

let server, browser;
// What the stand-in collector does next, and what it received.
const collector = { answer: null, requests: [] };
// Guides served at /custom-guides.json (demo pages opened with ?guides=custom), and gates
// that hold a response until a test releases it.
let customGuides = [];
const gates = {};

function gate(name) {
  let release;
  const p = new Promise((r) => (release = r));
  gates[name] = p;
  return release;
}

before(async () => {
  server = await serveStatic((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/custom-guides.json") {
      Promise.resolve(gates.guides).then(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(customGuides));
      });
      return true;
    }
    if (url.pathname !== "/collect/v1/events") return false;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const batch = JSON.parse(body).batch;
      collector.requests.push({ key: url.searchParams.get("key"), batch });
      const [status, json, headers] = collector.answer ? collector.answer(batch) : [200, { accepted: batch.length, duplicates: 0, rejected: [] }, {}];
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(json));
    });
    return true;
  });
  globalThis.__labBase = server.base;
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

const errors = (page) => page.evaluate(() => window.__errors.slice());
const modal = (id, title = "Hello") => guide(id, [{ id: "hello", kind: "modal", title, body: "A modal step." }]);
/** What the user can reach at the middle of `locator`: the element a click there lands on. */
const hitAt = (locator) => locator.evaluate((h) => {
  const r = h.getBoundingClientRect();
  return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.tagName;
});

/** The same through open shadow roots (the document answers with the outermost shadow host):
 * the `<guidepost-root>` whose shadow root holds the element hit, if any. */
const deepHitAt = (locator) => locator.evaluate((h) => {
  const r = h.getBoundingClientRect();
  let at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  while (at?.shadowRoot && at.tagName !== "GUIDEPOST-ROOT") {
    const inner = at.shadowRoot.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    if (!inner || inner === at) break;
    at = inner;
  }
  return at?.tagName;
});

const ready = (page) => page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
const storageKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("guidepost:")));

test("a panic in the engine is reported once and every later call is a no-op", async () => {
  const { page, errors: pageErrors } = await lab(browser, [modal("p")], { start: "p" });
  await dialog(page).waitFor();
  await page.evaluate(() => Guidepost.__fault());
  await page.locator("guidepost-root").waitFor({ state: "detached" });
  // Later calls and the page's own events must not reach the dead module.
  const answers = await page.evaluate(async () => {
    Guidepost.identify("someone", { role: "x" });
    Guidepost.track("clicked");
    Guidepost.start("p");
    window.scrollBy(0, 300);
    document.body.appendChild(document.createElement("div"));
    document.getElementById("plain").click();
    return { debug: await Guidepost.debug(), validate: await Guidepost.validate("[]"), pick: await Guidepost.pick() };
  });
  assert.deepEqual(answers, { debug: [], validate: null, pick: null });
  // Regression: the overlay module kept its own key handler after the decision module
  // died, and went on swallowing the page's Escape.
  const prevented = await page.evaluate(() => {
    const e = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    return e.defaultPrevented;
  });
  assert.equal(prevented, false, "the overlay stopped with the engine");
  // A task later: the mutation and scroll listeners had their chance to throw.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  const panics = (await errors(page)).filter((e) => e.source === "panic");
  assert.equal(panics.length, 1, JSON.stringify(await errors(page)));
  assert.match(panics[0].message, /fault requested/);
  assert.deepEqual(pageErrors, []);
});

test("a failed wasm load reaches on('error') handlers registered through the stub", async () => {
  // The harness subscribes to on('error') through the stub, before the loader runs.
  const { page, context, errors: pageErrors } = await openPage(browser, `${server.base}/lab/lab.html`, {
    before: (p) => p.route("**/guidepost_bg.wasm", (route) => route.fulfill({ status: 404, body: "missing" })),
  });
  await page.waitForFunction(() => window.__errors.length > 0);
  const [failure] = await errors(page);
  assert.equal(failure.source, "load");
  assert.match(failure.message, /guidepost_bg\.wasm/);
  // Every method stays safe, and the answering ones settle.
  const after = await page.evaluate(async () => {
    Guidepost.init({ guides: [] });
    Guidepost.start("x");
    return { validate: await Guidepost.validate("[]"), debug: await Guidepost.debug() };
  });
  assert.deepEqual(after, { validate: null, debug: [] });
  assert.equal((await errors(page)).length, 1);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("validate and debug called before the engine loads answer once it does", async () => {
  const release = gate("script");
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`, {
    waitUntil: "domcontentloaded",
    before: (p) => p.route("**/dist/guidepost.js", async (route) => { await gates.script; await route.continue(); }),
  });
  // `validate` was missing from the stub: calling it before load threw a TypeError.
  const pending = page.evaluate(() => Promise.all([Guidepost.validate('[{"id": 1}]'), Guidepost.debug()]));
  release();
  const [report, debug] = await pending;
  assert.deepEqual(report.guides, []);
  assert.ok(report.diagnostics.some((d) => d.path.startsWith("$[0]")), JSON.stringify(report));
  assert.deepEqual(debug, []);
  await context.close();
});

test("start() before the guides have loaded waits for them instead of being dropped", async () => {
  customGuides = [modal("late", "Loaded late")];
  const release = gate("guides");
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await ready(page);
  await page.evaluate(() => {
    Guidepost.init({ guides: "/custom-guides.json" });
    Guidepost.start("late");
  });
  release();
  await dialog(page).getByRole("heading", { name: "Loaded late" }).waitFor();
  gates.guides = null;
});

test("regression: guides that cannot be fetched were reported with the browser error's debug form and stack", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`, {
    before: (p) => p.route("**/unreachable-guides.json", (route) => route.abort("connectionrefused")),
  });
  await ready(page);
  await page.evaluate(() => Guidepost.init({ guides: "/unreachable-guides.json" }));
  await page.waitForFunction(() => window.__errors.some((e) => e.source === "init"));
  const message = await page.evaluate(() => window.__errors.find((e) => e.source === "init").message);
  // Chromium's own words for a refused fetch, after what could not be loaded: no
  // `JsValue(...)` wrapper, no stack trace.
  assert.equal(message, "could not load guides from /unreachable-guides.json: Failed to fetch");
});

test("ready fires after the guides of init load, and for handlers added later", async () => {
  customGuides = [modal("a"), modal("b")];
  const release = gate("script");
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`, {
    waitUntil: "domcontentloaded",
    before: (p) => p.route("**/dist/guidepost.js", async (route) => { await gates.script; await route.continue(); }),
  });
  // Queued in the stub before the engine loads: ready waits for the fetched guides.
  const first = page.evaluate(() => new Promise((r) => { Guidepost.init({ guides: "/custom-guides.json" }); Guidepost.on("ready", r); }));
  release();
  assert.equal((await first).guides, 2);
  const late = await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  assert.deepEqual(late, await first);
  await context.close();
});

test("warnings name their source once and do not end in undefined", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await ready(page);
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.evaluate(() => Guidepost.track(42));
  await page.waitForFunction(() => window.__errors.length > 0);
  assert.deepEqual(warnings, ["[guidepost] track: event name must be a string"]);
  assert.deepEqual(await errors(page), [{ source: "track", message: "event name must be a string" }]);
});

test("identify right after start keeps the tour of an anonymous visitor", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate((g) => { Guidepost.init({ guides: g }); Guidepost.start("keep"); }, [modal("keep", "Still here")]);
  await dialog(page).getByRole("heading", { name: "Still here" }).waitFor();
  await page.evaluate(() => Guidepost.identify("signed-in", { role: "admin" }));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.equal(await dialog(page).count(), 1, "the tour is still on screen");
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:hello"]);
});

test("switching to another user ends the tour with an exit record", async () => {
  const manual = { ...modal("switch"), trigger: { type: "manual" } };
  const { page } = await lab(browser, [manual], { start: "switch", user: "first-user" });
  await dialog(page).waitFor();
  await page.evaluate(() => Guidepost.identify("second-user", {}));
  await dialog(page).waitFor({ state: "detached" });
  const ev = await events(page);
  assert.deepEqual(kinds(ev), ["guide_shown:", "step_viewed:hello", "guide_abandoned:hello"]);
  assert.equal(ev[2].reason, "user_changed");
  assert.equal(ev[2].user_id, "first-user");
});

test("a chat widget at z-index 2147483647 does not cover the guide", async () => {
  const { page } = await lab(browser, [modal("top", "On top")]);
  await page.evaluate(() => {
    const chat = document.createElement("div");
    chat.id = "chat";
    chat.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.1)";
    document.body.appendChild(chat);
    Guidepost.start("top");
  });
  const heading = dialog(page).getByRole("heading", { name: "On top" });
  await heading.waitFor();
  assert.equal(await hitAt(heading), "GUIDEPOST-ROOT");
  // Playwright refuses to click a covered button.
  await dialog(page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(page).waitFor({ state: "detached" });
});

test("regression: a step shown while the page had a modal <dialog> open sat behind it, inert, and could not be used", async () => {
  const { page, errors } = await lab(browser, [guide("dlg", [
    { id: "open", kind: "tooltip", title: "Open it", target: { selector: "#open-dialog" }, advance: { on: "click" } },
    { id: "name", kind: "tooltip", title: "Name it", target: { selector: "#dialog-name" } },
    { id: "done", kind: "modal", title: "Named" },
  ], { trigger: { type: "manual" } })]);
  await page.evaluate(() => {
    const dlg = document.createElement("dialog");
    dlg.innerHTML = '<form method="dialog"><label>Name <input id="dialog-name"></label> <button>Create</button></form>';
    const open = document.createElement("button");
    open.id = "open-dialog";
    open.textContent = "New project";
    open.onclick = () => dlg.showModal();
    document.body.append(open, dlg);
    Guidepost.start("dlg");
  });
  await dialog(page).getByRole("heading", { name: "Open it" }).waitFor();
  await page.locator("#open-dialog").click();
  const heading = dialog(page).getByRole("heading", { name: "Name it" });
  await heading.waitFor();
  assert.equal(await hitAt(heading), "GUIDEPOST-ROOT", "above the page's dialog");
  await dialog(page).getByRole("button", { name: "Next" }).click({ timeout: 3000 });
  await dialog(page).getByRole("heading", { name: "Named" }).waitFor();
  // The page closes its dialog while the guide's modal shows: the guide stays usable.
  await page.evaluate(() => document.querySelector("dialog").close());
  await page.waitForFunction(() => document.querySelector("guidepost-root").parentElement === document.body);
  assert.equal(await hitAt(dialog(page).getByRole("heading", { name: "Named" })), "GUIDEPOST-ROOT");
  await dialog(page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

test("regression: a modal <dialog> the page opened while a step showed made the step inert", async () => {
  const { page, errors } = await lab(browser, [modal("over", "Still here")]);
  await page.evaluate(() => Guidepost.start("over"));
  const heading = dialog(page).getByRole("heading", { name: "Still here" });
  await heading.waitFor();
  await page.evaluate(() => {
    const dlg = document.createElement("dialog");
    dlg.textContent = "Session expires soon";
    document.body.append(dlg);
    dlg.showModal();
  });
  // Checked again within half a second of a change of the page.
  await page.waitForFunction(() => document.querySelector("guidepost-root").parentElement === document.querySelector("dialog"));
  assert.equal(await hitAt(heading), "GUIDEPOST-ROOT");
  await dialog(page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

test("regression: with a dialog opened from another that comes later in the page, the host went into the covered one", async () => {
  const { page, errors } = await lab(browser, [modal("stacked", "Above both")]);
  await page.evaluate(() => {
    // A confirm dialog declared first in the layout, opened from a settings dialog declared after it.
    const confirm = document.createElement("dialog");
    confirm.id = "confirm";
    confirm.textContent = "Discard changes?";
    const settings = document.createElement("dialog");
    settings.id = "settings";
    settings.style.cssText = "width: 600px; height: 400px";
    settings.textContent = "Settings";
    document.body.prepend(confirm);
    document.body.append(settings);
    settings.showModal();
    confirm.showModal();
    Guidepost.start("stacked");
  });
  const heading = dialog(page).getByRole("heading", { name: "Above both" });
  await heading.waitFor();
  assert.equal(await page.evaluate(() => document.querySelector("guidepost-root").parentElement.id), "confirm");
  assert.equal(await hitAt(heading), "GUIDEPOST-ROOT");
  await dialog(page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

test("regression: a modal <dialog> inside a web component's shadow root left the step outside it, inert", async () => {
  // Web components (Web Awesome's, Material's dialogs) keep their <dialog> in their shadow
  // root, where no selector on the document finds it; showModal() makes the rest inert.
  const { page, errors } = await lab(browser, [guide("wc", [
    { id: "open", kind: "tooltip", title: "Open it", target: { selector: "#open-wc" }, advance: { on: "click" } },
    { id: "name", kind: "tooltip", title: "Name it", target: { selector: "#wc-name" } },
    { id: "done", kind: "modal", title: "Named" },
  ], { trigger: { type: "manual" } })]);
  await page.evaluate(() => {
    customElements.define("x-modal", class extends HTMLElement {
      constructor() {
        super();
        this.attachShadow({ mode: "open" }).innerHTML = '<dialog part="dialog"><slot></slot></dialog>';
      }
      show() { this.shadowRoot.querySelector("dialog").showModal(); }
      close() { this.shadowRoot.querySelector("dialog").close(); }
    });
    const m = document.createElement("x-modal");
    // showModal() focuses the first button (a step leaves a field the app focused alone).
    m.innerHTML = '<button type="button">Help</button><label>Name <input id="wc-name"></label>';
    const open = document.createElement("button");
    open.id = "open-wc";
    open.textContent = "New project";
    open.onclick = () => m.show();
    document.body.append(open, m);
    Guidepost.start("wc");
  });
  await dialog(page).getByRole("heading", { name: "Open it" }).waitFor();
  await page.locator("#open-wc").click();
  const heading = dialog(page).getByRole("heading", { name: "Name it" });
  await heading.waitFor();
  assert.equal(await deepHitAt(heading), "GUIDEPOST-ROOT", "above the component's dialog, and not inert");
  // The step takes the focus, and its keys work from there (the document's active element is
  // the component, not the overlay's host).
  await page.waitForFunction(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.textContent === "Next";
  });
  await page.keyboard.press("ArrowRight");
  await dialog(page).getByRole("heading", { name: "Named" }).waitFor();
  // The component closes its dialog: the host returns to the body.
  await page.evaluate(() => document.querySelector("x-modal").close());
  await page.waitForFunction(() => document.querySelector("guidepost-root")?.parentElement === document.body);
  assert.equal(await deepHitAt(dialog(page).getByRole("heading", { name: "Named" })), "GUIDEPOST-ROOT");
  await dialog(page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

test("regression: on a page where Prototype.js gave arrays a toJSON, inline guides were read as a URL", async () => {
  // Prototype.js 1.6 (still in older apps) makes JSON.stringify turn every array into a string.
  const { page, errors } = await openPage(browser, `${server.base}/lab/lab.html`, {
    init: () => {
      Array.prototype.toJSON = function () { return "[" + this.map((x) => JSON.stringify(x)).join(", ") + "]"; };
      Date.prototype.toJSON = function () { return '"' + this.toISOString() + '"'; };
    },
  });
  await page.evaluate((g) => {
    Guidepost.init({ guides: g });
    Guidepost.identify("proto-user", { plan: "pro", teams: ["a", "b"], signed_up_at: new Date("2026-03-01T00:00:00Z") });
  }, [guide("proto", [{ id: "hi", kind: "modal", title: "Arrays intact" }], {
    trigger: { type: "page_view" },
    audience: { all: [
      { trait: "teams", op: "contains", value: "b" },
      { trait: "signed_up_at", op: "between", value: ["2026-01-01", "2026-12-31"] },
    ] },
  })]);
  await dialog(page).getByRole("heading", { name: "Arrays intact" }).waitFor();
  // The page's own toJSON functions are back in place.
  assert.equal(await page.evaluate(() => JSON.stringify([1, 2])), '"[1, 2]"');
  assert.equal(await page.evaluate(() => JSON.stringify(new Date(0))), '"\\"1970-01-01T00:00:00.000Z\\""');
  assert.deepEqual(await page.evaluate(() => window.__errors.slice()), []);
  assert.deepEqual(errors, []);
});

test("hash-routed apps can be targeted by URL rules", async () => {
  const g = guide("hash", [{ id: "s", kind: "modal", title: "Settings tip" }], {
    trigger: { type: "page_view" },
    audience: { url: "/lab/lab.html#/settings" },
  });
  const { page } = await openPage(browser, `${server.base}/lab/lab.html#/reports`);
  await page.evaluate((gs) => Guidepost.init({ guides: gs }), [g]);
  await ready(page);
  const before = await page.evaluate(() => Guidepost.debug());
  assert.equal(before[0].eligible, false);
  await page.evaluate(() => { location.hash = "#/settings"; });
  await dialog(page).getByRole("heading", { name: "Settings tip" }).waitFor();
});

test("advance on url works when the user follows a real link (a full page load)", async () => {
  customGuides = [
    guide("by-link", [
      { id: "go", kind: "modal", title: "Open the reports", body: "Use the sidebar.", advance: { on: "url", pattern: "/reports.html" }, buttons: [] },
      { id: "there", kind: "modal", title: "These are your reports" },
    ]),
  ];
  const { page } = await openPage(browser, `${server.base}/index.html?user=ada-admin`, {
    init: () => { window.GUIDEPOST_MANUAL_INIT = true; },
  });
  await page.evaluate(() => { Guidepost.init({ guides: "/custom-guides.json" }); Guidepost.identify("link-user", {}); Guidepost.start("by-link"); });
  await dialog(page).getByRole("heading", { name: "Open the reports" }).waitFor();
  // A real navigation, not history.pushState; the new page sets the engine up again.
  await Promise.all([page.waitForURL(/reports\.html/), page.evaluate(() => { location.href = "/reports.html"; })]);
  await page.evaluate(() => { Guidepost.init({ guides: "/custom-guides.json" }); Guidepost.identify("link-user", {}); });
  await dialog(page).getByRole("heading", { name: "These are your reports" }).waitFor();
  assert.deepEqual(kinds(await events(page)).slice(0, 2), ["step_completed:go", "step_viewed:there"]);
});

test("300 identify calls and 10,000 track names leave bounded storage", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate(() => Guidepost.init({ guides: [] }));
  await ready(page);
  await page.evaluate(() => { for (let i = 0; i < 300; i++) Guidepost.identify("user-" + i, { n: i }); });
  const keys = await storageKeys(page);
  assert.ok(keys.length <= 20, `${keys.length} keys: ${keys.join(", ")}`);
  const size = await page.evaluate(() => {
    for (let i = 0; i < 10000; i++) Guidepost.track("event-" + i);
    return Object.keys(localStorage).filter((k) => k.startsWith("guidepost:")).reduce((n, k) => n + localStorage.getItem(k).length, 0);
  });
  assert.ok(size < 100_000, `${size} characters stored`);
});

test("the queue is bounded by bytes and reports the records it drops", async () => {
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`);
  await ready(page);
  // A full queue from earlier page views: 600 records of about 1 KB.
  await page.evaluate(() => {
    const url = "/" + "x".repeat(900);
    for (let i = 0; i < 600; i++) {
      const r = { event_id: "old-" + i, kind: "guide_shown", guide_id: "g", guide_version: 1, user_id: "u", session_id: "s", timestamp: 1795435200000 + i, url };
      localStorage.setItem("guidepost:q:old-" + i, JSON.stringify(r));
    }
  });
  await page.reload();
  // Records are sent once a step is on screen: the overlay loads before the browser goes offline.
  await page.evaluate((g) => Guidepost.init({ guides: g, endpoint: location.origin + "/collect", writeKey: "wk", prefetchOverlay: true }), [{ ...modal("q"), trigger: { type: "manual" } }]);
  await page.locator("guidepost-root").waitFor({ state: "attached" });
  await context.setOffline(true);
  await page.evaluate(() => Guidepost.start("q"));
  await page.waitForFunction(() => window.__errors.some((e) => /oldest unsent records were dropped/.test(e.message)));
  const dropped = (await errors(page)).filter((e) => /dropped/.test(e.message));
  assert.equal(dropped.length, 1, "reported once");
  const n = Number(/the (\d+) oldest/.exec(dropped[0].message)[1]);
  const queuedBytes = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("guidepost:q:")).reduce((s, k) => s + localStorage.getItem(k).length, 0));
  assert.ok(n > 0 && queuedBytes <= 512 * 1024, `dropped ${n}, ${queuedBytes} bytes queued`);
  await context.close();
});

test("a record the collector refuses does not take the valid ones with it", async () => {
  collector.requests = [];
  // The stand-in refuses the first record of each batch and stores the rest.
  collector.answer = (batch) => [200, { accepted: batch.length - 1, duplicates: 0, rejected: [{ index: 0, reason: "url: too long" }] }, {}];
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate((g) => { Guidepost.init({ guides: g, endpoint: location.origin + "/collect", writeKey: "wk" }); Guidepost.start("part"); }, [modal("part")]);
  await dialog(page).waitFor();
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => window.__errors.some((e) => e.source === "delivery"));
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")));
  const err = (await errors(page)).find((e) => e.source === "delivery");
  assert.match(err.message, /url: too long/);
  collector.answer = null;
});

test("a batch over the rate limit is split and every record arrives", async () => {
  collector.requests = [];
  // 429 for batches over 2 records, with Retry-After: 0.
  collector.answer = (batch) => (batch.length > 2 ? [429, { error: "rate limit exceeded" }, { "retry-after": "0" }] : [200, { accepted: batch.length, duplicates: 0, rejected: [] }, {}]);
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate((g) => Guidepost.init({ guides: g, endpoint: location.origin + "/collect", writeKey: "wk", prefetchOverlay: true }), [{ ...modal("rl"), trigger: { type: "manual" } }]);
  await page.locator("guidepost-root").waitFor({ state: "attached" });
  await context.setOffline(true);
  await page.evaluate(() => Guidepost.start("rl"));
  await dialog(page).waitFor();
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => window.__events.length >= 3);
  const ids = (await events(page)).map((e) => e.event_id).sort();
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")));
  const delivered = collector.requests.filter((r) => r.batch.length <= 2).flatMap((r) => r.batch.map((x) => x.event_id));
  assert.deepEqual([...new Set(delivered)].sort(), ids);
  assert.ok(collector.requests.some((r) => r.batch.length > 2), "the first, larger batch was refused");
  collector.answer = null;
  await context.close();
});

test("an unreachable collector is reported once, and records stay queued", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate((g) => { Guidepost.init({ guides: g, endpoint: "http://127.0.0.1:9", writeKey: "wk" }); Guidepost.start("down"); }, [modal("down")]);
  await dialog(page).waitFor();
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => window.__errors.some((e) => e.source === "delivery"));
  const reports = (await errors(page)).filter((e) => e.source === "delivery");
  assert.equal(reports.length, 1);
  assert.match(reports[0].message, /--allow-origin/);
  assert.ok((await storageKeys(page)).some((k) => k.startsWith("guidepost:q:")));
});
