// Several documents of one origin running Guidepost for the same user at once: tabs, and
// apps that show their pages in frames (AdminLTE's iframe mode, legacy framesets). Each
// engine keeps its own copy of the user's state in memory and saves it whole to the same
// localStorage; what one saved must not erase what another recorded, and one tour must not
// show twice.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, openPage, dialog, settled } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");

const WELCOME = {
  id: "welcome", name: "Welcome", trigger: { type: "page_view" }, frequency: { type: "once" },
  steps: [
    { id: "hello", kind: "modal", title: "Welcome aboard", buttons: [{ label: "Next", action: "next" }] },
    { id: "bye", kind: "modal", title: "That was it", buttons: [{ label: "Done", action: "next" }] },
  ],
};

// A manual tour whose step points at the app page's button.
const ACT_TIP = {
  id: "act-tip", name: "Act", trigger: { type: "manual" }, frequency: { type: "times", n: 10 },
  steps: [{ id: "act", kind: "tooltip", title: "Act here", target: { selector: "#act" } }],
};
// The guides the pages load: each test says which.
let served = [WELCOME];

/** An app page with the customer's paste; `body` is its content. */
const page = (title, body = "") => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script>\n${stub}</script>\n<script async src="/dist/guidepost.js"></script>
<script>Guidepost.init({ guides: "/ctx-guides.json" }); Guidepost.identify("ctx-user", {});</script></head>
<body><h1>${title}</h1>${body}</body></html>`;
const PAGES = {
  "/ctx/app": page("App", '<button id="act">Act</button>'),
  // The shell of a frame-based admin: its own embed, and the page in a frame added later.
  "/ctx/shell": page("Shell", '<div id="tabs"></div>'),
  "/ctx/framed": page("Framed page"),
  "/ctx/other": page("Another page of the app"),
};

let server, browser;
before(async () => {
  server = await serveStatic((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/ctx-guides.json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(served));
      return true;
    }
    if (!PAGES[url.pathname]) return false;
    res.writeHead(200, { "content-type": "text/html" });
    res.end(PAGES[url.pathname]);
    return true;
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

/** What the engine says of the welcome guide's frequency on this page. */
const frequency = async (p) => {
  await p.waitForFunction(async () => (await Guidepost.debug()).length > 0);
  const g = await p.evaluate(async () => (await Guidepost.debug()).find((g) => g.guide_id === "welcome"));
  return g.trace.children.find((c) => c.label.startsWith("frequency")).detail;
};

test("regression: a tour completed in one tab came back after another tab of the same user saved", async () => {
  served = [WELCOME];
  const first = await openPage(browser, `${server.base}/ctx/app`);
  await dialog(first.page).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  // A second tab, opened while the first shows the tour, carries it on and completes it.
  const second = await openPage(browser, `${server.base}/ctx/app`, { context: first.context });
  await dialog(second.page).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  await dialog(second.page).getByRole("button", { name: "Next" }).click();
  await dialog(second.page).getByRole("button", { name: "Done" }).click();
  await dialog(second.page).waitFor({ state: "detached" });
  // The first tab has taken in the second's save, then saves the user's state (every
  // track() does) from its own copy.
  await first.page.waitForFunction(async () => (await Guidepost.debug()).find((g) => g.guide_id === "welcome")
    ?.trace.children.find((c) => c.label.startsWith("frequency")).detail.includes("completed"));
  await first.page.evaluate(() => Guidepost.track("clicked_act"));
  // The next page view knows the tour was completed, and the event the first tab tracked.
  const third = await openPage(browser, `${server.base}/ctx/app`, { context: first.context });
  await settled(third.page);
  assert.match(await frequency(third.page), /completed/);
  assert.equal(await dialog(third.page).count(), 0);
  const saved = await third.page.evaluate(() => JSON.parse(localStorage.getItem("guidepost:u:ctx-user:events")));
  assert.equal(saved.clicked_act?.length, 1);
  assert.deepEqual([...first.errors, ...second.errors, ...third.errors], []);
  await first.context.close();
});

test("regression: a tour resumed in a frame showed in the frame and in the page around it", async () => {
  served = [WELCOME];
  const shell = await openPage(browser, `${server.base}/ctx/shell`);
  await dialog(shell.page).getByRole("heading", { name: "Welcome aboard" }).waitFor();
  // The app opens a page in a frame; its embed resumes the tour in progress.
  await shell.page.evaluate(() => {
    const f = document.createElement("iframe");
    f.src = "/ctx/framed";
    f.style.cssText = "width: 800px; height: 500px";
    document.getElementById("tabs").append(f);
  });
  const frame = shell.page.frameLocator("iframe");
  await frame.locator("guidepost-root [role=dialog]").getByRole("heading", { name: "Welcome aboard" }).waitFor();
  // Only one copy stays on screen: the frame's, which took the tour over.
  await dialog(shell.page).waitFor({ state: "detached" });
  const records = await shell.page.evaluate(() => window.__events.map((e) => e.kind));
  assert.deepEqual(records, ["guide_shown", "step_viewed"], "the page around the frame recorded no exit for the tour it handed over");
  // The tour goes on in the frame, and the page around it does not take it back by itself.
  await frame.locator("guidepost-root [role=dialog]").getByRole("button", { name: "Next" }).click();
  await frame.locator("guidepost-root [role=dialog]").getByRole("heading", { name: "That was it" }).waitFor();
  await shell.page.evaluate(() => Guidepost.page());
  await settled(shell.page);
  assert.equal(await dialog(shell.page).count(), 0);
  assert.deepEqual(shell.errors, []);
  await shell.context.close();
});

test("a tab that only looks for a tour's target, on a page without it, leaves the tour on screen in the tab that shows it", async () => {
  served = [ACT_TIP];
  const first = await openPage(browser, `${server.base}/ctx/app`);
  await first.page.evaluate(() => Guidepost.start("act-tip"));
  await dialog(first.page).getByRole("heading", { name: "Act here" }).waitFor();
  // A second tab opens another page: it resumes the tour, does not find the button there,
  // and ends its copy (the user went elsewhere in that tab).
  const second = await openPage(browser, `${server.base}/ctx/other`, { context: first.context });
  await second.page.waitForFunction(() => window.__events.some((e) => e.kind === "guide_abandoned"));
  assert.equal((await second.page.evaluate(() => window.__events.find((e) => e.kind === "guide_abandoned"))).reason, "navigated_away");
  // The first tab's step is still there, and still works.
  await dialog(first.page).getByRole("button", { name: "Done" }).click({ timeout: 3000 });
  await dialog(first.page).waitFor({ state: "detached" });
  assert.deepEqual(await first.page.evaluate(() => window.__events.map((e) => e.kind)), ["guide_shown", "step_viewed", "step_completed", "guide_completed"]);
  assert.deepEqual([...first.errors, ...second.errors], []);
  await first.context.close();
});
