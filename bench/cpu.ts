/**
 * Bench for the CPU model + redo + sysbench workload: simulates the seed-001 experiment (64 threads,
 * 6 CPUs, CPUQuota=100%) for 60 virtual seconds in three variants, each in its own process
 * (bench/harness.ts), and prints the two variants' simulation speed (simulated seconds per
 * second) relative to the default, then each variant's absolute speed, TPS and event counts.
 * A fourth case, "cpu-model", is the CPU model alone (64 threads of CPU bursts and sleeps on the
 * same machine, no server), so the scheduler's own speed is visible apart from the server's.
 * Wall-clock time is measured here only, never in src/.
 *
 *   npm run bench -- cpu [virtual seconds] [--pairs N]
 */
import { Kernel } from "../src/kernel/index.js";
import { SEC, US } from "../src/kernel/time.js";
import { CpuMachine } from "../src/machine/cpu/index.js";
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

const cpuModel: CaseDef = {
  id: "cpu-model",
  label: "cpu-model",
  unit: "sim-s",
  run: (args): RunResult => {
    const end = virtualSeconds(args) * 5 * SEC;
    const k = new Kernel({ seed: 1 });
    const m = new CpuMachine(k, { cpus: 6, group: { name: "mysqld.scope", quotaNs: 100e6, periodNs: 100e6 } }).install();
    for (let i = 0; i < 64; i++) {
      k.spawn(`t${i}`, function* (t) {
        const r = t.rng("work");
        while (t.now < end) {
          yield t.cpu(100 * US + 200 * US * r.next(), "work");
          yield t.sleep(30 * US + 100 * US * r.next());
        }
      });
    }
    const res = k.run();
    return { work: res.now / SEC, info: { events: res.events, migrations: m.migrations, switches: m.switches } };
  },
};

// a 60 s run takes seconds: JIT warm-up is a small part of it, so no warm-up run in the child
await runBench({
  name: "cpu",
  title: (args) => `cpu model + redo + sysbench: 64 threads, 6 CPUs, CPUQuota=100%, ${virtualSeconds(args)} s virtual`,
  cases: [variant("n_cpu=1", { forceNcpu: 1 }), variant("default", {}), variant("pct_hwm=8", { sysvars: { innodb_log_spin_cpu_pct_hwm: 8 } }), cpuModel],
  ratios: [
    { id: "n_cpu=1", label: "n_cpu=1 / default", a: "n_cpu=1", b: "default", clock: "cpu" },
    { id: "pct_hwm=8", label: "pct_hwm=8 / default", a: "pct_hwm=8", b: "default", clock: "cpu" },
  ],
  pairs: 5,
  warmupRuns: 0,
});
