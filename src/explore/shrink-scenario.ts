/**
 * Delta debugging over the scenario: once exploration has found a failing run, remove what the
 * failure does not need (threads, clients of a thread, loop iterations and loop items, script
 * steps in chunks of decreasing size, repeat counts, setup lines), keeping each reduction that
 * still fails the same way (the same outcome and failed expectations: scenario-run.ts
 * failureSignature). Reductions are made on the YAML document, so the
 * smaller scenario keeps the file's comments and layout, and each candidate is checked by the
 * loader first (a reduction that makes the file invalid costs no run).
 *
 * A reduced scenario interleaves differently, so the old schedule is a hint only: a candidate
 * fails if a replay of the current failing schedule fails, or else one of a few runs of the
 * exploration's strategy does (seeds from the failing one). The budget is a number of runs, so
 * the result is the same on every machine.
 */
import { isMap, isSeq, parseDocument, type Document } from "yaml";
import { ReplayScheduler } from "../kernel/scheduler.js";
import type { Schedule } from "../kernel/schedule-string.js";
import type { Scenario } from "../scenario/loader.js";
import { schedulerFor, type RunFn, type Strategy } from "./explore.js";
import { probeSteps } from "./parallel.js";

export interface ScenarioShrinkInput {
  /** the scenario file's text */
  text: string;
  /** text -> compiled scenario (with the run's --set scenario keys); throws for an invalid text */
  load: (text: string) => Scenario;
  /** the RunFn of a compiled scenario (its --set variables and --max-steps) */
  runFn: (sc: Scenario) => RunFn;
  strategy: Strategy;
  /** pct: bug depth; delay: delays per run */
  depth?: number;
  /** the failing run */
  seed: number;
  schedule: Schedule;
  /** runs of the strategy tried on a candidate when the replay does not fail (default 8) */
  triesPerCandidate?: number;
  /** runs in all (default 1500) */
  maxRuns?: number;
}

export interface ScenarioShrinkResult {
  /** the reduced scenario's text (the input text if nothing could be removed) */
  text: string;
  scenario: Scenario;
  /** its failing run */
  seed: number;
  schedule: Schedule;
  /** what was removed or lowered, in order */
  changes: string[];
  runs: number;
}

interface Candidate {
  what: string;
  /** a lowering of one value ("committer: iterations"): all of them are reported as one, from first to last */
  key?: string;
  from?: string;
  to?: string;
  apply(doc: Document): void;
}

/** Reduces the scenario while it still fails with the same outcome. */
export function shrinkScenario(input: ScenarioShrinkInput): ScenarioShrinkResult {
  const tries = input.triesPerCandidate ?? 8;
  const maxRuns = input.maxRuns ?? 1500;
  let runs = 0;
  let doc: Document = parseDocument(input.text);
  let text = input.text;
  let scenario = input.load(text);
  let failing = { seed: input.seed, schedule: input.schedule };
  const accepted: Candidate[] = [];

  // the failure to keep: the failing run's signature, replayed once
  const first = input.runFn(scenario)(new ReplayScheduler(input.schedule), input.seed);
  runs++;
  const target = first.signature ?? first.outcome;

  /** The failing run of `sc` found within the budget, or null. */
  const fails = (sc: Scenario): { seed: number; schedule: Schedule } | null => {
    const run = input.runFn(sc);
    const same = (r: ReturnType<RunFn>): boolean => r.failed && (r.signature ?? r.outcome) === target;
    runs++;
    const replayed = run(new ReplayScheduler(failing.schedule), failing.seed);
    if (same(replayed)) return { seed: failing.seed, schedule: replayed.schedule };
    if (input.strategy === "exhaustive" || input.strategy === "fifo") return null;
    const steps = probeSteps(run, input.strategy, failing.seed, undefined);
    for (let k = 0; k < tries && runs < maxRuns; k++) {
      const seed = failing.seed + k;
      runs++;
      const r = run(schedulerFor(input.strategy, seed, { depth: input.depth, steps }), seed);
      if (same(r)) return { seed, schedule: r.schedule };
    }
    return null;
  };

  let progress = true;
  while (progress && runs < maxRuns) {
    progress = false;
    for (const c of candidates(doc)) {
      if (runs >= maxRuns) break;
      const next = doc.clone();
      c.apply(next);
      dropEmpty(next);
      const nextText = next.toString(TO_STRING);
      let sc: Scenario;
      try {
        sc = input.load(nextText);
      } catch {
        continue;
      }
      const f = fails(sc);
      if (!f) continue;
      [doc, text, scenario, failing] = [next, nextText, sc, f];
      const earlier = c.key ? accepted.findIndex((x) => x.key === c.key) : -1;
      if (earlier >= 0) accepted[earlier] = { ...c, from: accepted[earlier]!.from };
      else accepted.push(c);
      progress = true;
      break;
    }
  }
  const changes = accepted.map((c) => (c.key ? `${c.key} ${c.from} -> ${c.to}` : c.what));
  return { text, scenario, seed: failing.seed, schedule: failing.schedule, changes, runs };
}

