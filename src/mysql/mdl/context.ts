/**
 * MDL_context (one per connection) and the deadlock detector (Deadlock_detection_visitor,
 * MDL_context::find_deadlock), following MySQL 8.0 sql/mdl.cc (see types.ts for the copy read).
 *
 * Waiting is not done here: MDL_context::acquire_lock() in MySQL blocks in MDL_wait::timed_wait();
 * our acquire_lock() returns a PENDING ticket instead and the waiter is told the outcome through
 * MdlWaitListener (system.ts). MDL_wait is reduced to its status slot: set_status() succeeds only
 * if the slot is empty, exactly as MDL_wait::set_status().
 */
import { MdlLock, MdlTicket, type MdlWaitForGraphVisitor } from "./lock.js";
import { hasStrongerOrEqualType, strategyFor } from "./matrices.js";
import type { MdlSystem } from "./system.js";
import {
  enum_mdl_duration,
  enum_mdl_type,
  MDL_DURATION_END,
  MdlNamespace,
  type MdlKey,
  type MdlWaitStatus,
  mdlKeyEqual,
} from "./types.js";

/** MDL_request: what to lock, how, for how long. */
export interface MdlRequest {
  readonly key: MdlKey;
  readonly type: enum_mdl_type;
  readonly duration: enum_mdl_duration;
}

/** Outcome of acquire_lock() / upgrade_shared_lock(). */
export type MdlAcquireResult =
  | { status: "GRANTED"; ticket: MdlTicket }
  /** Queued: the caller's thread must now wait; the listener reports the outcome. */
  | { status: "PENDING"; ticket: MdlTicket }
  /** Chosen as deadlock victim while enqueuing (MySQL: ER_LOCK_DEADLOCK at once). */
  | { status: "VICTIM"; error: "ER_LOCK_DEADLOCK" }
  /** noWait request (lock_wait_timeout = 0 / try_acquire_lock) that could not be granted. */
  | { status: "TIMEOUT"; error: "ER_LOCK_WAIT_TIMEOUT" };

/** Error a failed wait turns into (MDL_context::acquire_lock after timed_wait). */
export function waitStatusError(s: MdlWaitStatus): "ER_LOCK_DEADLOCK" | "ER_LOCK_WAIT_TIMEOUT" | "ER_QUERY_INTERRUPTED" | null {
  switch (s) {
    case "VICTIM":
      return "ER_LOCK_DEADLOCK";
    case "TIMEOUT":
      return "ER_LOCK_WAIT_TIMEOUT";
    case "KILLED":
      return "ER_QUERY_INTERRUPTED";
    default:
      return null;
  }
}

/** MDL_savepoint: the newest statement and transaction tickets when it was taken. */
export interface MdlSavepoint {
  readonly stmtTicket: MdlTicket | null;
  readonly transTicket: MdlTicket | null;
}

/**
 * Deadlock_detection_visitor: depth-first search from the requesting context; a deadlock is a
 * path back to the start node, or a search deeper than MAX_SEARCH_DEPTH (32). While unwinding
 * after a deadlock was found, opt_change_victim_to() is offered every node on the path (the start
 * node last) and replaces the victim when victim.weight >= candidate.weight.
 */
export class Deadlock_detection_visitor implements MdlWaitForGraphVisitor {
  static readonly MAX_SEARCH_DEPTH = 32;
  private m_victim: MdlContext | null = null;
  private m_current_search_depth = 0;
  private m_found_deadlock = false;

  constructor(private readonly m_start_node: MdlContext) {}

  enter_node(node: MdlContext): boolean {
    this.m_found_deadlock = ++this.m_current_search_depth >= Deadlock_detection_visitor.MAX_SEARCH_DEPTH;
    if (this.m_found_deadlock) this.opt_change_victim_to(node);
    return this.m_found_deadlock;
  }

  leave_node(node: MdlContext): void {
    --this.m_current_search_depth;
    if (this.m_found_deadlock) this.opt_change_victim_to(node);
  }

