// Publish, don't deploy: guides published through the collector's guide store reach the
// embed on the next page view, new versions follow their frequency rules, unpublished
// guides stop, and with the collector down the cached copy still works while records queue.
// The page comes from a static server on another origin than the collector (as a customer's
// app would), so the config and the records cross origins (`--allow-origin`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serveStatic, launch, openPage, dialog, events, settled, startCollector } from "./harness.mjs";

const ADMIN = "demo-admin-key";
const WRITE = "demo-write-key";
let app, collector, base, browser, tmp;

/** Starts the collector on `port` (the same one again after a stop: pages keep its URL). */
async function startStore(port) {
  collector = await startCollector(["--db", path.join(tmp, "store.db"), "--www", "www", "--dist", "dist",
    "--admin-key", ADMIN, "--write-key", WRITE, "--write-key", "demo-staging-key=staging", "--allow-origin", app.base], port);
  base = collector.base;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guidepost-store-"));
  app = await serveStatic();
  await startStore();
  browser = await launch();
});
after(async () => { await browser?.close(); await collector?.stop(); await app?.close(); if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

/** An authoring call with the admin key; answers the parsed JSON and checks the status. */
async function api(method, url, body, status = 200) {
  const r = await fetch(base + url, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", "x-guidepost-author": "e2e" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  assert.equal(r.status, status, `${method} ${url}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function publish(guide, environment = "production") {
  await api("PUT", `/v1/guides/${guide.id}/draft`, guide);
  return api("POST", `/v1/guides/${guide.id}/publish`, { environment });
}

// Each test's guides target that test's users only (the store is shared by the file).
const tip = (id, title, frequency, group) => ({
  id, name: id, trigger: { type: "page_view" }, frequency, audience: { trait: "group", op: "eq", value: group },
  steps: [{ id: "only", kind: "modal", title, body: "Published from the guide store." }],
});

/** A page of the customer's app (another origin) set up with the store's endpoint. */
async function visit(context, user, group) {
  const { page } = await openPage(browser, `${app.base}/lab/lab.html`, { context });
  await page.evaluate(([endpoint, key, user, group]) => { Guidepost.init({ endpoint, writeKey: key }); Guidepost.identify(user, { group }); }, [base, WRITE, user, group]);
  return page;
}

test("a guide published through the API shows on the next page view", async () => {
  const v = await publish(tip("store-hello", "Hello from the store", { type: "times", n: 5 }, "hello"));
  assert.equal(v.version, 1);
  const context = await browser.newContext();
  const page = await visit(context, "store-user-1", "hello");
  await dialog(page).getByRole("heading", { name: "Hello from the store" }).waitFor();
  const shown = (await events(page)).find((e) => e.kind === "guide_shown");
  assert.equal(shown.guide_version, 1);
  await context.close();
});

test("a new version reaches returning users according to its frequency", async () => {
  // Two audiences: a guide shown up to 5 times, and a guide shown once.
  await publish(tip("store-often", "Often v1", { type: "times", n: 5 }, "often"));
  await publish(tip("store-once", "Once v1", { type: "once" }, "once"));
  const context = await browser.newContext();
  for (const [user, group, title] of [["store-user-2a", "often", "Often v1"], ["store-user-2b", "once", "Once v1"]]) {
    const page = await visit(context, user, group);
    await dialog(page).getByRole("heading", { name: title }).waitFor();
    await page.keyboard.press("Escape");
    await dialog(page).waitFor({ state: "detached" });
    await page.close();
  }
  const two = await publish(tip("store-often", "Often v2", { type: "times", n: 5 }, "often"));
  await publish(tip("store-once", "Once v2", { type: "once" }, "once"));
  assert.equal(two.version, 2);
  let page = await visit(context, "store-user-2a", "often");
  await dialog(page).getByRole("heading", { name: "Often v2" }).waitFor();
  assert.equal((await events(page)).find((e) => e.kind === "guide_shown").guide_version, 2);
  await page.close();
  // "once" was used up by version 1: version 2 does not show to this user.
  page = await visit(context, "store-user-2b", "once");
  await settled(page);
  await page.waitForFunction(async () => (await Guidepost.debug()).some((g) => g.guide_id === "store-once"));
  assert.equal(await dialog(page).count(), 0);
  const once = (await page.evaluate(() => Guidepost.debug())).find((g) => g.guide_id === "store-once");
  assert.equal(once.eligible, false, JSON.stringify(once));
  await context.close();
});

test("an unpublished guide stops on the next page view, even with a cached copy", async () => {
  const G = "unpublish";
  await publish(tip("store-gone", "Soon gone", { type: "times", n: 5 }, G));
  const context = await browser.newContext();
  let page = await visit(context, "store-user-3", G);
  await dialog(page).getByRole("heading", { name: "Soon gone" }).waitFor();
  await page.keyboard.press("Escape");
  await api("POST", "/v1/guides/store-gone/unpublish", { environment: "production" });
  await page.close();
  // The next page view starts from the cached copy, which still lists the guide.
  page = await visit(context, "store-user-3", G);
  await settled(page);
  await page.waitForFunction(async () => !(await Guidepost.debug()).some((g) => g.guide_id === "store-gone"));
  assert.equal(await dialog(page).getByRole("heading", { name: "Soon gone" }).count(), 0);
  assert.ok(!(await events(page)).some((e) => e.guide_id === "store-gone"), "never shown again");
  await context.close();
});

test("with the collector down, the cached guides still show and records queue", async () => {
  const G = "offline";
  await publish(tip("store-offline", "Works offline", { type: "times", n: 5 }, G));
  const context = await browser.newContext();
  let page = await visit(context, "store-user-4", G);
  await dialog(page).getByRole("heading", { name: "Works offline" }).waitFor();
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")));
  await page.close();
  const port = collector.port;
  await collector.stop();
  try {
    page = await visit(context, "store-user-4", G);
    await dialog(page).getByRole("heading", { name: "Works offline" }).waitFor();
    const reported = await page.evaluate(() => window.__errors.map((e) => e.source));
    assert.ok(reported.includes("config"), `the unreachable store is reported: ${reported}`);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")));
  } finally {
    await startStore(port);
  }
  // Back up: the queue drains into the store's collector.
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")), null, { timeout: 30000 });
  await context.close();
});

test("a user in the middle of a tour keeps the version they started", async () => {
  const tour = (v) => ({
    ...tip("store-tour", `One ${v}`, { type: "times", n: 5 }, "tour"),
    steps: [{ id: "one", kind: "modal", title: `One ${v}` }, { id: "two", kind: "modal", title: `Two ${v}` }],
  });
  await publish(tour("v1"));
  const context = await browser.newContext();
  let page = await visit(context, "store-user-5", "tour");
  await dialog(page).getByRole("heading", { name: "One v1" }).waitFor();
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "Two v1" }).waitFor();
  await publish(tour("v2"));
  await page.close();
  // The next page views resume the tour at its step, in the version it started with, also
  // once the cached copy of the published guides holds version 2.
  page = await visit(context, "store-user-5", "tour");
  await dialog(page).getByRole("heading", { name: "Two v1" }).waitFor();
  await page.waitForFunction(() => (localStorage.getItem("guidepost:config") || "").includes("Two v2"));
  await page.close();
  page = await visit(context, "store-user-5", "tour");
  await dialog(page).getByRole("heading", { name: "Two v1" }).waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  const done = (await events(page)).find((e) => e.kind === "guide_completed");
  assert.equal(done.guide_version, 1);
  await context.close();
});
