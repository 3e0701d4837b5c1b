import type { Kernel } from "../../kernel/kernel.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import { US } from "../../kernel/time.js";
import { codeCost } from "../costs.js";
import { InvariantViolation } from "../../kernel/kernel.js";
import { AtomicCounter } from "../../sync/atomic.js";
import { Cond } from "../../sync/cond.js";
import { Mutex } from "../../sync/mutex.js";
import { AdaptiveMutex, NptlCond, type NptlCosts, type SpinHost } from "../../sync/adaptive-mutex.js";
import type { Disk } from "../../machine/disk.js";
import type { SystemVariables } from "../sysvars.js";
import type { Thd } from "../thd.js";
import { binlogFollowerState } from "../thread-states.js";
import { mysqlError } from "../errors.js";

/**
 * MYSQL_BIN_LOG's group commit (sql/binlog.cc, binlog.h) as three versions have it:
 *
 * - "5.6.10"/"5.6.11" (bug #68569): dec_prep_xids() is an atomic decrement followed by
 *   mysql_cond_signal(&m_prep_xids_cond) WITHOUT a mutex, while new_file_impl() checks
 *   get_prep_xids() and waits on m_prep_xids_cond holding LOCK_commit. With binlog_order_commits
 *   OFF a committing thread can decrement and signal between the rotating thread's check and its
 *   wait: the signal is lost and the rotation waits forever holding LOCK_log.
 * - "5.6.12"/"5.7" (the fix, commit e9fea31): LOCK_xids guards the signal and the wait.
 * - "8.0": fixed; the stage manager is Commit_stage_manager (rpl_commit_stage_manager.cc).
 *
 * ordered_commit(): FLUSH stage (leader takes LOCK_log, flushes every queued thread's binlog
 * cache, counts its XID in m_prep_xids), SYNC stage (LOCK_sync, optional delay, fsync every
 * sync_binlog groups), COMMIT stage (binlog_order_commits=ON: the leader commits the group in
 * order under LOCK_commit; OFF: everyone commits itself in finish_commit), signal_done, then
 * rotation if the file passed max_binlog_size. Every yield is a point where another thread may
 * run; the ones the bug needs are where MySQL has no lock. Every code path takes CPU time from
 * src/mysql/costs.ts (the lock calls, waits and signals through the kernel's code-path costs),
 * so a thread can be preempted inside one: the window of bug #68569 is new_file_impl's
 * get_prep_xids() check followed by mysql_cond_wait's entry, before it is registered as a waiter.
 */
export type BinlogVersion = "5.6.10" | "5.6.11" | "5.6.12" | "5.7" | "8.0";

enum Stage {
  FLUSH = 0,
  SYNC = 1,
  COMMIT = 2,
}
const STAGE_NAME = ["FLUSH", "SYNC", "COMMIT"];

/** The binlog side of a transaction (THD::transaction.flags and the binlog cache). */
export interface BinlogTrx {
  /** bytes in the binlog cache */
  cacheBytes: number;
  /** transaction.flags.pending: waiting for a stage leader to finish it */
  pending: boolean;
  /** transaction.flags.commit_low: the engine commit is still to be done (by finish_commit) */
  commitLow: boolean;
  /** transaction.flags.xid_written: counted in m_prep_xids */
  xidWritten: boolean;
  /** position in the binlog the transaction was flushed at (file index, end offset) */
  binlogPos: [number, number] | null;
  /** its place in binlog order (assigned in the flush stage) */
  binlogSeq: number;
  /** the events in the binlog cache (their sizes add up to cacheBytes) */
  events: BinlogEvent[];
}

export interface EngineHooks {
  /** InnoDB prepare, before ordered_commit (ha_prepare_low) */
  prepare(t: SimThread, thd: Thd): Generator<Effect, void, unknown>;
  /** the flush-stage leader's redo flush for the group (5.7+: ha_flush_logs) */
  flushLogs(t: SimThread): Generator<Effect, void, unknown>;
  /** ha_commit_low: the engine commit */
  commitLow(t: SimThread, thd: Thd): Generator<Effect, void, unknown>;
}

