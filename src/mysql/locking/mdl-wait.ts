import { debugSync } from "../../sync/debug-sync.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import { SEC } from "../../kernel/time.js";
import type { Waitable } from "../../kernel/waitable.js";
import { mysqlError } from "../errors.js";
import type { MdlContext, MdlRequest, MdlSystem, MdlTicket } from "../mdl/index.js";
import { describeKey, MDL_DURATION_PFS_NAME, MDL_TYPE_PFS_NAME, MdlNamespace, type MdlWaitStatus } from "../mdl/index.js";
import type { Thd } from "../thd.js";

/**
 * The bridge between the pure MDL model and simulated threads: MDL_wait. A context whose request
 * is PENDING parks its thread on its wait slot; the MDL model's listener (MDL_wait::set_status)
 * wakes it with GRANTED or VICTIM; lock_wait_timeout and KILL end the wait from the kernel side.
 */
export class MdlWaitSlot implements Waitable {
  readonly kind = "mdl";
  name = "MDL";
  /** the ticket handed over by the last grant (an upgrade merges into the original ticket) */
  granted: MdlTicket | null = null;
  /** while the context waits for a table flush (Wait_for_flush): the threads using the old share */
  flushUsers: (() => readonly SimThread[]) | null = null;

  constructor(
    readonly ctx: MdlContext,
    readonly thread: SimThread,
    private readonly threadOf: (ctx: MdlContext) => SimThread | undefined,
  ) {}

  /**
   * MDL_wait::timed_wait() loops `while (!m_wait_status && !owner->is_killed() && ...)`: a KILL that
   * landed while the thread was still on its CPU (the code before the wait, where the kernel's
   * interrupt finds nothing parked) is seen here, and the wait ends at once.
   */
  isKilled: () => boolean = () => false;

  acquire(): boolean {
    return this.ctx.m_wait_status !== "WS_EMPTY" || this.isKilled();
  }

  release(): void {}

  cancel(): boolean {
    return true;
  }

  holders(): readonly SimThread[] {
    if (this.flushUsers) return this.flushUsers().filter((th) => th !== this.thread);
    const pending = this.ctx.pendingTicket();
    if (!pending) return [];
    const out: SimThread[] = [];
    for (const t of pending.lock.allGranted()) {
      const th = this.threadOf(t.ctx);
      if (th && th !== this.thread && !out.includes(th)) out.push(th);
    }
    return out;
  }
}

/** The MDL side of one connection. */
export interface MdlSession {
  thd: Thd;
  thread: SimThread;
  ctx: MdlContext;
  slot: MdlWaitSlot;
  /**
   * Set when this session's MDL wait ended as a deadlock victim (Open_table_context::
   * request_backoff_action: thd->mark_transaction_to_rollback): the statement's end rolls the
   * transaction back, or the statement backs off and retries when it held nothing before it.
   */
  victim?: boolean;
  /** called when a wait in a processlist state ends (metrics: how long, in which state) */
  waited?(state: string, ns: number): void;
}

/** Wakes the thread of a context whose wait the MDL model resolved (the MdlWaitListener). */
export function wakeWaiter(kernel: Kernel, s: MdlSession | undefined, reason: "granted" | "victim", ticket?: MdlTicket): void {
  if (!s) return;
  if (ticket) s.slot.granted = ticket;
  const t = s.thread;
  if (t.status === "parked" && t.waitingOn === s.slot) kernel.wake(t, reason);
}

/** How a wait on an MDL lock ends for the statement: the ticket, or a MySQL error. */
export interface AcquireOptions {
  /** wait limit (default: lock_wait_timeout) */
  timeoutNs?: number;
  /** GET_LOCK: a timeout is not an error; return null */
  timeoutIsNull?: boolean;
}

/**
 * MDL_context::acquire_lock from a simulated thread: try; if pending, show the wait state
 * (MDL_key::get_wait_state_name), park until granted, chosen as victim, timed out or killed.
 */
export function* acquireMdl(t: SimThread, s: MdlSession, sys: MdlSystem, req: MdlRequest, lockWaitTimeoutS: number, opts: AcquireOptions = {}): Generator<Effect, MdlTicket | null, unknown> {
  const r = requestMdl(t, s, req);
  // granted at once (most requests): no waiting generator
  if (r.status === "GRANTED") return r.ticket;
  return yield* settle(t, s, sys, r, req.key, lockWaitTimeoutS, opts);
}

/**
 * acquireMdl in two halves, for callers on a hot path that take most locks at once: the request
 * (MDL_context::acquire_lock's try), then, unless it was GRANTED, `settleMdl` waits for it.
 */
