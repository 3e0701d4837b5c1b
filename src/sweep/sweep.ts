/**
 * A sweep: the grid of --set axes x seeds, run on a worker pool, streamed to a resumable results
 * file, summarised per point. The library entry point (the CLI in cli.ts only formats it).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadScenarioFile, ScenarioError } from "../scenario/loader.js";
import { PointRunner, type RunRecord } from "./execute.js";
import { parseAxes, parseShard, pointJson, runList, shardOf, SweepInputError, type Axis, type Run, type Shard } from "./grid.js";
import { defaultWorkers, runJobs } from "./pool.js";
import { CSV_FIXED_COLUMNS, csvHeader, formatOf, formatResults, readResults, recordKey, ResultsWriter, type ResultsContent } from "./results.js";
import { writeAtomic } from "../cli/common.js";
import { SHARE_METRICS, summarisePoint, type PointSummary } from "./stats.js";

export interface SweepOptions {
  file: string;
  /** `--set` arguments: name=v1,v2,... */
  sets?: readonly string[];
  seeds?: number;
  /** the base seed (default 1) */
  seed?: number;
  /** default: one per core; 1 runs in-process */
  workers?: number;
  /** "i/n" */
  shard?: string;
  /** results file (.jsonl or .csv); an existing one is resumed */
  out?: string;
  /** metrics to summarise (default: every metric the runs report, and p_hang) */
  metrics?: readonly string[];
  /** called before the first run: how many runs this sweep has and how many the results file already held */
  onStart?: (total: number, resumed: number, workers: number) => void;
  /** called after each run */
  onRecord?: (r: RunRecord, done: number, total: number) => void;
}

export interface SweepResult {
  scenario: string;
  file: string;
  axes: Axis[];
  seeds: number;
  baseSeed: number;
  shard: Shard | null;
  workers: number;
  /** runs in the full grid, and in this shard */
  gridRuns: number;
  runs: number;
  /** runs found finished in the results file, and runs run now */
  resumed: number;
  ran: number;
  /** this shard's records, in run-list order */
  records: RunRecord[];
  summary: PointSummary[];
  /** runs whose expectations did not all hold */
  failed: RunRecord[];
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const seeds = o.seeds ?? 5;
  const baseSeed = o.seed ?? 1;
  if (!Number.isInteger(seeds) || seeds < 1) throw new SweepInputError(`--seeds ${o.seeds}: expected a whole number of seeds per point, at least 1`);
  if (!Number.isSafeInteger(baseSeed) || baseSeed < 0) throw new SweepInputError(`--seed ${o.seed}: expected a non-negative integer`);
  const workersWanted = o.workers ?? defaultWorkers();
  if (!Number.isInteger(workersWanted) || workersWanted < 1) throw new SweepInputError(`--workers ${o.workers}: expected a whole number, at least 1`);
  const axes = parseAxes(o.sets);
  const shard = parseShard(o.shard);
  const file = resolve(o.file);
  let scenario: string;
  try {
    scenario = loadScenarioFile(o.file).name;
  } catch (e) {
    if (e instanceof ScenarioError) throw new SweepInputError(e.message);
    throw e;
  }
  for (const m of o.metrics ?? []) if (!/^[A-Za-z_]\w*$/.test(m)) throw new SweepInputError(`--metric ${m}: expected a metric name such as tps or p_hang`);

  const all = runList(axes, seeds, baseSeed);
  const mine = shardOf(all, shard);
  const runner = new PointRunner({ file, runs: all.length });
  // every scenario-key combination loads before any run: a rejected value is an input error now, not mid-sweep
  const seenVariants = new Set<string>();
  for (const r of mine) {
    if (!seenVariants.has(r.key)) {
      seenVariants.add(r.key);
      runner.scenarioFor(r.point);
    }
  }