/** One event of a binlog file, as SHOW BINLOG EVENTS lists it (Log_event::net_send / pack_info). */
export interface BinlogEvent {
  /** Event_type: Log_event::get_type_str() */
  type: string;
  /** bytes in the file: End_log_pos - Pos (docs/binlog.md says which sizes are exact) */
  size: number;
  info: string;
}

/** A written event: where it starts and ends. */
export interface WrittenEvent extends BinlogEvent {
  pos: number;
  end: number;
}

/** A binlog file (master-bin.000001 ...): its events in order; its size is the last event's end. */
export interface BinlogFile {
  name: string;
  events: WrittenEvent[];
  end: number;
}

/** BIN_LOG_HEADER_SIZE: the 4-byte magic at the start of every binlog file */
export const BIN_LOG_HEADER_SIZE = 4;

/**
 * Format_description_log_event's size with its CRC32 checksum, by version: the first event ends
 * at 120 (5.6), 123 (5.7), 125 (8.0), as SHOW BINLOG EVENTS on those servers shows.
 */
const FORMAT_DESC_BYTES = { "5.6": 116, "5.7": 119, "8.0": 121 } as const;
/** Previous_gtids_log_event of an empty GTID set: 19 header + 8 (n_sids = 0) + 4 checksum */
const PREVIOUS_GTIDS_EMPTY_BYTES = 31;
/** Rotate_log_event: 19 header + 8 (position) + the next file's name + 4 checksum */
const rotateEventBytes = (next: string): number => 19 + 8 + next.length + 4;

/** What the files are called and what their Format_description says. */
export interface BinlogFormat {
  /** --log-bin's base name (mysql-test-run: master-bin; a server without one: binlog on 8.0) */
  basename: string;
  /** Server ver: in Format_desc's Info */
  serverVersion: string;
  formatDescBytes: number;
}

/**
 * The mutexes and condition variables of the commit path as glibc >= 2.25 has them (machine.glibc,
 * src/sync/adaptive-mutex.ts): on 8.0, the ones the source initialises with MY_MUTEX_INIT_FAST
 * (PTHREAD_MUTEX_ADAPTIVE_NP: mysys/my_thr_init.cc my_thread_global_init) become AdaptiveMutex and
 * their condition variables NptlCond; without it every one is the kernel's Mutex / Cond.
 */
export interface NptlPrimitives {
  host: SpinHost;
  costs: NptlCosts;
}

type PMutex = Mutex | AdaptiveMutex;
type PCond = Cond | NptlCond;

export class MysqlBinLog {
  /** MY_MUTEX_INIT_SLOW in MYSQL_BIN_LOG::init_pthread_objects (8.0 binlog.cc): a normal mutex */
  readonly LOCK_log: Mutex;
  /** MY_MUTEX_INIT_FAST (8.0 binlog.cc init_pthread_objects) */
  readonly LOCK_sync: PMutex;
  /** MY_MUTEX_INIT_FAST (8.0 binlog.cc init_pthread_objects) */
  readonly LOCK_commit: PMutex;
  readonly LOCK_index: Mutex;
  /** only in fixed versions; MY_MUTEX_INIT_FAST in 8.0 */
  readonly LOCK_xids: PMutex | null;
  readonly m_prep_xids: AtomicCounter;
  readonly m_prep_xids_cond: PCond;
  /** Stage_manager: the done signal followers wait for (MY_MUTEX_INIT_FAST in Commit_stage_manager::init) */
  readonly LOCK_done: PMutex;
  /** 8.0: Commit_stage_manager::m_stage_cond_binlog */
  readonly m_cond_done: PCond;
  private readonly queues: Thd[][] = [[], [], []];
  private syncCounter = 0;

