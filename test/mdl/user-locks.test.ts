// User-level locks (src/mysql/locking/user-locks.ts; item_func.cc Item_func_get_lock::val_int()
// and friends): GET_LOCK in a WHERE with its row, the zero-timeout try of Bug#26739438, a wait in
// "User lock" on the virtual clock, replayed evaluation, 5.6's one lock per session.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ullName, ullTimeoutS } from "../../src/mysql/locking/user-locks.js";
import { MysqlError } from "../../src/mysql/errors.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { SEC } from "../../src/kernel/time.js";

function run(yaml: string) {
  const r = runScenario(loadScenario(yaml, "t.yaml"), { seed: 1 });
  const stmt = (conn: string, sql: string) => {
    const s = r.statements.find((x) => x.conn === conn && x.sql === sql);
    if (!s) throw new Error(`no statement ${conn}: ${sql}`);
    return s;
  };
  return { r, stmt };
}

const TABLE = `setup:\n  - CREATE TABLE t1 (i INT)\n  - INSERT INTO t1 VALUES (0), (1)\n`;

describe("check_and_convert_ull_name / the timeout", () => {
  it("lower-cases names, refuses empty, NULL and more than 64 characters (5.7+), not in 5.6", () => {
    expect(ullName("AbC", "5.7")).toBe("abc");
    expect(ullName(0, "8.0")).toBe("0");
    for (const bad of ["", null, "x".repeat(65)]) {
      expect(() => ullName(bad, "5.7")).toThrow(MysqlError);
      try {
        ullName(bad, "5.7");
      } catch (e) {
        expect((e as MysqlError).def.name).toBe("ER_USER_LOCK_WRONG_NAME");
      }
    }
    expect(ullName("x".repeat(64), "5.7")).toHaveLength(64);
    expect(ullName(null, "5.6")).toBeNull();
    expect(ullName("x".repeat(65), "5.6")).toHaveLength(65);
  });
  it("rounds the timeout as val_int() does; negative or huge is INT_MAX32", () => {
    expect(ullTimeoutS(0)).toBe(0);
    expect(ullTimeoutS(null)).toBe(0);
    expect(ullTimeoutS(2.6)).toBe(3);
    expect(ullTimeoutS("7")).toBe(7);
    expect(ullTimeoutS(-1)).toBe(2147483647);
    expect(ullTimeoutS(1e12)).toBe(2147483647);
  });
});