  inspect_edge(node: MdlContext): boolean {
    this.m_found_deadlock = node === this.m_start_node;
    return this.m_found_deadlock;
  }

  get_victim(): MdlContext | null {
    return this.m_victim;
  }

  private opt_change_victim_to(new_victim: MdlContext): void {
    if (this.m_victim === null || this.m_victim.get_deadlock_weight() >= new_victim.get_deadlock_weight()) {
      this.m_victim = new_victim;
    }
  }
}

/**
 * Wait_for_flush (sql/table.h, table.cc): a context waiting until an old TABLE_SHARE goes away,
 * as a node of the MDL wait-for graph. TABLE_SHARE::visit_subgraph(): skip a context whose wait
 * slot is already set, then an edge to the owner of every TABLE still using the share (inspect
 * all, then recurse). Its weight is fixed by the waiter: DEADLOCK_WEIGHT_DDL for
 * close_cached_tables(), DML for an open_table() that can back off, else the weight of the MDL
 * ticket the opener holds.
 */
export class Wait_for_flush {
  constructor(
    readonly ctx: MdlContext,
    private readonly m_deadlock_weight: number,
    /** the contexts whose TABLEs still use the share (the share's used_tables list) */
    private readonly users: () => readonly MdlContext[],
    readonly name: string,
  ) {}

  get_deadlock_weight(): number {
    return this.m_deadlock_weight;
  }

  accept_visitor(gvisitor: MdlWaitForGraphVisitor): boolean {
    const src_ctx = this.ctx;
    if (src_ctx.m_wait_status !== "WS_EMPTY") return false;
    if (gvisitor.enter_node(src_ctx)) return true;
    const users = this.users().filter((u) => u !== src_ctx);
    let result = true;
    found: {
      for (const u of users) if (gvisitor.inspect_edge(u)) break found;
      for (const u of users) if (u.visit_subgraph(gvisitor)) break found;
      result = false;
    }
    gvisitor.leave_node(src_ctx);
    return result;
  }
}

let nextContextId = 1;

/** MDL_context */
export class MdlContext {
  readonly id: number;
  /** MdlSystem.checkLockInvariants' scratch: the check that last saw this context, and the types it saw it hold */
  checkMark = 0;
  checkTypes = 0;
  /**
   * m_ticket_store: per duration, NEWEST FIRST (MySQL push_front()s statement and transactional
   * tickets, and release_locks_stored_before() walks from the front).
   */
  readonly tickets: [MdlTicket[], MdlTicket[], MdlTicket[]] = [[], [], []];
  /** MDL_wait::m_wait_status */
  m_wait_status: MdlWaitStatus = "WS_EMPTY";
  /** m_waiting_for: the pending ticket, if any. */
  m_waiting_for: MdlTicket | null = null;
  /**
   * m_waiting_for when what this context waits for is a table flush (MySQL keeps one
   * MDL_wait_for_subgraph pointer; the model keeps the two kinds apart).
   */
  m_waiting_for_flush: Wait_for_flush | null = null;
  /** m_needs_thr_lock_abort (set for connections with open HANDLERs; forces the slow path). */
  m_needs_thr_lock_abort = false;
  /** m_force_dml_deadlock_weight (LOCK TABLES sets it while acquiring). */
  m_force_dml_deadlock_weight = false;

  constructor(
    readonly system: MdlSystem,
    readonly name: string,
    /** performance_schema OWNER_THREAD_ID */
    readonly threadId: number,
  ) {
    this.id = nextContextId++;
  }

  // ---------------------------------------------------------------- wait slot (MDL_wait)

  /** MDL_wait::set_status(): returns true if the slot was already occupied (nothing changed). */
  m_wait_set_status(status: Exclude<MdlWaitStatus, "WS_EMPTY">): boolean {
    if (this.m_wait_status !== "WS_EMPTY") return true;
    this.m_wait_status = status;
    return false;
  }

