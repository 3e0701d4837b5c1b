/**
 * The MySQL 8.0 redo log as user threads and the log threads see it, for the CPU-quota spinning
 * study (seed 001). Followed source: mysql-server 8.0 (8.0.2x, before the 8.0.30 redo rewrite):
 *
 * - storage/innobase/log/log0write.cc: log_write_up_to, log_wait_for_write, log_wait_for_flush,
 *   log_max_spins_when_waiting_in_user_thread, Log_thread_waiting, Log_write_to_file_requests_monitor,
 *   log_writer, log_flusher (log_flush_low, log_flush_update_stats), log_write_notifier,
 *   log_flush_notifier, notify_about_advanced_write_lsn, log_compute_wait_event_slot.
 * - storage/innobase/include/os0event.ic: os_event_wait_for (spin, then event waits whose timeout
 *   doubles every 4 waits up to 100 ms).
 * - storage/innobase/include/log0constants.h (log0types.h in some versions): the spin/timeouts
 *   defaults (INNODB_LOG_WAIT_FOR_FLUSH_SPIN_DELAY_DEFAULT = 25000 rounds, "1000 spin rounds take
 *   4 us", writer/flusher spin delay 250000 rounds, timeouts 10 us, user waits 1000 us, 2048 events).
 * - storage/innobase/srv/srv0srv.cc: srv_update_cpu_usage (getrusage + sched_getaffinity), run from
 *   srv_master_do_active_tasks / srv_master_do_idle_tasks after srv_master_sleep's 1 s sleep.
 *
 * What is simplified (see docs/cpu-and-redo.md): LSNs count data bytes only (no block headers);
 * the log buffer never fills and checkpoints never block the writer; write-ahead, the log closer
 * and log archiving are left out; recent_written is an ordered list of in-flight reservations.
 */
import { OsEvent } from "../../sync/os-event.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import type { Waitable } from "../../kernel/waitable.js";
import { US, SEC, type Ns } from "../../kernel/time.js";
import type { CpuMachine } from "../../machine/cpu/machine.js";
import type { SystemVariables } from "../sysvars.js";

type Gen<T = void> = Generator<Effect, T, unknown>;

/** OS_FILE_LOG_BLOCK_SIZE */
export const LOG_BLOCK_SIZE = 512;

/** Hidden/experimental log parameters (log0constants.h defaults). */
export interface LogParams {
  wait_for_flush_spin_delay: number;
  wait_for_flush_timeout_us: number;
  wait_for_write_spin_delay: number;
  wait_for_write_timeout_us: number;
  writer_spin_delay: number;
  writer_timeout_us: number;
  flusher_spin_delay: number;
  flusher_timeout_us: number;
  write_notifier_spin_delay: number;
  write_notifier_timeout_us: number;
  flush_notifier_spin_delay: number;
  flush_notifier_timeout_us: number;
  /** innodb_log_events: slots of write_events / flush_events */
  events: number;
  /** srv_flushing_avg_loops (innodb_flushing_avg_loops, default 30) */
  flushing_avg_loops: number;
  /** innodb_flush_log_at_timeout, s */
  flush_log_at_timeout_s: number;
}

export const LOG_DEFAULTS: LogParams = {
  wait_for_flush_spin_delay: 25000,
  wait_for_flush_timeout_us: 1000,
  wait_for_write_spin_delay: 25000,
  wait_for_write_timeout_us: 1000,
  writer_spin_delay: 250000,
  writer_timeout_us: 10,
  flusher_spin_delay: 250000,
  flusher_timeout_us: 10,
  write_notifier_spin_delay: 0,
  write_notifier_timeout_us: 10,
  flush_notifier_spin_delay: 0,
  flush_notifier_timeout_us: 10,
  events: 2048,
  flushing_avg_loops: 30,
  flush_log_at_timeout_s: 1,
};

/**
 * Where the redo log files live. Kept simple: a write costs system CPU (copying into the page
 * cache or tmpfs) plus an optional I/O wait; an fsync likewise. The seed ran with
 * --datadir=/dev/shm (tmpfs): writes are memcpy, fsync is a near no-op (UNVERIFIED figures).
 */
export interface RedoDevice {
  name: string;
  writeCpuNs(bytes: number): Ns;
  writeIoNs(bytes: number): Ns;
  fsyncCpuNs: Ns;
  fsyncIoNs: Ns;
}

/** tmpfs: pwrite = syscall (~1.5 µs) + memcpy at ~4 GB/s; fsync = syscall only. UNVERIFIED. */
export const TMPFS: RedoDevice = {
  name: "tmpfs",
  writeCpuNs: (bytes) => 1500 + Math.round(bytes * 0.25),
  writeIoNs: () => 0,
  fsyncCpuNs: 1000,
  fsyncIoNs: 0,
};

