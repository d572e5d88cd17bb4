// Guidepost on third-party apps installed from npm, embedded as a customer would: the stub
// and the script tag pasted before </head>, nothing else changed.
// - SB Admin 2 (startbootstrap-sb-admin-2): a multi-page Bootstrap/jQuery admin template;
//   the tour crosses a full page load by a sidebar link, and its last target is created
//   at run time by the DataTables plugin.
// - docsify: a hash-routed documentation site (`/#/CHANGELOG`), rendered from markdown.
// - React 18 with React Router 6 (the libraries' own UMD builds): the anchor element is
//   replaced by a re-render while its step shows, and the tour follows a client-side route.
// - Turbo Drive (@hotwired/turbo, as Rails apps use it): links are followed by fetching the
//   next page and swapping in its whole <body>, the overlay's host element with the old one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, openPage, dialog, events, kinds, guide } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
const apps = { "/sb/": "node_modules/startbootstrap-sb-admin-2/", "/docsify/": "node_modules/docsify/", "/nm/": "node_modules/" };

// Two pages of a Turbo Drive app: the same <head> (so Turbo runs its scripts once), each its body.
const turboPage = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>Turbo app</title>
<script src="/nm/@hotwired/turbo/dist/turbo.es2017-umd.js"></script>
${embed('Guidepost.init({ guides: "/app-guides.json" }); Guidepost.identify("turbo-user", {});')}</head>
<body><nav><a id="home-link" href="/turbo/">Home</a> <a id="billing-link" href="/turbo/billing">Billing</a></nav>${body}</body></html>`;
const TURBO = {
  "/turbo/": turboPage('<main><h1>Dashboard</h1><p>Welcome back.</p></main>'),
  "/turbo/billing": turboPage('<main><h1>Billing</h1><button id="upgrade">Upgrade plan</button></main>'),
};
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".md": "text/markdown", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2" };

let server, browser;
let guides = [];

/** The customer's paste: the stub, the script tag and the setup calls. */
function embed(setup) {
  return `<script>\n${stub}</script>\n<script async src="/dist/guidepost.js"></script>\n<script>${setup}</script>\n`;
}

const SB_SETUP = 'Guidepost.init({ guides: "/app-guides.json" }); Guidepost.identify("sb-admin", { role: "admin" });';
const DOCS_INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>Docs</title>
<link rel="stylesheet" href="/docsify/lib/themes/vue.css">
${embed('Guidepost.init({ guides: "/app-guides.json" }); Guidepost.identify("reader", {});')}</head>
<body><div id="app"></div><script>window.$docsify = { name: "docsify", basePath: "/docsify/" };</script>
<script src="/docsify/lib/docsify.min.js"></script></body></html>`;

// A small React Router app: Home has a button React re-creates on every refresh (a new
// key), Settings is a client-side route (history.pushState).
const REACT_APP = `<!doctype html><html><head><meta charset="utf-8"><title>React app</title>
${embed('Guidepost.init({ guides: "/app-guides.json" }); Guidepost.identify("react-user", {});')}</head><body><div id="root"></div>
<script src="/nm/react/umd/react.production.min.js"></script>
<script src="/nm/react-dom/umd/react-dom.production.min.js"></script>
<script src="/nm/@remix-run/router/dist/router.umd.min.js"></script>
<script src="/nm/react-router/dist/umd/react-router.production.min.js"></script>
<script src="/nm/react-router-dom/dist/umd/react-router-dom.production.min.js"></script>
<script>
  const h = React.createElement, { BrowserRouter, Routes, Route, Link } = ReactRouterDOM;
  function Home() {
    const [n, setN] = React.useState(0);
    return h("main", null, h("button", { "data-testid": "refresh", onClick: () => setN(n + 1) }, "Refresh"), h("h1", null, "Home"),
      h("button", { key: "create-" + n, "data-testid": "create" }, "Create project " + n));
  }
  const Settings = () => h("main", null, h("h1", null, "Settings"), h("button", { "data-testid": "save" }, "Save settings"));
  const App = () => h(BrowserRouter, null,
    h("nav", null, h(Link, { to: "/react/", "data-testid": "home-link" }, "Home"), " ", h(Link, { to: "/react/settings", "data-testid": "settings-link" }, "Settings")),
    h(Routes, null, h(Route, { path: "/react/", element: h(Home) }), h(Route, { path: "/react/settings", element: h(Settings) })));
  ReactDOM.createRoot(document.getElementById("root")).render(h(App));
</script></body></html>`;