  /** the binlog index (the files RESET MASTER deletes); the last one is the active file */
  readonly files: BinlogFile[] = [];
  /** the active file's number (master-bin.000001 ...) */
  fileIndex = 0;
  /** global_sid_lock (rpl_gtid.h), write-locked by RESET MASTER as it clears gtid_executed */
  readonly global_sid_lock: Mutex;
  /** binlog sequence numbers in the order the engine committed them */
  readonly engineOrder: number[] = [];
  private binlogSeq = 0;
  /** leaderCommits / followerCommits: commits that led / followed in the FLUSH stage */
  readonly stats = { commits: 0, leaderCommits: 0, followerCommits: 0, flushGroups: 0, flushGroupMembers: 0, syncGroups: 0, commitGroups: 0, fsyncs: 0, rotations: 0, bytes: 0 };
  /**
   * For each rotation that found prepared transactions: ns from new_file_impl's first
   * get_prep_xids() > 0 to the decrement that took m_prep_xids to 0. The lost wake-up needs that
   * decrement (and its signal) inside the rotating thread's window, so how often this gap is
   * shorter than the window gives the hang's probability per rotation (bench/binlog-window.ts).
   */
  readonly rotationGapsNs: number[] = [];
  private rotationCheckAt = -1;

  readonly buggy: boolean;
  readonly stageManagerName: string;
  /** glibc >= 2.25 primitives on the 8.0 commit path (null: the kernel's) */
  readonly nptl: NptlPrimitives | null;

  constructor(
    readonly kernel: Kernel,
    readonly version: BinlogVersion,
    readonly vars: SystemVariables,
    readonly disk: Disk,
    readonly engine: EngineHooks,
    readonly format: BinlogFormat = { basename: "binlog", serverVersion: version, formatDescBytes: FORMAT_DESC_BYTES[version.startsWith("5.6") ? "5.6" : version.startsWith("8") ? "8.0" : "5.7"] },
    nptl: NptlPrimitives | null = null,
  ) {
    this.buggy = version === "5.6.10" || version === "5.6.11";
    this.stageManagerName = version === "8.0" ? "Commit_stage_manager" : "Stage_manager";
    this.nptl = version === "8.0" ? nptl : null;
    const n = this.nptl;
    const fast = (name: string): PMutex => (n ? new AdaptiveMutex(kernel, name, n.host, n.costs) : new Mutex(kernel, name));
    const cond = (name: string): PCond => (n ? new NptlCond(kernel, name, n.costs) : new Cond(kernel, name));
    this.LOCK_log = new Mutex(kernel, "LOCK_log");
    this.LOCK_sync = fast("LOCK_sync");
    this.LOCK_commit = fast("LOCK_commit");
    this.LOCK_index = new Mutex(kernel, "LOCK_index");
    this.LOCK_xids = this.buggy ? null : fast("LOCK_xids");
    this.m_prep_xids = new AtomicCounter("m_prep_xids", 0, 0);
    this.m_prep_xids_cond = cond("m_prep_xids_cond");
    this.LOCK_done = fast(`${this.stageManagerName}::m_lock_done`);
    this.m_cond_done = cond(n ? `${this.stageManagerName}::m_stage_cond_binlog` : `${this.stageManagerName}::m_cond_done`);
    this.global_sid_lock = new Mutex(kernel, "global_sid_lock");
    this.open_binlog(1);
  }

  /** the active file's size: where the next event goes */
  get fileBytes(): number {
    return this.active.end;
  }

  get active(): BinlogFile {
    return this.files[this.files.length - 1]!;
  }

  /** the active file's name, as SHOW MASTER STATUS's File */
  fileName(index = this.fileIndex): string {
    return `${this.format.basename}.${String(index).padStart(6, "0")}`;
  }

  /**
   * MYSQL_BIN_LOG::open_binlog(): a new file with the magic, Format_description_log_event and
   * Previous_gtids_log_event (5.6+; the GTID set of the files before it, empty here).
   */
  private open_binlog(index: number): void {
    this.fileIndex = index;
    const file: BinlogFile = { name: this.fileName(index), events: [], end: BIN_LOG_HEADER_SIZE };
    this.files.push(file);
    this.append(file, { type: "Format_desc", size: this.format.formatDescBytes, info: `Server ver: ${this.format.serverVersion}, Binlog ver: 4` });
    this.append(file, { type: "Previous_gtids", size: PREVIOUS_GTIDS_EMPTY_BYTES, info: "" });
  }

