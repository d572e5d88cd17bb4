// Types for the Guidepost embed API: `window.Guidepost` (script tag) and the ESM entry
// (`import { Guidepost } from "guidepost"`, dist/guidepost.mjs). Guide JSON itself is
// described by guides/guide.schema.json; here a guide is an object the engine validates.

/** A guide as authors write it (validated by the engine; see guides/guide.schema.json). */
export type GuideJson = { id: string; [field: string]: unknown };

export interface Budget {
  /** At most one new automatically started guide per this many minutes. */
  min_minutes_between_guides?: number;
  /** After a dismiss, start nothing automatically for this many minutes. */
  suppress_minutes_after_dismiss?: number;
}

export interface InitOptions {
  /**
   * Guides as an array, or the URL of a JSON file. Without it, and with `endpoint` and
   * `writeKey`, the guides published to the write key's environment in the guide store.
   */
  guides?: GuideJson[] | GuideJson | string;
  /** The collector's origin, e.g. "https://collector.example.com": enables delivery. */
  endpoint?: string;
  /** A write key of the collector (public: it ships in the page). */
  writeKey?: string;
  /** Overrides the browser's language for translations and locale rules. */
  locale?: string;
  budget?: Budget;
  /** Forces right-to-left (or left-to-right) instead of reading the page's `dir`. */
  rtl?: boolean;
  /** Ends a guide left idle on one step this long (exit reason `timeout`). */
  stepTimeoutMs?: number;
  /** Loads the overlay module at once instead of when a guide is about to show, so guides
   * still show for users who go offline after the page loaded. */
  prefetchOverlay?: boolean;
}

/** A trait: strings, numbers, booleans, ISO dates (as strings) or lists. */
export type TraitValue = string | number | boolean | null | TraitValue[];

export type ExitReason = "completed" | "dismissed" | "target_missing" | "navigated_away" | "timeout" | "displaced" | "user_changed";

export type RecordKind =
  | "guide_shown"
  | "step_viewed"
  | "step_completed"
  | "step_target_missing"
  | "survey_answered"
  | "guide_completed"
  | "guide_dismissed"
  | "guide_abandoned"
  /** The user falls in the guide's holdout (its control group) and was not shown it. */
  | "guide_held_out"
  /** The user reached the guide's goal within its window after the first exposure. */
  | "goal_reached";

export interface SurveyAnswer {
  score?: number;
  choice?: string;
  comment?: string;
}

/** An analytics record, as `on("event")` and `on(kind)` receive it. */
export interface GuideRecord {
  event_id: string;
  kind: RecordKind;
  guide_id: string;
  guide_version: number;
  step_id: string | null;
  step_index: number | null;
  user_id: string;
  anonymous: boolean;
  session_id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  url: string;
  variant: string | null;
  reason: ExitReason | null;
  duration_ms: number | null;
  answer: SurveyAnswer | null;
}

export interface GuidepostError {
  /** `guides`, `init`, `identify`, `track`, `start`, `config`, `delivery`, `load`, `panic`, … */
  source: string;
  message: string;
  /** For `guides`: the engine's diagnostic. */
  diagnostics?: unknown;
}

export interface ReadyEvent {
  version: string;
  /** How many guides are loaded. */
  guides: number;
}

export interface Diagnostic {
  severity: "error" | "warning";
  guide_id: string | null;
  /** JSON path, e.g. `$[0].steps[2].placement`. */
  path: string;
  message: string;
}

export interface ValidationReport {
  /** The ids of the guides that loaded. */
  guides: string[];
  diagnostics: Diagnostic[];
}

export interface Trace {
  passed: boolean;
  label: string;
  detail: string;
  children?: Trace[];
}

export interface GuideExplanation {
  guide_id: string;
  /** Would this guide show for this user on this page, by its audience and frequency. */
  eligible: boolean;
  trace: Trace;
}

export interface Target {
  selector: string;
  /** The element's text (trimmed, case-insensitive): of several elements the selector matches, those with it are taken; with a selector that names no id and no attribute (a tag and classes, a structural path), only those with it. */
  text?: string;
  fallbacks?: Array<{ text?: string; tag?: string; attribute?: string; value?: string }>;
}

export interface PickResult {
  target: Target;
  selector: string;
  /** How many elements the selector matches (1 is what you want). */
  matches: number;
  /**
   * Set when what was clicked is inside a web component's shadow root and could not be
   * named there: the tag of the component that was named instead (it may be larger than
   * what was clicked).
   */
  component?: string;
}

export interface EventMap {
  ready: ReadyEvent;
  guides_loaded: number;
  event: GuideRecord;
  error: GuidepostError;
  guide_shown: GuideRecord;
  step_viewed: GuideRecord;
  step_completed: GuideRecord;
  step_target_missing: GuideRecord;
  survey_answered: GuideRecord;
  guide_completed: GuideRecord;
  guide_dismissed: GuideRecord;
  guide_abandoned: GuideRecord;
  guide_held_out: GuideRecord;
  goal_reached: GuideRecord;
}

export interface GuidepostApi {
  readonly version: string;
  /** The snippet's loader: adds `<script async src>` for `src` (the URL of guidepost.js) and
   * starts compiling the wasm beside it. Once guidepost.js runs, it does nothing. */
  load(src: string): void;
  init(options: InitOptions): void;
  identify(userId: string | number, traits?: Record<string, TraitValue>): void;
  track(event: string, props?: Record<string, unknown>): void;
  page(): void;
  start(guideId: string): void;
  end(): void;
  reset(): void;
  on<K extends keyof EventMap>(name: K, handler: (payload: EventMap[K], name: K) => void): () => void;
  on(name: "*", handler: (payload: EventMap[keyof EventMap], name: keyof EventMap) => void): () => void;
  /** Every loaded guide's eligibility with its trace; `[]` when the engine cannot run.
   * Loads the author module on first use. */
  debug(): Promise<GuideExplanation[]>;
  /** Full validation with diagnostics; `null` when the engine cannot run. Loads the author
   * module on first use. */
  validate(json: string | GuideJson | GuideJson[]): Promise<ValidationReport | null>;
  /** Resolves with the picked element's target, or `null` on Esc. `prefer` orders (and
   * limits) the attribute families the selector may use. */
  pick(options?: { prefer?: Array<"data-tour" | "data-testid" | "id" | "aria-label" | "text"> }): Promise<PickResult | null>;
  /** Runs a guide from step `step` (as a user who reached it sees it: Back to the step
   * before, Next on) in the real overlay without recording or saving anything (the in-app
   * designer's preview): `true`, or the problem as text. */
  preview(options: { guide: GuideJson; step: number }): true | string | undefined;
}

export declare const Guidepost: GuidepostApi;
export default Guidepost;

declare global {
  interface Window {
    Guidepost: GuidepostApi;
  }
}
