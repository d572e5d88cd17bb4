// Step kinds other than tooltip/modal (survey, checklist, hotspot, banner), SPA route changes, RTL
// and reduced motion, on the lab page with guides written for each case.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launch, openPage, dialog, events, kinds, lab, guide, rect, settled } from "./harness.mjs";

let server, browser;
before(async () => { server = await serveStatic(); globalThis.__labBase = server.base; browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const root = (page) => page.locator("guidepost-root");

test("NPS survey: pick a score, add a comment, submit; the answer is recorded and the branch followed", async () => {
  const g = guide("nps", [
    { id: "score", kind: "survey", title: "Quick question",
      survey: { question: "How likely are you to recommend us?", type: "nps", comment: true },
      branch: [{ to: "detractor", when: { score_max: 6 } }, { to: "thanks" }] },
    { id: "detractor", kind: "modal", title: "Sorry to hear that", body: "We read every answer." },
    { id: "thanks", kind: "modal", title: "Thank you!", body: "Your feedback shapes what we build." },
  ]);
  const { page, errors } = await lab(browser, [g], { start: "nps" });
  const d = dialog(page);
  await d.getByRole("group", { name: "How likely are you to recommend us?" }).waitFor();
  // 0..10, each a toggle button.
  for (let n = 0; n <= 10; n++) await d.getByRole("button", { name: String(n), exact: true }).waitFor();
  const submit = d.getByRole("button", { name: "Submit" });
  assert.equal(await submit.isDisabled(), true, "nothing to submit before a score is picked");
  await d.getByRole("button", { name: "9", exact: true }).click();
  assert.equal(await d.getByRole("button", { name: "9", exact: true }).getAttribute("aria-pressed"), "true");
  await d.getByRole("textbox", { name: "Comment (optional)" }).fill("Great <b>tool</b>");
  await submit.click();
  await d.getByRole("heading", { name: "Thank you!" }).waitFor();
  const ev = await events(page);
  const answer = ev.find((e) => e.kind === "survey_answered");
  assert.ok(answer, `a survey_answered record: ${kinds(ev)}`);
  assert.equal(answer.step_id, "score");
  assert.equal(answer.answer.score, 9);
  assert.equal(answer.answer.comment, "Great <b>tool</b>");
  assert.deepEqual(errors, []);
});

test("choice survey records the picked choice", async () => {
  const g = guide("choice", [
    { id: "q", kind: "survey", title: "One question",
      survey: { question: "What brought you here?", type: "choice", choices: ["Reports", "Dashboards", "Alerts"] } },
  ]);
  const { page } = await lab(browser, [g], { start: "choice" });
  const d = dialog(page);
  await d.getByRole("button", { name: "Dashboards" }).click();
  await d.getByRole("button", { name: "Submit" }).click();
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "survey_answered"));
  const answer = (await events(page)).find((e) => e.kind === "survey_answered");
  assert.equal(answer.answer.choice, "Dashboards");
});

test("checklist: items complete from tracked events, with progress", async () => {
  const g = guide("check", [
    { id: "list", kind: "checklist", title: "Get started", body: "Three things to do.",
      items: [
        { id: "connect", label: "Connect a data source", event: "source_connected" },
        { id: "report", label: "Create your first report", event: "report_created" },
        { id: "invite", label: "Invite a teammate", event: "teammate_invited" },
      ] },
  ]);
  const { page } = await lab(browser, [g], { start: "check" });
  const d = dialog(page);
  await d.getByRole("heading", { name: "Get started" }).waitFor();
  const bar = d.getByRole("progressbar");
  assert.equal(await bar.getAttribute("aria-valuenow"), "0");
  assert.equal(await bar.getAttribute("aria-valuemax"), "3");
  await page.evaluate(() => Guidepost.track("source_connected"));
  await d.getByText("1 of 3 done").waitFor();
  assert.equal(await d.getByRole("button", { name: "Connect a data source" }).getAttribute("aria-pressed"), "true");
  assert.equal(await d.getByRole("button", { name: "Invite a teammate" }).getAttribute("aria-pressed"), "false");
  assert.equal(await bar.getAttribute("aria-valuenow"), "1");
});

