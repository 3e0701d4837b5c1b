/**
 * InnoDB 8.0's purge: the background threads that remove what a committed UPDATE left behind.
 * An UPDATE of a secondary index column (oltp_update_index: `SET k=k+1`) delete-marks the old
 * (k, id) entry of the secondary index and inserts the new one; the old entry stays until purge
 * reads the update's undo record and removes it (row0purge.cc row_purge_upd_exist_or_extern ->
 * row_purge_remove_sec_if_poss -> row_purge_remove_sec_if_poss_low: a B-tree search of the
 * secondary index, row_purge_poss_sec / row_vers_old_has_index_entry against the clustered
 * record, btr_cur_optimistic_delete). That work runs in mysqld, so in its cgroup: it burns quota
 * and counts in srv_cpu_usage, off the transaction's own path.
 *
 * Followed source (mysql-server 8.0.27, storage/innobase/srv/srv0srv.cc, trx/trx0purge.cc):
 * - `srv_purge_coordinator_thread`: loops `srv_do_purge`; when the last call purged nothing it
 *   suspends in `srv_purge_coordinator_suspend`: `os_event_wait_time_low(slot->event,
 *   SRV_PURGE_MAX_TIMEOUT = 10000 µs)` (skipped if the history grew since the last batch);
 *   after a timeout with an unchanged history < 5000 it waits without a timeout (not reached
 *   under load: modelled as the same timed wait).
 * - `srv_do_purge`: `n_use_threads` starts at `innodb_purge_threads`, +1 when the history grew
 *   since the last snapshot, -1 when it did not and the server was active
 *   (`srv_check_activity`); breaks when the history is empty; else `trx_purge(n_use_threads,
 *   innodb_purge_batch_size)`, again while the batch purged something.
 * - `trx_purge`: `trx_purge_attach_undo_recs` takes up to a batch of undo records (the source
 *   counts undo pages; here one record of a one-row transaction is one unit, UNVERIFIED), groups
 *   them by table id and gives each new table to the next thr round-robin; enqueues n-1 tasks
 *   (`srv_que_task_enqueue_low` -> `srv_release_threads(SRV_WORKER, 1)`), runs the first thr
 *   itself (`que_run_threads`), then `trx_purge_wait_for_workers_to_complete`: 9 x
 *   `std::this_thread::yield()` then `sleep_for(20 µs)`, until every task is done.
 * - `srv_worker_thread`: `os_event_wait(slot->event)`, `srv_task_execute`, repeat.
 * - Wake-ups: `trx_purge_add_update_undo_to_history` (at commit) calls
 *   `srv_wake_purge_thread_if_not_active` when `rseg_history_len > srv_n_purge_threads *
 *   srv_purge_batch_size`; `srv_master_do_active_tasks` once a second when it is > 0.
 *
 * Not modelled: the purge view (autocommit UPDATEs open no read view, so everything committed is
 * purgeable at once), undo truncation (`srv_purge_rseg_truncate_frequency`), `innodb_max_purge_lag`
 * (0 by default: no DML delay), latch contention between purge and the user threads.
 */
import type { Kernel } from "../../kernel/kernel.js";
import type { SimThread } from "../../kernel/thread.js";
import { US, type Ns } from "../../kernel/time.js";
import { OsEvent } from "../../sync/os-event.js";
import { codeCost } from "../costs.js";
import type { SystemVariables } from "../sysvars.js";
import type { RedoLog } from "./redo.js";

/** Redo bytes of one purge mini-transaction (the secondary entry's delete), UNVERIFIED. */
export const PURGE_MTR_BYTES = 60;

/** SRV_PURGE_MAX_TIMEOUT (srv0srv.cc), µs */
export const SRV_PURGE_MAX_TIMEOUT_US = 10_000;

export interface PurgeCosts {
  /** std::this_thread::yield(): a sched_yield syscall (system), UNVERIFIED */
  yieldNs: Ns;
  /** os_event_set + the futex wake of one suspended purge thread (system), UNVERIFIED: as the redo log's */
  wakeNs: Ns;
  /** going to sleep on the slot event (system), UNVERIFIED: as the redo log's eventWaitNs */
  waitNs: Ns;
  /** Linux's timer slack on the 20 µs sleep_for and the timed wait (as the redo log's) */
  timerSlackNs: Ns;
}

