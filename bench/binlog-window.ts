/**
 * How often bug #68569's window is hit, per rotation, at the durability defaults (docs/binlog.md,
 * "Time to hang in the field"). A run of scenarios/binlog/bug68569-flush-logs-every-second.yaml
 * at the seed's once-a-second rotation costs about as much wall time as virtual time, so twenty
 * ten-minute runs are hours; instead this measures the quantity the hang depends on and derives
 * the time to hang from it:
 *
 * - gap: for each rotation that found prepared transactions, the time from new_file_impl's first
 *   get_prep_xids() > 0 to the decrement that took m_prep_xids to 0 (MysqlBinLog.rotationGapsNs).
 * - window: the wake-up is lost when that decrement and its signal land before the rotating
 *   thread is registered on m_prep_xids_cond: 0 < gap and gap + signal < wait entry, with both
 *   costs drawn as the model draws them (src/mysql/costs.ts). Its mean length E[(wait - signal)+]
 *   is computed by sampling the cost table's distributions.
 * - P(hang per rotation) ~ density of gaps at 0 x mean window, the density taken from the
 *   fraction of gaps below G (10 µs and 100 µs, to show it is locally flat); plus the hangs
 *   actually observed. Rotations run every ROTATE_MS (default 20 ms, so one run gives thousands)
 *   under the same committers; the once-a-second figure is 1 s / P.
 *
 * The same load on 5.6.12 (the fix) runs first, as the control that must never hang.
 *
 *   [FILE=scenario.yaml] node dist/bench/binlog-window.js [SEEDS=5] [SECONDS=60] [ROTATE_MS=20]
 */
import { RandomStream } from "../src/kernel/random.js";
import { CODE_PATH_COSTS, COST_JITTER_SIGMA } from "../src/mysql/costs.js";
import type { CpuMachine } from "../src/machine/cpu/machine.js";
import type { MysqlBinLog } from "../src/mysql/binlog/binlog.js";
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";

const SEEDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 60);
const ROTATE_MS = Number(process.argv[4] ?? 20);
// FILE=scenarios/binlog/bug68569-flush-logs-loaded.yaml measures the saturated-CPU load instead
const FILE = process.env.FILE ?? "scenarios/binlog/bug68569-flush-logs-every-second.yaml";

const base = loadScenarioFile(FILE);
const sc = {
  ...base,
  durationNs: SECONDS * 1e9,
  threads: base.threads.map((t) => (t.name === "rotator" ? { ...t, loop: t.loop.map((i) => (i.kind === "sleep" ? { ...i, ns: ROTATE_MS * 1e6 } : i)) } : t)),
};

// the mean window: E[(mysql_cond_wait entry - mysql_cond_signal)+], as the model draws them
const rng = new RandomStream(1, "window");
let windowSum = 0;
const N = 200_000;
for (let i = 0; i < N; i++) {
  const wait = rng.lognormal(CODE_PATH_COSTS.mysql_cond_wait.ns, COST_JITTER_SIGMA);
  const signal = rng.lognormal(CODE_PATH_COSTS.mysql_cond_signal.ns, COST_JITTER_SIGMA);
  windowSum += Math.max(0, wait - signal);
}
const windowNs = windowSum / N;

// the control first: the release with the fix (LOCK_xids) under the same load must never hang
let controlHangs = 0;
let controlRotations = 0;
for (let seed = 1; seed <= SEEDS; seed++) {
  const art = runScenario({ ...sc, version: "5.6.12" }, { seed, noTrace: true });
  if (art.report.outcome !== "completed") controlHangs++;
  controlRotations += (art.server.ext.binlog as MysqlBinLog).stats.rotations;
}
console.log(`control: 5.6.12, FLUSH BINARY LOGS every ${ROTATE_MS} ms, ${SEEDS} seeds x ${SECONDS} s: ${controlRotations} rotations, ${controlHangs} hung`);

const gaps: number[] = [];
let rotations = 0;
let hangs = 0;
let windowPreemptions = 0;
let cpuBusy = 0;
let involuntary = 0;
let rotatorInvoluntary = 0;
let virtual = 0;
for (let seed = 1; seed <= SEEDS; seed++) {
  const t0 = performance.now();
  const art = runScenario(sc, { seed, noTrace: true });
  const binlog = art.server.ext.binlog as MysqlBinLog;
  gaps.push(...binlog.rotationGapsNs);
  rotations += binlog.stats.rotations + (art.report.outcome === "hang" ? 1 : 0);
  if (art.report.outcome === "hang") hangs++;
  virtual += art.report.virtual_time_ns / 1e9;
  const machine = art.kernel.cpuModel as CpuMachine;
  const inWindow = machine.preemptedBefore.get("acquire m_prep_xids_cond") ?? 0;
  windowPreemptions += inWindow;
  cpuBusy += art.report.metrics.cpu_busy_pct ?? 0;
  involuntary += art.report.metrics.nonvoluntary_ctxt_switches ?? 0;
  rotatorInvoluntary += art.report.metrics["nonvoluntary_ctxt_switches.rotator"] ?? 0;
  console.log(`  seed ${seed}: ${art.report.outcome}, ${binlog.stats.rotations} rotations, ${binlog.rotationGapsNs.length} found prepared transactions, ${art.report.metrics.tps} commits/s, CPUs ${art.report.metrics.cpu_busy_pct} % busy, ${art.report.metrics.nonvoluntary_ctxt_switches} involuntary switches, ${inWindow} preemptions inside the window (${((performance.now() - t0) / 1000).toFixed(1)} s wall)`);
}
gaps.sort((a, b) => a - b);
const frac = (g: number): number => gaps.filter((x) => x < g).length / Math.max(1, rotations);
const q = (p: number): string => (gaps.length ? `${(gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))]! / 1e3).toFixed(1)} µs` : "-");
console.log(`${FILE} on ${sc.version}, FLUSH BINARY LOGS every ${ROTATE_MS} ms: ${rotations} rotations in ${virtual.toFixed(0)} s virtual over ${SEEDS} seeds, ${hangs} hung`);
console.log(`  rotations that found prepared transactions: ${gaps.length} (${((gaps.length / Math.max(1, rotations)) * 100).toFixed(1)} %); gap to the last decrement: min ${q(0)}, p1 ${q(0.01)}, p10 ${q(0.1)}, median ${q(0.5)}`);
console.log(`  CPUs ${(cpuBusy / SEEDS).toFixed(1)} % busy on average, ${(involuntary / virtual).toFixed(0)} involuntary switches per virtual second (the rotator's: ${(rotatorInvoluntary / virtual).toFixed(1)}), ${windowPreemptions} preemptions of the rotator inside its window (${(windowPreemptions / Math.max(1, gaps.length)).toExponential(2)} per rotation that found prepared transactions)`);
console.log(`  mean window E[(mysql_cond_wait - mysql_cond_signal)+] = ${windowNs.toFixed(0)} ns`);
for (const g of [10e3, 100e3]) {
  const p = (frac(g) / g) * windowNs;
  const days = p > 0 ? 1 / p / 86400 : Infinity;
  console.log(`  from gaps < ${g / 1e3} µs (${(frac(g) * 100).toFixed(3)} % of rotations): P(hang per rotation) ~ ${p.toExponential(2)}; at one rotation a second, mean time to hang ~ ${p > 0 ? `${(1 / p / 60).toFixed(0)} min (${days.toFixed(1)} days)` : "never seen"}`);
}
