// Every step kind renders and reports its outcome: survey, banner, hotspot, checklist; and RTL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, dialog, lab, guide, rect, events, kinds } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); globalThis.__labBase = server.base; browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const manual = { trigger: { type: "manual" } };

test("an NPS survey records the score and comment, then branches", async () => {
  const g = guide("nps", [
    { id: "q", kind: "survey", title: "Quick question", survey: { question: "How likely are you to recommend us?", type: "nps", comment: true },
      branch: [{ to: "low", when: { score_max: 6 } }, { to: "high" }] },
    { id: "low", kind: "modal", title: "Sorry to hear that" },
    { id: "high", kind: "modal", title: "Thanks!" },
  ], manual);
  const { page } = await lab(browser, [g], { start: "nps" });
  const d = dialog(page);
  await d.getByText("How likely are you to recommend us?").waitFor();
  const submit = d.getByRole("button", { name: "Submit" });
  assert.equal(await submit.isDisabled(), true, "nothing chosen yet");
  assert.equal(await d.locator(".gp-scale-btn").count(), 11);
  await d.getByRole("button", { name: "9", exact: true }).click();
  assert.equal(await d.getByRole("button", { name: "9", exact: true }).getAttribute("aria-pressed"), "true");
  await d.getByRole("textbox").fill("Fast and clear");
  await submit.click();
  await d.getByRole("heading", { name: "Thanks!" }).waitFor();
  const answered = (await events(page)).find((e) => e.kind === "survey_answered");
  assert.deepEqual(answered.answer, { score: 9, comment: "Fast and clear" });
  assert.equal(answered.step_id, "q");
});

test("a banner shows at the top and its buttons work", async () => {
  const g = guide("ban", [{ id: "b", kind: "banner", title: "Trial ends soon", body: "Upgrade to keep your dashboards.",
    buttons: [{ label: "Later", action: "dismiss" }] }], manual);
  const { page } = await lab(browser, [g], { start: "ban" });
  const banner = page.locator("guidepost-root [role=region]");
  await banner.waitFor();
  assert.equal(await banner.getAttribute("aria-label"), "Trial ends soon");
  const r = await rect(banner);
  assert.equal(r.y, 0);
  await banner.getByRole("button", { name: "Later" }).click();
  await banner.waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:b", "guide_dismissed:b"]);
});

test("a hotspot beacon sits on its target and opens its hint", async () => {
  const g = guide("hot", [{ id: "h", kind: "hotspot", target: { selector: "#other" }, placement: "bottom", title: "New here", body: "Try this." }], manual);
  const { page } = await lab(browser, [g], { start: "hot" });
  const beacon = page.locator("guidepost-root .gp-beacon");
  await beacon.waitFor();
  await page.waitForTimeout(100);
  const t = await rect(page.locator("#other"));
  const b = await rect(beacon);
  assert.ok(Math.abs(b.x - (t.right - 8)) <= 1 && Math.abs(b.y - (t.y - 8)) <= 1, "beacon on the target's corner");
  assert.equal(await dialog(page).count(), 0, "closed until clicked");
  await beacon.click();
  await dialog(page).getByRole("heading", { name: "New here" }).waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).slice(-2), ["step_completed:h", "guide_completed:h"]);
});

test("a checklist ticks items from tracked events and completes", async () => {
  const g = guide("list", [{ id: "c", kind: "checklist", title: "Get started", items: [
    { id: "a", label: "Create a report", event: "report_created" },
    { id: "b", label: "Invite a teammate", event: "teammate_invited" },
  ] }], manual);
  const { page } = await lab(browser, [g], { start: "list" });
  const d = dialog(page);
  await d.getByText("0 of 2 done").waitFor();
  await page.evaluate(() => Guidepost.track("report_created"));
  await d.getByText("1 of 2 done").waitFor();
  assert.equal(await d.getByRole("button", { name: "Create a report" }).getAttribute("aria-pressed"), "true");
  await page.evaluate(() => Guidepost.track("teammate_invited"));
  await d.waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).slice(-2), ["step_completed:c", "guide_completed:c"]);
});

test("right-to-left pages mirror start and end, and the arrow keys", async () => {
  const g = guide("rtl", [
    { id: "one", kind: "tooltip", target: { selector: "#plain" }, placement: "bottom-start", title: "First" },
    { id: "two", kind: "tooltip", target: { selector: "#other" }, placement: "bottom", title: "Second" },
  ], manual);
  const { page } = await lab(browser, [g]);
  await page.evaluate(() => { document.documentElement.dir = "rtl"; });
  await page.evaluate(() => Guidepost.start("rtl"));
  const d = dialog(page);
  await d.getByRole("heading", { name: "First" }).waitFor();
  await page.waitForTimeout(100);
  const t = await rect(page.locator("#plain"));
  const r = await rect(d);
  assert.ok(Math.abs(r.right - t.right) <= 1.5, `bottom-start aligns to the right edge in RTL: ${r.right} vs ${t.right}`);
  assert.equal(await page.locator("guidepost-root .gp").getAttribute("dir"), "rtl");
  await page.keyboard.press("ArrowLeft");
  await d.getByRole("heading", { name: "Second" }).waitFor();
});
