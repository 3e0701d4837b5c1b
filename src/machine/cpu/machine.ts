import { effectName, type CpuModel, type Kernel } from "../../kernel/kernel.js";
import type { SimThread } from "../../kernel/thread.js";
import { MS, US, type Ns } from "../../kernel/time.js";
import { CpuGroup, type CpuGroupOptions } from "./cgroup.js";

/**
 * CFS tunables (kernel/sched/fair.c, Linux 5.x, before EEVDF replaced CFS in 6.6). The base
 * values are multiplied by 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG, the default;
 * get_update_sysctl_factor), e.g. x3 for 6 CPUs.
 */
export interface SchedTunables {
  /** sysctl_sched_latency: 6 ms x factor; the period in which every runnable task runs once */
  latencyNs: Ns;
  /** sysctl_sched_min_granularity: 0.75 ms x factor; the shortest slice */
  minGranularityNs: Ns;
  /** sysctl_sched_wakeup_granularity: 1 ms x factor; a woken task preempts the current one
   * only if its vruntime is smaller by more than this (check_preempt_wakeup / wakeup_preempt_entity) */
  wakeupGranularityNs: Ns;
  /** GENTLE_FAIR_SLEEPERS: a task waking from sleep is placed at min_vruntime - latency/2 (place_entity) */
  sleeperCreditNs: Ns;
}

export function defaultSchedTunables(ncpu: number): SchedTunables {
  const factor = 1 + Math.floor(Math.log2(Math.max(1, Math.min(ncpu, 8))));
  const latency = 6 * MS * factor;
  return { latencyNs: latency, minGranularityNs: 0.75 * MS * factor, wakeupGranularityNs: 1 * MS * factor, sleeperCreditNs: latency / 2 };
}

/**
 * Small costs of the machine, all UNVERIFIED orders of magnitude (a context switch on a modern
 * x86 Linux is a few µs all-in: lmbench lat_ctx and the "context switch costs" literature give
 * 1-5 µs plus cache effects).
 */
export interface CpuCosts {
  /** system CPU time a thread pays each time it is switched in through the run queue (schedule(), switch_to, cache refill) */
  contextSwitchNs: Ns;
  /** delay from a wake-up (futex wake, timer) to the thread being runnable (try_to_wake_up, IPI, idle exit) */
  wakeupLatencyNs: Ns;
  /** CPU a spinning thread needs to notice its condition once it runs again (one PAUSE and a load) */
  spinCheckNs: Ns;
}

export const DEFAULT_CPU_COSTS: CpuCosts = { contextSwitchNs: 2 * US, wakeupLatencyNs: 5 * US, spinCheckNs: 50 };

export interface CpuMachineOptions {
  /** AllowedCPUs (the affinity mask): a count (CPUs 0..n-1) or the CPU ids */
  cpus?: number | readonly number[];
  /** the cgroup every thread belongs to unless `setGroup` says otherwise (default: unlimited) */
  group?: CpuGroupOptions;
  sched?: Partial<SchedTunables>;
  costs?: Partial<CpuCosts>;
}

const IDLE = 0; // not asking for a CPU (blocked, sleeping, finished)
const WAKING = 1; // woken, on its way to the run queue
const QUEUED = 2; // runnable, waiting for a CPU
const RUNNING = 3; // on a CPU, burning its burst
const LINGER = 4; // burst done at this instant; keeps its CPU in case it asks for more at once

interface Entity {
  t: SimThread;
  group: CpuGroup;
  state: number;
  remaining: Ns;
  /** context-switch time still to pay before the burst proper */
  switchLeft: Ns;
  label: string;
  sys: boolean;
  vruntime: number;
  seq: number;
  cpu: Cpu | null;
  lastCpu: Cpu | null;
  cpuNs: Ns;
  switches: number;
  /** /proc/<tid>/status voluntary_ctxt_switches: it left its CPU because it had nothing more to run */
  voluntary: number;
  /** nonvoluntary_ctxt_switches: it was taken off its CPU with work left (tick, wake-up preemption, throttling) */
  involuntary: number;
  /** when it last entered the run queue (or was woken) */
  readySince: Ns;
  /** time spent runnable but not running (schedstat's run_delay) */
  runDelayNs: Ns;
}

