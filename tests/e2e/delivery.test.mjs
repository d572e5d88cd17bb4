// Delivery of analytics records: the localStorage queue, retry with backoff, offline and tab close.
// A tiny collector stand-in inside the test server answers `${endpoint}/v1/events` and can be told
// to fail; it records every batch so the tests can check that each record arrives.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, guide } from "./harness.mjs";

let server, browser;
const collector = { failNext: 0, requests: [], accepted: [] };

before(async () => {
  server = await serveStatic((req, res) => {
    if (!req.url.startsWith("/collect/v1/events")) return false;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const entry = { contentType: req.headers["content-type"], key: new URL(req.url, "http://x").searchParams.get("key"), body, status: 200 };
      if (collector.failNext > 0) {
        collector.failNext -= 1;
        entry.status = 503;
      } else {
        collector.accepted.push(JSON.parse(body));
      }
      collector.requests.push(entry);
      res.writeHead(entry.status, { "content-type": "application/json" });
      res.end(entry.status === 200 ? '{"accepted":true}' : '{"error":"unavailable"}');
    });
    return true;
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

const reset = (failNext = 0) => Object.assign(collector, { failNext, requests: [], accepted: [] });
const acceptedIds = () => collector.accepted.flatMap((b) => b.batch.map((r) => r.event_id));
/** Which of `ids` the collector accepted. (Not all it accepted: a late resend of an earlier
 * test's page can arrive after `reset()`, which made "nothing accepted" fail under load.) */
const acceptedOf = (ids) => acceptedIds().filter((id) => ids.includes(id));
// Started by `start()` alone: the tests decide when (online or offline) it shows.
const tour = [guide("delivery", [{ id: "hello", kind: "modal", title: "Hello", body: "A modal step." }], { trigger: { type: "manual" } })];

async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Opens the lab page with an endpoint, runs a one-step guide and dismisses it (3 records);
 * with `offline`, the browser goes offline once the overlay module is in (`prefetchOverlay`),
 * before the guide starts. */
async function runGuide(page, offline) {
  await page.evaluate(([g, endpoint]) => Guidepost.init({ guides: g, endpoint, writeKey: "wk_test", prefetchOverlay: true }), [tour, `${server.base}/collect`]);
  await page.locator("guidepost-root").waitFor({ state: "attached" });
  if (offline) await offline.setOffline(true);
  await page.evaluate(() => {
    Guidepost.identify("delivery-user", {});
    Guidepost.start("delivery");
  });
  await page.locator("guidepost-root [role=dialog]").waitFor();
  await page.keyboard.press("Escape");
  await page.locator("guidepost-root [role=dialog]").waitFor({ state: "detached" });
  await waitFor(async () => (await page.evaluate(() => window.__events.length)) >= 3, 5000, "three records");
  return page.evaluate(() => window.__events.map((e) => e.event_id));
}

/** The event ids waiting in the queue (one localStorage key per record). */
const queued = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("guidepost:q:")).map((k) => JSON.parse(localStorage.getItem(k)).event_id));

test("records are posted as {batch} with the write key in the query and leave the queue once accepted", async () => {
  reset();
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`);
  const ids = await runGuide(page);
  await waitFor(() => acceptedOf(ids).length >= ids.length, 10000, "delivery");
  await waitFor(async () => (await queued(page)).length === 0, 5000, "an empty queue");
  assert.deepEqual([...acceptedOf(ids)].sort(), [...ids].sort());
  for (const r of collector.requests) assert.equal(r.key, "wk_test");
  // text/plain keeps the request "simple" (no CORS preflight), like sendBeacon.
  assert.match(collector.requests[0].contentType, /^text\/plain/);
  const kindsSent = collector.accepted.flatMap((b) => b.batch.map((r) => r.kind));
  assert.deepEqual(kindsSent.sort(), ["guide_dismissed", "guide_shown", "step_viewed"]);
  await context.close();
});

test("a failing collector is retried with backoff and every record arrives exactly once", async () => {
  reset(2); // the first two requests get 503
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`);
  const ids = await runGuide(page);
  // While the collector fails, the records wait in localStorage.
  await waitFor(() => collector.requests.length >= 1, 5000, "the first attempt");
  assert.deepEqual(acceptedOf(ids), []);
  assert.deepEqual([...(await queued(page))].sort(), [...ids].sort());
  // Backoff: 2 s, then 4 s.
  const started = Date.now();
  await waitFor(() => acceptedOf(ids).length >= ids.length, 20000, "delivery after retries");
  assert.ok(Date.now() - started >= 1500, "retries are spaced out, not immediate");
  assert.ok(collector.requests.length >= 3);
  const got = acceptedOf(ids);
  assert.equal(new Set(got).size, got.length, "no record is accepted twice");
  assert.deepEqual([...got].sort(), [...ids].sort());
  await waitFor(async () => (await queued(page)).length === 0, 5000, "an empty queue");
  await context.close();
});

test("offline: records survive going offline and are sent when the browser is back online", async () => {
  reset();
  const { page, context } = await openPage(browser, `${server.base}/lab/lab.html`);
  const ids = await runGuide(page, context);
  // The failed send is reported (once): a deterministic sign that delivery was tried.
  await page.waitForFunction(() => window.__errors.some((e) => e.source === "delivery"));
  assert.deepEqual(acceptedOf(ids), []);
  assert.deepEqual([...(await queued(page))].sort(), [...ids].sort());
  await context.setOffline(false);
  await waitFor(() => acceptedOf(ids).length >= ids.length, 15000, "delivery after going online");
  const got = acceptedOf(ids);
  assert.equal(new Set(got).size, got.length, "no record is accepted twice");
  assert.deepEqual([...got].sort(), [...ids].sort());
  await context.close();
});

test("offline tab close loses nothing: the next visit delivers what was queued", async () => {
  reset();
  const context = await browser.newContext();
  await context.addInitScript(() => { window.__events = []; });
  let page = await context.newPage();
  await page.goto(`${server.base}/lab/lab.html`);
  await page.waitForFunction(() => window.Guidepost && window.Guidepost.on);
  await page.evaluate(() => Guidepost.on("event", (e) => window.__events.push(e)));
  const ids = await runGuide(page, context);
  assert.deepEqual([...(await queued(page))].sort(), [...ids].sort());
  const next = await context.newPage();
  // The tab closes while offline (pagehide -> beacon, which fails).
  await Promise.all([page.waitForEvent("close"), page.close({ runBeforeUnload: true })]);
  assert.deepEqual(acceptedOf(ids), []);
  await context.setOffline(false);
  page = next;
  await page.goto(`${server.base}/lab/lab.html`);
  await page.evaluate((endpoint) => Guidepost.init({ guides: [], endpoint, writeKey: "wk_test" }), `${server.base}/collect`);
  await waitFor(() => new Set(acceptedOf(ids)).size >= ids.length, 15000, "delivery on the next visit");
  // The collector dedupes by event_id, so a resend is harmless; what matters is that none is lost.
  assert.deepEqual([...new Set(acceptedOf(ids))].sort(), [...ids].sort());
  await waitFor(async () => (await queued(page)).length === 0, 5000, "an empty queue");
  await context.close();
});
