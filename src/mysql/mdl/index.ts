/**
 * mysqlsim MDL: MySQL 8.0's metadata-locking subsystem (sql/mdl.h, sql/mdl.cc) as a pure,
 * synchronous, deterministic model. No simulation-kernel dependency, no clocks, no randomness.
 *
 * API (MySQL names for MySQL functions, camelCase for the model's own entry points):
 *
 *   const sys = new MdlSystem({ maxWriteLockCount?, deadlockWeights?, listener? });
 *   const ctx = sys.createContext(name, threadId?);                 // MDL_context
 *   const req = mdlRequest("TABLE", "test", "t1", "SR", "TRANSACTION");
 *
 *   ctx.acquire_lock(req, { noWait? }): MdlAcquireResult
 *       GRANTED {ticket} | PENDING {ticket} | VICTIM (ER_LOCK_DEADLOCK, requester chosen at once)
 *       | TIMEOUT (only with noWait, i.e. lock_wait_timeout=0 / try_acquire_lock)
 *   ctx.upgrade_shared_lock(ticket, newType): MdlAcquireResult       // SU->SNW->X, SNRW->X, SU->X
 *   ctx.downgrade_lock(ticket, newType)
 *   ctx.release_lock(ticket)                    // MDL_EXPLICIT tickets (HANDLER, GET_LOCK, FTWRL)
 *   ctx.release_ticket(ticket)                  // any duration (model convenience)
 *   ctx.release_statement_locks() / ctx.release_transactional_locks()
 *   ctx.release_all_locks_for_name(ticket)
 *   ctx.mdl_savepoint() / ctx.rollback_to_savepoint(sp)
 *   ctx.set_lock_duration(ticket, d) / set_explicit_duration_for_all_locks()
 *       / set_transaction_duration_for_all_locks()
 *   ctx.set_force_dml_deadlock_weight(b) / ctx.set_needs_thr_lock_abort(b)
 *   ctx.owns_equal_or_stronger_lock(key, type)
 *
 *   sys.abortWait(ctx, "TIMEOUT" | "KILLED"): MdlWaitStatus   // timed_wait() timed out / KILL
 *   sys.finishWait(ctx): MdlWaitStatus                        // the waiter wakes after victim()
 *   sys.metadataLocks(): MetadataLockRow[]                    // performance_schema.metadata_locks
 *   sys.waitState(ctx): string | null                         // processlist STATE while waiting
 *   sys.setMaxWriteLockCount(n)
 *
 * Waiting happens outside this module. A PENDING result means "the caller's thread now blocks".
 * The module then reports, through MdlWaitListener (the equivalent of MDL_wait::set_status()):
 *   granted(ctx, ticket)  - the request was granted (already moved to the granted list);
 *   victim(ctx)           - another context's deadlock search chose ctx; ctx's ticket stays
 *                           queued (as in MySQL) until its thread runs and calls finishWait(ctx),
 *                           which returns "VICTIM" -> ER_LOCK_DEADLOCK;
 *   notify_shared_lock?() - an X request found S/SH holders (HANDLER thr_lock abort hook).
 * Notifications are delivered after the operation that caused them completes (and after its
 * invariant checks), in order; listeners may call back into the system.
 *
 * Invariant violations throw Error("MDL invariant violated: ...").
 */
export * from "./types.js";
export * from "./matrices.js";
export { MdlTicket, MdlLock, TicketList, DEADLOCK_WEIGHTS_80, DEADLOCK_WEIGHTS_57, type DeadlockWeights, type MdlWaitForGraphVisitor } from "./lock.js";
export {
  MdlContext,
  Deadlock_detection_visitor,
  Wait_for_flush,
  waitStatusError,
  type MdlRequest,
  type MdlAcquireResult,
  type MdlSavepoint,
} from "./context.js";
export { MdlSystem, mdlRequest, type MdlWaitListener, type MdlSystemOptions, type MetadataLockRow, type DeadlockRecord } from "./system.js";
export * from "./rules.js";
export * from "./statements.js";
