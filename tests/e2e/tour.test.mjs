import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, events, kinds } from "./harness.mjs";

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
