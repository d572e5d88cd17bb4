// The collector's dashboard in headless Chromium, against a real collector (the
// `guidepost serve` binary with a fresh SQLite database) fed through its ingest API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const T0 = Date.UTC(2026, 10, 20, 12); // 2026-11-20 12:00 UTC
const DAY = 86_400_000;
let collector, base, browser, tmp;

function bin() {
  if (process.env.GUIDEPOST_BIN) return process.env.GUIDEPOST_BIN;
  const r = spawnSync("cargo", ["build", "-q", "-p", "guidepost-collector", "--bin", "guidepost"], { cwd: root, stdio: "inherit" });
  assert.equal(r.status, 0, "cargo build of the collector");
  return path.join(root, "target/debug/guidepost");
}

// One user's journey through the 3-step "tour": views steps, completes `done` of them,
// then ends with `end` ("completed", "dismissed", ...) at the step they stopped on.
function journey(user, done, end, { variant = "A", day = 0, version = 1 } = {}) {
  const steps = ["welcome", "sidebar", "export"];
  const base = { guide_id: "tour", guide_version: version, user_id: user, session_id: "s-" + user, url: "/", variant };
  let t = T0 + day * DAY;
  const out = [{ ...base, event_id: user + "-shown", kind: "guide_shown", timestamp: t }];
  for (let i = 0; i < 3; i++) {
    t += 1000;
    out.push({ ...base, event_id: `${user}-v${i}`, kind: "step_viewed", step_id: steps[i], step_index: i, timestamp: t });
    if (i < done) {
      out.push({ ...base, event_id: `${user}-c${i}`, kind: "step_completed", step_id: steps[i], step_index: i, timestamp: t + 500, duration_ms: 2000 });
    } else {
      if (end) out.push({ ...base, event_id: `${user}-end`, kind: end === "dismissed" ? "guide_dismissed" : "guide_abandoned", reason: end, step_id: steps[i], step_index: i, timestamp: t + 600 });
      return out;
    }
  }
  out.push({ ...base, event_id: `${user}-end`, kind: "guide_completed", reason: "completed", step_id: "export", step_index: 2, timestamp: t + 700 });
  return out;
}

function nps(user, score, choice) {
  return { event_id: "nps-" + user, kind: "survey_answered", guide_id: "nps", guide_version: 1, step_id: "q", step_index: 0,
    user_id: user, session_id: "s-" + user, url: "/", timestamp: T0, answer: { score, choice } };
}

before(async () => {
  const exe = bin();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guidepost-dash-"));
  collector = spawn(exe, ["serve", "--addr", "127.0.0.1:0", "--db", path.join(tmp, "e.db"), "--www", path.join(root, "www"),
    "--write-key", "wk", "--read-key", "rk", "--admin-key", "ak"], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  base = await new Promise((resolve, reject) => {
    let err = "";
    collector.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/http:\/\/[0-9.]+:\d+/);
      if (m) resolve(m[0]);
    });
    collector.on("exit", (c) => reject(new Error("collector exited " + c + ": " + err)));
  });
  const batch = [
    ...journey("a1", 3, null), ...journey("a2", 3, null), ...journey("a3", 1, "dismissed"), ...journey("a4", 0, "target_missing"),
    ...journey("b1", 3, null, { variant: "B", day: 2, version: 2 }), ...journey("b2", 2, "navigated_away", { variant: "B", day: 2, version: 2 }),
    nps("p1", 10, "speed"), nps("p2", 9, "speed"), nps("p3", 3, "price"), nps("p4", 8),
    // The experiment: three users held out; goals reached by a1, a2 (variant A), b1 (B) and
    // h1 (held out) within the window, h2's too late (8 days), a3's before being shown.
    ...["h1", "h2", "h3"].map((u) => ({ event_id: u + "-held", kind: "guide_held_out", guide_id: "tour", guide_version: 1, user_id: u,
      session_id: "s-" + u, url: "/", timestamp: T0 })),
    ...[["a1", 1], ["a2", 2], ["b1", 3], ["h1", 1], ["h2", 8], ["a3", -1]].map(([u, d]) => ({ event_id: u + "-goal", kind: "goal_reached",
      guide_id: "tour", guide_version: 1, user_id: u, session_id: "s-" + u, url: "/", timestamp: T0 + d * DAY })),
  ];
  const r = await fetch(base + "/v1/events?key=wk", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ batch }) });
  assert.equal(r.status, 200, await r.text());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  collector?.kill("SIGINT");
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function open() {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base + "/dashboard/?key=rk");
  await page.locator("#steps tbody tr").first().waitFor();
  return { page, errors };
}

