// A host page with a strict Content-Security-Policy, as the README documents it: scripts
// by nonce plus 'wasm-unsafe-eval', no inline styles at all ('unsafe-inline' absent),
// connections to the page's own origin only. The overlay must be styled and positioned,
// the picker must work, and the engine must cause no violation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launch, openPage, dialog, events, kinds, frames } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stub = fs.readFileSync(path.join(root, "crates/web/js/stub.js"), "utf8");
// Two policies and the two forms of the snippet: the README's (scripts from 'self' or by
// nonce) with a pasted script tag, and a nonce-only one with the stub's `load`, which must
// hand its nonce to the script it adds (and the modules that script imports inherit it).
const POLICIES = {
  documented: "default-src 'none'; script-src 'self' 'nonce-gp-test' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self'",
  "nonce-only": "default-src 'none'; script-src 'nonce-gp-test' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self'",
  // Trusted Types enforced for script sinks (`innerHTML` among them), as Google-style apps do.
  // Regression: leptos built the overlay's static elements through `innerHTML`, which the
  // page refused: the step never showed and the error went into the page.
  "trusted-types": "default-src 'none'; script-src 'self' 'nonce-gp-test' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'",
};
const guides = [{
  id: "csp", name: "csp", trigger: { type: "page_view" }, frequency: { type: "times", n: 100 },
  steps: [{ id: "a", kind: "tooltip", title: "Strict CSP", body: "Styled and anchored.", target: { selector: "#target" }, placement: "bottom" }],
}];
const SNIPPETS = {
  tag: `<script nonce="gp-test">${stub}</script>\n<script async src="/dist/guidepost.js" nonce="gp-test"></script>`,
  load: `<script nonce="gp-test">${stub}\nGuidepost.load("/dist/guidepost.js");</script>`,
};
const pageHtml = (snippet) => `<!doctype html><html><head><meta charset="utf-8"><title>Strict CSP</title>
<link rel="stylesheet" href="/csp/page.css">
${SNIPPETS[snippet]}
<script nonce="gp-test">Guidepost.init({ guides: "/csp/guides.json", endpoint: location.origin, writeKey: "wk" }); Guidepost.identify("csp-user", {});</script>
</head><body><main><button id="target">Target</button> <button id="other">Other</button></main></body></html>`;

let server, browser;
before(async () => {
  server = await serveStatic((req, res) => {
    const url = new URL(req.url, "http://x");
    const answers = {
      "/csp/": ["text/html", pageHtml(url.searchParams.get("snippet"))],
      "/csp/page.css": ["text/css", "main { padding: 120px 200px; }"],
      "/csp/guides.json": ["application/json", JSON.stringify(guides)],
    };
    const a = answers[url.pathname];
    if (!a) return false;
    res.writeHead(200, { "content-type": a[0], "content-security-policy": POLICIES[url.searchParams.get("policy") || "documented"] });
    res.end(a[1]);
    return true;
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

/** (policy, snippet form) */
const cases = [
  ["documented", "tag"],
  ["nonce-only", "load"],
  // The README's form for such pages: the stub's `load` would assign a script URL.
  ["trusted-types", "tag"],
];
for (const [policy, snippet] of cases) test(`a page with a strict CSP (${policy}, snippet with ${snippet}) gets a styled, anchored guide and no violation`, async () => {
  const { page, errors } = await openPage(browser, `${server.base}/csp/?policy=${policy}&snippet=${snippet}`, {
    init: () => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    },
  });
  await dialog(page).getByRole("heading", { name: "Strict CSP" }).waitFor();
  await frames(page);
  const [box, target, radius] = await Promise.all([
    dialog(page).evaluate((e) => e.getBoundingClientRect().toJSON()),
    page.locator("#target").evaluate((e) => e.getBoundingClientRect().toJSON()),
    dialog(page).evaluate((e) => getComputedStyle(e).borderTopLeftRadius),
  ]);
  assert.equal(radius, "10px", "the overlay's stylesheet applies");
  assert.ok(Math.abs(box.top - target.bottom) < 30 && Math.abs(box.left - target.left) < 200, `anchored: ${JSON.stringify({ box, target })}`);
  await dialog(page).getByRole("button", { name: "Done" }).click();
  await dialog(page).waitFor({ state: "detached" });
  assert.deepEqual(kinds(await events(page)), ["guide_shown:", "step_viewed:a", "step_completed:a", "guide_completed:a"]);
  // The picker's highlight is styled through the CSSOM too.
  const picked = page.evaluate(() => Guidepost.pick());
  await page.waitForFunction(() => document.querySelector("[data-guidepost-picker]"));
  await page.locator("#other").click();
  assert.equal((await picked).selector, "#other");
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
});
