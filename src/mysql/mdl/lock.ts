/**
 * MDL_ticket and MDL_lock, following MySQL 8.0 sql/mdl.cc (see types.ts for the copy read).
 *
 * "Fast path" (unobtrusive locks counted in MDL_lock::m_fast_path_state) is an optimisation in
 * MySQL; we model its semantics: a fast-path ticket is granted without touching m_granted, it is
 * taken only while no "obtrusive" request is granted or waiting on the lock, and it is
 * "materialized" into m_granted (appended, in MDL_context::materialize_fast_path_locks() order)
 * before its owner requests an obtrusive lock or starts waiting. Grants are identical to the
 * slow path (every unobtrusive type is compatible with every unobtrusive type, and all
 * incompatibilities of unobtrusive requests are with obtrusive types); what the fast path changes
 * is only the ORDER of m_granted, which the deadlock detector's depth-first search follows.
 * The atomics, flags (IS_DESTROYED, HAS_OBTRUSIVE, HAS_SLOW_PATH), LF_HASH pins and unused-object
 * cache are not modelled.
 */
import type { MdlContext } from "./context.js";
import {
  MDL_BIT,
  MDL_OBJECT_HOG_LOCK_TYPES,
  type Bitmap,
  type MdlLockStrategy,
  hasStrongerOrEqualType,
  strategyFor,
} from "./matrices.js";
import { enum_mdl_duration, enum_mdl_type, MdlNamespace, type MdlKey, describeKey, mdlTypeShort } from "./types.js";
import type { MdlSystem } from "./system.js";

/** Deadlock weights (MDL_wait_for_subgraph::DEADLOCK_WEIGHT_*). */
export interface DeadlockWeights {
  /** Commit-order waits (replication); not produced by this module. */
  CO: number;
  DML: number;
  ULL: number;
  DDL: number;
}

/**
 * 8.0 (later releases, copy read): CO=0, DML=25, ULL=50, DDL=100. Earlier 8.0 and 5.7 had DML=0
 * and no CO (per the conformance notes; the exact release of the change is UNVERIFIED). The
 * relative order DML < ULL < DDL, which is all victim choice among MDL waits depends on, is the same.
 */
export const DEADLOCK_WEIGHTS_80: DeadlockWeights = { CO: 0, DML: 25, ULL: 50, DDL: 100 };
export const DEADLOCK_WEIGHTS_57: DeadlockWeights = { CO: 0, DML: 0, ULL: 50, DDL: 100 };

let nextTicketId = 1;

export type TicketState = "waiting" | "granted" | "released";

/** MDL_ticket: a granted lock or a pending request. */
export class MdlTicket {
  /** Creation order; also the order of performance_schema rows. */
  readonly id: number;
  /** m_type (changes on upgrade/downgrade). */
  type: enum_mdl_type;
  /** m_duration (debug-only in MySQL). */
  duration: enum_mdl_duration;
  /** m_is_fast_path */
  isFastPath = false;
  state: TicketState = "waiting";
  /** For a request made by upgrade_shared_lock(): the ticket being upgraded. */
  upgradeOf: MdlTicket | null = null;
  /**
   * The LOCK_TYPE / LOCK_DURATION performance_schema shows. Set by mysql_mdl_create() at ticket
   * creation; upgrade_shared_lock()/downgrade_lock() do not update the type, and only
   * set_lock_duration() (not set_explicit_duration_for_all_locks()) updates the duration.
   */
  psiType: enum_mdl_type;
  psiDuration: enum_mdl_duration;
  /** MdlSystem.checkLockInvariants' scratch: the number of the check that last saw this ticket */
  checkMark = 0;

  constructor(
    readonly ctx: MdlContext,
    type: enum_mdl_type,
    duration: enum_mdl_duration,
    readonly lock: MdlLock,
  ) {
    this.id = nextTicketId++;
    this.type = type;
    this.duration = duration;
    this.psiType = type;
    this.psiDuration = duration;
  }

