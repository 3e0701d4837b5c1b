/**
 * A sysbench-like client for the CPU-quota study (seed 001): `oltp_update_index` with N threads,
 * closed loop as sysbench runs it (each thread sends one autocommit `UPDATE sbtest%d SET k=k+1
 * WHERE id=?`, waits for the answer, sends the next), --db-ps-mode=disable (every statement is
 * parsed). The server runs each statement through the same path as every scenario
 * (src/mysql/sql/execute.ts: dispatch_command, open_and_lock_tables with the MDL model, the row
 * work of src/mysql/innodb/commit80.ts, autocommit), with CPU from the cost table
 * (src/mysql/costs.ts); the commit goes through the binary log's group commit when log_bin is ON
 * (8.0's default) or InnoDB's own redo flush when it is OFF, on the 8.0 redo log (redo.ts). The
 * datadir is the seed's /dev/shm: redo and binlog writes are memcpy, fsync is a no-op syscall.
 * See docs/cpu-and-redo.md.
 *
 * `runSysbench(opts)` builds a kernel, a CpuMachine (cpuset + cgroup quota), the server with its
 * models and the redo log, runs for a virtual duration and returns a report.
 */
import { Kernel, type Scheduler } from "../../kernel/index.js";
import type { SimThread } from "../../kernel/thread.js";
import { MS, SEC, US, type Ns } from "../../kernel/time.js";
import { CpuMachine, systemdCpuQuota, type CpuAccounting, type CpuCosts, type IdleState, type CfsThrottle, type SchedTunables } from "../../machine/cpu/index.js";
import { DEV_SHM, type DiskSpec } from "../../machine/disk.js";
import { checkGlibcVersion, MUTEX_SPIN_LABEL } from "../../sync/adaptive-mutex.js";
import type { TraceSink } from "../../trace/sink.js";
import type { MysqlBinLog } from "../binlog/binlog.js";
import { codeCost, installCodePathCosts } from "../costs.js";
import { installInnodb80, type Commit80Stats } from "../innodb/commit80.js";
import { PURGE_LABEL_ROW, PurgeSys, type PurgeCosts } from "../innodb/purge.js";
import {
  RedoLog,
  SPIN_LABEL_FLUSHER,
  SPIN_LABEL_USER,
  SPIN_LABEL_WRITER,
  TMPFS,
  type LogParams,
  type RedoCosts,
  type RedoDevice,
  type SrvCpuUsage,
} from "../innodb/redo.js";
import { installModels } from "../models.js";
import { Server } from "../server.js";
import { executeStatement } from "../sql/execute.js";
import { parseStatement, type Statement } from "../sql/parse.js";
import { checkValue, sysvar, type SysVarValue } from "../sysvars.js";

/** The client side of oltp_update_index (outside mysqld's cgroup: no modelled CPU). */
export interface SysbenchCosts {
  /** one way over the Unix socket (the client sleeps; no server CPU) */
  netOneWayNs: Ns;
  /** sysbench's own work per event (Lua, client library), outside the server's cgroup */
  clientNs: Ns;
}

export const DEFAULT_SYSBENCH_COSTS: SysbenchCosts = {
  netOneWayNs: 10 * US,
  clientNs: 20 * US,
};

/** oltp_update_index's tables (--tables=10) */
export const SYSBENCH_TABLES = 10;

