import type { Ns } from "../../kernel/time.js";
import { MS } from "../../kernel/time.js";
import type { PrevCputime, TickCputime } from "./cputime.js";

/**
 * A cgroup with CFS bandwidth control, after the Linux kernel's Documentation/scheduler/sched-bwc.rst
 * and kernel/sched/fair.c (5.x, the CFS era; the blog of the seed ran glibc 2.33, i.e. a 5.x kernel):
 *
 * - `quota` ns of CPU time per `period` (cpu.cfs_quota_us / cpu.cfs_period_us; cgroup v2 cpu.max).
 *   quota < 0 is "-1", no limit. systemd's CPUQuota=100% is quota = 1 CPU-period: "the percentage
 *   specifies how much CPU time the unit shall get at maximum, relative to the total CPU time
 *   available on one CPU" (systemd.resource-control(5)); CPUQuotaPeriodSec= defaults to 100 ms.
 * - The group's unassigned quota is a global pool refilled to `quota` at each period boundary
 *   (__refill_cfs_bandwidth_runtime). Each CPU's runqueue of the group pulls runtime from the pool
 *   into a CPU-local "silo" on demand, `slice` at a time (sched_cfs_bandwidth_slice_us, default
 *   5 ms): assign_cfs_rq_runtime takes min(pool, slice - runtime_remaining).
 * - When a CPU's silo is spent and the pool is empty, that CPU's runqueue of the group is throttled
 *   (throttle_cfs_rq) until the period timer refills the pool (distribute_cfs_runtime).
 * - cpu.stat: nr_periods (enforcement intervals elapsed while the group was active), nr_throttled
 *   (periods at whose end the group had throttled runqueues: do_sched_cfs_period_timer adds
 *   `overrun` when the throttled list is non-empty), throttled_time (ns, summed over each CPU's
 *   throttled runqueue: throttled_time += rq_clock - throttled_clock at unthrottle, so with 6 CPUs
 *   it can grow 6x faster than the wall clock).
 * - Since Linux 5.4 (commit de53fd7aedb1 "sched/fair: Fix low cpu usage with high throttling by
 *   removing expiration of cpu-local slices") leftover silo runtime is not expired at the period
 *   boundary, so a group may use up to quota + slice x nr_cpus in one period (sched-bwc.rst,
 *   "Real-world behavior"). That is the bound this model guarantees and tests:
 *     usage(any period) <= quota + (number of CPUs) x slice.
 * - When a CPU has nothing of the group left to run it returns its silo beyond min_cfs_rq_runtime
 *   (1 ms) to the pool at once (__return_cfs_rq_runtime). If the pool then holds more than a slice
 *   and some CPUs are throttled, the slack timer (cfs_bandwidth_slack_period, 5 ms; not started
 *   when the period refresh is less than 5 + 2 ms away: runtime_refresh_within) hands the pool to
 *   the throttled CPUs (do_sched_cfs_slack_timer -> distribute_cfs_runtime), as CpuMachine does.
 * - Enforcement is exact by default (a throttle fires at the very ns the silo is spent); the real
 *   kernel notices at the next update_curr (tick or scheduling event), overrunning by up to a tick:
 *   CpuMachine's `cfsThrottle: "tick"` (machine.cfs_throttle) does that, and assign() repays the debt.
 */
export interface CpuGroupOptions {
  name: string;
  /** CPU ns per period; < 0: unlimited (cfs_quota_us = -1) */
  quotaNs?: Ns;
  periodNs?: Ns;
  /** sched_cfs_bandwidth_slice_us (default 5 ms) */
  sliceNs?: Ns;
}

export interface CpuGroupStats {
  /** cpu.stat nr_periods */
  nr_periods: number;
  /** cpu.stat nr_throttled */
  nr_throttled: number;
  /** cpu.stat throttled_time, ns (summed over CPUs) */
  throttled_time: Ns;
  /** cpuacct.usage: all CPU time the group's threads used, ns */
  usage: Ns;
  /** user and system time (getrusage ru_utime / ru_stime of the process) */
  user: Ns;
  system: Ns;
}

/** min_cfs_rq_runtime: what a CPU keeps in its silo when it goes idle (kernel/sched/fair.c) */
export const MIN_CFS_RQ_RUNTIME = 1 * MS;

/**
 * The cgroup systemd makes of `CPUQuota=pct%` for a unit: quota = pct/100 CPU-periods per period
 * (100% = one CPU's worth); null or negative: no quota (cfs_quota_us = -1).
 */
export function systemdCpuQuota(name: string, pct: number | null, periodNs: Ns): CpuGroupOptions {
  return { name, quotaNs: pct !== null && pct >= 0 ? (pct / 100) * periodNs : -1, periodNs };
}

