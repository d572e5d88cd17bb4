// Guidepost Studio and the in-app designer, used as a no-code author would: no JSON typed.
// 1. In the Studio, create a 3-step tour from the template and target "role is admin".
// 2. Open the demo app in designer mode and pick the three targets by clicking.
// 3. Save, publish to staging, promote to production.
// 4. An end user with role admin sees the tour; a user with another role does not.
// 5. Roll back, and the previous version shows.
// With SCREENSHOTS=1 it also writes the README's screenshots to docs/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launch, openPage, dialog, startCollector, serveStatic } from "./harness.mjs";

const ADMIN = "studio-admin";
let collector, browser, tmp, thirdParty;
const shots = process.env.SCREENSHOTS ? "docs/screenshots" : null;

// Third-party apps from npm on another origin than the collector, with the customer's
// paste: the stub, the script tag and init pointing at the collector. SB Admin 2 (an admin
// template) under /sb/, and docsify (a hash-routed site) under /docs/.
const stub = fs.readFileSync("crates/web/js/stub.js", "utf8");
const paste = () => `<script>${stub}</script><script async src="/dist/guidepost.js"></script>` +
  `<script>Guidepost.init({ endpoint: ${JSON.stringify(collector.base)}, writeKey: "demo-write-key" }); Guidepost.identify("app-user", {});</script></head>`;
const apps = { "/sb/": "node_modules/startbootstrap-sb-admin-2", "/docsify/": "node_modules/docsify" };
// An app with a strict Content-Security-Policy, as the README documents it for the embed:
// scripts from 'self' or by nonce, no inline styles, the collector in `connect-src`, and
// Trusted Types enforced (no HTML strings assigned anywhere).
const strictCsp = () => `default-src 'none'; script-src 'self' 'nonce-app' 'wasm-unsafe-eval'; style-src 'self'; ` +
  `connect-src 'self' ${collector.base}; img-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'`;
const cspApp = () => `<!doctype html><html><head><meta charset="utf-8"><title>Strict app</title>
<script nonce="app">${stub}</script><script async nonce="app" src="/dist/guidepost.js"></script>
<script nonce="app">Guidepost.init({ endpoint: ${JSON.stringify(collector.base)}, writeKey: "demo-write-key" }); Guidepost.identify("app-user", {});</script>
</head><body><main><h1>Invoices</h1><button id="new-invoice">New invoice</button> <button id="export">Export</button></main></body></html>`;
function thirdPartyApps(req, res) {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/csp-app/") {
    res.writeHead(200, { "content-type": "text/html", "content-security-policy": strictCsp() });
    res.end(cspApp());
    return true;
  }
  if (url.pathname === "/docs/") {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Docs</title>${paste()}<body><div id="app"></div>
<script>window.$docsify = { name: "docsify", basePath: "/docsify/" };</script><script src="/docsify/lib/docsify.min.js"></script></body></html>`);
    return true;
  }
  const prefix = Object.keys(apps).find((p) => url.pathname.startsWith(p));
  if (!prefix) return false;
  const file = path.join(apps[prefix], url.pathname.slice(prefix.length) || "index.html");
  if (!file.startsWith(apps[prefix]) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404);
    res.end();
    return true;
  }
  let body = fs.readFileSync(file);
  if (file.endsWith(".html")) body = body.toString("utf8").replace("</head>", paste());
  const type = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".md": "text/markdown" }[path.extname(file)] || "application/octet-stream";
  res.writeHead(200, { "content-type": type });
  res.end(body);
  return true;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guidepost-studio-"));
  thirdParty = await serveStatic(thirdPartyApps);
  collector = await startCollector(["--db", path.join(tmp, "studio.db"), "--www", "www", "--dist", "dist", "--admin-key", ADMIN,
    "--write-key", "demo-write-key", "--write-key", "demo-staging-key=staging", "--read-key", "studio-read", "--design-origin", thirdParty.base]);
  browser = await launch();
  if (shots) fs.mkdirSync(shots, { recursive: true });
});
after(async () => { await browser?.close(); await collector?.stop(); await thirdParty?.close(); if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

async function shot(page, name) {
  if (!shots) return;
  // Entrance animations finished, the overlay's shadow root included (the document's list
  // leaves shadow trees out); a beacon's endless pulse does not count.
  await page.waitForFunction(() => [document, ...[...document.querySelectorAll("guidepost-root, guidepost-designer")].map((h) => h.shadowRoot)]
    .flatMap((r) => r?.getAnimations() ?? [])
    .every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity));
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function studio(context) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${collector.base}/studio/`);
  await page.waitForFunction(() => document.documentElement.dataset.studio === "ready");
  return { page, errors };
}

async function signIn(page) {
  await page.getByLabel("Admin key").fill(ADMIN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("table.guides[data-loaded=true]").waitFor();
}

/** The status line says `text` (after an action). */
async function status(page, text) {
  try {
    await page.locator(".status").filter({ hasText: text }).waitFor({ timeout: 15000 });
  } catch (e) {
    throw new Error(`status: wanted ${JSON.stringify(text)}, found ${JSON.stringify(await page.locator(".status").textContent())}`);
  }
}

/** Opens the demo app as `user` in a fresh browser profile; resolves once the engine is ready. */
async function endUser(user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page } = await openPage(browser, `${collector.base}/index.html?user=${user}`, { context });
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  return { page, context };
}