export interface SysbenchOptions {
  seed?: number | string;
  threads?: number;
  /** measured virtual time (sysbench --time) */
  durationNs?: Ns;
  /** virtual time before the measurement starts (the server's srv_cpu_usage needs a sample) */
  warmupNs?: Ns;
  /** AllowedCPUs: a count (0..n-1) or the CPU ids */
  cpus?: number | readonly number[];
  /** CPUQuota= in percent of one CPU; null or < 0: no quota */
  cpuQuotaPct?: number | null;
  /** CPUQuotaPeriodSec= (default 100 ms) */
  cpuPeriodNs?: Ns;
  /** sched_cfs_bandwidth_slice_us (default 5 ms) */
  bandwidthSliceNs?: Ns;
  /** SET GLOBAL ... for the run (innodb_log_spin_cpu_pct_hwm, innodb_flush_log_at_trx_commit ...) */
  sysvars?: Record<string, SysVarValue>;
  /** the seed's hacked build: n_cpu forced in srv_update_cpu_usage */
  forceNcpu?: number | null;
  /** the redo log's device (default: the seed's /dev/shm) */
  device?: RedoDevice;
  /** the binary log's device (default: the seed's /dev/shm) */
  binlogDisk?: DiskSpec;
  /** machine.host_cpus: the host's online CPUs, for the CFS tunables' scaling (default: the cpuset) */
  hostCpus?: number;
  /** machine.pause_ns: one PAUSE (default: the CPU model's DEFAULT_PAUSE_NS) */
  pauseNs?: Ns;
  /** machine.cpu_accounting: how getrusage splits user/system time (default "tick", src/machine/cpu/cputime.ts) */
  cpuAccounting?: CpuAccounting;
  /** machine.hz: CONFIG_HZ, the ticks that sample that split (default 250) */
  hz?: number;
  /** the CPUs' idle states (machine.cpuidle; default none: an idle CPU takes work at once) */
  idleStates?: readonly IdleState[];
  /** machine.cfs_throttle: when a spent CFS silo is noticed (default "exact") */
  cfsThrottle?: CfsThrottle;
  /**
   * machine.glibc: "2.25" or later puts glibc's adaptive mutexes and condition variables on the
   * commit path's MY_MUTEX_INIT_FAST mutexes (src/sync/adaptive-mutex.ts; the seed's is 2.33);
   * unset: the kernel's generic Mutex / Cond (the model before)
   */
  glibc?: string;
  /**
   * A diagnostic, not a model setting: srv_cpu_usage's values when the load starts (the sampler's
   * statics are primed as usual; only what the spin decisions read until the first sample at 1 s
   * changes). Used to start a run from the seed's gdb print (utime_abs 83.26, stime_abs 15.32).
   */
  srvCpuUsageAtStart?: Partial<SrvCpuUsage>;
  costs?: Partial<SysbenchCosts>;
  redoCosts?: Partial<RedoCosts>;
  logParams?: Partial<LogParams>;
  cpuCosts?: Partial<CpuCosts>;
  purgeCosts?: Partial<PurgeCosts>;
  /** run InnoDB's purge threads (default true); false: the model before purge (undo never purged) */
  purge?: boolean;
  sched?: Partial<SchedTunables>;
  scheduler?: Scheduler;
  trace?: TraceSink;
  /** keep per-transaction latencies to compute exact percentiles (default true) */
  exactPercentiles?: boolean;
  /** stop the run after this many kernel steps (outcome step_limit) */
  maxSteps?: number;
  /** called with the kernel before the run starts (a run's bounds and progress: kernel.tick) */
  prepare?: (kernel: Kernel) => void;
  /** called after the run with the simulated parts (tests, diagnostics) */
  inspect?: (parts: { kernel: Kernel; machine: CpuMachine; redo: RedoLog; server: Server }) => void;
}