  get_type(): enum_mdl_type {
    return this.type;
  }
  get_ctx(): MdlContext {
    return this.ctx;
  }
  get_lock(): MdlLock {
    return this.lock;
  }
  get_key(): MdlKey {
    return this.lock.key;
  }

  /** MDL_ticket::has_stronger_or_equal_type() */
  has_stronger_or_equal_type(type: enum_mdl_type): boolean {
    return hasStrongerOrEqualType(this.lock.strategy, this.type, type);
  }

  /** MDL_ticket::is_incompatible_when_granted(): this (granted) ticket blocks a `type` request. */
  is_incompatible_when_granted(type: enum_mdl_type): boolean {
    return (MDL_BIT(this.type) & this.lock.incompatible_granted_types_bitmap()[type]!) !== 0;
  }

  /** MDL_ticket::is_incompatible_when_waiting(): this (pending) ticket blocks a `type` request. */
  is_incompatible_when_waiting(type: enum_mdl_type): boolean {
    return (MDL_BIT(this.type) & this.lock.incompatible_waiting_types_bitmap()[type]!) !== 0;
  }

  /** MDL_ticket::is_upgradable_or_exclusive() */
  is_upgradable_or_exclusive(): boolean {
    const t = this.type;
    return (
      t === enum_mdl_type.MDL_SHARED_UPGRADABLE ||
      t === enum_mdl_type.MDL_SHARED_NO_WRITE ||
      t === enum_mdl_type.MDL_SHARED_NO_READ_WRITE ||
      t === enum_mdl_type.MDL_EXCLUSIVE
    );
  }

  /**
   * MDL_ticket::get_deadlock_weight(): the weight of waiting for this ticket.
   * USER_LEVEL_LOCK -> ULL; GLOBAL namespace or type >= SU -> DDL; otherwise DML.
   */
  get_deadlock_weight(): number {
    const w = this.lock.system.deadlockWeights;
    if (this.lock.key.namespace === MdlNamespace.USER_LEVEL_LOCK) return w.ULL;
    if (this.lock.key.namespace === MdlNamespace.GLOBAL || this.type >= enum_mdl_type.MDL_SHARED_UPGRADABLE) return w.DDL;
    return w.DML;
  }

  /** MDL_ticket::accept_visitor() */
  accept_visitor(visitor: MdlWaitForGraphVisitor): boolean {
    return this.lock.visit_subgraph(this, visitor);
  }

  toString(): string {
    return `${mdlTypeShort(this.type)}(${describeKey(this.lock.key)})#${this.id}@${this.ctx.name}`;
  }
}

/** MDL_wait_for_graph_visitor */
export interface MdlWaitForGraphVisitor {
  enter_node(node: MdlContext): boolean;
  leave_node(node: MdlContext): void;
  inspect_edge(dest: MdlContext): boolean;
}

/** MDL_lock::Ticket_list: an ordered list plus the bitmap of the types in it. */
export class TicketList {
  readonly list: MdlTicket[] = [];
  private m_bitmap: Bitmap = 0;

  bitmap(): Bitmap {
    return this.m_bitmap;
  }
  is_empty(): boolean {
    return this.list.length === 0;
  }
  /** Adds to the BACK of the queue ("to ensure fairness among requests with the same priority"). */
  add_ticket(ticket: MdlTicket): void {
    this.list.push(ticket);
    this.m_bitmap |= MDL_BIT(ticket.type);
  }
  remove_ticket(ticket: MdlTicket): void {
    const i = this.list.indexOf(ticket);
    if (i < 0) throw new Error(`MDL invariant violated: ticket ${ticket.toString()} not in list`);
    this.list.splice(i, 1);
    this.clear_bit_if_not_in_list(ticket.type);
  }
  private clear_bit_if_not_in_list(type: enum_mdl_type): void {
    for (const t of this.list) if (t.type === type) return;
    this.m_bitmap &= ~MDL_BIT(type);
  }
  /** Recomputes the bitmap (used by invariant checks). */
  computedBitmap(): Bitmap {
    let b = 0;
    for (const t of this.list) b |= MDL_BIT(t.type);
    return b;
  }
}

