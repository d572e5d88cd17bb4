// Lean loading: every page view downloads the loader and the decision module; the overlay
// module only when a guide is about to show, the author module only through
// validate/debug/pick. A slow or failing overlay delays the guide and is reported through
// on('error'); it never throws into the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, openPage, dialog, guide, settled, events, kinds } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
const OVERLAY = /\/dist\/guidepost-overlay(_bg\.wasm|\.js)/;
const AUTHOR = /\/dist\/guidepost-author(_bg\.wasm|\.js)/;

/** The lab page with the requests it makes recorded; `route` may answer some of them. */
async function page(route) {
  const requests = [];
  const o = await openPage(browser, `${server.base}/lab/lab.html`, {
    before: async (p) => {
      p.on("request", (r) => requests.push(r.url()));
      if (route) await route(p);
    },
  });
  return { ...o, requests };
}

const welcome = (audience) => guide("welcome", [{ id: "hi", kind: "modal", title: "Welcome aboard" }], { trigger: { type: "page_view" }, ...(audience ? { audience } : {}) });
const admins = { trait: "role", op: "eq", value: "admin" };

/** (case, user's role, whether the guide shows) */
const cases = [
  ["nobody in the audience: no overlay, no author code", "viewer", false],
  ["in the audience: the overlay loads and the guide shows", "admin", true],
];

for (const [name, role, shows] of cases) {
  test(`first load, ${name}`, async () => {
    const { page: p, requests, errors } = await page();
    await p.evaluate(([g, role]) => { Guidepost.init({ guides: [g] }); Guidepost.identify("u-1", { role }); }, [welcome(admins), role]);
    await settled(p);
    if (shows) await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
    assert.ok(requests.some((u) => u.endsWith("/dist/guidepost_bg.wasm")), "the decision module loads");
    assert.equal(requests.some((u) => OVERLAY.test(u)), shows, requests.join("\n"));
    assert.equal(requests.some((u) => AUTHOR.test(u)), false, requests.join("\n"));
    // The author module comes with the first author call, and answers it.
    const report = await p.evaluate(() => Guidepost.validate('[{"id": "x", "name": "x", "steps": []}]'));
    assert.ok(report && Array.isArray(report.diagnostics), JSON.stringify(report));
    assert.ok(requests.some((u) => AUTHOR.test(u)), "validate() loads the author module");
    assert.deepEqual(errors, []);
  });
}

test("a slow overlay module delays the guide without losing it", async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  let asked;
  const requested = new Promise((r) => (asked = r));
  const { page: p, errors } = await page((pg) => pg.route(OVERLAY, async (route) => {
    asked();
    await gate;
    await route.continue();
  }));
  await p.evaluate((g) => { Guidepost.init({ guides: [g] }); Guidepost.start("welcome"); }, welcome());
  await requested;
  // The decision module has started the guide; the step waits for the overlay, and so do
  // its records: nothing is reported as viewed before it is on screen.
  assert.equal(await p.locator("guidepost-root").count(), 0, "nothing rendered before the overlay arrives");
  assert.deepEqual(kinds(await events(p)), []);
  release();
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  await p.waitForFunction(() => window.__events.length >= 2);
  assert.deepEqual(kinds(await events(p)), ["guide_shown:", "step_viewed:hi"]);
  assert.deepEqual(errors, []);
});

