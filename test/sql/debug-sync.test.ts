// SET DEBUG_SYNC as sql/debug_sync.cc (MySQL 5.7.35) reads and executes it, and the sync points
// at the places MySQL has them (docs/debug-sync.md is generated from the same table).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDebugSyncAction } from "../../src/mysql/sql/execute.js";
import { parseStatement } from "../../src/mysql/sql/parse.js";
import { explainSyncPoints } from "../../src/mysql/sql/sync-points.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { type RunArtifacts, runScenario } from "../../src/scenario/run.js";

function run(yaml: string): RunArtifacts {
  return runScenario(loadScenario(`name: t\nversion: "5.7"\n${yaml}`, "t.yaml"), { seed: 1 });
}
const failed = (art: RunArtifacts): string[] => art.report.expectations.filter((e) => !e.ok).map((e) => `${e.text}: ${e.actual ?? ""}`);

describe("SET DEBUG_SYNC syntax", () => {
  it("double-quoted values, signal names with dots, @@session", () => {
    expect(parseStatement(`SET DEBUG_SYNC= "now SIGNAL a.b"`)).toEqual({ kind: "set_debug_sync", action: "now SIGNAL a.b" });
    expect(parseStatement(`set @@session.debug_sync = 'RESET'`)).toEqual({ kind: "set_debug_sync", action: "RESET" });
    expect(parseDebugSyncAction("p SIGNAL s.1 WAIT_FOR g.2 TIMEOUT 3 EXECUTE 2 NO_CLEAR_EVENT HIT_LIMIT 4")).toEqual({ kind: "set", point: "p", signal: "s.1", waitFor: "g.2", timeoutS: 3, execute: 2, noClearEvent: true, hitLimit: 4 });
    expect(parseDebugSyncAction("p CLEAR")).toEqual({ kind: "clear", point: "p" });
    expect(parseDebugSyncAction("p TEST")).toEqual({ kind: "test", point: "p" });
    expect(parseDebugSyncAction("RESET")).toEqual({ kind: "reset" });
  });
  it("debug_sync.cc's messages for malformed values (ER_PARSE_ERROR)", () => {
    expect(() => parseDebugSyncAction("p")).toThrow("Missing action after synchronization point name 'p'");
    expect(() => parseDebugSyncAction("p WAIT_FOR")).toThrow("Missing signal name after action WAIT_FOR");
    expect(() => parseDebugSyncAction("p SIGNAL s TIMEOUT 3")).toThrow("Illegal or out of order stuff: 'TIMEOUT'");
    expect(() => parseDebugSyncAction("p EXECUTE 2")).toThrow("Missing action before EXECUTE");
    expect(() => parseDebugSyncAction("p CLEAR x")).toThrow("Nothing must follow action CLEAR");
  });
});

describe("DEBUG_SYNC semantics", () => {
  it("a WAIT_FOR that times out goes on with Warning 1639 'debug sync point wait timed out'", () => {
    const art = run(`
connections: [con1]
steps:
  - con1: SET DEBUG_SYNC= 'now WAIT_FOR never TIMEOUT 1'
  - con1: SET DEBUG_SYNC= 'before_execute_sql_command WAIT_FOR never TIMEOUT 1'
  - con1: SELECT 1
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    const w = art.statements.filter((s) => s.warnings?.length).map((s) => [s.sql, s.warnings]);
    expect(w).toEqual([
      ["SET DEBUG_SYNC= 'now WAIT_FOR never TIMEOUT 1'", [{ level: "Warning", code: 1639, message: "debug sync point wait timed out" }]],
      ["SELECT 1", [{ level: "Warning", code: 1639, message: "debug sync point wait timed out" }]],
    ]);
  });

  it("the waiting thread shows 'debug sync point: <point>' in the processlist", () => {
    const art = run(`
connections: [con1, con2]
steps:
  - con1: SET DEBUG_SYNC= 'before_execute_sql_command SIGNAL parked WAIT_FOR go'
  - con1: { send: SELECT 1 }
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR parked'
  - wait_state: { con1: "debug sync point: before_execute_sql_command" }
  - con2: SET DEBUG_SYNC= 'now SIGNAL go'
  - reap: con1
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });

  it("EXECUTE 2 acts on two hits; SIGNAL a,b emits both; NO_CLEAR_EVENT keeps the signal", () => {
    const art = run(`
connections: [con1, con2]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - con1: SET DEBUG_SYNC= 'before_execute_sql_command SIGNAL s1,s2 EXECUTE 2'
  - con1: SELECT 1
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR s1'
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR s2'
  - con1: SELECT 2
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR s2'
  - con1: SET DEBUG_SYNC= 'before_execute_sql_command WAIT_FOR s1 NO_CLEAR_EVENT'
  - con1: SELECT 3
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR s1 TIMEOUT 0'
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    // none of the now WAIT_FORs timed out: every awaited signal was there
    expect(art.statements.filter((s) => s.warnings?.length)).toEqual([]);
  });

  it("RESET drops only the session's own actions (and every signal)", () => {
    const art = run(`
connections: [con1, con2, con3]
steps:
  - con1: SET DEBUG_SYNC= 'before_execute_sql_command SIGNAL hit'
  - con2: SET DEBUG_SYNC= 'RESET'
  - con1: SELECT 1
  - con3: SET DEBUG_SYNC= 'now WAIT_FOR hit TIMEOUT 1'
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(art.statements.filter((s) => s.warnings?.length)).toEqual([]);
  });

  it("an armed point no thread reached is reported at the end of the run", () => {
    const art = run(`
connections: [con1]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - con1: SET DEBUG_SYNC= 'mdl_acquire_lock_wait SIGNAL waiting'
  - con1: SELECT * FROM t1
expect:
  - outcome: completed
`);
    expect(art.report.unreached_sync_points?.map((u) => [u.point, u.connection, u.end])).toEqual([["mdl_acquire_lock_wait", "con1", "armed"]]);
  });

  it("after_open_table_mdl_shared fires on an ordinary table open, not only for information_schema", () => {
    const art = run(`
connections: [con1, con2]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - con1: SET DEBUG_SYNC= 'after_open_table_mdl_shared SIGNAL opened WAIT_FOR go'
  - con1: { send: SELECT * FROM t1 }
  - con2: SET DEBUG_SYNC= 'now WAIT_FOR opened'
  - con2: { send: DROP TABLE t1 }
  - wait_state: { con2: Waiting for table metadata lock }
  - con2a: SET DEBUG_SYNC= 'now SIGNAL go'
  - reap: con1
  - reap: con2
expect:
  - outcome: completed
`.replace("connections: [con1, con2]", "connections: [con1, con2, con2a]"));
    expect(failed(art)).toEqual([]);
  });

  it("docs/debug-sync.md carries the table of points", () => {
    const page = readFileSync(new URL("../../docs/debug-sync.md", import.meta.url), "utf8");
    expect(page).toContain(explainSyncPoints());
  });
});