/** The collector's admin API: `{ status, body }`. */
function admin(method, url, body) {
  return fetch(collector.base + url, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: body && JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

/** Saves `draft` and answers the designer link for it on SB Admin 2's dashboard (another origin). */
async function designOnSbAdmin(draft, app = "/sb/index.html") {
  assert.equal((await admin("PUT", `/v1/guides/${draft.id}/draft`, draft)).status, 200);
  const t = await admin("POST", "/v1/design/tokens", { guide_id: draft.id, url: `${thirdParty.base}${app}` });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  return t.body.url;
}

/** Opens the designer link `url` in a fresh browser profile: the app's page, its errors, the designer's panel. */
async function openDesigner(url, viewport = { width: 1360, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const { page, errors } = await openPage(browser, url, { context });
  return { context, page, errors, panel: page.locator("guidepost-designer .panel") };
}

async function eligible(page, id) {
  const ex = await page.evaluate(() => Guidepost.debug());
  return ex.find((e) => e.guide_id === id)?.eligible;
}

test("an author builds, targets, designs in the app, publishes, promotes and rolls back a tour without JSON", async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const { page, errors } = await studio(context);
  await shot(page, "studio-sign-in");
  await signIn(page);

  // 1. A tour from the template, targeted at admins through the builder.
  await page.getByRole("link", { name: "New guide" }).first().click();
  await page.getByText("Product tour").click();
  await page.getByLabel("Name").fill("Admin tour");
  await shot(page, "studio-new-guide");
  await page.getByRole("button", { name: "Create guide" }).click();
  await page.locator("main.editor[data-guide=admin-tour]").waitFor();
  assert.equal(await page.locator(".step-list li").count(), 3, "the template has three steps");
  // Regression: the template's written-out "auto" placement showed as an empty select.
  const placement = page.locator("select[data-path='$.steps[0].placement']");
  assert.equal(await placement.evaluate((s) => s.selectedOptions[0]?.textContent), "Auto");
  await page.locator("[data-tab=targeting]").click();
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.locator(".condition input[data-path='$.audience.all[0].trait']").fill("role");
  await page.locator(".condition input[name=trait-value]").fill("admin");
  await page.locator("[data-summary]").filter({ hasText: 'role is "admin"' }).waitFor();
  await shot(page, "studio-targeting");
  await page.getByRole("button", { name: "Save draft" }).click();
  await status(page, "Saved.");

  // Test as a user: the engine's answer and trace for an admin and for a viewer.
  await page.locator("[data-tab=test]").click();
  await page.getByRole("button", { name: "Test" }).click();
  await page.locator(".verdict[data-eligible=true]").waitFor();
  await page.getByLabel("Trait value").fill("viewer");
  await page.getByRole("button", { name: "Test" }).click();
  await page.locator(".verdict[data-eligible=false]").waitFor();
  // An admin who dismissed this "once" guide already: not again.
  await page.getByLabel("Trait value").fill("admin");
  await page.getByRole("button", { name: "Test" }).click();
  await page.locator(".verdict[data-eligible=true]").waitFor();
  await page.getByRole("button", { name: "Add guide history" }).click();
  await page.locator("select[name=test-history-status]").selectOption("dismissed");
  await page.getByRole("button", { name: "Test" }).click();
  await page.locator(".verdict[data-eligible=false]").waitFor();
  await shot(page, "studio-test-as-user");

  // 2. Designer mode on the demo app: pick the three targets by clicking them.
  await page.locator("[data-tab=steps]").click();
  await page.getByLabel("App URL").fill(`${collector.base}/index.html?user=ada-admin`);
  const [app] = await Promise.all([context.waitForEvent("page"), page.getByRole("button", { name: "Open in my app" }).click()]);
  const appErrors = [];
  app.on("pageerror", (e) => appErrors.push(String(e)));
  const panel = app.locator("guidepost-designer .panel");
  await panel.waitFor();
  assert.ok(!app.url().includes("guidepost-design="), `the token leaves the address bar: ${app.url()}`);
  const targets = ["[data-tour=nav-reports]", "#new-report", "#invite"];
  for (let i = 0; i < 3; i++) {
    await panel.locator(`li[data-step-index="${i}"]`).getByRole("button", { name: "Pick target" }).click();
    await app.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    await app.locator(targets[i]).click();
    await panel.locator(".msg.ok").filter({ hasText: "1 element matches" }).waitFor();
  }
  await panel.locator(`li[data-step-index="0"] input[name=designer-title]`).fill("Your reports");
  await panel.locator(`li[data-step-index="0"]`).getByRole("button", { name: "Preview" }).click();
  await dialog(app).getByRole("heading", { name: "Your reports" }).waitFor();
  await shot(app, "designer");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: "Saved to the draft." }).waitFor();
  // The session survives a reload of the app (the fragment is gone): the panel comes back.
  await app.reload();
  await app.locator("guidepost-designer .panel li[data-step-index='2'] .target").filter({ hasText: "#invite" }).waitFor();
  assert.deepEqual(appErrors, []);

  // 3. Back in the Studio (reloaded: the designer saved a newer revision), publish and promote.
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.studio === "ready");
  await page.locator(".step-list li[data-index='0']").filter({ hasText: "Your reports" }).waitFor();
  await page.locator(".step-list li[data-index='1']").click();
  assert.equal(await page.locator("input[data-path='$.steps[1].target.selector']").inputValue(), '[data-tour="new-report"]', "the picker prefers data-tour");
  await shot(page, "studio-steps");
  await page.locator("[data-tab=versions]").click();
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, "Published to staging (version 1)");
  await page.getByRole("button", { name: "Promote staging to production" }).click();
  await status(page, "Promoted to production (version 1)");

  // 4. An admin sees the tour on the first target; a viewer does not.
  let admin = await endUser("ada-admin");
  await dialog(admin.page).getByRole("heading", { name: "Your reports" }).waitFor();
  await admin.context.close();
  const viewer = await endUser("vic-viewer");
  assert.equal(await eligible(viewer.page, "admin-tour"), false);
  assert.equal(await viewer.page.locator("guidepost-root [role=dialog]").count(), 0);
  await viewer.context.close();

  // 5. A second version, then a rollback: the first one shows again.
  await page.locator("[data-tab=steps]").click();
  await page.locator("input[data-path='$.steps[0].title']").fill("Reports, version two");
  await page.locator("[data-tab=versions]").click();
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, "Published to staging (version 2)");
  await page.getByRole("button", { name: "Promote staging to production" }).click();
  await status(page, "Promoted to production (version 2)");
  admin = await endUser("ada-admin");
  await dialog(admin.page).getByRole("heading", { name: "Reports, version two" }).waitFor();
  await admin.context.close();
  await page.locator("tr[data-version='1'] button[data-rollback=production]").click();
  await status(page, "Production rolled back to v1");
  await shot(page, "studio-versions");
  admin = await endUser("ada-admin");
  await dialog(admin.page).getByRole("heading", { name: "Your reports" }).waitFor();
  await admin.context.close();

  // The list shows the guide with its status.
  await page.getByRole("link", { name: "Guides", exact: true }).click();
  await page.locator("table.guides[data-loaded=true]").waitFor();
  // A rollback publishes the old content as a new version (versions are immutable).
  await page.locator("tr[data-guide=admin-tour] .status-cell").filter({ hasText: "production v3, staging v2" }).waitFor();
  // What was said of the guide does not stand over the list (regression: it stayed).
  assert.equal(await page.locator("header .status").textContent(), "");
  await shot(page, "studio-guides");
  assert.deepEqual(errors, []);
  await context.close();
});

test("errors show next to their field and publishing is refused until they are fixed", async () => {
  const context = await browser.newContext();
  const { page } = await studio(context);
  await signIn(page);
  await page.getByRole("link", { name: "New guide" }).first().click();
  await page.getByText("Announcement modal").click();
  await page.getByLabel("Name").fill("Broken modal");
  await page.getByRole("button", { name: "Create guide" }).click();
  await page.locator("main.editor[data-guide=broken-modal]").waitFor();
  // A button that jumps to a step that does not exist: core's error appears at that field.
  await page.locator("select[data-path='$.steps[0].buttons[0].action']").selectOption("goto");
  await page.locator("input[data-path='$.steps[0].buttons[0].to']").fill("nowhere");
  const err = page.locator(".field-error[data-path^='$.steps[0].buttons[0]']");
  await err.first().waitFor();
  assert.match(await err.first().textContent(), /nowhere/);
  await page.locator("[data-tab=versions]").click();
  assert.equal(await page.getByRole("button", { name: "Publish draft to staging" }).isDisabled(), true);
  // Fixed: the error goes and publishing is allowed again.
  await page.locator("[data-tab=steps]").click();
  await page.locator("select[data-path='$.steps[0].buttons[0].action']").selectOption("complete");
  await page.locator("input[data-path='$.steps[0].buttons[0].to']").fill("");
  await page.locator(".error-count[data-errors='0']").waitFor();
  await page.locator("[data-tab=versions]").click();
  assert.equal(await page.getByRole("button", { name: "Publish draft to staging" }).isDisabled(), false);
  await context.close();
});

