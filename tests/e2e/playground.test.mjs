import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

async function setSource(page, text) {
  await page.locator("#source").fill(text);
}

test("the playground shows the engine's errors next to the line, and previews valid guides live", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/playground/`);
  await page.locator("#status", { hasText: "Valid" }).waitFor();
  const frame = page.frameLocator("#preview");
  await frame.locator("guidepost-root [role=dialog]").getByRole("heading", { name: "Welcome to Acme Analytics" }).waitFor();

  const original = await page.locator("#source").inputValue();
  const broken = original.replace('"placement": "right-start"', '"placement": "rigth-start"');
  assert.notEqual(broken, original);
  await setSource(page, broken);
  const problem = page.locator("#problems li.error").first();
  await problem.waitFor();
  const text = await problem.textContent();
  const line = broken.split("\n").findIndex((l) => l.includes("rigth-start")) + 1;
  assert.match(text, new RegExp(`^Line ${line} · \\$\\.steps\\[1\\]\\.placement .*did you mean "right-start"`));
  assert.equal(await page.locator(`#gutter span.err`).first().textContent(), String(line));
  assert.match(await page.locator("#status").textContent(), /1 error/);

  // Fix it and change the title: the preview follows.
  await setSource(page, original.replace("Welcome to Acme Analytics", "Hello from the playground"));
  await page.locator("#status", { hasText: "Valid" }).waitFor();
  await frame.locator("guidepost-root [role=dialog]").getByRole("heading", { name: "Hello from the playground" }).waitFor();
  assert.equal(await page.locator("#problems li").count(), 0);
  assert.deepEqual(errors, []);
});

test("the picker writes a robust target into the step and says how many elements match", async () => {
  const { page } = await openPage(browser, `${server.base}/playground/`);
  await page.locator("#status", { hasText: "Valid" }).waitFor();
  const frame = page.frameLocator("#preview");
  await frame.locator("guidepost-root [role=dialog]").waitFor();
  await page.locator("#step").selectOption("1");
  await page.locator("#pick").click();
  await page.locator("#pick-result", { hasText: "Hover an element" }).waitFor();
  await frame.locator("#new-report").hover();
  await frame.locator("#new-report").click();
  await page.locator("#pick-result", { hasText: "Picked" }).waitFor();
  assert.equal(await page.locator("#pick-result").getAttribute("data-matches"), "1");
  const guide = JSON.parse(await page.locator("#source").inputValue());
  // data-tour wins over the id and over the text.
  assert.equal(guide.steps[1].target.selector, '[data-tour="new-report"]');
  assert.deepEqual(guide.steps[1].target.fallbacks, [{ text: "New report", tag: "button" }]);
  // The preview now anchors the step to the picked element.
  await page.locator("#status", { hasText: "Valid" }).waitFor();
});

test("Guidepost.pick() prefers ids over structure and reports duplicates", async () => {
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate(() => new Promise((ready) => Guidepost.on("ready", ready)));
  for (const [sel, want, matches] of [["#other", "#other", 1], ["a.dup >> nth=1", `a[href="#y"]`, 1]]) {
    const result = page.evaluate(() => Guidepost.pick());
    await page.waitForFunction(() => document.querySelector("[data-guidepost-picker]"));
    await page.locator(sel).click();
    const r = await result;
    assert.ok(r.selector.endsWith(want), `${r.selector} should end with ${want}`);
    assert.equal(r.matches, matches);
    assert.equal(await page.locator(r.selector).count(), 1);
  }
  // Esc cancels.
  const cancelled = page.evaluate(() => Guidepost.pick());
  await page.waitForFunction(() => document.querySelector("[data-guidepost-picker]"));
  await page.keyboard.press("Escape");
  assert.equal(await cancelled, null);
});
