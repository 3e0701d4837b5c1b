import { ReplayScheduler } from "../kernel/scheduler.js";
import { decodeSchedule, encodeSchedule, ScheduleStringError, type Schedule } from "../kernel/schedule-string.js";
import { formatDuration } from "../kernel/time.js";
import { schedulerFor, shrinkSchedule, type Strategy } from "../explore/explore.js";
import { exploreParallel, scenarioRunFn } from "../explore/index.js";
import { shrinkScenario } from "../explore/shrink-scenario.js";
import { SweepInputError } from "../sweep/grid.js";
import { SYSTEM_VARIABLES } from "../mysql/sysvars.js";
import { narrative } from "../render/narrative.js";
import { fmtTime } from "../render/timeline.js";
import { RunInterrupted, runScenario, runScenarioAsync, type RunArtifacts, type RunReport } from "../scenario/run.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { checkLimits, formatSize, Interrupts, runControl, type LimitArgs } from "./control.js";
import { loadScenarioFile, ScenarioError, type Scenario } from "../scenario/loader.js";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { readTrace } from "../trace/reader.js";
import { bundledScenarios, CliError, colour, displayPath, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, gzipFileAtomic, loadOrFail, loadScenarioText, out, parseSets, writeAtomic } from "./common.js";

interface RunArgs extends LimitArgs {
  file: string;
  seed: number;
  set?: string[];
  trace?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export { runFailed } from "../explore/scenario-run.js";

export async function runCommand(a: RunArgs & { strategy?: "fifo" | "random" | "pct" | "delay"; report?: string }): Promise<void> {
  const sc = loadOrFail(a.file, a.set);
  // the delay strategy draws its delay points over a run's kernel steps: count them on a fifo run
  const steps = a.strategy === "delay" ? runScenario(sc, { seed: a.seed, set: parseSets(a.set), noTrace: true }).report.steps : undefined;
  const scheduler = a.strategy && a.strategy !== "fifo" ? schedulerFor(a.strategy, a.seed, { depth: sc.explore?.depth, steps }) : undefined;
  const art = await runBounded(a, sc, scheduler);
  printRun(a, sc, art, `npx mysqlsim replay ${displayPath(a.file)} --seed ${a.seed} --schedule ${art.report.schedule}${setFlags(a.set)}${outputFlags(a)}`);
  process.exitCode = runExitCode(art.report);
}

export async function replayCommand(a: RunArgs & { schedule: string; report?: string }): Promise<void> {
  const sc = loadOrFail(a.file, a.set);
  let schedule: Schedule;
  try {
    schedule = decodeSchedule(a.schedule);
  } catch (e) {
    if (e instanceof ScheduleStringError) throw new CliError(`--schedule: ${e.message}`);
    throw e;
  }
  const sched = new ReplayScheduler(schedule);
  const art = await runBounded(a, sc, sched);
  if (sched.diverged && !a.json) out(colour.red("warning: the schedule does not fit this scenario/version (it diverged); the run is not a faithful replay"));
  printRun(a, sc, art, `npx mysqlsim replay ${displayPath(a.file)} --seed ${a.seed} --schedule ${a.schedule}${setFlags(a.set)}${outputFlags(a)}`);
  process.exitCode = runExitCode(art.report);
}

/** 0 every expectation held; 1 one failed, or a limit cut the run short. */
function runExitCode(r: RunReport): number {
  return r.outcome !== "limit" && r.expectations.every((e) => e.ok) ? EXIT_OK : EXIT_FAILED;
}

/**
 * One run under the limits of `a`, with a progress line on a terminal, and the HTML report if
 * asked (drawn from the trace, written to a temporary directory if no --trace was given). A
 * SIGINT/SIGTERM ends it: temporaries removed, a one-line summary, exit 130/143.
 */
async function runBounded(a: RunArgs & { report?: string }, sc: Scenario, scheduler: Scheduler | undefined): Promise<RunArtifacts & { outputs: string[] }> {
  const set = parseSets(a.set);
  // --trace FILE.gz: the JSONL is written plain to a temporary directory, then compressed
  const gz = a.trace?.endsWith(".gz") ?? false;
  const tmpDir = (a.report && !a.trace) || gz ? mkdtempSync(join(tmpdir(), "mysqlsim-")) : null;
  const traceFile = a.trace && !gz ? a.trace : tmpDir ? join(tmpDir, "trace.jsonl") : undefined;
  const interrupts = new Interrupts().install();
  const control = runControl(a, { durationNs: sc.durationNs, traceFile, progress: Boolean(process.stderr.isTTY) && !a.json && !a.quiet, interruptible: true });
  try {
    const art = await runScenarioAsync(sc, { seed: a.seed, set, traceFile, scheduler, ...control.opts }, () => interrupts.signal !== null);
    control.done();
    if (a.trace && gz) await gzipFileAtomic(traceFile!, a.trace);
    if (a.report) await writeReport(traceFile!, a.report);
    return Object.assign(art, { outputs: outputSizes(a, traceFile) });
  } catch (e) {
    control.done();
    if (!(e instanceof RunInterrupted)) throw e;
    const what = [a.trace ? `no trace written (${a.trace} left as it was)` : "", a.report ? "no report written" : ""].filter(Boolean).join(", ");
    throw new CliError(`interrupted by ${interrupts.signal} at ${formatDuration(e.virtualNs)} virtual of ${formatDuration(sc.durationNs)}, ${e.steps.toLocaleString("en-US")} steps${what ? `; ${what}` : ""}`, interrupts.exitCode);
  } finally {
    interrupts.dispose();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
}

/**
 * The size of each output written, so a trace or report can be judged before it is mailed: a
 * long plain trace gets the hint that FILE.gz is a tenth of it.
 */
function outputSizes(a: { trace?: string; report?: string }, plainTrace: string | undefined): string[] {
  const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
  const lines: string[] = [];
  if (a.trace) {
    const bytes = size(a.trace);
    const plain = plainTrace && plainTrace !== a.trace ? size(plainTrace) : bytes;
    const note = plain !== bytes ? ` (${formatSize(plain)} uncompressed)` : bytes > MAIL_HINT_BYTES ? ` (--trace ${shellWord(`${a.trace}.gz`)} writes it gzip-compressed, about a tenth)` : "";
    lines.push(`trace: ${displayPath(a.trace)}, ${formatSize(bytes)}${note}`);
  }
  if (a.report) lines.push(`report: ${displayPath(a.report)}, ${formatSize(size(a.report))}${size(a.report) > MAIL_HINT_BYTES && !a.report.endsWith(".gz") ? ` (--report ${shellWord(`${a.report}.gz`)} writes it gzip-compressed)` : ""}`);
  return lines;
}

/** Outputs past this size get a hint to compress them. */
const MAIL_HINT_BYTES = 1 << 20;

function setFlags(sets: string[] | undefined): string {
  return (sets ?? []).map((s) => ` --set ${shellWord(s)}`).join("");
}

/** The output flags of the command, so a printed reproduce line redoes what was asked. */
function outputFlags(a: { trace?: string; report?: string; verbose?: boolean }): string {
  return `${a.trace ? ` --trace ${shellWord(a.trace)}` : ""}${a.report ? ` --report ${shellWord(a.report)}` : ""}${a.verbose ? " --verbose" : ""}`;
}

/** A word as a POSIX shell reads it back. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

function printRun(a: RunArgs, sc: Scenario, art: RunArtifacts & { outputs: string[] }, reproduce: string): void {
  const r = art.report;
  if (a.json) {
    out(JSON.stringify(jsonReport(r)));
    return;
  }
  if (!a.quiet) {
    out(colour.bold(`${sc.name}`) + colour.dim(`  (${displayPath(sc.file)}, MySQL ${sc.version}, seed ${r.seed})`));
    out();
    for (const line of narrative(art.trace?.records ?? [], { verbose: a.verbose, maxLines: 400 })) out(line);
    out();
  }
  printSummary(r, a.quiet);
  for (const line of art.outputs) out(colour.dim(line));
  if (!a.quiet) out(colour.dim(`reproduce: ${reproduce}`));
}

/** The outcome, the expectations and the metrics; `quiet`: the outcome and failed expectations only. */
export function printSummary(r: RunReport, quiet = false): void {
  const ok = r.expectations.every((e) => e.ok);
  // the end time as the HTML report and the SVG timeline print it
  out(`outcome: ${r.outcome === "completed" ? colour.green(r.outcome) : colour.red(r.outcome)} at ${fmtTime(r.virtual_time_ns)} virtual, ${r.events} steps, trace ${r.trace_sha256.slice(0, 16)}`);
  if (r.outcome === "limit") out(colour.red(`  ${limitText(r)}`));
  for (const e of r.expectations) if (!quiet || !e.ok) out(`  ${e.ok ? colour.green("✓") : colour.red("✗")} ${e.text}${e.ok ? "" : colour.red(`  (${e.actual ?? "failed"})`)}`);
  // per-thread context switches (one metric per preempted thread) are in --json, not on this line
  const shown = Object.entries(r.metrics).filter(([k]) => !k.startsWith("statement_latency_p50") && !k.startsWith("nonvoluntary_ctxt_switches."));
  if (shown.length && !quiet) out(`metrics: ${shown.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  if (r.unreached_sync_points && !quiet) {
    out(colour.dim(`DEBUG_SYNC armed but never reached: ${r.unreached_sync_points.map((u) => `${u.point}${u.connection ? ` (${u.connection})` : ""}${u.passed_by_anyone ? "" : ", no thread passed it"}`).join("; ")}`));
  }
  out(ok ? colour.green("all expectations hold") : colour.red(`${r.expectations.filter((e) => !e.ok).length} expectation(s) failed`));
}

/** Why a run with outcome `limit` stopped, in the words of the option that stopped it. */
function limitText(r: RunReport): string {
  const m = /^more than (\d+) steps$/.exec(r.message ?? "");
  if (m) return `stopped by the step limit (--max-steps ${m[1]}) at ${formatDuration(r.virtual_time_ns)} virtual; the run is incomplete`;
  return r.message ?? "stopped by a limit; the run is incomplete";
}

/** The `run --json` object of DESIGN section 4. */
export function jsonReport(r: RunReport): Record<string, unknown> {
  return {
    scenario: r.scenario,
    version: r.version,
    seed: r.seed,
    outcome: r.outcome,
    virtual_time_ns: r.virtual_time_ns,
    events: r.events,
    trace_sha256: r.trace_sha256,
    expectations: r.expectations.map((e) => ({ text: e.text, ok: e.ok, ...(e.actual ? { actual: e.actual } : {}) })),
    metrics: r.metrics,
    connections: r.connections,
    schedule: r.schedule,
    ...(r.outcome === "limit" ? { message: limitText(r) } : {}),
    ...(r.wait_for ? { wait_for: r.wait_for } : {}),
    ...(r.cycle ? { cycle: r.cycle } : {}),
    ...(r.unreached_sync_points ? { unreached_sync_points: r.unreached_sync_points } : {}),
  };
}

interface ExploreArgs extends RunArgs {
  report?: string;
  strategy?: Strategy;
  runs?: number;
  depth?: number;
  maxDepth?: number;
  all?: boolean;
  shrink?: boolean;
  shrinkTo?: string;
  narrative?: boolean;
  workers?: number;
  shard?: string;
}

export async function exploreCommand(a: ExploreArgs): Promise<void> {
  const sc = loadOrFail(a.file, a.set);
  const sets = parseSets(a.set);
  const strategy = (a.strategy ?? sc.explore?.strategy ?? "pct") as Strategy;
  const runs = a.runs ?? sc.explore?.runs ?? 1000;
  const run = scenarioRunFn(sc, sets, a.maxSteps ? { maxSteps: a.maxSteps } : {});
  const bar = !a.json && !a.quiet && process.stderr.isTTY ? await progressBar() : null;
  const interrupts = new Interrupts().install();
  const started = performance.now();
  const maxWallMs = checkLimits(a).maxWallMs;
  let stoppedBy: string | null = null;
  // Ctrl-C and --max-wall end the exploration between chunks of runs
  const shouldStop = (): boolean => {
    if (interrupts.signal) stoppedBy = `interrupted by ${interrupts.signal}`;
    else if (maxWallMs !== null && performance.now() - started > maxWallMs) stoppedBy = `stopped by --max-wall ${a.maxWall}`;
    return stoppedBy !== null;
  };
  let res;
  try {
    res = await exploreParallel({ file: sc.file, sets, setArgs: a.set ?? [], maxSteps: a.maxSteps, strategy, seed: a.seed, depth: a.depth ?? sc.explore?.depth, maxDepth: a.maxDepth ?? sc.explore?.max_depth, all: Boolean(a.all) }, run, {
      runs,
      workers: a.workers,
      shard: a.shard,
      shouldStop,
      onStart: (total, workers) => bar?.start(total, workers),
      onProgress: (done, failing) => bar?.update(done, failing, (performance.now() - started) / 1000),
    });
  } catch (e) {
    if (e instanceof SweepInputError) throw new CliError(e.message);
    throw e;
  } finally {
    interrupts.dispose();
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  let f = res.firstFailure;
  let shrunk: ReturnType<typeof shrinkSchedule> | null = null;
  // --shrink: first the scenario (delta debugging over its threads, iterations and steps), then
  // the schedule of the smaller scenario's failing run
  let failFile = a.file;
  let failSc = sc;
  let reduced: { changes: string[]; runs: number; file: string } | null = null;
  if (f && a.shrink && !interrupts.signal) {
    const rs = shrinkScenario({
      text: readFileSync(sc.file, "utf8"),
      load: (text) => loadScenarioText(text, sc.file, a.set),
      runFn: (s) => scenarioRunFn(s, sets, a.maxSteps ? { maxSteps: a.maxSteps } : {}),
      strategy,
      depth: a.depth ?? sc.explore?.depth,
      seed: f.seed,
      schedule: f.decoded,
    });
    if (rs.changes.length) {
      failFile = a.shrinkTo ?? `${basename(sc.file).replace(/\.ya?ml$/, "")}.shrunk.yaml`;
      writeAtomic(failFile, rs.text);
      failSc = rs.scenario;
      reduced = { changes: rs.changes, runs: rs.runs, file: failFile };
      f = { ...f, seed: rs.seed, decoded: rs.schedule, schedule: encodeSchedule(rs.schedule) };
    }
    shrunk = shrinkSchedule(reduced ? scenarioRunFn(failSc, sets, a.maxSteps ? { maxSteps: a.maxSteps } : {}) : run, f.seed, f.decoded);
  }
  const schedule = shrunk?.text ?? f?.schedule;
  const replay = f ? `npx mysqlsim replay ${displayPath(failFile)} --seed ${f.seed} --schedule ${schedule}${setFlags(a.set)}${outputFlags(a)}` : null;
  // --report: the failing run's HTML report now (the printed replay line writes the same file again)
  if (f && a.report && !interrupts.signal) await runBounded({ ...a, seed: f.seed, json: true }, failSc, new ReplayScheduler(decodeSchedule(schedule!)));
  const rate = res.runs / Math.max(seconds, 1e-9);
  if (a.json) {
    out(JSON.stringify({
      runs: res.runs,
      strategy,
      failing_runs: res.failingRuns,
      // what `mysqlsim merge` needs to join the shards of one exploration
      explore: { file: displayPath(sc.file), seed: a.seed, total_runs: runs, shard: res.shard ? `${res.shard.index}/${res.shard.count}` : null, shard_runs: res.shardRuns, all: Boolean(a.all), depth: a.depth ?? sc.explore?.depth ?? null, steps: res.steps ?? null, workers: res.workers },
      first_failure: f ? { seed: f.seed, schedule, outcome: f.outcome, run: f.run, replay } : null,
      runs_per_second: Math.round(rate * 10) / 10,
      ...(res.exhausted !== undefined ? { exhausted: res.exhausted } : {}),
      ...(shrunk
        ? {
            shrink: {
              original_length: shrunk.originalLength,
              shrunk_length: shrunk.schedule.choices.length,
              original_delays: shrunk.originalDelays,
              shrunk_delays: shrunk.schedule.delays.length,
              original_delay_ns: shrunk.originalDelayNs,
              shrunk_delay_ns: shrunk.schedule.delays.reduce((s, d) => s + d.ns, 0),
              attempts: shrunk.attempts,
              ...(reduced ? { scenario: { file: displayPath(reduced.file), changes: reduced.changes, runs: reduced.runs } } : {}),
            },
          }
        : {}),
      ...(stoppedBy ? { stopped: stoppedBy, runs_asked: runs } : {}),
    }));
  } else {
    const runsText = stoppedBy ? `${res.runs} of ${runs} run(s) (${stoppedBy})` : `${res.runs} run(s)`;
    out(`${strategy}: ${runsText} in ${seconds.toFixed(1)} s (${rate.toFixed(0)}/s), ${res.failingRuns} failing${res.exhausted ? ", every interleaving within the bound explored" : ""}`);
    if (f) {
      out(colour.red(`first failing run: #${f.run}, seed ${f.seed}, outcome ${f.outcome}`));
      if (reduced) out(`scenario shrunk (${reduced.runs} runs): ${reduced.changes.join("; ")}; written to ${displayPath(reduced.file)}`);
      else if (shrunk) out("scenario: nothing could be removed (every thread, iteration and step is needed)");
      if (shrunk) {
        const delays = shrunk.originalDelays ? `, ${shrunk.originalDelays} to ${shrunk.schedule.delays.length} delay(s) (${shrunk.schedule.delays.map((d) => `${formatDuration(d.ns)} at step ${d.step}`).join(", ") || "none"})` : "";
        out(`schedule shrunk from ${shrunk.originalLength} to ${shrunk.schedule.choices.length} choices${delays} (${shrunk.attempts} replays)`);
      }
      out(`schedule: ${schedule}`);
      if (a.narrative && !a.quiet) {
        const art = runScenario(failSc, { seed: f.seed, set: sets, scheduler: new ReplayScheduler(decodeSchedule(schedule!)) });
        out();
        for (const line of narrative(art.trace?.records ?? [], { verbose: a.verbose, maxLines: 300 })) out(line);
        out();
        printSummary(art.report);
      }
      out(`reproduce: ${replay}`);
      if (!a.narrative && !a.quiet && !a.json) out(colour.dim("(--narrative prints the failing run step by step; the reproduce line prints it too)"));
    } else out(stoppedBy ? "no failing run found so far" : colour.green("no failing run found"));
  }
  if (interrupts.signal) process.exitCode = interrupts.exitCode;
  else process.exitCode = f ? EXIT_FAILED : EXIT_OK;
}

/** Runs done, runs/s and failures so far, on stderr. */
async function progressBar(): Promise<{ start(total: number, workers: number): void; update(done: number, failing: number, seconds: number): void; stop(): void }> {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar({ format: "exploring [{bar}] {value}/{total} runs, {rate} runs/s on {workers} worker(s), {failing} failing, eta {eta}s", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    start: (total, workers) => {
      started = true;
      bar.start(total, 0, { failing: 0, rate: 0, workers });
    },
    update: (done, failing, seconds) => bar.update(done, { failing, rate: Math.round(done / Math.max(seconds, 1e-3)) }),
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function validateCommand(a: { files: string[]; json?: boolean }): void {
  let bad = 0;
  const results: { file: string; ok: boolean; error?: string; errors?: { line: number; column: number; problem: string }[] }[] = [];
  for (const file of a.files) {
    try {
      loadScenarioFile(file);
      results.push({ file, ok: true });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      bad++;
      results.push({ file, ok: false, error: e.message, errors: e.all.map((x) => ({ line: x.line, column: x.column, problem: x.problem })) });
    }
  }
  if (a.json) out(JSON.stringify({ files: results }));
  else for (const r of results) r.ok ? out(`${colour.green("ok")}  ${displayPath(r.file)}`) : process.stderr.write(`${r.error}\n`);
  process.exitCode = bad ? EXIT_BAD_INPUT : EXIT_OK;
}

export function listCommand(a: { variables?: boolean; json?: boolean }): void {
  if (a.variables) {
    // 2^64-1 as MySQL prints it (a JSON number would round it to 18446744073709552000)
    const text = (v: (typeof SYSTEM_VARIABLES)[number], x: unknown): string => (v.maxText !== undefined && x === v.max ? v.maxText : typeof x === "boolean" ? (x ? "ON" : "OFF") : String(x));
    const rows = SYSTEM_VARIABLES.map((v) => ({
      name: v.name,
      type: v.type,
      default: text(v, v.default),
      ...(v.versionDefaults ? { version_defaults: Object.fromEntries(Object.entries(v.versionDefaults).map(([ver, x]) => [ver, text(v, x)])) } : {}),
      ...(v.min !== undefined ? { min: text(v, v.min), max: text(v, v.max) } : {}),
      ...(v.values ? { values: v.values } : {}),
      ...(v.unit ? { unit: v.unit } : {}),
      dynamic: v.dynamic,
      doc: v.doc,
    }));
    if (a.json) out(JSON.stringify(rows));
    else {
      out(`${"variable".padEnd(42)} ${"default (8.0; other versions)".padEnd(34)} ${"unit".padEnd(6)} scope    what`);
      for (const r of rows) {
        const def = `${r.default}${r.version_defaults ? ` (${Object.entries(r.version_defaults).map(([ver, x]) => `${ver}: ${x}`).join(", ")})` : ""}`;
        out(`${r.name.padEnd(42)} ${def.padEnd(34)} ${(r.unit ?? "").padEnd(6)} ${r.dynamic ? "dynamic" : "static "}  ${r.doc}`);
      }
    }
    return;
  }
  const rows = bundledScenarios().map((file) => {
    try {
      const sc = loadScenarioFile(file);
      return { file: displayPath(file), name: sc.name, version: sc.version };
    } catch (e) {
      return { file: displayPath(file), name: `(invalid: ${(e as Error).message})`, version: "" };
    }
  });
  if (a.json) out(JSON.stringify(rows));
  else {
    const w = Math.max(...rows.map((r) => r.file.length), 10);
    for (const r of rows) out(`${r.file.padEnd(w)}  ${r.version.padEnd(6)} ${r.name}`);
  }
}

export async function renderCommand(a: { trace: string; format: string; o?: string }): Promise<void> {
  if (!existsSync(a.trace)) throw new CliError(`${a.trace}: no such file; expected a JSONL trace written by \`mysqlsim run --trace FILE\``);
  const { renderTraceStream } = await import("../render/index.js");
  let text: string;
  try {
    text = await renderTraceStream(readTrace(a.trace), a.format);
  } catch (e) {
    if (e instanceof SyntaxError) throw new CliError(`${a.trace}: not a mysqlsim trace (${e.message}); expected one JSON record per line`);
    throw e;
  }
  if (a.o) writeAtomic(a.o, text);
  else process.stdout.write(text);
}

/** `run --report FILE.html`: the HTML report of this run, rendered from its trace. */
async function writeReport(traceFile: string, out: string): Promise<void> {
  const { renderTraceStream } = await import("../render/index.js");
  writeAtomic(out, await renderTraceStream(readTrace(traceFile), "html"));
}

export async function sweepCommand(a: Record<string, unknown>): Promise<void> {
  const { sweepCli } = await import("../sweep/cli.js");
  process.exitCode = await sweepCli(a);
}

