// Tracing must only watch: with the trace on or off, every bundled model makes the same scheduler
// choices and ends the same way. (A trace that changed a run would make every picture a lie.)
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/kernel/random.js";
import { RandomScheduler } from "../../src/kernel/scheduler.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

const FILES = [
  "scenarios/binlog/bug68569-explore.yaml",
  "scenarios/mdl/fk-alter-starvation-load.yaml",
  "scenarios/ftwrl/long-select-stall.yaml",
  "scenarios/files/two-processes-share-budget.yaml",
  "scenarios/cpu/cfs-spin.yaml",
];

describe("the trace does not change a run", () => {
  for (const file of FILES) {
    it(`${file}: the same schedule, outcome and metrics with the trace on and off (random scheduler)`, () => {
      const sc = loadScenarioFile(file);
      const run = (noTrace: boolean) => runScenario(sc, { seed: 5, noTrace, scheduler: new RandomScheduler(new RandomStream(5, "scheduler")) }).report;
      const on = run(false);
      const off = run(true);
      expect(on.trace_sha256).not.toBe("");
      expect(on.schedule.length, "the run made scheduler choices").toBeGreaterThan("s1.".length);
      expect(off.schedule).toBe(on.schedule);
      expect(off.outcome).toBe(on.outcome);
      expect(off.virtual_time_ns).toBe(on.virtual_time_ns);
      expect(off.metrics).toEqual(on.metrics);
    });
  }
});
