// The ESM entry as an app's bundler sees it: a Vite (npm) app that depends on the package,
// installed in its node_modules as a registry install leaves it (package.json and dist/),
// and imports `{ Guidepost } from "guidepost"`.
// - Built for production and served from its own output folder only: Vite must find the
//   wasm files through `new URL(..., import.meta.url)` and copy them under hashed names; the
//   overlay must still load only when the guide shows.
// - On Vite's dev server, as the README says to configure it; and without that, the error
//   must name the fix (the dev server's dependency pre-bundling leaves the wasm files behind).
// - Built by webpack 5 (npm), which must leave the loader's `import()` of the lazy modules
//   to the browser.
// - Built by esbuild (npm) in its default format, an IIFE, where `import.meta` is empty: the
//   files are copied next to the bundle, as the README says.
// - Type-checked by TypeScript (npm) under each module resolution an app may use.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, createServer } from "vite";
import webpack from "webpack";
import { build as esbuild } from "esbuild";
import { serveStatic, launch, openPage, dialog, events, kinds } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>Bundled app</title></head>
<body><main style="padding:80px"><button id="target">Target</button></main>
<script type="module" src="./main.js"></script></body></html>`;
const MAIN = `import { Guidepost } from "guidepost";
window.__errors = [];
Guidepost.on("error", (e) => { window.__errors.push(e); });
Guidepost.on("ready", (e) => { window.__ready = e; });
Guidepost.init({ guides: [{ id: "bundled", name: "bundled", trigger: { type: "page_view" },
  steps: [{ id: "a", kind: "tooltip", title: "From the bundle", body: "Built by Vite.", target: { selector: "#target" } }] }] });
Guidepost.identify("bundled-user", {});
`;

let app, server, browser;
before(async () => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), "gp-vite-"));
  fs.writeFileSync(path.join(app, "package.json"), '{ "name": "bundled-app", "private": true, "type": "module" }');
  fs.writeFileSync(path.join(app, "index.html"), INDEX);
  fs.writeFileSync(path.join(app, "main.js"), MAIN);
  const pkg = path.join(app, "node_modules", "guidepost");
  fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
  fs.copyFileSync(path.join(root, "package.json"), path.join(pkg, "package.json"));
  for (const f of fs.readdirSync(path.join(root, "dist"))) {
    if (f.startsWith("guidepost")) fs.copyFileSync(path.join(root, "dist", f), path.join(pkg, "dist", f));
  }
  await build({ root: app, base: "/app/", configFile: false, logLevel: "silent", build: { outDir: path.join(app, "dist") } });
  const wp = path.join(app, "wp");
  const stats = await new Promise((done, fail) =>
    webpack({ mode: "production", context: app, entry: "./main.js", output: { path: wp, publicPath: "auto" } }, (e, st) => (e ? fail(e) : done(st))));
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  fs.writeFileSync(path.join(wp, "index.html"), INDEX.replace('<script type="module" src="./main.js">', '<script src="./main.js">'));
  const eb = path.join(app, "eb");
  await esbuild({ absWorkingDir: app, entryPoints: ["main.js"], bundle: true, format: "iife", outfile: path.join(eb, "main.js"), logLevel: "silent" });
  for (const f of fs.readdirSync(path.join(root, "dist"))) {
    if (/^guidepost-.*\.js$|_bg\.wasm$/.test(f)) fs.copyFileSync(path.join(root, "dist", f), path.join(eb, f));
  }
  fs.writeFileSync(path.join(eb, "index.html"), INDEX.replace('<script type="module" src="./main.js">', '<script src="./main.js">'));
  const outs = { "/app/": path.join(app, "dist"), "/wp/": wp, "/eb/": eb };
  server = await serveStatic((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const prefix = Object.keys(outs).find((k) => p.startsWith(k));
    if (!prefix) return false;
    const out = outs[prefix];
    const file = path.join(out, p.slice(prefix.length) || "index.html");
    if (!file.startsWith(out) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return true;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(fs.readFileSync(file));
    return true;
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** The app on Vite's dev server, with `optimizeDeps` (dependencies pre-bundled anew);
 * `run(page, errors)`. */
async function onDevServer(optimizeDeps, run) {
  const dev = await createServer({
    root: app, configFile: false, logLevel: "silent", optimizeDeps: { force: true, ...optimizeDeps },
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await dev.listen();
  try {
    const { page, errors } = await openPage(browser, dev.resolvedUrls.local[0]);
    await run(page, errors);
  } finally {
    await dev.close();
  }
}

test("a Vite app imports the package, and its production build runs a guide from its own assets", async () => {
  const assets = fs.readdirSync(path.join(app, "dist", "assets"));
  for (const name of ["guidepost_bg", "guidepost-overlay", "guidepost-overlay_bg", "guidepost-author", "guidepost-author_bg"]) {
    assert.ok(assets.some((f) => f.startsWith(`${name}-`)), `Vite copied ${name} (assets: ${assets.join(", ")})`);
  }
  const { page, errors } = await openPage(browser, `${server.base}/app/`);
  await dialog(page).getByRole("heading", { name: "From the bundle" }).waitFor();
  await page.waitForFunction(() => window.__ready);
  // (The browser's own request for /favicon.ico is not the app's.)
  const fetched = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname).filter((p) => p !== "/favicon.ico"));
  assert.ok(fetched.every((p) => p.startsWith("/app/")), `everything came from the app's build: ${fetched.join(", ")}`);
  assert.ok(fetched.some((p) => /\/assets\/guidepost-overlay_bg-[^/]+\.wasm$/.test(p)), "the overlay module loaded once the guide showed");
  assert.ok(!fetched.some((p) => p.includes("guidepost-author")), "the author module was not loaded");
  await dialog(page).getByRole("button", { name: "Done" }).click();
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:a", "step_completed:a", "guide_completed:a"]);
  assert.deepEqual(errors, []);
});