/** Keep the file's lines as they were: no folding of long strings, flow maps on one line. */
const TO_STRING = { lineWidth: 0, flowCollectionPadding: true } as const;

/** Iterations tried for a thread that loops until the scenario's duration. */
const ITERATION_STEPS = [1, 2, 4, 8, 16, 32];

/** The reductions of a scenario document, the largest first. */
function candidates(doc: Document): Candidate[] {
  const out: Candidate[] = [];
  const threads = doc.get("threads");
  if (isMap(threads)) {
    const names = threads.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key));
    for (const n of names) out.push({ what: `thread ${n} removed`, apply: (d) => d.deleteIn(["threads", n]) });
    for (const n of names) {
      const count = Number(doc.getIn(["threads", n, "count"]) ?? 1);
      for (const c of lower(count)) out.push(lowering(`${n}: count`, count, c, (d) => d.setIn(["threads", n, "count"], c)));
      const it = doc.getIn(["threads", n, "iterations"]);
      if (it === undefined) {
        if (doc.getIn(["threads", n, "loop"]) !== undefined) for (const k of ITERATION_STEPS) out.push(lowering(`${n}: iterations`, "until the duration", k, (d) => d.setIn(["threads", n, "iterations"], k)));
      } else for (const k of lower(Number(it))) out.push(lowering(`${n}: iterations`, it, k, (d) => d.setIn(["threads", n, "iterations"], k)));
      const loop = doc.getIn(["threads", n, "loop"]);
      if (isSeq(loop) && loop.items.length > 1) loop.items.forEach((item, i) => out.push({ what: `${n}: loop item ${quote(item)} removed`, apply: (d) => d.deleteIn(["threads", n, "loop", i]) }));
    }
  }
  const steps = doc.get("steps");
  if (isSeq(steps)) {
    const len = steps.items.length;
    for (let size = len >> 1; size >= 1; size >>= 1) {
      for (let i = 0; i + size <= len; i += size) {
        const what = size === 1 ? `step ${quote(steps.items[i])} removed` : `${size} steps from ${quote(steps.items[i])} removed`;
        out.push({ what, apply: (d) => {
          for (let k = 0; k < size; k++) d.deleteIn(["steps", i]);
        } });
      }
    }
    steps.items.forEach((_, i) => {
      const times = doc.getIn(["steps", i, "repeat", "times"]);
      if (typeof times === "number") for (const t of lower(times)) out.push(lowering(`repeat at step ${i + 1}: times`, times, t, (d) => d.setIn(["steps", i, "repeat", "times"], t)));
    });
  }
  const setup = doc.get("setup");
  if (isSeq(setup)) setup.items.forEach((item, i) => out.push({ what: `setup ${quote(item)} removed`, apply: (d) => d.deleteIn(["setup", i]) }));
  return out;
}

function lowering(key: string, from: unknown, to: number, apply: (d: Document) => void): Candidate {
  return { what: `${key} ${String(from)} -> ${to}`, key, from: String(from), to: String(to), apply };
}

/** A node as one short line of YAML, for the report of what was removed. */
function quote(node: unknown): string {
  const v = (node as { toJSON?: () => unknown })?.toJSON?.() ?? node;
  const word = (x: unknown): string => (typeof x === "string" ? x : JSON.stringify(x));
  const text = (v && typeof v === "object" && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => `${k}: ${word(x)}`).join(", ") : word(v)).replace(/\s+/g, " ").trim();
  return `"${text.length > 48 ? `${text.slice(0, 45)}...` : text}"`;
}

/** Top-level lists and mappings left empty by a removal go too (`threads: {}`). */
function dropEmpty(doc: Document): void {
  for (const key of ["threads", "steps", "setup"]) {
    const n = doc.get(key);
    if ((isMap(n) || isSeq(n)) && n.items.length === 0) doc.delete(key);
  }
}

/** Smaller values to try for a count above 1: half of it, then one less. */
function lower(n: number): number[] {
  if (!Number.isInteger(n) || n <= 1) return [];
  const half = Math.max(1, Math.floor(n / 2));
  return half < n - 1 ? [half, n - 1] : [n - 1];
}
