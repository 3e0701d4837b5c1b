/** PFS-01: performance_schema.metadata_locks rows (mdl_func.result markers), plus wait states. */
import { describe, expect, it } from "vitest";
import { LockPlanRunner, statementLocks, type MetadataLockRow, type MdlContext, NAMESPACE_WAIT_STATE_NAME, MdlNamespace } from "../../src/mysql/mdl/index.js";
import { recordingSystem } from "./helpers.js";

/** The test's ORDER BY: object type, schema, name, lock type. */
function dump(rows: MetadataLockRow[], names: Map<number, string>) {
  return rows
    .map((r) => ({ type: r.OBJECT_TYPE, schema: r.OBJECT_SCHEMA, name: r.OBJECT_NAME, lock: r.LOCK_TYPE, duration: r.LOCK_DURATION, status: r.LOCK_STATUS, owner: names.get(r.OWNER_THREAD_ID) }))
    .sort((a, b) => `${a.type}|${a.schema}|${a.name}|${a.lock}`.localeCompare(`${b.type}|${b.schema}|${b.name}|${b.lock}`));
}

function run(ctx: MdlContext, kind: Parameters<typeof statementLocks>[0], p: Parameters<typeof statementLocks>[1] = {}) {
  const runner = new LockPlanRunner(ctx, statementLocks(kind, { backupLock: false, ...p }));
  return { runner, first: runner.advance() };
}

