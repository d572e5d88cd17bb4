import { test, before, after } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, lab, guide, rect, events, kinds, frames, settled } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
// No doctype on purpose: quirks mode, as in many older apps (the root's client height is
// the whole document's). The customer's paste at the end of the body.
const QUIRKS = `<html><head><meta charset="utf-8"><title>Quirks mode</title></head>
<body style="margin: 0"><div style="height: 740px">Top</div><button id="low">Low</button><div style="height: 2000px">Rest</div>
<script>\n${stub}</script>\n<script async src="/dist/guidepost.js"></script></body></html>`;

let server, browser;
before(async () => {
  server = await serveStatic((req, res) => {
    if (new URL(req.url, "http://x").pathname !== "/quirks/") return false;
    res.writeHead(200, { "content-type": "text/html" });
    res.end(QUIRKS);
    return true;
  });
  globalThis.__labBase = server.base;
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

/** Waits for the entrance animation (a 4px slide) to end: rectangles are read after it. */
const still = (d) => d.evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)));

const tip = (id, selector, placement, more = {}) =>
  guide(id, [{ id: "s1", kind: "tooltip", target: { selector }, placement, title: "Tip", body: "Body", ...more }], { trigger: { type: "manual" } });

/** Checks the tooltip sits on `side` of the target with the 12px offset, and stays inside the viewport. */
function check(t, d, side) {
  const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 1.5, `${what}: ${a} vs ${b}`);
  if (side === "bottom") near(d.y, t.bottom + 12, "top edge below target");
  if (side === "top") near(d.bottom, t.y - 12, "bottom edge above target");
  if (side === "right") near(d.x, t.right + 12, "left edge right of target");
  if (side === "left") near(d.right, t.x - 12, "right edge left of target");
}

