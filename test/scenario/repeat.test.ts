import { describe, expect, it } from "vitest";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

function errorOf(text: string): ScenarioError {
  try {
    loadScenario(text, "r.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error("expected a ScenarioError");
}

describe("repeat: steps as a loop (mysqltest's while)", () => {
  it("unrolls with $i numbered from 1, nested counters by name", () => {
    const sc = loadScenario(`name: r
steps:
  - repeat:
      times: 3
      steps:
        - con1: CREATE TABLE t$i (id INT)
        - repeat: { times: 2, var: j, steps: [ { con1: "INSERT INTO t$i VALUES ($j)" } ] }
  - con1: SELECT SLEEP(1)
`, "r.yaml");
    expect(sc.steps.map((s) => (s.kind === "stmt" ? s.sql : s.kind))).toEqual([
      "CREATE TABLE t1 (id INT)", "INSERT INTO t1 VALUES (1)", "INSERT INTO t1 VALUES (2)",
      "CREATE TABLE t2 (id INT)", "INSERT INTO t2 VALUES (1)", "INSERT INTO t2 VALUES (2)",
      "CREATE TABLE t3 (id INT)", "INSERT INTO t3 VALUES (1)", "INSERT INTO t3 VALUES (2)",
      "SELECT SLEEP(1)",
    ]);
    expect(sc.steps[1]!.line).toBe(7);
    expect(runScenario(sc).report.connections.con1!.statements).toBe(10);
  });
  it("a mistake inside points at the step as written, once", () => {
    const e = errorOf("name: r\nsteps:\n  - repeat:\n      times: 50\n      steps:\n        - con1: FROB t$i\n");
    expect(e.all).toHaveLength(1);
    expect(e.message).toMatch(/^r\.yaml:6:17: statement not in the modelled subset: "FROB t1"/);
  });
  it("is bounded, and takes nothing beside it", () => {
    expect(errorOf("name: r\nsteps:\n  - repeat: { times: 1000, steps: [ { repeat: { times: 1000, var: j, steps: [ { con1: BEGIN } ] } } ] }\n").message).toMatch(/repeat unrolls to more than 100000 steps/);
    expect(errorOf("name: r\nsteps:\n  - repeat: { times: 0, steps: [ { con1: BEGIN } ] }\n").message).toMatch(/`steps\.0\.repeat\.times` is the number 0; expected at least 1/);
    expect(errorOf("name: r\nsteps:\n  - repeat: { times: 2, steps: [ { con1: BEGIN } ] }\n    con2: BEGIN\n").message).toMatch(/a repeat step takes only/);
  });
});
