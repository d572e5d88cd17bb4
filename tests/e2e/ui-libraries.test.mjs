// Guidepost on apps built from React component libraries, installed from npm and bundled
// with esbuild as a React team ships them; the stub and the script tag pasted in the page.
// - MUI (Material UI 5, emotion): its Dialog carries no `aria-modal`; while it is open, MUI's
//   Modal sets `aria-hidden` on every other child of the body and its focus trap pulls the
//   focus back from anything outside the dialog. Its classes are emotion's hashes
//   (`css-1x2y3z`) and its ids React's (`:r1:`).
// - Headless UI 2 (Tailwind Labs): its Dialog closes on a press outside its panel, and the
//   step sits in the dialog's root, beside the panel.
// - Element Plus 2 (Vue 3), from its script-tag builds: its dialog traps the focus in
//   `.el-dialog`, inside the `[aria-modal]` overlay, and its trap lists the tabbable elements
//   of `.el-dialog` (no shadow roots) to wrap Tab round from the last one.
// - Vuetify 3 (Vue 3), from its script-tag build: its dialog's trap looks for the deepest
//   focused element with `contains`, which does not enter shadow roots, so it lets Tab
//   from a step go; the step itself must not let the focus leave the app's dialog.
// - Ant Design 5 (React): its Modal (rc-dialog) ends with an empty `<div tabindex="0">`
//   that sends Tab round to its start; the step must come before it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, openPage, dialog, events, kinds, guide, bundleApp } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
let server, browser;
const bundles = {};
let guides = [];

/** The customer's paste, in the page's head. */
const PASTE = `<script>\n${stub}</script>
<script async src="/dist/guidepost.js"></script>
<script>Guidepost.init({ guides: "/ui-guides.json" }); Guidepost.identify("ui-user", {});</script>`;

/** The page of app `name`: the customer's paste, then the app's bundle. */
const page = (name) => `<!doctype html><html><head><meta charset="utf-8"><title>${name} app</title>
${PASTE}
</head><body><div id="root"></div><script src="/${name}/app.js"></script></body></html>`;