test("tooltip is placed against the target's bounding box, and follows a scroll", async () => {
  const { page, errors } = await lab(browser, [tip("t", "#plain", "bottom-start")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await page.waitForFunction(() => { const e = document.querySelector("guidepost-root").shadowRoot.querySelector("[data-guide-tooltip]"); return e && getComputedStyle(e).visibility === "visible"; });
  const t = await rect(page.locator("#plain"));
  const r = await rect(d);
  check(t, r, "bottom");
  assert.ok(Math.abs(r.x - t.x) <= 1.5, "start-aligned");
  // Scroll the window: the tooltip moves with the target.
  await page.evaluate(() => { document.body.style.height = "4000px"; window.scrollBy(0, 40); });
  await frames(page);
  const t2 = await rect(page.locator("#plain"));
  const r2 = await rect(d);
  assert.ok(Math.abs(t2.y - (t.y - 40)) <= 1, "target scrolled");
  check(t2, r2, "bottom");
  assert.deepEqual(errors, []);
});

/** Counts the changes the engine makes to the tooltip's style from now on (`window.__moves`). */
const countMoves = (page) => page.evaluate(() => {
  window.__moves = 0;
  const box = document.querySelector("guidepost-root").shadowRoot.querySelector("[data-guide-tooltip]");
  new MutationObserver((m) => { window.__moves += m.length; }).observe(box, { attributes: true, attributeFilter: ["style"] });
});

test("a tooltip next to a target in the page scrolls with the page: no work per scroll frame", async () => {
  const { page, errors } = await lab(browser, [tip("t", "#plain", "bottom-start")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await page.waitForFunction(() => getComputedStyle(document.querySelector("guidepost-root").shadowRoot.querySelector("[data-guide-tooltip]")).visibility === "visible");
  await countMoves(page);
  await page.evaluate(() => { document.body.style.height = "4000px"; });
  await frames(page);
  const moves = await page.evaluate(() => window.__moves);
  for (const dy of [40, 120, -60]) {
    await page.evaluate((dy) => window.scrollBy(0, dy), dy);
    await frames(page);
    check(await rect(page.locator("#plain")), await rect(d), "bottom");
  }
  assert.equal(await page.evaluate(() => window.__moves), moves, "the page's scrolls left the tooltip's style alone");
  assert.equal(await d.evaluate((e) => getComputedStyle(e).position), "absolute");
  assert.deepEqual(errors, []);
});

test("regression: a change of the page while the target was scrolled away left the tooltip in the viewport, parted from it", async () => {
  const { page } = await lab(browser, [tip("t", "#plain", "bottom-start")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await page.evaluate(() => { document.body.style.height = "4000px"; window.scrollTo(0, 900); });
  await frames(page);
  // The page changes while #plain is far above the viewport: the step is placed again.
  await page.evaluate(() => document.querySelector("main").append(Object.assign(document.createElement("p"), { textContent: "Loaded later" })));
  await frames(page, 3);
  await page.evaluate(() => window.scrollTo(0, 0));
  await frames(page);
  check(await rect(page.locator("#plain")), await rect(d), "bottom");
});

test("regression: a hotspot's hint is measured when it opens (placed above its target)", async () => {
  const g = guide("hot", [{ id: "hint", kind: "hotspot", target: { selector: "#frame" }, placement: "top", title: "New here", body: "Short." }], { trigger: { type: "manual" } });
  const { page } = await lab(browser, [g], { start: "hot" });
  const beacon = page.locator("guidepost-root").getByRole("button", { name: "Open hint" });
  await beacon.waitFor();
  await beacon.click();
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await frames(page);
  check(await rect(page.locator("#frame")), await rect(d), "top");
});

test("a tooltip next to a fixed element (a chat launcher) stays with it as the page scrolls", async () => {
  const { page } = await lab(browser, [tip("t", "#pinned", "top-end")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await frames(page);
  await page.evaluate(() => { document.body.style.height = "4000px"; window.scrollBy(0, 200); });
  await frames(page);
  check(await rect(page.locator("#pinned")), await rect(d), "top");
  assert.equal(await d.evaluate((e) => getComputedStyle(e).position), "fixed");
});

test("regression: a bar the page pins with position: fixed once scrolled past keeps its tooltip", async () => {
  const { page } = await lab(browser, [tip("t", "#in-bar", "bottom-start")], { start: "t" });
  // The pattern of many app headers: static at the top, fixed (by a class or a style set
  // from a scroll handler) once the page has scrolled past it.
  await page.evaluate(() => {
    document.body.style.height = "4000px";
    const bar = document.createElement("div");
    bar.innerHTML = '<button id="in-bar">Bar</button>';
    bar.style.cssText = "height: 40px; background: #eee";
    document.querySelector("main").prepend(bar);
    let pinned = false;
    addEventListener("scroll", () => {
      if (pinned === scrollY > 100) return;
      pinned = !pinned;
      bar.style.cssText = pinned ? "height: 40px; background: #eee; position: fixed; top: 60px; left: 0; right: 0" : "height: 40px; background: #eee";
    });
  });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  check(await rect(page.locator("#in-bar")), await rect(d), "bottom");
  for (const y of [150, 450, 900]) {
    await page.evaluate((y) => window.scrollTo(0, y), y);
    await frames(page, 3);
    check(await rect(page.locator("#in-bar")), await rect(d), "bottom");
  }
});

test("the spotlight keeps its hole on the target while the page scrolls", async () => {
  const g = guide("b", [{ id: "s1", kind: "tooltip", target: { selector: "#frame" }, placement: "bottom", title: "Spot", backdrop: true }], { trigger: { type: "manual" } });
  const { page } = await lab(browser, [g], { start: "b" });
  await dialog(page).waitFor();
  await page.evaluate(() => { document.body.style.height = "4000px"; });
  await frames(page);
  // What a click at the target's centre, and a little below the tooltip, would hit.
  const hits = () => page.evaluate(() => {
    const t = document.getElementById("frame").getBoundingClientRect();
    const root = document.querySelector("guidepost-root").shadowRoot;
    const at = (x, y) => root.elementFromPoint(x, y)?.tagName?.toLowerCase() ?? null;
    const inPage = document.elementFromPoint(t.x + t.width / 2, t.y + t.height / 2)?.id;
    return { target: inPage, below: at(t.x + t.width / 2, innerHeight - 5) };
  });
  for (const dy of [0, 50, 150]) {
    await page.evaluate((dy) => window.scrollBy(0, dy), dy);
    await frames(page);
    assert.deepEqual(await hits(), { target: "frame", below: "path" }, `scrolled by ${dy}`);
  }
});

test("a target inside a scroll container is scrolled into view and followed", async () => {
  const { page } = await lab(browser, [tip("t", "#far", "right")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await frames(page);
  const box = await rect(page.locator("#scroller"));
  let t = await rect(page.locator("#far"));
  assert.ok(t.y >= box.y && t.bottom <= box.bottom, "scrolled into the container's view");
  check(t, await rect(d), "right");
  await page.evaluate(() => document.getElementById("scroller").scrollBy(0, 30));
  await frames(page);
  t = await rect(page.locator("#far"));
  check(t, await rect(d), "right");
});

test("flips when there is no room, and never goes under the fixed header", async () => {
  const { page } = await lab(browser, [tip("t", "#plain", "top")], { start: "t" });
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await frames(page);
  const t = await rect(page.locator("#plain"));
  const r = await rect(d);
  // #plain sits just under the 60px fixed header: no room above, so it flips below.
  check(t, r, "bottom");
  assert.ok(r.y >= 60);
});

test("regression: on a page without a doctype (quirks mode) the whole document was taken for the viewport: a step near the bottom went off screen", async () => {
  const { page, errors } = await openPage(browser, `${server.base}/quirks/`);
  assert.equal(await page.evaluate(() => document.compatMode), "BackCompat");
  await page.evaluate((g) => { Guidepost.init({ guides: g }); Guidepost.identify("quirks", {}); Guidepost.start("t"); }, [tip("t", "#low", "bottom")]);
  const d = dialog(page);
  await d.waitFor();
  await still(d);
  await frames(page);
  const t = await rect(page.locator("#low"));
  const r = await rect(d);
  // #low sits 40px above the viewport's bottom edge: no room below, so it flips above.
  check(t, r, "top");
  assert.ok(r.bottom <= (await page.evaluate(() => innerHeight)));
  assert.deepEqual(errors, []);
});

/** The in-frame target's rectangle in the top viewport (the frame's offset plus its border). */
const inFrameRect = () => {
  const f = document.getElementById("frame"), fr = f.getBoundingClientRect(), r = f.contentDocument.getElementById("in-frame").getBoundingClientRect();
  return { x: fr.x + f.clientLeft + r.x, y: fr.y + f.clientTop + r.y, bottom: fr.y + f.clientTop + r.bottom, right: fr.x + f.clientLeft + r.right };
};

/** Waits until the tooltip's top edge sits 12px below the in-frame target (the engine follows it). */
async function followsInFrame(page) {
  await page.waitForFunction(`(() => {
    const t = (${inFrameRect})();
    const d = document.querySelector("guidepost-root").shadowRoot.querySelector("[data-guide-tooltip]").getBoundingClientRect();
    return Math.abs(d.y - (t.bottom + 12)) <= 1.5;
  })()`);
}

test("targets inside open shadow roots and same-origin iframes are found", async () => {
  for (const sel of ["#in-shadow", "#in-frame"]) {
    const { page, context } = await lab(browser, [tip("t", sel, "bottom")], { start: "t" });
    const d = dialog(page);
    await d.waitFor();
    await still(d);
    if (sel === "#in-frame") {
      // The frame's document lays out on its own schedule: wait for the box to settle against it.
      await followsInFrame(page);
    }
    const t = sel === "#in-shadow" ? await rect(page.locator("#shadow-host").locator("#in-shadow")) : await page.evaluate(inFrameRect);
    check(t, await rect(d), "bottom");
    assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:s1"], sel);
    await context.close();
  }
});

test("regression: a target in a frame that grows (no mutation in the top document) is followed", async () => {
  const { page, context } = await lab(browser, [tip("t", "#in-frame", "bottom")], { start: "t" });
  await dialog(page).waitFor();
  await followsInFrame(page);
  const before = await page.evaluate(inFrameRect);
  // Only the frame's document changes: the top page's observers see nothing.
  await page.evaluate(() => { document.getElementById("frame").contentDocument.getElementById("in-frame").style.padding = "20px"; });
  const after = await page.evaluate(inFrameRect);
  assert.ok(after.bottom - before.bottom > 30, `the target grew: ${before.bottom} -> ${after.bottom}`);
  await followsInFrame(page);
  check(after, await rect(dialog(page)), "bottom");
  await context.close();
});

test("a late element is awaited, a missing one ends the guide with a reason", async () => {
  const late = tip("late", "#late", "bottom", { wait_ms: 3000 });
  const missing = tip("missing", "#nope", "bottom", { wait_ms: 300 });
  const centred = tip("centred", "#nope", "bottom", { wait_ms: 300, on_missing: "center" });
  const { page } = await lab(browser, [late, missing, centred], { start: "late" });
  await settled(page);
  assert.equal(await dialog(page).count(), 0, "nothing shown before the element exists");
  await page.evaluate(() => { const b = document.createElement("button"); b.id = "late"; b.textContent = "Late"; document.querySelector("main").prepend(b); });
  await dialog(page).waitFor();
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  await page.evaluate(() => Guidepost.start("missing"));
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "guide_abandoned"));
  const ev = (await events(page)).filter((e) => e.guide_id === "missing");
  assert.deepEqual(kinds(ev), ["guide_shown:", "step_target_missing:s1", "guide_abandoned:s1"]);
  assert.equal(ev.at(-1).reason, "target_missing");
  await page.evaluate(() => Guidepost.start("centred"));
  await dialog(page).waitFor();
  const r = await rect(dialog(page));
  const vw = await page.evaluate(() => document.documentElement.clientWidth);
  assert.ok(Math.abs(r.x + r.width / 2 - vw / 2) <= 2, "centred when on_missing is center");
  assert.equal(await dialog(page).getAttribute("aria-modal"), "true");
});

test("text fallbacks find the element when the selector breaks", async () => {
  const g = guide("fb", [{ id: "s1", kind: "tooltip", target: { selector: "#renamed", fallbacks: [{ text: "Other", tag: "button" }] }, placement: "bottom", title: "Fallback" }], { trigger: { type: "manual" } });
  const { page } = await lab(browser, [g], { start: "fb" });
  await dialog(page).waitFor();
  await still(dialog(page));
  check(await rect(page.locator("#other")), await rect(dialog(page)), "bottom");
});

test("regression: a horizontal scrollbar that a change of the page brings left a centred modal placed for the old viewport", async () => {
  const modal = guide("m", [{ id: "s1", kind: "modal", title: "Centred", body: "Body" }], { trigger: { type: "manual" } });
  const withScrollbars = await launch({ scrollbars: true });
  try {
    const { page, errors } = await lab(withScrollbars, [modal], { start: "m" });
    const d = dialog(page);
    await d.waitFor();
    await still(d);
    const centred = () => page.evaluate(() => {
      const b = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]").getBoundingClientRect();
      const vh = document.documentElement.clientHeight;
      return { off: Math.abs(b.top + b.height / 2 - vh / 2), vh };
    });
    const before = await centred();
    assert.ok(before.off <= 1, JSON.stringify(before));
    // Something wider than the window: a horizontal scrollbar takes height from the viewport,
    // and the root element keeps its size (no resize, no ResizeObserver entry).
    await page.evaluate(() => { const wide = document.createElement("div"); wide.style.cssText = "position: absolute; left: 0; top: 0; width: 4000px; height: 1px"; document.body.append(wide); });
    await page.waitForFunction((vh) => document.documentElement.clientHeight < vh, before.vh);
    // The viewport is read again within half a second of a change of the page.
    await page.waitForFunction(() => {
      const b = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]").getBoundingClientRect();
      return Math.abs(b.top + b.height / 2 - document.documentElement.clientHeight / 2) <= 1;
    }, null, { timeout: 5000 });
    const later = await centred();
    assert.ok(later.vh < before.vh, "the scrollbar took height");
    assert.ok(later.off <= 1, JSON.stringify({ before, later }));
    assert.deepEqual(errors, []);
  } finally {
    await withScrollbars.close();
  }
});

// (element the page zooms, its zoom): apps that shrink or grow their whole UI with CSS zoom.
const zooms = [["html", 1.25], ["body", 0.8]];
for (const [el, zoom] of zooms) {
  test(`regression: a \`zoom: ${zoom}\` on <${el}> zoomed the overlay too, placing the tooltip off its target`, async () => {
    const { page, errors } = await lab(browser, [tip("z", "#plain", "bottom-start")]);
    await page.evaluate(() => Guidepost.start("z"));
    const d = dialog(page);
    await d.waitFor();
    await still(d);
    const width = (await rect(d)).width;
    await page.evaluate(() => Guidepost.end());
    await d.waitFor({ state: "detached" });
    await page.evaluate(([el, zoom]) => { document.querySelector(el).style.zoom = String(zoom); document.body.style.height = "4000px"; }, [el, zoom]);
    await page.evaluate(() => Guidepost.start("z"));
    await d.waitFor();
    await still(d);
    const t = await rect(page.locator("#plain"));
    const r = await rect(d);
    check(t, r, "bottom");
    assert.ok(Math.abs(r.x - t.x) <= 1.5, `start-aligned: ${r.x} vs ${t.x}`);
    assert.ok(Math.abs(r.width - width) <= 1, `the box keeps its size: ${r.width} vs ${width}`);
    await page.evaluate(() => window.scrollBy(0, 40));
    await frames(page);
    check(await rect(page.locator("#plain")), await rect(d), "bottom");
    assert.deepEqual(errors, []);
  });
}