/** A datacenter NVMe SSD with a volatile cache flushed by fsync: ~20 µs writes, ~100 µs fsync. UNVERIFIED. */
export const NVME: RedoDevice = {
  name: "nvme",
  writeCpuNs: (bytes) => 2000 + Math.round(bytes * 0.25),
  writeIoNs: () => 20 * US,
  fsyncCpuNs: 2000,
  fsyncIoNs: 100 * US,
};

/**
 * A device wait drawn around the device's median from the seeded "disk" stream, with the spread
 * of src/machine/disk.ts's SSD (log-normal sigma 0.3, ESTIMATED there too): no device answers in
 * the same time twice. tmpfs has no device wait, so seed 001's figures do not move.
 */
export const REDO_DEVICE_SIGMA = 0.3;
function deviceJitter(t: SimThread, median: Ns): Ns {
  return t.rng("disk").jitteredNs(median, REDO_DEVICE_SIGMA);
}

/** CPU costs of the redo code itself (calibrated orders of magnitude, UNVERIFIED). */
export interface RedoCosts {
  /** one spin round of os_event_wait_for: by default the machine's PAUSE (machine.pause_ns) plus
   * SPIN_CONDITION_CHECK_NS; set only to override the machine (what-if) */
  spinRoundNs?: Ns;
  /** mtr commit: log_buffer_reserve + copy into the log buffer + recent_written / dirty pages */
  mtrCommitNs: Ns;
  /** log writer per write: prepare_full_blocks (block headers, checksums) per 512-byte block */
  writerPerBlockNs: Ns;
  writerBaseNs: Ns;
  /** log flusher bookkeeping per flush */
  flusherBaseNs: Ns;
  /** notifier per slot it sets */
  notifierPerSlotNs: Ns;
  /** os_event_set: mutex + broadcast (user), plus a futex wake per waiter woken (system) */
  eventSetNs: Ns;
  futexWakeNs: Ns;
  /** going to sleep in os_event_wait_time_low: mutex + futex wait syscall (system) */
  eventWaitNs: Ns;
  /** Linux timer slack added to every timed wait (prctl(2): default 50 µs); matches the source's
   * note that a 10 µs timeout takes ~66 µs (os0event.ic) */
  timerSlackNs: Ns;
}

/** "We measured that 1000 spin round takes 4us" (log0constants.h): the MySQL team's machine */
export const SOURCE_SPIN_ROUND_NS = 4;

/**
 * The rest of one os_event_wait_for spin round besides UT_RELAX_CPU (one `pause`): the condition
 * lambda's atomic load of log.flushed_to_disk_lsn (an L1 hit between the flusher's stores) and
 * compare, `--spins_limit`, test and branch: ~4 cycles at NOMINAL_GHZ (estimated). With a 10-cycle
 * PAUSE this gives 4.7 ns a round, near the source's "1000 spin round takes 4us"; with Skylake's
 * 140 cycles, PAUSE is 97% of the round, as the seed's perf annotation has it (96.3%).
 */
export const SPIN_CONDITION_CHECK_NS = 1.33;

/** One spin round on a machine whose PAUSE takes `pauseNs`. */
export function spinRoundNsOf(pauseNs: Ns): Ns {
  return pauseNs + SPIN_CONDITION_CHECK_NS;
}

export const DEFAULT_REDO_COSTS: RedoCosts = {
  mtrCommitNs: 3 * US,
  writerPerBlockNs: 300,
  writerBaseNs: 2 * US,
  flusherBaseNs: 1 * US,
  notifierPerSlotNs: 100,
  eventSetNs: 200,
  futexWakeNs: 1500,
  eventWaitNs: 1000,
  timerSlackNs: 50 * US,
};

/** srv_cpu_usage (srv0srv.h): percentages, abs of one CPU, pct of all CPUs in the affinity mask. */
export interface SrvCpuUsage {
  n_cpu: number;
  utime_abs: number;
  stime_abs: number;
  utime_pct: number;
  stime_pct: number;
}

/**
 * srv_update_cpu_usage (srv0srv.cc, the UNIV_LINUX branch), with its function-static state:
 * ignores calls less than 100 ms apart; the first call with enough time only records
 * ru_utime/ru_stime; later calls compute
 *   utime_abs = Δutime_us * 100 / Δtime_us,  utime_pct = utime_abs / n_cpu
 * where n_cpu counts the CPUs in sched_getaffinity's mask: blind to any CFS quota.
 */
export class SrvCpuUsageSampler {
  readonly usage: SrvCpuUsage = { n_cpu: 0, utime_abs: 0, stime_abs: 0, utime_pct: 0, stime_pct: 0 };
  /** µs; null until the first call (static last_time = Clock::now() at first use) */
  private lastTimeUs: number | null = null;
  private lastUtimeUs = 0;
  private lastStimeUs = 0;
  private lastSet = false;
  updates = 0;

