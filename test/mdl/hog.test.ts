/**
 * max_write_lock_count ("hog"/"piglet") scenarios: MWLC-01/02 (unittest/gunit/mdl-t.cc
 * HogLockTest1/2), LockPriorityTest, and the seed-004 pattern (ALTER on an FK child starved by
 * writers on the parent: SRO vs a stream of SW "piglets").
 */
import { describe, expect, it } from "vitest";
import { mdlRequest, statementLocks, LockPlanRunner, type MdlContext } from "../../src/mysql/mdl/index.js";
import { mustGrant, mustPend, recordingSystem, table } from "./helpers.js";

function owns(ctx: MdlContext, type: "SR" | "SW" | "SNRW" | "SRO" | "S" | "SU" | "SNW", name = "t1"): boolean {
  return ctx.owns_equal_or_stronger_lock(mdlRequest("TABLE", "test", name, type).key, mdlRequest("TABLE", "test", name, type).type);
}

describe("MWLC-01 HogLockTest1: default max_write_lock_count, readers starve behind successive SNRW", () => {
  it("grants T1, T4, T5, then T2+T3", () => {
    const { sys, events } = recordingSystem();
    const [t1, t2, t3, t4, t5] = ["T1", "T2", "T3", "T4", "T5"].map((n) => sys.createContext(n)) as [MdlContext, MdlContext, MdlContext, MdlContext, MdlContext];
    const x = mustGrant(table(t1, "X"));
    mustPend(table(t2, "SR"));
    mustPend(table(t3, "SW"));
    mustPend(table(t4, "SNRW"));
    t1.release_ticket(x);
    expect(owns(t4, "SNRW")).toBe(true);
    expect(owns(t2, "SR")).toBe(false);
    expect(owns(t3, "SW")).toBe(false);
    mustPend(table(t5, "SNRW"));
    t4.release_transactional_locks();
    expect(owns(t5, "SNRW")).toBe(true);
    expect(owns(t2, "SR")).toBe(false);
    expect(owns(t3, "SW")).toBe(false);
    t5.release_transactional_locks();
    expect(owns(t2, "SR")).toBe(true);
    expect(owns(t3, "SW")).toBe(true);
    expect(events.map((e) => e.ctx)).toEqual(["T4", "T5", "T2", "T3"]);
    sys.checkAllInvariants();
  });
});

describe("MWLC-02 HogLockTest2: max_write_lock_count=1, starved SR/SW get in before the next SNRW", () => {
  it("grants T1, T4, then T2+T3, then T5", () => {
    const { sys, events } = recordingSystem({ maxWriteLockCount: 1 });
    const [t1, t2, t3, t4, t5] = ["T1", "T2", "T3", "T4", "T5"].map((n) => sys.createContext(n)) as [MdlContext, MdlContext, MdlContext, MdlContext, MdlContext];
    const x = mustGrant(table(t1, "X"));
    mustPend(table(t2, "SR"));
    mustPend(table(t3, "SW"));
    mustPend(table(t4, "SNRW"));
    t1.release_ticket(x);
    expect(owns(t4, "SNRW")).toBe(true);
    const lock = sys.find(mdlRequest("TABLE", "test", "t1", "X").key)!;
    expect(lock.m_hog_lock_count).toBe(1);
    expect(lock.m_current_waiting_incompatible_idx).toBe(2);
    mustPend(table(t5, "SNRW"));
    t4.release_transactional_locks();
    expect(owns(t2, "SR")).toBe(true);
    expect(owns(t3, "SW")).toBe(true);
    expect(owns(t5, "SNRW")).toBe(false);
    expect(lock.m_hog_lock_count).toBe(0);
    expect(lock.m_current_waiting_incompatible_idx).toBe(0);
    t2.release_transactional_locks();
    expect(owns(t5, "SNRW")).toBe(false);
    t3.release_transactional_locks();
    expect(owns(t5, "SNRW")).toBe(true);
    expect(events.map((e) => e.ctx)).toEqual(["T4", "T2", "T3", "T5"]);
    sys.checkAllInvariants();
  });
});

describe("LockPriorityTest (mdl-t.cc)", () => {
  it("X released: S and SU granted; SU released: SNRW; SNRW released: SR and SNW, SW stays", () => {
    const { sys } = recordingSystem();
    const c = ["T1", "T2", "T3", "T4", "T5", "T6", "T7"].map((n) => sys.createContext(n));
    const x = mustGrant(table(c[0]!, "X"));
    mustPend(table(c[1]!, "S"));
    mustPend(table(c[2]!, "SR"));
    mustPend(table(c[3]!, "SW"));
    mustPend(table(c[4]!, "SU"));
    mustPend(table(c[5]!, "SNRW"));
    c[0]!.release_ticket(x);
    expect(owns(c[1]!, "S")).toBe(true);
    expect(owns(c[4]!, "SU")).toBe(true);
    expect(owns(c[2]!, "SR")).toBe(false);
    c[1]!.release_transactional_locks();
    c[4]!.release_transactional_locks();
    expect(owns(c[5]!, "SNRW")).toBe(true);
    mustPend(table(c[6]!, "SNW"));
    c[5]!.release_transactional_locks();
    expect(owns(c[6]!, "SNW")).toBe(true);
    expect(owns(c[2]!, "SR")).toBe(true);
    expect(owns(c[3]!, "SW")).toBe(false);
    c[2]!.release_transactional_locks();
    expect(owns(c[3]!, "SW")).toBe(false);
    c[6]!.release_transactional_locks();
    expect(owns(c[3]!, "SW")).toBe(true);
    sys.checkAllInvariants();
  });

  it("SWLP cannot be acquired while SRO is pending (try_acquire_lock)", () => {
    const { sys } = recordingSystem();
    const [a, b, c] = ["a", "b", "c"].map((n) => sys.createContext(n)) as [MdlContext, MdlContext, MdlContext];
    mustGrant(table(a, "SW"));
    mustPend(table(b, "SRO"));
    expect(c.acquire_lock(mdlRequest("TABLE", "test", "t1", "SWLP"), { noWait: true }).status).toBe("TIMEOUT");
    sys.checkAllInvariants();
  });
});

