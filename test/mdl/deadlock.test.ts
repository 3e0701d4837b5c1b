/**
 * Deadlock cases DL-01..DL-03 and MDL-A4(c) of the conformance file, at the level of this API:
 * who is chosen as victim and what the others see.
 */
import { describe, expect, it } from "vitest";
import { LockPlanRunner, mdlRequest, statementLocks, Wait_for_flush, type MdlContext } from "../../src/mysql/mdl/index.js";
import { recordingSystem } from "./helpers.js";

function run(ctx: MdlContext, kind: Parameters<typeof statementLocks>[0], p: Parameters<typeof statementLocks>[1] = {}) {
  const runner = new LockPlanRunner(ctx, statementLocks(kind, { backupLock: false, ...p }));
  return { runner, first: runner.advance() };
}

describe("DL-01 basic deadlock detection (mdl_sync.test)", () => {
  it("(a) no deadlock: SELECT behind a RENAME that waits for another transaction just waits", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    const con2 = sys.createContext("con2");
    expect(run(con1, "INSERT", { table: "t1" }).first.state).toBe("done");
    con1.release_statement_locks();
    expect(run(con2, "INSERT", { table: "t2" }).first.state).toBe("done");
    con2.release_statement_locks();
    const rename = run(def, "RENAME_TABLE", { renames: [["t2", "t0"], ["t3", "t2"], ["t0", "t3"]] });
    expect(rename.first.state).toBe("pending"); // X(t2) vs con2's SW
    const sel = run(con1, "SELECT", { table: "t2" });
    expect(sel.first.state).toBe("pending"); // waits, no ER_LOCK_DEADLOCK
    expect(sys.deadlocks).toEqual([]);
    con2.release_transactional_locks();
    expect(events.map((e) => e.ctx)).toEqual(["default"]); // RENAME first
    expect(rename.runner.advance()).toEqual({ state: "work", phase: "rename" });
    def.release_transactional_locks();
    def.release_statement_locks();
    expect(events.map((e) => e.ctx)).toEqual(["default", "con1"]);
    sys.checkAllInvariants();
  });

  it("(b) immediate deadlock: con1's SELECT is the victim at once; RENAME completes after rollback", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    expect(run(con1, "INSERT", { table: "t2" }).first.state).toBe("done");
    con1.release_statement_locks();
    const rename = run(def, "RENAME_TABLE", { renames: [["t2", "t0"], ["t1", "t2"], ["t0", "t1"]] });
    expect(rename.first.state).toBe("pending"); // holds X(t0), X(t1), waits X(t2)
    expect(sys.metadataLocks().filter((r) => r.OWNER_THREAD_ID === def.threadId && r.OBJECT_TYPE === "TABLE").map((r) => [r.OBJECT_NAME, r.LOCK_STATUS])).toEqual([
      ["t0", "GRANTED"],
      ["t1", "GRANTED"],
      ["t2", "PENDING"],
    ]);
    const sel = run(con1, "SELECT", { table: "t1" });
    expect(sel.first.state).toBe("victim");
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["con1", "con1"]]);
    expect(events).toEqual([]);
    con1.release_transactional_locks(); // 8.0: the transaction is rolled back
    expect(events.map((e) => e.ctx)).toEqual(["default"]);
    sys.checkAllInvariants();
  });
});