  /** Primes the statics as if the server had been up and sampled at `nowNs` (idle before). */
  prime(nowNs: Ns, utimeNs: Ns, stimeNs: Ns): void {
    this.lastTimeUs = Math.floor(nowNs / 1000);
    this.lastUtimeUs = Math.floor(utimeNs / 1000);
    this.lastStimeUs = Math.floor(stimeNs / 1000);
    this.lastSet = true;
  }

  /** One call of srv_update_cpu_usage; `nCpu` is what sched_getaffinity counts (or a forced value). Returns true if it computed new values. */
  update(nowNs: Ns, utimeNs: Ns, stimeNs: Ns, nCpu: number): boolean {
    const cur = Math.floor(nowNs / 1000);
    if (this.lastTimeUs === null) this.lastTimeUs = cur;
    const timeDiff = cur - this.lastTimeUs;
    if (timeDiff < 100 * 1000) return false;
    this.lastTimeUs = cur;
    const ru = Math.floor(utimeNs / 1000);
    const rs = Math.floor(stimeNs / 1000);
    if (!this.lastSet) {
      this.lastUtimeUs = ru;
      this.lastStimeUs = rs;
      this.lastSet = true;
      return false;
    }
    const du = ru - this.lastUtimeUs;
    this.lastUtimeUs = ru;
    const ds = rs - this.lastStimeUs;
    this.lastStimeUs = rs;
    let cpuUtime = (du * 100.0) / timeDiff;
    this.usage.utime_abs = cpuUtime;
    let cpuStime = (ds * 100.0) / timeDiff;
    this.usage.stime_abs = cpuStime;
    this.usage.n_cpu = nCpu;
    this.updates++;
    if (nCpu === 0) return true;
    cpuUtime /= nCpu;
    this.usage.utime_pct = cpuUtime;
    cpuStime /= nCpu;
    this.usage.stime_pct = cpuStime;
    return true;
  }
}

/**
 * log_max_spins_when_waiting_in_user_thread (log0write.cc): 0 when utime_abs < abs_lwm or
 * utime_pct >= pct_hwm; the minimum when utime_pct >= hwm/2 (integer division: hwm is uint32_t);
 * otherwise up to 10x the minimum, more the idler the CPUs look.
 */
export function maxSpinsWhenWaitingInUserThread(minNonZero: number, u: SrvCpuUsage, absLwm: number, pctHwm: number): number {
  const cpu = u.utime_pct;
  const hwm = pctHwm >>> 0;
  if (u.utime_abs < absLwm || cpu >= hwm) return 0;
  const half = Math.floor(hwm / 2);
  if (cpu >= half) return minNonZero;
  const r = (1.0 * (half - cpu)) / half;
  return Math.floor(minNonZero + r * minNonZero * 9);
}

/** Log_write_to_file_requests_monitor::update's value when no request came for more than 100 ms, µs */
export const IDLE_REQUESTS_INTERVAL_US = 100 * 1000;

/** log_write_to_file_requests_are_frequent: at least one request per 1 ms on average. */
export function requestsAreFrequent(intervalUs: number): boolean {
  return intervalUs < 1000;
}

/** InnoDB's os_event_t (src/sync/os-event.ts); set() returns how many waiters it woke. */
export { OsEvent as LogEvent } from "../../sync/os-event.js";
type LogEvent = OsEvent;

/** Wait_stats plus how long the caller spun, for the workload's accounting. */
export interface WaitResult {
  waits: number;
  spunNs: Ns;
}

const SPIN_FLUSHED = 0; // flushed_to_disk_lsn >= lsn
const SPIN_WRITTEN = 1; // write_lsn >= lsn
const SPIN_WRITER = 2; // write_lsn < ready_lsn (the writer has work)
const SPIN_FLUSHER = 3; // flushed_to_disk_lsn < write_lsn (the flusher has work)

interface Spinner {
  t: SimThread;
  kind: number;
  lsn: number;
}

export interface RedoOptions {
  sysvars: SystemVariables;
  device?: RedoDevice;
  /** the seed's hacked build: srv_update_cpu_usage uses this instead of the affinity count */
  forceNcpu?: number | null;
  params?: Partial<LogParams>;
  costs?: Partial<RedoCosts>;
  /** the server was up (and idle) before the run: srv_update_cpu_usage's statics are primed at
   * time 0, so the first real sample comes 1 s into the run, and the log writer's
   * Log_write_to_file_requests_monitor holds an idle server's 100 ms (default true) */
  primeCpuUsage?: boolean;
}