/**
 * Seed 004 on 5.7: writers on the parent keep an in-place ALTER of the FK child waiting for SRO on
 * the parent, which 5.7's mysql_inplace_alter_table() -> lock_fk_dependent_tables() requests
 * before commit for a CASCADE foreign key (get_cascade_foreign_key_table_list()).
 */
function seed004(maxWriteLockCount?: number) {
  const { sys } = recordingSystem({ maxWriteLockCount });
  const writers: MdlContext[] = [];
  const insert = (n: number) => {
    const w = sys.createContext(`writer${n}`);
    writers.push(w);
    const r = new LockPlanRunner(w, statementLocks("INSERT", { table: "parent" }));
    return { w, r, res: r.advance() };
  };
  const first = insert(0);
  expect(first.res.state).toBe("done");
  first.w.release_statement_locks(); // statement done, transaction open

  const alter = sys.createContext("alter");
  const plan = statementLocks("ALTER_TABLE", { version: "5.7", table: "child", fkParents: [{ db: "test", name: "parent", cascade: true }], algorithm: "INPLACE" });
  const runner = new LockPlanRunner(alter, plan);
  let st = runner.advance();
  while (st.state === "work") st = runner.advance(); // opened, prepare, inplace: the child's own locks
  expect(st.state === "pending" && st.step.op === "acquire" && st.step.key.name).toBe("parent");
  expect(st.state).toBe("pending");
  expect(sys.waitState(alter)).toBe("Waiting for table metadata lock");
  return { sys, alter, runner, writers, insert };
}

describe("seed 004: ALTER on an FK child vs writers on the parent", () => {
  it("a RESTRICT foreign key takes no parent lock on 5.7 (get_cascade_foreign_key_table_list skips it) and SU, which writers pass, on 8.0", () => {
    const acquires = (v: "5.7" | "8.0", cascade: boolean) =>
      statementLocks("ALTER_TABLE", { version: v, table: "child", fkParents: [{ db: "test", name: "parent", cascade }], algorithm: "INPLACE" })
        .steps.filter((x) => x.op === "acquire" && x.key.name === "parent")
        .map((x) => (x.op === "acquire" ? `${x.type}/${x.duration}` : ""));
    expect(acquires("5.7", false)).toEqual([]);
    expect(acquires("5.7", true)).toEqual([`${7}/${0}`]); // MDL_SHARED_READ_ONLY, MDL_STATEMENT
    expect(acquires("8.0", false)).toEqual([`${6}/${0}`]); // MDL_SHARED_UPGRADABLE, MDL_STATEMENT
    expect(acquires("8.0", true)).toEqual([`${6}/${0}`]);
  });

  it("default max_write_lock_count: an overlapping stream of writers starves the ALTER forever", () => {
    const { alter, writers, insert } = seed004();
    for (let i = 1; i <= 50; i++) {
      const { w, res } = insert(i);
      expect(res.state).toBe("done"); // SW passes the pending SRO (piglet)
      w.release_statement_locks();
      writers[i - 1]!.release_transactional_locks(); // previous writer commits; the new one still holds SW
      expect(alter.isWaiting()).toBe(true);
    }
  });

  it("max_write_lock_count=10: after 10 piglets the next writer queues and the ALTER gets SRO", () => {
    const { sys, alter, writers, insert, runner } = seed004(10);
    const parentLock = () => sys.find(mdlRequest("TABLE", "test", "parent", "SW").key)!;
    let i = 1;
    for (; i <= 10; i++) {
      const { w, res } = insert(i);
      expect(res.state).toBe("done");
      w.release_statement_locks();
      writers[i - 1]!.release_transactional_locks();
    }
    expect(parentLock().m_piglet_lock_count).toBe(10);
    expect(parentLock().m_current_waiting_incompatible_idx).toBe(1);
    const late = insert(i);
    expect(late.res.state).toBe("pending"); // SW now ranks below the pending SRO
    writers[i - 1]!.release_transactional_locks(); // last granted writer commits
    expect(alter.isWaiting()).toBe(false); // SRO granted
    expect(parentLock().m_piglet_lock_count).toBe(0);
    expect(runner.advance()).toEqual({ state: "work", phase: "commit" });
    expect(late.w.isWaiting()).toBe(true); // SW waits for the ALTER's SRO now
    sys.checkAllInvariants();
  });
});