/** MDL_lock: the lock object for one MDL_key. */
export class MdlLock {
  readonly strategy: MdlLockStrategy;
  /** m_granted */
  readonly m_granted = new TicketList();
  /** m_waiting */
  readonly m_waiting = new TicketList();
  /** Tickets granted on the "fast path" (the packed counters of m_fast_path_state), in grant order. */
  readonly fastPath = new Set<MdlTicket>();
  /** in the list of locks the current MDL operation touched (MdlSystem.touch) */
  touched = false;
  /** touches since the last full invariant scan (MdlSystem.checkLockInvariants) */
  checksSkipped = 0;
  /** m_obtrusive_locks_granted_waiting_count (slow-path obtrusive tickets, granted or waiting). */
  m_obtrusive_locks_granted_waiting_count = 0;
  /** m_hog_lock_count */
  m_hog_lock_count = 0;
  /** m_piglet_lock_count */
  m_piglet_lock_count = 0;
  /** m_current_waiting_incompatible_idx */
  m_current_waiting_incompatible_idx = 0;

  constructor(
    readonly key: MdlKey,
    readonly system: MdlSystem,
  ) {
    this.strategy = strategyFor(key.namespace);
  }

  incompatible_granted_types_bitmap(): readonly Bitmap[] {
    return this.strategy.grantedIncompatible;
  }

  incompatible_waiting_types_bitmap(): readonly Bitmap[] {
    return this.strategy.waitingIncompatible[this.m_current_waiting_incompatible_idx]!;
  }

  /** MDL_lock::get_incompatible_waiting_types_bitmap_idx() */
  get_incompatible_waiting_types_bitmap_idx(): number {
    const max = this.system.maxWriteLockCount;
    let idx = 0;
    if (this.m_piglet_lock_count >= max) idx += 1;
    if (this.m_hog_lock_count >= max) idx += 2;
    return idx;
  }

  /** MDL_lock::switch_incompatible_waiting_types_bitmap_if_needed() */
  switch_incompatible_waiting_types_bitmap_if_needed(): boolean {
    const newIdx = this.get_incompatible_waiting_types_bitmap_idx();
    if (this.m_current_waiting_incompatible_idx === newIdx) return false;
    this.m_current_waiting_incompatible_idx = newIdx;
    return true;
  }

  /** MDL_lock::is_affected_by_max_write_lock_count(): not for ACL_CACHE, only object strategy. */
  is_affected_by_max_write_lock_count(): boolean {
    return this.key.namespace !== MdlNamespace.ACL_CACHE && this.strategy.isAffectedByMaxWriteLockCount;
  }

  /** MDL_lock::is_obtrusive_lock() */
  is_obtrusive_lock(type: enum_mdl_type): boolean {
    return !this.strategy.unobtrusive[type];
  }

  /**
   * MDL_lock::count_piglets_and_hogs(): after granting `type`, count a granted "hog" (SNW, SNRW, X)
   * while non-hog requests wait, or a granted "piglet" (SW) while SRO waits. Returns true if the
   * priority matrix was switched.
   */
  count_piglets_and_hogs(type: enum_mdl_type): boolean {
    if ((MDL_BIT(type) & MDL_OBJECT_HOG_LOCK_TYPES) !== 0) {
      if ((this.m_waiting.bitmap() & ~MDL_OBJECT_HOG_LOCK_TYPES & 0xffff) !== 0) {
        this.m_hog_lock_count++;
        if (this.switch_incompatible_waiting_types_bitmap_if_needed()) return true;
      }
    } else if (type === enum_mdl_type.MDL_SHARED_WRITE) {
      if ((this.m_waiting.bitmap() & MDL_BIT(enum_mdl_type.MDL_SHARED_READ_ONLY)) !== 0) {
        this.m_piglet_lock_count++;
        if (this.switch_incompatible_waiting_types_bitmap_if_needed()) return true;
      }
    }
    return false;
  }

