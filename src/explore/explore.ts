import { RandomStream } from "../kernel/random.js";
import {
  ExhaustiveScheduler,
  FifoScheduler,
  PctScheduler,
  RandomScheduler,
  ReplayScheduler,
  type ChoicePoint,
  type Scheduler,
} from "../kernel/scheduler.js";
import { encodeSchedule } from "../kernel/schedule-string.js";

/** What exploration needs of one run: given a scheduler and a seed, run and say whether it failed. */
export type RunFn = (scheduler: Scheduler, seed: number) => RunSummary;

export interface RunSummary {
  failed: boolean;
  outcome: string;
  choices: readonly number[];
  /** kernel steps (reported, not used for scheduling) */
  steps?: number;
}

export type Strategy = "fifo" | "random" | "pct" | "exhaustive";

export interface ExploreOptions {
  strategy: Strategy;
  runs: number;
  /** first seed; run i uses seed + i */
  seed?: number;
  /** pct: bug depth d (d-1 change points) */
  depth?: number;
  /** pct: expected number of scheduling choices k; default measured from one fifo run */
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
  schedule: string;
  choices: number[];
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
export function schedulerFor(strategy: Strategy | "replay", seed: number, opts: { depth?: number; steps?: number; choices?: number[] } = {}): Scheduler {
  switch (strategy) {
    case "fifo":
      return new FifoScheduler();
    case "random":
      return new RandomScheduler(new RandomStream(seed, "scheduler"));
    case "pct":
      return new PctScheduler(new RandomStream(seed, "scheduler"), opts.depth ?? 3, opts.steps ?? 1000);
    case "replay":
      return new ReplayScheduler(opts.choices ?? []);
    case "exhaustive":
      return new ExhaustiveScheduler(opts.choices ?? [], Number.MAX_SAFE_INTEGER);
  }
}

/** Runs a model many times under a strategy; stops at the first failing run unless `all`. */
export function explore(run: RunFn, opts: ExploreOptions): ExploreResult {
  const seed0 = opts.seed ?? 1;
  const result: ExploreResult = { runs: 0, strategy: opts.strategy, failingRuns: 0, firstFailure: null };
  const record = (summary: RunSummary, seed: number): boolean => {
    result.runs++;
    if (summary.failed) {
      result.failingRuns++;
      result.firstFailure ??= {
        seed,
        run: result.runs,
        schedule: encodeSchedule(summary.choices),
        choices: [...summary.choices],
        outcome: summary.outcome,
      };
    }
    opts.onRun?.(result.runs, result.failingRuns);
    return summary.failed && !opts.all;
  };

  if (opts.strategy === "exhaustive") {
    let prefix: number[] | null = [];
    while (prefix && result.runs < opts.runs) {
      const sched = new ExhaustiveScheduler(prefix, opts.maxDepth ?? 1000);
      const summary = run(sched, seed0);
      if (record(summary, seed0)) break;
      prefix = ExhaustiveScheduler.nextPrefix(sched.trail as ChoicePoint[]);
    }
    result.exhausted = prefix === null;
    return result;
  }

  let steps = opts.steps;
  // PCT draws its change points over the run's scheduling choices (k), measured on one fifo run
  if (opts.strategy === "pct" && steps === undefined) steps = Math.max(1, run(new FifoScheduler(), seed0).choices.length);
  for (let i = 0; i < opts.runs; i++) {
    const seed = seed0 + i;
    const sched = schedulerFor(opts.strategy, seed, { depth: opts.depth, steps });
    if (record(run(sched, seed), seed)) break;
  }
  return result;
}

export interface ShrinkResult {
  choices: number[];
  schedule: string;
  originalLength: number;
  attempts: number;
}

/**
 * Reduces a failing schedule to a smaller one that still fails: first cut the tail (past its end
 * replay takes choice 0, fifo), then drop chunks of decreasing size, then lower each remaining
 * choice toward 0 (fewer context switches). Every candidate is checked by a replay.
 */
export function shrinkSchedule(run: RunFn, seed: number, choices: readonly number[], maxAttempts = 2000): ShrinkResult {
  let best = [...choices];
  let attempts = 0;
  const fails = (c: number[]): boolean => {
    attempts++;
    return run(new ReplayScheduler(c), seed).failed;
  };
  // 1. shortest failing prefix (binary search on length; monotonic enough in practice, verified by replay)
  let lo = 0;
  let hi = best.length;
  while (lo < hi && attempts < maxAttempts) {
    const mid = (lo + hi) >> 1;
    if (fails(best.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  if (hi < best.length && fails(best.slice(0, hi))) best = best.slice(0, hi);
  // 2. delete chunks
  for (let size = Math.max(1, best.length >> 1); size >= 1 && attempts < maxAttempts; size >>= 1) {
    for (let i = 0; i + size <= best.length && attempts < maxAttempts; ) {
      const cand = [...best.slice(0, i), ...best.slice(i + size)];
      if (fails(cand)) best = cand;
      else i += size;
    }
  }
  // 3. lower choices toward 0 (0 = the longest-ready thread: no preemption)
  for (let i = 0; i < best.length && attempts < maxAttempts; i++) {
    if (best[i] === 0) continue;
    const cand = [...best];
    cand[i] = 0;
    if (fails(cand)) best = cand;
  }
  while (best.length > 0 && best[best.length - 1] === 0) best.pop();
  return { choices: best, schedule: encodeSchedule(best), originalLength: choices.length, attempts };
}
