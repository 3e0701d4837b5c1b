/**
 * The two long loads of issue 20, timed by the process's CPU seconds (on a shared machine wall
 * time is noise), with a digest of their results so two builds can be compared run for run:
 *
 *   node dist/bench/long-loads.js load N [DIST]      N free-running 2 s binlog loads (bench/explore.ts's), fifo, seeds 1..N
 *   node dist/bench/long-loads.js sysbench S [DIST]  the seed-001 sysbench workload (64 threads, 6 CPUs, quota 100 %), S s virtual
 *
 * DIST is a build's dist/ directory (default: this one's), e.g. a copy of main's: run the two in
 * alternating processes and take the ratio of their CPU seconds per round; the digests must be
 * equal (same steps, outcomes and schedules; for sysbench the whole report).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BINLOG_LOAD_YAML } from "./lib/binlog-load.js";

const [what = "load", nArg, distArg] = process.argv.slice(2);
const N = Number(nArg ?? (what === "load" ? 3 : 60));
const dist = resolve(distArg ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
const load = async (p: string): Promise<any> => import(pathToFileURL(join(dist, p)).href);
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const h = createHash("sha1");

if (what === "load") {
  const { scenarioRunFn } = await load("src/explore/index.js");
  const { FifoScheduler } = await load("src/kernel/scheduler.js");
  const { loadScenarioFile } = await load("src/scenario/loader.js");
  const dir = mkdtempSync(join(tmpdir(), "mysqlsim-long-loads-"));
  const file = join(dir, "binlog-load.yaml");
  writeFileSync(file, BINLOG_LOAD_YAML);
  const run = scenarioRunFn(loadScenarioFile(file));
  run(new FifoScheduler(), 0); // warm-up
  let steps = 0;
  const c0 = cpu();
  for (let seed = 1; seed <= N; seed++) {
    const r = run(new FifoScheduler(), seed);
    steps += r.steps;
    h.update(`${r.outcome} ${r.steps} ${r.schedule.choices.join(",")}\n`);
  }
  const s = cpu() - c0;
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ case: "load", runs: N, cpu_s: +s.toFixed(3), steps, steps_per_cpu_s: Math.round(steps / s), digest: h.digest("hex").slice(0, 16) }));
} else if (what === "sysbench") {
  const { runSysbench } = await load("src/mysql/workload/sysbench.js");
  const c0 = cpu();
  const r = runSysbench({ seed: 1, threads: 64, cpus: 6, cpuQuotaPct: 100, durationNs: N * 1e9, exactPercentiles: false });
  const s = cpu() - c0;
  h.update(JSON.stringify(r));
  console.log(JSON.stringify({ case: "sysbench", virtual_s: N, cpu_s: +s.toFixed(3), steps: r.sim.steps, events: r.sim.events, tps: r.tps, digest: h.digest("hex").slice(0, 16) }));
} else {
  console.error(`unknown case ${what}: load or sysbench`);
  process.exit(2);
}