describe("DL-02 deadlock that forms later", () => {
  it("UNLOCK TABLES lets RENAME's pending X pass con1's pending SR; con1 becomes the victim", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    const con2 = sys.createContext("con2");
    expect(run(con1, "INSERT", { table: "t2" }).first.state).toBe("done");
    con1.release_statement_locks();
    expect(run(def, "LOCK_TABLES_WRITE", { table: "t1" }).first.state).toBe("done");
    expect(run(con1, "SELECT", { table: "t1" }).first.state).toBe("pending");
    const rename = run(con2, "RENAME_TABLE", { renames: [["t1", "t0"], ["t2", "t1"], ["t0", "t2"]] });
    expect(rename.first.state).toBe("pending"); // X(t0) granted, X(t1) pending
    expect(sys.deadlocks).toEqual([]);
    // UNLOCK TABLES
    for (const t of def.allTickets()) def.release_ticket(t);
    expect(events.map((e) => e.ctx)).toEqual(["con2"]); // X(t1) granted before SR(t1)
    expect(rename.runner.advance().state).toBe("pending"); // now waits X(t2) held by con1's SW
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["con2", "con1"]]);
    expect(events.map((e) => [e.kind, e.ctx])).toEqual([
      ["granted", "con2"],
      ["victim", "con1"],
    ]);
    expect(sys.finishWait(con1)).toBe("VICTIM"); // -> ER_LOCK_DEADLOCK
    con1.release_transactional_locks(); // rollback
    expect(events.at(-1)).toMatchObject({ kind: "granted", ctx: "con2" });
    expect(rename.runner.advance()).toEqual({ state: "work", phase: "rename" });
    sys.checkAllInvariants();
  });
});

describe("DL-03 deadlock through a lock upgrade (ALTER ... RENAME TO)", () => {
  it("con1's SELECT on the new name is the victim; ALTER completes", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    expect(run(con1, "SELECT", { table: "t1" }).first.state).toBe("done");
    const alter = run(def, "ALTER_TABLE", { table: "t1", renameTo: "t2", algorithm: "COPY" });
    expect(alter.first).toEqual({ state: "work", phase: "opened" });
    expect(alter.runner.advance()).toEqual({ state: "work", phase: "copy" }); // SU->SNW passes SR
    expect(alter.runner.advance().state).toBe("pending"); // SNW->X blocked by SR
    expect(sys.waitState(def)).toBe("Waiting for table metadata lock");
    const sel = run(con1, "SELECT", { table: "t2" });
    expect(sel.first.state).toBe("victim");
    con1.release_transactional_locks();
    expect(events.map((e) => e.ctx)).toEqual(["default"]);
    expect(alter.runner.advance()).toEqual({ state: "work", phase: "rename" });
    expect(sys.metadataLocks().filter((r) => r.OBJECT_NAME === "t1").map((r) => [r.LOCK_TYPE, r.LOCK_STATUS])).toEqual([["SHARED_UPGRADABLE", "GRANTED"]]);
    expect(def.allTickets().find((t) => t.lock.key.name === "t1")!.type).toBe(10);
    sys.checkAllInvariants();
  });
});

describe("MDL-A4(c): ALTER (SU->SNW) vs RENAME (pending X): ALTER is the victim", () => {
  it("equal DDL weights: the requester that closed the cycle is the victim", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    const alter = run(def, "ALTER_TABLE", { table: "t1", algorithm: "COPY" });
    expect(alter.first).toEqual({ state: "work", phase: "opened" }); // parked at alter_opened_table
    const rename = run(con1, "RENAME_TABLE", { renames: [["t1", "t2"]] });
    expect(rename.first.state).toBe("pending");
    const up = alter.runner.advance(); // SU->SNW blocked by the pending X
    expect(up.state).toBe("victim");
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["default", "default"]]);
    def.release_transactional_locks();
    def.release_statement_locks();
    expect(events.map((e) => e.ctx)).toEqual(["con1"]);
    sys.checkAllInvariants();
  });
});