  /** True while this context has a pending request whose outcome is not yet collected. */
  isWaiting(): boolean {
    return this.m_waiting_for !== null;
  }

  /** The pending ticket (granted-but-uncollected upgrades excluded). */
  pendingTicket(): MdlTicket | null {
    return this.m_waiting_for;
  }

  // ---------------------------------------------------------------- deadlock detection

  /** MDL_context::get_deadlock_weight(); valid only while waiting. */
  get_deadlock_weight(): number {
    if (this.m_force_dml_deadlock_weight) return this.system.deadlockWeights.DML;
    if (this.m_waiting_for_flush !== null) return this.m_waiting_for_flush.get_deadlock_weight();
    if (this.m_waiting_for === null) throw new Error("MDL invariant violated: get_deadlock_weight() of a context that is not waiting");
    return this.m_waiting_for.get_deadlock_weight();
  }

  set_force_dml_deadlock_weight(v: boolean): void {
    this.m_force_dml_deadlock_weight = v;
  }

  set_needs_thr_lock_abort(v: boolean): void {
    this.m_needs_thr_lock_abort = v;
    if (v) this.materialize_fast_path_locks();
  }

  /** MDL_context::visit_subgraph() */
  visit_subgraph(gvisitor: MdlWaitForGraphVisitor): boolean {
    if (this.m_waiting_for_flush !== null) return this.m_waiting_for_flush.accept_visitor(gvisitor);
    return this.m_waiting_for !== null ? this.m_waiting_for.accept_visitor(gvisitor) : false;
  }

  /**
   * TABLE_SHARE::wait_for_old_version() up to the wait: m_wait.reset_status(),
   * will_wait_for(&ticket) (materializes fast-path locks), find_deadlock(). Returns "VICTIM" when
   * this context was chosen (ER_LOCK_DEADLOCK); otherwise the caller waits until the share's last
   * user sets GRANTED (free_table_share) or a timeout / KILL, then calls done_waiting_for_flush().
   */
  wait_for_flush(w: Wait_for_flush): "PENDING" | "VICTIM" {
    return this.system.operation(() => {
      if (this.m_waiting_for !== null || this.m_waiting_for_flush !== null) throw new Error(`MDL: context ${this.name} already waits`);
      this.m_wait_status = "WS_EMPTY";
      this.materialize_fast_path_locks();
      this.m_waiting_for_flush = w;
      this.find_deadlock();
      if ((this.m_wait_status as MdlWaitStatus) === "VICTIM") {
        this.m_waiting_for_flush = null;
        return "VICTIM";
      }
      return "PENDING";
    });
  }

  /** MDL_context::done_waiting_for() after a flush wait; the final wait status. */
  done_waiting_for_flush(end: "TIMEOUT" | "KILLED" | null): MdlWaitStatus {
    if (end !== null) this.m_wait_set_status(end);
    this.m_waiting_for_flush = null;
    return this.m_wait_status;
  }

  /**
   * MDL_context::find_deadlock(): repeat depth-first searches from this context until none finds
   * a deadlock or this context itself is the victim. A victim gets VICTIM in its wait slot
   * (set_status fails harmlessly if the slot is already occupied); other victims are reported to
   * the listener.
   */
  find_deadlock(): void {
    for (;;) {
      const dvisitor = new Deadlock_detection_visitor(this);
      if (!this.visit_subgraph(dvisitor)) break;
      const victim = dvisitor.get_victim();
      if (victim === null) throw new Error("MDL invariant violated: deadlock found without a victim");
      this.system.signalVictim(victim, this);
      if (victim === this) break;
    }
  }

  // ---------------------------------------------------------------- ticket store

