/**
 * MdlSystem: the MDL_map (all MDL_lock objects), the contexts, the wait listener, the invariant
 * checks and performance_schema.metadata_locks. Pure and synchronous.
 *
 * Every public operation runs inside operation(): when the outermost operation finishes, the
 * invariants of every lock it touched are checked (a violation throws an Error whose message
 * starts with "MDL invariant violated:"), then the queued listener notifications are delivered
 * in the order they happened. A listener may call back into the system; those calls' own
 * notifications are appended to the same queue.
 */
import { MdlContext, type MdlRequest, waitStatusError } from "./context.js";
import { DEADLOCK_WEIGHTS_80, type DeadlockWeights, MdlLock, MdlTicket } from "./lock.js";
import { isCompatibleGranted, waitStateName, type MdlLockStrategy } from "./matrices.js";
import {
  MDL_DURATION_PFS_NAME,
  MDL_TYPE_END,
  MDL_TYPE_PFS_NAME,
  NAMESPACE_PFS_COLUMNS,
  NAMESPACE_PFS_OBJECT_TYPE,
  enum_mdl_duration,
  enum_mdl_type,
  type MdlDurationName,
  type MdlKey,
  type MdlNamespace,
  type MdlNamespaceName,
  type MdlTypeShort,
  type MdlWaitStatus,
  mdlDuration,
  mdlKey,
  mdlKeyString,
  mdlType,
} from "./types.js";

/**
 * How the MDL module tells a waiting context about its request: the equivalent of another thread
 * calling MDL_wait::set_status(GRANTED | VICTIM) on the waiter's wait slot.
 */
export interface MdlWaitListener {
  /** The pending request was granted (for an upgrade, `ticket` is the upgraded original ticket). */
  granted(ctx: MdlContext, ticket: MdlTicket): void;
  /**
   * The deadlock detector (run by another context) chose this waiting context as victim. Its
   * ticket stays queued, as in MySQL, until the waiter wakes up and calls finishWait(ctx), which
   * returns "VICTIM" (-> ER_LOCK_DEADLOCK).
   */
  victim(ctx: MdlContext): void;
  /**
   * MDL_context_owner::notify_shared_lock(): an X request conflicts with an S/SH lock held by
   * `owner` (HANDLER); MySQL aborts the owner's thr_lock waits when needsThrLockAbort is set.
   */
  notify_shared_lock?(owner: MdlContext, requester: MdlContext, needsThrLockAbort: boolean): void;
}

export interface MdlSystemOptions {
  /** max_write_lock_count (default: 2^64-1, i.e. never switch matrices). */
  maxWriteLockCount?: number | bigint;
  /** DEADLOCK_WEIGHT_* (default DEADLOCK_WEIGHTS_80). */
  deadlockWeights?: DeadlockWeights;
  listener?: MdlWaitListener;
}

/** One row of performance_schema.metadata_locks (the columns this model fills). */
export interface MetadataLockRow {
  OBJECT_TYPE: string;
  OBJECT_SCHEMA: string | null;
  OBJECT_NAME: string | null;
  LOCK_TYPE: string;
  LOCK_DURATION: MdlDurationName;
  LOCK_STATUS: "GRANTED" | "PENDING";
  OWNER_THREAD_ID: number;
}

/** A record of one deadlock resolution (for traces and tests). */
export interface DeadlockRecord {
  requester: MdlContext;
  victim: MdlContext;
  /** false if the victim's wait slot was already occupied (set_status failed). */
  signalled: boolean;
}

type Notification =
  | { kind: "granted"; ctx: MdlContext; ticket: MdlTicket }
  | { kind: "victim"; ctx: MdlContext }
  | { kind: "notify_shared_lock"; owner: MdlContext; requester: MdlContext; abort: boolean };

/** Request builder accepting MySQL or short names. */
export function mdlRequest(
  namespace: MdlNamespace | MdlNamespaceName,
  db: string,
  name: string,
  type: enum_mdl_type | MdlTypeShort,
  duration: enum_mdl_duration | MdlDurationName = enum_mdl_duration.MDL_TRANSACTION,
): MdlRequest {
  return { key: mdlKey(namespace, db, name), type: mdlType(type), duration: mdlDuration(duration) };
}

/** checkLockInvariants' scratch: it never recurses, so one of each serves every call */
const CONTEXTS: MdlContext[] = [];
/** numbers the checks (the marks they leave on tickets and contexts) */
let checkNumber = 0;

