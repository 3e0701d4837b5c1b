import type { Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";
import type { Waitable } from "../kernel/waitable.js";

/** One `SET DEBUG_SYNC='point SIGNAL s WAIT_FOR g'` action. */
export interface SyncAction {
  signal?: string;
  waitFor?: string;
  /** how many hits the action lasts (EXECUTE n); default 1 */
  execute?: number;
  /** WAIT_FOR timeout; MySQL's default is debug_sync_timeout */
  timeoutNs?: Ns;
  /** the thread whose session armed it (SET DEBUG_SYNC is per session); undefined: any thread */
  thread?: string;
}

/** One arming of a sync point, kept for the end-of-run report of points armed but never reached. */
export interface ArmedRecord {
  point: string;
  /** the session (thread name) that armed it; undefined: any */
  thread?: string;
  armedAt: Ns;
  /** times a thread reached the point while this action was armed */
  hits: number;
  /** how the action ended: still armed, used up (EXECUTE n hits), replaced by a new action on the point, or RESET */
  end: "armed" | "consumed" | "replaced" | "reset";
}

/**
 * MySQL's DEBUG_SYNC facility (sql/debug_sync.cc): actions armed on named sync points; a thread
 * reaching an armed point emits its signal, then parks until the awaited signal is present
 * (WAIT_FOR clears it, as MySQL does). A wait that times out goes on, as in MySQL, with a
 * warning in the trace.
 */
export class DebugSync {
  private readonly actions = new Map<string, SyncAction[]>();
  private readonly signals = new Set<string>();
  private readonly waits = new Map<string, SignalWait>();
  /** every arming in order, with its hits (the "armed but never reached" report) */
  private readonly history: ArmedRecord[] = [];
  private readonly live = new Map<SyncAction, ArmedRecord>();
  /** points some thread passed, armed or not */
  private readonly passed = new Set<string>();

  constructor(
    readonly kernel: Kernel,
    readonly defaultTimeoutNs: Ns,
  ) {
    kernel.syncHook = (t, point) => this.hit(t, point);
  }

  arm(point: string, action: SyncAction): void {
    const list = this.actions.get(point) ?? [];
    const a = { ...action, execute: action.execute ?? 1 };
    list.push(a);
    this.actions.set(point, list);
    const rec: ArmedRecord = { point, ...(action.thread !== undefined ? { thread: action.thread } : {}), armedAt: this.kernel.now, hits: 0, end: "armed" };
    this.history.push(rec);
    this.live.set(a, rec);
  }

  /** Drops the actions armed by one session (a new SET DEBUG_SYNC on the same point replaces them). */
  disarm(point: string, thread?: string): void {
    const list = this.actions.get(point);
    if (!list) return;
    for (const a of list) if (a.thread === thread) this.endRecord(a, "replaced");
    this.actions.set(point, list.filter((a) => a.thread !== thread));
  }

  /** `SET DEBUG_SYNC='RESET'` */
  reset(): void {
    for (const list of this.actions.values()) for (const a of list) this.endRecord(a, "reset");
    this.actions.clear();
    this.signals.clear();
  }

  /** `SET DEBUG_SYNC='now SIGNAL s'` */
  signal(name: string, by: SimThread | null): void {
    this.signals.add(name);
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, by?.name ?? "kernel", "debug_sync_signal", name);
    this.waits.get(name)?.wakeAll();
  }

  has(name: string): boolean {
    return this.signals.has(name);
  }

  /** The waitable for `WAIT_FOR name`: `yield t.acquire(ds.waitable(name), undefined, timeout)`. */
  waitable(name: string): Waitable {
    let w = this.waits.get(name);
    if (!w) this.waits.set(name, (w = new SignalWait(this, name)));
    return w;
  }

  /** consumes a present signal (WAIT_FOR clears it) */
  take(name: string): boolean {
    return this.signals.delete(name);
  }

  /**
   * Armings whose point no thread of their session reached before the action ended (RESET, a new
   * action on the point) or the run ended: the wait it was armed for never came (debug_sync.cc
   * gives no warning for this; a test just times out).
   */
  unreached(): (ArmedRecord & { passedByAnyone: boolean })[] {
    return this.history.filter((r) => r.hits === 0).map((r) => ({ ...r, passedByAnyone: this.passed.has(r.point) }));
  }

  private endRecord(a: SyncAction, end: ArmedRecord["end"]): void {
    const rec = this.live.get(a);
    if (rec) {
      rec.end = end;
      this.live.delete(a);
    }
  }

  private hit(t: SimThread, point: string): boolean {
    this.passed.add(point);
    const list = this.actions.get(point);
    if (!list || list.length === 0) return true;
    const i = list.findIndex((a) => a.thread === undefined || a.thread === t.name);
    if (i < 0) return true;
    const action = list[i]!;
    const rec = this.live.get(action);
    if (rec) rec.hits++;
    if (--action.execute! <= 0) {
      list.splice(i, 1);
      this.endRecord(action, "consumed");
    }
    if (action.signal) this.signal(action.signal, t);
    if (!action.waitFor) return true;
    const w = this.waitable(action.waitFor);
    if (w.acquire(t, undefined)) return true;
    this.kernel.park(t, w, action.timeoutNs ?? this.defaultTimeoutNs);
    return false;
  }
}

class SignalWait implements Waitable {
  readonly kind = "debug_sync";
  readonly waiters: SimThread[] = [];
  constructor(
    private readonly ds: DebugSync,
    readonly name: string,
  ) {}

  acquire(t: SimThread): boolean {
    if (this.ds.take(this.name)) return true;
    this.waiters.push(t);
    return false;
  }

  wakeAll(): void {
    while (this.waiters.length > 0 && this.ds.take(this.name)) {
      const w = this.waiters.shift()!;
      this.ds.kernel.wake(w, "signaled");
    }
  }

  release(): void {}

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
    return true;
  }

  holders(): readonly SimThread[] {
    return [];
  }
}