export const DEFAULT_PURGE_COSTS: PurgeCosts = { yieldNs: 500, wakeNs: 1700, waitNs: 1000, timerSlackNs: 50 * US };

export interface PurgeStats {
  /** undo records added to the history (committed updates) */
  added: number;
  /** undo records purged */
  purged: number;
  /** trx_purge batches */
  batches: number;
  /** tasks handed to srv_worker threads */
  tasks: number;
  /** coordinator wake-ups by srv_wake_purge_thread_if_not_active */
  wakeups: number;
}

interface Task {
  /** records of the task (their table ids are irrelevant once grouped) */
  n: number;
  done: boolean;
}

/** Labels of the purge threads' CPU bursts (CpuMachine.labelNs). */
export const PURGE_LABEL_ROW = "row_purge";

export class PurgeSys {
  /** trx_sys->rseg_history_len: committed undo logs not yet purged */
  historyLen = 0;
  readonly stats: PurgeStats = { added: 0, purged: 0, batches: 0, tasks: 0, wakeups: 0 };
  readonly costs: PurgeCosts;
  /** table id of each record in the history, oldest first */
  private readonly history: string[] = [];
  private readonly coordEvent: OsEvent;
  private coordActive = true;
  private readonly workerEvents: OsEvent[] = [];
  private readonly tasks: Task[] = [];
  private activity = 0;
  readonly threads: number;

  constructor(
    readonly kernel: Kernel,
    readonly redo: RedoLog,
    readonly vars: SystemVariables,
    costs?: Partial<PurgeCosts>,
  ) {
    this.costs = { ...DEFAULT_PURGE_COSTS, ...costs };
    this.threads = vars.int("innodb_purge_threads");
    this.coordEvent = new OsEvent(kernel, "purge_coordinator.slot.event");
  }

  /** Spawns srv_purge_coordinator_thread and innodb_purge_threads - 1 srv_worker_threads. */
  start(): void {
    const k = this.kernel;
    k.spawn("srv_purge_coordinator", (t) => this.coordinator(t), { daemon: true });
    for (let i = 1; i < this.threads; i++) {
      const ev = new OsEvent(k, `srv_worker${i}.slot.event`);
      this.workerEvents.push(ev);
      k.spawn(`srv_worker${i}`, (t) => this.worker(t, ev), { daemon: true });
    }
  }

  /**
   * trx_purge_add_update_undo_to_history at a commit that wrote update undo (table: its table, standing in for dict_table_t::id).
   * Returns the CPU the committer spends waking the coordinator (0 usually).
   */
  addUpdateUndoToHistory(table: string): Ns {
    this.history.push(table);
    this.historyLen++;
    this.stats.added++;
    this.activity++; // srv_active_wake_master_thread -> srv_inc_activity_count
    if (this.historyLen > this.threads * this.vars.int("innodb_purge_batch_size")) return this.wakeIfNotActive();
    return 0;
  }

  /** srv_wake_purge_thread_if_not_active (also called by the master thread once a second) */
  wakeIfNotActive(): Ns {
    if (this.coordActive || this.historyLen === 0) return 0;
    this.coordActive = true;
    this.stats.wakeups++;
    return this.coordEvent.set() > 0 ? this.costs.wakeNs : 0;
  }

  private *coordinator(t: SimThread) {
    let nTotalPurged = -1; // ULINT_UNDEFINED
    let lastHistory = this.historyLen;
    const st = { nUseThreads: 0, snapshot: 0 };
    for (;;) {
      if (nTotalPurged === 0) {
        // srv_purge_coordinator_suspend
        this.coordActive = false;
        const sig = this.coordEvent.reset();
        if (lastHistory <= this.historyLen) {
          yield t.cpu(this.costs.waitNs, "sys:futex_wait");
          yield t.acquire(this.coordEvent, sig, SRV_PURGE_MAX_TIMEOUT_US * US + this.costs.timerSlackNs);
        }
        this.coordActive = true;
      }
      const res = { purged: 0 };
      lastHistory = yield* this.doPurge(t, st, res);
      nTotalPurged = res.purged;
    }
  }