/** A Vue 3 app from script-tag builds: its library's stylesheet and script, and `use`d. */
const vuePage = (title, css, js, plugin, template) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="/nm/${css}">
${PASTE}
</head><body><div id="app"></div>
<script src="/nm/vue/dist/vue.global.prod.js"></script>
<script src="/nm/${js}"></script>
<script>
Vue.createApp({ data: () => ({ show: false, email: "" }), template: \`${template}\` }).use(${plugin}).mount("#app");
</script></body></html>`;

const VUETIFY_PAGE = vuePage("Vuetify app", "vuetify/dist/vuetify.min.css", "vuetify/dist/vuetify.min.js", "Vuetify.createVuetify()", `<v-app>
  <v-app-bar><v-toolbar-title>Team</v-toolbar-title><v-btn id="behind">Behind the dialog</v-btn></v-app-bar>
  <v-main><v-btn id="invite" @click="show = true">Invite</v-btn>
  <v-dialog v-model="show" max-width="420"><v-card title="Invite a teammate"><v-card-text><v-text-field v-model="email" label="Email" id="email" /></v-card-text>
  <v-card-actions><v-btn @click="show = false">Cancel</v-btn><v-btn class="send" @click="show = false">Send</v-btn></v-card-actions></v-card></v-dialog>
  </v-main></v-app>`);

const EP_PAGE = vuePage("Element Plus app", "element-plus/dist/index.css", "element-plus/dist/index.full.min.js", "ElementPlus", `<main><h1>Team</h1>
  <el-button id="invite" type="primary" @click="show = true">Invite</el-button>
  <el-dialog v-model="show" title="Invite a teammate" width="420">
    <el-input v-model="email" placeholder="Email" id="email" />
    <template #footer><el-button @click="show = false">Cancel</el-button><el-button type="primary" class="send" @click="show = false">Send</el-button></template>
  </el-dialog></main>`);

before(async () => {
  for (const name of ["mui", "headless", "antd"]) bundles[name] = await bundleApp(name);
  server = await serveStatic((req, res) => {
    const url = new URL(req.url, "http://x");
    const answer = (type, body) => { res.writeHead(200, { "content-type": type }); res.end(body); return true; };
    if (url.pathname === "/ui-guides.json") return answer("application/json", JSON.stringify(guides));
    if (url.pathname === "/ep/") return answer("text/html", EP_PAGE);
    if (url.pathname === "/vuetify/") return answer("text/html", VUETIFY_PAGE);
    if (url.pathname.startsWith("/nm/")) {
      const file = path.join(root, "node_modules", decodeURIComponent(url.pathname.slice(4)));
      if (!file.startsWith(path.join(root, "node_modules")) || !fs.existsSync(file)) return false;
      return answer(file.endsWith(".css") ? "text/css" : "text/javascript", fs.readFileSync(file));
    }
    const [, name, file] = url.pathname.split("/");
    if (!bundles[name]) return false;
    return file === "app.js" ? answer("text/javascript", bundles[name]) : answer("text/html", page(name));
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

test("regression: MUI's Dialog hid the step inside it from assistive technology and trapped the keyboard away from it", async () => {
  guides = [guide("mui-settings", [
    { id: "open", kind: "tooltip", title: "Settings", body: "Open them.", target: { selector: "button.MuiButton-containedPrimary" }, advance: { on: "click" } },
    { id: "name", kind: "tooltip", title: "Team name", body: "Type your team's name.", target: { selector: ".MuiDialog-root input" } },
    { id: "save", kind: "tooltip", title: "Save", body: "Then save.", target: { selector: ".MuiDialogActions-root button:last-child" } },
  ], { trigger: { type: "page_view" } })];
  const { page, errors } = await openPage(browser, `${server.base}/mui/`);
  await dialog(page).getByRole("heading", { name: "Settings" }).waitFor();
  await page.getByRole("button", { name: "Open settings" }).click();
  // By role: a step under the page's `aria-hidden` is not in the accessibility tree at all.
  await dialog(page).getByRole("heading", { name: "Team name" }).waitFor();
  assert.deepEqual(await page.locator("guidepost-root").evaluate((h) => [h.getAttribute("aria-hidden"), h.closest("[role=dialog]") !== null]), [null, true]);
  // The keyboard user tabs from the dialog's field to the step's button; MUI's trap keeps it.
  const onNext = () => page.evaluate(() => document.activeElement?.tagName === "GUIDEPOST-ROOT" && document.activeElement.shadowRoot.activeElement?.textContent === "Next");
  await page.getByRole("textbox", { name: "Team name" }).focus();
  for (let i = 0; i < 12 && !(await onNext()); i++) await page.keyboard.press("Tab");
  assert.equal(await onNext(), true, "Tab reaches the step's Next button");
  await page.keyboard.press("Enter");
  await dialog(page).getByRole("heading", { name: "Save" }).waitFor();
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).slice(-4), ["step_completed:name", "step_viewed:save", "step_completed:save", "guide_completed:save"]);
  // The app still works: its dialog closes, and the rest of the page is shown again.
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".MuiDialog-root").waitFor({ state: "detached" });
  assert.equal(await page.locator("body > [aria-hidden=true]").count(), 0);
  assert.deepEqual(errors, []);
});

test("regression: picking MUI components gave selectors whose first match was another element; now each names the one clicked, with no emotion hash, React id or MUI state class", async () => {
  guides = [];
  const { page, errors } = await openPage(browser, `${server.base}/mui/`);
  await page.evaluate(() => new Promise((r) => Guidepost.on("ready", r)));
  // What the author clicks, and the element the picked selector must name.
  const cases = [
    ["the selected Overview tab (its state class would follow the selection)", page.getByRole("tab", { name: "Overview" }), "[role=tab]:nth-child(1)"],
    ["the Reports tab's label", page.getByRole("tab", { name: "Reports" }), "[role=tab]:nth-child(2)"],
    ["the Invite button", page.getByRole("button", { name: "Invite" }), "header .MuiButton-root"],
    ["the notifications badge", page.locator(".MuiBadge-badge"), "button[aria-label=notifications]"],
    ["the Drafts item's text", page.getByText("Drafts"), ".MuiListItemButton-root:nth-child(2)"],
    ["the users figure", page.getByText("318"), ".MuiCard-root:nth-of-type(2) .MuiTypography-h4"],
    ["the search field", page.getByRole("textbox", { name: "Search" }), ".MuiTextField-root input"],
  ];
  for (const [what, locator, want] of cases) {
    const picked = page.evaluate(() => Guidepost.pick());
    await page.locator("[data-guidepost-picker]").first().waitFor({ state: "attached" });
    const box = await locator.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const { selector, matches } = await picked;
    const named = await page.evaluate(({ selector, want }) => {
      const all = document.querySelectorAll(selector);
      return { count: all.length, same: all[0] === document.querySelector(want) };
    }, { selector, want });
    assert.deepEqual([named, matches], [{ count: 1, same: true }, 1], `${what}: ${selector}`);
    assert.doesNotMatch(selector, /css-|sc-|:r|\\:|Mui-/, `${what}: ${selector} has no generated name or state class`);
  }
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "Overview", "picking did not switch tabs");
  assert.deepEqual(errors, []);
});

test("regression: a click on the step inside Headless UI's Dialog closed the app's dialog (a press outside its panel) and the tour lost its target", async () => {
  guides = [guide("hl-project", [
    { id: "open", kind: "tooltip", title: "New project", body: "Start one.", target: { selector: "#new-project" }, advance: { on: "click" } },
    { id: "name", kind: "tooltip", title: "Name it", body: "Any name will do.", target: { selector: "#project-name" } },
    { id: "create", kind: "tooltip", title: "Create", body: "And create it.", target: { selector: "#create" } },
  ], { trigger: { type: "page_view" } })];
  const { page, errors } = await openPage(browser, `${server.base}/headless/`);
  await dialog(page).getByRole("heading", { name: "New project" }).waitFor();
  await page.locator("#new-project").click();
  await dialog(page).getByRole("heading", { name: "Name it" }).waitFor();
  // The mouse user clicks the step's Next: the app's dialog stays open, the tour goes on.
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "Create" }).waitFor();
  assert.equal(await page.locator("#project-name").isVisible(), true, "the app's dialog is still open");
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)).slice(-4), ["step_completed:name", "step_viewed:create", "step_completed:create", "guide_completed:create"]);
  // A click outside the panel still closes it, as the app means it to.
  await page.mouse.click(5, 5);
  await page.locator("#project-name").waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

