import { RandomStream } from "../kernel/random.js";
import {
  DelayScheduler,
  ExhaustiveScheduler,
  FifoScheduler,
  PctScheduler,
  RandomScheduler,
  ReplayScheduler,
  type ChoicePoint,
  type Scheduler,
} from "../kernel/scheduler.js";
import { encodeSchedule, type Delay, type Schedule } from "../kernel/schedule-string.js";

/** What exploration needs of one run: given a scheduler and a seed, run and say whether it failed. */
export type RunFn = (scheduler: Scheduler, seed: number) => RunSummary;

export interface RunSummary {
  failed: boolean;
  outcome: string;
  /** what the scheduler decided: choices and delays */
  schedule: Schedule;
  /** kernel steps (the delay strategy draws its delay points over them) */
  steps?: number;
  /** what failed, numbers left out: the outcome and each failed expectation (scenario shrinking keeps it) */
  signature?: string;
}

export type Strategy = "fifo" | "random" | "pct" | "delay" | "exhaustive";

export interface ExploreOptions {
  strategy: Strategy;
  runs: number;
  /** first seed; run i uses seed + i */
  seed?: number;
  /** pct: bug depth d (d-1 change points); delay: the number of delays per run */
  depth?: number;
  /** pct: expected number of scheduling choices k; delay: kernel steps of a run; default measured from one fifo run */
  steps?: number;
  /** exhaustive: choice points enumerated per run (deeper ones take choice 0) */
  maxDepth?: number;
  /** keep going after the first failure and count them */
  all?: boolean;
  /** called after every run (progress bars) */
  onRun?: (done: number, failing: number) => void;
}

export interface Failure {
  seed: number;
  run: number;
  /** the schedule string to paste into replay */
  schedule: string;
  decoded: Schedule;
  outcome: string;
}

export interface ExploreResult {
  runs: number;
  strategy: Strategy;
  failingRuns: number;
  firstFailure: Failure | null;
  /** exhaustive only: whether every interleaving within maxDepth was run */
  exhausted?: boolean;
}

/** Builds the scheduler a strategy uses for one seed. */
export function schedulerFor(strategy: Strategy | "replay", seed: number, opts: { depth?: number; steps?: number; choices?: number[]; schedule?: Schedule } = {}): Scheduler {
  switch (strategy) {
    case "fifo":
      return new FifoScheduler();
    case "random":
      return new RandomScheduler(new RandomStream(seed, "scheduler"));
    case "pct":
      return new PctScheduler(new RandomStream(seed, "scheduler"), opts.depth ?? 3, opts.steps ?? 1000);
    case "delay":
      return new DelayScheduler(new RandomStream(seed, "scheduler"), opts.depth ?? 3, opts.steps ?? 1000);
    case "replay":
      return new ReplayScheduler(opts.schedule ?? opts.choices ?? []);
    case "exhaustive":
      return new ExhaustiveScheduler(opts.choices ?? [], Number.MAX_SAFE_INTEGER);
  }
}

/** Runs a model many times under a strategy; stops at the first failing run unless `all`. */
export function explore(run: RunFn, opts: ExploreOptions): ExploreResult {
  if (opts.strategy === "exhaustive") {
    const runs = exhaustiveRuns(run, opts);
    for (;;) {
      const r = runs.next();
      if (r.done) return r.value;
    }
  }
  const seed0 = opts.seed ?? 1;
  const { result, record } = recorder(opts);
  let steps = opts.steps;
  // PCT draws its change points over the run's scheduling choices (k), the delay strategy its
  // delay points over the run's kernel steps, both measured on one fifo run
  if (steps === undefined && (opts.strategy === "pct" || opts.strategy === "delay")) {
    const probe = run(new FifoScheduler(), seed0);
    steps = Math.max(1, opts.strategy === "pct" ? probe.schedule.choices.length : (probe.steps ?? 1000));
  }
  for (let i = 0; i < opts.runs; i++) {
    const seed = seed0 + i;
    const sched = schedulerFor(opts.strategy, seed, { depth: opts.depth, steps });
    if (record(run(sched, seed), seed)) break;
  }
  return result;
}

/**
 * The exhaustive strategy (bounded depth-first over the choices, each run's prefix from the last
 * one's trail), one run per step: it yields the counts so far after each run, so a caller can stop
 * between runs (Ctrl-C) and still report them; it returns them with `exhausted` at the end.
 */
