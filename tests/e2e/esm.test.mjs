// The ESM entry (dist/guidepost.mjs), as a bundler or a `<script type="module">` imports it:
// it finds its wasm next to itself through import.meta.url, runs the same engine as the
// script tag, and exports the same API it puts on window.
import { test, before, after } from "node:test";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, events, kinds } from "./harness.mjs";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>ESM</title></head>
<body><main style="padding:80px"><button id="target">Target</button></main>
<script type="module">
  import Guidepost, { Guidepost as Named } from "/dist/guidepost.mjs";
  window.__same = Guidepost === Named && Guidepost === window.Guidepost;
  Guidepost.on("ready", (e) => { window.__ready = e; });
  Guidepost.init({ guides: [{ id: "esm", name: "esm", trigger: { type: "manual" },
    steps: [{ id: "a", kind: "tooltip", title: "From a module", body: "Imported, not pasted.", target: { selector: "#target" } }] }] });
  Guidepost.start("esm");
</script></body></html>`;

let server, browser;
before(async () => {
  server = await serveStatic((req, res) => {
    if (req.url !== "/esm/") return false;
    res.writeHead(200, { "content-type": "text/html" });
    res.end(PAGE);
    return true;
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

test("the ESM entry loads its wasm by import.meta.url and runs a guide", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/esm/`);
  await dialog(page).getByRole("heading", { name: "From a module" }).waitFor();
  assert.equal(await page.evaluate(() => window.__same), true, "the default and named exports are window.Guidepost");
  await page.waitForFunction(() => window.__ready);
  await dialog(page).getByRole("button", { name: "Done" }).click();
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:a", "step_completed:a", "guide_completed:a"]);
  assert.equal(await page.evaluate(() => typeof window.wasm_bindgen), "undefined");
  assert.deepEqual(errors, []);
});

test("regression: importing the ESM entry without a browser (a framework's server render) threw `window is not defined`", async () => {
  assert.equal(typeof globalThis.document, "undefined");
  const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/guidepost.mjs");
  const { Guidepost, default: Default } = await import(pathToFileURL(entry).href);
  assert.equal(Guidepost, Default);
  // The stand-in has the browser's API, method for method.
  const { page } = await openPage(browser, `${server.base}/esm/`);
  await page.waitForFunction(() => window.__same !== undefined);
  const api = (o) => Object.keys(o).filter((k) => !k.startsWith("__")).map((k) => `${k}:${typeof o[k]}`).sort();
  assert.deepEqual(api(Guidepost), await page.evaluate((f) => new Function(`return (${f})`)()(window.Guidepost), api.toString()));
  assert.equal(Guidepost.version, await page.evaluate(() => window.Guidepost.version));
  // Calls do nothing and answer as an engine that cannot run does.
  Guidepost.init({ guides: [] });
  Guidepost.identify("user-1", {});
  assert.equal(typeof Guidepost.on("ready", () => {}), "function");
  assert.equal(await Guidepost.validate("{}"), null);
  assert.deepEqual(await Guidepost.debug(), []);
  assert.equal(await Guidepost.pick(), null);
});