// An app that shows its pages in an iframe under its own header (AdminLTE's iframe mode),
// each page with the embed, as every page of the app has it.
const FRAMES = `<!doctype html><html><head><meta charset="utf-8"><title>Framed</title>${embed(SB_SETUP)}</head>
<body style="margin:0"><header style="height:90px">Framed app</header>
<iframe src="/sb/index.html" style="width:1200px;height:680px;border:6px solid #888;margin-left:30px"></iframe></body></html>`;

before(async () => {
  server = await serveStatic((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/app-guides.json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(guides));
      return true;
    }
    if (TURBO[url.pathname]) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(TURBO[url.pathname]);
      return true;
    }
    if (url.pathname.startsWith("/react/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(REACT_APP);
      return true;
    }
    if (url.pathname === "/frames/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(FRAMES);
      return true;
    }
    if (url.pathname === "/docs/" || url.pathname === "/docs/index.html") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(DOCS_INDEX);
      return true;
    }
    const prefix = Object.keys(apps).find((p) => url.pathname.startsWith(p));
    if (!prefix) return false;
    const file = path.join(root, apps[prefix], decodeURIComponent(url.pathname.slice(prefix.length)) || "index.html");
    if (!file.startsWith(path.join(root, "node_modules")) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return true;
    }
    let body = fs.readFileSync(file);
    if (file.endsWith(".html")) body = body.toString().replace("</head>", `${embed(SB_SETUP)}</head>`);
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(body);
    return true;
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

test("SB Admin 2: a tour across a full page load ends on a target DataTables creates", async () => {
  guides = [
    guide("sb-tour", [
      { id: "report", kind: "tooltip", title: "Reports", body: "Download this month's report.", target: { selector: "a.d-sm-inline-block.btn-primary" } },
      { id: "tables", kind: "tooltip", title: "Your data", body: "Open the tables.", target: { selector: "#accordionSidebar a.nav-link[href='tables.html']" }, advance: { on: "click" } },
      { id: "search", kind: "tooltip", title: "Search", body: "Filter any column.", target: { selector: "#dataTable_filter input" } },
    ], { trigger: { type: "page_view" }, audience: { trait: "role", op: "eq", value: "admin" }, frequency: { type: "once" } }),
  ];
  const { page, errors } = await openPage(browser, `${server.base}/sb/index.html`);
  await dialog(page).getByRole("heading", { name: "Reports" }).waitFor();
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "Your data" }).waitFor();
  // The user clicks the real sidebar link: a full page load to tables.html.
  await Promise.all([page.waitForURL(/tables\.html/), page.locator("#accordionSidebar a.nav-link[href='tables.html']").click()]);
  await dialog(page).getByRole("heading", { name: "Search" }).waitFor();
  // Anchored next to the search box that the DataTables plugin inserted.
  const [box, input] = await Promise.all([
    dialog(page).evaluate((e) => e.getBoundingClientRect().toJSON()),
    page.locator("#dataTable_filter input").evaluate((e) => e.getBoundingClientRect().toJSON()),
  ]);
  const gap = Math.min(Math.abs(box.top - input.bottom), Math.abs(input.top - box.bottom), Math.abs(box.left - input.right), Math.abs(input.left - box.right));
  assert.ok(gap < 40, `tooltip ${JSON.stringify(box)} next to the input ${JSON.stringify(input)}`);
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)), ["step_viewed:search", "step_completed:search", "guide_completed:search"]);
  assert.deepEqual(errors, []);
});

test("docsify: a hash-routed site is targeted by its route and anchors to rendered markdown", async () => {
  guides = [
    guide("changelog-tip", [{ id: "h", kind: "tooltip", title: "What's new", body: "Every release is listed here.", target: { selector: ".markdown-section h2" } }], {
      trigger: { type: "page_view" },
      audience: { url: "/docs/#/CHANGELOG" },
    }),
  ];
  const { page, errors } = await openPage(browser, `${server.base}/docs/#/`);
  await page.locator(".markdown-section").waitFor();
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  assert.equal((await page.evaluate(() => Guidepost.debug()))[0].eligible, false, "not on the home route");
  // The reader moves to the changelog route; docsify fetches and renders it.
  await page.evaluate(() => { location.hash = "#/CHANGELOG"; });
  await dialog(page).getByRole("heading", { name: "What's new" }).waitFor();
  const trace = (await page.evaluate(() => Guidepost.debug()))[0];
  assert.equal(trace.eligible, true, JSON.stringify(trace));
  assert.deepEqual(errors, []);
});

