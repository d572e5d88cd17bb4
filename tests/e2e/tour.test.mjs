import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, events, kinds, lab, guide } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test("a tour runs end to end with next, back and Esc", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/index.html?user=ada-admin`);
  const d = dialog(page);
  await d.getByRole("heading", { name: "Welcome to Acme Analytics" }).waitFor();
  assert.equal(await d.getAttribute("aria-modal"), "true");
  await d.getByRole("button", { name: "Start the tour" }).click();
  await d.getByRole("heading", { name: "Your reports live here" }).waitFor();
  await d.getByRole("button", { name: "Back" }).click();
  await d.getByRole("heading", { name: "Welcome to Acme Analytics" }).waitFor();
  await d.getByRole("button", { name: "Start the tour" }).click();
  await d.getByRole("heading", { name: "Your reports live here" }).waitFor();
  await page.keyboard.press("Escape");
  await d.waitFor({ state: "detached" });
  const ev = kinds(await events(page));
  assert.deepEqual(ev, [
    "guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar", "step_viewed:welcome",
    "step_completed:welcome", "step_viewed:sidebar", "guide_dismissed:sidebar",
  ]);
  const last = (await events(page)).at(-1);
  assert.equal(last.reason, "dismissed");
  assert.equal(last.user_id, "ada-admin");
  assert.deepEqual(errors, []);
});

test("regression: while the next step's target was slow to come, the previous step stayed up with a Next that did nothing", async () => {
  globalThis.__labBase = server.base;
  const g = guide("slow", [
    { id: "first", kind: "tooltip", title: "First", target: { selector: "#plain" } },
    // Its target comes only later (a collapsed tab, a slow route); the wait is long.
    { id: "later", kind: "tooltip", title: "Later", target: { selector: "#later" }, wait_ms: 60000 },
  ]);
  const { page, errors } = await lab(browser, [g], { start: "slow" });
  const d = dialog(page);
  await d.getByRole("heading", { name: "First" }).waitFor();
  await d.getByRole("button", { name: "Next" }).click();
  // The first step goes while the second's target is awaited...
  await d.waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:first", "step_completed:first"]);
  // ...and the second shows once its target comes.
  await page.evaluate(() => {
    const b = document.createElement("button");
    b.id = "later";
    b.textContent = "Later";
    document.querySelector("main").prepend(b);
  });
  await d.getByRole("heading", { name: "Later" }).waitFor();
  assert.deepEqual(kinds(await events(page)).slice(-1), ["step_viewed:later"]);
  assert.deepEqual(errors, []);
});