// Regression: the checklist sat in the bottom right corner over the chat launcher a page
// keeps there (fixed, at the highest z-index, below the top layer), and the user could not
// open the chat while the checklist was open. Chat widgets load late: the launcher comes
// after the checklist, in one case, and before it, in the other.
// Two launchers: Material Dashboard's settings button, an ellipse (its corners are not hit),
// which the points first sampled missed; Intercom's, a 48 px circle, beside a tall
// checklist, which points spread over its height missed.
const LAUNCHERS = {
  "Material Dashboard's": "right:30px;bottom:30px;width:93px;height:52px",
  "Intercom's": "right:20px;bottom:20px;width:48px;height:48px",
};
for (const [late, name] of [[true, "Material Dashboard's"], [false, "Intercom's"]]) test(`regression: the checklist covered ${name} launcher, which came ${late ? "after" : "before"} it`, async () => {
  const items = ["Connect a data source", "Create your first report", "Invite a teammate", "Set up alerts"].map((label, i) => ({ id: `i${i}`, label, event: `e${i}` }));
  const g = guide("check-chat", [{ id: "list", kind: "checklist", title: "Get started", body: "Four things to do in your first week.", items }]);
  const launcher = (shape) => {
    const b = document.createElement("button");
    b.id = "chat-launcher";
    b.textContent = "Chat";
    b.style.cssText = `position:fixed;${shape};padding:0;border:0;z-index:2147483647;border-radius:50%`;
    b.onclick = () => { window.__chatOpened = true; };
    document.body.append(b);
  };
  const { page } = await lab(browser, [g]);
  if (!late) await page.evaluate(launcher, LAUNCHERS[name]);
  await page.evaluate(() => Guidepost.start("check-chat"));
  const d = dialog(page);
  await d.getByRole("heading", { name: "Get started" }).waitFor();
  if (late) await page.evaluate(launcher, LAUNCHERS[name]);
  await page.waitForFunction(() => {
    const box = document.querySelector("guidepost-root").shadowRoot.querySelector("[role=dialog]").getBoundingClientRect();
    const chat = document.getElementById("chat-launcher").getBoundingClientRect();
    return box.bottom <= chat.top;
  });
  // Clicked where a user clicks: Playwright refuses when something covers it.
  await page.locator("#chat-launcher").click({ timeout: 5000 });
  assert.ok(await page.evaluate(() => window.__chatOpened));
  // Still docked on the right, above the launcher.
  const [box, chat, width] = [await rect(d), await rect(page.locator("#chat-launcher")), await page.evaluate(() => innerWidth)];
  assert.ok(Math.abs(width - 16 - box.right) < 20, `docked on the right: ${JSON.stringify({ box, width })}`);
  assert.ok(box.bottom <= chat.y && chat.y - box.bottom < 40, `just above the launcher: ${JSON.stringify({ box, chat })}`);
});

test("hotspot: a beacon sits on the target and opens its tooltip on demand", async () => {
  const g = guide("hot", [
    { id: "hint", kind: "hotspot", target: { selector: "#plain" }, placement: "bottom", title: "New here", body: "This button is new." },
  ]);
  const { page } = await lab(browser, [g], { start: "hot" });
  const beacon = root(page).getByRole("button", { name: "Open hint" });
  await beacon.waitFor();
  assert.equal(await beacon.getAttribute("aria-expanded"), "false");
  const b = await rect(beacon);
  const t = await rect(page.locator("#plain"));
  // The beacon is centred on the target's top-right corner (within a few px).
  assert.ok(Math.abs(b.x + b.width / 2 - t.right) <= 8 && Math.abs(b.y + b.height / 2 - t.y) <= 8, JSON.stringify({ b, t }));
  assert.equal(await dialog(page).count(), 0, "the tooltip waits for the beacon");
  await beacon.click();
  await dialog(page).getByRole("heading", { name: "New here" }).waitFor();
  assert.equal(await dialog(page).getAttribute("data-guide-tooltip"), "");
  assert.equal(await beacon.getAttribute("aria-expanded"), "true");
});

