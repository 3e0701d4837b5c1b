// Issue 21 item 7: validate reports every mistake of a file in one run (structure and meaning
// together), and wait-state names are checked against the states the models reach.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";
import { reachableStates } from "../../src/mysql/thread-states.js";
import { runScenario } from "../../src/scenario/run.js";

function errorsOf(text: string): { line: number; column: number; problem: string }[] {
  try {
    loadScenario(text, "x.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.all.map((x) => ({ line: x.line, column: x.column, problem: x.problem }));
    throw e;
  }
  throw new Error("expected a ScenarioError");
}

describe("wait-state names are checked against the states the models reach", () => {
  it("a misspelt wait_state is a load error with the closest state", () => {
    const errs = errorsOf("name: x\nsteps:\n  - con1: LOCK TABLES t WRITE\n  - con2: { send: SELECT * FROM t }\n  - wait_state: { con2: Waiting for table metdata lock }\n  - con1: UNLOCK TABLES\n  - reap: con2\n");
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ line: 5, column: 25 });
    expect(errs[0]!.problem).toMatch(/^state "Waiting for table metdata lock" is not one any model reaches in MySQL 8\.0 \(did you mean "Waiting for table metadata lock"\?\)/);
  });
  it("a state expectation too; with no close name, the list", () => {
    const errs = errorsOf("name: x\nsteps:\n  - con1: BEGIN\nexpect:\n  - state: { con1: Idle }\n");
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ line: 5, column: 20 });
    expect(errs[0]!.problem).toMatch(/expected one of: "starting", "executing", .*"Waiting for table metadata lock"/);
  });
  it("another version's state names the one this version shows", () => {
    const errs = errorsOf('name: x\nversion: "5.7"\nsteps:\n  - con1: BEGIN\nexpect:\n  - state: { con1: waiting for handler commit }\n');
    expect(errs[0]!.problem).toMatch(/is what MySQL 8\.0 shows, not 5\.7 \(5\.7 shows "query end" there\)/);
    expect(reachableStates("5.7").map((r) => r.state)).not.toContain("Waiting for backup lock");
  });
  it("every state a bundled scenario waits for is reachable, and the models reach them", () => {
    // the states the list names are the ones the runs show: a wait_state on each reached one passes
    const run = runScenario(loadScenario(readFileSync("scenarios/examples/sleep-and-send.yaml", "utf8"), "s.yaml"), { seed: 1 });
    expect(run.report.expectations.every((e) => e.ok)).toBe(true);
    const reached = new Set(reachableStates("8.0").map((r) => r.state));
    for (const s of ["Waiting for table metadata lock", "Waiting for table flush", "Waiting for global read lock", "User sleep", "waiting for handler commit", "Waiting for commit lock"]) expect(reached.has(s), s).toBe(true);
  });
  it("the docs list the same states", () => {
    const doc = readFileSync("docs/scenario-format.md", "utf8");
    const syncDoc = readFileSync("docs/debug-sync.md", "utf8");
    for (const v of ["5.7", "8.0"]) {
      for (const { state } of reachableStates(v)) {
        if (!state) continue;
        // a session waiting at a sync point: the format once, the points in docs/debug-sync.md
        const point = /^debug sync point: (.+)$/.exec(state)?.[1];
        if (point && point !== "now") expect(syncDoc, state).toContain(`\`${point}\``);
        else expect(doc.replace(/\s+/g, " "), state).toContain(`\`${state}\``);
      }
    }
    expect(doc).toContain("`debug sync point: POINT`");
  });
});

describe("every mistake in one run: structure and meaning together", () => {
  const text = [
    "name: x",
    "stepz: []",
    "duration: 10 parsecs",
    "variables: { max_write_lock_cnt: 3 }",
    "steps:",
    "  - con1: BEGIN",
    "  - con2: { sned: SELECT 1 }",
    "  - con1: INSTALL PLUGIN x SONAME 'x.so'",
    "  - reap: con2",
    "  - wait_state: { con1: Waiting for table metdata lock }",
    "threads:",
    "  w: { count: 0, loop: [BEGIN] }",
    "expect:",
    "  - outcome: hung",
    "  - state: { w1: Waiting for tabel flush }",
    "",
  ].join("\n");
  it("reports all nine, in file order, and nothing that only follows from them", () => {
    const errs = errorsOf(text);
    expect(errs.map((e) => [e.line, e.problem.replace(/[;(].*/, "").trim()])).toEqual([
      [2, "unknown key `stepz` in the top level"],
      [3, '"10 parsecs" is not a duration'],
      [4, 'unknown variable "max_write_lock_cnt"'],
      [7, "unknown key `sned` in `steps.1.con2`"],
      [8, 'statement not in the modelled subset: "INSTALL PLUGIN x SONAME \'x.so\'"'],
      [10, 'state "Waiting for table metdata lock" is not one any model reaches in MySQL 8.0'],
      [12, "`threads.w.count` is the number 0"],
      [14, '`expect.0.outcome`: "hung" is not allowed'],
      [15, 'state "Waiting for tabel flush" is not one any model reaches in MySQL 8.0'],
    ]);
  });
  it("the message has one line per mistake", () => {
    try {
      loadScenario(text, "x.yaml");
    } catch (e) {
      expect((e as Error).message.split("\n")).toHaveLength(9);
    }
  });
});
