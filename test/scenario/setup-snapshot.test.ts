// Compile once, run many (issue 20): a run that starts from the snapshot of the server state after
// `variables:`, --set and `setup` (made once per scenario) is the same run as one that applies them
// itself (fromScratch): same trace hash, schedule, outcome, metrics. Also after many runs of the
// same Scenario object, so nothing a run did leaks into the snapshot.
import { describe, expect, it } from "vitest";
import { schedulerFor } from "../../src/explore/explore.js";
import type { SysVarValue } from "../../src/mysql/sysvars.js";
import { loadScenario, loadScenarioFile, type Scenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { setupSnapshot } from "../../src/scenario/setup-snapshot.js";

// setup with rows, a SET in setup, a foreign key, a table created twice (IF NOT EXISTS), and a run
// that changes the catalog (RENAME, DROP) and copies the setup rows (ALTER ... COPY takes time per row)
const INLINE = `name: setup snapshot
version: "8.0"
variables: { lock_wait_timeout: 5 }
connections: [a, b]
setup:
  - CREATE TABLE p (id INT PRIMARY KEY)
  - CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id))
  - INSERT INTO p VALUES (1), (2)
  - INSERT INTO c VALUES (10, 1)
  - SET GLOBAL max_write_lock_count = 3
  - CREATE TABLE x (i INT)
steps:
  - a: BEGIN
  - a: INSERT INTO c VALUES (11, 2)
  - b: { send: RENAME TABLE c TO y }
  - wait_state: { b: Waiting for table metadata lock }
  - a: COMMIT
  - reap: b
  - b: DROP TABLE y
  - a: ALTER TABLE p ADD COLUMN v INT, ALGORITHM=COPY
expect:
  - outcome: completed
`;

function same(sc: Scenario, seed: number, set: [string, SysVarValue][] = []): void {
  const scheduler = () => (seed === 1 ? undefined : schedulerFor("pct", seed, { depth: 3, steps: 40 }));
  const a = runScenario(sc, { seed, set, scheduler: scheduler(), fromScratch: true }).report;
  const b = runScenario(sc, { seed, set, scheduler: scheduler() }).report;
  expect(a.trace_sha256).not.toBe("");
  expect(b.trace_sha256).toBe(a.trace_sha256);
  expect(b.schedule).toBe(a.schedule);
  expect(b.outcome).toBe(a.outcome);
  expect(b.metrics).toEqual(a.metrics);
  expect(b.expectations).toEqual(a.expectations);
}

describe("a run from the post-setup snapshot is a run built from scratch", () => {
  it("an inline scenario with rows, SET, foreign keys and catalog changes", () => {
    const sc = loadScenario(INLINE);
    expect(runScenario(sc, { seed: 1, noTrace: true }).report.expectations.filter((e) => !e.ok)).toEqual([]);
    for (const seed of [1, 2, 3]) same(sc, seed);
    same(sc, 4, [["lock_wait_timeout", 7]]);
    const snap = setupSnapshot(sc);
    expect(snap.tables.map((t) => t.name)).toEqual(["p", "c", "x"]);
    expect(snap.tables[0]!.rows).toHaveLength(2);
    expect(snap.setupVars).toEqual([["max_write_lock_count", 3]]);
    // runs never change the snapshot (RENAME / DROP above acted on the run's own catalog)
    for (let i = 0; i < 5; i++) runScenario(sc, { seed: 10 + i, noTrace: true });
    expect(setupSnapshot(sc)).toBe(snap);
    expect(snap.tables.map((t) => t.name)).toEqual(["p", "c", "x"]);
    same(sc, 2);
  });

  for (const file of ["scenarios/conformance/DL-01.yaml", "scenarios/binlog/bug68569-explore.yaml", "scenarios/mdl/fk-alter-starvation.yaml", "scenarios/files/strace-inject-25.yaml"]) {
    it(`${file}: same trace hash, schedule and metrics`, () => {
      const sc = loadScenarioFile(file);
      same(sc, 1);
      same(sc, 2);
    });
  }

  it("a bad --set fails the same way on both paths", () => {
    const sc = loadScenario(INLINE);
    expect(() => runScenario(sc, { set: [["no_such_var", 1]], fromScratch: true })).toThrow("unknown variable no_such_var");
    expect(() => runScenario(sc, { set: [["no_such_var", 1]] })).toThrow("unknown variable no_such_var");
  });
});