  /** MDL_context::find_ticket(): a ticket on the same key of equal or stronger type. */
  find_ticket(req: MdlRequest): { ticket: MdlTicket; duration: enum_mdl_duration } | null {
    const strategy = strategyFor(req.key.namespace);
    for (let i = 0; i < MDL_DURATION_END; i++) {
      const di = ((req.duration + i) % MDL_DURATION_END) as enum_mdl_duration;
      for (const t of this.tickets[di]) {
        if (mdlKeyEqual(t.lock.key, req.key) && hasStrongerOrEqualType(strategy, t.type, req.type)) return { ticket: t, duration: di };
      }
    }
    return null;
  }

  private storePushFront(duration: enum_mdl_duration, t: MdlTicket): void {
    this.tickets[duration].unshift(t);
    t.duration = duration;
  }

  private storeRemove(duration: enum_mdl_duration, t: MdlTicket): void {
    const list = this.tickets[duration];
    const i = list.indexOf(t);
    if (i < 0) throw new Error(`MDL invariant violated: ticket ${t.toString()} not in ${enum_mdl_duration[duration]} list of ${this.name}`);
    list.splice(i, 1);
  }

  /** All tickets this context holds (granted), statement, transaction then explicit. */
  allTickets(): MdlTicket[] {
    return [...this.tickets[0], ...this.tickets[1], ...this.tickets[2]];
  }

  has_locks(): boolean {
    return this.tickets.some((l) => l.length > 0);
  }

  /** MDL_context::owns_equal_or_stronger_lock() */
  owns_equal_or_stronger_lock(key: MdlKey, type: enum_mdl_type): boolean {
    return this.find_ticket({ key, type, duration: enum_mdl_duration.MDL_TRANSACTION }) !== null;
  }

  /**
   * MDL_context::materialize_fast_path_locks(): move this context's fast-path tickets into their
   * locks' m_granted lists, walking the ticket store as MySQL does (statement, transaction,
   * explicit; each newest first).
   */
  materialize_fast_path_locks(): void {
    for (let d = 0; d < MDL_DURATION_END; d++) {
      for (const t of this.tickets[d]!) {
        if (t.isFastPath) {
          t.isFastPath = false;
          t.lock.fastPath.delete(t);
          t.lock.m_granted.add_ticket(t);
          this.system.touch(t.lock);
        }
      }
    }
  }

  // ---------------------------------------------------------------- acquisition

  /**
   * MDL_context::try_acquire_lock_impl(). Returns the granted ticket, or a not-granted ticket
   * (m_lock set, not in any list) that the caller either enqueues or drops.
   */
  private try_acquire_lock_impl(req: MdlRequest): { granted: boolean; ticket: MdlTicket; fresh: boolean } {
    const found = this.find_ticket(req);
    if (found) {
      if (found.duration !== req.duration || req.duration === enum_mdl_duration.MDL_EXPLICIT) {
        return { granted: true, ticket: this.clone_ticket(found.ticket, req), fresh: true };
      }
      return { granted: true, ticket: found.ticket, fresh: false };
    }

    const lock = this.system.find_or_insert(req.key);
    const ticket = new MdlTicket(this, req.type, req.duration, lock);
    const unobtrusive = !lock.is_obtrusive_lock(req.type);
    const forceSlow = !unobtrusive || this.m_needs_thr_lock_abort;
    if (!unobtrusive) this.materialize_fast_path_locks();
    this.system.touch(lock);

    if (!forceSlow && lock.m_obtrusive_locks_granted_waiting_count === 0) {
      /* "Fast path": no obtrusive lock granted or pending, nothing to check. */
      ticket.isFastPath = true;
      ticket.state = "granted";
      lock.fastPath.add(ticket);
      this.storePushFront(req.duration, ticket);
      return { granted: true, ticket, fresh: true };
    }

    if (!unobtrusive) lock.m_obtrusive_locks_granted_waiting_count++;
    if (lock.can_grant_lock(req.type, this)) {
      lock.m_granted.add_ticket(ticket);
      ticket.state = "granted";
      if (lock.is_affected_by_max_write_lock_count()) {
        if (lock.count_piglets_and_hogs(req.type)) lock.reschedule_waiters();
      }
      this.storePushFront(req.duration, ticket);
      return { granted: true, ticket, fresh: true };
    }
    return { granted: false, ticket, fresh: true };
  }