/**
 * Where the focus is after each of up to `max` Tab presses (fewer once `until` is reached):
 * `step:<label>` on a control of the step, `dialog:<id or text>` inside the app's dialog
 * (`dialogSel`), else `page:<id or tag>`.
 */
async function tabs(page, dialogSel, max, until) {
  const seen = [];
  while (seen.length < max && (!until || seen.at(-1) !== until)) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate((sel) => {
      const a = document.activeElement;
      if (a?.tagName === "GUIDEPOST-ROOT") return `step:${a.shadowRoot.activeElement?.textContent}`;
      return a?.closest(sel) ? `dialog:${a.id || a.textContent.trim()}` : `page:${a?.id || a?.tagName}`;
    }, dialogSel));
  }
  return seen;
}

/**
 * A step on a field of the app's dialog: the keyboard user tabs from the field to the step's
 * Next (the page's focus trap lets it), and on from its last control back into the dialog
 * (the trap keeps the focus in it). `dialogSel` is the element the app traps the focus in.
 */
async function checkTabThroughStep(app, dialogSel, open) {
  guides = [guide(`${app}-invite`, [
    // The app opens its dialog after the page loads.
    { id: "email", kind: "tooltip", title: "Email", body: "Their address.", target: { selector: "#email" }, wait_ms: 20000 },
    { id: "send", kind: "tooltip", title: "Send", body: "And send it.", target: { selector: `${dialogSel} .send` } },
    { id: "thanks", kind: "modal", title: "All set", body: "That is all." },
  ], { trigger: { type: "page_view" } })];
  const { page, errors } = await openPage(browser, `${server.base}/${app}/`);
  await open(page);
  await dialog(page).getByRole("heading", { name: "Email" }).waitFor();
  await page.locator("#email").focus();
  const there = await tabs(page, dialogSel, 8, "step:Next");
  assert.equal(there.at(-1), "step:Next", `${app}: Tab went ${there.join(" → ")}`);
  const on = await tabs(page, dialogSel, 1);
  assert.match(on[0], /^dialog:/, `${app}: Tab from the step's last control went to ${on[0]}`);
  // A modal step keeps Tab among its own controls, wrapping round, away from the trap.
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("button", { name: "Next" }).click();
  await dialog(page).getByRole("heading", { name: "All set" }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === "GUIDEPOST-ROOT");
  const round = await tabs(page, dialogSel, 4);
  assert.ok(round.every((f) => f.startsWith("step:")), `${app}: Tab went ${round.join(" → ")}`);
  assert.equal(await page.locator(dialogSel).isVisible(), true, `${app}: the app's dialog is still open`);
  assert.deepEqual(errors, []);
}

test("regression: in Element Plus's dialog, Tab never reached the step: its focus trap wrapped round before it", async () => {
  await checkTabThroughStep("ep", ".el-dialog", (page) => page.locator("#invite").click());
});

test("regression: in Vuetify's dialog, Tab from the step's last control left the dialog for the page behind it", async () => {
  await checkTabThroughStep("vuetify", ".v-overlay__content", (page) => page.locator("#invite").click());
});

test("regression: in Ant Design's Modal, Tab never reached the step: the host sat after the modal's closing focus guard", async () => {
  await checkTabThroughStep("antd", ".ant-modal", (page) => page.getByRole("button", { name: "Invite" }).click());
});