test("React: a step follows its element through a re-render, and the tour a client-side route", async () => {
  guides = [
    guide("react-tour", [
      { id: "create", kind: "tooltip", title: "New project", body: "Start here.", target: { selector: "[data-testid=create]" }, placement: "bottom" },
      { id: "nav", kind: "tooltip", title: "Settings live here", body: "Open them.", target: { selector: "[data-testid=settings-link]" }, advance: { on: "click" } },
      { id: "save", kind: "tooltip", title: "Save", body: "Keep your changes.", target: { selector: "[data-testid=save]" } },
    ], { trigger: { type: "page_view" }, audience: { url: "/react/" } }),
  ];
  const { page, errors } = await openPage(browser, `${server.base}/react/`);
  await dialog(page).getByRole("heading", { name: "New project" }).waitFor();
  // React replaces the anchored button: the step finds the new one and stays on it.
  await page.locator("[data-testid=refresh]").click();
  await page.locator("[data-testid=create]", { hasText: "Create project 1" }).waitFor();
  await dialog(page).getByRole("heading", { name: "New project" }).waitFor();
  await page.waitForFunction(() => {
    const d = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]");
    const b = document.querySelector("[data-testid=create]");
    if (!d || !b) return false;
    const r = d.getBoundingClientRect(), t = b.getBoundingClientRect();
    return getComputedStyle(d).visibility === "visible" && Math.abs(r.top - t.bottom) < 40;
  });
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "Settings live here" }).waitFor();
  // The link navigates with history.pushState: no page load.
  await page.locator("[data-testid=settings-link]").click();
  await page.waitForURL(/\/react\/settings$/);
  await dialog(page).getByRole("heading", { name: "Save" }).waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  // One view per step: finding the re-rendered button again is the same view going on
  // (regression: each re-render recorded the step as viewed again).
  assert.deepEqual(kinds(await events(page)), [
    "guide_shown:", "step_viewed:create", "step_completed:create", "step_viewed:nav", "step_completed:nav",
    "step_viewed:save", "step_completed:save", "guide_completed:save",
  ]);
  assert.deepEqual(errors, []);
});

test("regression: Turbo Drive swapped in the next page's <body> with the overlay's host in the old one, and the tour went on unseen", async () => {
  guides = [
    guide("turbo-tour", [
      { id: "billing", kind: "tooltip", title: "Billing", body: "Your plan lives here.", target: { selector: "#billing-link" }, advance: { on: "click" } },
      { id: "upgrade", kind: "tooltip", title: "Upgrade", body: "More seats, more guides.", target: { selector: "#upgrade" } },
      { id: "done", kind: "modal", title: "All set", body: "Find this again under Help." },
    ], { trigger: { type: "page_view" }, audience: { url: "/turbo/" } }),
  ];
  const { page, errors } = await openPage(browser, `${server.base}/turbo/`);
  await dialog(page).getByRole("heading", { name: "Billing" }).waitFor();
  const body = await page.evaluateHandle(() => { window.__samePage = true; return document.body; });
  // The user follows the link: Turbo fetches the page and replaces the body (no page load).
  await Promise.all([page.waitForURL(/\/turbo\/billing$/), page.locator("#billing-link").click()]);
  await page.waitForFunction((old) => document.body !== old && document.querySelector("#upgrade"), body);
  assert.equal(await page.evaluate(() => window.__samePage), true, "no page load: Turbo navigated");
  await dialog(page).getByRole("heading", { name: "Upgrade" }).waitFor();
  const near = () => page.evaluate(() => {
    const d = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]").getBoundingClientRect();
    const t = document.querySelector("#upgrade").getBoundingClientRect();
    return Math.max(t.left - d.right, d.left - t.right, t.top - d.bottom, d.top - t.bottom) < 40;
  });
  assert.equal(await near(), true, "the step is next to its target");
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "All set" }).waitFor();
  // The app sends the user back to the dashboard while the modal shows (the modal's
  // backdrop takes the user's clicks): it stays on screen, in the top layer.
  const billingBody = await page.evaluateHandle(() => document.body);
  await page.evaluate(() => Turbo.visit("/turbo/"));
  await page.waitForFunction((old) => document.body !== old, billingBody);
  await page.waitForFunction(() => {
    const host = document.querySelector("guidepost-root");
    return host && host.isConnected && host.matches(":popover-open") && host.shadowRoot.querySelector("[role=dialog]");
  });
  await dialog(page).getByRole("heading", { name: "All set" }).waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).filter((k) => k.startsWith("step_viewed") || k.startsWith("guide_")),
    ["guide_shown:", "step_viewed:billing", "step_viewed:upgrade", "step_viewed:done", "guide_completed:done"]);
  assert.deepEqual(errors, []);
});