interface Cpu {
  id: number;
  index: number;
  cur: Entity | null;
  runStart: Ns;
  sliceEnd: Ns;
  epoch: number;
  busyNs: Ns;
}

/**
 * The machine's CPUs as the kernel's CpuModel: N CPUs from a cpuset, one global CFS-like run queue
 * ordered by vruntime (a simplification of per-CPU runqueues plus load balancing), time slices of
 * max(min_granularity, latency / nr_running-per-CPU), wake-up placement and preemption as CFS does,
 * and CFS bandwidth control per cgroup (see cgroup.ts). A spinning thread is just a CPU burst
 * (`t.cpu(ns, "spin")`) that its waker may cut short with `endBurst`; it burns quota like work.
 *
 * `t.cpu(ns, label)`: labels starting with "sys" count as system time, others as user time
 * (getrusage's ru_stime / ru_utime).
 */
export class CpuMachine implements CpuModel {
  readonly cpuIds: readonly number[];
  readonly ncpu: number;
  readonly sched: SchedTunables;
  readonly costs: CpuCosts;
  readonly groups: CpuGroup[] = [];
  readonly defaultGroup: CpuGroup;
  /** context switches (switch-ins through the run queue) */
  switches = 0;
  preemptions = 0;
  private readonly cpus: Cpu[];
  private readonly ents: (Entity | undefined)[] = [];
  private readonly queue: Entity[] = [];
  private minV = 0;
  private seq = 0;
  private running = 0;
  private installed = false;

  constructor(
    readonly kernel: Kernel,
    opts: CpuMachineOptions = {},
  ) {
    const c = opts.cpus ?? 1;
    this.cpuIds = typeof c === "number" ? Array.from({ length: c }, (_, i) => i) : [...c];
    this.ncpu = this.cpuIds.length;
    if (this.ncpu < 1) throw new Error("a machine needs at least one CPU");
    this.cpus = this.cpuIds.map((id, index) => ({ id, index, cur: null, runStart: 0, sliceEnd: 0, epoch: 0, busyNs: 0 }));
    this.sched = { ...defaultSchedTunables(this.ncpu), ...opts.sched };
    this.costs = { ...DEFAULT_CPU_COSTS, ...opts.costs };
    this.defaultGroup = this.addGroup(opts.group ?? { name: "root" });
  }

  /** Makes this the kernel's CPU model and starts the bandwidth period timers. */
  install(kernel: Kernel = this.kernel): this {
    if (kernel !== this.kernel) throw new Error("a CpuMachine belongs to the kernel it was built with");
    kernel.cpuModel = this;
    if (!this.installed) {
      this.installed = true;
      for (const g of this.groups) this.startPeriodTimer(g);
    }
    return this;
  }

  addGroup(opts: CpuGroupOptions): CpuGroup {
    const g = new CpuGroup(opts, this.ncpu);
    this.groups.push(g);
    if (this.installed) this.startPeriodTimer(g);
    return g;
  }

  /** Puts a thread in a cgroup (before its first CPU burst). */
  setGroup(t: SimThread, g: CpuGroup): void {
    const e = this.entity(t);
    if (e.state !== IDLE) throw new Error(`thread ${t.name} is using a CPU; move it between bursts`);
    e.group = g;
  }

  /** sched_getaffinity as MySQL counts it: the number of CPUs in the mask. */
  get affinityCount(): number {
    return this.ncpu;
  }

  /** CPU ns a thread has used so far (bursts that are still running are counted up to their last charge). */
  threadCpuNs(t: SimThread): Ns {
    return this.ents[t.id]?.cpuNs ?? 0;
  }

