import type { CodePathCosts, Kernel } from "../kernel/kernel.js";
import { Op, type Effect, type SimThread } from "../kernel/thread.js";
import { US, type Ns } from "../kernel/time.js";

/**
 * The CPU cost of MySQL's code paths: the one table every model takes its time from, so that
 * every simulated thread spends CPU while it runs server code, can be preempted inside a code
 * path, and a race that needs a window of time has one. docs/kernel.md ("Time on every code
 * path") prints this table.
 *
 * Each figure is a median. Every use draws the actual cost from a log-normal around it with
 * sigma COST_JITTER_SIGMA, from the seeded "cost" stream (cache misses, branch mispredictions,
 * frequency changes: the same code never takes the same time twice). "estimated" means an order
 * of magnitude for a modern x86 server CPU, not a measurement of MySQL; where a source gives a
 * figure it is named.
 */
export interface CodePathCost {
  ns: Ns;
  /** where the figure comes from */
  source: string;
}

export const CODE_PATH_COSTS = {
  // ---- pthread / mysys primitives (the kernel charges them before the effect they lead to)
  mysql_mutex_lock: { ns: 40, source: "estimated: an uncontended pthread_mutex_lock is one atomic compare-and-swap (20-100 ns depending on where the cache line is)" },
  mysql_mutex_unlock: { ns: 25, source: "estimated: one atomic store/exchange, plus a futex wake only when a waiter exists (charged to the waiter's wake-up)" },
  mysql_cond_wait: {
    ns: 150,
    source:
      "estimated: from the caller's check of its condition to being registered as a waiter: inline_mysql_cond_wait's PSI start_cond_wait (5.6's start_cond_wait_v1 returns at `if (! pfs_cond->m_enabled)`: wait/synch/cond instruments are off by default), then glibc's pthread_cond_wait up to the point a signaller sees it: before glibc 2.25 (the systems 5.6.10 ran on) lll_lock(cond->__data.__lock), which pthread_cond_signal also takes before `if (__total_seq > __wakeup_seq)`; from 2.25 __condvar_fetch_add_wseq_acquire. A few dozen instructions and one or two cache-line transfers; a signal before that point is lost",
  },
  mysql_cond_signal: { ns: 80, source: "estimated: glibc pthread_cond_signal reads __wseq/__g_size; with no waiter it returns (the signal is lost)" },
  mysql_cond_broadcast: { ns: 100, source: "estimated: as mysql_cond_signal, for every group" },
  os_event_wait: { ns: 150, source: "estimated: os_event::wait_low takes the event's mutex and checks signal_count before pthread_cond_wait" },
  os_event_set: { ns: 100, source: "estimated: os_event::set takes the event's mutex and broadcasts" },
  rw_lock: { ns: 40, source: "estimated: one atomic on the lock word" },
  semaphore: { ns: 40, source: "estimated: one atomic" },
  // ---- SQL layer (src/mysql/sql/execute.ts)
  dispatch_command: {
    ns: 8 * US,
    source: "estimated: reading the packet, dispatch_command, mysql_parse of a short statement",
  },
  open_and_lock_tables: { ns: 4 * US, source: "estimated: MDL_context::acquire_lock fast path, table cache lookup, thr_lock/handler external_lock" },
  mysql_execute_command: { ns: 50 * US, source: "estimated (the figure the models used before this table): executing a simple statement" },
  trans_commit: { ns: 5 * US, source: "estimated: trans_commit / ha_commit_trans bookkeeping outside the engine and the binlog" },
  // ---- the client protocol over a Unix socket (system time: labelled "sys:" by the caller)
  vio_read: {
    ns: 9_770,
    source:
      "derived with vio_write, re-derived on branch issue-22-glibc: the seed's stime_abs 15.32 at 3,462.61 TPS is 0.1532 s / 3,462.61 = 44.25 µs of system time per transaction; the model's other system time in the seed's default state (glibc 2.33, log_bin ON, 64 threads, 6 CPUs, CPUQuota=100%; seeds 1-3, 2 s + 10 s: context switches 8.4, futex_wake 6.6-6.8, futex_wait 2.6-2.7, pwrite/fsync/write 0.9, sched_yield 0.3-0.5) is 19.01 / 19.07 / 19.09 µs, mean 19.06, leaving 25.19 µs (a mean; the log-normal jitter's mean is the median x exp(0.25^2/2) = x1.0317, so medians 24.42 µs) for the socket syscalls, split 40:60 (an estimate) between the recv of the query packet (vio_read -> recv) and the send: 9.77 / 14.65 µs. Before (the model of the first derivation: ~28-32 µs of other system time) it was 5 / 7 µs; docs/cpu-and-redo.md",
  },
  vio_write: { ns: 14_650, source: "derived with vio_read (see there, 60% of the socket syscalls' 24.42 µs): sending the OK packet (net_flush -> vio_write -> send, waking the client)" },
  // ---- InnoDB row work (src/mysql/innodb/commit80.ts)
  row_update_for_mysql: {
    ns: 55 * US,
    source: "derived with row_purge: the seed's n_cpu=1 build does 4,677 TPS on one CPU = 214 µs of CPU per transaction all-in; the row work is what is left after every other non-spinning cost of the sysbench oltp_update_index path at n_cpu=1 with log_bin ON (95 µs, docs/cpu-and-redo.md, 'Per-transaction CPU'), less purge's mtr_commit (3 µs): 92 µs, split between the update and purge by their B-tree operations (an estimate): the update's row_search_mvcc by primary key + row_upd_clust_step in place + undo, row_upd_sec_index_entry's search and delete-mark of the old (k,id) entry, row_ins_sec_index_entry's search and insert of the new one (3 of 5); purge's clustered lookup and secondary search + delete (2 of 5). It is the whole statement execution: mysql_execute_command is not charged on top",
  },
  row_purge: {
    ns: 37 * US,
    source: "derived with row_update_for_mysql (see there; 2 of the 5 B-tree operations of the row work, an estimate): row_purge_parse_undo_rec, row_purge_reposition_pcur on the clustered index, row_purge_remove_sec_if_poss (row_search_index_entry, row_purge_poss_sec / row_vers_old_has_index_entry, btr_cur_optimistic_delete), in a purge thread (src/mysql/innodb/purge.ts)",
  },
  // ---- binary log (src/mysql/binlog/binlog.ts)
  enroll_for: { ns: 150, source: "estimated: Stage_manager::enroll_for appends to the stage queue under its lock" },
  flush_thread_caches: { ns: 3 * US, source: "estimated: binlog_cache_data::flush of a small transaction's cache (a few hundred bytes)" },
  inc_prep_xids: { ns: 50, source: "estimated: my_atomic_add32 on a line other CPUs write" },
  dec_prep_xids: { ns: 50, source: "estimated: my_atomic_add32 on a line other CPUs write" },
  get_prep_xids: { ns: 50, source: "estimated: my_atomic_load32 of a line other CPUs write (a cache miss)" },
  new_file_impl: { ns: 50 * US, source: "estimated: closing the old binlog, writing the index, opening the new file (the file I/O itself is charged to the disk)" },
  // ---- InnoDB (src/mysql/innodb/trx.ts)
  trx_prepare: { ns: 5 * US, source: "estimated: trx_prepare writes the prepare undo/redo records" },
  trx_commit_low: { ns: 5 * US, source: "estimated: trx_commit_low / trx_commit_in_memory, releasing row locks of a one-row transaction" },
} as const satisfies Record<string, CodePathCost>;

