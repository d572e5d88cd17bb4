// Goals and holdouts, end to end: guides published to a real collector; the embed holds a
// user out (never shows the guide, records guide_held_out once), reports a goal reached
// after an exposure, and the collector's goal report attributes it to the right group.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serveStatic, launch, openPage, dialog, events, settled, startCollector } from "./harness.mjs";

const ADMIN = "goal-admin", WRITE = "goal-write", READ = "goal-read";
let app, collector, browser, tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guidepost-goals-"));
  app = await serveStatic();
  collector = await startCollector(["--db", path.join(tmp, "goals.db"), "--www", "www", "--dist", "dist", "--admin-key", ADMIN,
    "--write-key", WRITE, "--read-key", READ, "--allow-origin", app.base]);
  browser = await launch();
});
after(async () => { await browser?.close(); await collector?.stop(); await app?.close(); if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

async function api(method, url, body) {
  const r = await fetch(collector.base + url, { method, headers: { authorization: `Bearer ${method === "GET" ? READ : ADMIN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  assert.equal(r.status, 200, `${method} ${url}: ${text}`);
  return JSON.parse(text);
}

async function publish(guide) {
  await api("PUT", `/v1/guides/${guide.id}/draft`, guide);
  await api("POST", `/v1/guides/${guide.id}/publish`, { environment: "production" });
}

// "held": everyone but one user in ten thousand is held out; "treat": no holdout. Both name
// the same goal, an "exported" event with a CSV format.
const goal = { event: "exported", where: [{ property: "format", op: "eq", value: "csv" }], within_days: 7 };
const modal = (id, title, priority, extra) => ({ id, name: id, priority, trigger: { type: "page_view" }, frequency: { type: "once" },
  audience: { trait: "cohort", op: "eq", value: "goals" }, goal, ...extra, steps: [{ id: "only", kind: "modal", title, body: "Body" }] });

async function visit(context, user) {
  const { page, errors } = await openPage(browser, `${app.base}/lab/lab.html`, { context });
  await page.evaluate(([endpoint, key, user]) => { Guidepost.init({ endpoint, writeKey: key }); Guidepost.identify(user, { cohort: "goals" }); },
    [collector.base, WRITE, user]);
  return { page, errors };
}

/** Waits until the page's outgoing queue is empty: the collector acknowledged every record. */
async function drained(page) {
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("guidepost:q:")));
}

/** Checks the collector's goal report for `guide`: { group: [exposed, converted] }. */
async function report(guide, want) {
  const r = await api("GET", `/v1/guides/${guide}/goals`);
  assert.deepEqual(Object.fromEntries(r.groups.map((g) => [g.group, [g.exposed_users, g.converted_users]])), want, `goal report of ${guide}`);
  return r;
}

test("a held-out user never sees the guide, is counted once, and their goal is attributed", async () => {
  await publish(modal("held", "Held guide", 10, { holdout: 99.99 }));
  await publish(modal("treat", "Treated guide", 1));
  const context = await browser.newContext();
  const { page, errors } = await visit(context, "goal-user-1");
  // "held" has the higher priority: held out where it would have shown, then "treat" shows.
  await dialog(page).getByRole("heading", { name: "Treated guide" }).waitFor();
  let ev = await events(page);
  assert.deepEqual(ev.filter((e) => e.guide_id === "held").map((e) => e.kind), ["guide_held_out"]);
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  // A non-matching event is not a goal; the matching one reaches both guides' goals, once.
  await page.evaluate(() => { Guidepost.track("exported", { format: "pdf" }); Guidepost.track("opened"); });
  await page.evaluate(() => { Guidepost.track("exported", { format: "csv" }); Guidepost.track("exported", { format: "csv" }); });
  ev = await events(page);
  assert.deepEqual(ev.filter((e) => e.kind === "goal_reached").map((e) => e.guide_id).sort(), ["held", "treat"]);
  // The next page view: the held-out user stays out, and is not recorded again.
  await page.reload();
  await page.evaluate(([endpoint, key]) => { Guidepost.init({ endpoint, writeKey: key }); Guidepost.identify("goal-user-1", { cohort: "goals" }); },
    [collector.base, WRITE]);
  await settled(page);
  assert.equal(await dialog(page).count(), 0);
  const after = await events(page);
  assert.deepEqual(after.filter((e) => e.guide_id === "held").map((e) => e.kind), [], "nothing recorded again after a reload");
  // The collector attributes the goal to each guide's exposure.
  await drained(page);
  const held = await report("held", { held_out: [1, 1] });
  assert.equal(held.goal.event, "exported");
  await report("treat", { shown: [1, 1] });
  assert.deepEqual(errors, []);
  await context.close();
});

test("track() of events no goal names sends nothing to the collector", async () => {
  const context = await browser.newContext();
  const { page } = await visit(context, "goal-user-2");
  await dialog(page).getByRole("heading", { name: "Treated guide" }).waitFor();
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/v1/events")) posts.push(r.postData() || ""); });
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  // The dismissal's record is delivered; the tracked events that no goal names never are.
  await page.evaluate(() => { for (let i = 0; i < 50; i++) Guidepost.track("scrolled", { i }); });
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "guide_dismissed"));
  await drained(page);
  await report("treat", { shown: [2, 1] });
  assert.ok(!posts.some((p) => p.includes("scrolled")), "no tracked event reached the collector");
  await context.close();
});
