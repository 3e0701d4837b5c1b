/**
 * Mean time to the bug #68569 hang (issue 5, figure 5): FLUSH BINARY LOGS once a second vs
 * rotation by max_binlog_size, under a steady commit load, with a seeded random scheduler.
 * Each scenario runs in its own process (bench/harness.ts) and prints per seed the virtual time
 * the rotation got stuck and how many rotations it took; the report has the median and p90 over
 * seeds. These are virtual times, the same on every run: the harness runs one round by default
 * and the wall figures beside them are for information. About 30 minutes.
 *
 *   npm run bench -- binlog-time-to-hang [seeds]
 */
import { RandomScheduler, RandomStream } from "../src/kernel/index.js";
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";
import { type CaseDef, type RunResult, runBench } from "./harness.js";

const seedsOf = (args: string[]): number => Number(args[0] ?? 8);

function timeToHang(args: string[], file: string, version: string | undefined): RunResult {
  const seeds = seedsOf(args);
  // the bundled files run 20 s (the test suite runs them); here each run gets ten minutes, as the seed
  const loaded = loadScenarioFile(file);
  const sc = { ...loaded, version: (version ?? loaded.version) as typeof loaded.version, durationNs: 600e9 };
  const times: number[] = [];
  const rotations: number[] = [];
  let virtual = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now();
    const { report } = runScenario(sc, { seed, scheduler: new RandomScheduler(new RandomStream(seed, "scheduler")), noTrace: true });
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
  title: (args) => `bug #68569 time to the hang: ${seedsOf(args)} seeds x 600 s virtual per scenario`,
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
