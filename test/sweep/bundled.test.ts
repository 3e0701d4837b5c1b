// One small sweep of each sweep-ready bundled scenario.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/sweep/sweep.js";

const dirFiles = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith(".yaml")).sort().map((f) => `${d}/${f}`);

describe("sweeps of bundled scenarios", () => {
  it("cpu what-if: spin threshold x a short sysbench run", async () => {
    const r = await runSweep({
      file: "scenarios/cpu/whatif-quota-threads.yaml",
      sets: ["innodb_log_spin_cpu_pct_hwm=6,50", "workload.sysbench.time=1s", "workload.sysbench.warmup=0s"],
      seeds: 1,
      workers: 1,
      metrics: ["tps", "spin_fraction", "p_hang"],
    });
    expect(r.records.map((x) => x.outcome)).toEqual(["completed", "completed"]);
    for (const p of r.summary) expect(p.metrics.tps!.mean).toBeGreaterThan(0);
  });

  it("mdl: FK ALTER starvation over max_write_lock_count (seed 004): the lower the count, the sooner the ALTER", async () => {
    const r = await runSweep({ file: "scenarios/mdl/fk-alter-starvation-load.yaml", sets: ["max_write_lock_count=1,100"], seeds: 2, workers: 1, metrics: ["stmt_ALTER_ms"] });
    expect(r.records).toHaveLength(4);
    expect(r.records.every((x) => x.outcome !== "error")).toBe(true);
    const alterMs = (count: number): number => r.summary.find((p) => Number(p.point.max_write_lock_count) === count)!.metrics.stmt_ALTER_ms!.mean;
    expect(alterMs(1)).toBeLessThan(alterMs(100));
  });

  // other cpu and binlog scenarios: the smallest sweep that exercises them (2 seeds, no axes)
  const others = [...dirFiles("scenarios/cpu").filter((f) => !f.endsWith("whatif-quota-threads.yaml")), ...dirFiles("scenarios/binlog")];
  for (const file of others) {
    it(`${file}: 2 seeds`, async () => {
      // a sysbench workload is cut to one virtual second: this checks the sweep, not the model's figures
      const sets = /^workload:\s*\n\s+sysbench:/m.test(readFileSync(file, "utf8")) ? ["workload.sysbench.time=1s", "workload.sysbench.warmup=0s"] : [];
      const r = await runSweep({ file, sets, seeds: 2, workers: 1, metrics: ["p_hang"] });
      expect(r.records).toHaveLength(2);
      expect(r.records.every((x) => x.outcome !== "error")).toBe(true);
      expect(r.summary[0]!.metrics.p_hang!.n).toBe(2);
    });
  }
});
