/**
 * Bench for the CPU model + redo + sysbench workload: simulates the seed-001 experiment (64 threads,
 * 6 CPUs, CPUQuota=100%) for 60 virtual seconds in three variants, each in its own process
 * (bench/harness.ts), and prints the two variants' simulation speed (simulated seconds per
 * second) relative to the default, then each variant's absolute speed, TPS and event counts.
 * Wall-clock time is measured here only, never in src/.
 *
 *   npm run bench -- cpu [virtual seconds] [--pairs N]
 */
import { SEC } from "../src/kernel/time.js";
import { runSysbench } from "../src/mysql/workload/sysbench.js";
import { type CaseDef, type RunResult, runBench } from "./harness.js";

const virtualSeconds = (args: string[]): number => Number(args[0] ?? 60);
const variant = (id: string, extra: Partial<Parameters<typeof runSysbench>[0]>): CaseDef => ({
  id,
  label: id,
  unit: "sim-s",
  run: (args): RunResult => {
    const r = runSysbench({ seed: 1, threads: 64, cpus: 6, cpuQuotaPct: 100, durationNs: virtualSeconds(args) * SEC, exactPercentiles: false, ...extra });
    return { work: r.sim.virtual_s, info: { tps: Math.round(r.tps), events: r.sim.events, steps: r.sim.steps } };
  },
});

// a 60 s run takes seconds: JIT warm-up is a small part of it, so no warm-up run in the child
await runBench({
  name: "cpu",
  title: (args) => `cpu model + redo + sysbench: 64 threads, 6 CPUs, CPUQuota=100%, ${virtualSeconds(args)} s virtual`,
  cases: [variant("n_cpu=1", { forceNcpu: 1 }), variant("default", {}), variant("pct_hwm=8", { sysvars: { innodb_log_spin_cpu_pct_hwm: 8 } })],
  ratios: [
    { id: "n_cpu=1", label: "n_cpu=1 / default", a: "n_cpu=1", b: "default", clock: "cpu" },
    { id: "pct_hwm=8", label: "pct_hwm=8 / default", a: "pct_hwm=8", b: "default", clock: "cpu" },
  ],
  pairs: 5,
  warmupRuns: 0,
});