export interface RedoStats {
  writes: number;
  bytesWritten: number;
  flushes: number;
  /** log_write_up_to calls that had to wait (not already flushed/written) */
  waitCalls: number;
  /** of those, how many returned during the spin phase */
  spinHits: number;
  /** event waits (Wait_stats.waits summed) */
  eventWaits: number;
  /** user-thread spin time, ns */
  userSpinNs: Ns;
  /** sum of max_spins computed by user threads (for the average) */
  maxSpinsSum: number;
  writerSpinNs: Ns;
  flusherSpinNs: Ns;
  notifierSlotsSet: number;
  /** log_writer / log_flusher waits (Log_thread_waiting::wait calls), and how many were allowed to
   * spin (utime_abs >= innodb_log_spin_cpu_abs_lwm and requests < 1 ms apart): which side of the
   * spin decision the run sits on */
  logThreadWaits: number;
  logThreadSpinWaits: number;
}

/** Labels of the CPU bursts the redo code burns (CpuMachine.labelNs). */
export const SPIN_LABEL_USER = "log_write_up_to spin";
export const SPIN_LABEL_WRITER = "log_writer spin";
export const SPIN_LABEL_FLUSHER = "log_flusher spin";

/**
 * The redo log. `start()` spawns the daemons: log_writer, log_flusher, log_write_notifier,
 * log_flush_notifier and the master thread's CPU-usage sampling. User threads call
 * `yield* redo.mtrCommit(t, bytes)` and `yield* redo.logWriteUpTo(t, lsn, true)`.
 */
export class RedoLog {
  /** log.sn / current lsn: end of the last reservation */
  lsn: number = 16 * LOG_BLOCK_SIZE;
  writeLsn: number;
  flushedToDiskLsn: number;
  readonly params: LogParams;
  readonly costs: RedoCosts;
  readonly device: RedoDevice;
  readonly cpuUsage = new SrvCpuUsageSampler();
  readonly stats: RedoStats = { writes: 0, bytesWritten: 0, flushes: 0, waitCalls: 0, spinHits: 0, eventWaits: 0, userSpinNs: 0, maxSpinsSum: 0, writerSpinNs: 0, flusherSpinNs: 0, notifierSlotsSet: 0, logThreadWaits: 0, logThreadSpinWaits: 0 };
  /** log.flush_avg_time, µs */
  flushAvgTimeUs = 0;
  /** log.write_to_file_requests_interval, µs */
  requestsIntervalUs = 0;
  forceNcpu: number | null;
  /** the master thread's once-a-second call into other subsystems (purge's wake-up); returns CPU ns to burn */
  masterHook: (() => Ns) | null = null;
  /** ns of one spin round (machine.pause_ns + the condition check, unless costs.spinRoundNs) */
  readonly spinRoundNs: Ns;

  readonly writerEvent: LogEvent;
  readonly flusherEvent: LogEvent;
  readonly writeNotifierEvent: LogEvent;
  readonly flushNotifierEvent: LogEvent;
  private readonly writeEvents: LogEvent[];
  private readonly flushEvents: LogEvent[];
  /** starts of reservations whose copy into the log buffer is not finished (recent_written holes) */
  private readonly inFlight: number[] = [];
  private readonly spinners: Spinner[] = [];
  private writeToFileRequestsTotal = 0;
  // log_flush_update_stats statics
  private fsIterations = 0;
  private fsTotalUs = 0;
  private fsPrevTime = -1;
  private lastFlushStart: Ns = 0;
  private lastFlushEnd: Ns = 0;
  // Log_write_to_file_requests_monitor
  private monLastValue = 0;
  private monLastTime: Ns = 0;
  private monInterval = 0;

  constructor(
    readonly kernel: Kernel,
    readonly machine: CpuMachine,
    readonly opts: RedoOptions,
  ) {
    this.params = { ...LOG_DEFAULTS, ...opts.params };
    this.costs = { ...DEFAULT_REDO_COSTS, ...opts.costs };
    this.spinRoundNs = this.costs.spinRoundNs ?? spinRoundNsOf(machine.pauseNs);
    this.device = opts.device ?? TMPFS;
    this.forceNcpu = opts.forceNcpu ?? null;
    this.writeLsn = this.lsn;
    this.flushedToDiskLsn = this.lsn;
    this.writerEvent = new OsEvent(kernel, "log.writer_event");
    this.flusherEvent = new OsEvent(kernel, "log.flusher_event");
    this.writeNotifierEvent = new OsEvent(kernel, "log.write_notifier_event");
    this.flushNotifierEvent = new OsEvent(kernel, "log.flush_notifier_event");
    const n = this.params.events;
    if ((n & (n - 1)) !== 0) throw new Error("innodb_log_events must be a power of 2");
    this.writeEvents = Array.from({ length: n }, (_, i) => new OsEvent(kernel, `log.write_events[${i}]`));
    this.flushEvents = Array.from({ length: n }, (_, i) => new OsEvent(kernel, `log.flush_events[${i}]`));
  }