  /** MDL_context::clone_ticket(): a copy of a granted ticket, without any compatibility check. */
  private clone_ticket(src: MdlTicket, req: MdlRequest): MdlTicket {
    const lock = src.lock;
    const ticket = new MdlTicket(this, req.type, req.duration, lock);
    ticket.state = "granted";
    this.system.touch(lock);
    if (src.isFastPath) {
      ticket.isFastPath = true;
      lock.fastPath.add(ticket);
    } else {
      lock.m_granted.add_ticket(ticket);
      if (lock.is_obtrusive_lock(ticket.type)) lock.m_obtrusive_locks_granted_waiting_count++;
    }
    this.storePushFront(req.duration, ticket);
    return ticket;
  }

  /**
   * MDL_context::acquire_lock() up to the wait. With opts.noWait behaves like a zero
   * lock_wait_timeout (try_acquire_lock(): no queueing, no deadlock detection).
   */
  acquire_lock(req: MdlRequest, opts: { noWait?: boolean } = {}): MdlAcquireResult {
    return this.system.operation(() => this.acquireImpl(req, opts.noWait ?? false, null));
  }

  private acquireImpl(req: MdlRequest, noWait: boolean, upgradeOf: MdlTicket | null): MdlAcquireResult {
    if (this.m_waiting_for !== null) throw new Error(`MDL: context ${this.name} already waits for ${this.m_waiting_for.toString()}`);
    const legal = strategyFor(req.key.namespace).legalType[req.type];
    if (!legal) throw new Error(`MDL: ${enum_mdl_type[req.type]} is not a legal type for namespace ${MdlNamespace[req.key.namespace]}`);

    const r = this.try_acquire_lock_impl(req);
    if (r.granted) return { status: "GRANTED", ticket: r.ticket };

    const ticket = r.ticket;
    const lock = ticket.lock;
    if (noWait) {
      /* try_acquire_lock() failure: undo the obtrusive count, drop the ticket, no reschedule. */
      if (lock.is_obtrusive_lock(req.type)) lock.m_obtrusive_locks_granted_waiting_count--;
      ticket.state = "released";
      this.system.dropIfUnused(lock);
      return { status: "TIMEOUT", error: "ER_LOCK_WAIT_TIMEOUT" };
    }

    ticket.upgradeOf = upgradeOf;
    lock.m_waiting.add_ticket(ticket);
    this.m_wait_status = "WS_EMPTY"; /* m_wait.reset_status() */
    if (req.type === enum_mdl_type.MDL_EXCLUSIVE && !lock.strategy.unobtrusive[req.type] && lock.strategy.name === "object") {
      this.system.notifyConflictingLocks(this, lock);
    }
    /* will_wait_for() */
    this.materialize_fast_path_locks();
    this.m_waiting_for = ticket;
    this.system.onWaitStarted(this, ticket);

    /* The ACL_CACHE/S delayed-detection optimisation of 8.0 is not modelled: always search. */
    this.find_deadlock();

    if ((this.m_wait_status as MdlWaitStatus) === "VICTIM") {
      this.endWaitImpl();
      return { status: "VICTIM", error: "ER_LOCK_DEADLOCK" };
    }
    return { status: "PENDING", ticket };
  }

  /**
   * What the waiting thread does when timed_wait() returns (acquire_lock after the wait):
   * done_waiting_for(); if not GRANTED, remove the ticket from the waiting queue (which
   * reschedules the other waiters) and destroy it. Returns the final wait status.
   */
  endWaitImpl(): MdlWaitStatus {
    const ticket = this.m_waiting_for;
    if (ticket === null) return this.m_wait_status;
    const status = this.m_wait_status;
    if (status === "GRANTED") throw new Error("MDL invariant violated: granted ticket still registered as waited for");
    this.m_waiting_for = null;
    ticket.lock.remove_ticket("m_waiting", ticket);
    ticket.state = "released";
    this.system.touch(ticket.lock);
    this.system.dropIfUnused(ticket.lock);
    this.system.onWaitEnded(this, ticket, status);
    return status;
  }

