import type { Kernel } from "../kernel/kernel.js";
import { NO_EFFECTS, type Effects } from "../kernel/no-effects.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";

/** debug_sync_execute(): thd->proc_info while a session waits at a sync point */
export function debugSyncState(point: string): string {
  return `debug sync point: ${point}`;
}
import type { Waitable, WakeReason } from "../kernel/waitable.js";

/** One `SET DEBUG_SYNC='point SIGNAL s WAIT_FOR g ...'` action (debug_sync.cc st_debug_sync_action). */
export interface SyncAction {
  /** signals to emit; MySQL splits SIGNAL's value on commas (`SIGNAL a,b`) */
  signal?: string;
  waitFor?: string;
  /** how many hits the action is executed (EXECUTE n); default 1 */
  execute?: number;
  /** HIT_LIMIT n: the n-th hit kills the query with ER_DEBUG_SYNC_HIT_LIMIT (0: none) */
  hitLimit?: number;
  /** WAIT_FOR timeout; MySQL's default is debug_sync_timeout */
  timeoutNs?: Ns;
  /** NO_CLEAR_EVENT: the awaited signal stays set after the wait (default: it is cleared) */
  noClearEvent?: boolean;
  /** the thread whose session armed it (SET DEBUG_SYNC is per session); undefined: any thread */
  thread?: string;
}

interface ArmedAction extends SyncAction {
  point: string;
  record: ArmedRecord;
  execute: number;
  hitLimit: number;
  /** activation_count = max(execute, hit_limit): hits left before the action is removed */
  activation: number;
  /** hits so far (for the end-of-run report of points armed but never reached) */
  hits: number;
}

/** What the SQL layer learns from the facility (warnings and errors go to the session). */
export interface DebugSyncListener {
  /** a WAIT_FOR timed out: MySQL pushes ER_DEBUG_SYNC_TIMEOUT "debug sync point wait timed out" */
  timedOut?(t: SimThread, point: string): void;
  /** HIT_LIMIT reached: MySQL sets thd->killed= KILL_QUERY and ER_DEBUG_SYNC_HIT_LIMIT */
  hitLimit?(t: SimThread, point: string): void;
}

/**
 * MySQL 5.7's DEBUG_SYNC facility (sql/debug_sync.cc). Actions are per session
 * (thd->debug_sync_control) and keyed by sync point: a new SET on the same point replaces the old
 * one (debug_sync_get_action). Signals form one global set (debug_sync_global.ds_signal_set):
 * SIGNAL adds each comma-separated name and broadcasts; WAIT_FOR waits, in processlist state
 * "debug sync point: <point>", until its name is in the set, then removes it (clear_event) unless
 * NO_CLEAR_EVENT. A wait that times out goes on with a warning; a KILL ends it (debug_sync_execute).
 * RESET removes the session's actions and clears every signal (debug_sync_reset).
 */

/**
 * A DEBUG_SYNC point on a statement's path that is not a scheduling point of its own: it yields
 * the kernel's sync point effect only when a session armed an action there (in MySQL an unarmed
 * DEBUG_SYNC() does nothing). `yield* debugSync(t, "point")`.
 */
export function debugSync(t: SimThread, point: string): Effects {
  // the kernel's sync hook is the facility itself (no WeakMap keyed by the run's kernel: the
  // scavenger keeps an ephemeron's value alive until a full GC, and with it the whole run)
  const ds = t.kernel.syncHook;
  if (!(ds instanceof DebugSync)) return NO_EFFECTS;
  if (ds.armed(point, t)) return syncAt(t, point);
  ds.passed.add(point);
  return NO_EFFECTS;
}

