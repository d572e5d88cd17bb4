// Picker benchmark (not a test: prints figures for BENCHMARKS.md, asserts nothing). In picker
// mode the picker names every element the pointer moves over (the label beside the outline),
// which costs up to 60 queries of the page. This times that naming for every element of
// real pages: SB Admin 2's dashboard and tables (startbootstrap-sb-admin-2) and the MUI app
// of ui-libraries.test.mjs, by dispatching `mouseover` at each element in turn (the picker's handler
// runs synchronously inside dispatchEvent).
// Usage: node tests/e2e/bench-picker.mjs   (needs dist/ built)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, bundleApp } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
const paste = `<script>${stub}</script><script async src="/dist/guidepost.js"></script><script>Guidepost.init({ guides: [] });</script>`;
const mui = await bundleApp("mui");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const server = await serveStatic((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/mui/") { res.writeHead(200, { "content-type": "text/html" }); res.end(`<!doctype html><html><head>${paste}</head><body><div id="root"></div><script src="/mui/app.js"></script></body></html>`); return true; }
  if (url.pathname === "/mui/app.js") { res.writeHead(200, { "content-type": "text/javascript" }); res.end(mui); return true; }
  if (!url.pathname.startsWith("/sb/")) return false;
  const file = path.join(root, "node_modules/startbootstrap-sb-admin-2", url.pathname.slice(4));
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return true; }
  let body = fs.readFileSync(file);
  if (file.endsWith(".html")) body = body.toString().replace("</head>", `${paste}</head>`);
  res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
  res.end(body);
  return true;
});
const browser = await launch();
try {
  for (const page_ of ["/sb/index.html", "/sb/tables.html", "/mui/"]) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.base + page_, { waitUntil: "load" });
    await page.waitForFunction(() => window.Guidepost && Guidepost.version);
    const picking = page.evaluate(() => Guidepost.pick());
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    const r = await page.evaluate(() => {
      const els = [...document.body.querySelectorAll("*")].filter((e) => !e.closest("[data-guidepost-picker]") && e.getBoundingClientRect().width > 0);
      const over = (e) => e.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, composed: true }));
      const times = els.map((e) => {
        // The picker names an element once while the pointer stays on it (an icon and its
        // link are one element to it): the body first, so that each element is named anew.
        over(document.body);
        const t0 = performance.now();
        over(e);
        return performance.now() - t0;
      }).sort((a, b) => a - b);
      const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
      return { elements: els.length, inPage: document.querySelectorAll("*").length, median: q(0.5), p90: q(0.9), max: q(1) };
    });
    console.log(`${page_}: ${r.elements} elements named (${r.inPage} in the page): median ${r.median} ms, p90 ${r.p90} ms, max ${r.max} ms`);
    await page.keyboard.press("Escape");
    await picking;
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