  /** /proc/<tid>/schedstat: CPU time, time waiting on a run queue (from wake-up or preemption to running), timeslices */
  schedstat(t: SimThread): { cpuNs: Ns; runDelayNs: Ns; timeslices: number } {
    const e = this.ents[t.id];
    return e ? { cpuNs: e.cpuNs, runDelayNs: e.runDelayNs, timeslices: e.switches } : { cpuNs: 0, runDelayNs: 0, timeslices: 0 };
  }

  /** Context switches of a thread as /proc/<tid>/status counts them. */
  ctxSwitches(t: SimThread): { voluntary: number; involuntary: number } {
    const e = this.ents[t.id];
    return e ? { voluntary: e.voluntary, involuntary: e.involuntary } : { voluntary: 0, involuntary: 0 };
  }

  /** CPU time used by label in a group (default group unless given). */
  labelNs(label: string, g: CpuGroup = this.defaultGroup): Ns {
    return g.byLabel.get(label) ?? 0;
  }

  /** Busy ns of each CPU. */
  cpuBusyNs(): Ns[] {
    this.chargeAll();
    return this.cpus.map((c) => c.busyNs);
  }

  /** Brings usage counters up to now (running bursts are otherwise charged lazily). */
  chargeAll(): void {
    for (const cpu of this.cpus) this.charge(cpu);
  }

  // ---------------------------------------------------------------- CpuModel

  run(t: SimThread, ns: Ns, label: string): void {
    const e = this.entity(t);
    e.remaining = ns > 0 ? Math.round(ns) : 0;
    e.label = label;
    e.sys = label.startsWith("sys");
    e.group.activeThisPeriod = true;
    if (e.state === LINGER) {
      // the thread asked for more CPU at the instant its last burst ended: it keeps its CPU
      const cpu = e.cpu!;
      e.state = RUNNING;
      cpu.runStart = this.kernel.now;
      this.arm(cpu);
      return;
    }
    if (e.state !== IDLE) throw new Error(`cpu burst of ${t.name} while its last one is not over`);
    const lat = this.costs.wakeupLatencyNs;
    e.readySince = this.kernel.now;
    if (lat > 0) {
      e.state = WAKING;
      this.kernel.at(lat, () => this.enqueueWoken(e));
    } else this.enqueueWoken(e);
  }

  /**
   * Ends a thread's current burst early: a spinning thread whose condition became true. On a CPU
   * it stops now; waiting for a CPU (queued, throttled) it still needs `spinCheckNs` of CPU to
   * notice, so it stops only once it runs again.
   */
  endBurst(t: SimThread): void {
    const e = this.ents[t.id];
    if (!e) return;
    if (e.state === RUNNING) {
      const cpu = e.cpu!;
      this.charge(cpu);
      e.remaining = 0;
      this.arm(cpu);
    } else if (e.state === QUEUED || e.state === WAKING) {
      e.remaining = Math.min(e.remaining, this.costs.spinCheckNs);
    }
  }

  /** True while the thread is in a CPU burst (running, runnable or throttled). */
  inBurst(t: SimThread): boolean {
    const s = this.ents[t.id]?.state ?? IDLE;
    return s === RUNNING || s === QUEUED || s === WAKING;
  }

  // ---------------------------------------------------------------- internals

  private entity(t: SimThread): Entity {
    let e = this.ents[t.id];
    if (!e) {
      e = { t, group: this.defaultGroup, state: IDLE, remaining: 0, switchLeft: 0, label: "", sys: false, vruntime: this.minV, seq: 0, cpu: null, lastCpu: null, cpuNs: 0, switches: 0, voluntary: 0, involuntary: 0, readySince: 0, runDelayNs: 0 };
      this.ents[t.id] = e;
    }
    return e;
  }

