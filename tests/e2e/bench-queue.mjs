// Delivery-queue benchmark (not a test: prints figures for BENCHMARKS.md, asserts nothing).
// Main-thread time of one guide start + end (3 records queued) with N records already
// waiting offline, and the bytes the queue then holds in localStorage.
// Usage: node tests/e2e/bench-queue.mjs [runs]   (needs dist/ built)
import { serveStatic, launch } from "./harness.mjs";

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) || 7);
const server = await serveStatic((req, res) => {
  if (!req.url.startsWith("/collect/")) return false;
  res.writeHead(503, { "content-type": "application/json" });
  res.end('{"error":"down"}');
  return true;
});
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const queued of [0, 1000, 5000]) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.base}/lab/lab.html`);
      await page.evaluate((n) => {
        for (let j = 0; j < n; j++) {
          const r = { event_id: "old-" + j, kind: "guide_shown", guide_id: "g", guide_version: 1, user_id: "u", session_id: "s", timestamp: 1795435200000 + j, url: "/lab/lab.html" };
          localStorage.setItem("guidepost:q:old-" + j, JSON.stringify(r));
        }
      }, queued);
      await page.reload();
      const g = [{ id: "b", name: "b", trigger: { type: "manual" }, frequency: { type: "times", n: 1000 }, steps: [{ id: "s", kind: "modal", title: "Bench" }] }];
      await page.evaluate((g) => new Promise((r) => { Guidepost.init({ guides: g, endpoint: location.origin + "/collect", writeKey: "wk" }); Guidepost.on("ready", r); }), g);
      const ms = await page.evaluate(() => {
        const t0 = performance.now();
        Guidepost.start("b");
        Guidepost.end();
        return performance.now() - t0;
      });
      times.push(ms);
      bytes = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("guidepost:q:")).reduce((s, k) => s + k.length + localStorage.getItem(k).length, 0));
      await context.close();
    }
    console.log(`queue ${queued} records seeded: start+end median ${median(times).toFixed(2)} ms (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}), queue then holds ${(bytes / 1024).toFixed(0)} KB`);
  }
} finally {
  await browser.close();
  await server.close();
}