describe("victim weights", () => {
  it("ULL waits weigh more than DML waits: the DML waiter is the victim even when the ULL waiter closes the cycle", () => {
    const { sys, events } = recordingSystem({ finishVictims: true });
    const a = sys.createContext("a");
    const b = sys.createContext("b");
    expect(run(b, "LOCK_TABLES_WRITE", { table: "t1" }).first.state).toBe("done");
    expect(run(a, "GET_LOCK", { lockName: "L" }).first.state).toBe("done");
    expect(run(a, "SELECT", { table: "t1" }).first.state).toBe("pending"); // SR: DML weight
    const bw = run(b, "GET_LOCK", { lockName: "L" }); // ULL weight, closes the cycle
    expect(bw.first.state).toBe("pending");
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["b", "a"]]);
    expect(events.map((e) => [e.kind, e.ctx])).toEqual([["victim", "a"]]);
    expect(a.isWaiting()).toBe(false); // finished by the listener
    a.release_lock(a.allTickets().find((t) => t.lock.key.name === "L")!); // RELEASE_LOCK
    expect(events.map((e) => [e.kind, e.ctx])).toEqual([
      ["victim", "a"],
      ["granted", "b"],
    ]);
    sys.checkAllInvariants();
  });

  it("LOCK TABLES' SRO waits with DDL weight (lock_table_names -> acquire_locks is not forced): the GET_LOCK waiter is the victim", () => {
    const { sys } = recordingSystem({ finishVictims: true });
    const a = sys.createContext("a");
    const b = sys.createContext("b");
    expect(run(a, "GET_LOCK", { lockName: "L" }).first.state).toBe("done");
    expect(run(b, "INSERT", { table: "t1" }).first.state).toBe("done");
    b.release_statement_locks(); // SW t1 stays with b's transaction
    expect(run(b, "GET_LOCK", { lockName: "L" }).first.state).toBe("pending"); // ULL weight 50
    const lt = run(a, "LOCK_TABLES_READ", { table: "t1" }); // SRO: DDL weight 100, closes the cycle
    expect(lt.first.state).toBe("pending");
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["a", "b"]]);
  });

  it("open_table() forces DML weight around GLOBAL IX only for a statement that can back off (set_force_dml_deadlock_weight(can_back_off()))", () => {
    const { sys } = recordingSystem();
    const ftwrl = sys.createContext("ftwrl");
    expect(run(ftwrl, "FTWRL").first.state).toBe("work"); // GLOBAL S held
    const fresh = sys.createContext("fresh");
    expect(run(fresh, "INSERT", { table: "t1" }).first.state).toBe("pending"); // waits for GLOBAL IX
    expect(fresh.get_deadlock_weight()).toBe(sys.deadlockWeights.DML);
    const holder = sys.createContext("holder");
    expect(run(holder, "GET_LOCK", { lockName: "M" }).first.state).toBe("done"); // holds a lock: cannot back off
    expect(run(holder, "INSERT", { table: "t1" }).first.state).toBe("pending");
    expect(holder.get_deadlock_weight()).toBe(sys.deadlockWeights.DDL); // GLOBAL namespace: DDL
  });
});

describe("Wait_for_flush: a table-flush wait is a node of the deadlock search (TABLE_SHARE::visit_subgraph)", () => {
  /** `flusher` holds user lock L; `user` (who has the share open) waits for L; then flusher waits for the share. */
  function cycle(flushWeight: "DDL" | "DML") {
    const { sys, events } = recordingSystem();
    const flusher = sys.createContext("flusher");
    const user = sys.createContext("user");
    expect(flusher.acquire_lock(mdlRequest("USER_LEVEL_LOCK", "", "L", "X", "EXPLICIT")).status).toBe("GRANTED");
    expect(user.acquire_lock(mdlRequest("USER_LEVEL_LOCK", "", "L", "X", "EXPLICIT")).status).toBe("PENDING"); // ULL weight
    const w = new Wait_for_flush(flusher, sys.deadlockWeights[flushWeight], () => [user], "TABLE_SHARE test.t1");
    return { sys, events, flusher, user, result: flusher.wait_for_flush(w) };
  }

  it("close_cached_tables() waits with DEADLOCK_WEIGHT_DDL: the ULL waiter using the share is the victim", () => {
    const { sys, events, flusher, result } = cycle("DDL");
    expect(result).toBe("PENDING");
    expect(events).toEqual([{ kind: "victim", ctx: "user" }]);
    expect(flusher.get_deadlock_weight()).toBe(sys.deadlockWeights.DDL);
    expect(flusher.done_waiting_for_flush("TIMEOUT")).toBe("TIMEOUT");
  });

  it("an opener that can back off waits with DML weight: it is the victim itself (ER_LOCK_DEADLOCK, then back-off)", () => {
    const { sys, events, flusher, result } = cycle("DML");
    expect(result).toBe("VICTIM");
    expect(events).toEqual([]);
    expect(sys.deadlocks.map((d) => [d.requester.name, d.victim.name])).toEqual([["flusher", "flusher"]]);
    expect(flusher.m_waiting_for_flush).toBeNull();
  });
});