  /**
   * Called by MdlLock.reschedule_waiters() when this context's waiting ticket was granted:
   * done_waiting_for(), push the ticket into the store and, for an upgrade, merge it into the
   * ticket being upgraded (the tail of upgrade_shared_lock()).
   */
  grantedWhileWaiting(ticket: MdlTicket): MdlTicket {
    if (this.m_waiting_for !== ticket) throw new Error(`MDL invariant violated: ${ticket.toString()} granted but ${this.name} waits for ${String(this.m_waiting_for)}`);
    this.m_waiting_for = null;
    this.storePushFront(ticket.duration, ticket);
    if (ticket.upgradeOf !== null) {
      const original = ticket.upgradeOf;
      ticket.upgradeOf = null;
      this.mergeUpgrade(original, ticket, true);
      return original;
    }
    return ticket;
  }

  /**
   * The merge part of MDL_context::upgrade_shared_lock(): drop the new ticket (if it is new) and
   * re-add the original ticket to m_granted with the new type (at the back of the list).
   */
  private mergeUpgrade(original: MdlTicket, acquired: MdlTicket, isNew: boolean): void {
    const lock = original.lock;
    const newType = acquired.type;
    if (isNew) {
      lock.m_granted.remove_ticket(acquired);
      lock.m_obtrusive_locks_granted_waiting_count--;
    }
    if (original.isFastPath) {
      lock.fastPath.delete(original);
      original.isFastPath = false;
    } else {
      lock.m_granted.remove_ticket(original);
      if (lock.is_obtrusive_lock(original.type)) lock.m_obtrusive_locks_granted_waiting_count--;
    }
    original.type = newType;
    lock.m_granted.add_ticket(original);
    lock.m_obtrusive_locks_granted_waiting_count++;
    if (isNew) {
      this.storeRemove(enum_mdl_duration.MDL_TRANSACTION, acquired);
      acquired.state = "released";
    }
    this.system.touch(lock);
  }

  /**
   * MDL_context::upgrade_shared_lock(): SU->SNW, SU->X, SNW->X, SNRW->X (and S->X for CREATE).
   * Acquires a new TRANSACTION-duration request of the new type on the same key; once granted,
   * the original ticket takes the new type. If the request is PENDING, the merge happens when it
   * is granted (the listener's granted() receives the ORIGINAL ticket). On failure the original
   * keeps its type.
   */
  upgrade_shared_lock(ticket: MdlTicket, newType: enum_mdl_type): MdlAcquireResult {
    return this.system.operation(() => {
      if (ticket.ctx !== this || ticket.state !== "granted") throw new Error(`MDL: cannot upgrade ${ticket.toString()}`);
      if (ticket.has_stronger_or_equal_type(newType)) return { status: "GRANTED", ticket };
      if (!hasStrongerOrEqualType(ticket.lock.strategy, newType, ticket.type)) {
        /* MySQL only ever upgrades to a type that blocks everything the old one blocked; the merge
           below (no reschedule) relies on it. */
        throw new Error(`MDL: ${enum_mdl_type[newType]} is not an upgrade of ${enum_mdl_type[ticket.type]}`);
      }
      const sp = this.mdl_savepoint();
      const req: MdlRequest = { key: ticket.lock.key, type: newType, duration: enum_mdl_duration.MDL_TRANSACTION };
      const r = this.acquireImpl(req, false, ticket);
      if (r.status !== "GRANTED") return r;
      const isNew = !this.has_lock(sp, r.ticket);
      this.mergeUpgrade(ticket, r.ticket, isNew);
      return { status: "GRANTED", ticket };
    });
  }