export interface SysbenchReport {
  config: {
    threads: number;
    duration_s: number;
    warmup_s: number;
    cpus: number;
    cpu_quota_pct: number | null;
    force_n_cpu: number | null;
    host_cpus: number;
    pause_ns: number;
    /** machine.cpu_accounting and machine.hz */
    cpu_accounting: CpuAccounting;
    hz: number;
    /** machine.glibc (null: the kernel's generic Mutex / Cond on the commit path) */
    glibc: string | null;
    log_bin: boolean;
    sysvars: Record<string, SysVarValue>;
    seed: number | string;
  };
  transactions: number;
  tps: number;
  latency_ms: { min: number; avg: number; p95: number; max: number };
  /** the cgroup's cpu.stat and usage during the measurement */
  cpu: {
    nr_periods: number;
    nr_throttled: number;
    throttled_time_s: number;
    usage_s: number;
    user_s: number;
    system_s: number;
    /** usage / wall time, in CPUs */
    cpus_used: number;
    /** CPU µs per transaction, all threads of the server */
    cpu_per_txn_us: number;
    /** CPU µs per transaction by burst label (parse, execute, spin, sys:futex_wake ...) */
    by_label_us_per_txn: Record<string, number>;
  };
  /** srv_cpu_usage as the server last computed it, and the mean of its samples in the window */
  srv_cpu_usage: SrvCpuUsage;
  srv_cpu_usage_mean: SrvCpuUsage;
  spin: {
    /** one spin round, ns (machine.pause_ns + the condition check) */
    spin_round_ns: number;
    /** CPU spent spinning in log_write_up_to / total CPU (the seed's perf: 21%) */
    user_fraction: number;
    /** CPU spent spinning by log_writer / log_flusher, each / total CPU */
    log_writer_fraction: number;
    log_flusher_fraction: number;
    /** CPU spent by log_writer + log_flusher spinning / total CPU */
    log_threads_fraction: number;
    /** CPU spent in glibc's adaptive mutex spin (machine.glibc) / total CPU */
    mutex_fraction: number;
    user_spin_us_per_txn: number;
    /** mean max_spins user threads computed */
    avg_max_spins: number;
    /** share of waiting commits that returned during the spin */
    spin_hit_ratio: number;
    event_waits_per_txn: number;
    /** share of log_writer / log_flusher waits allowed to spin (Log_thread_waiting::wait: utime_abs
     * >= innodb_log_spin_cpu_abs_lwm and requests < 1 ms apart); near 1: the log threads spin */
    log_thread_spin_wait_share: number;
  };
  redo: { writes: number; flushes: number; txns_per_flush: number; flush_avg_time_us: number; requests_interval_us: number };
  /** InnoDB purge (purge.ts) in the window: records purged per transaction, batches, mean batch, history length at the end, CPU share */
  purge: { threads: number; purged_per_txn: number; batches: number; avg_batch: number; history_len: number; cpu_fraction: number };
  /** commits that waited in log_write_up_to: flush-stage leaders (log_bin=ON) or every committer (OFF) */
  commit: { log_write_up_to_calls: number; leader_commits: number; follower_commits: number; avg_group_size: number; binlog_fsyncs: number };
  /** per CPU of the cpuset: run delay of the tasks queued there (ms per second of the window), busy share, idle pulls */
  per_cpu: { cpu: number; run_delay_ms_per_s: number; busy: number; pulls: number }[];
  sim: { outcome: string; virtual_s: number; events: number; steps: number; context_switches: number };
  /** with idle states (machine.cpuidle): wake-ups of idle CPUs by the state left, and the exit latency paid per transaction */
  cpuidle?: { wakeups: Record<string, number>; exit_us_per_txn: number };
}

interface Snapshot {
  labels: Map<string, Ns>;
  usage: Ns;
  user: Ns;
  system: Ns;
  nr_periods: number;
  nr_throttled: number;
  throttled_time: Ns;
  userSpin: Ns;
  writerSpin: Ns;
  flusherSpin: Ns;
  mutexSpin: Ns;
  ownFlushes: number;
  groupFlushes: number;
  leaders: number;
  followers: number;
  binlogFsyncs: number;
  perCpu: { runDelayNs: Ns; busyNs: Ns; pulls: number }[];
  idleWakeups: number[];
  idleExitNs: Ns;
  writes: number;
  flushes: number;
  waitCalls: number;
  spinHits: number;
  eventWaits: number;
  maxSpinsSum: number;
  logThreadWaits: number;
  logThreadSpinWaits: number;
  purged: number;
  purgeBatches: number;
  purgeCpu: Ns;
}

