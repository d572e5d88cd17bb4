// Peer benchmark (not a test: prints figures for BENCHMARKS.md, asserts nothing).
// The same 3-step tour with Guidepost, driver.js, shepherd.js and intro.js (all installed
// from npm) on SB Admin 2's dashboard (startbootstrap-sb-admin-2, a real open-source admin
// template), in one run, each library in a fresh browser context per run, in turns. Per
// library it prints the medians of:
// - first step visible: ms from navigation start until the tour's first step is on screen;
// - scroll main thread: the renderer's main-thread task time over 60 animation frames of
//   scrolling with the tour open, also for the page without any library;
// - JS heap: used JS heap after a garbage collection, with the tour open.
// Usage: node tests/e2e/bench-peers.mjs [runs] [--warm]   (needs dist/ built: scripts/build-web.sh)
// --warm: every file but the page is cacheable, and each run measures a second page view
// (the first warmed the HTTP cache; storage is cleared between them, so the tour starts
// anew rather than resuming).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, guide } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) || 5);
const warm = process.argv.includes("--warm");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2" };

// The tour: three elements of the dashboard.
const STEPS = [
  { selector: "a.d-sm-inline-block.btn-primary", title: "Reports", body: "Download this month's report." },
  { selector: "#accordionSidebar a.nav-link[href='tables.html']", title: "Your data", body: "Open the tables." },
  { selector: ".card.border-left-primary", title: "Earnings", body: "Your monthly earnings at a glance." },
];
const js = (v) => JSON.stringify(v);

// What each library's user adds to the page, and how to see its first step.
const LIBRARIES = {
  none: { head: "", body: "", visible: null },
  guidepost: {
    head: `<script>\n${stub}\nGuidepost.load("/dist/guidepost.js");</script>\n<script>Guidepost.init({ guides: ${js([
      guide("bench-tour", STEPS.map((s, i) => ({ id: `s${i}`, kind: "tooltip", title: s.title, body: s.body, target: { selector: s.selector } })), {
        trigger: { type: "page_view" },
      }),
    ])} }); Guidepost.identify("bench-user", {});</script>`,
    body: "",
    visible: () => document.querySelector("guidepost-root")?.shadowRoot?.querySelector("[role=dialog]"),
  },
  "driver.js": {
    head: `<link rel="stylesheet" href="/nm/driver.js/dist/driver.css">`,
    body: `<script src="/nm/driver.js/dist/driver.js.iife.js"></script><script>window.driver.js.driver({ showProgress: true, steps: ${js(
      STEPS.map((s) => ({ element: s.selector, popover: { title: s.title, description: s.body } })),
    )} }).drive();</script>`,
    visible: () => document.querySelector(".driver-popover"),
  },
  "shepherd.js": {
    head: `<link rel="stylesheet" href="/nm/shepherd.js/dist/css/shepherd.css">`,
    body: `<script type="module">import Shepherd from "/nm/shepherd.js/dist/js/shepherd.mjs";
const tour = new Shepherd.Tour({ useModalOverlay: true });
for (const s of ${js(STEPS)}) tour.addStep({ title: s.title, text: s.body, attachTo: { element: s.selector, on: "bottom" }, buttons: [{ text: "Next", action: tour.next }] });
tour.start();</script>`,
    visible: () => document.querySelector(".shepherd-element"),
  },
  "intro.js": {
    head: `<link rel="stylesheet" href="/nm/intro.js/minified/introjs.min.css">`,
    body: `<script src="/nm/intro.js/minified/intro.min.js"></script><script>introJs.tour().setOptions({ steps: ${js(STEPS)}.map((s) => ({ element: document.querySelector(s.selector), title: s.title, intro: s.body })) }).start();</script>`,
    visible: () => document.querySelector(".introjs-tooltip"),
  },
};