test("regression: stepTimeoutMs and the step's time on screen counted the time the overlay module took to load", async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  let asked;
  const requested = new Promise((r) => (asked = r));
  const { page: p } = await page(async (pg) => {
    // Playwright's clock: time is moved on by the test, not waited for.
    await pg.clock.install();
    await pg.route(OVERLAY, async (route) => {
      asked();
      await gate;
      await route.continue();
    });
  });
  await p.evaluate((g) => { Guidepost.init({ guides: [g], stepTimeoutMs: 3000 }); Guidepost.start("welcome"); }, welcome());
  await requested;
  const asked_at = await p.evaluate(() => Date.now());
  // Five seconds pass while the overlay is on its way: the step is not on screen yet.
  await p.clock.runFor(5000);
  release();
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  await p.waitForFunction(() => window.__events.length >= 2);
  const shown = await events(p);
  assert.deepEqual(kinds(shown), ["guide_shown:", "step_viewed:hi"], "not timed out while loading");
  // The held records carry the time the step came on screen, not the time it was decided.
  assert.ok(shown.every((e) => e.timestamp >= asked_at + 5000), JSON.stringify({ asked_at, shown: shown.map((e) => e.timestamp) }));
  // So does the saved tour, which a reload resumes.
  const saved = await p.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => /^guidepost:u:.*:tour$/.test(k)))));
  assert.ok(saved.step_started_ms >= asked_at + 5000, JSON.stringify({ asked_at, saved }));
  // Its three seconds start once it shows.
  await p.clock.runFor(3100);
  await dialog(p).waitFor({ state: "detached" });
  const last = (await events(p)).at(-1);
  assert.equal(last.kind, "guide_abandoned");
  assert.equal(last.reason, "timeout");
  assert.ok(last.duration_ms >= 3000 && last.duration_ms < 4000, `time on the step: ${last.duration_ms} ms`);
});

test("an overlay module that fails to load is reported through on('error') and retried", async () => {
  let failures = 0;
  const { page: p, errors } = await page((pg) => pg.route(/\/dist\/guidepost-overlay\.js/, (route) => {
    if (failures++ === 0) return route.fulfill({ status: 503, body: "unavailable" });
    return route.continue();
  }));
  await p.evaluate((g) => { Guidepost.init({ guides: [g] }); Guidepost.start("welcome"); }, welcome());
  await p.waitForFunction(() => window.__errors.some((e) => e.source === "overlay"));
  const reported = await p.evaluate(() => window.__errors.find((e) => e.source === "overlay").message);
  assert.match(reported, /could not load the overlay module/);
  // The retry shows the step the failure held back.
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  assert.equal(failures, 2);
  assert.deepEqual(errors, [], "nothing thrown into the page");
});

test("an overlay module that never loads leaves the page working, reports each attempt and spends no guide", async () => {
  const { page: p, errors } = await page((pg) => pg.route(OVERLAY, (route) => route.abort()));
  const once = { ...welcome(), frequency: { type: "once" } };
  await p.evaluate((g) => { Guidepost.init({ guides: [g] }); Guidepost.identify("u-3", {}); }, once);
  // The first attempt and two retries, each reported.
  await p.waitForFunction(() => window.__errors.filter((e) => e.source === "overlay").length === 3, null, { timeout: 20000 });
  // Nothing reached the screen, so nothing is reported as shown or viewed, and no tour is
  // left to resume.
  assert.deepEqual(kinds(await events(p)), []);
  const saved = await p.evaluate(() => Object.keys(localStorage).filter((k) => /:tour$/.test(k)));
  assert.deepEqual(saved, []);
  // The engine itself still runs, and the `once` guide was not spent: once the overlay can
  // load, the next page view shows it.
  await p.unroute(OVERLAY);
  await p.evaluate(() => Guidepost.page());
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  assert.deepEqual(kinds(await events(p)), ["guide_shown:", "step_viewed:hi"]);
  assert.deepEqual(errors, []);
});

