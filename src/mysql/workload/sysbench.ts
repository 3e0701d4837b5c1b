/**
 * A sysbench-like client for the CPU-quota study (seed 001): `oltp_update_index` with N threads,
 * closed loop as sysbench runs it (each thread sends one autocommit `UPDATE sbtest%d SET k=k+1
 * WHERE id=?`, waits for the answer, sends the next), --db-ps-mode=disable (every statement is
 * parsed). The server side of each connection burns calibrated CPU for recv/parse/execute/send,
 * commits a mini-transaction's redo, then commits with log_write_up_to(lsn, flush=true) as
 * innodb_flush_log_at_trx_commit=1 asks. See docs/cpu-and-redo.md for the calibration.
 *
 * `runSysbench(opts)` builds a kernel, a CpuMachine (cpuset + cgroup quota), the redo log and the
 * workload, runs for a virtual duration and returns a report.
 */
import { Kernel, type Scheduler } from "../../kernel/index.js";
import type { SimThread } from "../../kernel/thread.js";
import { MS, SEC, US, type Ns } from "../../kernel/time.js";
import { CpuMachine, systemdCpuQuota, type CpuCosts, type SchedTunables } from "../../machine/cpu/index.js";
import type { TraceSink } from "../../trace/sink.js";
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
import { SystemVariables, checkValue, sysvar, type SysVarValue } from "../sysvars.js";

/** Per-transaction costs of oltp_update_index (calibrated; see docs/cpu-and-redo.md). */
export interface SysbenchCosts {
  /** one way over the Unix socket (the client sleeps; no server CPU) */
  netOneWayNs: Ns;
  /** sysbench's own work per event (Lua, client library), outside the server's cgroup */
  clientNs: Ns;
  /** server: read the query from the socket (system time) */
  recvNs: Ns;
  /** server: MYSQLparse and friends */
  parseNs: Ns;
  /** server: open/lock table, optimize, row search by PK, update clustered + secondary index, undo */
  executeNs: Ns;
  /** server: transaction commit outside the redo wait (trx_commit_low, release locks, THD cleanup) */
  commitNs: Ns;
  /** server: send the OK packet (system time) */
  sendNs: Ns;
  /** redo bytes one transaction generates (clustered + secondary index change + undo) */
  redoBytes: number;
  /** background CPU per transaction (purge of the delete-marked secondary entries, page cleaner
   * copying/checksumming dirty pages): run by a purge daemon in the same cgroup */
  backgroundNs: Ns;
}

export const DEFAULT_SYSBENCH_COSTS: SysbenchCosts = {
  netOneWayNs: 10 * US,
  clientNs: 20 * US,
  recvNs: 8 * US,
  parseNs: 25 * US,
  executeNs: 125 * US,
  commitNs: 20 * US,
  sendNs: 14 * US,
  redoBytes: 600,
  backgroundNs: 0,
};

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
  device?: RedoDevice;
  costs?: Partial<SysbenchCosts>;
  redoCosts?: Partial<RedoCosts>;
  logParams?: Partial<LogParams>;
  cpuCosts?: Partial<CpuCosts>;
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
  inspect?: (parts: { kernel: Kernel; machine: CpuMachine; redo: RedoLog }) => void;
}

