/**
 * Property tests: random acquire / upgrade / release / abort / finish sequences over 4 contexts.
 *  - invariants (granted tickets pairwise compatible across contexts, waiting never granted,
 *    counters non-negative, bitmaps in sync) hold after every operation;
 *  - no waiter is granted while a ticket still waiting on the same lock has priority over it under
 *    the current priority matrix, and after every operation no open waiter could be granted;
 *  - the deadlock detector signals a victim only when an independent cycle search (below) finds a
 *    cycle through the requester, the victim lies on such a cycle, and after a request ends
 *    PENDING there is no cycle through the requester any more.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MDL_BIT,
  MdlSystem,
  isCompatibleGranted,
  hasStrongerOrEqualType,
  mdlRequest,
  type MdlContext,
  type MdlTicket,
  type MdlTypeShort,
} from "../../src/mysql/mdl/index.js";

/** Contexts ctx is waiting for, computed from the lock state without the module's detector. */
function blockers(ctx: MdlContext): MdlContext[] {
  if (ctx.m_wait_status !== "WS_EMPTY") return []; // a decided wait is not an edge
  const w = ctx.pendingTicket();
  if (!w) return [];
  const lock = w.lock;
  const out = new Set<MdlContext>();
  for (const g of lock.allGranted()) {
    if (g.ctx !== ctx && !isCompatibleGranted(lock.strategy, w.type, g.type)) out.add(g.ctx);
  }
  const waitingIncompat = lock.strategy.waitingIncompatible[lock.m_current_waiting_incompatible_idx]![w.type]!;
  for (const t of lock.m_waiting.list) {
    if (t.ctx !== ctx && (MDL_BIT(t.type) & waitingIncompat) !== 0) out.add(t.ctx);
  }
  return [...out];
}

function reaches(from: MdlContext, to: MdlContext): boolean {
  const seen = new Set<MdlContext>();
  const stack = [...blockers(from)];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...blockers(n));
  }
  return false;
}

const cycleThrough = (start: MdlContext) => reaches(start, start);
const onCycleThrough = (start: MdlContext, v: MdlContext) => (v === start ? cycleThrough(start) : reaches(start, v) && reaches(v, start));

type Op =
  | { k: "acquire"; c: number; key: number; type: number; dur: number }
  | { k: "upgrade"; c: number; t: number; to: number }
  | { k: "release"; c: number; t: number }
  | { k: "releaseTrans"; c: number }
  | { k: "abort"; c: number; reason: "TIMEOUT" | "KILLED" }
  | { k: "finish"; c: number };

const KEYS = [
  { ns: "TABLE", db: "test", name: "t1", types: ["S", "SH", "SR", "SW", "SWLP", "SU", "SRO", "SNW", "SNRW", "X"] },
  { ns: "TABLE", db: "test", name: "t2", types: ["S", "SH", "SR", "SW", "SWLP", "SU", "SRO", "SNW", "SNRW", "X"] },
  { ns: "GLOBAL", db: "", name: "", types: ["IX", "S", "X"] },
  { ns: "USER_LEVEL_LOCK", db: "", name: "u", types: ["X"] },
] as const;
const UPGRADE_TO: MdlTypeShort[] = ["SU", "SNW", "SNRW", "X"];
const DURS = ["STATEMENT", "TRANSACTION", "EXPLICIT"] as const;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant("acquire" as const), c: fc.nat(3), key: fc.nat(3), type: fc.nat(9), dur: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("upgrade" as const), c: fc.nat(3), t: fc.nat(7), to: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("release" as const), c: fc.nat(3), t: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("releaseTrans" as const), c: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("abort" as const), c: fc.nat(3), reason: fc.constantFrom("TIMEOUT" as const, "KILLED" as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("finish" as const), c: fc.nat(3) }) },
);

interface Stats {
  ops: number;
  pending: number;
  grantedWhileWaiting: number;
  victims: number;
  requesterVictims: number;
}