test("on Vite's dev server, configured as the README says, the app runs a guide", async () => {
  await onDevServer({ exclude: ["guidepost"] }, async (page, errors) => {
    await dialog(page).getByRole("heading", { name: "From the bundle" }).waitFor();
    await page.waitForFunction(() => window.__ready);
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(errors, []);
  });
});

test("regression: on Vite's dev server without that setting, the wasm was looked for in .vite/deps and the error did not say why", async () => {
  await onDevServer({}, async (page) => {
    await page.waitForFunction(() => window.__errors.length > 0);
    const [e] = await page.evaluate(() => window.__errors);
    assert.equal(e.source, "load");
    assert.match(e.message, /\/\.vite\/deps\/guidepost_bg\.wasm/);
    assert.match(e.message, /optimizeDeps: \{ exclude: \["guidepost"\] \}/);
  });
});

test("regression: webpack rewrote the loader's import() of the overlay into a lookup among its own modules, and the guide never showed", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/wp/`);
  await dialog(page).getByRole("heading", { name: "From the bundle" }).waitFor();
  await page.waitForFunction(() => window.__ready);
  const fetched = await page.evaluate(() => performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname));
  assert.ok(fetched.some((p) => /^\/wp\/[0-9a-f]+\.js$/.test(p)), `the overlay's glue came from webpack's assets: ${fetched.join(", ")}`);
  assert.deepEqual(await page.evaluate(() => window.__errors), []);
  assert.deepEqual(errors, []);
});

test("regression: in an esbuild IIFE bundle the ESM entry threw `Invalid URL` (no import.meta) and stopped the app's own code", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/eb/`);
  await dialog(page).getByRole("heading", { name: "From the bundle" }).waitFor();
  await page.waitForFunction(() => window.__ready);
  assert.deepEqual(await page.evaluate(() => window.__errors), []);
  assert.deepEqual(errors, []);
});

// The app's TypeScript, importing the package by name. `module`/`moduleResolution` pairs
// as tsconfig files set them; the app is an ES module (`"type": "module"`).
const TYPED = `import { Guidepost } from "guidepost";
import Default from "guidepost";
Guidepost.init({ guides: [] });
Default.identify("user-1", { plan: "pro" });
Guidepost.on("error", (e) => console.log(e.source, e.message));
// @ts-expect-error: not part of the API
Default.nope();
`;
test("regression: under TypeScript's node16 resolution the package's types were read as CommonJS, and its default export had none of the API", () => {
  fs.writeFileSync(path.join(app, "typed.ts"), TYPED);
  const tsc = path.join(root, "node_modules", ".bin", "tsc");
  for (const [module, resolution] of [["es2020", "bundler"], ["node16", "node16"], ["nodenext", "nodenext"]]) {
    const r = spawnSync(tsc, ["--noEmit", "--strict", "--target", "es2020", "--module", module, "--moduleResolution", resolution, "--lib", "es2020,dom", "typed.ts"], { cwd: app, encoding: "utf8" });
    assert.equal(r.status, 0, `tsc --moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
  }
});
