/**
 * The bench harness (issue 23). Every figure a benchmark in bench/ reports is a ratio of two
 * cases' rates (work per wall second), measured so that it holds on a shared, noisy machine:
 *
 * - each case runs in its own child process (`node BENCH.js --case ID`), so no case's code sees
 *   another's objects and V8's inline caches stay as monomorphic as the case alone makes them;
 * - the cases run interleaved, one process after the other, for N rounds after uncounted warm-up
 *   rounds; the order is reversed every other round (A B, B A, A B, ...), so a steady drift in
 *   the machine's speed favours neither side;
 * - a ratio is taken within each round, between two processes that ran back to back, and the
 *   figure reported is the median of those per-round ratios with their min-max spread. The
 *   absolute rates are printed beside it, for information only.
 *
 * A bench file calls `runBench(def)`: in the parent that runs the rounds and prints (and with
 * `--json FILE` writes) the figures; in a child (`--case ID`) it runs that one case and writes
 * its sample to fd 3 (or prints it, run by hand). Wall time is measured here only, never
 * inside a simulation. The pure parts (argument parsing, the order of the rounds, medians of
 * ratios, the JSON file) are exported for test/bench/harness.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";

/** What one run of a case did: `work` units (steps, runs, ...) and any figures to print with it. */
export interface RunResult {
  work: number;
  /** seconds of the run, when the case times itself (e.g. to leave its own set-up out); else the harness times `run()` */
  seconds?: number;
  /** every case of a bench that returns a digest must return the same one (the same work done) */
  digest?: string;
  /** figures to show beside the case (deterministic ones, or a case's own sub-timings) */
  info?: Record<string, number | string>;
}

export interface CaseDef {
  /** short name, used in `--case ID`, in the JSON and in ratios */
  id: string;
  label: string;
  /** unit of `work`, e.g. "steps" */
  unit: string;
  run: (args: string[]) => RunResult | Promise<RunResult>;
}

/** A figure: rate(a) / rate(b) in the same round, timed by `clock` (default "wall"). */
export interface RatioDef {
  id: string;
  label: string;
  a: string;
  b: string;
  clock?: Clock;
  /** the same ratio on other clocks, printed beside it for information (default: wall, for a "cpu" ratio) */
  show?: Clock[];
}

export interface BenchDef {
  name: string;
  /** the heading line; gets the bench's own (positional) arguments */
  title: (args: string[]) => string;
  /** in the order of the first round; put the two cases of each ratio next to each other */
  cases: CaseDef[];
  ratios: RatioDef[];
  /** counted rounds (default 9) */
  pairs?: number;
  /** uncounted rounds before them (default 1) */
  warmup?: number;
  /** untimed runs of the case inside each child before the timed ones (default 1) */
  warmupRuns?: number;
  /** timed runs inside each child, the child's figure being their median (default 1) */
  runs?: number;
}

export interface Options {
  pairs: number;
  warmup: number;
  warmupRuns: number;
  runs: number;
  json?: string;
  /** run this one case (a child, or by hand) */
  case?: string;
  /** run the children under `taskset -c CPUS` */
  pin?: string;
  /** the bench's own arguments, passed on to every child */
  rest: string[];
}

const NUMERIC = { "--pairs": "pairs", "--warmup": "warmup", "--warmup-runs": "warmupRuns", "--runs": "runs" } as const;
const STRING = { "--json": "json", "--case": "case", "--pin": "pin" } as const;