  /**
   * MDL_ticket::downgrade_lock(): X or SNW to a weaker type; reschedules waiters.
   */
  downgrade_lock(ticket: MdlTicket, newType: enum_mdl_type): void {
    this.system.operation(() => {
      if (ticket.type === newType || !ticket.has_stronger_or_equal_type(newType)) return;
      if (ticket.type !== enum_mdl_type.MDL_EXCLUSIVE && ticket.type !== enum_mdl_type.MDL_SHARED_NO_WRITE) {
        throw new Error(`MDL: downgrade only from X or SNW, not ${enum_mdl_type[ticket.type]}`);
      }
      const lock = ticket.lock;
      lock.m_granted.remove_ticket(ticket);
      if (!lock.is_obtrusive_lock(newType)) lock.m_obtrusive_locks_granted_waiting_count--;
      ticket.type = newType;
      lock.m_granted.add_ticket(ticket);
      this.system.touch(lock);
      lock.reschedule_waiters();
    });
  }

  // ---------------------------------------------------------------- release

  /** MDL_context::release_lock(duration, ticket) */
  private releaseImpl(duration: enum_mdl_duration, ticket: MdlTicket): void {
    if (ticket.ctx !== this) throw new Error(`MDL: ${this.name} cannot release ${ticket.toString()}`);
    this.storeRemove(duration, ticket);
    const lock = ticket.lock;
    this.system.touch(lock);
    ticket.state = "released";
    if (ticket.isFastPath) {
      lock.fastPath.delete(ticket);
      ticket.isFastPath = false;
      if (lock.m_obtrusive_locks_granted_waiting_count > 0) lock.reschedule_waiters();
    } else {
      lock.remove_ticket("m_granted", ticket);
    }
    this.system.dropIfUnused(lock);
    this.system.onReleased(this, ticket);
  }

  /** MDL_context::release_lock(ticket): explicit-duration locks only. */
  release_lock(ticket: MdlTicket): void {
    this.system.operation(() => {
      if (ticket.duration !== enum_mdl_duration.MDL_EXPLICIT) {
        throw new Error(`MDL: release_lock() is for MDL_EXPLICIT tickets; ${ticket.toString()} is ${enum_mdl_duration[ticket.duration]}`);
      }
      this.releaseImpl(enum_mdl_duration.MDL_EXPLICIT, ticket);
    });
  }

  /** Releases one ticket of any duration (not a MySQL entry point; for callers that track tickets). */
  release_ticket(ticket: MdlTicket): void {
    this.system.operation(() => this.releaseImpl(ticket.duration, ticket));
  }

  /** MDL_context::release_locks_stored_before() */
  private release_locks_stored_before(duration: enum_mdl_duration, sentinel: MdlTicket | null): void {
    const list = this.tickets[duration];
    while (list.length > 0 && list[0] !== sentinel) this.releaseImpl(duration, list[0]!);
  }

  /** MDL_context::release_statement_locks() */
  release_statement_locks(): void {
    this.system.operation(() => this.release_locks_stored_before(enum_mdl_duration.MDL_STATEMENT, null));
  }

  /** MDL_context::release_transactional_locks(): statement and transaction locks. */
  release_transactional_locks(): void {
    this.system.operation(() => {
      this.release_locks_stored_before(enum_mdl_duration.MDL_STATEMENT, null);
      this.release_locks_stored_before(enum_mdl_duration.MDL_TRANSACTION, null);
    });
  }

  /** MDL_context::release_all_locks_for_name(): every explicit ticket on the same lock. */
  release_all_locks_for_name(name: MdlTicket): void {
    this.system.operation(() => {
      for (const t of [...this.tickets[enum_mdl_duration.MDL_EXPLICIT]]) {
        if (t.lock === name.lock) this.releaseImpl(enum_mdl_duration.MDL_EXPLICIT, t);
      }
    });
  }