  // ---- resume: runs already in the results file are not run again
  const runOf = new Map<string, Run>(mine.map((r) => [recordKey({ point: pointJson(r.point), seed: r.seed }), r]));
  const finished = new Map<string, RunRecord>();
  let existing: ResultsContent | null = null;
  if (o.out) {
    formatOf(o.out);
    if (existsSync(o.out)) {
      existing = readResults(o.out);
      checkSameAxes(o.out, axes, existing);
      for (const rec of existing.records) {
        const k = recordKey(rec);
        if (runOf.has(k) && !finished.has(k)) finished.set(k, rec);
      }
    }
  }
  let pending = mine.filter((r) => !finished.has(recordKey({ point: pointJson(r.point), seed: r.seed })));
  const workers = Math.max(1, Math.min(workersWanted, pending.length));

  const fresh: RunRecord[] = [];
  let writer: ResultsWriter | null = null;
  try {
    let probe: RunRecord | null = null;
    if (o.out) {
      // a CSV header needs the metric columns before the first row: --metric, else the metrics of
      // the grid's first run (the same for every shard, so shard files merge)
      writer = ResultsWriter.open(o.out, existing, () => {
        let metrics = o.metrics?.filter((m) => !SHARE_METRICS.includes(m));
        if (!metrics) {
          probe = runner.run(all[0]!);
          metrics = Object.keys(probe.metrics);
        }
        return csvHeader(axes.map((a) => a.name), metrics);
      });
    }
    const total = mine.length;
    let done = finished.size;
    o.onStart?.(total, finished.size, workers);
    const accept = (r: RunRecord): void => {
      writer?.append(r);
      fresh.push(r);
      o.onRecord?.(r, ++done, total);
    };
    const p = probe as RunRecord | null;
    if (p && pending.some((r) => r.run === p.run)) {
      accept(p);
      pending = pending.filter((r) => r.run !== p.run);
    }
    await runJobs(pending, { spec: runner.spec, workers, runner, onRecord: accept });
  } finally {
    writer?.close();
  }
  // workers finish in any order: once every run is in, the file is rewritten in grid order
  if (o.out) inGridOrder(o.out, axes.map((a) => a.name));

  const byKey = new Map<string, RunRecord>(finished);
  for (const r of fresh) byKey.set(recordKey(r), r);
  const records = mine.map((r) => byKey.get(recordKey({ point: pointJson(r.point), seed: r.seed }))!);
  const summary: PointSummary[] = [];
  for (let i = 0; i < records.length; ) {
    const key = mine[i]!.key;
    let j = i;
    while (j < records.length && mine[j]!.key === key) j++;
    summary.push(summarisePoint(pointJson(mine[i]!.point), records.slice(i, j), o.metrics ? [...o.metrics] : null));
    i = j;
  }
  return {
    scenario,
    file: o.file,
    axes,
    seeds,
    baseSeed,
    shard,
    workers,
    gridRuns: all.length,
    runs: mine.length,
    resumed: finished.size,
    ran: fresh.length,
    records,
    summary,
    failed: records.filter((r) => !r.ok),
  };
}

/** Rewrites a complete results file with its records sorted by run index (atomically; nothing if already sorted). */
function inGridOrder(file: string, axes: readonly string[]): void {
  const content = readResults(file);
  const sorted = [...content.records].sort((a, b) => a.run - b.run || a.seed - b.seed);
  if (!content.torn && sorted.every((r, i) => r === content.records[i])) return;
  const metrics = content.header ? content.header.slice(axes.length + CSV_FIXED_COLUMNS, -1) : [];
  writeAtomic(file, formatResults(content.format, axes, sorted, metrics));
}

function checkSameAxes(file: string, axes: readonly Axis[], existing: ResultsContent): void {
  const want = axes.map((a) => a.name).sort().join(", ");
  const found = new Set<string>();
  if (existing.header) found.add(existing.header.slice(0, existing.header.indexOf("seed_index")).sort().join(", "));
  for (const r of existing.records) found.add(Object.keys(r.point).sort().join(", "));
  for (const f of found) {
    if (f !== want) throw new SweepInputError(`${file} holds results of a sweep over (${f || "no axes"}), not (${want || "no axes"}); use another --out file`);
  }
}
