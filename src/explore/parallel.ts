/**
 * Exploration on every core, and across machines: the runs of an exploration (run i uses seed
 * seed+i) are cut into chunks of consecutive run indices and handed to the sweep's worker pool
 * (src/sweep/pool.ts) in order. A run's result is a function of (scenario, strategy, seed) only, so
 * the first failure reported, the one with the lowest run index, is the one a single worker finds.
 * Once a failure at index k is known, no chunk starting after k is handed out; the chunks before it
 * still finish, since one of them may hold a lower failing index.
 *
 * `--shard i/n` keeps the run indices r with r % n == i-1 (as sweeps do), so the shards of a cluster
 * job array split one exploration; mergeExploreShards joins their JSON results into what one
 * unsharded exploration reports.
 */
import { loadOrFail } from "../cli/common.js";
import type { SysVarValue } from "../mysql/sysvars.js";
import { encodeSchedule, type Schedule } from "../kernel/schedule-string.js";
import { FifoScheduler } from "../kernel/scheduler.js";
import { parseShard, SweepInputError, type Shard } from "../sweep/grid.js";
import { defaultWorkers, runPool } from "../sweep/pool.js";
import { exhaustiveRuns, schedulerFor, type ExploreResult, type Failure, type RunFn, type Strategy } from "./explore.js";
import { scenarioRunFn } from "./scenario-run.js";

/** Everything a worker thread needs to run chunks of an exploration (structured-clonable). */
export interface ExploreSpec {
  file: string;
  sets: [string, SysVarValue][];
  /** the raw --set arguments: a worker loads the file with their scenario keys, as the CLI did */
  setArgs?: string[];
  /** --max-steps per run */
  maxSteps?: number;
  strategy: Exclude<Strategy, "exhaustive">;
  depth?: number;
  /** pct/delay: measured once on a fifo run of the first seed, the same in every worker and shard */
  steps?: number;
  seed: number;
  all: boolean;
}

/** Runs first, first+stride, ... (count of them); global run indices, 0-based. */
export interface Chunk {
  first: number;
  stride: number;
  count: number;
}

export interface ChunkResult {
  first: number;
  /** runs run (fewer than count when one failed and not `all`) */
  ran: number;
  failing: number;
  failure: { index: number; outcome: string; schedule: Schedule } | null;
}

/** Runs a chunk; stops at its first failing run unless `all`. */
export function runChunk(spec: ExploreSpec, run: RunFn, c: Chunk): ChunkResult {
  const res: ChunkResult = { first: c.first, ran: 0, failing: 0, failure: null };
  for (let k = 0; k < c.count; k++) {
    const index = c.first + k * c.stride;
    const seed = spec.seed + index;
    const summary = run(schedulerFor(spec.strategy, seed, { depth: spec.depth, steps: spec.steps }), seed);
    res.ran++;
    if (!summary.failed) continue;
    res.failing++;
    res.failure ??= { index, outcome: summary.outcome, schedule: summary.schedule };
    if (!spec.all) break;
  }
  return res;
}

/** A worker thread's runner: loads the scenario itself (see worker.ts). */
export function chunkRunner(spec: ExploreSpec): (c: Chunk) => ChunkResult {
  const run = scenarioRunFn(loadOrFail(spec.file, spec.setArgs), spec.sets, { maxSteps: spec.maxSteps });
  return (c) => runChunk(spec, run, c);
}

export interface ParallelOptions {
  /** default: every core; 1 runs on this thread only */
  workers?: number;
  /** "i/n" */
  shard?: string;
  /** the exploration's total runs (every shard's together) */
  runs: number;
  /** called before the first run: the runs of this shard and the worker threads used */
  onStart?: (shardRuns: number, workers: number) => void;
  /** called after each chunk: runs done in this shard, failing runs so far */
  onProgress?: (done: number, failing: number) => void;
  /**
   * asked before each chunk is handed out: true ends the exploration early (Ctrl-C, a wall-clock
   * limit); the chunks already running finish and the result counts the runs made (`stopped`)
   */
  shouldStop?: () => boolean;
  /** runs per chunk (default: sized for a few hundred chunks per worker, at most 64) */
  chunk?: number;
}

export interface ParallelResult extends ExploreResult {
  workers: number;
  shard: Shard | null;
  /** runs of this shard (all runs when unsharded) */
  shardRuns: number;
  /** shouldStop ended it before every run was made */
  stopped: boolean;
  steps?: number;
}

