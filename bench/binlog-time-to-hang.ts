/**
 * Time to the bug #68569 hang, run for real: FLUSH BINARY LOGS once a second vs rotation by
 * max_binlog_size, under a steady commit load, each seed as `mysqlsim run FILE --seed N` runs it
 * (default scheduler: only the seed's timing jitter and the CPU model's preemptions decide).
 * Each scenario runs in its own process (bench/harness.ts) and prints per seed the virtual time
 * the rotation got stuck and how many rotations it took; the report has the median and p90 over
 * seeds. These are virtual times, the same on every run: the harness runs one round by default
 * and the wall figures beside them are for information. A ten-minute seed costs minutes of wall
 * time (hours in all); bench/binlog-window.ts measures the per-rotation probability behind these
 * figures much faster.
 *
 *   npm run bench -- binlog-time-to-hang [seeds=20] [seconds=600]
 */
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";
import { type CaseDef, type RunResult, runBench } from "./harness.js";

const seedsOf = (args: string[]): number => Number(args[0] ?? 20);
const secondsOf = (args: string[]): number => Number(args[1] ?? 600);

function timeToHang(args: string[], file: string, version: string | undefined): RunResult {
  const seeds = seedsOf(args);
  // the bundled files run 20 s (the test suite runs them); here each run gets ten minutes, as the seed
  const loaded = loadScenarioFile(file);
  const sc = { ...loaded, version: (version ?? loaded.version) as typeof loaded.version, durationNs: secondsOf(args) * 1e9 };
  const times: number[] = [];
  const rotations: number[] = [];
  let virtual = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now();
    const { report } = runScenario(sc, { seed, noTrace: true });
    const wall = (performance.now() - t0) / 1000;
    const m = report.metrics;
    virtual += report.virtual_time_ns / 1e9;
    if (report.outcome === "hang") {
      times.push(m.stuck_since_s!);
      rotations.push(m.binlog_rotations! + 1);
    }
    console.log(`  ${file.split("/").pop()} seed ${seed}: ${report.outcome} at ${(m.stuck_since_s ?? report.virtual_time_ns / 1e9).toFixed(1)} s virtual, ${m.binlog_rotations} rotations, ${m.binlog_commits} commits (${wall.toFixed(1)} s wall)`);
  }
  const q = (xs: number[], p: number): string => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1) : "-");
  return {
    work: virtual,
    info: { version: sc.version, hung: `${times.length}/${seeds} within ${sc.durationNs / 1e9} s`, "time to hang (s) median": q(times, 0.5), "time to hang (s) p90": q(times, 0.9), "rotations until the hang median": q(rotations, 0.5), "rotations p90": q(rotations, 0.9) },
  };
}

const scenario = (id: string, file: string, version?: string): CaseDef => ({
  id,
  label: `${file.split("/").pop()}${version ? ` on ${version}` : ""}`,
  unit: "sim-s",
  run: (args) => timeToHang(args, file, version),
});
await runBench({
  name: "binlog-time-to-hang",
  title: (args) => `bug #68569 time to the hang: ${seedsOf(args)} seeds x ${secondsOf(args)} s virtual per scenario`,
  cases: [
    scenario("flush", "scenarios/binlog/bug68569-flush-logs-every-second.yaml"),
    scenario("size", "scenarios/binlog/bug68569-size-rotation.yaml"),
    // the control: the same load on the release with the fix (LOCK_xids) must never hang
    scenario("control", "scenarios/binlog/bug68569-flush-logs-every-second.yaml", "5.6.12"),
  ],
  ratios: [],
  pairs: 1,
  warmup: 0,
  warmupRuns: 0,
});