export function requestMdl(t: SimThread, s: MdlSession, req: MdlRequest, opts: { noWait?: boolean } = {}): MdlAcquireResult {
  const r = s.ctx.acquire_lock(req, opts);
  if (t.kernel.trace.enabled) traceMdl(t, "mdl.request", req.key, { type: MDL_TYPE_PFS_NAME[req.type], duration: MDL_DURATION_PFS_NAME[req.duration], status: r.status });
  return r;
}

type MdlAcquireResult = ReturnType<MdlContext["acquire_lock"]>;

/** The wait of a request that requestMdl did not get GRANTED at once. */
export function settleMdl(t: SimThread, s: MdlSession, sys: MdlSystem, r: MdlAcquireResult, req: MdlRequest, lockWaitTimeoutS: number): Generator<Effect, MdlTicket | null, unknown> {
  return settle(t, s, sys, r, req.key, lockWaitTimeoutS, {});
}

/** MDL_context::upgrade_shared_lock from a simulated thread (SU->SNW->X, SNRW->X). */
export function* upgradeMdl(t: SimThread, s: MdlSession, sys: MdlSystem, ticket: MdlTicket, type: number, lockWaitTimeoutS: number): Generator<Effect, MdlTicket, unknown> {
  // mdl.cc MDL_context::upgrade_shared_lock(): DEBUG_SYNC "mdl_upgrade_lock" first, even when already upgraded
  yield* debugSync(t, "mdl_upgrade_lock");
  const r = s.ctx.upgrade_shared_lock(ticket, type);
  if (t.kernel.trace.enabled) traceMdl(t, "mdl.upgrade", ticket.lock.key, { type: MDL_TYPE_PFS_NAME[type], status: r.status });
  return (yield* settle(t, s, sys, r, ticket.lock.key, lockWaitTimeoutS, {}))!;
}

/** MDL_ticket::downgrade_lock() from a simulated thread (never waits). */
export function downgradeMdl(t: SimThread, s: MdlSession, ticket: MdlTicket, type: number): void {
  s.ctx.downgrade_lock(ticket, type);
  if (t.kernel.trace.enabled) traceMdl(t, "mdl.downgrade", ticket.lock.key, { type: MDL_TYPE_PFS_NAME[type] });
}

function* settle(
  t: SimThread,
  s: MdlSession,
  sys: MdlSystem,
  r: ReturnType<MdlContext["acquire_lock"]>,
  key: MdlRequest["key"],
  lockWaitTimeoutS: number,
  opts: AcquireOptions,
): Generator<Effect, MdlTicket | null, unknown> {
  if (r.status === "GRANTED") return r.ticket;
  if (r.status === "VICTIM") throw victimError(s, key.namespace);
  if (r.status === "TIMEOUT") throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
  const before = s.thd.state;
  const state = sys.waitState(s.ctx) ?? "Waiting for table metadata lock";
  const since = t.kernel.now;
  s.thd.state = state;
  s.slot.name = `MDL ${describeKey(key)}`;
  s.slot.granted = null;
  // MDL_context::acquire_lock: the deadlock search has run; DEBUG_SYNC "mdl_acquire_lock_wait" before the wait
  yield t.syncPoint("mdl_acquire_lock_wait");
  const woke = yield t.acquire(s.slot, undefined, opts.timeoutNs ?? lockWaitTimeoutS * SEC);
  let status: MdlWaitStatus;
  if (woke === "timeout") status = sys.abortWait(s.ctx, "TIMEOUT");
  else if (woke === "killed" || (s.ctx.m_wait_status === "WS_EMPTY" && s.slot.isKilled())) status = sys.abortWait(s.ctx, "KILLED");
  else status = s.ctx.m_wait_status === "GRANTED" ? "GRANTED" : sys.finishWait(s.ctx);
  s.thd.state = before;
  s.waited?.(state, t.kernel.now - since);
  if (t.kernel.trace.enabled) traceMdl(t, "mdl.wait_end", key, { status });
  switch (status) {
    case "GRANTED":
      return s.slot.granted ?? r.ticket;
    case "VICTIM":
      throw victimError(s, key.namespace);
    case "TIMEOUT":
      if (opts.timeoutIsNull) return null;
      throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
    default:
      throw mysqlError("ER_QUERY_INTERRUPTED");
  }
}

function victimError(s: MdlSession, ns: MdlNamespace): Error {
  if (ns === MdlNamespace.USER_LEVEL_LOCK) return mysqlError("ER_USER_LOCK_DEADLOCK");
  s.victim = true;
  return mysqlError("ER_LOCK_DEADLOCK");
}

function traceMdl(t: SimThread, kind: string, key: MdlRequest["key"], d: Record<string, unknown>): void {
  if (t.kernel.trace.enabled) t.trace(kind, describeKey(key), d);
}