const server = await serveStatic((req, res) => {
  const url = new URL(req.url, "http://x");
  const lib = url.pathname.match(/^\/peer\/([^/]+)\/(.*)$/);
  const nm = url.pathname.startsWith("/nm/") ? url.pathname.slice(4) : null;
  const dist = warm && url.pathname.startsWith("/dist/");
  const rel = lib ? path.join("startbootstrap-sb-admin-2", lib[2] || "index.html") : nm;
  if (rel === null && !dist) return false;
  const file = dist ? path.join(root, url.pathname) : path.join(root, "node_modules", decodeURIComponent(rel));
  if (!file.startsWith(path.join(root, dist ? "dist" : "node_modules")) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404);
    res.end();
    return true;
  }
  let body = fs.readFileSync(file);
  if (lib && file.endsWith(".html")) {
    const l = LIBRARIES[decodeURIComponent(lib[1])];
    body = body.toString().replace("</head>", `${l.head}</head>`).replace("</body>", `${l.body}</body>`);
  }
  const cache = warm && !(lib && file.endsWith(".html")) ? "max-age=3600" : "no-store";
  res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream", "cache-control": cache });
  res.end(body);
  return true;
});
const browser = await launch();
const rows = Object.fromEntries(Object.keys(LIBRARIES).map((k) => [k, []]));

async function measure(name) {
  const l = LIBRARIES[name];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  if (l.visible) {
    await page.addInitScript((src) => {
      const visible = new Function(`return (${src})()`);
      const tick = () => {
        const e = visible();
        const r = e?.getBoundingClientRect();
        if (r && r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden") window.__visibleAt = performance.now();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, l.visible.toString());
  }
  const url = `${server.base}/peer/${encodeURIComponent(name)}/index.html`;
  if (warm) {
    await page.goto(url);
    if (l.visible) await page.waitForFunction(() => window.__visibleAt !== undefined, null, { timeout: 60000 });
    await page.waitForLoadState("load");
    await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
  }
  await page.goto(url);
  let visibleAt = null;
  if (l.visible) {
    await page.waitForFunction(() => window.__visibleAt !== undefined, null, { timeout: 60000 });
    visibleAt = await page.evaluate(() => window.__visibleAt);
  } else {
    await page.waitForLoadState("load");
  }
  // The dashboard's charts animate after load (Chart.js 2): scroll once they are done, so
  // that the frames measure the tour, not the charts.
  await page.waitForFunction(() => window.Chart && Chart.animationService.animations.length === 0 && document.readyState === "complete", null, { timeout: 60000 });
  const task = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration").value;
  const before = await task();
  // 60 frames of scrolling, 8 px each (the dashboard is taller than the viewport).
  await page.evaluate(() => new Promise((done) => {
    let n = 0;
    const frame = () => {
      window.scrollBy(0, n < 30 ? 8 : -8);
      if (++n < 60) requestAnimationFrame(frame);
      else requestAnimationFrame(() => done());
    };
    requestAnimationFrame(frame);
  }));
  const scrollMs = ((await task()) - before) * 1000;
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = (await cdp.send("Runtime.getHeapUsage")).usedSize / 1048576;
  await context.close();
  return { visibleAt, scrollMs, heap };
}

try {
  for (let i = 0; i < runs; i++) {
    for (const name of Object.keys(LIBRARIES)) rows[name].push(await measure(name));
  }
} finally {
  await browser.close();
  await server.close();
}

const median = (v) => { const s = v.filter((x) => x !== null).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
const base = { scroll: median(rows.none.map((r) => r.scrollMs)), heap: median(rows.none.map((r) => r.heap)) };
console.log(`peer benchmark: SB Admin 2 dashboard, 3-step tour, ${runs} runs each (localhost, ${warm ? "second page view, warm HTTP cache, storage cleared" : "cold cache"}, 1280×800), medians`);
console.log("library       first step visible   scroll main thread (60 frames)   JS heap");
for (const [name, r] of Object.entries(rows)) {
  const v = median(r.map((x) => x.visibleAt));
  const s = median(r.map((x) => x.scrollMs));
  const h = median(r.map((x) => x.heap));
  console.log(
    `${name.padEnd(13)} ${(v === null ? "—" : `${v.toFixed(0)} ms`).padStart(18)}   ${`${s.toFixed(1)} ms (${(s / base.scroll).toFixed(2)}×)`.padStart(30)}   ${h.toFixed(2)} MB (${h - base.heap >= 0 ? "+" : ""}${(h - base.heap).toFixed(2)})`,
  );
}