  private get sv(): SystemVariables {
    return this.opts.sysvars;
  }

  /** log_buffer_ready_for_write_lsn: everything below it is in the log buffer */
  get readyLsn(): number {
    return this.inFlight.length > 0 ? this.inFlight[0]! : this.lsn;
  }

  /** log_compute_wait_event_slot */
  slot(lsn: number): number {
    return Math.floor((lsn - 1) / LOG_BLOCK_SIZE) & (this.params.events - 1);
  }

  // ---------------------------------------------------------------- daemons

  start(): void {
    const k = this.kernel;
    if (this.opts.primeCpuUsage ?? true) {
      const ru = this.machine.getrusage();
      this.cpuUsage.prime(k.now, ru.utime, ru.stime);
      // Log_write_to_file_requests_monitor::update on an idle server: no new request for more
      // than 100 ms -> m_request_interval = 100ms ("Consider this as maximum time between calls
      // we can expect"); the log writer of a server that has been up and idle wakes at least every
      // 100 ms (os_event_wait_for's MAX_TIMEOUT) and so holds that value when the load starts
      this.monInterval = IDLE_REQUESTS_INTERVAL_US;
      this.requestsIntervalUs = IDLE_REQUESTS_INTERVAL_US;
    }
    k.spawn("log_writer", (t) => this.logWriter(t), { daemon: true });
    k.spawn("log_flusher", (t) => this.logFlusher(t), { daemon: true });
    k.spawn("log_write_notifier", (t) => this.logNotifier(t, false), { daemon: true });
    k.spawn("log_flush_notifier", (t) => this.logNotifier(t, true), { daemon: true });
    k.spawn("srv_master", (t) => this.srvMaster(t), { daemon: true });
  }

  /**
   * srv_update_cpu_usage with this server's getrusage(RUSAGE_SELF) (the machine's cgroup: mysqld
   * alone in it): under the machine's default "tick" accounting the user/system split is the
   * kernel's tick sample (src/machine/cpu/cputime.ts), which is what innodb_log_spin_cpu_abs_lwm
   * is compared with.
   */
  updateCpuUsage(): boolean {
    const ru = this.machine.getrusage();
    return this.cpuUsage.update(this.kernel.now, ru.utime, ru.stime, this.forceNcpu ?? this.machine.affinityCount);
  }

  private *srvMaster(t: SimThread): Gen {
    for (;;) {
      yield t.sleep(1 * SEC); // srv_master_sleep
      yield t.cpu(20 * US, "srv_master"); // the master's other tasks (UNVERIFIED, small)
      this.updateCpuUsage();
      // srv_master_do_active_tasks: `if (trx_sys->rseg_history_len > 0)
      // srv_wake_purge_thread_if_not_active()` (after srv_update_cpu_usage)
      const ns = this.masterHook ? this.masterHook() : 0;
      if (ns > 0) yield t.cpu(ns, "sys:futex_wake");
    }
  }

  /** Log_write_to_file_requests_monitor::update */
  private monitorUpdate(): void {
    const now = this.kernel.now;
    const value = this.writeToFileRequestsTotal;
    if (now < this.monLastTime) {
      this.monLastTime = now;
      return;
    }
    const dUs = Math.floor((now - this.monLastTime) / 1000);
    if (value > this.monLastValue) {
      const interval = Math.floor(dUs / (value - this.monLastValue));
      this.monInterval = Math.floor((this.monInterval * 63 + interval) / 64);
    } else if (dUs > 100 * 1000) {
      this.monInterval = 100 * 1000;
    } else return;
    this.requestsIntervalUs = this.monInterval;
    this.monLastTime = now;
    this.monLastValue = value;
  }

  /**
   * Log_thread_waiting::wait: spin only if utime_abs >= innodb_log_spin_cpu_abs_lwm and requests
   * are frequent; otherwise no spin and a timeout of min(request interval, 1 ms).
   */
  private *logThreadWait(t: SimThread, ev: LogEvent, spinDelay: number, timeoutUs: number, kind: number, label: string, onWait: (() => Ns) | null, lsn = 0): Gen {
    let spin = Math.min(spinDelay, 0xffffffff);
    let minTimeout = Math.min(timeoutUs, 1000 * 1000);
    const req = this.requestsIntervalUs;
    if (this.cpuUsage.usage.utime_abs < this.sv.int("innodb_log_spin_cpu_abs_lwm") || !requestsAreFrequent(req)) {
      spin = 0;
      minTimeout = req < 1000 ? req : 1000;
    }
    if (kind === SPIN_WRITER || kind === SPIN_FLUSHER) {
      this.stats.logThreadWaits++;
      if (spin > 0) this.stats.logThreadSpinWaits++;
    }
    yield* this.osEventWaitFor(t, ev, spin, minTimeout, kind, lsn, label, onWait);
  }

