/**
 * `mysqlsim sweep` and `mysqlsim merge`: argument checking, the progress bar, the summary tables.
 * Both return the exit code (0 every run's expectations held, 1 some run's did not, 2 bad input)
 * and never call process.exit.
 */
import { performance } from "node:perf_hooks";
import cliProgress from "cli-progress";
import { relative, resolve } from "node:path";
import { writeAtomic } from "../cli/common.js";
import type { RunRecord } from "./execute.js";
import { SweepInputError } from "./grid.js";
import { mergeResults } from "./merge.js";
import { renderReport } from "./report.js";
import { runSweep, type SweepResult } from "./sweep.js";
import { num, SHARE_METRICS, type MetricSummary } from "./stats.js";

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  /** draw a progress bar (stderr is a terminal) */
  tty: boolean;
}

const processIo: CliIo = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  get tty() {
    return Boolean(process.stderr.isTTY);
  },
};

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;

export interface SweepArgs {
  file: string;
  set?: string[];
  seeds?: number;
  seed?: number;
  metric?: string[];
  workers?: number;
  shard?: string;
  out?: string;
  report?: string;
  json?: boolean;
  quiet?: boolean;
  /** false (--no-expect): the scenario's expectations do not make a run fail (a what-if) */
  expect?: boolean;
}