/** Runs the workload and reports. */
export function runSysbench(opts: SysbenchOptions = {}): SysbenchReport {
  const steps = runSysbenchSteps(opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** runSysbench that yields whenever the kernel's tick pauses the run (a caller can serve signals). */
export function* runSysbenchSteps(opts: SysbenchOptions = {}): Generator<void, SysbenchReport, void> {
  const seed = opts.seed ?? 1;
  const threads = opts.threads ?? 64;
  const duration = opts.durationNs ?? 60 * SEC;
  const warmup = opts.warmupNs ?? 0;
  const quotaPct = opts.cpuQuotaPct ?? null;
  const period = opts.cpuPeriodNs ?? 100 * MS;
  const costs: SysbenchCosts = { ...DEFAULT_SYSBENCH_COSTS, ...opts.costs };

  const kernel = new Kernel({ seed, scheduler: opts.scheduler, trace: opts.trace, maxSteps: opts.maxSteps });
  opts.prepare?.(kernel);
  const machine = new CpuMachine(kernel, {
    cpus: opts.cpus ?? 6,
    hostCpus: opts.hostCpus,
    pauseNs: opts.pauseNs,
    cpuAccounting: opts.cpuAccounting,
    hz: opts.hz,
    idleStates: opts.idleStates,
    cfsThrottle: opts.cfsThrottle,
    group: { ...systemdCpuQuota("mysqld.scope", quotaPct, period), sliceNs: opts.bandwidthSliceNs },
    costs: opts.cpuCosts,
    sched: opts.sched,
  }).install();
  const server = new Server(kernel, "8.0", "8.0");
  const sysvars = server.vars;
  for (const [name, value] of Object.entries(opts.sysvars ?? {})) {
    const def = sysvar(name);
    if (!def) throw new Error(`unknown system variable ${name}`);
    const c = checkValue(def, value);
    if ("error" in c) throw new Error(c.error);
    sysvars.set(def.name, c.value);
  }
  const redo = new RedoLog(kernel, machine, { sysvars, device: opts.device ?? TMPFS, forceNcpu: opts.forceNcpu ?? null, params: opts.logParams, costs: opts.redoCosts });
  const c80: Commit80Stats = { ownFlushes: 0, groupFlushes: 0 };
  const purge = (opts.purge ?? true) ? new PurgeSys(kernel, redo, sysvars, opts.purgeCosts) : null;
  if (purge) redo.masterHook = purge.wakeIfNotActive.bind(purge);
  server.ext.redo80 = { redo, stats: c80, purge };
  server.ext.datadirDisk = opts.binlogDisk ?? DEV_SHM;
  server.ext.cpu = machine;
  if (opts.glibc !== undefined) {
    const bad = checkGlibcVersion(opts.glibc);
    if (bad) throw new Error(bad);
    server.ext.glibc = opts.glibc;
  }
  installCodePathCosts(kernel);
  installModels(server);
  installInnodb80(server, redo, c80, purge);
  const binlog = (server.ext.binlog as MysqlBinLog | undefined) ?? null;
  for (let i = 1; i <= SYSBENCH_TABLES; i++) server.addTable({ db: "sbtest", name: `sbtest${i}`, columns: ["id", "k", "c", "pad"], parents: [], rows: [] });
  // --db-ps-mode=disable: every statement is text; parsed once per table here (the CPU of
  // parsing is dispatch_command's, charged on every run)
  const stmts: Statement[] = [];
  for (let i = 1; i <= SYSBENCH_TABLES; i++) stmts.push(parseStatement(`UPDATE sbtest${i} SET k=k+1 WHERE id=1`, "sbtest"));
  const samples: SrvCpuUsage[] = [];
  redo.start();
  if (opts.srvCpuUsageAtStart) Object.assign(redo.cpuUsage.usage, opts.srvCpuUsageAtStart);
  purge?.start();

  const group = machine.defaultGroup;
  const purgeThreadsCpu = (): Ns => {
    let ns = 0;
    for (const t of kernel.threads) if (t.name === "srv_purge_coordinator" || t.name.startsWith("srv_worker")) ns += machine.schedstat(t).cpuNs;
    return ns;
  };
  const end = warmup + duration;
  const snap = (): Snapshot => {
    machine.chargeAll();
    const s = group.stats;
    return {
      labels: new Map(group.byLabel),
      usage: s.usage,
      user: s.user,
      system: s.system,
      nr_periods: s.nr_periods,
      nr_throttled: s.nr_throttled,
      throttled_time: s.throttled_time,
      userSpin: machine.labelNs(SPIN_LABEL_USER),
      writerSpin: machine.labelNs(SPIN_LABEL_WRITER),
      flusherSpin: machine.labelNs(SPIN_LABEL_FLUSHER),
      mutexSpin: machine.labelNs(MUTEX_SPIN_LABEL),
      ownFlushes: c80.ownFlushes,
      groupFlushes: c80.groupFlushes,
      leaders: binlog?.stats.leaderCommits ?? 0,
      followers: binlog?.stats.followerCommits ?? 0,
      binlogFsyncs: binlog?.stats.fsyncs ?? 0,
      perCpu: machine.cpuSchedStats().map((c) => ({ runDelayNs: c.runDelayNs, busyNs: c.busyNs, pulls: c.pulls })),
      idleWakeups: [...machine.idleWakeups],
      idleExitNs: machine.idleExitNs,
      writes: redo.stats.writes,
      flushes: redo.stats.flushes,
      waitCalls: redo.stats.waitCalls,
      spinHits: redo.stats.spinHits,
      eventWaits: redo.stats.eventWaits,
      maxSpinsSum: redo.stats.maxSpinsSum,
      logThreadWaits: redo.stats.logThreadWaits,
      logThreadSpinWaits: redo.stats.logThreadSpinWaits,
      purged: purge?.stats.purged ?? 0,
      purgeBatches: purge?.stats.batches ?? 0,
      purgeCpu: purgeThreadsCpu(),
    };
  };
  let s0: Snapshot | null = warmup === 0 ? snap() : null;
  let s1: Snapshot | null = null;
  if (warmup > 0) kernel.at(warmup, () => (s0 = snap()));
  kernel.at(end, () => (s1 = snap()));
  // sample srv_cpu_usage once a second (just after the master's update)
  let lastUpdates = 0;
  const sampleTick = (): void => {
    if (redo.cpuUsage.updates !== lastUpdates && kernel.now > warmup && kernel.now <= end) samples.push({ ...redo.cpuUsage.usage });
    lastUpdates = redo.cpuUsage.updates;
    if (kernel.now < end) kernel.at(100 * MS, sampleTick);
  };
  kernel.at(100 * MS, sampleTick);

  // ---- the client threads (one server connection thread each)
  const exact = opts.exactPercentiles ?? true;
  const lat: number[] = [];
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;
  const hist = new Float64Array(1024); // sysbench-like log histogram, for exactPercentiles=false
  const HIST_MIN = 1e-3; // ms
  const HIST_MAX = 1e5;
  const histIdx = (ms: number): number => {
    const x = Math.floor(((Math.log(Math.max(ms, HIST_MIN)) - Math.log(HIST_MIN)) / (Math.log(HIST_MAX) - Math.log(HIST_MIN))) * 1023);
    return Math.min(1023, Math.max(0, x));
  };
  const conn = function* (t: SimThread) {
    const rng = t.rng("workload");
    const thd = server.connect(t.name, t);
    while (t.now < end) {
      const start = t.now;
      // sysbench: pick the table (sysbench's sb_rand_uniform(1, tables)), send COM_QUERY
      const stmt = stmts[Math.floor(rng.next() * SYSBENCH_TABLES)]!;
      yield t.sleep(costs.clientNs + costs.netOneWayNs);
      // mysqld's connection thread (do_command): read the packet, run it, send OK
      thd.command = "Query";
      yield t.cpu(codeCost(t, "vio_read"), "sys:vio_read");
      yield* executeStatement(t, thd, stmt, server);
      yield t.cpu(codeCost(t, "vio_write"), "sys:vio_write");
      thd.command = "Sleep";
      yield t.sleep(costs.netOneWayNs);
      const done = t.now;
      if (done > warmup && done <= end) {
        const ms = (done - start) / MS;
        count++;
        sum += ms;
        if (ms < min) min = ms;
        if (ms > max) max = ms;
        if (exact) lat.push(ms);
        else hist[histIdx(ms)]!++;
      }
    }
  };
  for (let i = 0; i < threads; i++) kernel.spawn(`connection${i}`, conn);

  let result = kernel.run(end + 5 * SEC);
  while (result.outcome === "paused") {
    yield;
    result = kernel.run(end + 5 * SEC);
  }
  opts.inspect?.({ kernel, machine, redo, server });
  const a = s0 ?? snap();
  const b = s1 ?? snap();
  let p95 = 0;
  if (exact && lat.length > 0) {
    lat.sort((x, y) => x - y);
    p95 = lat[Math.min(lat.length - 1, Math.ceil(0.95 * lat.length) - 1)]!;
  } else if (count > 0) {
    let acc = 0;
    for (let i = 0; i < 1024; i++) {
      acc += hist[i]!;
      if (acc >= 0.95 * count) {
        p95 = Math.exp(Math.log(HIST_MIN) + ((i + 1) / 1023) * (Math.log(HIST_MAX) - Math.log(HIST_MIN)));
        break;
      }
    }
  }
  const durS = duration / SEC;
  const usage = b.usage - a.usage;
  const waitCalls = b.waitCalls - a.waitCalls;
  const mean = (f: (u: SrvCpuUsage) => number): number => (samples.length ? samples.reduce((s, u) => s + f(u), 0) / samples.length : 0);
  const flushes = b.flushes - a.flushes;
  const leaders = b.leaders - a.leaders;
  const followers = b.followers - a.followers;
  const frac = (x: number, y: number): number => (usage ? (x - y) / usage : 0);
  return {
    config: {
      threads,
      duration_s: durS,
      warmup_s: warmup / SEC,
      cpus: machine.ncpu,
      cpu_quota_pct: quotaPct,
      force_n_cpu: opts.forceNcpu ?? null,
      host_cpus: machine.hostCpus,
      pause_ns: machine.pauseNs,
      cpu_accounting: machine.cpuAccounting,
      hz: machine.hz,
      glibc: opts.glibc ?? null,
      log_bin: binlog !== null,
      sysvars: { ...(opts.sysvars ?? {}) },
      seed,
    },
    transactions: count,
    tps: count / durS,
    latency_ms: { min: count ? min : 0, avg: count ? sum / count : 0, p95, max },
    cpu: {
      nr_periods: b.nr_periods - a.nr_periods,
      nr_throttled: b.nr_throttled - a.nr_throttled,
      throttled_time_s: (b.throttled_time - a.throttled_time) / SEC,
      usage_s: usage / SEC,
      user_s: (b.user - a.user) / SEC,
      system_s: (b.system - a.system) / SEC,
      cpus_used: usage / duration,
      cpu_per_txn_us: count ? usage / count / US : 0,
      by_label_us_per_txn: Object.fromEntries(
        [...b.labels.entries()].map(([l, v]) => [l, count ? Math.round(((v - (a.labels.get(l) ?? 0)) / count / US) * 100) / 100 : 0] as const).sort((x, y) => y[1] - x[1]),
      ),
    },
    srv_cpu_usage: { ...redo.cpuUsage.usage },
    srv_cpu_usage_mean: {
      n_cpu: redo.cpuUsage.usage.n_cpu,
      utime_abs: mean((u) => u.utime_abs),
      stime_abs: mean((u) => u.stime_abs),
      utime_pct: mean((u) => u.utime_pct),
      stime_pct: mean((u) => u.stime_pct),
    },
    spin: {
      spin_round_ns: redo.spinRoundNs,
      user_fraction: frac(b.userSpin, a.userSpin),
      log_writer_fraction: frac(b.writerSpin, a.writerSpin),
      log_flusher_fraction: frac(b.flusherSpin, a.flusherSpin),
      log_threads_fraction: frac(b.writerSpin + b.flusherSpin, a.writerSpin + a.flusherSpin),
      mutex_fraction: frac(b.mutexSpin, a.mutexSpin),
      user_spin_us_per_txn: count ? (b.userSpin - a.userSpin) / count / US : 0,
      avg_max_spins: waitCalls ? (b.maxSpinsSum - a.maxSpinsSum) / waitCalls : 0,
      spin_hit_ratio: waitCalls ? (b.spinHits - a.spinHits) / waitCalls : 0,
      event_waits_per_txn: count ? (b.eventWaits - a.eventWaits) / count : 0,
      log_thread_spin_wait_share: b.logThreadWaits > a.logThreadWaits ? (b.logThreadSpinWaits - a.logThreadSpinWaits) / (b.logThreadWaits - a.logThreadWaits) : 0,
    },
    redo: {
      writes: b.writes - a.writes,
      flushes,
      txns_per_flush: flushes ? count / flushes : 0,
      flush_avg_time_us: redo.flushAvgTimeUs,
      requests_interval_us: redo.requestsIntervalUs,
    },
    purge: {
      threads: purge?.threads ?? 0,
      purged_per_txn: count ? (b.purged - a.purged) / count : 0,
      batches: b.purgeBatches - a.purgeBatches,
      avg_batch: b.purgeBatches > a.purgeBatches ? (b.purged - a.purged) / (b.purgeBatches - a.purgeBatches) : 0,
      history_len: purge?.historyLen ?? 0,
      cpu_fraction: frac(b.purgeCpu, a.purgeCpu),
    },
    commit: {
      log_write_up_to_calls: b.ownFlushes - a.ownFlushes + (b.groupFlushes - a.groupFlushes),
      leader_commits: leaders,
      follower_commits: followers,
      avg_group_size: leaders ? (leaders + followers) / leaders : 0,
      binlog_fsyncs: b.binlogFsyncs - a.binlogFsyncs,
    },
    per_cpu: b.perCpu.map((c, i) => {
      const c0 = a.perCpu[i]!;
      return { cpu: machine.cpuIds[i]!, run_delay_ms_per_s: (c.runDelayNs - c0.runDelayNs) / MS / durS, busy: (c.busyNs - c0.busyNs) / duration, pulls: c.pulls - c0.pulls };
    }),
    sim: { outcome: result.outcome, virtual_s: result.now / SEC, events: result.events, steps: result.steps, context_switches: machine.switches },
    ...(machine.idleStates.length
      ? { cpuidle: { wakeups: Object.fromEntries(machine.idleStates.map((st, i) => [st.name, b.idleWakeups[i]! - a.idleWakeups[i]!])), exit_us_per_txn: count ? (b.idleExitNs - a.idleExitNs) / US / count : 0 } }
      : {}),
  };
}
