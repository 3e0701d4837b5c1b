import type { Kernel } from "../../kernel/kernel.js";
import type { SimThread } from "../../kernel/thread.js";
import type { Waitable, WakeReason } from "../../kernel/waitable.js";

/**
 * mysys/thr_lock.c: the table-level locks of engines without their own locking (MyISAM, MERGE,
 * MEMORY, CSV). InnoDB takes none in 5.7 (ha_innobase::lock_count() returns 0: it relies on
 * MDL and its own locks). The types used here, in thr_lock_type order:
 *   TL_READ                     SELECT, LOCK TABLES ... READ LOCAL (allows concurrent inserts)
 *   TL_READ_NO_INSERT           LOCK TABLES ... READ, INSERT ... SELECT's source
 *   TL_WRITE_CONCURRENT_INSERT  INSERT into a MyISAM table while concurrent_insert allows it
 *   TL_WRITE_LOW_PRIORITY       LOW_PRIORITY UPDATE/DELETE/INSERT
 *   TL_WRITE                    UPDATE, DELETE, LOCK TABLES ... WRITE
 * Reads share with reads; TL_READ shares with one TL_WRITE_CONCURRENT_INSERT; every other
 * write is exclusive. A waiting TL_WRITE keeps new reads out (write_wait), a waiting
 * TL_WRITE_LOW_PRIORITY does not. A wait shows "Waiting for table level lock"
 * (stage_waiting_for_table_level_lock, wait_for_lock()); thr_abort_locks_for_thread() ends it
 * with THR_LOCK_ABORTED (ER_LOCK_ABORTED).
 */
export type ThrLockType = "TL_READ" | "TL_READ_NO_INSERT" | "TL_WRITE_CONCURRENT_INSERT" | "TL_WRITE_LOW_PRIORITY" | "TL_WRITE";

const isRead = (t: ThrLockType): boolean => t === "TL_READ" || t === "TL_READ_NO_INSERT";

function compatible(held: ThrLockType, req: ThrLockType): boolean {
  if (isRead(held) && isRead(req)) return true;
  if ((held === "TL_READ" && req === "TL_WRITE_CONCURRENT_INSERT") || (held === "TL_WRITE_CONCURRENT_INSERT" && req === "TL_READ")) return true;
  return false;
}

interface Entry {
  t: SimThread;
  type: ThrLockType;
}

export class ThrLock implements Waitable {
  readonly kind = "thr_lock";
  readonly granted: Entry[] = [];
  readonly waiting: Entry[] = [];
  constructor(
    readonly name: string,
    private readonly kernel: Kernel,
  ) {}

  private canGrant(e: Entry, before: Entry[]): boolean {
    for (const g of this.granted) if (g.t !== e.t && !compatible(g.type, e.type)) return false;
    for (const w of before) {
      if (w.t === e.t) continue;
      // a waiting TL_WRITE keeps new reads out; writers queue in order
      if (isRead(e.type) ? w.type === "TL_WRITE" || w.type === "TL_WRITE_CONCURRENT_INSERT" : true) return false;
    }
    return true;
  }

  /** whether thr_lock() would grant at once (nothing changes) */
  wouldGrant(t: SimThread, type: ThrLockType): boolean {
    return this.canGrant({ t, type }, this.waiting);
  }

  /** thr_lock(): granted at once, or the thread queues (`acquire` false) */
  acquire(t: SimThread, arg: unknown): boolean {
    const e = { t, type: arg as ThrLockType };
    if (this.canGrant(e, this.waiting)) {
      this.granted.push(e);
      return true;
    }
    this.waiting.push(e);
    return false;
  }

  /** thr_unlock(): the thread's locks on this table go; waiters that fit now are granted in order */
  release(t: SimThread): void {
    for (let i = this.granted.length - 1; i >= 0; i--) if (this.granted[i]!.t === t) this.granted.splice(i, 1);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!;
      if (this.canGrant(w, this.waiting.slice(0, i))) {
        this.waiting.splice(i, 1);
        this.granted.push(w);
        this.kernel.wake(w.t, "granted");
      } else i++;
    }
  }

  cancel(t: SimThread, _reason: WakeReason): boolean {
    const i = this.waiting.findIndex((w) => w.t === t);
    if (i >= 0) this.waiting.splice(i, 1);
    this.wakeWaiters();
    return true;
  }

  holders(): readonly SimThread[] {
    return this.granted.map((g) => g.t);
  }

  holds(t: SimThread): boolean {
    return this.granted.some((g) => g.t === t);
  }
}

/** Every table's THR_LOCK, created on first use. */
export class ThrLocks {
  private readonly locks = new Map<string, ThrLock>();
  constructor(private readonly kernel: Kernel) {}

  of(table: string): ThrLock {
    let l = this.locks.get(table);
    if (!l) this.locks.set(table, (l = new ThrLock(`THR_LOCK ${table}`, this.kernel)));
    return l;
  }

  /** thr_abort_locks_for_thread(): a thread waiting in thr_lock stops waiting with THR_LOCK_ABORTED */
  abortWaitsOf(t: SimThread): boolean {
    if (t.status !== "parked" || !(t.waitingOn instanceof ThrLock)) return false;
    this.kernel.interrupt(t, "victim");
    return true;
  }
}