test("regression: SB Admin 2's logout modal (Bootstrap's focus trap) kept the keyboard from a step next to its button", async () => {
  guides = [
    guide("sb-logout", [
      { id: "user", kind: "tooltip", title: "Your account", body: "Open the menu.", target: { selector: "#userDropdown" }, advance: { on: "click" } },
      { id: "logout", kind: "tooltip", title: "Sign out", body: "From here.", target: { selector: "a[data-target='#logoutModal']" }, advance: { on: "click" } },
      { id: "confirm", kind: "tooltip", title: "Confirm", body: "Or cancel.", target: { selector: "#logoutModal .btn-primary" }, placement: "top" },
    ], { trigger: { type: "page_view" }, audience: { trait: "role", op: "eq", value: "admin" } }),
  ];
  const { page, errors } = await openPage(browser, `${server.base}/sb/index.html`);
  await dialog(page).getByRole("heading", { name: "Your account" }).waitFor();
  await page.locator("#userDropdown").click();
  await dialog(page).getByRole("heading", { name: "Sign out" }).waitFor();
  await page.evaluate(() => { window.__shown = false; jQuery("#logoutModal").on("shown.bs.modal", () => { window.__shown = true; }); });
  await page.locator("a[data-target='#logoutModal']").click();
  await dialog(page).getByRole("heading", { name: "Confirm" }).waitFor();
  // Once its transition is over, Bootstrap focuses its modal and pulls back any focus that
  // leaves it. The keyboard user tabs through the modal to the step's button.
  await page.waitForFunction(() => window.__shown && document.activeElement === document.querySelector("#logoutModal"));
  const onDone = () => page.evaluate(() => document.activeElement?.tagName === "GUIDEPOST-ROOT" && document.activeElement.shadowRoot.activeElement?.textContent === "Done");
  for (let i = 0; i < 10 && !(await onDone()); i++) await page.keyboard.press("Tab");
  assert.equal(await onDone(), true, "Tab reaches the step's Done button");
  await page.keyboard.press("Enter");
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).slice(-2), ["step_completed:confirm", "guide_completed:confirm"]);
  assert.deepEqual(errors, []);
});

/** Picks what the author points at (a press and release at the element's centre, as a
 * mouse does) and answers the picker's result. */
async function pickAt(page, locator) {
  const picked = page.evaluate(() => Guidepost.pick());
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.up();
  return picked;
}

test("regression: the picker named SB Admin 2's elements by paths that matched 18 of them, a duplicated id, the icon inside a link, and never answered on a disabled button", async () => {
  guides = [];
  const { page, errors } = await openPage(browser, `${server.base}/sb/index.html`);
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  // A form's submit waits for its input: the browser fires no click at a disabled button.
  await page.evaluate(() => { document.querySelector("nav form.navbar-search button").disabled = true; });
  // What the author clicks, and the element the picked selector must name.
  const cases = [
    ["the Charts link's icon", "#accordionSidebar a[href='charts.html'] i", "#accordionSidebar a[href='charts.html']"],
    ["the Tables link's label", "#accordionSidebar a[href='tables.html'] span", "#accordionSidebar a[href='tables.html']"],
    ["the second card's figure", ".border-left-success .h5", ".border-left-success .h5"],
    ["the third card's figure", ".border-left-info .h5", ".border-left-info .h5"],
    ["the pie chart's menu (its id is the area chart's menu's too)", ".col-xl-4 #dropdownMenuLink", ".col-xl-4 #dropdownMenuLink"],
    ["the second project's heading", ".card-body h4:nth-of-type(2)", ".card-body h4:nth-of-type(2)"],
    ["a disabled button's icon", "nav form.navbar-search button i", "nav form.navbar-search button"],
    ["the alerts counter", "#alertsDropdown .badge-counter", "#alertsDropdown"],
  ];
  for (const [what, click, want] of cases) {
    const picked = await pickAt(page, page.locator(click).first());
    assert.ok(picked, `${what}: the picker answered`);
    const named = await page.evaluate(({ sel, want }) => {
      const all = document.querySelectorAll(sel);
      return { count: all.length, same: all[0] === document.querySelector(want) };
    }, { sel: picked.selector, want });
    assert.deepEqual([named, picked.matches], [{ count: 1, same: true }, 1], `${what}: ${picked.selector}`);
  }
  // Picking changed nothing on the page: no navigation, no menu opened.
  assert.equal(new URL(page.url()).pathname, "/sb/index.html");
  assert.equal(await page.locator(".dropdown-menu.show").count(), 0);
  assert.deepEqual(errors, []);
});