  /** srv_do_purge; returns the history length before the last batch */
  private *doPurge(t: SimThread, st: { nUseThreads: number; snapshot: number }, res: { purged: number }) {
    const n = this.threads;
    if (st.nUseThreads === 0) st.nUseThreads = n;
    let oldActivity = this.activity;
    for (;;) {
      if (this.historyLen > st.snapshot) {
        if (st.nUseThreads < n) st.nUseThreads++;
      } else if (this.activity !== oldActivity && st.nUseThreads > 1) {
        st.nUseThreads--;
        oldActivity = this.activity;
      }
      st.snapshot = this.historyLen;
      if (st.snapshot === 0) break;
      const purged = yield* this.trxPurge(t, st.nUseThreads);
      res.purged += purged;
      if (purged === 0) break;
    }
    return st.snapshot;
  }

  /** trx_purge(n_purge_threads, batch_size): returns the records purged */
  private *trxPurge(t: SimThread, nThreads: number) {
    const batch = this.history.splice(0, Math.min(this.history.length, this.vars.int("innodb_purge_batch_size")));
    if (batch.length === 0) return 0;
    this.stats.batches++;
    // trx_purge_attach_undo_recs: group by table id, each new table to the next thr
    const perThr = new Array<number>(nThreads).fill(0);
    const thrOf = new Map<string, number>();
    let i = 0;
    for (const table of batch) {
      let thr = thrOf.get(table);
      if (thr === undefined) {
        thr = i++ % nThreads;
        thrOf.set(table, thr);
      }
      perThr[thr]!++;
    }
    // enqueue thrs 2..n as tasks for the workers, releasing one worker each
    const mine: Task[] = [];
    for (let j = 1; j < nThreads; j++) {
      if (perThr[j] === 0) continue;
      const task: Task = { n: perThr[j]!, done: false };
      mine.push(task);
      this.tasks.push(task);
      this.stats.tasks++;
      yield* this.releaseWorker(t);
    }
    // the coordinator runs the first thr itself
    yield* this.runRecords(t, perThr[0]!);
    // trx_purge_wait_for_workers_to_complete
    let k = 0;
    while (mine.some((x) => !x.done)) {
      if (++k < 10) {
        yield t.cpu(this.costs.yieldNs, "sys:sched_yield");
      } else {
        if (this.tasks.length > 0) yield* this.releaseWorker(t);
        yield t.sleep(20 * US + this.costs.timerSlackNs);
        k = 0;
      }
    }
    this.historyLen -= batch.length;
    this.stats.purged += batch.length;
    return batch.length;
  }

  /** srv_release_threads(SRV_WORKER, 1): set the slot event of one suspended worker */
  private *releaseWorker(t: SimThread) {
    for (const ev of this.workerEvents) {
      if (ev.waiting > 0 && !ev.isSet) {
        ev.set(t);
        yield t.cpu(this.costs.wakeNs, "sys:futex_wake");
        return;
      }
    }
  }

  /** que_run_threads of one purge node: row_purge of each record, one mtr each */
  private *runRecords(t: SimThread, n: number) {
    for (let r = 0; r < n; r++) {
      yield t.cpu(codeCost(t, "row_purge"), PURGE_LABEL_ROW);
      yield* this.redo.mtrCommit(t, PURGE_MTR_BYTES);
    }
  }

  private *worker(t: SimThread, ev: OsEvent) {
    for (;;) {
      // srv_suspend_thread + os_event_wait(slot->event)
      const sig = ev.reset();
      if (this.tasks.length === 0) {
        yield t.cpu(this.costs.waitNs, "sys:futex_wait");
        yield t.acquire(ev, sig);
      }
      // srv_task_execute
      const task = this.tasks.shift();
      if (!task) continue;
      yield* this.runRecords(t, task.n);
      task.done = true;
    }
  }
}