test("regression: Escape on a hotspot's open hint dismissed the whole guide", async () => {
  const g = guide("hotesc", [{ id: "hint", kind: "hotspot", target: { selector: "#plain" }, title: "New here", body: "This button is new." }]);
  const { page, errors } = await lab(browser, [g], { start: "hotesc" });
  const beacon = root(page).getByRole("button", { name: "Open hint" });
  await beacon.click();
  await dialog(page).getByRole("heading", { name: "New here" }).waitFor();
  // The hint closes, the focus goes back to its beacon, and the guide goes on.
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "detached" });
  assert.equal(await beacon.getAttribute("aria-expanded"), "false");
  assert.equal(await beacon.evaluate((b) => b.getRootNode().activeElement === b), true, "the focus is on the beacon");
  // Escape on the page beside the closed beacon is the page's.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("Escape");
  await beacon.click();
  await dialog(page).getByRole("heading", { name: "New here" }).waitFor();
  assert.deepEqual(kinds(await events(page)).filter((k) => k.startsWith("guide_")), ["guide_shown:"], "the guide is still going");
  assert.deepEqual(errors, []);
});

test("banner: a labelled region whose Close button dismisses the guide", async () => {
  const g = guide("ban", [
    { id: "b", kind: "banner", title: "Your trial ends soon", body: "Upgrade to keep your dashboards.",
      buttons: [{ label: "Upgrade", action: "url", to: "#upgrade" }] },
  ]);
  const { page } = await lab(browser, [g], { start: "ban" });
  const region = root(page).getByRole("region", { name: "Your trial ends soon" });
  await region.waitFor();
  await region.getByRole("button", { name: "Close" }).click();
  await region.waitFor({ state: "detached" });
  await page.waitForFunction(() => window.__events.some((e) => e.kind === "guide_dismissed"));
  assert.deepEqual(kinds(await events(page)).map((k) => k.split(":")[0]), ["guide_shown", "step_viewed", "guide_dismissed"]);
});

test("regression: a banner lay over the app's fixed header and its sidebar; it sits below the header, as wide, and at the top once the header is gone", async () => {
  const g = guide("ban-h", [{ id: "b", kind: "banner", title: "Maintenance tonight", body: "From 22:00 UTC." }]);
  const { page } = await lab(browser, [g], { start: "ban-h" });
  const region = root(page).getByRole("region", { name: "Maintenance tonight" });
  await region.waitFor();
  const header = await page.locator("header").boundingBox();
  await page.waitForFunction((bottom) => {
    const r = document.querySelector("guidepost-root").shadowRoot.querySelector(".gp-banner").getBoundingClientRect();
    return Math.abs(r.top - bottom) < 1;
  }, header.y + header.height);
  // A header beside a fixed sidebar: the banner spans the header's width, not the sidebar.
  await page.evaluate(() => { document.querySelector("header").style.left = "200px"; });
  await page.waitForFunction(() => {
    const r = document.querySelector("guidepost-root").shadowRoot.querySelector(".gp-banner").getBoundingClientRect();
    return r.left === 200 && r.right === document.documentElement.clientWidth;
  });
  // The app hides its header: the banner goes up to the viewport's top edge.
  await page.evaluate(() => { document.querySelector("header").style.display = "none"; });
  await page.waitForFunction(() => { const r = document.querySelector("guidepost-root").shadowRoot.querySelector(".gp-banner").getBoundingClientRect(); return r.top === 0 && r.left === 0; });
  // A narrow badge pinned at the top's middle ("impersonating Ada"): below it, still as wide as the page.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<div id="pill" style="position:fixed;top:0;left:50%;width:200px;height:30px;transform:translateX(-50%);background:#fc0">Impersonating</div>'));
  await page.waitForFunction(() => { const r = document.querySelector("guidepost-root").shadowRoot.querySelector(".gp-banner").getBoundingClientRect(); return r.top === 30 && r.left === 0 && r.right === document.documentElement.clientWidth; });
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("guidepost-root").shadowRoot.querySelector(".gp-banner")).visibility), "visible");
});