  /** Accounts the time the current entity of `cpu` has run since the last charge. */
  private charge(cpu: Cpu): void {
    const e = cpu.cur;
    if (!e || e.state !== RUNNING) return;
    const now = this.kernel.now;
    const d = now - cpu.runStart;
    if (d <= 0) return;
    cpu.runStart = now;
    cpu.busyNs += d;
    const sw = Math.min(d, e.switchLeft);
    e.switchLeft -= sw;
    const work = d - sw;
    e.remaining -= work;
    e.vruntime += d;
    e.cpuNs += d;
    const g = e.group;
    g.stats.usage += d;
    g.usageThisPeriod += d;
    g.activeThisPeriod = true;
    if (g.limited) g.silo[cpu.index]! -= d;
    const sys = sw + (e.sys ? work : 0);
    g.stats.system += sys;
    g.stats.user += d - sys;
    if (sw > 0) g.byLabel.set("sys:context_switch", (g.byLabel.get("sys:context_switch") ?? 0) + sw);
    if (work > 0) g.byLabel.set(e.label, (g.byLabel.get(e.label) ?? 0) + work);
  }

  /** (Re)arms the timer of a running CPU: burst end, silo exhaustion or slice end, whichever is first. */
  private arm(cpu: Cpu): void {
    const e = cpu.cur!;
    const now = this.kernel.now;
    let dt = e.switchLeft + e.remaining;
    const g = e.group;
    if (g.limited) dt = Math.min(dt, g.silo[cpu.index]!);
    dt = Math.min(dt, cpu.sliceEnd - now);
    if (dt < 0) dt = 0;
    const ep = ++cpu.epoch;
    this.kernel.at(Math.ceil(dt), () => {
      if (cpu.epoch === ep) this.onTimer(cpu);
    });
  }

  private onTimer(cpu: Cpu): void {
    this.charge(cpu);
    const e = cpu.cur!;
    const now = this.kernel.now;
    if (e.switchLeft + e.remaining <= 0) return this.complete(cpu, e);
    const g = e.group;
    if (g.limited && g.silo[cpu.index]! <= 0 && !g.assign(cpu.index)) {
      this.throttle(cpu, g);
      this.preemptCurrent(cpu, "throttled");
      this.pick(cpu);
      return;
    }
    if (now >= cpu.sliceEnd) {
      // check_preempt_tick: the slice is used up; the leftmost task runs if it is behind
      const h = this.headFor(cpu);
      if (h >= 0 && this.queue[h]!.vruntime < e.vruntime) {
        this.preemptions++;
        this.preemptCurrent(cpu, "slice");
        this.pick(cpu);
        return;
      }
      cpu.sliceEnd = now + this.idealSlice();
    }
    this.arm(cpu);
  }

  private complete(cpu: Cpu, e: Entity): void {
    e.state = LINGER;
    e.remaining = 0;
    const ep = ++cpu.epoch;
    this.kernel.wake(e.t, "done");
    // 1 ns later (after every thread step of this instant) the CPU is released unless the
    // thread asked for more CPU at once (then run() found it LINGERing and kept the CPU)
    this.kernel.at(1, () => {
      if (cpu.epoch === ep && cpu.cur === e && e.state === LINGER) this.release(cpu);
    });
  }

  private release(cpu: Cpu): void {
    const e = cpu.cur!;
    e.voluntary++;
    e.state = IDLE;
    e.cpu = null;
    e.lastCpu = cpu;
    cpu.cur = null;
    this.running--;
    this.pick(cpu);
    if (!cpu.cur) for (const g of this.groups) g.returnSlack(cpu.index);
  }

