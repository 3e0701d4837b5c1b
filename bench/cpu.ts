/**
 * Bench for the CPU model + redo + sysbench workload: simulates the seed-001 experiment (64 threads,
 * 6 CPUs, CPUQuota=100%) for 60 virtual seconds and prints simulated seconds per wall second and
 * kernel events per second. Wall-clock time is measured here only, never in src/.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/cpu.js [virtual seconds]
 */
import { performance } from "node:perf_hooks";
import { SEC } from "../src/kernel/time.js";
import { runSysbench } from "../src/mysql/workload/sysbench.js";

const seconds = Number(process.argv[2] ?? 60);
const variants: [string, Parameters<typeof runSysbench>[0]][] = [
  ["default", {}],
  ["n_cpu=1", { forceNcpu: 1 }],
  ["pct_hwm=8", { sysvars: { innodb_log_spin_cpu_pct_hwm: 8 } }],
];
for (const [name, extra] of variants) {
  const t0 = performance.now();
  const r = runSysbench({ seed: 1, threads: 64, cpus: 6, cpuQuotaPct: 100, durationNs: seconds * SEC, exactPercentiles: false, ...extra });
  const wall = (performance.now() - t0) / 1000;
  console.log(
    `${name.padEnd(10)} tps ${r.tps.toFixed(0).padStart(5)}  virtual ${r.sim.virtual_s.toFixed(1)} s in ${wall.toFixed(2)} s wall` +
      `  => ${(r.sim.virtual_s / wall).toFixed(1)} sim-s/wall-s, ${(r.sim.events / wall / 1e6).toFixed(2)} M events/s, ${(r.sim.steps / wall / 1e6).toFixed(2)} M steps/s`,
  );
}