export interface SysbenchReport {
  config: {
    threads: number;
    duration_s: number;
    warmup_s: number;
    cpus: number;
    cpu_quota_pct: number | null;
    force_n_cpu: number | null;
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
    /** CPU spent spinning in log_write_up_to / total CPU (the seed's perf: 21%) */
    user_fraction: number;
    /** CPU spent by log_writer + log_flusher spinning / total CPU */
    log_threads_fraction: number;
    user_spin_us_per_txn: number;
    /** mean max_spins user threads computed */
    avg_max_spins: number;
    /** share of waiting commits that returned during the spin */
    spin_hit_ratio: number;
    event_waits_per_txn: number;
  };
  redo: { writes: number; flushes: number; txns_per_flush: number; flush_avg_time_us: number; requests_interval_us: number };
  sim: { outcome: string; virtual_s: number; events: number; steps: number; context_switches: number };
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
  logSpin: Ns;
  writes: number;
  flushes: number;
  waitCalls: number;
  spinHits: number;
  eventWaits: number;
  maxSpinsSum: number;
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
    group: { ...systemdCpuQuota("mysqld.scope", quotaPct, period), sliceNs: opts.bandwidthSliceNs },
    costs: opts.cpuCosts,
    sched: opts.sched,
  }).install();
  const sysvars = new SystemVariables("8.0");
  for (const [name, value] of Object.entries(opts.sysvars ?? {})) {
    const def = sysvar(name);
    if (!def) throw new Error(`unknown system variable ${name}`);
    const c = checkValue(def, value);
    if ("error" in c) throw new Error(c.error);
    sysvars.set(def.name, c.value);
  }
  const redo = new RedoLog(kernel, machine, { sysvars, device: opts.device ?? TMPFS, forceNcpu: opts.forceNcpu ?? null, params: opts.logParams, costs: opts.redoCosts });
  const samples: SrvCpuUsage[] = [];
  redo.start();

  const group = machine.defaultGroup;
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
      logSpin: machine.labelNs(SPIN_LABEL_WRITER) + machine.labelNs(SPIN_LABEL_FLUSHER),
      writes: redo.stats.writes,
      flushes: redo.stats.flushes,
      waitCalls: redo.stats.waitCalls,
      spinHits: redo.stats.spinHits,
      eventWaits: redo.stats.eventWaits,
      maxSpinsSum: redo.stats.maxSpinsSum,
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

  // ---- background work (purge, page cleaner), proportional to commits
  let backlog = 0;
  if (costs.backgroundNs > 0) kernel.spawn(
    "purge_coordinator",
    function* (t) {
      for (;;) {
        if (backlog > 0) {
          const take = Math.min(backlog, 2 * MS);
          backlog -= take;
          yield t.cpu(take, "purge");
        } else yield t.sleep(10 * MS);
      }
    },
    { daemon: true },
  );

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
    while (t.now < end) {
      const start = t.now;
      yield t.sleep(costs.clientNs + costs.netOneWayNs);
      // mysqld connection thread: COM_QUERY
      yield t.cpu(costs.recvNs, "sys:recv");
      yield t.cpu(costs.parseNs, "parse");
      // a little variation in row search depth / page residency
      yield t.cpu(costs.executeNs * (0.8 + 0.4 * rng.next()), "execute");
      const lsn = yield* redo.mtrCommit(t, costs.redoBytes);
      yield t.cpu(costs.commitNs, "commit");
      yield* redo.logWriteUpTo(t, lsn, true);
      backlog += costs.backgroundNs;
      yield t.cpu(costs.sendNs, "sys:send");
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
  opts.inspect?.({ kernel, machine, redo });
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
  return {
    config: {
      threads,
      duration_s: durS,
      warmup_s: warmup / SEC,
      cpus: machine.ncpu,
      cpu_quota_pct: quotaPct,
      force_n_cpu: opts.forceNcpu ?? null,
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
      user_fraction: usage ? (b.userSpin - a.userSpin) / usage : 0,
      log_threads_fraction: usage ? (b.logSpin - a.logSpin) / usage : 0,
      user_spin_us_per_txn: count ? (b.userSpin - a.userSpin) / count / US : 0,
      avg_max_spins: waitCalls ? (b.maxSpinsSum - a.maxSpinsSum) / waitCalls : 0,
      spin_hit_ratio: waitCalls ? (b.spinHits - a.spinHits) / waitCalls : 0,
      event_waits_per_txn: count ? (b.eventWaits - a.eventWaits) / count : 0,
    },
    redo: {
      writes: b.writes - a.writes,
      flushes,
      txns_per_flush: flushes ? count / flushes : 0,
      flush_avg_time_us: redo.flushAvgTimeUs,
      requests_interval_us: redo.requestsIntervalUs,
    },
    sim: { outcome: result.outcome, virtual_s: result.now / SEC, events: result.events, steps: result.steps, context_switches: machine.switches },
  };
}