// Regression from CoreUI's admin template: publishing from the Studio saved the draft first
// even with nothing to save, so a designer's unsaved work was on a stale revision.
test("regression: publishing an unchanged draft from the Studio saved it again", async () => {
  const draft = { id: "publish-unchanged", name: "Publish unchanged", steps: [{ id: "hi", kind: "modal", title: "Hello" }] };
  assert.equal((await admin("PUT", "/v1/guides/publish-unchanged/draft", draft)).status, 200);
  const revision = (await admin("GET", "/v1/guides/publish-unchanged/draft")).body.revision;
  const context = await browser.newContext();
  const { page, errors } = await studio(context);
  await signIn(page);
  await page.goto(`${collector.base}/studio/#/guide/publish-unchanged`);
  await page.locator("main.editor[data-guide=publish-unchanged]").waitFor();
  await page.locator("[data-tab=versions]").click();
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, "Published to staging (version 1)");
  assert.equal((await admin("GET", "/v1/guides/publish-unchanged/draft")).body.revision, revision, "the draft was not saved again");
  // An edit is saved as the draft is published.
  await page.locator("[data-tab=steps]").click();
  await page.locator("input[data-path='$.steps[0].title']").fill("Hello again");
  await page.locator("[data-tab=versions]").click();
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, "Published to staging (version 2)");
  const after = (await admin("GET", "/v1/guides/publish-unchanged/draft")).body;
  assert.deepEqual([after.revision, after.json.steps[0].title], [revision + 1, "Hello again"]);
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression from CoreUI's admin template: the Studio kept showing the draft as it had loaded
// it after the designer saved, and its next save said someone else had saved meanwhile.
test("regression: the Studio did not see what the designer saved", async () => {
  const draft = { id: "studio-refresh", name: "Studio refresh", steps: [{ id: "hi", kind: "modal", title: "Hello" }] };
  assert.equal((await admin("PUT", "/v1/guides/studio-refresh/draft", draft)).status, 200);
  const context = await browser.newContext();
  const { page, errors } = await studio(context);
  await signIn(page);
  await page.goto(`${collector.base}/studio/#/guide/studio-refresh`);
  const title = page.locator("input[data-path='$.steps[0].title']");
  await title.waitFor();
  assert.equal(await title.inputValue(), "Hello");
  // The designer, in the app's tab, saves; the author comes back to the Studio's tab.
  const designed = { ...draft, steps: [{ id: "hi", kind: "modal", title: "Hello from the designer" }] };
  assert.equal((await admin("PUT", "/v1/guides/studio-refresh/draft", designed)).status, 200);
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await page.waitForFunction(() => document.querySelector("input[data-path='$.steps[0].title']")?.value === "Hello from the designer");
  // Saving from here is not refused.
  await title.fill("Hello, edited in the Studio");
  await page.getByRole("button", { name: "Save draft" }).click();
  await status(page, "Saved.");
  assert.equal((await admin("GET", "/v1/guides/studio-refresh/draft")).body.json.steps[0].title, "Hello, edited in the Studio");
  assert.deepEqual(errors, []);
  await context.close();
});

// The Studio published whatever the draft held by then: saved elsewhere (a colleague, the
// designer) after the author looked, it went live unseen.
test("regression: publishing from the Studio put live a draft saved elsewhere that the author had not seen", async () => {
  const draft = { id: "publish-stale", name: "Publish stale", steps: [{ id: "hi", kind: "modal", title: "Hello" }] };
  assert.equal((await admin("PUT", "/v1/guides/publish-stale/draft", draft)).status, 200);
  const context = await browser.newContext();
  const { page, errors } = await studio(context);
  await signIn(page);
  await page.goto(`${collector.base}/studio/#/guide/publish-stale`);
  await page.locator("main.editor[data-guide=publish-stale]").waitFor();
  await page.locator("[data-tab=versions]").click();
  const colleague = { ...draft, steps: [{ id: "hi", kind: "modal", title: "Hello from a colleague" }] };
  assert.equal((await admin("PUT", "/v1/guides/publish-stale/draft", colleague)).status, 200);
  // The saved draft cannot be read: the author is not told that the editor shows it.
  const draftUrl = `${collector.base}/v1/guides/publish-stale/draft`;
  await page.route(draftUrl, (route) => (route.request().method() === "GET" ? route.abort() : route.continue()));
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, /could not be shown here\. Reload the page/);
  await page.unroute(draftUrl);
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, /^Not published: this guide was saved elsewhere .* You now see the draft as saved there/);
  const versions = await admin("GET", "/v1/guides/publish-stale/versions");
  assert.deepEqual(versions.body.versions, [], "nothing went live");
  // The editor shows what would go live; publishing it now is what the author saw.
  await page.locator("[data-tab=steps]").click();
  await page.waitForFunction(() => document.querySelector("input[data-path='$.steps[0].title']")?.value === "Hello from a colleague");
  await page.locator("[data-tab=versions]").click();
  await page.getByRole("button", { name: "Publish draft to staging" }).click();
  await status(page, "Published to staging (version 1)");
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression from vitest's report, authored from the Product tour template: "Pick target" on
// the template's own steps never linked the pages of a multi-page tour (only Add step did),
// so a real user's tour stopped at the first page.
test("regression: picking the template's steps on two pages wrote no link between the pages", async () => {
  const steps = [
    { id: "one", kind: "tooltip", title: "First", body: "x", target: { selector: "body" } },
    { id: "two", kind: "tooltip", title: "Second", body: "y", target: { selector: "body" } },
  ];
  assert.equal((await admin("PUT", "/v1/guides/pick-pages/draft", { id: "pick-pages", name: "Pick pages", steps })).status, 200);
  const t = await admin("POST", "/v1/design/tokens", { guide_id: "pick-pages", url: `${collector.base}/index.html?user=ada-admin` });
  const { context, page, errors, panel } = await openDesigner(t.body.url);
  const pickFor = async (i, selector) => {
    await panel.locator(`li[data-step-index="${i}"]`).getByRole("button", { name: "Pick target" }).click();
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    await page.locator(selector).click();
  };
  await pickFor(0, "#new-report");
  await panel.locator(".msg").filter({ hasText: /^Picked/ }).waitFor();
  await page.locator("[data-tour=nav-reports]").click();
  await page.waitForURL(/reports\.html/);
  await panel.locator(".msg.warn").filter({ hasText: "unsaved changes are back" }).waitFor();
  await pickFor(1, "#export-button");
  await panel.locator(".msg").filter({ hasText: "Next button now opens /reports.html" }).waitFor();
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = (await admin("GET", "/v1/guides/pick-pages/draft")).body.json.steps;
  assert.deepEqual(saved[0].buttons?.map((b) => [b.action, b.to && new URL(b.to, collector.base).pathname]), [["url", "/reports.html"]]);
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression from an author's first run on Swagger Editor: the Report tab named steps by
// their ids and showed nothing for a step whose element was missing (no one "dropped").
test("regression: the Studio's report named steps by id and was silent about missing elements", async () => {
  const steps = [{ id: "s1", kind: "modal", title: "Welcome aboard" }, { id: "s2", kind: "tooltip", title: "Try it out", target: { selector: "#nowhere" } }];
  assert.equal((await admin("PUT", "/v1/guides/report-tab/draft", { id: "report-tab", name: "Report tab", steps })).status, 200);
  const base = { guide_id: "report-tab", guide_version: 1, user_id: "rt-user", session_id: "rt-s", url: "/", timestamp: Date.now() - 60000 };
  const batch = [
    { ...base, event_id: "rt-shown", kind: "guide_shown" },
    { ...base, event_id: "rt-v0", kind: "step_viewed", step_id: "s1", step_index: 0 },
    { ...base, event_id: "rt-c0", kind: "step_completed", step_id: "s1", step_index: 0, duration_ms: 1000 },
    { ...base, event_id: "rt-m1", kind: "step_target_missing", step_id: "s2", step_index: 1 },
    { ...base, event_id: "rt-end", kind: "guide_abandoned", reason: "target_missing", step_id: "s2", step_index: 1 },
  ];
  const r = await fetch(`${collector.base}/v1/events?key=demo-write-key`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ batch }) });
  assert.equal(r.status, 200, await r.text());
  const context = await browser.newContext();
  const { page, errors } = await studio(context);
  await signIn(page);
  await page.goto(`${collector.base}/studio/#/guide/report-tab`);
  await page.locator("main.editor[data-guide=report-tab]").waitFor();
  await page.locator("[data-tab=report]").click();
  const rows = page.locator(".report tbody tr");
  await rows.first().waitFor();
  assert.equal((await rows.nth(0).locator("td").first().textContent()).trim(), "1 · Welcome aboard (s1)");
  const second = rows.filter({ hasText: "Try it out (s2)" });
  assert.equal((await second.locator("td").last().textContent()).trim(), "in 1 of 1 sessions");
  assert.deepEqual(errors, []);
  await context.close();
});