  private *logWriter(t: SimThread): Gen {
    this.monLastTime = this.kernel.now;
    for (let step = 0; ; step++) {
      yield* this.logThreadWait(t, this.writerEvent, this.params.writer_spin_delay, this.params.writer_timeout_us, SPIN_WRITER, SPIN_LABEL_WRITER, () => {
        this.monitorUpdate();
        return 0;
      });
      const ready = this.readyLsn;
      if (this.writeLsn < ready) {
        yield* this.writeBuffer(t, ready);
        if (step % 1024 === 0) {
          this.monitorUpdate();
          yield t.yield(); // os_thread_sleep(0)
        }
      }
    }
  }

  /** log_writer_write_buffer + log_files_write_buffer + notify_about_advanced_write_lsn */
  private *writeBuffer(t: SimThread, upTo: number): Gen {
    const from = this.writeLsn;
    const startBlock = Math.floor(from / LOG_BLOCK_SIZE);
    const endBlock = Math.ceil(upTo / LOG_BLOCK_SIZE);
    const bytes = (endBlock - startBlock) * LOG_BLOCK_SIZE;
    yield t.cpu(this.costs.writerBaseNs + (endBlock - startBlock) * this.costs.writerPerBlockNs, "log_writer");
    yield t.cpu(this.device.writeCpuNs(bytes), "sys:pwrite");
    const io = this.device.writeIoNs(bytes);
    if (io > 0) yield t.io(deviceJitter(t, io), "redo write");
    this.writeLsn = upTo;
    this.stats.writes++;
    this.stats.bytesWritten += bytes;
    t.trace("redo.write", undefined, { from, to: upTo });
    this.releaseSpinners();
    // notify_about_advanced_write_lsn
    let cost = 0;
    if (this.sv.int("innodb_flush_log_at_trx_commit") === 1) cost += this.setEvent(this.flusherEvent);
    const first = this.slot(from + 1);
    const last = this.slot(upTo);
    if (first === last) cost += this.setEvent(this.writeEvents[first]!);
    else cost += this.setEvent(this.writeNotifierEvent);
    if (cost > 0) yield t.cpu(cost, "sys:futex_wake");
  }

  private *logFlusher(t: SimThread): Gen {
    for (let step = 0; ; step++) {
      if (this.sv.int("innodb_flush_log_at_trx_commit") !== 1) {
        const elapsed = this.kernel.now - this.lastFlushStart;
        const every = this.params.flush_log_at_timeout_s * SEC;
        if (elapsed < every) {
          yield t.cpu(this.costs.eventWaitNs, "sys:futex_wait");
          yield t.acquire(this.flusherEvent, 0, every - elapsed + this.costs.timerSlackNs);
        }
      }
      yield* this.logThreadWait(t, this.flusherEvent, this.params.flusher_spin_delay, this.params.flusher_timeout_us, SPIN_FLUSHER, SPIN_LABEL_FLUSHER, null);
      if (this.flushedToDiskLsn < this.writeLsn) {
        yield* this.flushLow(t);
        if (step % 1024 === 0) yield t.yield();
      }
    }
  }

  /** log_flush_low + log_flush_update_stats */
  private *flushLow(t: SimThread): Gen {
    this.flusherEvent.reset();
    const start = this.kernel.now;
    this.lastFlushStart = start;
    const lastFlush = this.flushedToDiskLsn;
    const upTo = this.writeLsn;
    yield t.cpu(this.costs.flusherBaseNs, "log_flusher");
    yield t.cpu(this.device.fsyncCpuNs, "sys:fsync");
    if (this.device.fsyncIoNs > 0) yield t.io(deviceJitter(t, this.device.fsyncIoNs), "redo fsync");
    this.lastFlushEnd = this.kernel.now;
    this.flushedToDiskLsn = upTo;
    this.stats.flushes++;
    t.trace("redo.flush", undefined, { from: lastFlush, to: upTo, fsync_ns: this.lastFlushEnd - start });
    this.releaseSpinners();
    const first = this.slot(lastFlush + 1);
    const last = this.slot(upTo);
    const cost = first === last ? this.setEvent(this.flushEvents[first]!) : this.setEvent(this.flushNotifierEvent);
    this.flushUpdateStats();
    if (cost > 0) yield t.cpu(cost, "sys:futex_wake");
  }

