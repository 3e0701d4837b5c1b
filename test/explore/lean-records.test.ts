import { describe, expect, it } from "vitest";
import { PctScheduler, RandomStream } from "../../src/kernel/index.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

/**
 * A lean run (explore) keeps statement records only of the connections the verdict reads, and
 * latency samples only when a metric expectation needs them (issue 20). Its verdict must be the
 * one a full run gives: here `order` and `error` expectations name free-running clients, some
 * pass and some fail, and a metric expectation reads the samples.
 */
const TEXT = `name: lean records
version: "5.7"
connections: [default]
setup:
  - CREATE TABLE t (id INT PRIMARY KEY)
threads:
  writer: { count: 2, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT], iterations: 3 }
  reader: { loop: [SELECT * FROM t], iterations: 2 }
steps:
  - default: INSERT INTO t VALUES (100000)
  - default: INSERT INTO t VALUES (100000)
    error: ER_DUP_ENTRY
expect:
  - order: [default INSERT, writer1 COMMIT]
  - order: [writer2 COMMIT, writer1 BEGIN]
  - error: { writer1: null, default: ER_DUP_ENTRY }
  - error: { reader: ER_LOCK_DEADLOCK }
  - metric: { statement_latency_max_ms: { max: 1000 } }
`;

describe("lean runs", () => {
  it("give the verdict, steps and schedule of a full run", () => {
    const sc = loadScenario(TEXT);
    for (let seed = 1; seed <= 6; seed++) {
      const sched = (): PctScheduler => new PctScheduler(new RandomStream(seed, "scheduler"), 3, 40);
      const full = runScenario(sc, { seed, scheduler: sched(), noTrace: true }).report;
      const lean = runScenario(sc, { seed, scheduler: sched(), noTrace: true, lean: true }).report;
      expect(lean.expectations).toEqual(full.expectations);
      expect([lean.outcome, lean.steps, lean.virtual_time_ns, lean.schedule]).toEqual([full.outcome, full.steps, full.virtual_time_ns, full.schedule]);
      // the check is not vacuous: some expectations pass and some fail
      expect(full.expectations.some((e) => e.ok)).toBe(true);
      expect(full.expectations.some((e) => !e.ok)).toBe(true);
    }
  });
});