/** Measures `steps` for pct/delay as explore() does: on one fifo run of the first seed. */
export function probeSteps(run: RunFn, strategy: Strategy, seed: number, steps: number | undefined): number | undefined {
  if (steps !== undefined || (strategy !== "pct" && strategy !== "delay")) return steps;
  const probe = run(new FifoScheduler(), seed);
  return Math.max(1, strategy === "pct" ? probe.schedule.choices.length : (probe.steps ?? 1000));
}

export type ExploreInput = Omit<ExploreSpec, "strategy"> & { strategy: Strategy; maxDepth?: number };

/**
 * Explores on a worker pool. `run` is this thread's RunFn for `spec`'s scenario (the CLI has it
 * loaded already). The exhaustive strategy is sequential (each run's prefix comes from the last):
 * it runs here, on one thread, and cannot be sharded.
 */
export async function exploreParallel(spec: ExploreInput, run: RunFn, o: ParallelOptions): Promise<ParallelResult> {
  const shard = parseShard(o.shard);
  const wanted = o.workers ?? defaultWorkers();
  if (!Number.isInteger(wanted) || wanted < 1) throw new SweepInputError(`--workers ${o.workers}: expected a whole number, at least 1`);
  if (spec.strategy === "exhaustive") {
    if (shard) throw new SweepInputError("--shard: the exhaustive strategy enumerates interleavings in order and cannot be split; use pct, delay or random");
    o.onStart?.(o.runs, 1);
    return { ...(await exhaustiveStoppable(run, spec, o)), workers: 1, shard: null, shardRuns: o.runs };
  }
  const steps = probeSteps(run, spec.strategy, spec.seed, spec.steps);
  const strategy = spec.strategy;
  const full: ExploreSpec = { file: spec.file, sets: spec.sets, setArgs: spec.setArgs, maxSteps: spec.maxSteps, strategy, depth: spec.depth, steps, seed: spec.seed, all: spec.all };
  const stride = shard?.count ?? 1;
  const offset = shard ? shard.index - 1 : 0;
  const shardRuns = o.runs > offset ? Math.ceil((o.runs - offset) / stride) : 0;
  const workers = Math.max(1, Math.min(wanted, shardRuns));
  const size = o.chunk ?? Math.max(1, Math.min(64, Math.ceil(shardRuns / (workers * 200))));
  const chunks: Chunk[] = [];
  for (let k = 0; k < shardRuns; k += size) chunks.push({ first: offset + k * stride, stride, count: Math.min(size, shardRuns - k) });

  o.onStart?.(shardRuns, workers);
  let done = 0;
  let failing = 0;
  let lowest: ChunkResult["failure"] = null;
  let stopped = false;
  await runPool<Chunk, ChunkResult>(chunks, {
    workers,
    script: "explore/worker.js",
    workerData: full,
    runLocal: (c) => runChunk(full, run, c),
    name: "explore",
    stopBefore: (c) => {
      if (!spec.all && lowest !== null && c.first > lowest.index) return true;
      if (o.shouldStop?.()) stopped = true;
      return stopped;
    },
    onResult: (r) => {
      done += r.ran;
      failing += r.failing;
      if (r.failure && (!lowest || r.failure.index < lowest.index)) lowest = r.failure;
      o.onProgress?.(done, failing);
    },
  });
  const found = lowest as ChunkResult["failure"];
  const firstFailure: Failure | null = found && { seed: spec.seed + found.index, run: found.index + 1, schedule: encodeSchedule(found.schedule), decoded: found.schedule, outcome: found.outcome };
  // what one worker reports: it stops at the first failure (runs = the runs up to it); stopped
  // early, the runs made (then a failure found may not be the lowest-index one of the whole range)
  const runs = stopped ? done : !found || spec.all ? shardRuns : Math.floor((found.index - offset) / stride) + 1;
  return { runs, strategy: spec.strategy, failingRuns: spec.all || stopped ? failing : found ? 1 : 0, firstFailure, workers, shard, shardRuns, stopped, ...(steps !== undefined ? { steps } : {}) };
}

/** How often the exhaustive strategy, running on this thread, lets the event loop deliver a signal. */
const EXHAUSTIVE_PAUSE_MS = 50;

/**
 * The exhaustive strategy on this thread, giving the event loop a turn every EXHAUSTIVE_PAUSE_MS
 * so that shouldStop (Ctrl-C, --max-wall) can end it between runs with the counts so far.
 */