describe("PFS-01 (mdl_func.result, 5.7 rows; BACKUP LOCK rows of 8.0 DDL switched off)", () => {
  it("markers 1-5: SR, SW, then a pending DROP TABLE", () => {
    const { sys } = recordingSystem();
    const u1 = sys.createContext("USER1", 101);
    const u2 = sys.createContext("USER2", 102);
    const names = new Map([
      [101, "USER1"],
      [102, "USER2"],
    ]);
    run(u1, "SELECT", { table: "t1" });
    expect(dump(sys.metadataLocks(), names)).toEqual([{ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_READ", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" }]);
    u1.release_transactional_locks(); // COMMIT
    run(u1, "UPDATE", { table: "t1" });
    u1.release_statement_locks();
    expect(dump(sys.metadataLocks(), names)).toEqual([{ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_WRITE", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" }]);
    const drop = run(u2, "DROP_TABLE", { table: "t1" });
    expect(drop.first.state).toBe("pending");
    expect(dump(sys.metadataLocks(), names)).toEqual([
      { type: "GLOBAL", schema: null, name: null, lock: "INTENTION_EXCLUSIVE", duration: "STATEMENT", status: "GRANTED", owner: "USER2" },
      { type: "SCHEMA", schema: "test", name: null, lock: "INTENTION_EXCLUSIVE", duration: "TRANSACTION", status: "GRANTED", owner: "USER2" },
      { type: "TABLE", schema: "test", name: "t1", lock: "EXCLUSIVE", duration: "TRANSACTION", status: "PENDING", owner: "USER2" },
      { type: "TABLE", schema: "test", name: "t1", lock: "SHARED_WRITE", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" },
    ]);
    u1.release_transactional_locks();
    expect(drop.runner.advance()).toEqual({ state: "work", phase: "drop" });
    u2.release_transactional_locks();
    expect(sys.metadataLocks()).toEqual([]);
  });

  it("markers 6-10: LOCK TABLE READ, pending/granted LOCK TABLE WRITE, pending READ", () => {
    const { sys } = recordingSystem();
    const u1 = sys.createContext("USER1", 101);
    const u2 = sys.createContext("USER2", 102);
    const names = new Map([
      [101, "USER1"],
      [102, "USER2"],
    ]);
    run(u1, "LOCK_TABLES_READ", { table: "t1" });
    expect(dump(sys.metadataLocks(), names)).toEqual([{ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_READ_ONLY", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" }]);
    const lw = run(u2, "LOCK_TABLES_WRITE", { table: "t1" });
    expect(lw.first.state).toBe("pending");
    const m7 = [
      { type: "GLOBAL", schema: null, name: null, lock: "INTENTION_EXCLUSIVE", duration: "STATEMENT", status: "GRANTED", owner: "USER2" },
      { type: "SCHEMA", schema: "test", name: null, lock: "INTENTION_EXCLUSIVE", duration: "TRANSACTION", status: "GRANTED", owner: "USER2" },
      { type: "TABLE", schema: "test", name: "t1", lock: "SHARED_NO_READ_WRITE", duration: "TRANSACTION", status: "PENDING", owner: "USER2" },
      { type: "TABLE", schema: "test", name: "t1", lock: "SHARED_READ_ONLY", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" },
    ];
    expect(dump(sys.metadataLocks(), names)).toEqual(m7);
    for (const t of u1.allTickets()) u1.release_ticket(t); // UNLOCK TABLES
    expect(lw.runner.advance()).toEqual({ state: "done" });
    const m8 = m7.slice(0, 3).map((r) => ({ ...r, status: "GRANTED" }));
    expect(dump(sys.metadataLocks(), names)).toEqual(m8);
    const lr = run(u1, "LOCK_TABLES_READ", { table: "t1" });
    expect(lr.first.state).toBe("pending");
    expect(dump(sys.metadataLocks(), names)).toContainEqual({ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_READ_ONLY", duration: "TRANSACTION", status: "PENDING", owner: "USER1" });
    for (const t of u2.allTickets()) u2.release_ticket(t);
    expect(lr.runner.advance()).toEqual({ state: "done" });
    expect(dump(sys.metadataLocks(), names)).toEqual([{ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_READ_ONLY", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" }]);
  });

  it("markers 12-15: SWLP, user-level locks", () => {
    const { sys, events } = recordingSystem();
    const u1 = sys.createContext("USER1", 101);
    const u2 = sys.createContext("USER2", 102);
    const names = new Map([
      [101, "USER1"],
      [102, "USER2"],
    ]);
    run(u1, "UPDATE", { table: "t1", lowPriority: true });
    u1.release_statement_locks();
    expect(dump(sys.metadataLocks(), names)).toEqual([{ type: "TABLE", schema: "test", name: "t1", lock: "SHARED_WRITE_LOW_PRIO", duration: "TRANSACTION", status: "GRANTED", owner: "USER1" }]);
    u1.release_transactional_locks();
    run(u1, "GET_LOCK", { lockName: "test" });
    const ull = { type: "USER LEVEL LOCK", schema: null, name: "test", lock: "EXCLUSIVE", duration: "EXPLICIT", status: "GRANTED", owner: "USER1" };
    expect(dump(sys.metadataLocks(), names)).toEqual([ull]);
    expect(run(u2, "GET_LOCK", { lockName: "test" }).first.state).toBe("pending");
    expect(sys.waitState(u2)).toBe("User lock");
    expect(dump(sys.metadataLocks(), names)).toEqual([ull, { ...ull, status: "PENDING", owner: "USER2" }]);
    run(u1, "RELEASE_LOCK", { lockName: "test" });
    expect(events.map((e) => e.ctx)).toEqual(["USER2"]);
    expect(dump(sys.metadataLocks(), names)).toEqual([{ ...ull, owner: "USER2" }]);
  });

  it("wait state names per namespace (MDL_key::m_namespace_to_wait_state_name)", () => {
    expect(NAMESPACE_WAIT_STATE_NAME[MdlNamespace.GLOBAL]).toBe("Waiting for global read lock");
    expect(NAMESPACE_WAIT_STATE_NAME[MdlNamespace.BACKUP_LOCK]).toBe("Waiting for backup lock");
    expect(NAMESPACE_WAIT_STATE_NAME[MdlNamespace.COMMIT]).toBe("Waiting for commit lock");
    expect(NAMESPACE_WAIT_STATE_NAME[MdlNamespace.SCHEMA]).toBe("Waiting for schema metadata lock");
    expect(NAMESPACE_WAIT_STATE_NAME[MdlNamespace.USER_LEVEL_LOCK]).toBe("User lock");
  });

  it("FTWRL-02: COMMIT with changes waits in 'Waiting for commit lock' under a foreign FTWRL", () => {
    const { sys, events } = recordingSystem();
    const def = sys.createContext("default");
    const con1 = sys.createContext("con1");
    run(def, "INSERT", { table: "t3_trans" });
    def.release_statement_locks();
    const ftwrl = run(con1, "FTWRL");
    expect(ftwrl.first).toEqual({ state: "work", phase: "flush tables (Waiting for table flush; not MDL)" });
    expect(ftwrl.runner.advance()).toEqual({ state: "done" }); // GLOBAL S, COMMIT S: not blocked by the idle trx
    const c = run(def, "COMMIT", { hasChanges: true });
    expect(c.first.state).toBe("pending");
    expect(sys.waitState(def)).toBe("Waiting for commit lock");
    expect(run(con1, "COMMIT", { hasChanges: false }).first.state).toBe("done");
    for (const t of con1.allTickets()) con1.release_lock(t); // UNLOCK TABLES
    expect(events.map((e) => e.ctx)).toEqual(["default"]);
  });
});