test("regression: a picked heading named by its framework classes alone was taken for another that came to match them (SB Admin 2)", async () => {
  guides = [];
  const first = await openPage(browser, `${server.base}/sb/index.html`);
  await first.page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  const heading = ".col-xl-8 .card-header h6";
  const picked = await pickAt(first.page, first.page.locator(heading));
  assert.equal(picked.target.text, "Earnings Overview", `the text is part of ${JSON.stringify(picked.target)}`);
  await first.context.close();
  // Another page view, where the app shows a second chart card of the same make first.
  guides = [guide("sb-earnings", [{ id: "chart", kind: "tooltip", title: "Your earnings", body: "Month by month.", target: picked.target }],
    { trigger: { type: "page_view" }, frequency: { type: "once" } })];
  const init = () => document.addEventListener("DOMContentLoaded", () => {
    const card = document.querySelector(".col-xl-8");
    const copy = card.cloneNode(true);
    copy.querySelector(".card-header h6").textContent = "Revenue Sources";
    copy.querySelector("canvas")?.remove();
    card.before(copy);
  });
  const { page, errors } = await openPage(browser, `${server.base}/sb/index.html`, { init });
  await dialog(page).getByRole("heading", { name: "Your earnings" }).waitFor();
  assert.equal(await page.evaluate((s) => document.querySelectorAll(s).length, picked.target.selector) > 1, true, "the selector matches both headings");
  const [box, target] = await Promise.all([
    dialog(page).evaluate((e) => e.getBoundingClientRect().toJSON()),
    page.locator(".col-xl-8 .card-header h6").filter({ hasText: "Earnings Overview" }).evaluate((e) => e.getBoundingClientRect().toJSON()),
  ]);
  const gap = Math.min(Math.abs(box.top - target.bottom), Math.abs(target.top - box.bottom), Math.abs(box.left - target.right), Math.abs(target.left - box.right));
  assert.ok(gap < 40, `the step ${JSON.stringify(box)} is next to the picked heading ${JSON.stringify(target)}`);
  assert.deepEqual(errors, []);
});

test("regression: the picker never answered on an element inside a same-origin iframe, and the press followed the link in the frame", async () => {
  guides = [];
  const { page, errors } = await openPage(browser, `${server.base}/frames/`);
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  const frame = page.frameLocator("iframe");
  const link = frame.locator("#accordionSidebar a.nav-link[href='charts.html']");
  await link.waitFor();
  const picked = page.evaluate(() => Guidepost.pick());
  await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
  // Hovering outlines the link where it is on screen, inside the frame.
  const box = await link.boundingBox();
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.waitForFunction(([x, y]) => {
    const r = document.querySelector("[data-guidepost-picker]").getBoundingClientRect();
    return Math.abs(r.x - x) < 1 && Math.abs(r.y - y) < 1;
  }, [box.x, box.y]);
  await page.mouse.down();
  await page.mouse.up();
  const p = await picked;
  const named = await frame.locator("body").evaluate((body, sel) => {
    const all = body.ownerDocument.querySelectorAll(sel);
    return { count: all.length, href: all[0]?.getAttribute("href") };
  }, p.selector);
  assert.deepEqual([named, p.matches], [{ count: 1, href: "charts.html" }, 1], p.selector);
  // The press was the author's pick, not a click on the link.
  assert.match(await frame.locator("body").evaluate((b) => b.ownerDocument.location.pathname), /\/sb\/index\.html$/);
  assert.deepEqual(errors, []);
});