test("a tour in progress fetches the overlay beside the decision module on the next page view", async () => {
  const tour = guide("multi", [{ id: "a", kind: "modal", title: "Page one" }, { id: "b", kind: "modal", title: "Page two" }], { trigger: { type: "manual" } });
  const { page: p, requests, errors } = await page();
  await p.evaluate((g) => { Guidepost.init({ guides: [g] }); Guidepost.identify("u-2", {}); Guidepost.start("multi"); }, tour);
  await dialog(p).getByRole("button", { name: "Next" }).click();
  await dialog(p).getByRole("heading", { name: "Page two" }).waitFor();
  // The next page view: the loader starts the overlay's fetch before the engine is ready.
  await p.addInitScript(() => {
    const hook = () => window.Guidepost?.on && (Guidepost.on("ready", () => { window.__readyAt = performance.now(); }), true);
    if (!hook()) { const id = setInterval(() => hook() && clearInterval(id), 1); }
  });
  requests.length = 0;
  await p.reload();
  await p.evaluate((g) => { Guidepost.init({ guides: [g] }); Guidepost.identify("u-2", {}); }, tour);
  await dialog(p).getByRole("heading", { name: "Page two" }).waitFor();
  const order = await p.evaluate(() => ({
    overlay: performance.getEntriesByType("resource").find((e) => /guidepost-overlay\.js/.test(e.name))?.startTime,
    ready: window.__readyAt,
  }));
  assert.ok(order.overlay !== undefined && order.ready !== undefined, JSON.stringify(order));
  assert.ok(order.overlay < order.ready, `overlay fetched at ${order.overlay} ms, engine ready at ${order.ready} ms`);
  assert.deepEqual(errors, []);
});

test("init({ prefetchOverlay }) queued by the stub before the script loaded prefetches too", async () => {
  const { page: p, requests, errors } = await page((pg) => pg.addInitScript({ content: `${stub}\nGuidepost.init({ guides: [], prefetchOverlay: true });` }));
  // No guide at all: the overlay module comes only because the host asked for it.
  await p.locator("guidepost-root").waitFor({ state: "attached" });
  assert.ok(requests.some((u) => OVERLAY.test(u)), requests.join("\n"));
  assert.deepEqual(errors, []);
});