export async function sweepCli(args: Record<string, unknown>, io: CliIo = processIo): Promise<number> {
  const a = args as unknown as SweepArgs;
  const ui: { bar: Bar | null } = { bar: null };
  const started = performance.now();
  let result: SweepResult;
  try {
    if (a.report !== undefined && !/\.html?$/i.test(a.report)) throw new SweepInputError(`--report ${a.report}: expected an .html file`);
    result = await runSweep({
      file: a.file,
      sets: a.set,
      seeds: a.seeds,
      seed: a.seed,
      workers: a.workers,
      shard: a.shard,
      out: a.out,
      metrics: a.metric?.flatMap((m) => m.split(",")).filter((m) => m !== ""),
      onStart: (total, resumed, workers) => {
        if (!a.json && !a.quiet) {
          io.err(`${total} run(s)${resumed ? `, ${resumed} already in ${a.out}` : ""}, ${workers} worker(s)`);
        }
        if (io.tty && !a.json && !a.quiet && total > resumed) {
          ui.bar = makeBar();
          ui.bar.start(total, resumed);
        }
      },
      onRecord: (_r, done) => ui.bar?.update(done),
    });
  } catch (e) {
    ui.bar?.stop();
    if (e instanceof SweepInputError) {
      io.err(`mysqlsim sweep: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  ui.bar?.stop();
  if (a.expect === false) result = { ...result, failed: [], records: result.records.map((r) => ({ ...r, ok: true })) };
  const seconds = (performance.now() - started) / 1000;
  if (a.report) writeAtomic(a.report, renderReport(result));
  if (a.json) io.out(JSON.stringify(summaryJson(result, seconds)));
  else printSummary(io, result, seconds, a);
  return result.failed.length ? EXIT_FAILED : EXIT_OK;
}

export function summaryJson(r: SweepResult, seconds: number): Record<string, unknown> {
  return {
    scenario: r.scenario,
    file: r.file,
    axes: Object.fromEntries(r.axes.map((a) => [a.name, a.values])),
    seeds: r.seeds,
    base_seed: r.baseSeed,
    shard: r.shard ? `${r.shard.index}/${r.shard.count}` : null,
    grid_runs: r.gridRuns,
    runs: r.runs,
    resumed: r.resumed,
    ran: r.ran,
    failed_runs: r.failed.length,
    runs_per_second: r.ran ? Math.round((r.ran / Math.max(seconds, 1e-9)) * 10) / 10 : null,
    points: r.summary,
  };
}

function printSummary(io: CliIo, r: SweepResult, seconds: number, a: SweepArgs): void {
  const points = r.summary.length;
  io.out(`${r.scenario}  (${displayPath(r.file)})`);
  io.out(
    `${points} point(s) x ${r.seeds} seed(s) = ${r.gridRuns} run(s)` +
      (r.shard ? `; shard ${r.shard.index}/${r.shard.count}: ${r.runs} run(s), a partial summary` : "") +
      `; ran ${r.ran}${r.resumed ? `, resumed ${r.resumed}` : ""} in ${seconds.toFixed(1)} s` +
      (r.ran ? ` (${(r.ran / Math.max(seconds, 1e-9)).toFixed(0)} runs/s on ${r.workers} worker(s))` : ""),
  );
  if (a.quiet) {
    io.out(verdict(r, a));
    return;
  }
  const axisNames = r.axes.map((x) => x.name);
  const pointCells = (p: Record<string, string | number>): string[] => axisNames.map((n) => String(p[n]));
  io.out("");
  io.out("outcomes (share of runs)");
  const outcomeNames = ["completed", "deadlock", "hang", "timeout", "error"] as const;
  table(io, [...axisNames, "n", ...outcomeNames, "failed"], r.summary.map((s) => [
    ...pointCells(s.point),
    String(s.n),
    ...outcomeNames.map((o) => pct(s.outcomes[o])),
    pct(s.n ? r.records.filter((x) => !x.ok && samePoint(x.point, s.point)).length / s.n : 0),
  ]));
  const metricNames = [...new Set(r.summary.flatMap((s) => Object.keys(s.metrics)))];
  for (const m of metricNames) {
    io.out("");
    io.out(`${m}${SHARE_METRICS.includes(m) ? "  (share of runs; 95% CI: Wilson)" : "  (95% CI of the mean: Student t)"}`);
    table(io, [...axisNames, "n", "mean", "median", "p90", "95% CI"], r.summary.map((s) => {
      const x: MetricSummary | undefined = s.metrics[m];
      return [...pointCells(s.point), String(x?.n ?? 0), num(x?.mean), num(x?.median), num(x?.p90), x?.ci95 ? `${num(x.ci95[0])} .. ${num(x.ci95[1])}` : "-"];
    }));
  }
  for (const m of (a.metric ?? []).flatMap((x) => x.split(",")).filter(Boolean)) if (!metricNames.includes(m)) io.err(`note: no run reported the metric "${m}"`);
  io.out("");
  io.out(verdict(r, a));
}

function verdict(r: SweepResult, a: SweepArgs): string {
  if (a.expect === false) return "expectations not checked (--no-expect)";
  return r.failed.length ? `${r.failed.length} run(s) failed an expectation; the first: ${reproduce(r, r.failed[0]!)}` : "every run's expectations hold";
}

/** The command that reruns one record on its own (`run --set` takes variables and scenario keys alike). */
export function reproduce(r: SweepResult, rec: RunRecord): string {
  const sets = Object.entries(rec.point).map(([n, v]) => ` --set ${n}=${v}`).join("");
  return `npx mysqlsim run ${displayPath(r.file)} --seed ${rec.seed}${sets}`;
}

function samePoint(a: Record<string, string | number>, b: Record<string, string | number>): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}

function table(io: CliIo, head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i < head.length - 1 ? c.padEnd(w[i]!) : c)).join("  ")}`.trimEnd();
  io.out(line(head));
  for (const r of rows) io.out(line(r));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x === 0 || x === 1 ? 0 : 1)}%`;
}

function displayPath(p: string): string {
  const rel = relative(process.cwd(), resolve(p));
  return rel.startsWith("..") ? p : rel;
}

interface Bar {
  start(total: number, value: number): void;
  update(n: number): void;
  stop(): void;
}

function makeBar(): Bar {
  // cli-progress computes the ETA from the recent update rate (wall clock: progress only)
  return new cliProgress.SingleBar(
    { format: "sweeping [{bar}] {value}/{total} runs {percentage}% | eta {eta_formatted}", stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
}

export interface MergeArgs {
  out: string;
  files: string[];
  json?: boolean;
  quiet?: boolean;
}

export async function mergeCli(args: Record<string, unknown>, io: CliIo = processIo): Promise<number> {
  const a = args as unknown as MergeArgs;
  try {
    // `explore --shard i/n --json` results join into one exploration's result
    if (/\.json$/i.test(a.out)) return await mergeExplore(a, io);
    const m = mergeResults(a.out, a.files ?? []);
    writeAtomic(a.out, m.text);
    for (const f of m.files) if (f.torn && !a.json) io.err(`note: ${f.file} ends in a cut-short line (a killed run); it was left out`);
    if (a.json) io.out(JSON.stringify({ out: a.out, records: m.records, files: m.files }));
    else if (!a.quiet) io.out(`merged ${m.records} run(s) from ${m.files.length} file(s) into ${a.out}: every run of the grid once`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof SweepInputError) {
      io.err(`mysqlsim merge: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

async function mergeExplore(a: MergeArgs, io: CliIo): Promise<number> {
  const { readFileSync } = await import("node:fs");
  const { mergeExploreShards } = await import("../explore/parallel.js");
  const files = (a.files ?? []).map((file) => {
    try {
      return { file, text: readFileSync(file, "utf8") };
    } catch (e) {
      throw new SweepInputError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  });
  const m = mergeExploreShards(files);
  writeAtomic(a.out, `${JSON.stringify(m, null, 2)}\n`);
  const f = m.first_failure;
  if (a.json) io.out(JSON.stringify(m, null, 2));
  else if (!a.quiet) io.out(`merged ${files.length} explore shard(s) into ${a.out}: ${m.runs} run(s), ${m.failing_runs} failing${f ? `; first failing run #${f.run}, seed ${f.seed}: ${f.replay}` : ""}`);
  return f ? EXIT_FAILED : EXIT_OK;
}
