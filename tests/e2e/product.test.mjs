// The whole product: the demo app served by the real collector (`guidepost serve`, fresh SQLite
// database), the wasm engine in Chromium, records delivered over HTTP (including after going
// offline), and the funnel read back from the report API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch, dialog, collectorBin, startCollector } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let collector, base, browser, tmp;

function allGuideFiles() {
  return fs.readdirSync(path.join(root, "guides")).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json")).map((f) => path.join("guides", f));
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guidepost-product-"));
  // The demo app loads what the guide store publishes: the example guides, as run.sh does.
  const imported = spawnSync(collectorBin(), ["import", "--db", path.join(tmp, "events.db"), "--publish", "staging,production", ...allGuideFiles()], { cwd: root, stdio: "inherit" });
  assert.equal(imported.status, 0, "guidepost import");
  collector = await startCollector(["--db", path.join(tmp, "events.db"), "--www", "www", "--dist", "dist", "--guides", "guides"]);
  base = collector.base;
  browser = await launch();
});
after(async () => { await browser?.close(); await collector?.stop(); if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

async function funnel(id) {
  const r = await fetch(`${base}/v1/guides/${id}/funnel`, { headers: { authorization: "Bearer demo-read-key" } });
  assert.equal(r.status, 200);
  return r.json();
}

async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test("records reach the collector, survive going offline, and show up in the funnel", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/index.html?user=ada-admin`);
  const d = dialog(page);
  await d.getByRole("button", { name: "Start the tour" }).click();
  await d.getByRole("heading", { name: "Your reports live here" }).waitFor();
  await waitFor(async () => (await funnel("onboarding-tour")).steps.some((s) => s.step_id === "sidebar" && s.viewed_users === 1), 15000, "the first records");

  // Offline: the user goes on and quits on the next step; the records wait in localStorage.
  await context.setOffline(true);
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("heading", { name: "Export in one click" }).waitFor({ timeout: 10000 }).catch(() => {});
  await page.keyboard.press("Escape");
  const queuedKinds = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("guidepost:q:")).map((k) => JSON.parse(localStorage.getItem(k)).kind));
  const queued = await waitFor(async () => { const q = await queuedKinds(); return q.includes("guide_dismissed") || q.includes("guide_abandoned") ? q : null; }, 10000, "the exit record queued while offline");
  assert.ok(queued.length > 0);
  let f = await funnel("onboarding-tour");
  assert.equal(f.exits.dismissed ?? 0, 0, "nothing delivered while offline");

  // Back online: the queue drains and each record arrives once.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  f = await waitFor(async () => { const x = await funnel("onboarding-tour"); return (x.exits.dismissed || x.exits.target_missing) ? x : null; }, 20000, "the offline records");
  // The collector stores before it answers: the queue empties once the answer is in.
  await waitFor(() => page.evaluate(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:"))), 10000, "an empty queue after delivery");
  assert.equal(f.shown_users, 1);
  const welcome = f.steps.find((s) => s.step_id === "welcome");
  const sidebar = f.steps.find((s) => s.step_id === "sidebar");
  assert.deepEqual([welcome.viewed_users, welcome.completed_users, sidebar.viewed_users, sidebar.completed_users], [1, 1, 1, 1]);
  await context.close();
});

test("the guides served by the collector are the example guides, and a bad key is refused", async () => {
  const guides = await (await fetch(`${base}/guides.json`)).json();
  const ids = guides.map((g) => g.id).sort();
  assert.deepEqual(ids, ["billing-banner", "export-hotspot", "nps-survey", "onboarding-tour", "setup-checklist"]);
  const r = await fetch(`${base}/v1/events`, { method: "POST", body: JSON.stringify({ writeKey: "wrong", batch: [{}] }) });
  assert.ok(r.status === 401 || r.status === 400, `status ${r.status}`);
  const read = await fetch(`${base}/v1/guides/onboarding-tour/funnel`, { headers: { authorization: "Bearer demo-write-key" } });
  assert.ok(read.status === 401 || read.status === 403);
});

test("long page URLs do not lose the batch: records are cut to the collector's limits", async () => {
  // 3 of 100 records had a URL over 2,048 characters: the collector refused the batch and
  // the client dropped all 100.
  const context = await browser.newContext();
  await context.addInitScript(() => { window.GUIDEPOST_MANUAL_INIT = true; });
  const page = await context.newPage();
  await page.goto(`${base}/index.html?pad=${"x".repeat(3000)}`);
  const g = { id: "long-url", name: "long-url", trigger: { type: "manual" }, steps: [{ id: "only", kind: "modal", title: "Long URL" }] };
  await page.evaluate((g) => {
    Guidepost.init({ guides: [g], endpoint: location.origin, writeKey: "demo-write-key" });
    Guidepost.identify("long-url-user", {});
    Guidepost.start("long-url");
  }, g);
  await dialog(page).getByRole("heading", { name: "Long URL" }).waitFor();
  await page.keyboard.press("Escape");
  const f = await waitFor(async () => { const x = await funnel("long-url"); return x.exits.dismissed === 1 ? x : null; }, 15000, "the records of a page with a long URL");
  assert.equal(f.shown_users, 1);
  await context.close();
});