  /**
   * Takes the current entity off a CPU and back to the run queue (its burst not done). Traced as
   * `cpu.preempt` with where the thread was: the code path it was running and, for the code
   * leading into an effect, that effect ("before acquire m_prep_xids_cond").
   */
  private preemptCurrent(cpu: Cpu, reason: "slice" | "wakeup" | "throttled", by?: string): void {
    const e = cpu.cur!;
    e.involuntary++;
    const tr = this.kernel.trace;
    if (tr.enabled) {
      const t = e.t;
      tr.emit(this.kernel.now, t.name, "cpu.preempt", e.label || undefined, {
        cpu: cpu.id,
        reason,
        ...(by ? { by } : {}),
        left_ns: Math.max(0, e.remaining + e.switchLeft),
        ...(t.held ? { before: effectName(t.held) } : {}),
        ...(t.mark ? { after: t.mark } : {}),
      });
    }
    cpu.cur = null;
    cpu.epoch++;
    this.running--;
    e.cpu = null;
    e.lastCpu = cpu;
    e.readySince = this.kernel.now;
    this.enqueue(e, false);
  }

  private idealSlice(): Ns {
    const perCpu = Math.max(1, (this.queue.length + this.running) / this.ncpu);
    return Math.max(this.sched.minGranularityNs, Math.round(this.sched.latencyNs / perCpu));
  }

  private updateMinV(): void {
    let m = Infinity;
    if (this.queue.length > 0) m = this.queue[0]!.vruntime;
    const now = this.kernel.now;
    for (const cpu of this.cpus) {
      const c = cpu.cur;
      if (c && c.state === RUNNING) {
        const v = c.vruntime + (now - cpu.runStart);
        if (v < m) m = v;
      }
    }
    if (m !== Infinity && m > this.minV) this.minV = m;
  }

