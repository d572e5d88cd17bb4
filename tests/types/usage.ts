// Compiled with `tsc --noEmit --strict` by scripts/test-web.sh: the published types accept
// the API as the README documents it, and refuse misuse (each @ts-expect-error must fail).
import Guidepost, { Guidepost as Named, type GuideRecord, type ValidationReport } from "../../crates/web/js/guidepost";

async function embed(): Promise<void> {
  Guidepost.init({ endpoint: "https://collector.example.com", writeKey: "wk_live_1", stepTimeoutMs: 30000, budget: { min_minutes_between_guides: 5 } });
  Named.init({ guides: [{ id: "tour", name: "Tour", steps: [] }], locale: "fr-FR", rtl: false });
  Guidepost.identify("user-42", { role: "admin", plan: "pro", seats: 12, beta: true, tags: ["a", "b"] });
  Guidepost.track("report_created", { size: 3 });
  Guidepost.start("tour");
  const off = Guidepost.on("guide_completed", (r: GuideRecord) => console.log(r.guide_id, r.reason, r.duration_ms));
  off();
  Guidepost.on("ready", (e) => console.log(e.version, e.guides));
  Guidepost.on("error", (e) => console.log(e.source, e.message));
  const report: ValidationReport | null = await Guidepost.validate('{"id": "x"}');
  console.log(report?.diagnostics.map((d) => `${d.severity} ${d.path} ${d.message}`));
  const traces = await Guidepost.debug();
  console.log(traces.filter((t) => !t.eligible).map((t) => t.trace.children?.length));
  const picked = await Guidepost.pick();
  console.log(picked?.target.selector, picked?.matches);
  window.Guidepost.page();

  // @ts-expect-error: an unknown init option
  Guidepost.init({ guide: [] });
  // @ts-expect-error: traits are values, not functions
  Guidepost.identify("u", { role: () => "admin" });
  // @ts-expect-error: no such event
  Guidepost.on("guide_exploded", () => {});
  // @ts-expect-error: a record's kind is one of the known kinds
  const kind: GuideRecord["kind"] = "guide_seen";
  console.log(kind);
}

void embed;