  private append(file: BinlogFile, e: BinlogEvent): void {
    // the fields named, not spread: a long load appends millions of these (the spread was the
    // load's top self-time entry) and every one is kept for SHOW BINLOG EVENTS
    file.events.push({ type: e.type, size: e.size, info: e.info, pos: file.end, end: file.end + e.size });
    file.end += e.size;
  }

  static trxOf(thd: Thd): BinlogTrx {
    return ((thd.ext.binlog as BinlogTrx | undefined) ??= { cacheBytes: 0, pending: false, commitLow: false, xidWritten: false, binlogPos: null, binlogSeq: -1, events: [] });
  }

  // ------------------------------------------------------------------ commit

  /** TC_LOG_BIN::commit -> MYSQL_BIN_LOG::ordered_commit for a transaction with changes */
  *commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    const trx = MysqlBinLog.trxOf(thd);
    yield* this.engine.prepare(t, thd);
    trx.pending = true;
    trx.commitLow = true;
    trx.xidWritten = false;
    trx.binlogPos = null;
    yield* this.ordered_commit(t, thd);
    // a commit returns only once its transaction is in the binlog and committed in the engine
    if (trx.binlogPos === null || trx.commitLow || trx.pending) {
      throw new InvariantViolation(`${thd.name} returned from commit before its transaction was ${trx.binlogPos === null ? "in the binlog" : "committed"}`);
    }
    trx.cacheBytes = 0;
    this.stats.commits++;
  }

  /** MYSQL_BIN_LOG::ordered_commit */
  *ordered_commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    // Stage #1: flushing transactions to the binary log
    if (yield* this.change_stage(t, thd, Stage.FLUSH, [thd], null, this.LOCK_log)) return yield* this.finish_commit(t, thd);
    const flushQueue = this.fetch_queue_for(Stage.FLUSH);
    const { totalBytes, doRotate } = yield* this.process_flush_stage_queue(t, flushQueue);
    yield* this.disk.write(t, totalBytes, "binlog flush_io_cache");
    if (this.kernel.trace.enabled) this.trace(t, "binlog.stage", { stage: "FLUSH", leader: thd.name, group_size: flushQueue.length, bytes: totalBytes });
    yield t.syncPoint("bgc_after_flush_stage_before_sync_stage");

    // Stage #2: syncing the binary log file to disk
    if (yield* this.change_stage(t, thd, Stage.SYNC, flushQueue, this.LOCK_log, this.LOCK_sync)) return yield* this.finish_commit(t, thd);
    const syncPeriod = this.vars.int("sync_binlog");
    if (syncPeriod > 0 && this.syncCounter + 1 >= syncPeriod) yield* this.wait_count_or_timeout(t);
    const finalQueue = this.fetch_queue_for(Stage.SYNC);
    this.stats.syncGroups++;
    yield* this.sync_binlog_file(t);
    if (this.kernel.trace.enabled) this.trace(t, "binlog.stage", { stage: "SYNC", leader: thd.name, group_size: finalQueue.length });

    // Stage #3: committing the transactions in the storage engines
    if (this.vars.bool("binlog_order_commits")) {
      if (yield* this.change_stage(t, thd, Stage.COMMIT, finalQueue, this.LOCK_sync, this.LOCK_commit)) return yield* this.finish_commit(t, thd);
      const commitQueue = this.fetch_queue_for(Stage.COMMIT);
      this.stats.commitGroups++;
      yield* this.process_commit_stage_queue(t, commitQueue);
      if (this.kernel.trace.enabled) this.trace(t, "binlog.stage", { stage: "COMMIT", leader: thd.name, group_size: commitQueue.length });
      yield* this.unlock(t, this.LOCK_commit);
      yield* this.signal_done(t, commitQueue);
    } else {
      yield* this.unlock(t, this.LOCK_sync);
      yield* this.signal_done(t, finalQueue);
    }
    yield* this.finish_commit(t, thd);
    // DBUG_EVALUATE_IF("force_rotate", 1, 0) || do_rotate
    if (doRotate || this.forceRotate(thd)) {
      yield t.syncPoint("ready_to_do_rotation");
      yield t.acquire(this.LOCK_log);
      yield* this.rotate(t, thd, false);
      yield t.release(this.LOCK_log);
    }
  }

  /**
   * Stage_manager::enroll_for + change_stage: queue the group for the stage; the thread that
   * found the queue empty leads it (and takes the stage's mutex), the others wait for done.
   * Returns true for a follower (its commit was done by a leader).
   */
  private *change_stage(t: SimThread, thd: Thd, stage: Stage, group: Thd[], leave: PMutex | null, enter: PMutex): Generator<Effect, boolean, unknown> {
    yield t.cpu(codeCost(t, "enroll_for"), "enroll_for");
    const leader = this.queues[stage]!.length === 0;
    if (stage === Stage.FLUSH) {
      if (leader) this.stats.leaderCommits++;
      else this.stats.followerCommits++;
    }
    this.queues[stage]!.push(...group);
    if (leave) yield* this.unlock(t, leave);
    if (stage === Stage.FLUSH) yield t.syncPoint("bgc_after_enrolling_for_flush_stage");
    if (!leader) {
      if (stage === Stage.FLUSH) thd.state = this.waitState();
      if (this.kernel.trace.enabled) this.trace(t, "binlog.follower", { stage: STAGE_NAME[stage] });
      const trx = MysqlBinLog.trxOf(thd);
      yield* this.lock(t, this.LOCK_done);
      while (trx.pending) yield* this.condWait(t, this.m_cond_done, this.LOCK_done);
      yield* this.unlock(t, this.LOCK_done);
      return true;
    }
    yield* this.lock(t, enter);
    return false;
  }

  private fetch_queue_for(stage: Stage): Thd[] {
    return this.queues[stage]!.splice(0);
  }

  /** process_flush_stage_queue: the leader writes each thread's cache; its XID becomes prepared. */
  private *process_flush_stage_queue(t: SimThread, queue: Thd[]): Generator<Effect, { totalBytes: number; doRotate: boolean }, unknown> {
    this.stats.flushGroups++;
    this.stats.flushGroupMembers += queue.length;
    // 5.7.6+: the leader flushes InnoDB's redo for the whole group before writing the binlog
    if (this.version !== "5.6.10" && this.version !== "5.6.11" && this.version !== "5.6.12") yield* this.engine.flushLogs(t);
    let totalBytes = 0;
    for (const head of queue) {
      const trx = MysqlBinLog.trxOf(head);
      yield t.cpu(codeCost(t, "flush_thread_caches"), "flush_thread_caches");
      totalBytes += trx.cacheBytes;
      // MYSQL_BIN_LOG::write_cache: the session's cached events go to the active file in order
      for (const e of trx.events) this.append(this.active, e);
      trx.events = [];
      trx.binlogPos = [this.fileIndex, this.fileBytes];
      trx.binlogSeq = this.binlogSeq++;
      trx.xidWritten = true;
      yield t.cpu(codeCost(t, "inc_prep_xids"), "inc_prep_xids");
      this.m_prep_xids.add(1); // inc_prep_xids
      if (this.kernel.trace.enabled) this.trace(t, "binlog.prep_xids", { op: "inc", value: this.m_prep_xids.value, thd: head.name });
    }
    this.stats.bytes += totalBytes;
    return { totalBytes, doRotate: this.fileBytes >= this.vars.int("max_binlog_size") };
  }

  /** Stage_manager::wait_count_or_timeout: binlog_group_commit_sync_delay / _no_delay_count */
  private *wait_count_or_timeout(t: SimThread): Generator<Effect, void, unknown> {
    const delayUs = this.vars.int("binlog_group_commit_sync_delay");
    const count = this.vars.int("binlog_group_commit_sync_no_delay_count");
    if (delayUs <= 0 || this.version.startsWith("5.6")) return;
    const step = Math.max(1, Math.floor(delayUs / 10)) * US;
    for (let waited = 0; waited < delayUs * US; waited += step) {
      if (count > 0 && this.queues[Stage.SYNC]!.length >= count) return;
      yield t.sleep(step);
    }
  }

  /** sync_binlog_file: fsync every sync_binlog groups */
  private *sync_binlog_file(t: SimThread): Generator<Effect, void, unknown> {
    const period = this.vars.int("sync_binlog");
    if (period === 0) return;
    if (++this.syncCounter >= period) {
      this.syncCounter = 0;
      this.stats.fsyncs++;
      yield* this.disk.fsync(t, "binlog fsync");
    }
  }

  /** process_commit_stage_queue: the leader commits every member in order (binlog_order_commits=ON) */
  private *process_commit_stage_queue(t: SimThread, queue: Thd[]): Generator<Effect, void, unknown> {
    for (const head of queue) {
      const trx = MysqlBinLog.trxOf(head);
      if (trx.commitLow) {
        yield* this.engine.commitLow(t, head);
        this.engineCommitted(trx.binlogSeq, true);
        trx.commitLow = false;
      }
      if (trx.xidWritten) yield* this.dec_prep_xids(t, head);
    }
  }

  /** Stage_manager::signal_done: release the followers of a finished group */
  private *signal_done(t: SimThread, queue: Thd[]): Generator<Effect, void, unknown> {
    yield* this.lock(t, this.LOCK_done);
    for (const thd of queue) MysqlBinLog.trxOf(thd).pending = false;
    if (this.nptl) {
      // Commit_stage_manager::signal_done (8.0): the broadcast under m_lock_done
      yield* this.condSignal(t, this.m_cond_done, true);
      yield* this.unlock(t, this.LOCK_done);
      return;
    }
    yield* this.unlock(t, this.LOCK_done);
    yield t.release(this.m_cond_done, "broadcast");
  }

  /** MYSQL_BIN_LOG::finish_commit: a thread's own engine commit when no leader did it (binlog_order_commits=OFF) */
  private *finish_commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    const trx = MysqlBinLog.trxOf(thd);
    if (trx.commitLow) {
      yield* this.engine.commitLow(t, thd);
      this.engineCommitted(trx.binlogSeq, false);
      trx.commitLow = false;
      yield t.syncPoint("finish_commit_before_dec_prep_xids");
      if (trx.xidWritten) yield* this.dec_prep_xids(t, thd);
    }
    trx.pending = false;
  }

  /** dec_prep_xids: the buggy version signals without the mutex the waiter holds */
  private *dec_prep_xids(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    yield t.cpu(codeCost(t, "dec_prep_xids"), "dec_prep_xids");
    const result = this.m_prep_xids.add(-1);
    MysqlBinLog.trxOf(thd).xidWritten = false;
    if (this.kernel.trace.enabled) this.trace(t, "binlog.prep_xids", { op: "dec", value: this.m_prep_xids.value, thd: thd.name });
    if (result !== 1) return;
    if (this.rotationCheckAt >= 0) {
      this.rotationGapsNs.push(this.kernel.now - this.rotationCheckAt);
      this.rotationCheckAt = -1;
    }
    if (this.kernel.trace.enabled) t.mark = `dec_prep_xids() = 0`;
    // between the decrement and the signal nothing is locked: the signal's own code path
    // (mysql_cond_signal, charged by the kernel) runs before it takes effect
    if (this.LOCK_xids) {
      yield* this.lock(t, this.LOCK_xids);
      yield* this.condSignal(t, this.m_prep_xids_cond, false);
      yield* this.unlock(t, this.LOCK_xids);
    } else yield* this.condSignal(t, this.m_prep_xids_cond, false);
    t.mark = "";
  }

  /** binlog_order_commits=ON promises engine commits in binlog order */
  private engineCommitted(seq: number, ordered: boolean): void {
    const last = this.engineOrder.length ? this.engineOrder[this.engineOrder.length - 1]! : -1;
    if (ordered && this.vars.bool("binlog_order_commits") && seq < last) {
      throw new InvariantViolation(`engine commit of binlog transaction #${seq} after #${last} with binlog_order_commits=ON`);
    }
    this.engineOrder.push(seq);
  }

  // ------------------------------------------------------------------ rotation

  /** FLUSH BINARY LOGS: rotate_and_purge(force_rotate=true) */
  *flush_binary_logs(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    yield t.acquire(this.LOCK_log);
    yield* this.rotate(t, thd, true);
    yield t.release(this.LOCK_log);
  }

  /** rotate -> new_file_without_locking -> new_file_impl, with LOCK_log held */
  private *rotate(t: SimThread, thd: Thd, force: boolean): Generator<Effect, void, unknown> {
    yield t.syncPoint("stop_binlog_rotation_after_acquiring_lock_log");
    if (!force && !this.forceRotate(thd) && this.fileBytes < this.vars.int("max_binlog_size")) return;
    // wait until no transaction is prepared in this file: new_file_impl
    const m = this.LOCK_xids ?? this.LOCK_commit;
    yield* this.lock(t, m);
    for (;;) {
      yield t.cpu(codeCost(t, "get_prep_xids"), "get_prep_xids");
      const prepared = this.m_prep_xids.load();
      if (prepared === 0) break;
      if (this.rotationCheckAt < 0) this.rotationCheckAt = this.kernel.now;
      if (this.kernel.trace.enabled) {
        t.mark = `get_prep_xids() = ${prepared}`;
        if (this.kernel.trace.enabled) this.trace(t, "binlog.rotate_wait", { prep_xids: prepared, mutex: m.name });
      }
      yield t.syncPoint("before_rotate_binlog_file");
      // the window: from here until mysql_cond_wait has registered this thread as a waiter (its
      // entry cost, charged by the kernel), a decrement and signal without `m` are lost
      yield* this.condWait(t, this.m_prep_xids_cond, m);
    }
    t.mark = "";
    yield* this.unlock(t, m);
    yield t.acquire(this.LOCK_index);
    yield t.cpu(codeCost(t, "new_file_impl"), "new_file_impl");
    // the old file ends with a Rotate_log_event naming the next (new_file_impl), then open_binlog()
    const next = this.fileName(this.fileIndex + 1);
    this.append(this.active, { type: "Rotate", size: rotateEventBytes(next), info: `${next};pos=${BIN_LOG_HEADER_SIZE}` });
    yield* this.disk.write(t, 100, "binlog rotate event");
    this.open_binlog(this.fileIndex + 1);
    this.stats.rotations++;
    if (this.kernel.trace.enabled) this.trace(t, "binlog.rotate", { file: this.fileName(), by: thd.name });
    yield t.release(this.LOCK_index);
  }

  /** DBUG_EVALUATE_IF("force_rotate") for the committing session (src/mysql/debug-keywords.ts) */
  forceRotate: (thd: Thd) => boolean = () => false;

  // ------------------------------------------------------------------ RESET MASTER, SHOW BINLOG EVENTS

  /**
   * MYSQL_BIN_LOG::reset_logs() (RESET MASTER through reset_master()): ha_flush_logs(), then
   * LOCK_log, LOCK_index and global_sid_lock (write) in that order, every file and the index
   * deleted, gtid_executed cleared, a new first file opened; unlocked in reverse. A commit in
   * its flush stage holds LOCK_log, so RESET MASTER waits for it; a transaction whose events are
   * still in its binlog cache is not touched and goes to the new file when it commits.
   */
  *reset_logs(t: SimThread): Generator<Effect, void, unknown> {
    yield* this.engine.flushLogs(t);
    yield t.acquire(this.LOCK_log);
    yield t.acquire(this.LOCK_index);
    yield t.acquire(this.global_sid_lock);
    yield t.cpu(codeCost(t, "new_file_impl"), "reset_logs");
    this.files.length = 0;
    this.open_binlog(1);
    yield* this.disk.write(t, this.fileBytes, "binlog reset_logs");
    if (this.kernel.trace.enabled) this.trace(t, "binlog.reset", { file: this.fileName() });
    yield t.release(this.global_sid_lock);
    yield t.release(this.LOCK_index);
    yield t.release(this.LOCK_log);
  }

  /** Events written outside the commit pipeline (DDL: see the binlog model's writeDdl). */
  write_direct(events: BinlogEvent[]): void {
    for (const e of events) this.append(this.active, e);
  }

  /** get_current_log() under LOCK_log (SHOW MASTER STATUS: show_master_status()) */
  *current_log(t: SimThread): Generator<Effect, { file: string; pos: number }, unknown> {
    yield t.acquire(this.LOCK_log);
    const r = { file: this.active.name, pos: this.fileBytes };
    yield t.release(this.LOCK_log);
    return r;
  }

  /**
   * show_binlog_events() (binlog.cc): find_log_pos() under LOCK_index (the first file, or the named
   * one), the end position read under LOCK_log (the active file can grow), then the events from
   * `from` (at least BIN_LOG_HEADER_SIZE), skipping `offset`, at most `limit`. The sync points are
   * MySQL's. A position that is not an event's start reads garbage in MySQL: "Wrong offset or I/O
   * error", as here.
   */
  *show_binlog_events(t: SimThread, q: { file: string | null; from: number; offset: number; limit: number | null }): Generator<Effect, { file: string; events: WrittenEvent[] }, unknown> {
    yield t.acquire(this.LOCK_index);
    const file = q.file === null ? this.files[0] : this.files.find((f) => f.name === q.file);
    yield t.release(this.LOCK_index);
    if (!file) throw mysqlError("ER_ERROR_WHEN_EXECUTING_COMMAND", "SHOW BINLOG EVENTS", "Could not find target log");
    yield t.acquire(this.LOCK_log);
    const endPos = file.end;
    yield t.release(this.LOCK_log);
    yield t.syncPoint("after_show_binlog_event_found_file");
    const pos = Math.max(BIN_LOG_HEADER_SIZE, q.from);
    const out: WrittenEvent[] = [];
    let i = file.events.findIndex((e) => e.pos === pos);
    if (i < 0 && pos < endPos) throw mysqlError("ER_ERROR_WHEN_EXECUTING_COMMAND", "SHOW BINLOG EVENTS", "Wrong offset or I/O error");
    const limitEnd = q.limit === null ? Infinity : q.offset + q.limit;
    for (let count = 0; i >= 0 && i < file.events.length && file.events[i]!.pos < endPos; i++) {
      yield t.syncPoint("wait_in_show_binlog_events_loop");
      if (count >= q.offset) out.push(file.events[i]!);
      if (++count >= limitEnd) break;
    }
    yield t.syncPoint("after_show_binlog_events");
    return { file: file.name, events: out };
  }

  /** processlist state of a thread waiting in the commit pipeline */
  waitState(): string {
    return binlogFollowerState(this.version);
  }

  // ------------------------------------------------------------------ the primitives

  /** mysql_mutex_lock */
  private *lock(t: SimThread, m: PMutex): Generator<Effect, void, unknown> {
    if (m instanceof AdaptiveMutex) yield* m.lock(t);
    else yield t.acquire(m);
  }

  /** mysql_mutex_unlock */
  private *unlock(t: SimThread, m: PMutex): Generator<Effect, void, unknown> {
    if (m instanceof AdaptiveMutex) yield* m.unlock(t);
    else yield t.release(m);
  }

  /** mysql_cond_wait */
  private *condWait(t: SimThread, c: PCond, m: PMutex): Generator<Effect, void, unknown> {
    if (c instanceof NptlCond) yield* c.wait(t, m as AdaptiveMutex);
    else yield t.acquire(c, m);
  }

  /** mysql_cond_signal / mysql_cond_broadcast */
  private *condSignal(t: SimThread, c: PCond, broadcast: boolean): Generator<Effect, void, unknown> {
    if (c instanceof NptlCond) yield* c.signal(t, broadcast);
    else yield t.release(c, broadcast ? "broadcast" : "signal");
  }

  private trace(t: SimThread, kind: string, d: Record<string, unknown>): void {
    if (this.kernel.trace.enabled) t.trace(kind, undefined, d);
  }
}