  private flushUpdateStats(): void {
    const fsyncUs = Math.floor((this.lastFlushEnd - this.lastFlushStart) / 1000);
    this.fsTotalUs += fsyncUs;
    if (this.fsPrevTime < 0) this.fsPrevTime = this.lastFlushStart;
    const elapsedS = Math.floor((this.lastFlushEnd - this.fsPrevTime) / SEC);
    if (++this.fsIterations >= this.params.flushing_avg_loops || elapsedS >= this.params.flushing_avg_loops) {
      this.flushAvgTimeUs = (this.fsTotalUs * 1.0) / this.fsIterations;
      this.fsTotalUs = 0;
      this.fsIterations = 0;
      this.fsPrevTime = this.lastFlushEnd;
    }
  }

  /** log_write_notifier / log_flush_notifier */
  private *logNotifier(t: SimThread, flush: boolean): Gen {
    const p = this.params;
    const ev = flush ? this.flushNotifierEvent : this.writeNotifierEvent;
    const events = flush ? this.flushEvents : this.writeEvents;
    const spin = flush ? p.flush_notifier_spin_delay : p.write_notifier_spin_delay;
    const timeout = flush ? p.flush_notifier_timeout_us : p.write_notifier_timeout_us;
    let lsn = (flush ? this.flushedToDiskLsn : this.writeLsn) + 1;
    for (let step = 0; ; step++) {
      const target = lsn;
      yield* this.logThreadWait(t, ev, spin, timeout, flush ? SPIN_FLUSHED : SPIN_WRITTEN, flush ? "log_flush_notifier spin" : "log_write_notifier spin", null, target);
      const upTo = flush ? this.flushedToDiskLsn : this.writeLsn;
      const notifiedUpTo = Math.ceil(upTo / LOG_BLOCK_SIZE) * LOG_BLOCK_SIZE;
      let cost = 0;
      let slots = 0;
      while (lsn <= notifiedUpTo) {
        const s = this.slot(lsn);
        lsn += LOG_BLOCK_SIZE;
        cost += this.setEvent(events[s]!);
        slots++;
      }
      lsn = upTo + 1;
      this.stats.notifierSlotsSet += slots;
      cost += slots * this.costs.notifierPerSlotNs;
      if (cost > 0) yield t.cpu(cost, flush ? "log_flush_notifier" : "log_write_notifier");
      if (step % 1024 === 0) yield t.yield();
    }
  }

  // ---------------------------------------------------------------- user threads

  /**
   * A mini-transaction commit: log_buffer_reserve (lsn += bytes), copy into the log buffer,
   * log_buffer_write_completed (the range becomes ready for the writer). Returns the end lsn.
   */
  *mtrCommit(t: SimThread, bytes: number): Gen<number> {
    const start = this.lsn;
    this.lsn += bytes;
    const end = this.lsn;
    this.inFlight.push(start);
    yield t.cpu(this.costs.mtrCommitNs, "mtr_commit");
    const i = this.inFlight.indexOf(start);
    this.inFlight.splice(i, 1);
    if (i === 0) this.releaseSpinners();
    return end;
  }

  /** log_write_up_to(log, end_lsn, flush_to_disk) */
  *logWriteUpTo(t: SimThread, endLsn: number, flushToDisk: boolean): Gen<WaitResult> {
    this.writeToFileRequestsTotal++;
    const res: WaitResult = { waits: 0, spunNs: 0 };
    if (flushToDisk) {
      if (this.flushedToDiskLsn >= endLsn) return res;
      this.stats.waitCalls++;
      if (this.sv.int("innodb_flush_log_at_trx_commit") !== 1 && this.writeLsn < endLsn) {
        yield* this.waitForWrite(t, endLsn, res);
      }
      yield* this.waitForFlush(t, endLsn, res);
    } else {
      if (this.writeLsn >= endLsn) return res;
      this.stats.waitCalls++;
      yield* this.waitForWrite(t, endLsn, res);
    }
    return res;
  }

  private userMaxSpins(minNonZero: number): number {
    return maxSpinsWhenWaitingInUserThread(minNonZero, this.cpuUsage.usage, this.sv.int("innodb_log_spin_cpu_abs_lwm"), this.sv.int("innodb_log_spin_cpu_pct_hwm"));
  }

  /** log_wait_for_write */
  private *waitForWrite(t: SimThread, lsn: number, res: WaitResult): Gen {
    const cost = this.setEvent(this.writerEvent);
    if (cost > 0) yield t.cpu(cost, "sys:futex_wake");
    const maxSpins = this.userMaxSpins(this.params.wait_for_write_spin_delay);
    this.stats.maxSpinsSum += maxSpins;
    const onWait = (): Ns => this.setEvent(this.writerEvent);
    const r = yield* this.osEventWaitFor(t, this.writeEvents[this.slot(lsn)]!, maxSpins, this.params.wait_for_write_timeout_us, SPIN_WRITTEN, lsn, SPIN_LABEL_USER, onWait);
    res.waits += r.waits;
    res.spunNs += r.spunNs;
  }