function runOps(ops: Op[], maxWriteLockCount: number, stats: Stats): void {
  const sys = new MdlSystem({ maxWriteLockCount });
  const ctxs = [0, 1, 2, 3].map((i) => sys.createContext(`c${i}`));
  sys.listener = { granted: () => {}, victim: () => {} };

  // The waiting-matrix rule, checked at the moment reschedule_waiters() grants a waiter.
  const origGranted = sys.onWaiterGranted.bind(sys);
  sys.onWaiterGranted = (ticket: MdlTicket) => {
    const lock = ticket.lock;
    const incompat = lock.strategy.waitingIncompatible[lock.m_current_waiting_incompatible_idx]![ticket.type]!;
    for (const w of lock.m_waiting.list) {
      if ((MDL_BIT(w.type) & incompat) !== 0) throw new Error(`waiter ${ticket.toString()} granted past higher-priority ${w.toString()}`);
    }
    for (const g of lock.allGranted()) {
      if (g !== ticket && g.ctx !== ticket.ctx && !isCompatibleGranted(lock.strategy, ticket.type, g.type)) throw new Error(`granted over ${g.toString()}`);
    }
    stats.grantedWhileWaiting++;
    origGranted(ticket);
  };
  // The detector's verdicts against the independent cycle search.
  const origSignal = sys.signalVictim.bind(sys);
  sys.signalVictim = (victim: MdlContext, requester: MdlContext) => {
    if (!cycleThrough(requester)) throw new Error(`victim ${victim.name} chosen for ${requester.name} without a cycle`);
    if (!onCycleThrough(requester, victim)) throw new Error(`victim ${victim.name} is not on a cycle through ${requester.name}`);
    stats.victims++;
    origSignal(victim, requester);
  };

  const held = (c: MdlContext): MdlTicket[] => c.allTickets().sort((a, b) => a.id - b.id);

  for (const op of ops) {
    const c = ctxs[op.c]!;
    stats.ops++;
    switch (op.k) {
      case "acquire": {
        if (c.isWaiting()) break;
        const key = KEYS[op.key]!;
        const type = key.types[op.type % key.types.length]! as MdlTypeShort;
        const r = c.acquire_lock(mdlRequest(key.ns, key.db, key.name, type, DURS[op.dur]!));
        if (r.status === "PENDING") {
          stats.pending++;
          expect(cycleThrough(c)).toBe(false);
        }
        if (r.status === "VICTIM") {
          stats.requesterVictims++;
          expect(sys.deadlocks.at(-1)?.victim).toBe(c);
        }
        break;
      }
      case "upgrade": {
        if (c.isWaiting()) break;
        const ts = held(c).filter((t) => t.lock.strategy.name === "object" && t.lock.key.namespace !== 10);
        if (ts.length === 0) break;
        const t = ts[op.t % ts.length]!;
        const to = mdlRequest("TABLE", "", "", UPGRADE_TO[op.to]!).type;
        if (!hasStrongerOrEqualType(t.lock.strategy, to, t.type) && !hasStrongerOrEqualType(t.lock.strategy, t.type, to)) {
          expect(() => c.upgrade_shared_lock(t, to)).toThrow(/is not an upgrade/);
          break;
        }
        const r = c.upgrade_shared_lock(t, to);
        if (r.status === "PENDING") {
          stats.pending++;
          expect(cycleThrough(c)).toBe(false);
        }
        if (r.status === "VICTIM") stats.requesterVictims++;
        break;
      }
      case "release": {
        if (c.isWaiting()) break;
        const ts = held(c);
        if (ts.length === 0) break;
        c.release_ticket(ts[op.t % ts.length]!);
        break;
      }
      case "releaseTrans":
        if (!c.isWaiting()) c.release_transactional_locks();
        break;
      case "abort":
        sys.abortWait(c, op.reason);
        break;
      case "finish":
        if (c.isWaiting() && c.m_wait_status !== "WS_EMPTY") expect(sys.finishWait(c)).toBe("VICTIM");
        break;
    }
    sys.checkAllInvariants();
    // Stability: every open waiter is really blocked.
    for (const lock of sys.allLocks()) {
      for (const w of lock.m_waiting.list) {
        if (w.ctx.m_wait_status === "WS_EMPTY") expect(lock.can_grant_lock(w.type, w.ctx), `${w.toString()} could be granted`).toBe(false);
      }
    }
  }
}

describe("MDL properties (fast-check)", () => {
  for (const mwlc of [Number.POSITIVE_INFINITY, 1, 2]) {
    it(`random sequences over 4 contexts, max_write_lock_count=${mwlc}`, () => {
      const stats: Stats = { ops: 0, pending: 0, grantedWhileWaiting: 0, victims: 0, requesterVictims: 0 };
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 30, maxLength: 80 }), (ops) => runOps(ops, mwlc, stats)),
        { numRuns: 300 },
      );
      // The generator must actually exercise waits, grants-after-wait and deadlocks.
      expect(stats.pending).toBeGreaterThan(100);
      expect(stats.grantedWhileWaiting).toBeGreaterThan(50);
      expect(stats.victims).toBeGreaterThan(5);
    });
  }
});