/**
 * For each type a, the types b with a and b not compatible as granted locks in either direction
 * (!isCompatibleGranted(a, b) || !isCompatibleGranted(b, a)); per strategy, computed once.
 */
const SYMMETRIC = new WeakMap<MdlLockStrategy, Uint32Array>();
function symmetricIncompatibility(strategy: MdlLockStrategy): Uint32Array {
  let m = SYMMETRIC.get(strategy);
  if (!m) {
    m = new Uint32Array(MDL_TYPE_END);
    for (let a = 0; a < MDL_TYPE_END; a++) {
      for (let b = 0; b < MDL_TYPE_END; b++) if (!isCompatibleGranted(strategy, a, b) || !isCompatibleGranted(strategy, b, a)) m[a]! |= 1 << b;
    }
    SYMMETRIC.set(strategy, m);
  }
  return m;
}

/** how many dropped lock objects find_or_insert may reuse */
const MAX_SPARE_LOCKS = 256;

/** see checkLockInvariants */
const FULL_CHECK_TICKETS = 32;
const FULL_CHECK_EVERY = 32;

export class MdlSystem {
  /** max_write_lock_count; read at each use, like the global variable. */
  maxWriteLockCount: number;
  deadlockWeights: DeadlockWeights;
  listener: MdlWaitListener | null;
  readonly contexts: MdlContext[] = [];
  /** MDL_map::m_locks */
  private readonly locks = new Map<string, MdlLock>();
  /** lock objects dropIfUnused took out of `locks`, kept to be reused by find_or_insert (never listed) */
  private readonly spare = new Map<string, MdlLock>();
  private depth = 0;
  private draining = false;
  private readonly queue: Notification[] = [];
  /** the locks the current operation touched, in the order it first touched them (each once: MdlLock.touched) */
  private readonly dirty: MdlLock[] = [];
  private ndirty = 0;
  readonly deadlocks: DeadlockRecord[] = [];

  constructor(opts: MdlSystemOptions = {}) {
    this.maxWriteLockCount = MdlSystem.toCount(opts.maxWriteLockCount);
    this.deadlockWeights = opts.deadlockWeights ?? DEADLOCK_WEIGHTS_80;
    this.listener = opts.listener ?? null;
  }

  static toCount(v: number | bigint | undefined): number {
    if (v === undefined) return Number.POSITIVE_INFINITY;
    if (typeof v === "bigint") return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
    return v;
  }

  setMaxWriteLockCount(v: number | bigint): void {
    this.maxWriteLockCount = MdlSystem.toCount(v);
  }

  createContext(name: string, threadId?: number): MdlContext {
    const ctx = new MdlContext(this, name, threadId ?? this.contexts.length + 1);
    this.contexts.push(ctx);
    return ctx;
  }

  // ---------------------------------------------------------------- lock objects

  /** MDL_map::find_or_insert() */
  find_or_insert(key: MdlKey): MdlLock {
    const k = mdlKeyString(key);
    let lock = this.locks.get(k);
    if (!lock) {
      // an unused object dropped earlier is as good as a new one (dropIfUnused): no new lists and sets
      lock = this.spare.get(k);
      if (lock) {
        this.spare.delete(k);
        lock.reuse();
      } else lock = new MdlLock(key, this);
      this.locks.set(k, lock);
    }
    return lock;
  }

  /** MDL_map::find() */
  find(key: MdlKey): MdlLock | undefined {
    return this.locks.get(mdlKeyString(key));
  }

  /**
   * Forget unused lock objects. MySQL keeps them in a cache, but an unused object always has zero
   * counters (remove_ticket() resets them when the lists empty), so re-creating it is equivalent.
   */
  dropIfUnused(lock: MdlLock): void {
    if (lock.is_unused() && lock.m_hog_lock_count === 0 && lock.m_piglet_lock_count === 0 && lock.m_obtrusive_locks_granted_waiting_count === 0) {
      const k = mdlKeyString(lock.key);
      this.locks.delete(k);
      if (this.spare.size < MAX_SPARE_LOCKS) this.spare.set(k, lock);
    }
  }

  allLocks(): MdlLock[] {
    return [...this.locks.values()];
  }

  touch(lock: MdlLock): void {
    if (lock.touched) return;
    lock.touched = true;
    this.dirty[this.ndirty++] = lock;
  }

  // ---------------------------------------------------------------- operations & notifications

