/**
 * Time to the bug #68569 hang, run for real: FLUSH BINARY LOGS once a second vs rotation by
 * max_binlog_size, under a steady commit load, each seed as `mysqlsim run FILE --seed N` would run
 * it (default scheduler: only the seed's timing jitter and the CPU model's preemptions decide).
 * Prints per seed the virtual time the rotation got stuck and how many rotations it took, then
 * the median and p90 over seeds. Each ten-minute run costs minutes of wall time; the per-rotation
 * probability behind these figures is measured much faster by bench/binlog-window.ts.
 *
 *   node dist/bench/binlog-time-to-hang.js [SEEDS=20] [SECONDS=600]
 */
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";

const seeds = Number(process.argv[2] ?? 20);
const seconds = Number(process.argv[3] ?? 600);
const runs = [
  { file: "scenarios/binlog/bug68569-flush-logs-every-second.yaml", version: undefined },
  { file: "scenarios/binlog/bug68569-size-rotation.yaml", version: undefined },
  // the control: the same load on the release with the fix (LOCK_xids) must never hang
  { file: "scenarios/binlog/bug68569-flush-logs-every-second.yaml", version: "5.6.12" as const },
];
for (const { file, version } of runs) {
  // the bundled files run 20 s (the test suite runs them); here each run gets `seconds`, ten minutes as the seed
  const loaded = loadScenarioFile(file);
  const sc = { ...loaded, version: version ?? loaded.version, durationNs: seconds * 1e9 };
  const times: number[] = [];
  const rotations: number[] = [];
  let survived = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now();
    const { report } = runScenario(sc, { seed, noTrace: true });
    const wall = (performance.now() - t0) / 1000;
    const m = report.metrics;
    if (report.outcome === "hang") {
      times.push(m.stuck_since_s!);
      rotations.push(m.binlog_rotations! + 1);
    } else survived++;
    console.log(`  ${file.split("/").pop()} seed ${seed}: ${report.outcome} at ${(m.stuck_since_s ?? report.virtual_time_ns / 1e9).toFixed(1)} s virtual, ${m.binlog_rotations} rotations, ${m.binlog_commits} commits (${wall.toFixed(1)} s wall)`);
  }
  const q = (xs: number[], p: number): string => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1) : "-");
  console.log(`${file} on ${sc.version}: hung in ${times.length}/${seeds} runs within ${sc.durationNs / 1e9} s; time to hang median ${q(times, 0.5)} s, p90 ${q(times, 0.9)} s; rotations until the hang median ${q(rotations, 0.5)}, p90 ${q(rotations, 0.9)}`);
}