export function* exhaustiveRuns(run: RunFn, opts: Omit<ExploreOptions, "strategy">): Generator<ExploreResult, ExploreResult, void> {
  const seed0 = opts.seed ?? 1;
  const { result, record } = recorder({ ...opts, strategy: "exhaustive" });
  let prefix: number[] | null = [];
  while (prefix && result.runs < opts.runs) {
    const sched = new ExhaustiveScheduler(prefix, opts.maxDepth ?? 1000);
    const summary = run(sched, seed0);
    if (record(summary, seed0)) break;
    prefix = ExhaustiveScheduler.nextPrefix(sched.trail as ChoicePoint[]);
    yield result;
  }
  result.exhausted = prefix === null;
  return result;
}

/** The counts of an exploration, and `record`: counts a run, true if exploration should stop. */
function recorder(opts: ExploreOptions): { result: ExploreResult; record: (summary: RunSummary, seed: number) => boolean } {
  const result: ExploreResult = { runs: 0, strategy: opts.strategy, failingRuns: 0, firstFailure: null };
  const record = (summary: RunSummary, seed: number): boolean => {
    result.runs++;
    if (summary.failed) {
      result.failingRuns++;
      result.firstFailure ??= {
        seed,
        run: result.runs,
        schedule: encodeSchedule(summary.schedule),
        decoded: summary.schedule,
        outcome: summary.outcome,
      };
    }
    opts.onRun?.(result.runs, result.failingRuns);
    return summary.failed && !opts.all;
  };
  return { result, record };
}

export interface ShrinkResult {
  schedule: Schedule;
  /** its schedule string */
  text: string;
  originalLength: number;
  originalDelays: number;
  /** total ns of delay before and after */
  originalDelayNs: number;
  attempts: number;
}

/**
 * Reduces a failing schedule to a smaller one that still fails. Delays first: drop each one that
 * is not needed, then shorten each remaining one (halving while the run still fails), so the
 * report names the one preemption that opens the window. Then the choices: cut the tail (past its
 * end replay takes choice 0, fifo), drop chunks of decreasing size, lower each remaining choice
 * toward 0 (fewer context switches). Every candidate is checked by a replay.
 */
export function shrinkSchedule(run: RunFn, seed: number, schedule: Schedule, maxAttempts = 2000): ShrinkResult {
  let attempts = 0;
  let delays: Delay[] = [...schedule.delays];
  let best = [...schedule.choices];
  const fails = (choices: number[], ds: Delay[]): boolean => {
    attempts++;
    return run(new ReplayScheduler({ choices, delays: ds }), seed).failed;
  };
  // 1. delays: fewer, then shorter
  for (let i = delays.length - 1; i >= 0 && attempts < maxAttempts; i--) {
    const cand = [...delays.slice(0, i), ...delays.slice(i + 1)];
    if (fails(best, cand)) delays = cand;
  }
  for (let i = 0; i < delays.length && attempts < maxAttempts; i++) {
    for (;;) {
      const ns = Math.floor(delays[i]!.ns / 2);
      if (ns < 1 || attempts >= maxAttempts) break;
      const cand = delays.map((d, j) => (j === i ? { step: d.step, ns } : d));
      if (!fails(best, cand)) break;
      delays = cand;
    }
  }
  // 2. shortest failing prefix of choices (binary search on length; verified by replay)
  let lo = 0;
  let hi = best.length;
  while (lo < hi && attempts < maxAttempts) {
    const mid = (lo + hi) >> 1;
    if (fails(best.slice(0, mid), delays)) hi = mid;
    else lo = mid + 1;
  }
  if (hi < best.length && fails(best.slice(0, hi), delays)) best = best.slice(0, hi);
  // 3. delete chunks
  for (let size = Math.max(1, best.length >> 1); size >= 1 && attempts < maxAttempts; size >>= 1) {
    for (let i = 0; i + size <= best.length && attempts < maxAttempts; ) {
      const cand = [...best.slice(0, i), ...best.slice(i + size)];
      if (fails(cand, delays)) best = cand;
      else i += size;
    }
  }
  // 4. lower choices toward 0 (0 = the longest-ready thread: no preemption)
  for (let i = 0; i < best.length && attempts < maxAttempts; i++) {
    if (best[i] === 0) continue;
    const cand = [...best];
    cand[i] = 0;
    if (fails(cand, delays)) best = cand;
  }
  while (best.length > 0 && best[best.length - 1] === 0) best.pop();
  const shrunk: Schedule = { choices: best, delays };
  return {
    schedule: shrunk,
    text: encodeSchedule(shrunk),
    originalLength: schedule.choices.length,
    originalDelays: schedule.delays.length,
    originalDelayNs: schedule.delays.reduce((a, d) => a + d.ns, 0),
    attempts,
  };
}
