// KILL QUERY of an idle connection (found converting MySQL's kill.test with mtr --to-yaml): the
// connection's wait for its next command ends with nothing posted; it must wait again, not crash.
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

describe("kill_query of an idle connection", () => {
  it("the connection goes on with its next statement", () => {
    const sc = loadScenario("name: kq\nsteps:\n  - con1: SELECT 1\n  - kill_query: con1\n  - con1: SELECT 2\nexpect:\n  - outcome: completed\n", "kq.yaml");
    const r = runScenario(sc, { seed: 1 });
    expect(r.report.outcome).toBe("completed");
    expect(r.report.expectations.every((e) => e.ok)).toBe(true);
    expect(r.statements.map((s) => [s.sql, s.error])).toEqual([["SELECT 1", null], ["SELECT 2", null]]);
  });
});