async function exhaustiveStoppable(run: RunFn, spec: ExploreInput, o: ParallelOptions): Promise<ExploreResult & { stopped: boolean }> {
  const runs = exhaustiveRuns(run, { runs: o.runs, seed: spec.seed, maxDepth: spec.maxDepth, all: spec.all, onRun: o.onProgress });
  let paused = performance.now();
  for (;;) {
    const r = runs.next();
    if (r.done) return { ...r.value, stopped: false };
    if (performance.now() - paused < EXHAUSTIVE_PAUSE_MS) continue;
    await new Promise((resolve) => setImmediate(resolve));
    paused = performance.now();
    if (o.shouldStop?.()) return { ...r.value, exhausted: false, stopped: true };
  }
}

/** The `explore --json` object: the fields merge reads. */
interface ExploreJson {
  runs: number;
  strategy: string;
  failing_runs: number;
  explore: { file: string; seed: number; total_runs: number; shard: string | null; shard_runs: number; all: boolean; depth: number | null; steps: number | null; workers: number };
  first_failure: { seed: number; schedule: string; outcome: string; run: number; replay: string } | null;
  [k: string]: unknown;
}

/**
 * Joins the `explore --shard i/n --json` results of every shard of one exploration into what the
 * unsharded exploration reports: the failure with the lowest run index (each shard ran all its
 * runs below its own first failure, so no lower one was missed), and the runs and failing runs
 * one worker would count. Throws SweepInputError if the files are not every shard of one exploration.
 */
export function mergeExploreShards(files: readonly { file: string; text: string }[]): ExploreJson {
  if (files.length === 0) throw new SweepInputError("merge: name the shards' explore --json files to join");
  const shards: { file: string; j: ExploreJson; shard: Shard }[] = [];
  for (const { file, text } of files) {
    let j: ExploreJson;
    try {
      j = JSON.parse(text) as ExploreJson;
    } catch (e) {
      throw new SweepInputError(`${file}: not JSON (${(e as Error).message}); expected the output of \`explore --shard i/n --json\``);
    }
    if (!j || typeof j !== "object" || !j.explore || typeof j.explore.total_runs !== "number") throw new SweepInputError(`${file}: not an \`explore --json\` result (no "explore" object)`);
    const shard = parseShard(j.explore.shard ?? "1/1");
    if (!shard) throw new SweepInputError(`${file}: no shard`);
    shards.push({ file, j, shard });
  }
  const first = shards[0]!;
  const same = (j: ExploreJson): string => JSON.stringify([j.strategy, j.explore.file, j.explore.seed, j.explore.total_runs, j.explore.all, j.explore.depth, j.explore.steps]);
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (same(s.j) !== same(first.j)) problems.push(`${s.file} is another exploration than ${first.file} (strategy, scenario, seed, runs, --all, depth or steps differ)`);
    if (s.shard.count !== first.shard.count) problems.push(`${s.file} is shard ${s.shard.index}/${s.shard.count}, ${first.file} one of ${first.shard.count}`);
    const dup = seen.get(s.shard.index);
    if (dup) problems.push(`duplicate: shard ${s.shard.index}/${s.shard.count} is ${dup} and ${s.file}`);
    seen.set(s.shard.index, s.file);
  }
  const missing: number[] = [];
  for (let i = 1; i <= first.shard.count; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length) problems.push(`missing: shard(s) ${missing.map((i) => `${i}/${first.shard.count}`).join(", ")}`);
  if (problems.length) throw new SweepInputError(`merge: the files are not one complete exploration:\n  ${problems.join("\n  ")}`);
  let found: ExploreJson["first_failure"] = null;
  for (const s of shards) if (s.j.first_failure && (!found || s.j.first_failure.run < found.run)) found = s.j.first_failure;
  const e = first.j.explore;
  return {
    runs: !found || e.all ? e.total_runs : found.run,
    strategy: first.j.strategy,
    failing_runs: e.all ? shards.reduce((n, s) => n + s.j.failing_runs, 0) : found ? 1 : 0,
    explore: { ...e, shard: null, shard_runs: e.total_runs, workers: shards.reduce((n, s) => n + s.j.explore.workers, 0) },
    first_failure: found,
    shards: shards.map((s) => ({ file: s.file, shard: `${s.shard.index}/${s.shard.count}`, runs: s.j.runs, failing_runs: s.j.failing_runs })),
  };
}