  private enqueue(e: Entity, sleeper: boolean): void {
    this.updateMinV();
    if (sleeper) {
      const placed = this.minV - this.sched.sleeperCreditNs;
      if (e.vruntime < placed) e.vruntime = placed;
    }
    e.state = QUEUED;
    e.seq = ++this.seq;
    const q = this.queue;
    // binary search: after every entity with vruntime <= e's (FIFO among equals)
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid]!.vruntime <= e.vruntime) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, e);
  }

  private enqueueWoken(e: Entity): void {
    this.enqueue(e, true);
    // an idle CPU: the one it last ran on (wake_affine-like), else the first idle one
    let idle: Cpu | null = null;
    if (e.lastCpu && !e.lastCpu.cur && !e.group.isThrottled(e.lastCpu.index)) idle = e.lastCpu;
    else for (const cpu of this.cpus) if (!cpu.cur && !e.group.isThrottled(cpu.index)) { idle = cpu; break; }
    if (idle) {
      this.pick(idle);
      if (e.state !== QUEUED) return;
    }
    // wake-up preemption: the running task furthest ahead in vruntime gives way if it is ahead
    // of the woken one by more than the wakeup granularity
    const now = this.kernel.now;
    let victim: Cpu | null = null;
    let maxV = -Infinity;
    for (const cpu of this.cpus) {
      const c = cpu.cur;
      if (!c || c.state !== RUNNING || e.group.isThrottled(cpu.index)) continue;
      const v = c.vruntime + (now - cpu.runStart);
      if (v > maxV) {
        maxV = v;
        victim = cpu;
      }
    }
    if (victim && maxV - e.vruntime > this.sched.wakeupGranularityNs) {
      this.charge(victim);
      this.preemptions++;
      this.preemptCurrent(victim, "wakeup", e.t.name);
      this.pick(victim);
    }
  }

  /** Can `cpu` run an entity of `g` now? Pulls runtime from the pool; throttles if there is none. */
  private canRun(cpu: Cpu, g: CpuGroup): boolean {
    if (!g.limited) return true;
    if (g.isThrottled(cpu.index)) return false;
    if (g.silo[cpu.index]! > 0 || g.assign(cpu.index)) return true;
    this.throttle(cpu, g);
    return false;
  }

  /** Index in the queue of the first entity `cpu` may run, or -1. */
  private headFor(cpu: Cpu): number {
    const q = this.queue;
    for (let i = 0; i < q.length; i++) {
      const g = q[i]!.group;
      if (!g.limited || (!g.isThrottled(cpu.index) && (g.silo[cpu.index]! > 0 || g.pool > 0))) return i;
    }
    return -1;
  }

  /**
   * A free CPU takes the leftmost runnable entity it may run; ties at equal vruntime are a recorded
   * scheduler choice. A scheduler that dispatches CPUs itself (PCT) chooses among every runnable
   * entity this CPU may run instead.
   */
  private pick(cpu: Cpu): void {
    if (cpu.cur) return;
    const q = this.queue;
    if (this.kernel.scheduler.dispatchesCpus) {
      const idx: number[] = [];
      for (let i = 0; i < q.length; i++) if (this.canRun(cpu, q[i]!.group)) idx.push(i);
      if (idx.length === 0) return;
      const c = idx.length === 1 ? 0 : this.kernel.choose(idx.map((i) => q[i]!.t), "dispatch");
      this.dispatch(cpu, idx[c]!);
      return;
    }
    for (let i = 0; i < q.length; i++) {
      const e = q[i]!;
      if (!this.canRun(cpu, e.group)) continue;
      let j = i;
      let n = 1;
      while (i + n < q.length && q[i + n]!.vruntime === e.vruntime && q[i + n]!.group === e.group) n++;
      if (n > 1) j = i + this.kernel.choose(q.slice(i, i + n).map((x) => x.t), "wake");
      this.dispatch(cpu, j);
      return;
    }
  }

  private dispatch(cpu: Cpu, index: number): void {
    const e = this.queue.splice(index, 1)[0]!;
    const now = this.kernel.now;
    e.state = RUNNING;
    e.cpu = cpu;
    e.runDelayNs += now - e.readySince;
    cpu.cur = e;
    cpu.runStart = now;
    cpu.sliceEnd = now + this.idealSlice();
    this.running++;
    this.switches++;
    e.switches++;
    e.switchLeft = this.costs.contextSwitchNs;
    this.arm(cpu);
  }

  private throttle(cpu: Cpu, g: CpuGroup): void {
    if (g.isThrottled(cpu.index)) return;
    g.throttledAt[cpu.index] = this.kernel.now;
    g.throttledCpus++;
    if (!g.tracedThrottle) {
      g.tracedThrottle = true;
      const tr = this.kernel.trace;
      if (tr.enabled) tr.emit(this.kernel.now, `cpu${cpu.id}`, "cpu.throttle", g.name, { cpu: cpu.id, period_usage_ns: g.usageThisPeriod });
    }
  }

  private startPeriodTimer(g: CpuGroup): void {
    if (!g.limited) return;
    this.kernel.at(g.periodNs, () => this.periodTick(g));
  }

  /** sched_cfs_period_timer: refill the pool, unthrottle, count nr_periods / nr_throttled. */
  private periodTick(g: CpuGroup): void {
    this.chargeAll();
    const now = this.kernel.now;
    g.periodUsage.push(g.usageThisPeriod);
    g.usageThisPeriod = 0;
    const throttled = g.throttledCpus > 0;
    if (g.activeThisPeriod || throttled) g.stats.nr_periods++;
    g.pool = g.quotaNs;
    if (throttled) {
      g.stats.nr_throttled++;
      let sum = 0;
      for (let i = 0; i < this.ncpu; i++) {
        if (g.throttledAt[i]! >= 0) {
          sum += now - g.throttledAt[i]!;
          g.throttledAt[i] = -1;
        }
      }
      g.stats.throttled_time += sum;
      const tr = this.kernel.trace;
      if (tr.enabled) tr.emit(now, "cgroup", "cpu.unthrottle", g.name, { cpus: g.throttledCpus, throttled_ns: sum });
      g.throttledCpus = 0;
    }
    g.tracedThrottle = false;
    g.activeThisPeriod = false;
    for (const cpu of this.cpus) if (!cpu.cur) this.pick(cpu);
    this.kernel.at(g.periodNs, () => this.periodTick(g));
  }
}