  operation<R>(fn: () => R): R {
    this.depth++;
    let result: R;
    try {
      result = fn();
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      // the checks only read (or throw); a list, not a Set: Set.clear() after every operation
      // gives its table back and the next operation builds it again
      const dirty = this.dirty;
      try {
        for (let i = 0; i < this.ndirty; i++) this.checkLockInvariants(dirty[i]!);
      } finally {
        for (let i = 0; i < this.ndirty; i++) dirty[i]!.touched = false;
        this.ndirty = 0;
      }
      if (this.queue.length > 0) this.drain();
    }
    return result;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const n = this.queue.shift()!;
        const l = this.listener;
        if (!l) continue;
        if (n.kind === "granted") l.granted(n.ctx, n.ticket);
        else if (n.kind === "victim") l.victim(n.ctx);
        else l.notify_shared_lock?.(n.owner, n.requester, n.abort);
      }
    } finally {
      this.draining = false;
    }
  }

  /** From MdlLock.reschedule_waiters(): a waiting ticket was moved to m_granted. */
  onWaiterGranted(ticket: MdlTicket): void {
    this.touch(ticket.lock);
    const shown = ticket.ctx.grantedWhileWaiting(ticket);
    this.queue.push({ kind: "granted", ctx: ticket.ctx, ticket: shown });
  }

  /**
   * From MdlContext.find_deadlock(): victim->m_wait.set_status(VICTIM). Failure to set it (slot
   * already occupied) is harmless, as in MySQL.
   */
  signalVictim(victim: MdlContext, requester: MdlContext): void {
    const occupied = victim.m_wait_set_status("VICTIM");
    this.deadlocks.push({ requester, victim, signalled: !occupied });
    if (!occupied && victim !== requester) this.queue.push({ kind: "victim", ctx: victim });
  }

  /** MDL_lock::object_lock_notify_conflicting_locks(): owners of S/SH locks conflicting with X. */
  notifyConflictingLocks(requester: MdlContext, lock: MdlLock): void {
    for (const t of lock.m_granted.list) {
      if (t.ctx !== requester && (t.type === enum_mdl_type.MDL_SHARED || t.type === enum_mdl_type.MDL_SHARED_HIGH_PRIO)) {
        this.queue.push({ kind: "notify_shared_lock", owner: t.ctx, requester, abort: t.ctx.m_needs_thr_lock_abort });
      }
    }
  }

  onWaitStarted(_ctx: MdlContext, _ticket: MdlTicket): void {}
  onWaitEnded(_ctx: MdlContext, _ticket: MdlTicket, _status: MdlWaitStatus): void {}
  onReleased(_ctx: MdlContext, _ticket: MdlTicket): void {}

  // ---------------------------------------------------------------- ending waits

  /**
   * The waiter's side after it wakes up (MDL_context::acquire_lock after timed_wait): if its
   * request was not granted, remove the pending ticket and reschedule the others. Returns the
   * wait status: GRANTED (nothing to do), VICTIM, TIMEOUT or KILLED.
   */
  finishWait(ctx: MdlContext): MdlWaitStatus {
    return this.operation(() => {
      if (!ctx.isWaiting()) return ctx.m_wait_status;
      if (ctx.m_wait_status === "WS_EMPTY") throw new Error(`MDL: finishWait(${ctx.name}) while its wait is still open; use abortWait`);
      return ctx.endWaitImpl();
    });
  }

  /**
   * timed_wait() ended by a timeout (lock_wait_timeout) or a KILL: set the wait slot unless
   * something else already did (a grant or a victim verdict wins, as in MDL_wait::timed_wait),
   * then finish the wait. Returns the final status.
   */
  abortWait(ctx: MdlContext, reason: "TIMEOUT" | "KILLED"): MdlWaitStatus {
    return this.operation(() => {
      if (!ctx.isWaiting()) return ctx.m_wait_status;
      ctx.m_wait_set_status(reason);
      return ctx.endWaitImpl();
    });
  }

  /** The error a finished wait maps to (null for GRANTED). */
  static errorFor(status: MdlWaitStatus): ReturnType<typeof waitStatusError> {
    return waitStatusError(status);
  }

  // ---------------------------------------------------------------- observation

  /** Processlist STATE of a waiting context (MDL_key::get_wait_state_name()), else null. */
  waitState(ctx: MdlContext): string | null {
    const t = ctx.pendingTicket();
    return t ? waitStateName(t.lock.key.namespace) : null;
  }

  /**
   * performance_schema.metadata_locks, ordered by ticket creation (the order in which
   * mysql_mdl_create() registered the rows), which is deterministic.
   */
  metadataLocks(): MetadataLockRow[] {
    const tickets: { t: MdlTicket; status: "GRANTED" | "PENDING" }[] = [];
    for (const lock of this.locks.values()) {
      for (const t of lock.allGranted()) tickets.push({ t, status: "GRANTED" });
      for (const t of lock.m_waiting.list) tickets.push({ t, status: "PENDING" });
    }
    tickets.sort((a, b) => a.t.id - b.t.id);
    return tickets.map(({ t, status }) => {
      const k = t.lock.key;
      const cols = NAMESPACE_PFS_COLUMNS[k.namespace]!;
      return {
        OBJECT_TYPE: NAMESPACE_PFS_OBJECT_TYPE[k.namespace]!,
        OBJECT_SCHEMA: cols.schema && k.db !== "" ? k.db : null,
        OBJECT_NAME: cols.name && k.name !== "" ? k.name : null,
        LOCK_TYPE: MDL_TYPE_PFS_NAME[t.psiType]!,
        LOCK_DURATION: MDL_DURATION_PFS_NAME[t.psiDuration]!,
        LOCK_STATUS: status,
        OWNER_THREAD_ID: t.ctx.threadId,
      };
    });
  }

  // ---------------------------------------------------------------- invariants

  private fail(msg: string): never {
    throw new Error(`MDL invariant violated: ${msg}`);
  }

  /** Checks one lock object; called after every operation for the locks it touched. */
  checkLockInvariants(lock: MdlLock, full = false): void {
    if (lock.m_hog_lock_count < 0 || lock.m_piglet_lock_count < 0) this.fail(`negative hog/piglet counter on ${lock.toString()}`);
    if (lock.m_obtrusive_locks_granted_waiting_count < 0) this.fail(`negative obtrusive count on ${lock.toString()}`);
    if (lock.m_current_waiting_incompatible_idx < 0 || lock.m_current_waiting_incompatible_idx > 3) this.fail(`bad matrix index on ${lock.toString()}`);
    // The per-ticket scan below is linear in the lock's tickets and runs after every operation
    // that touches the lock; on a hot lock (the GLOBAL lock carries every writer's IX) it would
    // dominate a 64-client run. Locks with more than FULL_CHECK_TICKETS tickets get it on every
    // FULL_CHECK_EVERY-th touch instead (deterministically); checkAllInvariants is always full.
    const size = lock.m_granted.list.length + lock.m_waiting.list.length + lock.fastPath.size;
    if (!full && size > FULL_CHECK_TICKETS && ++lock.checksSkipped % FULL_CHECK_EVERY !== 0) return;
    if (lock.m_granted.bitmap() !== lock.m_granted.computedBitmap()) this.fail(`granted bitmap out of sync on ${lock.toString()}`);
    if (lock.m_waiting.bitmap() !== lock.m_waiting.computedBitmap()) this.fail(`waiting bitmap out of sync on ${lock.toString()}`);

    // no allocation here (it runs after every MDL operation): which tickets and contexts this
    // check has seen is marked on them with the check's number. The granted tickets are the
    // slow-path list then the fast-path set, as allGranted() orders them.
    const mark = ++checkNumber;
    for (const t of lock.m_granted.list) this.checkGrantedTicket(lock, t, mark);
    if (lock.fastPath.size > 0) for (const t of lock.fastPath) this.checkGrantedTicket(lock, t, mark);
    for (const t of lock.m_waiting.list) {
      if (t.checkMark === mark) this.fail(`ticket ${t.toString()} is both waiting and granted on ${lock.toString()}`);
      t.checkMark = mark;
      if (t.state !== "waiting") this.fail(`ticket ${t.toString()} in waiting list has state ${t.state}`);
      if (t.ctx.m_waiting_for !== t) this.fail(`waiting ticket ${t.toString()} is not what ${t.ctx.name} waits for`);
      const d = t.ctx.tickets;
      if (d[0].includes(t) || d[1].includes(t) || d[2].includes(t)) this.fail(`waiting ticket ${t.toString()} is in its context's granted store`);
    }
    // Granted tickets of different contexts are pairwise compatible. Checked per context against
    // the types the other contexts hold (O(tickets + contexts x types), not O(tickets^2): a GLOBAL
    // lock can have every connection's IX on it). present: the types held; multi: the types held
    // by more than one context.
    // the first nctx entries of CONTEXTS (never shortened, which would give its store back; the
    // stale entries past nctx hold at most one earlier run's contexts)
    const ctxs = CONTEXTS;
    let nctx = 0;
    let present = 0;
    let multi = 0;
    for (const t of lock.m_granted.list) {
      const c = t.ctx;
      if (c.checkMark !== mark) {
        c.checkMark = mark;
        c.checkTypes = 0;
        ctxs[nctx++] = c;
      }
      const bit = 1 << t.type;
      if ((c.checkTypes & bit) !== 0) continue;
      // a second context holding the type
      if ((present & bit) !== 0) multi |= bit;
      present |= bit;
      c.checkTypes |= bit;
    }
    if (lock.fastPath.size > 0) {
      for (const t of lock.fastPath) {
        const c = t.ctx;
        if (c.checkMark !== mark) {
          c.checkMark = mark;
          c.checkTypes = 0;
          ctxs[nctx++] = c;
        }
        const bit = 1 << t.type;
        if ((c.checkTypes & bit) !== 0) continue;
        if ((present & bit) !== 0) multi |= bit;
        present |= bit;
        c.checkTypes |= bit;
      }
    }
    // a lock held by one context (most of them) cannot have two incompatible holders
    if (nctx > 1) {
      const incompatible = symmetricIncompatibility(lock.strategy);
      for (let i = 0; i < nctx; i++) {
        const ctx = ctxs[i]!;
        const mine = ctx.checkTypes;
        // the types some other context holds
        const others = multi | (present & ~mine);
        for (let rest = mine; rest !== 0; rest &= rest - 1) {
          const a = 31 - Math.clz32(rest & -rest);
          const clash = incompatible[a]! & others;
          if (clash === 0) continue;
          const b = 31 - Math.clz32(clash & -clash);
          const granted = lock.allGranted();
          const other = granted.find((t) => t.ctx !== ctx && t.type === b)!;
          const own = granted.find((t) => t.ctx === ctx && t.type === a)!;
          this.fail(`incompatible granted tickets ${own.toString()} and ${other.toString()}`);
        }
      }
    }
    let obtrusive = 0;
    for (const t of lock.m_granted.list) if (lock.is_obtrusive_lock(t.type)) obtrusive++;
    for (const t of lock.m_waiting.list) if (lock.is_obtrusive_lock(t.type)) obtrusive++;
    if (obtrusive !== lock.m_obtrusive_locks_granted_waiting_count) {
      this.fail(`obtrusive count ${lock.m_obtrusive_locks_granted_waiting_count} != ${obtrusive} obtrusive tickets on ${lock.toString()}`);
    }
    if (lock.fastPath.size > 0) for (const t of lock.fastPath) if (lock.is_obtrusive_lock(t.type)) this.fail(`obtrusive ticket ${t.toString()} on the fast path`);
  }

  private checkGrantedTicket(lock: MdlLock, t: MdlTicket, mark: number): void {
    if (t.checkMark === mark) this.fail(`ticket ${t.toString()} granted twice on ${lock.toString()}`);
    t.checkMark = mark;
    if (t.state !== "granted") this.fail(`ticket ${t.toString()} in granted list has state ${t.state}`);
    if (t.lock !== lock) this.fail(`ticket ${t.toString()} granted on a foreign lock ${lock.toString()}`);
    if (!t.ctx.tickets[t.duration].includes(t)) this.fail(`granted ticket ${t.toString()} missing from its context's ${enum_mdl_duration[t.duration]} list`);
    if (!lock.strategy.legalType[t.type]) this.fail(`illegal type ${enum_mdl_type[t.type]} on ${lock.toString()}`);
  }

  /** Checks every lock and context (tests call this; operations check touched locks only). */
  checkAllInvariants(): void {
    for (const lock of this.locks.values()) this.checkLockInvariants(lock, true);
    for (const ctx of this.contexts) {
      for (let d = 0; d < 3; d++) {
        for (const t of ctx.tickets[d]!) {
          if (t.state !== "granted") this.fail(`${ctx.name} stores a ${t.state} ticket ${t.toString()}`);
          if (t.duration !== d) this.fail(`${t.toString()} stored under the wrong duration`);
          if (this.find(t.lock.key) !== t.lock) this.fail(`${t.toString()} refers to a forgotten lock object`);
        }
      }
      const w = ctx.m_waiting_for;
      if (w !== null && (w.state !== "waiting" || !w.lock.m_waiting.list.includes(w))) this.fail(`${ctx.name} waits for a ticket not in a waiting queue`);
    }
  }
}
