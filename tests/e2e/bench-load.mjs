// Load-time benchmark (not a test: prints figures for BENCHMARKS.md, asserts nothing).
// For each run: a fresh browser context opens the demo dashboard as a user who gets the welcome
// guide; it reports when guidepost.js and the wasm finished downloading and when the first
// dialog appeared in the overlay's shadow root, all relative to navigation start.
// Usage: node tests/e2e/bench-load.mjs [runs] [--slow]   (needs dist/ built)
import { serveStatic, launch } from "./harness.mjs";

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) || 7);
// --slow: emulate a slow mobile link (150 ms RTT, 1.6 Mbit/s down), like DevTools' "Fast 3G".
const slow = process.argv.includes("--slow");
const server = await serveStatic();
const browser = await launch();
const rows = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    if (slow) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 });
    }
    await page.addInitScript(() => {
      const tick = () => {
        const d = document.querySelector("guidepost-root")?.shadowRoot?.querySelector("[role=dialog]");
        if (d) window.__dialogAt = performance.now();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.goto(`${server.base}/index.html?user=ada-admin`);
    await page.waitForFunction(() => window.__dialogAt !== undefined, null, { timeout: 60000 });
    rows.push(await page.evaluate(() => {
      const res = (s) => performance.getEntriesByType("resource").find((e) => e.name.includes(s));
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        domContentLoaded: nav.domContentLoadedEventEnd,
        js: res("guidepost.js")?.responseEnd,
        wasm: res("guidepost_bg.wasm")?.responseEnd,
        dialog: window.__dialogAt,
      };
    }));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
const median = (k) => { const v = rows.map((r) => r[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
console.log(`runs: ${runs} (localhost, ${slow ? "150 ms RTT, 1.6 Mbit/s" : "no throttling"}, cold cache each run)`);
for (const k of ["domContentLoaded", "js", "wasm", "dialog"]) console.log(`${k.padEnd(17)} median ${median(k).toFixed(0)} ms  [${rows.map((r) => r[k].toFixed(0)).join(", ")}]`);
