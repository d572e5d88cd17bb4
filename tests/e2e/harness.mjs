// Shared harness for the browser tests: a static file server for www/, dist/ and the
// example guides, and a Chromium launched through playwright-core (Debian's chromium).
import http from "node:http";
import net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml" };

/** All guides in guides/*.json as one array (what the collector serves at /guides.json). */
export function allGuides() {
  const dir = path.join(root, "guides");
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json")).sort()
    .flatMap((f) => { const v = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")); return Array.isArray(v) ? v : [v]; });
}

/**
 * Serves www/ at /, dist/ at /dist/, /guides.json, and stands in for the collector's
 * `/v1/config` (the example guides, published) and `/v1/events` (accepts and forgets).
 * `extra(req, res)` may answer first.
 */
export async function serveStatic(extra) {
  const server = http.createServer((req, res) => {
    if (extra && extra(req, res)) return;
    const url = new URL(req.url, "http://x");
    let p = decodeURIComponent(url.pathname);
    if (p === "/guides.json") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(allGuides()));
    }
    // What the collector's guide store answers the embed: every example guide published.
    if (p === "/v1/config") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(JSON.stringify({ environment: "production", guides: allGuides() }));
    }
    if (p === "/v1/events" && req.method === "POST") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      return res.end('{"accepted":0,"duplicates":0,"rejected":[]}');
    }
    let file = p.startsWith("/dist/") ? path.join(root, p)
      : p.startsWith("/lab/") ? path.join(root, "tests/e2e/pages", p.slice(5))
      : path.join(root, "www", p);
    if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end("not found"); }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, close: () => new Promise((r) => server.close(r)) };
}

/** Headless Chromium. Playwright hides scrollbars in headless mode; `scrollbars: true`
 * shows them, as Windows and most Linux desktops do (they take room from the viewport). */
export async function launch({ scrollbars = !!process.env.GP_SCROLLBARS } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    ...(scrollbars ? { ignoreDefaultArgs: ["--hide-scrollbars"] } : {}),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A fresh page that collects Guidepost events into window.__events and page errors. */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, init, before, waitUntil, context: shared } = {}) {
  // A shared context keeps localStorage across page views of one visitor.
  const context = shared || (await browser.newContext({ viewport }));
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    window.__events = [];
    window.__errors = [];
    const hook = () => {
      if (window.Guidepost && window.Guidepost.on) {
        Guidepost.on("event", (e) => window.__events.push(e));
        Guidepost.on("error", (e) => window.__errors.push(e));
        return true;
      }
    };
    // The stub in <head> defines Guidepost; subscribe as soon as it exists. The timer
    // functions are this moment's: a test that installs Playwright's clock afterwards
    // replaces them, and a fake clearInterval could not stop this real interval (the
    // listeners were added again every millisecond).
    const [every, stop] = [setInterval, clearInterval];
    if (!hook()) {
      const id = every(() => hook() && stop(id), 1);
    }
  });
  if (init) await page.addInitScript(init);
  if (before) await before(page);
  await page.goto(url, waitUntil ? { waitUntil } : undefined);
  return { page, context, errors };
}

/** The dialog inside the overlay's shadow root (Playwright pierces open shadow roots). */
export const dialog = (page) => page.locator("guidepost-root [role=dialog]");
export const kinds = (events) => events.map((e) => `${e.kind}:${e.step_id ?? ""}`);
export async function events(page) {
  return page.evaluate(() => window.__events.slice());
}

/** A one-step (or more) guide for the lab page. */
export function guide(id, steps, extra = {}) {
  return { id, name: id, frequency: { type: "times", n: 100 }, ...extra, steps };
}

/** Opens the lab page and starts `guides` (manual trigger by default). */
export async function lab(browser, guides, { start, viewport, user = "lab-user", traits = {} } = {}) {
  const o = await openPage(browser, `${globalThis.__labBase}/lab/lab.html`, { viewport });
  await o.page.evaluate(([g, u, t]) => { Guidepost.init({ guides: g }); Guidepost.identify(u, t); }, [guides, user, traits]);
  if (start) await o.page.evaluate((id) => Guidepost.start(id), start);
  return o;
}

export async function rect(locator) {
  return locator.evaluate((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom }; });
}

/** Waits `n` animation frames in the page: repositioning runs on the next frame. */
export async function frames(page, n = 2) {
  await page.evaluate((n) => new Promise((done) => { const tick = (k) => (k ? requestAnimationFrame(() => tick(k - 1)) : done()); tick(n); }), n);
}

/**
 * Waits until the engine has run and finished what it had scheduled: the sticky `ready`,
 * then one task (the coalesced evaluation after init/identify/page is a zero-delay task
 * queued before it), then two frames for rendering.
 */
export async function settled(page) {
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  await frames(page);
}

/** The collector binary: $GUIDEPOST_BIN, else a debug build made once here. */
export function collectorBin() {
  if (process.env.GUIDEPOST_BIN) return process.env.GUIDEPOST_BIN;
  const r = spawnSync("cargo", ["build", "-q", "-p", "guidepost-collector", "--bin", "guidepost"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("cargo build of the collector failed");
  return (process.env.GUIDEPOST_BIN = path.join(root, "target/debug/guidepost"));
}

async function freePort() {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

/**
 * Starts `guidepost serve` with `args` (after `--addr`) on `port` (a free one by default),
 * answers once `/healthz` does: `{ base, port, stop() }`, where `stop` resolves on exit.
 */
export async function startCollector(args, port) {
  port = port || (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(collectorBin(), ["serve", "--addr", `127.0.0.1:${port}`, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise((r) => child.once("exit", r));
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return { base, port, stop: () => { child.kill(); return exited; } }; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`the collector did not start on ${base}`);
}

/** The script of the React app `tests/e2e/pages/<name>-app.jsx` and the npm packages it
 * imports, bundled by esbuild into one production IIFE, as a React team ships it. */
export async function bundleApp(name) {
  const { build } = await import("esbuild");
  const built = await build({
    entryPoints: [path.join(root, `tests/e2e/pages/${name}-app.jsx`)], bundle: true, minify: true, write: false, format: "iife",
    define: { "process.env.NODE_ENV": '"production"' }, logLevel: "silent",
  });
  return built.outputFiles[0].text;
}