export type CodePath = keyof typeof CODE_PATH_COSTS;

/** The spread of every cost around its median (sigma of the underlying normal): about ±25 %. */
export const COST_JITTER_SIGMA = 0.25;

/**
 * The jittered cost of one run of a code path. Draws from the run's "cost" stream, so the same
 * seed gives the same costs and adding a code path changes no other stream.
 */
export function codeCost(t: SimThread, path: CodePath): Ns {
  return t.kernel.random.stream("cost").jitteredNs(CODE_PATH_COSTS[path].ns, COST_JITTER_SIGMA);
}

/**
 * The kernel's code-path costs for the server's own threads: the time of the pthread or mysys
 * call that leads into each lock, wait and signal. The test script's and the clients' own
 * waits (mailbox, reap, wait_state, DEBUG_SYNC, join) cost nothing: they are not server code.
 */
export function installCodePathCosts(kernel: Kernel): void {
  const rng = kernel.random.stream("cost");
  const costs: CodePathCosts = {
    label: "",
    before(_t: SimThread, e: Effect): Ns {
      const path = pathOf(e);
      if (path === null) return 0;
      costs.label = path;
      return rng.jitteredNs(CODE_PATH_COSTS[path].ns, COST_JITTER_SIGMA);
    },
  };
  kernel.codeCosts = costs;
}

function pathOf(e: Effect): CodePath | null {
  const obj = e.obj;
  if (obj === null) return null;
  const acquire = e.op === Op.Acquire;
  if (!acquire && e.op !== Op.Release) return null;
  switch (obj.kind) {
    case "mutex":
      return acquire ? "mysql_mutex_lock" : "mysql_mutex_unlock";
    case "cond":
      return acquire ? "mysql_cond_wait" : e.arg === "broadcast" ? "mysql_cond_broadcast" : "mysql_cond_signal";
    case "event":
      return acquire ? "os_event_wait" : "os_event_set";
    case "rwlock":
      return "rw_lock";
    case "semaphore":
      return "semaphore";
    default:
      return null;
  }
}