/** A page whose head holds the stub with `load(src)` (the README's snippet) and `extra`. */
async function snippetPage(src, extra = "", route) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><script>${stub}\nGuidepost.load(${JSON.stringify(src)});</script>${extra}
<script>Guidepost.init({ guides: [${JSON.stringify(welcome())}] }); Guidepost.on("ready", () => { window.__ready = true; });</script>
</head><body><main><h1>Host</h1></main></body></html>`;
  const requests = [];
  const o = await openPage(browser, `${server.base}/snippet/page.html`, {
    before: async (p) => {
      p.on("request", (r) => requests.push(new URL(r.url()).pathname));
      await p.route("**/snippet/page.html", (r) => r.fulfill({ contentType: "text/html", body: html }));
      if (route) await route(p);
    },
  });
  return { ...o, requests };
}

test("the snippet's load() compiles the decision module while the page parses, and it is downloaded once", async () => {
  const { page: p, requests, errors } = await snippetPage("/dist/guidepost.js");
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  await p.waitForFunction(() => window.__ready === true);
  assert.deepEqual(requests.filter((u) => /guidepost(_bg\.wasm|\.js)$/.test(u)).sort(), ["/dist/guidepost.js", "/dist/guidepost_bg.wasm"], requests.join("\n"));
  // A second load() (a snippet pasted twice, or called after the script ran) adds nothing.
  await p.evaluate(() => Guidepost.load("/dist/guidepost.js"));
  assert.equal(await p.locator("script[src='/dist/guidepost.js']").count(), 1);
  assert.deepEqual(await p.evaluate(() => window.__errors), []);
  assert.deepEqual(errors, []);
});

test("regression: a load() naming another copy of guidepost.js must not hand its module to the script that runs", async () => {
  // The stub's copy names a folder whose wasm is another module (here the overlay's) and
  // whose script is missing; the page's own tag loads the real one, which must not link
  // the other copy's compiled module.
  const { page: p, errors } = await snippetPage("/dist/x/guidepost.js", `<script async src="/dist/guidepost.js"></script>`, async (pg) => {
    await pg.route("**/dist/x/guidepost_bg.wasm", (r) => r.fulfill({ path: "dist/guidepost-overlay_bg.wasm", contentType: "application/wasm" }));
    await pg.route("**/dist/x/guidepost.js", (r) => r.fulfill({ status: 404, body: "" }));
  });
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__errors), []);
  assert.deepEqual(errors, []);
});

test("regression: a wasm served without application/wasm was downloaded twice (the stub's compile refused it)", async () => {
  const { page: p, requests, errors } = await snippetPage("/dist/guidepost.js", "", (pg) =>
    pg.route("**/dist/guidepost_bg.wasm", async (r) => r.fulfill({ response: await r.fetch(), headers: { "content-type": "application/octet-stream" } })));
  await dialog(p).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  assert.equal(requests.filter((u) => u === "/dist/guidepost_bg.wasm").length, 1, requests.join("\n"));
  assert.deepEqual(await p.evaluate(() => window.__errors), []);
  assert.deepEqual(errors, []);
});

test("a stub pasted after an older one, or after guidepost.js ran, still has load(), which then adds nothing", async () => {
  const { page: p, errors } = await page();
  await p.waitForFunction(() => window.Guidepost && Guidepost.__loaded);
  // An older stub left its queue behind, and the engine already runs: the new snippet runs.
  await p.evaluate((src) => { new Function(src)(); Guidepost.load("/dist/guidepost.js"); }, stub);
  assert.equal(await p.locator("script[src$='guidepost.js']").count(), 1);
  await p.evaluate((src) => { delete Guidepost.load; Guidepost.__queue = []; new Function(src)(); Guidepost.load("/dist/other/guidepost.js"); }, stub);
  assert.equal(await p.locator("script[src$='guidepost.js']").count(), 1, "nothing added once guidepost.js runs");
  assert.deepEqual(errors, []);
});

// guidepost.js from a CDN (another origin than the page), as `Guidepost.load(...)` names it.
// (cors, what the page must see)
const cdnCases = [
  ["with CORS headers: the guide shows, every file from the CDN", true],
  ["without CORS headers: on('error') says to add them, and the page keeps working", false],
];
for (const [name, cors] of cdnCases) {
  test(`guidepost.js from another origin, ${name}`, async () => {
    const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
    const cdn = http.createServer((req, res) => {
      const f = path.join(dist, path.basename(new URL(req.url, "http://x").pathname));
      if (!fs.existsSync(f)) { res.writeHead(404); return res.end(); }
      res.writeHead(200, { "content-type": types[path.extname(f)] || "application/octet-stream", ...(cors ? { "access-control-allow-origin": "*" } : {}) });
      res.end(fs.readFileSync(f));
    });
    // `localhost`, not the page's 127.0.0.1: another origin.
    await new Promise((r) => cdn.listen(0, "127.0.0.1", r));
    const src = `http://localhost:${cdn.address().port}/guidepost.js`;
    const host = await serveStatic((req, res) => {
      if (req.url !== "/cdn/") return false;
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><script>${stub}\nGuidepost.load(${JSON.stringify(src)});</script></head>
<body><button id="target">Target</button><script>Guidepost.init({ guides: [{ id: "cdn", name: "cdn", trigger: { type: "page_view" },
  steps: [{ id: "a", kind: "tooltip", title: "From a CDN", body: "Served elsewhere.", target: { selector: "#target" } }] }] });
window.__after = true;</script></body></html>`);
      return true;
    });
    try {
      const { page: p, errors } = await openPage(browser, `${host.base}/cdn/`);
      if (cors) {
        await dialog(p).getByRole("heading", { name: "From a CDN" }).waitFor();
        const files = await p.evaluate(() => performance.getEntriesByType("resource").filter((r) => /guidepost/.test(r.name)).map((r) => r.name));
        assert.ok(files.length >= 4 && files.every((u) => u.startsWith(new URL(src).origin + "/")), files.join("\n"));
        assert.deepEqual(await p.evaluate(() => window.__errors), []);
      } else {
        await p.waitForFunction(() => window.__errors.length > 0);
        const [e] = await p.evaluate(() => window.__errors);
        assert.equal(e.source, "load");
        assert.match(e.message, /guidepost_bg\.wasm.*CORS headers/);
        assert.equal(await p.locator("guidepost-root").count(), 0);
        assert.equal(await p.evaluate(() => window.__after), true, "the page's own script ran on");
      }
      assert.deepEqual(errors, []);
    } finally {
      await host.close();
      await new Promise((r) => cdn.close(r));
    }
  });
}