/** Presses Tab until the focused element matches `selector` (at most 60 presses). */
async function tabTo(page, selector) {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

test("the main flows work with the keyboard only", async () => {
  const context = await browser.newContext();
  const { page } = await studio(context);
  // The key field has the focus: `autofocus` applies at the next rendering update after the
  // form is mounted, which may come after the page says it is ready (typed into nothing).
  await page.waitForFunction(() => document.activeElement?.name === "admin-key");
  await page.keyboard.type(ADMIN);
  await page.keyboard.press("Enter");
  await page.locator("table.guides[data-loaded=true]").waitFor();
  await tabTo(page, "a.button.primary[href='#/new']");
  await page.keyboard.press("Enter");
  // A radio group takes one Tab stop; arrows choose within it.
  await tabTo(page, "input[name=template]");
  for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.value), "checklist");
  await tabTo(page, "input[name=name]");
  await page.keyboard.type("Keyboard checklist");
  await page.keyboard.press("Enter");
  await page.locator("main.editor[data-guide=keyboard-checklist]").waitFor();
  // Add a step, then move it to the top with Alt+ArrowUp.
  await tabTo(page, "select[name=new-step-kind]");
  await page.keyboard.press("ArrowDown"); // modal
  await tabTo(page, ".add-step button");
  await page.keyboard.press("Enter");
  await page.locator(".step-list li[data-index='1']").waitFor();
  await tabTo(page, ".step-list li[data-index='1']");
  await page.keyboard.press("Alt+ArrowUp");
  await page.locator(".step-list li[data-index='0'][data-step='step-2']").waitFor();
  await page.waitForFunction(() => document.activeElement?.matches(".step-list li[data-index='0']"));
  // Save and publish from the keyboard.
  await tabTo(page, ".tabs a[data-tab=versions]");
  await page.keyboard.press("Enter");
  await tabTo(page, "button[name=publish-staging]");
  await page.keyboard.press("Enter");
  await status(page, "Published to staging (version 1)");
  await context.close();
});

test("regression: the designer opened a hash-routed app on its home page instead of the route the author gave", async () => {
  const url = await designOnSbAdmin({ id: "docs-tour", name: "Docs tour", steps: [{ id: "hello", kind: "modal", title: "Hello" }] }, "/docs/#/CHANGELOG");
  const context = await browser.newContext();
  const { page, errors } = await openPage(browser, url, { context });
  await page.locator("guidepost-designer .panel").waitFor();
  // docsify rendered the changelog: its router never saw the token.
  await page.locator(".markdown-section h2").filter({ hasText: "4.13.1" }).first().waitFor();
  assert.equal(new URL(page.url()).hash, "#/CHANGELOG");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the stub takes a token after the app's own query out of the address before the app's router reads it", async () => {
  const context = await browser.newContext();
  // A made-up token after the route's query: refused, and the route is the app's own.
  const { page } = await openPage(browser, `${thirdParty.base}/docs/#/CHANGELOG?lang=en&guidepost-design=gpt_madeup`, { context });
  await page.waitForFunction(() => window.__errors.some((e) => e.source === "designer"));
  assert.equal(new URL(page.url()).hash, "#/CHANGELOG?lang=en");
  await page.locator(".markdown-section h2").filter({ hasText: "4.13.1" }).first().waitFor();
  await context.close();
});

