import { describe, expect, it } from "vitest";
import { mdlRequest, type MdlContext } from "../../src/mysql/mdl/index.js";
import { mustGrant, mustPend, recordingSystem, table } from "./helpers.js";

function owns(ctx: MdlContext, type: "SNRW" | "X", name = "t1"): boolean {
  const r = mdlRequest("TABLE", "test", name, type);
  return ctx.owns_equal_or_stronger_lock(r.key, r.type);
}

// MdlSystem reuses the object of a lock that was dropped when it fell unused (issue 20): the
// reused one must behave as a new one, and a dropped lock is listed nowhere.
describe("MDL lock objects reused after they fell unused", () => {
  it("a dropped lock is not listed; taken again, it queues and grants as a new one", () => {
    const { sys, events } = recordingSystem({ maxWriteLockCount: 1 });
    const [a, b, c, d] = ["A", "B", "C", "D"].map((n) => sys.createContext(n)) as [MdlContext, MdlContext, MdlContext, MdlContext];
    const key = mdlRequest("TABLE", "test", "t1", "X").key;
    // (as LockPriorityTest) an SNRW granted ahead of a pending SR is a hog: the count rises and the bitmap switches
    const x = mustGrant(table(a, "X"));
    mustPend(table(d, "SR"));
    mustPend(table(b, "SNRW"));
    a.release_ticket(x);
    expect(owns(b, "SNRW")).toBe(true);
    const first = sys.find(key)!;
    expect(first.m_hog_lock_count).toBe(1);
    expect(first.m_current_waiting_incompatible_idx).toBe(2);
    b.release_transactional_locks();
    d.release_transactional_locks();
    // unused: dropped, listed nowhere
    expect(sys.find(key)).toBeUndefined();
    expect(sys.allLocks().some((l) => l.key.name === "t1")).toBe(false);
    // taken again: the same object, reset as new (counters zero, bitmap index 0, empty lists)
    mustGrant(table(c, "SW"));
    const again = sys.find(key)!;
    expect(again).toBe(first);
    expect(again.m_hog_lock_count).toBe(0);
    expect(again.m_current_waiting_incompatible_idx).toBe(0);
    // SW is unobtrusive: granted on the fast path
    expect([...again.fastPath].map((t) => t.ctx.name)).toEqual(["C"]);
    expect(again.m_granted.is_empty()).toBe(true);
    expect(again.m_waiting.is_empty()).toBe(true);
    // and it blocks and grants like a new lock
    mustPend(table(a, "X"));
    c.release_transactional_locks();
    expect(owns(a, "X")).toBe(true);
    expect(events.map((e) => e.ctx)).toEqual(["B", "D", "A"]);
    sys.checkAllInvariants();
  });
  it("refuses to reuse a lock that is in use", () => {
    const { sys } = recordingSystem();
    const a = sys.createContext("A");
    mustGrant(table(a, "X"));
    expect(() => sys.find(mdlRequest("TABLE", "test", "t1", "X").key)!.reuse()).toThrow(/in use/);
  });
});