test("guides list shows completion rates", async () => {
  const { page, errors } = await open();
  const row = (id) => page.locator(`#guides tr[data-guide="${id}"] td`);
  // tour: 6 shown, 3 completed (a1, a2, b1).
  assert.deepEqual(await row("tour").allTextContents(), ["tour", "6", "3", "50.0%", "1, 2"]);
  assert.equal((await row("nps").allTextContents())[0], "nps");
  assert.deepEqual(errors, []);
  await page.close();
});

test("step funnel shows where users dropped off and why", async () => {
  const { page, errors } = await open();
  const cells = async (step) => page.locator(`#steps tr[data-step="${step}"] td`).allTextContents();
  // [#, step, viewed, completed, dropped, rate, why, median, health]
  const welcome = await cells("welcome");
  assert.deepEqual(welcome.slice(0, 7), ["1", "welcome", "6", "5", "1", "16.7%", "target missing 1"]);
  const sidebar = await cells("sidebar");
  assert.deepEqual(sidebar.slice(2, 7), ["5", "4", "1", "20.0%", "dismissed 1"]);
  const exp = await cells("export");
  assert.deepEqual(exp.slice(2, 7), ["4", "3", "1", "25.0%", "navigated away 1"]);
  assert.match(welcome[7], /2(\.\d)? s/, "median time on step");
  // The SVG bars carry the same split.
  const bar = page.locator('#funnel g[data-step="sidebar"] rect[data-reason="dismissed"]');
  assert.equal(await bar.getAttribute("data-users"), "1");
  const done = page.locator('#funnel g[data-step="welcome"] rect.completed');
  assert.equal(await done.getAttribute("data-users"), "5");
  const w1 = Number(await done.getAttribute("width"));
  const w2 = Number(await page.locator('#funnel g[data-step="export"] rect.completed').getAttribute("width"));
  assert.ok(w1 > w2, `bars are proportional: ${w1} > ${w2}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("filters by variant, version and date", async () => {
  const { page } = await open();
  const shown = () => page.locator("#summary .shown b").textContent();
  assert.equal(await shown(), "6");
  // (filter field, value, users shown)
  const cases = [["#variant", "B", "2"], ["#variant", "", "6"], ["#version", "1", "4"], ["#version", "", "6"]];
  for (const [field, value, want] of cases) {
    await page.selectOption(field, value);
    await page.click("#filters button[type=submit]");
    await page.waitForFunction((w) => document.querySelector("#summary .shown b")?.textContent === w, want);
    assert.equal(await shown(), want, `${field}=${value}`);
  }
  await page.fill("#from", "2026-11-22");
  await page.click("#filters button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#summary .shown b")?.textContent === "2");
  await page.fill("#to", "2026-11-21");
  await page.fill("#from", "2026-11-20");
  await page.click("#filters button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#summary .shown b")?.textContent === "4");
  await page.close();
});

test("NPS score, distribution and choices", async () => {
  const { page } = await open();
  await page.click('#guides tr[data-guide="nps"]');
  await page.locator("#survey:not([hidden])").waitFor();
  // 2 promoters (10, 9), 1 detractor (3) of 4 scores: NPS +25.
  assert.equal(await page.locator("#nps .nps-score b").textContent(), "+25");
  assert.equal(await page.locator('#distribution rect[data-score="10"]').getAttribute("data-count"), "1");
  assert.equal(await page.locator('#distribution rect[data-score="5"]').getAttribute("data-count"), "0");
  assert.equal(await page.locator('#choices li[data-choice="speed"]').textContent(), "speed: 2");
  await page.close();
});

test("a wrong read key says so", async () => {
  const page = await browser.newPage();
  await page.goto(base + "/dashboard/?key=nope");
  await page.waitForFunction(() => /wrong read key/.test(document.getElementById("status").textContent));
  assert.equal(await page.locator("#guides tbody tr").count(), 0);
  await page.close();
});

// Regressions from an author's first run: the Studio's report links to `/dashboard/#guide=<id>`,
// which the dashboard ignored (it showed the busiest guide), and a collector without the
// demo's read key said "wrong read key" before the author had typed any.
test("regression: the dashboard opened from the Studio showed another guide and blamed a key never typed", async () => {
  const page = await browser.newPage();
  await page.goto(base + "/dashboard/#guide=nps");
  await page.waitForFunction(() => /read key \(or its admin key\)/.test(document.getElementById("status").textContent));
  await page.fill("#key", "rk");
  await page.click("#reload");
  await page.locator('#guides tr.selected[data-guide="nps"]').waitFor();
  assert.equal(await page.locator("#detail-title").textContent(), "nps");
  await page.close();
});

test("goal panel: conversion per group, lift with its interval, verdict and trend", async () => {
  const { page, errors } = await open();
  await page.locator('#goal-groups .goal-group[data-group="held_out"]').waitFor();
  const group = async (g) => {
    const row = page.locator(`#goal-groups .goal-group[data-group="${g}"]`);
    return [await row.getAttribute("data-exposed"), await row.getAttribute("data-converted")];
  };
  // A: a1-a4 shown (a1, a2 convert; a3's goal came before); B: b1, b2 (b1 converts, day 2 exposure + 3 days);
  // held out: h1-h3 (h1 converts, h2 too late).
  assert.deepEqual(await group("A"), ["4", "2"]);
  assert.deepEqual(await group("B"), ["2", "1"]);
  assert.deepEqual(await group("held_out"), ["3", "1"]);
  const verdict = page.locator('#goal-verdicts li[data-group="A"]');
  assert.equal(await verdict.getAttribute("data-verdict"), "not_enough_data");
  assert.match(await verdict.textContent(), /variant A vs held out \(control\): \+16\.7 points \(95% CI -?\d+\.\d to \+\d+\.\d\).*not enough data \(\d+ more outcomes needed\)/);
  // The trend: by day of first exposure.
  const point = (series, day) => page.locator(`#goal-trend circle[data-series="${series}"][data-day="${day}"]`).getAttribute("data-n");
  assert.equal(await point("shown", "2026-11-20"), "4");
  assert.equal(await point("completed", "2026-11-20"), "2");
  assert.equal(await point("converted", "2026-11-20"), "3");
  assert.equal(await point("shown", "2026-11-22"), "2");
  // A version filter narrows the cohort: version 2 holds only b1 and b2.
  await page.selectOption("#version", "2");
  await page.click("#filters button[type=submit]");
  await page.waitForFunction(() => !document.querySelector('#goal-groups .goal-group[data-group="held_out"]'));
  assert.deepEqual(await group("B"), ["2", "1"]);
  assert.deepEqual(errors, []);
  await page.close();
});

// Regression from CoreUI's admin template: the dashboard listed guides and steps by their
// ids ("step-2"), which a product manager cannot map to what users saw.
test("guides and steps show the names the author gave them", async () => {
  const draft = { id: "tour", name: "Onboarding tour", steps: [
    { id: "welcome", kind: "modal", title: "Welcome to Acme" }, { id: "sidebar", kind: "modal", title: "Your reports live here" },
    { id: "export", kind: "modal" }] };
  const put = await fetch(base + "/v1/guides/tour/draft", { method: "PUT", headers: { authorization: "Bearer ak", "content-type": "application/json" }, body: JSON.stringify(draft) });
  assert.equal(put.status, 200, await put.text());
  const { page, errors } = await open();
  assert.deepEqual((await page.locator('#guides tr[data-guide="tour"] td').allTextContents()).slice(0, 2), ["Onboarding tour tour", "6"]);
  assert.equal((await page.locator('#guides tr[data-guide="nps"] td').allTextContents())[0], "nps", "a guide the store does not hold keeps its id");
  await page.locator('#guides tr[data-guide="tour"]').click();
  await page.waitForFunction(() => document.getElementById("detail-title").textContent === "Onboarding tour");
  const step = async (id) => (await page.locator(`#steps tr[data-step="${id}"] td`).allTextContents())[1];
  await page.waitForFunction(() => /Welcome to Acme/.test(document.querySelector('#steps tr[data-step="welcome"]')?.textContent));
  assert.deepEqual([await step("welcome"), await step("sidebar"), await step("export")], ["Welcome to Acme welcome", "Your reports live here sidebar", "export"]);
  const label = await page.locator('#funnel g[data-step="sidebar"] > text').first().evaluate((t) => t.firstChild.nodeValue);
  assert.equal(label, "2. Your reports live here", "the funnel's bar is labelled by the step's title");
  assert.deepEqual(errors, []);
  await page.close();
});