/** Parses the harness's options out of argv; what it does not know goes to `rest`, in order. */
export function parseArgs(argv: string[], defaults: Partial<Pick<Options, "pairs" | "warmup" | "warmupRuns" | "runs">> = {}): Options {
  const o: Options = { pairs: defaults.pairs ?? 9, warmup: defaults.warmup ?? 1, warmupRuns: defaults.warmupRuns ?? 1, runs: defaults.runs ?? 1, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const [flag, inline] = arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (Object.hasOwn(NUMERIC, flag) || Object.hasOwn(STRING, flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      if (Object.hasOwn(STRING, flag)) o[STRING[flag as keyof typeof STRING]] = value;
      else {
        const n = Number(value);
        const min = flag === "--pairs" || flag === "--runs" ? 1 : 0;
        if (!Number.isInteger(n) || n < min) throw new Error(`${flag} wants an integer >= ${min}, got ${value}`);
        o[NUMERIC[flag as keyof typeof NUMERIC]] = n;
      }
    } else o.rest.push(arg);
  }
  return o;
}

/** The order of the cases in round r (0-based, warm-up rounds included): as given, reversed every other round. */
export function roundOrder<T>(cases: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...cases] : [...cases].reverse();
}

/** Median (the mean of the two middle values for an even count), min and max. */
export function spread(xs: readonly number[]): { median: number; min: number; max: number } {
  if (xs.length === 0) throw new Error("no values");
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

/** One child's report: its timed runs' seconds on each clock, and the case's work (the same every run). */
export interface Sample {
  case: string;
  work: number;
  /** per timed run: wall seconds */
  seconds: number[];
  /** per timed run: the process's CPU seconds (user + system, every thread) */
  cpu: number[];
  /** per timed run: the main thread's seconds on a CPU and waiting for one (Linux schedstat; empty elsewhere) */
  mainOnCpu: number[];
  mainWaiting: number[];
  digest?: string;
  info?: Record<string, number | string>;
  maxRssMiB: number;
}

/**
 * What a ratio is timed by. "wall": wall seconds, for cases that use more than one thread (their
 * point is the second core). "cpu": the seconds the main thread was on a CPU, for single-threaded
 * cases: on a quiet machine it equals their wall time, and time the OS gave to other processes
 * is not in it (outside Linux: the process's CPU time). "process": the CPU seconds of all the
 * process's threads (V8's GC helpers, a trace writer), what an outside timer's user + system says.
 */
export type Clock = "wall" | "cpu" | "process";
export const CLOCKS: readonly Clock[] = ["wall", "cpu", "process"];

/** A child's figure on a clock: the median of its timed runs. */
export function sampleSeconds(s: Sample, clock: Clock = "wall"): number {
  return spread(clock === "wall" ? s.seconds : clock === "cpu" && s.mainOnCpu.length ? s.mainOnCpu : s.cpu).median;
}
const rate = (s: Sample, clock: Clock): number => s.work / sampleSeconds(s, clock);

/** Per-round ratios rate(a)/rate(b), each from the two samples of one round. */
export function pairRatios(rounds: readonly Record<string, Sample>[], r: Pick<RatioDef, "a" | "b">, clock: Clock = "wall"): number[] {
  return rounds.map((round) => {
    const a = round[r.a];
    const b = round[r.b];
    if (!a || !b) throw new Error(`a round lacks case ${a ? r.b : r.a}`);
    return rate(a, clock) / rate(b, clock);
  });
}

type Spread = ReturnType<typeof spread>;
type WithAll = Spread & { all: number[] };
export interface Figures {
  title: string;
  date: string;
  node: string;
  cpus: number;
  pin?: string;
  pairs: number;
  warmup: number;
  warmupRuns: number;
  runs: number;
  order: string[];
  cases: Record<string, { label: string; unit: string; work: number; seconds: WithAll; cpuSeconds: Spread; rate: Spread; maxRssMiB: number; info?: Record<string, number | string> }>;
  /** the figure is on the ratio's clock; `byClock` has it on every clock, for information */
  ratios: Record<string, { label: string; a: string; b: string; clock: Clock; show: Clock[]; byClock: Record<Clock, Spread> } & WithAll>;
}

/** The figures of counted rounds (every round has a sample of every case). */
export function summarize(def: Pick<BenchDef, "cases" | "ratios">, rounds: readonly Record<string, Sample>[], meta: Omit<Figures, "cases" | "ratios" | "order" | "pairs">): Figures {
  const digests = new Set(rounds.flatMap((round) => Object.values(round).flatMap((s) => (s.digest === undefined ? [] : [s.digest]))));
  if (digests.size > 1) throw new Error(`the cases did different work: digests ${[...digests].join(", ")}`);
  const cases: Figures["cases"] = {};
  for (const c of def.cases) {
    const samples = rounds.map((round) => round[c.id]!);
    const seconds = samples.map((x) => sampleSeconds(x));
    const last = samples[samples.length - 1]!;
    cases[c.id] = {
      label: c.label,
      unit: c.unit,
      work: last.work,
      seconds: { ...spread(seconds), all: seconds },
      cpuSeconds: spread(samples.map((x) => sampleSeconds(x, "cpu"))),
      rate: spread(samples.map((x) => rate(x, "wall"))),
      maxRssMiB: Math.max(...samples.map((x) => x.maxRssMiB)),
      ...(last.info ? { info: last.info } : {}),
    };
  }
  const ratios: Figures["ratios"] = {};
  for (const r of def.ratios) {
    const clock = r.clock ?? "wall";
    const byClock = Object.fromEntries(CLOCKS.map((k) => [k, spread(pairRatios(rounds, r, k))])) as Record<Clock, Spread>;
    const all = pairRatios(rounds, r, clock);
    const show = r.show ?? (clock === "cpu" ? ["wall"] : []);
    ratios[r.id] = { label: r.label, a: r.a, b: r.b, clock, show, byClock, ...spread(all), all };
  }
  return { ...meta, pairs: rounds.length, order: def.cases.map((c) => c.id), cases, ratios };
}

/** Adds one bench's figures to a JSON file of `{ NAME: figures }`, keeping the other benches' entries. */
export function mergeJson(existing: string | undefined, name: string, figures: unknown): string {
  const all = existing ? (JSON.parse(existing) as Record<string, unknown>) : {};
  all[name] = figures;
  return JSON.stringify(all, null, 2) + "\n";
}

const fmtNum = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1000 || Number.isInteger(x) ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(2);
const range = (s: Spread, f: (x: number) => string): string => `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
const CLOCK_NAME: Record<Clock, string> = { wall: "wall", cpu: "main-thread CPU", process: "all threads' CPU" };

/** The printed report: ratios first (the figures), then the absolute rates (for information). */
export function formatFigures(f: Figures): string {
  const lines = [
    f.title,
    `  ${f.pairs} round(s) after ${f.warmup} warm-up round(s), each case in its own process${f.pin ? ` pinned to CPU ${f.pin}` : ""}, order ${f.order.join(" ")} then reversed; ${f.cpus} CPU(s), node ${f.node}`,
  ];
  const width = Math.max(...Object.values(f.ratios).map((r) => r.label.length), ...Object.values(f.cases).map((c) => c.label.length));
  const ratios = Object.values(f.ratios);
  if (ratios.length) lines.push("  ratio: median of the per-round ratios (min-max)");
  for (const r of ratios) {
    const shown = r.show.map((k) => `${CLOCK_NAME[k]} ${range(r.byClock[k], (x) => x.toFixed(2))}`);
    lines.push(`    ${r.label.padEnd(width)}  ${range(r, (x) => x.toFixed(2))} by ${CLOCK_NAME[r.clock]}${shown.length ? `  [${shown.join("; ")}]` : ""}`);
  }
  lines.push("  absolute, for information: median (min-max) over the rounds");
  for (const c of Object.values(f.cases)) {
    const info = c.info ? `  ${Object.entries(c.info).map(([k, v]) => `${k} ${typeof v === "number" ? fmtNum(v) : v}`).join(", ")}` : "";
    lines.push(
      `    ${c.label.padEnd(width)}  ${fmtNum(c.work)} ${c.unit}  wall ${range(c.seconds, (x) => x.toFixed(2))} s = ${range(c.rate, fmtNum)} ${c.unit}/s, ` +
        `main-thread CPU ${c.cpuSeconds.median.toFixed(2)} s, peak RSS ${c.maxRssMiB.toFixed(0)} MiB${info}`,
    );
  }
  return lines.join("\n");
}

/** The main thread's nanoseconds on a CPU and waiting on a run queue, from Linux's /proc schedstat. */
function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ").map(Number);
    return [run!, wait!];
  } catch {
    return undefined;
  }
}

/** In a child: warm-up runs, then the timed runs; the sample goes to fd 3 when the parent opened it. */
async function runChild(def: BenchDef, o: Options): Promise<Sample> {
  const c = def.cases.find((x) => x.id === o.case);
  if (!c) throw new Error(`no case ${o.case} in bench ${def.name} (cases: ${def.cases.map((x) => x.id).join(", ")})`);
  for (let i = 0; i < o.warmupRuns; i++) await c.run(o.rest);
  const seconds: number[] = [];
  const cpu: number[] = [];
  const mainOnCpu: number[] = [];
  const mainWaiting: number[] = [];
  let last: RunResult | undefined;
  for (let i = 0; i < o.runs; i++) {
    const s0 = schedstat();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await c.run(o.rest);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const s1 = schedstat();
    seconds.push(last.seconds ?? (t1 - t0) / 1000);
    cpu.push((c1.user + c1.system) / 1e6);
    if (s0 && s1) {
      mainOnCpu.push((s1[0] - s0[0]) / 1e9);
      mainWaiting.push((s1[1] - s0[1]) / 1e9);
    }
  }
  return { case: c.id, work: last!.work, seconds, cpu, mainOnCpu, mainWaiting, digest: last!.digest, info: last!.info, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** set by the parent in a child's environment: the sample goes to fd 3 */
const SAMPLE_FD = "MYSQLSIM_BENCH_SAMPLE_FD";

/** In the parent: one child process for one case; its sample comes back on fd 3. */
function spawnCase(id: string, o: Options): Promise<Sample> {
  const args = [...process.execArgv, process.argv[1]!, "--case", id, "--warmup-runs", String(o.warmupRuns), "--runs", String(o.runs), ...o.rest];
  const [cmd, argv] = o.pin ? ["taskset", ["-c", o.pin, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "inherit", "inherit", "pipe"], env: { ...process.env, [SAMPLE_FD]: "3" } });
    let out = "";
    child.stdio[3]!.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`case ${id} exited with ${code}`));
      try {
        resolve(JSON.parse(out) as Sample);
      } catch {
        reject(new Error(`case ${id} sent no sample`));
      }
    });
  });
}

/** A bench file's entry point: the parent (rounds, report) or, with `--case ID`, one case. */
export async function runBench(def: BenchDef, argv: string[] = process.argv.slice(2)): Promise<Figures | undefined> {
  const o = parseArgs(argv, def);
  if (o.case !== undefined) {
    const sample = await runChild(def, o);
    const text = JSON.stringify(sample);
    // fd 3 is the parent's pipe; run by hand, the sample is printed
    if (process.env[SAMPLE_FD] === "3") writeFileSync(3, text);
    else console.log(text);
    return undefined;
  }
  const rounds: Record<string, Sample>[] = [];
  for (let r = 0; r < o.warmup + o.pairs; r++) {
    const round: Record<string, Sample> = {};
    for (const c of roundOrder(def.cases, r)) round[c.id] = await spawnCase(c.id, o);
    if (r >= o.warmup) rounds.push(round);
  }
  const figures = summarize(def, rounds, {
    title: def.title(o.rest),
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    ...(o.pin ? { pin: o.pin } : {}),
    warmup: o.warmup,
    warmupRuns: o.warmupRuns,
    runs: o.runs,
  });
  console.log(formatFigures(figures));
  if (o.json) writeFileSync(o.json, mergeJson(existsSync(o.json) ? readFileSync(o.json, "utf8") : undefined, def.name, { ...figures, rounds }));
  return figures;
}