  /** log_wait_for_flush */
  private *waitForFlush(t: SimThread, lsn: number, res: WaitResult): Gen {
    let cost = 0;
    if (this.writeLsn < lsn) cost += this.setEvent(this.writerEvent);
    cost += this.setEvent(this.flusherEvent);
    if (cost > 0) yield t.cpu(cost, "sys:futex_wake");
    let maxSpins = this.userMaxSpins(this.params.wait_for_flush_spin_delay);
    if (this.flushAvgTimeUs >= this.sv.int("innodb_log_wait_for_flush_spin_hwm")) maxSpins = 0;
    this.stats.maxSpinsSum += maxSpins;
    const onWait = (): Ns => (this.writeLsn < lsn ? this.setEvent(this.writerEvent) : 0) + this.setEvent(this.flusherEvent);
    const r = yield* this.osEventWaitFor(t, this.flushEvents[this.slot(lsn)]!, maxSpins, this.params.wait_for_flush_timeout_us, SPIN_FLUSHED, lsn, SPIN_LABEL_USER, onWait);
    res.waits += r.waits;
    res.spunNs += r.spunNs;
  }

  // ---------------------------------------------------------------- os_event_wait_for

  private cond(kind: number, lsn: number): boolean {
    switch (kind) {
      case SPIN_FLUSHED:
        return this.flushedToDiskLsn >= lsn;
      case SPIN_WRITTEN:
        return this.writeLsn >= lsn;
      case SPIN_WRITER:
        return this.writeLsn < this.readyLsn;
      default:
        return this.flushedToDiskLsn < this.writeLsn;
    }
  }

  /**
   * os_event_wait_for(event, spins_limit, timeout, condition): spin (checking the condition every
   * round; here one CPU burst the waker cuts short with CpuMachine.endBurst), then loop: reset the
   * event, check the condition, wait with a timeout doubling every 4 waits (max 100 ms).
   * `onWait` is the condition's side effect when called with wait=true (setting writer/flusher events).
   */
  private *osEventWaitFor(t: SimThread, ev: LogEvent, spinsLimit: number, timeoutUs: number, kind: number, lsn: number, label: string, onWait: (() => Ns) | null): Gen<WaitResult> {
    const res: WaitResult = { waits: 0, spunNs: 0 };
    if (this.cond(kind, lsn)) return res;
    if (spinsLimit > 0) {
      const sp: Spinner = { t, kind, lsn };
      this.spinners.push(sp);
      const cpuBefore = this.machine.threadCpuNs(t);
      yield t.cpu(spinsLimit * this.spinRoundNs, label);
      const i = this.spinners.indexOf(sp);
      if (i >= 0) this.spinners.splice(i, 1);
      res.spunNs = this.machine.threadCpuNs(t) - cpuBefore;
      this.accountSpin(label, res.spunNs);
      if (this.cond(kind, lsn)) {
        if (kind === SPIN_FLUSHED || kind === SPIN_WRITTEN) this.stats.spinHits++;
        return res;
      }
    }
    let nextLevel = 4;
    let timeout = timeoutUs;
    for (;;) {
      const sig = ev.reset();
      if (this.cond(kind, lsn)) return res;
      const extra = onWait ? onWait() : 0;
      res.waits++;
      if (kind === SPIN_FLUSHED || kind === SPIN_WRITTEN) this.stats.eventWaits++;
      if (timeout < 1) timeout = 1;
      if (res.waits === nextLevel) {
        timeout = Math.min(timeout * 2, 100 * 1000);
        nextLevel += 4;
      }
      yield t.cpu(this.costs.eventWaitNs + extra, "sys:futex_wait");
      yield t.acquire(ev, sig, timeout * US + this.costs.timerSlackNs);
    }
  }

  private accountSpin(label: string, ns: Ns): void {
    if (label === SPIN_LABEL_USER) this.stats.userSpinNs += ns;
    else if (label === SPIN_LABEL_WRITER) this.stats.writerSpinNs += ns;
    else if (label === SPIN_LABEL_FLUSHER) this.stats.flusherSpinNs += ns;
  }

  /** Ends the spin of every spinner whose condition now holds. */
  private releaseSpinners(): void {
    const s = this.spinners;
    for (let i = s.length - 1; i >= 0; i--) {
      const sp = s[i]!;
      if (this.cond(sp.kind, sp.lsn)) {
        s.splice(i, 1);
        this.machine.endBurst(sp.t);
      }
    }
  }

  /** os_event_set with its CPU cost for the caller: ns to burn (0 if the event was already set). */
  private setEvent(ev: LogEvent): Ns {
    if (ev.isSet) return 0;
    const woken = ev.set();
    return this.costs.eventSetNs + woken * this.costs.futexWakeNs;
  }
}
