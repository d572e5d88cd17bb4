// Right-to-left pages: placements mirror start and end (the step kinds are in steps.test.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, dialog, lab, guide, rect, frames } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); globalThis.__labBase = server.base; browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const manual = { trigger: { type: "manual" } };

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
  await frames(page);
  const t = await rect(page.locator("#plain"));
  const r = await rect(d);
  assert.ok(Math.abs(r.right - t.right) <= 1.5, `bottom-start aligns to the right edge in RTL: ${r.right} vs ${t.right}`);
  assert.equal(await page.locator("guidepost-root .gp").getAttribute("dir"), "rtl");
  await page.keyboard.press("ArrowLeft");
  await d.getByRole("heading", { name: "Second" }).waitFor();
});