export interface LabelSlot {
  readonly label: string;
  ns: Ns;
  listed: boolean;
}

export class CpuGroup {
  readonly name: string;
  quotaNs: Ns;
  periodNs: Ns;
  sliceNs: Ns;
  /** unassigned runtime of the current period (cfs_b->runtime) */
  pool: Ns;
  /** per-CPU runtime_remaining (silo) */
  readonly silo: Ns[];
  /** per-CPU: when its runqueue of this group was throttled (-1: not throttled) */
  readonly throttledAt: Ns[];
  readonly stats: CpuGroupStats = { nr_periods: 0, nr_throttled: 0, throttled_time: 0, usage: 0, user: 0, system: 0 };
  /** the tick-sampled user and system time of the group's threads (cputime.ts), ns */
  readonly ticks: TickCputime = { utime: 0, stime: 0 };
  /** cputime_adjust's memory of what getrusage last reported (signal->prev_cputime) */
  readonly prevCputime: PrevCputime = { utime: 0, stime: 0 };
  /**
   * Per-label accumulators (CpuMachine resolves a burst's once, when the burst starts, instead of
   * a Map lookup and store on every charge), and the ones that took CPU, in the order they first
   * did (byLabel's order).
   */
  private readonly slots = new Map<string, LabelSlot>();
  private readonly listed: LabelSlot[] = [];
  readonly contextSwitchSlot = this.slot("sys:context_switch");
  readonly migrationSlot = this.slot("migration");
  /** usage in each elapsed period (for the bandwidth invariant) */
  readonly periodUsage: Ns[] = [];
  /** usage since the current period began */
  usageThisPeriod: Ns = 0;
  /** the group ran or wanted to run during the current period (the period timer is active) */
  activeThisPeriod = false;
  throttledCpus = 0;
  /** throttle_cfs_rq calls (a CPU's runqueue of the group throttled); not a cpu.stat field */
  throttles = 0;
  /** the first throttle of this period has been traced */
  tracedThrottle = false;
  /** when the current period began (the period timer's last expiry) */
  periodStart: Ns = 0;
  /** a slack timer is pending */
  slackPending = false;

  constructor(opts: CpuGroupOptions, ncpu: number) {
    this.name = opts.name;
    this.quotaNs = opts.quotaNs ?? -1;
    this.periodNs = opts.periodNs ?? 100 * MS;
    this.sliceNs = opts.sliceNs ?? 5 * MS;
    if (this.periodNs <= 0) throw new Error(`cgroup ${this.name}: period must be > 0`);
    this.pool = this.quotaNs;
    this.silo = new Array<Ns>(ncpu).fill(0);
    this.throttledAt = new Array<Ns>(ncpu).fill(-1);
  }

  /** CPU ns by burst label ("spin", "parse", "sys:futex" ...), in the order they first took CPU */
  get byLabel(): Map<string, Ns> {
    return new Map(this.listed.map((x) => [x.label, x.ns]));
  }

  /** CPU ns of one label (0: none yet) */
  labelNs(label: string): Ns {
    return this.slots.get(label)?.ns ?? 0;
  }

  /** The accumulator of a label (made on first use; listed in byLabel once it takes CPU). */
  slot(label: string): LabelSlot {
    let x = this.slots.get(label);
    if (x === undefined) {
      x = { label, ns: 0, listed: false };
      this.slots.set(label, x);
    }
    return x;
  }

  /** Charges `ns` (> 0) to a label's accumulator. */
  addLabel(x: LabelSlot, ns: Ns): void {
    if (!x.listed) {
      x.listed = true;
      this.listed.push(x);
    }
    x.ns += ns;
  }

  get limited(): boolean {
    return this.quotaNs >= 0;
  }

  /**
   * assign_cfs_rq_runtime: tops up CPU `i`'s silo from the pool, at most to one slice.
   * Returns true if the silo is now positive.
   */
  assign(i: number): boolean {
    if (!this.limited) return true;
    const want = this.sliceNs - this.silo[i]!;
    if (want > 0) {
      const amount = Math.min(this.pool, want);
      this.pool -= amount;
      this.silo[i]! += amount;
    }
    return this.silo[i]! > 0;
  }

  /** return_cfs_rq_runtime: an idle CPU gives back its silo beyond min_cfs_rq_runtime */
  returnSlack(i: number): void {
    if (!this.limited) return;
    const slack = this.silo[i]! - MIN_CFS_RQ_RUNTIME;
    if (slack > 0) {
      this.silo[i]! -= slack;
      this.pool += slack;
    }
  }

  isThrottled(i: number): boolean {
    return this.throttledAt[i]! >= 0;
  }

  /** Upper bound of the usage of any one period (see the class comment). */
  periodBound(ncpu: number): Ns {
    return this.quotaNs + ncpu * this.sliceNs;
  }
}