test("in the designer, an author sets a step's kind, how it continues, its placement, what happens without its element, how long it waits for it and the words on its buttons", async () => {
  const url = await designOnSbAdmin({ id: "sb-options", name: "Options tour", steps: [
    { id: "one", kind: "tooltip", title: "Reports", target: { selector: "a.d-sm-inline-block.btn-primary" } },
    { id: "two", kind: "tooltip", title: "Later", advance: { on: "event", name: "report_made" }, wait_ms: 5000, target: { selector: "#dataTable" },
      buttons: [{ label: "Back", action: "back" }, { label: "Next", action: "next" }] },
  ] });
  const { context, page, errors, panel } = await openDesigner(url);
  const step = (i) => panel.locator(`li[data-step-index='${i}']`);
  await step(1).waitFor();
  // A value the designer does not offer is shown as it is.
  assert.equal(await step(1).getByLabel("Continue on").inputValue(), "event");
  assert.equal(await step(1).getByLabel("Wait for the element").inputValue(), "5000");
  await step(0).getByLabel("Continue on").selectOption({ label: "Click on the element" });
  await step(0).getByLabel("Placement").selectOption({ label: "Bottom" });
  await step(0).getByLabel("If the element is missing").selectOption({ label: "Show it centred" });
  await step(0).getByLabel("Wait for the element").selectOption({ label: "30 s" });
  await step(1).getByLabel("Kind").selectOption({ label: "Modal" });
  await step(1).getByLabel("Continue on").selectOption({ label: "Next button" });
  // The words on a button, typed in place: the field keeps its focus while the author types.
  await step(1).getByText("Button: Next").waitFor();
  await step(1).getByLabel("Button 2 label").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("Got it");
  await shot(page, "designer-step-options");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = (await admin("GET", "/v1/guides/sb-options/draft")).body.json.steps;
  assert.deepEqual([saved[0].advance, saved[0].placement, saved[0].on_missing, saved[0].wait_ms], [{ on: "click" }, "bottom", "center", 30000]);
  assert.deepEqual([saved[1].kind, "advance" in saved[1], saved[1].wait_ms], ["modal", false, 5000]);
  assert.deepEqual(saved[1].buttons, [{ label: "Back", action: "back" }, { label: "Got it", action: "next" }]);
  // The preview shows the step as chosen: below its element.
  await step(0).getByRole("button", { name: "Preview" }).click();
  const box = dialog(page);
  await box.getByRole("heading", { name: "Reports" }).waitFor();
  const [b, t] = [await box.boundingBox(), await page.locator("a.d-sm-inline-block.btn-primary").boundingBox()];
  assert.ok(b.y >= t.y + t.height - 1, `the step ${JSON.stringify(b)} is below its element ${JSON.stringify(t)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: the designer's preview of a middle step showed it alone, with Done and no Back", async () => {
  const steps = ["one", "two", "three"].map((id) => ({ id, kind: "modal", title: `Title ${id}` }));
  const url = await designOnSbAdmin({ id: "sb-preview-middle", name: "Preview middle", steps });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.locator("li[data-step-index='1']").getByRole("button", { name: "Preview" }).click();
  const box = dialog(page);
  await box.getByRole("heading", { name: "Title two" }).waitFor();
  const buttons = async () => (await box.locator("button.gp-btn").allTextContents()).map((t) => t.trim());
  assert.deepEqual(await buttons(), ["Back", "Next"], "the buttons a user who reached the step gets");
  // The preview goes on as the tour would: Next to the last step, which says Done.
  await box.getByRole("button", { name: "Next" }).click();
  await box.getByRole("heading", { name: "Title three" }).waitFor();
  assert.deepEqual(await buttons(), ["Back", "Done"]);
  await box.getByRole("button", { name: "Done" }).click();
  await box.waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression from CoreUI's admin template: publishing from the Studio saved the draft again,
// so the designer's Save said "stale revision (409)" and, after a reload, the unsaved work
// was dropped without a word.
test("regression: the designer's unsaved work was dropped after the draft was saved elsewhere", async () => {
  const draft = { id: "sb-conflict", name: "Conflict", steps: [{ id: "hi", kind: "modal", title: "Hello" }] };
  const url = await designOnSbAdmin(draft);
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.locator("li[data-step-index='0']").waitFor();
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await page.locator("#userDropdown").click();
  await panel.locator("li[data-step-index='1']").waitFor();
  // Someone saves the draft meanwhile (the Studio, as it publishes).
  const elsewhere = { ...draft, steps: [{ id: "hi", kind: "modal", title: "Hello from the Studio" }] };
  assert.equal((await admin("PUT", "/v1/guides/sb-conflict/draft", elsewhere)).status, 200);
  // After a reload, the work is back and the author is asked.
  await page.reload();
  await panel.locator(".msg.warn").filter({ hasText: "saved elsewhere" }).waitFor();
  assert.equal(await panel.locator("li[data-step-index]").count(), 2, "the unsaved step is back");
  // Save waits for the author's choice; they keep theirs.
  assert.equal(await panel.getByRole("button", { name: "Save", exact: true }).isDisabled(), true);
  await panel.getByRole("button", { name: "Keep mine" }).click();
  // "Saved to the draft", not the question's "saved elsewhere" (a match on "Saved" alone
  // let the test go on before the save was done).
  await panel.locator(".msg").filter({ hasText: "Saved to the draft" }).waitFor();
  const saved = (await admin("GET", "/v1/guides/sb-conflict/draft")).body.json.steps;
  assert.deepEqual(saved.map((s) => s.id === "hi" ? s.title : s.target.selector), ["Hello", "#userDropdown"]);
  assert.equal(await panel.getByRole("button", { name: "Keep mine" }).isVisible(), false);
  // Saved elsewhere while the panel is open: the save is refused and the author asked; the
  // other choice, the saved draft replaces the work.
  assert.equal((await admin("PUT", "/v1/guides/sb-conflict/draft", elsewhere)).status, 200);
  await panel.locator("li[data-step-index='1'] input[name=designer-title]").fill("Changed");
  await panel.getByRole("button", { name: "Save", exact: true }).click();
  await panel.locator(".msg.warn").filter({ hasText: "Not saved. The draft was saved elsewhere" }).waitFor();
  await panel.getByRole("button", { name: "Take the saved draft" }).click();
  await panel.locator(".msg").filter({ hasText: "You have the saved draft" }).waitFor();
  assert.equal(await panel.locator("li[data-step-index]").count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression: a position saved on a wider window, or a drag past the edge, left the panel
// out of reach.
test("regression: the designer's panel could be left outside the window", async () => {
  const url = await designOnSbAdmin({ id: "sb-panel-pos", name: "Panel", steps: [{ id: "hi", kind: "modal", title: "Hello" }] });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.waitFor();
  const head = await panel.locator(".head").boundingBox();
  await page.mouse.move(head.x + 40, head.y + 10);
  await page.mouse.down();
  await page.mouse.move(1340, 890, { steps: 4 });
  await page.mouse.up();
  const inside = async (w, h) => { const b = await panel.boundingBox(); return b.x >= 0 && b.x + b.width <= w && b.y >= 0 && b.y + 40 <= h; };
  assert.ok(await inside(1360, 900), `dragged to the corner, still on screen: ${JSON.stringify(await panel.boundingBox())}`);
  await page.setViewportSize({ width: 900, height: 600 });
  await page.waitForFunction(() => { const b = document.querySelector("guidepost-designer").shadowRoot.querySelector(".panel").getBoundingClientRect(); return b.right <= 900; });
  assert.ok(await inside(900, 600), "a narrower window keeps it");
  await page.reload();
  await panel.waitFor();
  assert.ok(await inside(900, 600), "and so does the position saved for the wider window");
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression from CoreUI's admin template: previewing a step whose element sits in a closed
// menu showed nothing and said nothing.
test("regression: the designer's preview of a step in a closed menu was silent", async () => {
  const steps = [{ id: "alert", kind: "tooltip", title: "Your alerts", wait_ms: 30000, target: { selector: "#alertsDropdown + .dropdown-menu .dropdown-header" } }];
  const url = await designOnSbAdmin({ id: "sb-preview-hidden", name: "Preview hidden", steps });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.locator("li[data-step-index='0']").getByRole("button", { name: "Preview" }).click();
  await panel.locator(".msg.warn").filter({ hasText: "Step 1's element is not on screen now: the preview waits 30 s for it" }).waitFor();
  // The author opens the menu (under the panel, where it opens): the preview shows.
  await page.evaluate(() => jQuery("#alertsDropdown").dropdown("toggle"));
  await dialog(page).getByRole("heading", { name: "Your alerts" }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("in the designer, an author reorders and duplicates steps without dragging, and renames the engine's own Done button", async () => {
  const steps = ["one", "two", "three"].map((id) => ({ id, kind: "modal", title: `Title ${id}` }));
  steps[0].wait_ms = 5000; // a value the panel does not offer: its select must follow the step
  const url = await designOnSbAdmin({ id: "sb-order", name: "Order tour", steps });
  const { context, page, errors, panel } = await openDesigner(url);
  const step = (i) => panel.locator(`li[data-step-index='${i}']`);
  const titles = () => panel.locator("input[name=designer-title]").evaluateAll((es) => es.map((e) => e.value));
  const waits = () => panel.locator("select[name=designer-wait_ms]").evaluateAll((es) => es.map((e) => e.value));
  const focused = () => page.evaluate(() => {
    const a = document.querySelector("guidepost-designer").shadowRoot.activeElement;
    return `${a?.closest("li")?.dataset.stepIndex} ${a?.getAttribute("aria-label")}`;
  });
  await step(2).waitFor();
  assert.ok(await step(0).getByRole("button", { name: "Move up" }).isDisabled(), "the first step cannot go up");
  assert.ok(await step(2).getByRole("button", { name: "Move down" }).isDisabled(), "the last step cannot go down");
  // With the keyboard: the focus follows the step it moves.
  await step(0).getByRole("button", { name: "Move down" }).focus();
  await page.keyboard.press("Enter");
  assert.deepEqual(await titles(), ["Title two", "Title one", "Title three"]);
  assert.deepEqual(await waits(), ["", "5000", ""], "each row's options are its step's");
  assert.equal(await focused(), "1 Move down");
  await page.keyboard.press("Enter");
  assert.deepEqual(await titles(), ["Title two", "Title three", "Title one"]);
  assert.equal(await focused(), "2 Move up", "at the bottom, the focus goes to the button that can still move it");
  await step(0).getByRole("button", { name: "Duplicate" }).click();
  assert.deepEqual(await titles(), ["Title two", "Title two", "Title three", "Title one"]);
  await step(1).locator("input[name=designer-title]").fill("Title copy");
  // The last step has no buttons of its own: the engine shows Back and Done. New words for
  // Done write them out.
  const done = step(3).getByLabel("Button label", { exact: true });
  assert.equal(await done.getAttribute("placeholder"), "Done");
  assert.equal(await step(3).getByLabel("Back button label").getAttribute("placeholder"), "Back");
  // Regression from an author's run on docsify: writing the buttons out added a Back row,
  // which moved the step's own buttons under the pointer, and the next click missed.
  const preview = step(3).getByRole("button", { name: "Preview" });
  // (Measured in the step's row: Tab may scroll the panel.)
  const offset = async () => (await preview.boundingBox()).y - (await step(3).boundingBox()).y;
  const before = await offset();
  await done.fill("Finish");
  await done.press("Tab");
  await step(3).getByLabel("Button 2 label").waitFor();
  assert.equal(await offset(), before, "nothing moved");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = (await admin("GET", "/v1/guides/sb-order/draft")).body.json.steps;
  assert.deepEqual(saved.map((s) => [s.id, s.title, s.wait_ms]), [["two", "Title two", undefined], ["two-copy", "Title copy", undefined], ["three", "Title three", undefined], ["one", "Title one", 5000]]);
  assert.deepEqual(saved[3].buttons, [{ label: "Back", action: "back" }, { label: "Finish", action: "next" }]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: the designer's panel sat on the app's top-right toolbar, and the author could not pick what was under it", async () => {
  const url = await designOnSbAdmin({ id: "sb-topbar", name: "Topbar tour", steps: [{ id: "hello", kind: "modal", title: "Hello" }] });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.waitFor();
  // The user menu is under the panel, where the panel opens.
  const [menu, box] = [await page.locator("#userDropdown").boundingBox(), await panel.boundingBox()];
  assert.ok(menu.x + menu.width > box.x && menu.y < box.y + box.height, `the menu ${JSON.stringify(menu)} is under the panel ${JSON.stringify(box)}`);
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await page.locator("#userDropdown").click();
  await panel.locator("li[data-step-index='1'] .target").filter({ hasText: "#userDropdown" }).waitFor();
  // Picking over, the panel takes the pointer again.
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: a multi-page tour whose first step sat in the app's topbar did not lead to the page of the next", async () => {
  // The topbar is on every page, so its element being on the next page said nothing about
  // where the author had picked it.
  const url = await designOnSbAdmin({ id: "sb-pages", name: "Pages tour", steps: [] });
  const { context, page, errors, panel } = await openDesigner(url);
  const addStep = async (selector, n) => {
    await panel.getByRole("button", { name: "Add step" }).click();
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    await page.locator(selector).click();
    await panel.locator(`li[data-step-index='${n}']`).waitFor();
  };
  await addStep("#userDropdown", 0);
  await page.locator('.sidebar a.nav-link[href="charts.html"]').click();
  await page.waitForURL(/charts\.html/);
  await addStep("#myBarChart", 1);
  await panel.locator(".msg").filter({ hasText: "Step 1's Next button now opens /sb/charts.html" }).waitFor();
  // A step picked on the same page as the one before it does not change that one.
  await addStep("#myPieChart", 2);
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = (await admin("GET", "/v1/guides/sb-pages/draft")).body.json.steps;
  assert.deepEqual(saved.map((s) => s.buttons ?? []), [[{ label: "Next", action: "url", to: "/sb/charts.html" }], [], []]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the designer opens on a third-party admin template on another origin, and only with a valid token", async () => {
  const url = await designOnSbAdmin({ id: "sb-tour", name: "SB tour", steps: [{ id: "hello", kind: "modal", title: "Hello" }] });

  // A made-up token: the page loads, the designer does not, and the refusal is reported.
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const { page: bad } = await openPage(browser, `${thirdParty.base}/sb/index.html#guidepost-design=gpt_madeup`, { context });
  await bad.waitForFunction(() => window.__errors.some((e) => e.source === "designer"));
  assert.equal(await bad.locator("guidepost-designer").count(), 0);
  const loaded = await bad.evaluate(() => performance.getEntriesByType("resource").map((r) => r.name).filter((n) => n.includes("/v1/design/assets/")));
  assert.deepEqual(loaded, [], "no designer code without a session");
  await bad.close();

  const { page } = await openPage(browser, url, { context });
  const panel = page.locator("guidepost-designer .panel");
  await panel.waitFor();
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await page.locator("#accordionSidebar a.nav-link[href='charts.html']").click();
  await panel.locator("li[data-step-index='1']").waitFor();
  const picked = await panel.locator("li[data-step-index='1'] .target").textContent();
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = await admin("GET", "/v1/guides/sb-tour/draft");
  assert.equal(saved.body.json.steps[1].target.selector, picked);
  // The picked selector finds exactly the element that was clicked.
  assert.equal(await page.evaluate((s) => { const m = document.querySelectorAll(s); return m.length === 1 && m[0].getAttribute("href"); }, picked), "charts.html");
  // A second tab of the app without the token and without the session opens no designer.
  const other = await browser.newContext();
  const { page: plain } = await openPage(browser, `${thirdParty.base}/sb/index.html`, { context: other });
  await plain.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  assert.equal(await plain.locator("guidepost-designer").count(), 0);
  await other.close();
  await context.close();
});

test("regression: on an app with a strict CSP, the designer's panel was refused (Trusted Types) or lay unstyled (no inline styles)", async () => {
  const url = await designOnSbAdmin({ id: "csp-tour", name: "CSP tour", steps: [{ id: "hello", kind: "modal", title: "Hello there" }] }, "/csp-app/");
  const { page, errors } = await openPage(browser, url, {
    init: () => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
    },
  });
  const panel = page.locator("guidepost-designer .panel");
  await panel.waitFor();
  const look = await panel.evaluate((e) => ({ position: getComputedStyle(e).position, radius: getComputedStyle(e).borderTopLeftRadius, left: e.style.left }));
  assert.deepEqual({ position: look.position, radius: look.radius }, { position: "fixed", radius: "10px" }, "the panel's stylesheet applies");
  assert.match(look.left, /^\d+(\.\d+)?px$/, "the panel's position is set");
  // The author picks a step, previews the first one and saves.
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await page.locator("#export").click();
  await panel.locator("li[data-step-index='1'] .target").waitFor();
  await panel.locator("li[data-step-index='0']").getByRole("button", { name: "Preview" }).click();
  await dialog(page).getByRole("heading", { name: "Hello there" }).waitFor();
  await dialog(page).getByRole("button", { name: "Close" }).click();
  await dialog(page).waitFor({ state: "detached" });
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = await admin("GET", "/v1/guides/csp-tour/draft");
  assert.equal(saved.body.json.steps[1].target.selector, await panel.locator("li[data-step-index='1'] .target").textContent());
  assert.deepEqual(await page.evaluate(() => [window.__violations, window.__errors]), [[], []]);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("a multi-page tour built in the designer: unsaved work survives navigation, and Next leads to the next page", async () => {
  const draft = { id: "two-pages", name: "Two pages", audience: { all: [] }, trigger: { type: "page_view" }, frequency: { type: "once" }, steps: [] };
  assert.equal((await admin("PUT", "/v1/guides/two-pages/draft", draft)).status, 200);
  // A live guide for everyone: in designer mode it must not start by itself (it covered the
  // element the author was about to pick: regression).
  const quiet = { id: "quiet", name: "Quiet", audience: { all: [] }, trigger: { type: "page_view" }, frequency: { type: "once" },
    steps: [{ id: "only", kind: "modal", title: "Live modal", body: "x" }] };
  assert.equal((await admin("PUT", "/v1/guides/quiet/draft", quiet)).status, 200);
  assert.equal((await admin("POST", "/v1/guides/quiet/publish", { environment: "production" })).status, 200);
  const t = await admin("POST", "/v1/design/tokens", { guide_id: "two-pages", url: `${collector.base}/index.html?user=ada-admin` });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const { page } = await openPage(browser, t.body.url, { context });
  const panel = page.locator("guidepost-designer .panel");
  const addStep = async (selector) => {
    await panel.getByRole("button", { name: "Add step" }).click();
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    await page.locator(selector).click();
  };
  await addStep("#new-report");
  await panel.locator("li[data-step-index='0'] input[name=designer-title]").fill("Start a report");
  // Navigate as a user would, without saving: the panel comes back with the work.
  await page.locator("[data-tour=nav-reports]").click();
  await page.waitForURL(/reports\.html/);
  assert.equal(await page.evaluate(() => new Promise((r) => Guidepost.on("ready", (p) => r(p.guides)))), 0, "no live guide in designer mode");
  await panel.locator(".msg.warn").filter({ hasText: "unsaved changes are back" }).waitFor();
  assert.equal(await panel.locator("li[data-step-index='0'] input[name=designer-title]").inputValue(), "Start a report");
  await addStep("#export-button");
  await panel.locator(".msg").filter({ hasText: "Next button now opens /reports.html" }).waitFor();
  await panel.locator("li[data-step-index='1'] input[name=designer-title]").fill("Export it");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  assert.equal((await admin("POST", "/v1/guides/two-pages/publish", { environment: "production" })).status, 200);
  assert.equal((await admin("POST", "/v1/guides/quiet/unpublish", { environment: "production" })).status, 200);
  await context.close();

  // The end user (a viewer: the admin tour of the first test is not for them): step 1 on
  // the dashboard, Next opens the reports page, step 2 shows there.
  const user = await endUser("vic-viewer");
  await dialog(user.page).getByRole("heading", { name: "Start a report" }).waitFor();
  await dialog(user.page).getByRole("button", { name: "Next" }).click();
  await user.page.waitForURL(/reports\.html/);
  await dialog(user.page).getByRole("heading", { name: "Export it" }).waitFor();
  await user.context.close();
});

test("every example guide opens in every tab of the editor without errors, and untouched forms change nothing", async () => {
  const files = fs.readdirSync("guides").filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"));
  const put = (g) => fetch(`${collector.base}/v1/guides/${g.id}/draft`, { method: "PUT", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(g) });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const { page, errors } = await studio(context);
  await signIn(page);
  for (const f of files) {
    const g = JSON.parse(fs.readFileSync(path.join("guides", f), "utf8"));
    g.id = `example-${g.id}`;
    assert.equal((await put(g)).status, 200, f);
    await page.goto(`${collector.base}/studio/#/guide/${g.id}`);
    await page.locator(`main.editor[data-guide="${g.id}"]`).waitFor();
    for (const tab of ["steps", "targeting", "test", "translations", "json", "versions", "report"]) {
      await page.locator(`[data-tab=${tab}]`).click();
      await page.locator(`[data-tab=${tab}][aria-selected=true]`).waitFor();
    }
    // The forms showed every field of the guide; nothing was edited, so the draft is as put.
    assert.equal(await page.getByRole("button", { name: "Saved" }).count(), 1, `${f}: nothing changed by looking`);
    await page.locator("[data-tab=json]").click();
    assert.deepEqual(JSON.parse(await page.locator("textarea[name=json]").inputValue()), g, f);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: with the app's modal open (SB Admin 2's logout dialog), the designer's fields lost every key to the modal's focus trap", async () => {
  const url = await designOnSbAdmin({ id: "sb-modal", name: "SB modal tour", steps: [{ id: "hello", kind: "modal", title: "Hello" }] });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.waitFor();
  // The author opens the app's logout dialog (Bootstrap's modal: it pulls back any focus
  // that leaves it) to put a step on its button.
  // (Opened by its own script: the panel sits over the user menu's link.)
  await page.evaluate(() => { jQuery("#logoutModal").on("shown.bs.modal", () => { window.__shown = true; }).modal("show"); });
  await page.waitForFunction(() => window.__shown);
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await page.locator("#logoutModal .btn-primary").click();
  await panel.locator("li[data-step-index='1']").waitFor();
  // The author types the step's title in the designer, the dialog still open.
  const title = panel.locator("li[data-step-index='1'] input[name=designer-title]");
  await title.selectText();
  await page.keyboard.type("Sign out here");
  assert.equal(await title.inputValue(), "Sign out here");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = await admin("GET", "/v1/guides/sb-modal/draft");
  assert.equal(saved.body.json.steps[1].title, "Sign out here");
  const named = await page.evaluate((s) => { const all = document.querySelectorAll(s); return all.length === 1 && all[0] === document.querySelector("#logoutModal .btn-primary"); }, saved.body.json.steps[1].target.selector);
  assert.equal(named, true, `${saved.body.json.steps[1].target.selector} names the dialog's Logout button`);
  // The dialog closed, the panel is back in the body.
  await page.evaluate(() => jQuery("#logoutModal").modal("hide"));
  await page.waitForFunction(() => document.querySelector("guidepost-designer").parentElement === document.body);
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: a modal step previewed in the designer covered its panel, and the author could not edit it until the preview was closed", async () => {
  const url = await designOnSbAdmin({ id: "sb-preview-modal", name: "Modal preview", steps: [{ id: "hi", kind: "modal", title: "Welcome aboard", body: "A tour" }] });
  const { context, page, errors, panel } = await openDesigner(url);
  const step = panel.locator("li[data-step-index='0']");
  await step.waitFor();
  await step.getByRole("button", { name: "Preview" }).click();
  const box = dialog(page);
  await box.getByRole("heading", { name: "Welcome aboard" }).waitFor();
  // The panel is above the preview's backdrop: what is under the pointer at its title field
  // is the panel, and the author edits the step with the preview open.
  const title = step.locator("input[name=designer-title]");
  const r = await title.boundingBox();
  const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.localName, [r.x + r.width / 2, r.y + r.height / 2]);
  assert.equal(hit, "guidepost-designer", "the designer's panel is on top of the previewed modal");
  await title.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("Hello there");
  assert.equal(await title.inputValue(), "Hello there");
  // Tab in the panel stays the panel's: the modal step does not take the focus.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.localName), "guidepost-designer");
  await step.getByRole("button", { name: "Preview" }).click();
  await box.getByRole("heading", { name: "Hello there" }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: the designer's panel did not collapse, and its Save button and messages scrolled away with a long tour", async () => {
  const steps = Array.from({ length: 8 }, (_, i) => ({ id: `s${i}`, kind: "modal", title: `Step ${i + 1}` }));
  const url = await designOnSbAdmin({ id: "sb-long", name: "Long tour", steps });
  const { context, page, errors, panel } = await openDesigner(url, { width: 1360, height: 700 });
  const last = panel.locator("li[data-step-index='7']");
  await last.waitFor();
  // With the last step scrolled into view, Save and the message line are still in view.
  const inside = async (loc) => {
    const [p, b] = [await panel.boundingBox(), await loc.boundingBox()];
    return b.y >= p.y && b.y + b.height <= p.y + p.height;
  };
  await last.locator("input[name=designer-title]").fill("The end");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  await last.getByRole("button", { name: "Delete" }).scrollIntoViewIfNeeded();
  assert.ok(await inside(last.getByRole("button", { name: "Delete" })), "the end of the last step is in view");
  assert.ok(await inside(panel.getByRole("button", { name: "Saved" })), "Save is in view beside the last step");
  assert.ok(await inside(panel.locator(".msg")), "the message is in view beside the last step");
  // Collapsed, the panel is its header; expanded again, the steps are back.
  await panel.getByRole("button", { name: "Collapse or expand" }).click();
  await last.waitFor({ state: "hidden" });
  assert.ok((await panel.boundingBox()).height < 60, "collapsed to its header");
  await panel.getByRole("button", { name: "Collapse or expand" }).click();
  await last.waitFor({ state: "visible" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: moving a step of a multi-page tour in the designer left its Next buttons opening the pages of the old order", async () => {
  const draft = { id: "two-pages-moved", name: "Two pages moved", audience: { all: [] }, trigger: { type: "manual" }, steps: [] };
  assert.equal((await admin("PUT", "/v1/guides/two-pages-moved/draft", draft)).status, 200);
  const t = await admin("POST", "/v1/design/tokens", { guide_id: "two-pages-moved", url: `${collector.base}/index.html?user=ada-admin` });
  const { context, page, errors, panel } = await openDesigner(t.body.url);
  const addStep = async (selector) => {
    await panel.getByRole("button", { name: "Add step" }).click();
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    await page.locator(selector).click();
  };
  await addStep("#new-report");
  await page.locator("[data-tour=nav-reports]").click();
  await page.waitForURL(/reports\.html/);
  await panel.locator("li[data-step-index='0']").waitFor();
  await addStep("#export-button");
  await panel.locator(".msg").filter({ hasText: "Next button now opens /reports.html" }).waitFor();
  // The export step first: it leads to the dashboard, and the report step, now last, ends the tour.
  await panel.locator("li[data-step-index='1']").getByRole("button", { name: "Move up" }).click();
  await panel.locator(".msg").filter({ hasText: "Next buttons now lead to each next step's page" }).waitFor();
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const saved = async () => (await admin("GET", "/v1/guides/two-pages-moved/draft")).body.json.steps.map((s) => [s.target.selector, s.buttons]);
  const toDashboard = [{ label: "Next", action: "url", to: "/index.html?user=ada-admin" }];
  // The report step, now last, has the engine's own buttons again (Back, and Done).
  assert.deepEqual(await saved(), [
    ['[data-tour="export"]', toDashboard],
    ['[data-tour="new-report"]', undefined],
  ]);
  // A copy of the export step sits on its page: the link moves to the copy.
  await panel.locator("li[data-step-index='0']").getByRole("button", { name: "Duplicate" }).click();
  await panel.locator("li[data-step-index='2']").waitFor();
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  assert.deepEqual(await saved(), [
    ['[data-tour="export"]', undefined],
    ['[data-tour="export"]', toDashboard],
    ['[data-tour="new-report"]', undefined],
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("regression: the app's open menu closed when the author pressed Add step in the designer, so its items could not be picked", async () => {
  const url = await designOnSbAdmin({ id: "sb-menu", name: "Menu tour", steps: [{ id: "hello", kind: "modal", title: "Hello" }] });
  const { context, page, errors, panel } = await openDesigner(url);
  await panel.waitFor();
  // The author opens the alerts menu (Bootstrap's dropdown closes on a click elsewhere).
  await page.evaluate(() => new Promise((r) => { jQuery("#alertsDropdown").parent().one("shown.bs.dropdown", r); jQuery("#alertsDropdown").dropdown("toggle"); }));
  await panel.getByRole("button", { name: "Add step" }).click();
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  assert.equal(await page.locator(".dropdown-menu.show").count(), 1, "the menu is still open");
  await page.locator(".dropdown-list .dropdown-item").nth(1).click();
  await panel.locator("li[data-step-index='1']").waitFor();
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.locator(".msg").filter({ hasText: /^Saved/ }).waitFor();
  const t = (await admin("GET", "/v1/guides/sb-menu/draft")).body.json.steps[1].target;
  const named = await page.evaluate((t) => {
    const all = [...document.querySelectorAll(t.selector)];
    const want = document.querySelectorAll(".dropdown-list .dropdown-item")[1];
    return all.length === 1 ? all[0] === want : all.filter((e) => e.textContent.replace(/\s+/g, " ").trim().toLowerCase() === (t.text || "").toLowerCase())[0] === want;
  }, t);
  assert.equal(named, true, `${JSON.stringify(t)} names the menu's second alert`);
  assert.deepEqual(errors, []);
  await context.close();
});