test("SPA navigation (history.pushState, popstate) is detected without calling page()", async () => {
  const g = guide("spa", [{ id: "hi", kind: "modal", title: "Settings tip", body: "Shown on the settings route." }],
    { audience: { url: "/lab/settings" } });
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate((gs) => { Guidepost.init({ guides: gs }); Guidepost.identify("spa-user", {}); }, [g]);
  await settled(page);
  assert.equal(await dialog(page).count(), 0, "not on /lab/lab.html");
  await page.evaluate(() => history.pushState({}, "", "/lab/settings"));
  await dialog(page).getByRole("heading", { name: "Settings tip" }).waitFor();
  assert.ok((await events(page)).some((e) => e.kind === "guide_shown" && e.url.startsWith("/lab/settings")));
});

test("RTL pages get an RTL overlay where ArrowLeft moves forward", async () => {
  const g = guide("rtl", [
    { id: "one", kind: "modal", title: "First" },
    { id: "two", kind: "modal", title: "Second" },
  ]);
  const { page } = await openPage(browser, `${server.base}/lab/lab.html`);
  await page.evaluate(() => document.documentElement.setAttribute("dir", "rtl"));
  await page.evaluate((gs) => { Guidepost.init({ guides: gs }); Guidepost.identify("rtl-user", {}); Guidepost.start("rtl"); }, [g]);
  const d = dialog(page);
  await d.getByRole("heading", { name: "First" }).waitFor();
  assert.equal(await root(page).locator(".gp").getAttribute("dir"), "rtl");
  await page.keyboard.press("ArrowLeft");
  await d.getByRole("heading", { name: "Second" }).waitFor();
  await page.keyboard.press("ArrowRight");
  await d.getByRole("heading", { name: "First" }).waitFor();
});

test("prefers-reduced-motion: the overlay runs no animations or transitions", async () => {
  const g = guide("calm", [{ id: "hint", kind: "hotspot", target: { selector: "#plain" }, title: "Calm" }]);
  const context = await browser.newContext({ reducedMotion: "reduce" });
  const page = await context.newPage();
  await page.goto(`${server.base}/lab/lab.html`);
  await page.evaluate((gs) => { Guidepost.init({ guides: gs }); Guidepost.identify("calm-user", {}); Guidepost.start("calm"); }, [g]);
  const beacon = root(page).getByRole("button", { name: "Open hint" });
  await beacon.waitFor();
  const anim = await page.evaluate(() => {
    const sr = document.querySelector("guidepost-root").shadowRoot;
    return [...sr.querySelectorAll("*")].map((e) => { const s = getComputedStyle(e); return [s.animationName, s.transitionDuration]; })
      .filter(([a, t]) => a !== "none" || !/^0s(, 0s)*$/.test(t));
  });
  assert.deepEqual(anim, []);
  await context.close();
});

test("the entrance animation does not hold the step back: its button works while the box still animates in", async () => {
  const { page } = await lab(browser, [guide("quick", [{ id: "one", kind: "modal", title: "One" }, { id: "two", kind: "modal", title: "Two" }])], { start: "quick" });
  // In the page, at the first frame the dialog exists: is it still animating, and does its
  // primary button act at once?
  const running = await page.evaluate(() => new Promise((done) => {
    const tick = () => {
      const sr = document.querySelector("guidepost-root")?.shadowRoot;
      const d = sr?.querySelector("[role=dialog]");
      const next = sr?.querySelector(".gp-primary");
      if (!d || !next) return requestAnimationFrame(tick);
      const animating = d.getAnimations().some((a) => a.playState === "running");
      next.click();
      done(animating);
    };
    tick();
  }));
  assert.equal(running, true, "the click landed during the entrance animation");
  await dialog(page).getByRole("heading", { name: "Two" }).waitFor();
});