function* syncAt(t: SimThread, point: string): Generator<Effect, void, unknown> {
  yield t.syncPoint(point);
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

export class DebugSync {
  private readonly actions = new Map<string, ArmedAction[]>();
  private readonly signals = new Set<string>();
  private readonly waits = new Map<string, SignalWait>();
  /** every arming in order, with its hits (the "armed but never reached" report) */
  private readonly history: ArmedRecord[] = [];
  /** points some thread passed, armed or not */
  readonly passed = new Set<string>();
  listener: DebugSyncListener = {};

  constructor(
    readonly kernel: Kernel,
    readonly defaultTimeoutNs: Ns,
  ) {
    kernel.syncHook = this;
  }

  /** whether an action for thread t waits at the point */
  armed(point: string, t: SimThread): boolean {
    const list = this.actions.get(point);
    return !!list && list.some((a) => a.thread === undefined || a.thread === t.name);
  }

  arm(point: string, action: SyncAction): void {
    this.disarm(point, action.thread);
    const execute = action.execute ?? (action.signal || action.waitFor ? 1 : 0);
    const hitLimit = action.hitLimit ?? 0;
    const record: ArmedRecord = { point, ...(action.thread !== undefined ? { thread: action.thread } : {}), armedAt: this.kernel.now, hits: 0, end: "armed" };
    const a: ArmedAction = { ...action, point, record, execute, hitLimit, activation: Math.max(execute, hitLimit), hits: 0 };
    const list = this.actions.get(point) ?? [];
    list.push(a);
    this.actions.set(point, list);
    this.history.push(record);
  }

  /** Drops the action one session armed on a point (SET DEBUG_SYNC='point CLEAR', or a new SET on it). */
  disarm(point: string, thread?: string): void {
    const list = this.actions.get(point);
    if (!list) return;
    for (const a of list) if (a.thread === thread && a.record.end === "armed") a.record.end = "replaced";
    this.actions.set(point, list.filter((a) => a.thread !== thread));
  }

  /** `SET DEBUG_SYNC='RESET'`: the session's actions (all, when no thread is given) and every signal. */
  reset(thread?: string): void {
    for (const list of this.actions.values()) for (const a of list) if ((thread === undefined || a.thread === thread) && a.record.end === "armed") a.record.end = "reset";
    if (thread === undefined) this.actions.clear();
    else for (const [p, list] of this.actions) this.actions.set(p, list.filter((a) => a.thread !== thread));
    this.signals.clear();
  }

  /** Emits signals (`SIGNAL a,b`: each name, trimmed) and wakes the threads waiting for them. */
  signal(names: string, by: SimThread | null): void {
    for (const raw of names.split(",")) {
      const name = raw.trim();
      if (!name) continue;
      this.signals.add(name);
      if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, by?.name ?? "kernel", "debug_sync_signal", name);
      this.waits.get(name)?.wakeAll();
    }
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
   * action on the point) or the run ended: the point is not on the path of any statement the
   * session ran after arming it, or the statement never got there (debug_sync.cc gives no warning
   * for this; a test just times out).
   */
  unreached(): (ArmedRecord & { passedByAnyone: boolean })[] {
    return this.history.filter((r) => r.hits === 0).map((r) => ({ ...r, passedByAnyone: this.passed.has(r.point) }));
  }

  /**
   * Executes the point for thread t ("now" included): returns true if t goes on, false when it
   * was parked on a WAIT_FOR (the kernel resumes it with "signaled", "timeout" or "killed").
   */
  hit(t: SimThread, point: string): boolean {
    this.passed.add(point);
    const list = this.actions.get(point);
    if (!list || list.length === 0) return true;
    const i = list.findIndex((a) => a.thread === undefined || a.thread === t.name);
    if (i < 0) return true;
    const action = list[i]!;
    action.hits++;
    action.record.hits++;
    if (--action.activation <= 0) {
      list.splice(i, 1);
      action.record.end = "consumed";
    }
    let parked = false;
    if (action.execute > 0) {
      action.execute--;
      if (action.signal) this.signal(action.signal, t);
      if (action.waitFor) {
        const w = this.waitable(action.waitFor) as SignalWait;
        if (!w.tryTake(action)) {
          w.enqueue(t, action, t.state);
          t.setState(debugSyncState(point));
          this.kernel.park(t, w, action.timeoutNs ?? this.defaultTimeoutNs);
          parked = true;
        }
      }
    }
    if (action.hitLimit > 0 && --action.hitLimit === 0) this.listener.hitLimit?.(t, point);
    return !parked;
  }
}

class SignalWait implements Waitable {
  readonly kind = "debug_sync";
  readonly waiters: { t: SimThread; action: ArmedAction | null; state: string }[] = [];
  constructor(
    private readonly ds: DebugSync,
    readonly name: string,
  ) {}

  /** the signal is there: go on (clearing it unless NO_CLEAR_EVENT) */
  tryTake(action: ArmedAction | null): boolean {
    if (!this.ds.has(this.name)) return false;
    if (!action?.noClearEvent) this.ds.take(this.name);
    return true;
  }

  enqueue(t: SimThread, action: ArmedAction | null, state: string): void {
    this.waiters.push({ t, action, state });
  }

  /** `now WAIT_FOR` through t.acquire */
  acquire(t: SimThread): boolean {
    if (this.tryTake(null)) return true;
    this.enqueue(t, null, t.state);
    return false;
  }

  /** a signal arrived: every waiter sees it (broadcast); the first that clears it ends it for the rest */
  wakeAll(): void {
    while (this.waiters.length > 0 && this.ds.has(this.name)) {
      const w = this.waiters.shift()!;
      this.tryTake(w.action);
      this.finish(w, "signaled");
    }
  }

  private finish(w: { t: SimThread; action: ArmedAction | null; state: string }, reason: WakeReason): void {
    if (w.action) w.t.setState(w.state);
    if (reason === "signaled") this.ds.kernel.wake(w.t, reason);
  }

  release(): void {}

  cancel(t: SimThread, reason?: WakeReason): boolean {
    const i = this.waiters.findIndex((w) => w.t === t);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      this.finish(w!, reason ?? "timeout");
      // a timed-out wait at an armed point: the statement goes on with MySQL's warning
      if (reason === "timeout" && w!.action) this.ds.listener.timedOut?.(t, w!.action.point);
    }
    return true;
  }

  holders(): readonly SimThread[] {
    return [];
  }
}