describe("GET_LOCK in expressions", () => {
  it("Bug#26739438 (scenarios/mdl/get-lock-zero-timeout.yaml): both zero-timeout calls return 0 after mdl_acquire_lock_wait, no deadlock", () => {
    const { r, stmt } = run(readFileSync("scenarios/mdl/get-lock-zero-timeout.yaml", "utf8"));
    expect(r.report.outcome).toBe("completed");
    expect(r.report.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(stmt("con0", "SELECT i FROM t1 WHERE i = 0 AND GET_LOCK(i, 0)").result?.rows).toEqual([["0"]]);
    expect(stmt("con1", "SELECT i FROM t1 WHERE i = 1 AND GET_LOCK(i, 0)").result?.rows).toEqual([["1"]]);
    for (const [c, x] of [["con1", 0], ["con0", 1]] as const) {
      const s = stmt(c, `SELECT i FROM t1 WHERE GET_LOCK(i, 0) AND i = ${x}`);
      expect(s.error).toBeNull();
      expect(s.result?.rows).toEqual([]);
    }
    // each still holds only its own lock (the recursive GET_LOCK of its own row only counted)
    expect(stmt("default", "SELECT IS_USED_LOCK('0') IS NOT NULL AND IS_USED_LOCK('1') IS NOT NULL AND IS_USED_LOCK('0') <> IS_USED_LOCK('1')").result?.rows).toEqual([["1"]]);
    // the sync point was reached by both (nothing left armed)
    expect(r.report.unreached_sync_points ?? []).toEqual([]);
  });

  it("AND short-circuits: the row whose first operand is false does not call GET_LOCK", () => {
    const { stmt } = run(`name: t\nversion: "8.0"\n${TABLE}steps:\n  - a: SELECT i FROM t1 WHERE i = 0 AND GET_LOCK(i, 0)\n  - b: SELECT IS_FREE_LOCK('0'), IS_FREE_LOCK('1')\nexpect:\n  - outcome: completed\n`);
    expect(stmt("b", "SELECT IS_FREE_LOCK('0'), IS_FREE_LOCK('1')").result?.rows).toEqual([["0", "1"]]);
  });

  it("a positive timeout waits in 'User lock' on the virtual clock: 0 after the timeout, the row once the holder releases", () => {
    const yaml = (release: boolean) =>
      `name: t\nversion: "5.7"\n${TABLE}steps:\n  - holder: DO GET_LOCK('1', 0)\n  - w: { send: "SELECT i, @n := @n + 1 FROM t1 WHERE i = 1 AND GET_LOCK(i, 5)" }\n  - wait_state: { w: User lock }\n` +
      (release ? `  - sleep: 2s\n  - holder: SELECT RELEASE_LOCK('1')\n` : "") +
      `  - reap: w\n  - w: SELECT @n\nexpect:\n  - outcome: completed\n`;
    const timedOut = run(yaml(false));
    const t = timedOut.stmt("w", "SELECT i, @n := @n + 1 FROM t1 WHERE i = 1 AND GET_LOCK(i, 5)");
    expect(t.error).toBeNull();
    expect(t.result?.rows).toEqual([]);
    expect(t.endNs - t.startNs).toBeGreaterThanOrEqual(5 * SEC);
    const granted = run(yaml(true));
    const g = granted.stmt("w", "SELECT i, @n := @n + 1 FROM t1 WHERE i = 1 AND GET_LOCK(i, 5)");
    expect(g.result?.rows).toEqual([["1", null]]);
    expect(g.endNs - g.startNs).toBeGreaterThanOrEqual(2 * SEC);
    expect(g.endNs - g.startNs).toBeLessThan(3 * SEC);
  });

  it("the evaluation replayed after a wait does not repeat its user variable assignments", () => {
    const { stmt } = run(
      `name: t\nversion: "8.0"\nsteps:\n  - holder: DO GET_LOCK('w', 0)\n  - w: SET @n = 0\n  - w: { send: "SELECT @n := @n + 1, GET_LOCK('w', 10), @n := @n + 1" }\n  - wait_state: { w: User lock }\n  - holder: DO RELEASE_LOCK('w')\n  - reap: w\n  - w: SELECT @n, RELEASE_ALL_LOCKS()\nexpect:\n  - outcome: completed\n`,
    );
    expect(stmt("w", "SELECT @n := @n + 1, GET_LOCK('w', 10), @n := @n + 1").result?.rows).toEqual([["1", "1", "2"]]);
    expect(stmt("w", "SELECT @n, RELEASE_ALL_LOCKS()").result?.rows).toEqual([["2", "1"]]);
  });

  it("a cycle of two GET_LOCK waits: the one that closes it is ER_USER_LOCK_DEADLOCK, the other gets its lock", () => {
    const { r, stmt } = run(
      `name: t\nversion: "5.7"\nsteps:\n  - a: DO GET_LOCK('x', 0)\n  - b: DO GET_LOCK('y', 0)\n  - a: { send: "DO GET_LOCK('y', 100)" }\n  - wait_state: { a: User lock }\n  - b: DO GET_LOCK('x', 100)\n    error: ER_USER_LOCK_DEADLOCK\n  - b: DO RELEASE_ALL_LOCKS()\n  - reap: a\n  - b: SELECT IS_USED_LOCK('x') = IS_USED_LOCK('y')\nexpect:\n  - outcome: completed\n`,
    );
    expect(r.report.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(stmt("b", "SELECT IS_USED_LOCK('x') = IS_USED_LOCK('y')").result?.rows).toEqual([["1"]]);
  });

  it("5.6: one lock per session, a second GET_LOCK releases the first; RELEASE_ALL_LOCKS does not exist", () => {
    const { stmt } = run(
      `name: t\nversion: "5.6.12"\nsteps:\n  - a: SELECT GET_LOCK('p', 0), GET_LOCK('q', 0)\n  - b: SELECT IS_FREE_LOCK('p'), IS_FREE_LOCK('q')\n  - a: SELECT RELEASE_ALL_LOCKS()\n    error: ER_SP_DOES_NOT_EXIST\nexpect:\n  - outcome: completed\n`,
    );
    expect(stmt("b", "SELECT IS_FREE_LOCK('p'), IS_FREE_LOCK('q')").result?.rows).toEqual([["1", "0"]]);
  });
});