  /**
   * Bitmap of types granted on the fast path. As in object_lock_fast_path_granted_bitmap(), S and
   * SH count as S, SW and SWLP count as SW; for scoped locks only IX exists on the fast path.
   */
  fast_path_granted_bitmap(): Bitmap {
    let b = 0;
    for (const t of this.fastPath) {
      switch (t.type) {
        case enum_mdl_type.MDL_SHARED:
        case enum_mdl_type.MDL_SHARED_HIGH_PRIO:
          b |= MDL_BIT(enum_mdl_type.MDL_SHARED);
          break;
        case enum_mdl_type.MDL_SHARED_WRITE:
        case enum_mdl_type.MDL_SHARED_WRITE_LOW_PRIO:
          b |= MDL_BIT(enum_mdl_type.MDL_SHARED_WRITE);
          break;
        default:
          b |= MDL_BIT(t.type);
      }
    }
    return b;
  }

  /**
   * MDL_lock::can_grant_lock(): no waiting request of higher priority (current priority matrix),
   * and no granted incompatible lock owned by ANOTHER context.
   */
  can_grant_lock(type_arg: enum_mdl_type, requestor_ctx: MdlContext): boolean {
    const waiting_incompat_map = this.incompatible_waiting_types_bitmap()[type_arg]!;
    const granted_incompat_map = this.incompatible_granted_types_bitmap()[type_arg]!;
    if (this.m_waiting.bitmap() & waiting_incompat_map) return false;
    if (this.fast_path_granted_bitmap() & granted_incompat_map) {
      /* Conflicts with a fast-path lock: it cannot be ours (ours were materialized). */
      return false;
    }
    if (!(this.m_granted.bitmap() & granted_incompat_map)) return true;
    for (const ticket of this.m_granted.list) {
      if (ticket.ctx !== requestor_ctx && ticket.is_incompatible_when_granted(type_arg)) return false;
    }
    return true; /* Incompatible locks are our own. */
  }

  /**
   * MDL_lock::reschedule_waiters(): grant waiters in queue order (oldest first) when they can be
   * granted; after a grant that switches the priority matrix, restart from the head; afterwards
   * reset the hog/piglet counters when no lower-priority request is pending any more.
   */
  reschedule_waiters(): void {
    const waiting = this.m_waiting.list;
    let i = 0;
    while (i < waiting.length) {
      const ticket = waiting[i]!;
      if (this.can_grant_lock(ticket.type, ticket.ctx)) {
        if (!ticket.ctx.m_wait_set_status("GRANTED")) {
          this.m_waiting.remove_ticket(ticket);
          this.m_granted.add_ticket(ticket);
          ticket.state = "granted";
          this.system.onWaiterGranted(ticket);
          if (this.is_affected_by_max_write_lock_count()) {
            if (this.count_piglets_and_hogs(ticket.type)) {
              i = 0; /* it.rewind() */
              continue;
            }
          }
          continue; /* the list shifted: the next element is now at index i */
        }
        /* Wait slot already occupied (victim, timeout, kill): keep it in the queue. */
      }
      i++;
    }

    if (this.is_affected_by_max_write_lock_count()) {
      const wb = this.m_waiting.bitmap();
      if (this.m_current_waiting_incompatible_idx === 3) {
        const weak =
          ~(MDL_OBJECT_HOG_LOCK_TYPES | MDL_BIT(enum_mdl_type.MDL_SHARED_WRITE) | MDL_BIT(enum_mdl_type.MDL_SHARED_WRITE_LOW_PRIO)) & 0xffff;
        if ((wb & weak) === 0) {
          this.m_piglet_lock_count = 0;
          this.m_hog_lock_count = 0;
          this.m_current_waiting_incompatible_idx = 0;
        }
      } else {
        if ((wb & ~MDL_OBJECT_HOG_LOCK_TYPES & 0xffff) === 0) {
          this.m_hog_lock_count = 0;
          this.m_current_waiting_incompatible_idx &= ~2;
        }
        if ((wb & MDL_BIT(enum_mdl_type.MDL_SHARED_READ_ONLY)) === 0) {
          this.m_piglet_lock_count = 0;
          this.m_current_waiting_incompatible_idx &= ~1;
        }
      }
    }
  }

