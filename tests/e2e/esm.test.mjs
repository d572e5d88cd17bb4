// The ESM entry (dist/guidepost.mjs), as a bundler or a `<script type="module">` imports it:
// it finds its wasm next to itself through import.meta.url, runs the same engine as the
// script tag, and exports the same API it puts on window.
import { test, before, after } from "node:test";
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