  /** MDL_context::mdl_savepoint() */
  mdl_savepoint(): MdlSavepoint {
    return {
      stmtTicket: this.tickets[enum_mdl_duration.MDL_STATEMENT][0] ?? null,
      transTicket: this.tickets[enum_mdl_duration.MDL_TRANSACTION][0] ?? null,
    };
  }

  /** MDL_context::rollback_to_savepoint() */
  rollback_to_savepoint(sp: MdlSavepoint): void {
    this.system.operation(() => {
      this.release_locks_stored_before(enum_mdl_duration.MDL_STATEMENT, sp.stmtTicket);
      this.release_locks_stored_before(enum_mdl_duration.MDL_TRANSACTION, sp.transTicket);
    });
  }

  /** MDL_context::has_lock(): false iff the ticket was acquired after the savepoint (non-explicit). */
  has_lock(sp: MdlSavepoint, ticket: MdlTicket): boolean {
    for (const t of this.tickets[enum_mdl_duration.MDL_STATEMENT]) {
      if (t === sp.stmtTicket) break;
      if (t === ticket) return false;
    }
    for (const t of this.tickets[enum_mdl_duration.MDL_TRANSACTION]) {
      if (t === sp.transTicket) break;
      if (t === ticket) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- durations

  /** MDL_context::set_lock_duration(): a TRANSACTION ticket to another duration (updates P_S). */
  set_lock_duration(ticket: MdlTicket, duration: enum_mdl_duration): void {
    if (ticket.duration !== enum_mdl_duration.MDL_TRANSACTION || duration === enum_mdl_duration.MDL_TRANSACTION) {
      throw new Error("MDL: set_lock_duration() changes a MDL_TRANSACTION ticket to another duration");
    }
    this.storeRemove(enum_mdl_duration.MDL_TRANSACTION, ticket);
    this.storePushFront(duration, ticket);
    ticket.psiDuration = duration;
  }

  /**
   * MDL_context::set_explicit_duration_for_all_locks() (MDL_ticket_store::
   * move_all_to_explicit_duration): used by LOCK TABLES, FTWRL. P_S LOCK_DURATION is NOT updated.
   */
  set_explicit_duration_for_all_locks(): void {
    const [stmt, trans, expl] = this.tickets;
    const newExplicit = trans; // swap EXPLICIT and TRANSACTION lists
    const lists = [stmt, expl];
    for (const list of lists) {
      while (list.length > 0) {
        const t = list.shift()!;
        newExplicit.unshift(t);
      }
    }
    this.tickets[enum_mdl_duration.MDL_STATEMENT] = [];
    this.tickets[enum_mdl_duration.MDL_TRANSACTION] = [];
    this.tickets[enum_mdl_duration.MDL_EXPLICIT] = newExplicit;
    for (const t of newExplicit) t.duration = enum_mdl_duration.MDL_EXPLICIT;
  }

  /**
   * MDL_context::set_transaction_duration_for_all_locks() (move_explicit_to_transaction_duration):
   * UNLOCK TABLES under an active transaction. Requires no statement locks.
   */
  set_transaction_duration_for_all_locks(): void {
    if (this.tickets[enum_mdl_duration.MDL_STATEMENT].length > 0) {
      throw new Error("MDL: set_transaction_duration_for_all_locks() with statement locks present");
    }
    const oldTrans = this.tickets[enum_mdl_duration.MDL_TRANSACTION];
    const newTrans = this.tickets[enum_mdl_duration.MDL_EXPLICIT];
    while (oldTrans.length > 0) newTrans.unshift(oldTrans.shift()!);
    this.tickets[enum_mdl_duration.MDL_TRANSACTION] = newTrans;
    this.tickets[enum_mdl_duration.MDL_EXPLICIT] = [];
    for (const t of newTrans) t.duration = enum_mdl_duration.MDL_TRANSACTION;
  }

  toString(): string {
    return this.name;
  }
}

export { MdlLock };