  /**
   * MDL_lock::remove_ticket(): remove from m_granted or m_waiting; when both lists become empty
   * reset the counters, otherwise reschedule waiters.
   */
  remove_ticket(which: "m_granted" | "m_waiting", ticket: MdlTicket): void {
    const isObtrusive = this.is_obtrusive_lock(ticket.type);
    this[which].remove_ticket(ticket);
    if (isObtrusive) this.m_obtrusive_locks_granted_waiting_count--;
    const lastSlowPath = this.m_granted.is_empty() && this.m_waiting.is_empty();
    if (lastSlowPath) {
      this.m_hog_lock_count = 0;
      this.m_piglet_lock_count = 0;
      this.m_current_waiting_incompatible_idx = 0;
    } else {
      this.reschedule_waiters();
    }
  }

  /** MDL_lock::has_pending_conflicting_lock() */
  has_pending_conflicting_lock(type: enum_mdl_type): boolean {
    return (this.m_waiting.bitmap() & this.incompatible_granted_types_bitmap()[type]!) !== 0;
  }

  /**
   * MDL_lock::visit_subgraph(): edges from the waiting ticket's context to the owners of granted
   * tickets incompatible with it and to the owners of waiting tickets that have priority over it.
   * All edges of the node are inspected first, then the search recurses (as in the source).
   */
  visit_subgraph(waiting_ticket: MdlTicket, gvisitor: MdlWaitForGraphVisitor): boolean {
    const src_ctx = waiting_ticket.ctx;
    /* A request whose wait status is already set (granted, victim, ...) is not a real edge. */
    if (src_ctx.m_wait_status !== "WS_EMPTY") return false;
    if (gvisitor.enter_node(src_ctx)) return true;

    const granted = this.grantedForGraph();
    const waiting = [...this.m_waiting.list];
    const type = waiting_ticket.type;
    let result = true;
    found: {
      for (const t of granted) {
        if (t.ctx !== src_ctx && t.is_incompatible_when_granted(type) && gvisitor.inspect_edge(t.ctx)) break found;
      }
      for (const t of waiting) {
        if (t.ctx !== src_ctx && t.is_incompatible_when_waiting(type) && gvisitor.inspect_edge(t.ctx)) break found;
      }
      for (const t of granted) {
        if (t.ctx !== src_ctx && t.is_incompatible_when_granted(type) && t.ctx.visit_subgraph(gvisitor)) break found;
      }
      for (const t of waiting) {
        if (t.ctx !== src_ctx && t.is_incompatible_when_waiting(type) && t.ctx.visit_subgraph(gvisitor)) break found;
      }
      result = false;
    }
    gvisitor.leave_node(src_ctx);
    return result;
  }

  /**
   * The granted tickets the wait-for graph sees: m_granted only. Fast-path tickets are absent from
   * the graph in MySQL too; their owners are not waiting (they materialize before waiting), so
   * they cannot be part of a cycle.
   */
  private grantedForGraph(): MdlTicket[] {
    return [...this.m_granted.list];
  }

  /** Every granted ticket, slow and fast path. */
  allGranted(): MdlTicket[] {
    return [...this.m_granted.list, ...this.fastPath];
  }

  is_unused(): boolean {
    return this.m_granted.is_empty() && this.m_waiting.is_empty() && this.fastPath.size === 0;
  }

  /**
   * Back in use after MdlSystem.dropIfUnused(): as a new MdlLock of the same key. dropIfUnused
   * left it unused with zero counters; what else a new one starts with is set again here.
   */
  reuse(): void {
    if (!this.is_unused() || this.m_hog_lock_count !== 0 || this.m_piglet_lock_count !== 0 || this.m_obtrusive_locks_granted_waiting_count !== 0) {
      throw new Error(`MDL invariant violated: reusing lock ${describeKey(this.key)} that is in use`);
    }
    this.checksSkipped = 0;
    this.m_current_waiting_incompatible_idx = 0;
  }

  toString(): string {
    return describeKey(this.key);
  }
}
