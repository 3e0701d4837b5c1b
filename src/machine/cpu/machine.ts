import { effectName, type CpuModel, type Kernel, type TimerHandle, type TimerTarget } from "../../kernel/kernel.js";
import type { RandomStream } from "../../kernel/random.js";
import type { SimThread } from "../../kernel/thread.js";
import { MS, US, type Ns } from "../../kernel/time.js";
import { CpuGroup, type CpuGroupOptions, type LabelSlot } from "./cgroup.js";
import { cputimeAdjust, DEFAULT_HZ, tickNsec, ticksIn, type CpuAccounting, type PrevCputime } from "./cputime.js";

/**
 * CFS tunables (kernel/sched/fair.c, Linux 5.x, before EEVDF replaced CFS in 6.6). The base
 * values are multiplied by 1 + ilog2(min(num_online_cpus(), 8)) (SCHED_TUNABLESCALING_LOG, the
 * default; get_update_sysctl_factor): the HOST's online CPUs, not the cgroup's cpuset, e.g. x3 for
 * a 6-CPU host, x4 for any host of 8 CPUs or more.
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
  /** sysctl_sched_migration_cost (0.5 ms, not scaled): a task that ran less than this ago is
   * cache-hot (task_hot) and idle balancing prefers to leave it where it is */
  migrationCostNs: Ns;
}

/** get_update_sysctl_factor (SCHED_TUNABLESCALING_LOG): 1 + ilog2(min(online CPUs, 8)) */
export function sysctlFactor(onlineCpus: number): number {
  return 1 + Math.floor(Math.log2(Math.max(1, Math.min(onlineCpus, 8))));
}

/** The CFS tunables of a host with `onlineCpus` CPUs online (num_online_cpus()). */
export function defaultSchedTunables(onlineCpus: number): SchedTunables {
  const factor = sysctlFactor(onlineCpus);
  const latency = 6 * MS * factor;
  return { latencyNs: latency, minGranularityNs: 0.75 * MS * factor, wakeupGranularityNs: 1 * MS * factor, sleeperCreditNs: latency / 2, migrationCostNs: 500 * US };
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
  /** CPU a task pays after it moves to another CPU (idle-balance pull or wake-up placement on a
   * CPU other than its last): refilling its L1/L2 working set from the shared L3. UNVERIFIED order
   * of magnitude; counted as user time under the label "migration" */
  migrationNs: Ns;
}

export const DEFAULT_CPU_COSTS: CpuCosts = { contextSwitchNs: 2 * US, wakeupLatencyNs: 5 * US, spinCheckNs: 50, migrationNs: 2 * US };

/**
 * The spread of the machine's small costs: each use draws a log-normal around the cost's median
 * (the figure in CpuCosts) with this sigma (of the underlying normal), from the run's seeded
 * per-thread "cpu/<thread>" stream, so the same seed gives the same draws and no other stream moves. No cost of a
 * real machine is the same twice (cache state, C-state exit, IPI delivery, interrupts).
 * All three sigmas are ESTIMATED: the shape follows cyclictest-style wake-up histograms of
 * non-RT kernels (a floor of a few µs, most samples near the median, a long right tail reaching
 * several times the median), not a measurement of any machine. docs/kernel.md lists them.
 * A sigma of 0 gives the fixed median (the unit tests of exact scheduler arithmetic use that).
 */
export interface CpuJitter {
  /** wakeupLatencyNs: sigma 0.5 puts p1 at 0.31x and p99 at 3.2x the median (5 µs: 1.6-16 µs) */
  wakeupSigma: number;
  /** contextSwitchNs: sigma 0.3 (p99 2x the median): the switch code is fixed, its cache misses are not */
  contextSwitchSigma: number;
  /** migrationNs: sigma 0.5, the refill depends on how much of the working set is still in L3 */
  migrationSigma: number;
}

export const DEFAULT_CPU_JITTER: CpuJitter = { wakeupSigma: 0.5, contextSwitchSigma: 0.3, migrationSigma: 0.5 };

/** No jitter: every cost is its median. */
export const NO_CPU_JITTER: CpuJitter = { wakeupSigma: 0, contextSwitchSigma: 0, migrationSigma: 0 };

/**
 * PAUSE latency by CPU family, in core cycles, and the clock the cycle counts are turned into ns
 * with. Intel's Optimization Reference Manual ("Pause Latency in Skylake Microarchitecture"):
 * PAUSE takes about 10 cycles on the generations before Skylake and "as many as 140 cycles" on
 * Skylake and later (Skylake-SP/Cascade Lake/Ice Lake Xeons). 3.0 GHz is a typical all-core clock
 * of those Xeons (an assumption: the seed does not name its CPU).
 */
export const PAUSE_CYCLES = { intel_pre_skylake: 10, intel_skylake: 140 } as const;
export const NOMINAL_GHZ = 3.0;
export function pauseNsOf(cycles: number, ghz = NOMINAL_GHZ): Ns {
  return Math.round((cycles / ghz) * 100) / 100;
}
/**
 * machine.pause_ns default: a Skylake-or-later Intel server (140 cycles at 3.0 GHz = 46.67 ns).
 * Chosen from the seed's own profile, not from its TPS: perf puts 96.3% of log_write_up_to's
 * samples on the `pause` of the spin loop, whose other instructions (sub, test, load, branch) take
 * a few cycles, so PAUSE is ~25x the rest of a round; a 10-cycle PAUSE would leave it ~70-80%.
 */
export const DEFAULT_PAUSE_NS = pauseNsOf(PAUSE_CYCLES.intel_skylake);

/**
 * One idle state of a cpuidle driver: `exitLatencyNs` is the time from the wake-up to the CPU
 * running again, `targetResidencyNs` the shortest idle time for which entering it pays off.
 */
export interface IdleState {
  name: string;
  exitLatencyNs: Ns;
  targetResidencyNs: Ns;
}

/** No idle states: an idle CPU takes work at once (every model before idle states were added). */
export const NO_IDLE_STATES: readonly IdleState[] = [];

/**
 * Documented idle state tables. `skx`: drivers/idle/intel_idle.c `skx_cstates` (Skylake-SP and
 * Cascade Lake servers, the CPU family `machine.pause_ns`'s 140-cycle PAUSE is taken from): C1
 * exit 2 µs / residency 2 µs, C1E 10 / 20, C6 133 / 600. `hlt`: a guest with only `HLT` (the
 * cpuidle haltpoll or ACPI C1 of most cloud VMs), taken as 2 µs / 2 µs like C1, an estimate.
 */
export const IDLE_STATE_TABLES: Readonly<Record<string, readonly IdleState[]>> = {
  none: NO_IDLE_STATES,
  hlt: [{ name: "C1", exitLatencyNs: 2 * US, targetResidencyNs: 2 * US }],
  skx: [
    { name: "C1", exitLatencyNs: 2 * US, targetResidencyNs: 2 * US },
    { name: "C1E", exitLatencyNs: 10 * US, targetResidencyNs: 20 * US },
    { name: "C6", exitLatencyNs: 133 * US, targetResidencyNs: 600 * US },
  ],
};

/** menu.c's INTERVALS: the idle intervals get_typical_interval looks at */
const MENU_INTERVALS = 8;

/**
 * drivers/cpuidle/governors/menu.c `get_typical_interval` (Linux 5.x-6.x): the average of the
 * last 8 idle intervals if their spread is small (variance <= 400 µs², or avg > 6 x stddev with at
 * least 3/4 of the samples kept), dropping the outlier farthest from the average and trying again
 * while more than 3/4 remain; with 1/2 to 3/4 left, their maximum; else no prediction (Infinity).
 * `intervals` are in µs (menu keeps whole µs), 0 for a slot not filled yet (as menu's zeroed array).
 */
export function typicalIntervalUs(intervals: readonly number[]): number {
  let minThresh = -1;
  let maxThresh = Infinity;
  for (;;) {
    let max = 0;
    let min = Infinity;
    let sum = 0;
    let sq = 0;
    let divisor = 0;
    for (const v of intervals) {
      if (v <= minThresh || v >= maxThresh) continue;
      divisor++;
      sum += v;
      sq += v * v;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    if (!max) return Infinity;
    // menu divides in integers (do_div, >>= INTERVAL_SHIFT)
    const avg = Math.floor(sum / divisor);
    const variance = Math.floor(sq / divisor) - avg * avg;
    if ((avg * avg > variance * 36 && divisor * 4 >= MENU_INTERVALS * 3) || variance <= 400) return avg;
    if (divisor * 4 <= MENU_INTERVALS * 3) return divisor >= MENU_INTERVALS / 2 ? max : Infinity;
    if (avg - min > max - avg) minThresh = min;
    else maxThresh = max;
  }
}

/**
 * menu_select, simplified: the deepest state whose target residency fits the predicted idle time.
 * The prediction is get_typical_interval's; where it has none, menu uses the time to the next timer
 * on this CPU (scaled by its correction factor), which the model does not track: it takes the
 * deepest state, as for a CPU whose next timer is far off (NO_HZ idle). Not modelled: the
 * correction factors, PM QoS latency limits (none by default), the tick-stop decision and the
 * polling state.
 */
export function menuSelect(states: readonly IdleState[], intervalsUs: readonly number[]): number {
  if (states.length <= 1) return states.length - 1;
  const predictedNs = typicalIntervalUs(intervalsUs) * US;
  let idx = 0;
  for (let i = 1; i < states.length; i++) {
    if (states[i]!.targetResidencyNs > predictedNs) break;
    idx = i;
  }
  return idx;
}

export interface CpuMachineOptions {
  /** AllowedCPUs (the affinity mask): a count (CPUs 0..n-1) or the CPU ids */
  cpus?: number | readonly number[];
  /** the cgroup every thread belongs to unless `setGroup` says otherwise (default: unlimited) */
  group?: CpuGroupOptions;
  /** num_online_cpus() of the host, for the tunables' scaling (default: the cpuset's size) */
  hostCpus?: number;
  /** latency of one PAUSE instruction (default DEFAULT_PAUSE_NS) */
  pauseNs?: Ns;
  sched?: Partial<SchedTunables>;
  costs?: Partial<CpuCosts>;
  /** spread of the costs (default DEFAULT_CPU_JITTER; NO_CPU_JITTER for fixed costs) */
  jitter?: Partial<CpuJitter>;
  /** how getrusage splits user and system time (cputime.ts; default "tick") */
  cpuAccounting?: CpuAccounting;
  /** CONFIG_HZ: the timer ticks per second that sample the split (default DEFAULT_HZ) */
  hz?: number;
  /**
   * the cpuidle driver's states, shallowest first (default NO_IDLE_STATES: an idle CPU takes work at
   * once); see IDLE_STATE_TABLES and menuSelect
   */
  idleStates?: readonly IdleState[];
  /**
   * When a CPU whose silo is spent notices it (CfsThrottle; default "exact": at the very ns, the
   * model before; "tick": at the next timer tick or the end of the burst, as Linux does)
   */
  cfsThrottle?: CfsThrottle;
}

/**
 * How CFS bandwidth control notices a spent silo. Linux charges a running task's runtime in
 * update_curr, which runs at scheduling events (the task blocking, a wake-up onto its CPU, a
 * preemption) and at every timer tick (task_tick_fair -> entity_tick); __account_cfs_rq_runtime
 * then finds runtime_remaining <= 0, fails assign_cfs_rq_runtime and calls resched_curr, and the
 * CPU's cfs_rq is throttled as it reschedules (check_cfs_rq_runtime). A task that runs without a
 * scheduling event (a spin loop) overruns its silo until the next tick, by up to 1/HZ; the debt
 * is repaid from the pool (assign_cfs_rq_runtime takes slice - runtime_remaining). "exact" throttles
 * at the very ns the silo is spent.
 */
export type CfsThrottle = "exact" | "tick";

/** cfs_bandwidth_slack_period: 5 ms */
const SLACK_PERIOD_NS = 5 * MS;

const IDLE = 0; // not asking for a CPU (blocked, sleeping, finished)
const WAKING = 1; // woken, on its way to the run queue
const QUEUED = 2; // runnable, waiting for a CPU
const RUNNING = 3; // on a CPU, burning its burst
const LINGER = 4; // burst done at this instant; keeps its CPU in case it asks for more at once

/** CFS's order of runnable entities: leftmost vruntime, FIFO (seq) among equals */
const byVruntimeThenSeq = (a: Entity, b: Entity): number => a.vruntime - b.vruntime || a.seq - b.seq;

interface Entity {
  t: SimThread;
  /** the thread's own "cpu/<name>" stream for the jitter of its wake-ups, switches and
   * migrations: its draws do not depend on the order other threads wake in, so dropping a delay
   * elsewhere (--shrink) leaves this thread's costs as they were */
  rng: RandomStream | null;
  group: CpuGroup;
  state: number;
  remaining: Ns;
  /** context-switch time still to pay before the burst proper */
  switchLeft: Ns;
  /** cache refill still to pay after a migration */
  coldLeft: Ns;
  label: string;
  /** `label`'s accumulator in `group` (CpuGroup.slot), resolved when the burst starts */
  slot: LabelSlot | null;
  sys: boolean;
  /** vruntime relative to the CPU it is queued on / last ran on (cfs_rq->min_vruntime based) */
  vruntime: number;
  seq: number;
  cpu: Cpu | null;
  /** the run queue it waits on while QUEUED */
  rq: Cpu | null;
  lastCpu: Cpu | null;
  /** when it last left a CPU (se.exec_start's role in task_hot) */
  lastRanAt: Ns;
  cpuNs: Ns;
  switches: number;
  migrations: number;
  /** /proc/<tid>/status voluntary_ctxt_switches: it left its CPU because it had nothing more to run */
  voluntary: number;
  /** nonvoluntary_ctxt_switches: it was taken off its CPU with work left (tick, wake-up preemption, throttling) */
  involuntary: number;
  /** when it last entered the run queue (or was woken) */
  readySince: Ns;
  /** time spent runnable but not running (schedstat's run_delay) */
  runDelayNs: Ns;
  /** the end of its wake-up latency (Kernel.atFire): enqueueWoken, no closure per burst */
  wakeTimer: TimerTarget;
}

interface Cpu {
  id: number;
  index: number;
  cur: Entity | null;
  runStart: Ns;
  sliceEnd: Ns;
  epoch: number;
  busyNs: Ns;
  /** this CPU's CFS run queue (cfs_rq), ordered by vruntime, FIFO among equals */
  queue: Entity[];
  /** cfs_rq->min_vruntime */
  minV: number;
  /** /proc/schedstat's per-CPU run delay: time tasks waited on this CPU's queue */
  runDelayNs: Ns;
  /** tasks that started running here (sched_count-like) */
  dispatches: number;
  /** tasks pulled here by idle balancing */
  pulls: number;
  /** the entity whose burst complete() ended last (its release timer checks it) */
  lingering: Entity | null;
  /** this CPU's timers (Kernel.atFire, the argument is the epoch they were armed at): no closure per burst */
  burstTimer: TimerTarget;
  releaseTimer: TimerTarget;
  /** the burst timer armed last and its sequence number: arm() moves it (Kernel.rearmFire) */
  burstEv: TimerHandle | null;
  burstSeq: number;
  /** when this CPU went idle (-1 while it runs a task or is waking up) */
  idleSince: Ns;
  /** the idle state menuSelect chose when it went idle (-1: none) */
  idleState: number;
  /** while > now it is leaving its idle state: it runs nothing before then */
  exitUntil: Ns;
  /** the last idle intervals in µs (menu's intervals[]), a ring */
  idleIntervals: number[];
  idlePtr: number;
  /** the end of its exit latency (Kernel.atFire) */
  exitTimer: TimerTarget;
}

/** Per-CPU scheduler statistics (/proc/schedstat's per-CPU lines, simplified). */
export interface CpuSchedStat {
  cpu: number;
  busyNs: Ns;
  /** time tasks spent runnable on this CPU's queue before running */
  runDelayNs: Ns;
  dispatches: number;
  /** tasks this CPU pulled from another CPU's queue when it went idle */
  pulls: number;
}

/**
 * The machine's CPUs as the kernel's CpuModel, after CFS (kernel/sched/fair.c, Linux 5.x):
 *
 * - **A run queue per CPU** (cfs_rq), ordered by vruntime, each with its own min_vruntime; a task
 *   moving between CPUs keeps its vruntime relative to the queues' min_vruntime
 *   (migrate_task_rq_fair / attach_entity_cfs_rq).
 * - **Wake-up placement** (select_task_rq_fair -> select_idle_sibling, simplified): the task's
 *   previous CPU if idle; else the first idle CPU scanning from prev+1 and wrapping
 *   (select_idle_cpu's for_each_cpu_wrap over the LLC: one cache domain, no SMT); idle CPUs whose
 *   group is not throttled are preferred; else the previous CPU's queue. wake_affine (the waker's
 *   CPU as target) and find_idlest_cpu are left out; a new task starts on the least loaded CPU.
 * - **Wake-up preemption** (check_preempt_wakeup): only the current task of the chosen CPU, if
 *   its vruntime is ahead of the woken task's by more than the wake-up granularity.
 * - **Idle balance** (newidle_balance -> load_balance(CPU_NEWLY_IDLE), simplified): a CPU with
 *   nothing left to run pulls one waiting task from the busiest queue (most waiting tasks), the
 *   least recently run (detach_tasks walks cfs_tasks from its tail), skipping cache-hot ones
 *   (task_hot: ran less than sysctl_sched_migration_cost ago) unless all are hot (the
 *   nr_balance_failed > cache_nice_tries escape), never a task of a group throttled on its CPU
 *   (throttled_lb_pair). Not modelled: the avg_idle < migration_cost skip, periodic
 *   rebalance_domains (balance_interval x busy_factor), NUMA, SMT, capacity.
 * - **Slices** of max(min_granularity, latency / nr_running of the CPU) (sched_slice), tick
 *   preemption against the CPU's own leftmost task (check_preempt_tick).
 * - **Migration cost**: a task that runs on another CPU than its last pays `migrationNs` of CPU.
 * - CFS bandwidth control per cgroup (see cgroup.ts). A spinning thread is just a CPU burst
 *   (`t.cpu(ns, "spin")`) that its waker may cut short with `endBurst`; it burns quota like work.
 *
 * `t.cpu(ns, label)`: labels starting with "sys" count as system time, others as user time
 * (getrusage's ru_stime / ru_utime).
 */
export class CpuMachine implements CpuModel {
  readonly cpuIds: readonly number[];
  readonly ncpu: number;
  /** num_online_cpus() of the host (tunables' scaling only) */
  readonly hostCpus: number;
  /** one PAUSE instruction, ns */
  readonly pauseNs: Ns;
  readonly sched: SchedTunables;
  readonly costs: CpuCosts;
  readonly jitter: CpuJitter;
  readonly cpuAccounting: CpuAccounting;
  readonly hz: number;
  /** TICK_NSEC, and the tick grid's offset from time 0 (drawn from "machine/tick") */
  private readonly tickNs: Ns;
  private readonly tickPhase: Ns;
  readonly groups: CpuGroup[] = [];
  readonly defaultGroup: CpuGroup;
  /** context switches (switch-ins through the run queue) */
  switches = 0;
  preemptions = 0;
  /** tasks that ran on another CPU than their last (wake-up placement or idle pull) */
  migrations = 0;
  /** preemptions inside the code leading into an effect, by that effect ("acquire
   * m_prep_xids_cond": the rotating thread stopped inside bug #68569's window); counted with the
   * trace off too, so benches can measure how often a window is opened by the OS */
  readonly preemptedBefore = new Map<string, number>();
  readonly cfsThrottle: CfsThrottle;
  /** the cpuidle driver's states (CpuMachineOptions.idleStates) */
  readonly idleStates: readonly IdleState[];
  /** wake-ups of an idle CPU, by the idle state it left (index into idleStates) */
  readonly idleWakeups: number[];
  /** time CPUs spent leaving idle states with work waiting (the sum of the exit latencies paid) */
  idleExitNs: Ns = 0;
  private readonly cpus: Cpu[];
  private readonly ents: (Entity | undefined)[] = [];
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
    this.hostCpus = opts.hostCpus ?? this.ncpu;
    if (this.hostCpus < this.ncpu) throw new Error(`host_cpus ${this.hostCpus} is below the cpuset's ${this.ncpu} CPUs`);
    this.pauseNs = opts.pauseNs ?? DEFAULT_PAUSE_NS;
    this.cpus = this.cpuIds.map((id, index) => {
      const cpu: Cpu = { id, index, cur: null, runStart: 0, sliceEnd: 0, epoch: 0, busyNs: 0, queue: [], minV: 0, runDelayNs: 0, dispatches: 0, pulls: 0, lingering: null, burstTimer: null!, releaseTimer: null!, burstEv: null, burstSeq: -1, idleSince: 0, idleState: -1, exitUntil: 0, idleIntervals: new Array<number>(MENU_INTERVALS).fill(0), idlePtr: 0, exitTimer: null! };
      cpu.exitTimer = { fire: () => this.exited(cpu) };
      cpu.burstTimer = { fire: (ep) => { if (cpu.epoch === ep) this.onTimer(cpu); } };
      cpu.releaseTimer = {
        fire: (ep) => {
          const e = cpu.lingering;
          if (cpu.epoch === ep && e !== null && cpu.cur === e && e.state === LINGER) this.release(cpu);
        },
      };
      return cpu;
    });
    this.sched = { ...defaultSchedTunables(this.hostCpus), ...opts.sched };
    this.costs = { ...DEFAULT_CPU_COSTS, ...opts.costs };
    this.jitter = { ...DEFAULT_CPU_JITTER, ...opts.jitter };
    this.cpuAccounting = opts.cpuAccounting ?? "tick";
    this.hz = opts.hz ?? DEFAULT_HZ;
    if (!(this.hz >= 1)) throw new Error(`hz ${this.hz}: expected at least 1 tick a second`);
    this.tickNs = tickNsec(this.hz);
    this.tickPhase = Math.floor(kernel.random.stream("machine/tick").next() * this.tickNs);
    this.defaultGroup = this.addGroup(opts.group ?? { name: "root" });
    this.cfsThrottle = opts.cfsThrottle ?? "exact";
    this.idleStates = opts.idleStates ?? NO_IDLE_STATES;
    this.idleWakeups = this.idleStates.map(() => 0);
    // every CPU starts idle, in the state menu picks with no history (the deepest)
    for (const cpu of this.cpus) cpu.idleState = menuSelect(this.idleStates, cpu.idleIntervals);
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
    e.slot = null;
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
  schedstat(t: SimThread): { cpuNs: Ns; runDelayNs: Ns; timeslices: number; migrations: number } {
    const e = this.ents[t.id];
    return e ? { cpuNs: e.cpuNs, runDelayNs: e.runDelayNs, timeslices: e.switches, migrations: e.migrations } : { cpuNs: 0, runDelayNs: 0, timeslices: 0, migrations: 0 };
  }

  /** Per-CPU figures: busy time, run delay of the tasks queued there, dispatches, idle pulls. */
  cpuSchedStats(): CpuSchedStat[] {
    this.chargeAll();
    return this.cpus.map((c) => ({ cpu: c.id, busyNs: c.busyNs, runDelayNs: c.runDelayNs, dispatches: c.dispatches, pulls: c.pulls }));
  }

  /** Context switches of a thread as /proc/<tid>/status counts them. */
  ctxSwitches(t: SimThread): { voluntary: number; involuntary: number } {
    const e = this.ents[t.id];
    return e ? { voluntary: e.voluntary, involuntary: e.involuntary } : { voluntary: 0, involuntary: 0 };
  }

  /** CPU time used by label in a group (default group unless given). */
  labelNs(label: string, g: CpuGroup = this.defaultGroup): Ns {
    return g.labelNs(label);
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
    if (e.label !== label || e.slot === null) {
      e.label = label;
      e.sys = label.startsWith("sys");
      e.slot = e.group.slot(label);
    }
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
    const lat = this.jittered(e, this.costs.wakeupLatencyNs, this.jitter.wakeupSigma);
    e.readySince = this.kernel.now;
    if (lat > 0) {
      e.state = WAKING;
      this.kernel.atFire(lat, e.wakeTimer, 0);
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
      e = {
        t,
        rng: null,
        group: this.defaultGroup,
        state: IDLE,
        remaining: 0,
        switchLeft: 0,
        coldLeft: 0,
        label: "",
        slot: null,
        sys: false,
        vruntime: 0,
        seq: 0,
        cpu: null,
        rq: null,
        lastCpu: null,
        lastRanAt: -Infinity,
        cpuNs: 0,
        switches: 0,
        migrations: 0,
        voluntary: 0,
        involuntary: 0,
        readySince: 0,
        runDelayNs: 0,
        wakeTimer: null!,
      };
      const woken = e;
      e.wakeTimer = { fire: () => this.enqueueWoken(woken) };
      this.ents[t.id] = e;
    }
    return e;
  }

  /** One draw of a cost around its median (see CpuJitter); a zero cost or sigma stays exact. */
  private jittered(e: Entity, median: Ns, sigma: number): Ns {
    if (median <= 0 || sigma <= 0) return median;
    e.rng ??= this.kernel.random.stream(`cpu/${e.t.name}`);
    return e.rng.jitteredNs(median, sigma);
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
    const cold = Math.min(d - sw, e.coldLeft);
    e.coldLeft -= cold;
    const work = d - sw - cold;
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
    const from = now - d;
    if (ticksIn(from, now, this.tickPhase, this.tickNs) > 0) this.sampleTicks(g, from, sw, cold, e.sys, now);
    if (sw > 0) g.addLabel(g.contextSwitchSlot, sw);
    if (cold > 0) g.addLabel(g.migrationSlot, cold);
    if (work > 0) g.addLabel(e.slot!, work);
  }

  /**
   * account_process_tick for the ticks that fell in a charged interval: the switch-in (schedule(),
   * kernel mode) first, then the migration refill (user), then the burst (its label's mode).
   */
  private sampleTicks(g: CpuGroup, from: Ns, sw: Ns, cold: Ns, sys: boolean, to: Ns): void {
    const T = this.tickNs;
    const p = this.tickPhase;
    const switchTicks = ticksIn(from, from + sw, p, T);
    const coldTicks = ticksIn(from + sw, from + sw + cold, p, T);
    const burstTicks = ticksIn(from + sw + cold, to, p, T);
    g.ticks.stime += (switchTicks + (sys ? burstTicks : 0)) * T;
    g.ticks.utime += (coldTicks + (sys ? 0 : burstTicks)) * T;
  }

  /**
   * getrusage(RUSAGE_SELF)'s ru_utime / ru_stime for the process that is `group` (mysqld alone
   * in its cgroup, as in the seed): thread_group_cputime_adjusted, i.e. cputime_adjust of the
   * exact runtime by the ticks under "tick" accounting, the exact split under "precise".
   * Charges the running threads first (thread_group_cputime reads their pending runtime).
   */
  getrusage(group: CpuGroup = this.defaultGroup): Readonly<PrevCputime> {
    this.chargeAll();
    const st = group.stats;
    if (this.cpuAccounting === "precise") return { utime: st.user, stime: st.system };
    return cputimeAdjust(st.usage, group.ticks, group.prevCputime);
  }

  /** (Re)arms the timer of a running CPU: burst end, silo exhaustion or slice end, whichever is first. */
  private arm(cpu: Cpu): void {
    const e = cpu.cur!;
    const now = this.kernel.now;
    let dt = e.switchLeft + e.coldLeft + e.remaining;
    const g = e.group;
    if (g.limited) {
      const silo = g.silo[cpu.index]!;
      // "tick": the spent silo is noticed at the first tick at or after it runs out (CfsThrottle)
      dt = Math.min(dt, this.cfsThrottle === "exact" ? silo : this.tickAtOrAfter(now + Math.max(0, silo)) - now);
    }
    dt = Math.min(dt, cpu.sliceEnd - now);
    if (dt < 0) dt = 0;
    // the timer armed before is of an older epoch (ignored if it fires): moved, not left behind
    const h = this.kernel.rearmFire(cpu.burstEv, cpu.burstSeq, Math.ceil(dt), cpu.burstTimer, ++cpu.epoch);
    cpu.burstEv = h;
    cpu.burstSeq = h.seq;
  }

  /** the first timer tick at or after `at` (one tick grid for all CPUs: sched_skew_tick=0) */
  private tickAtOrAfter(at: Ns): Ns {
    return this.tickPhase + Math.ceil((at - this.tickPhase) / this.tickNs) * this.tickNs;
  }

  private onTimer(cpu: Cpu): void {
    this.charge(cpu);
    const e = cpu.cur!;
    const now = this.kernel.now;
    if (e.switchLeft + e.coldLeft + e.remaining <= 0) return this.complete(cpu, e);
    const g = e.group;
    if (g.limited && g.silo[cpu.index]! <= 0 && !g.assign(cpu.index)) {
      this.throttle(cpu, g);
      this.preemptCurrent(cpu, "throttled");
      this.pick(cpu);
      return;
    }
    if (now >= cpu.sliceEnd) {
      // check_preempt_tick: the slice is used up; this CPU's leftmost task runs if it is behind
      const h = this.headFor(cpu);
      if (h >= 0 && cpu.queue[h]!.vruntime < e.vruntime) {
        this.preemptions++;
        this.preemptCurrent(cpu, "slice");
        this.pick(cpu);
        return;
      }
      cpu.sliceEnd = now + this.idealSlice(cpu);
    }
    this.arm(cpu);
  }

  private complete(cpu: Cpu, e: Entity): void {
    e.state = LINGER;
    e.remaining = 0;
    const ep = ++cpu.epoch;
    cpu.lingering = e;
    this.kernel.wake(e.t, "done");
    // 1 ns later (after every thread step of this instant) the CPU is released unless the
    // thread asked for more CPU at once (then run() found it LINGERing and kept the CPU); an
    // unchanged epoch means no later complete() replaced `lingering`
    this.kernel.atFire(1, cpu.releaseTimer, ep);
  }

  private release(cpu: Cpu): void {
    const e = cpu.cur!;
    e.voluntary++;
    e.state = IDLE;
    e.cpu = null;
    e.lastCpu = cpu;
    e.lastRanAt = this.kernel.now;
    cpu.cur = null;
    this.running--;
    this.pick(cpu);
    if (!cpu.cur) for (const g of this.groups) this.returnSlack(cpu, g);
  }

  /** __return_cfs_rq_runtime + start_cfs_slack_bandwidth (cgroup.ts) */
  private returnSlack(cpu: Cpu, g: CpuGroup): void {
    if (!g.limited) return;
    g.returnSlack(cpu.index);
    if (g.slackPending || g.throttledCpus === 0 || g.pool <= g.sliceNs) return;
    const now = this.kernel.now;
    if (g.periodStart + g.periodNs - now < SLACK_PERIOD_NS + 2 * MS) return; // runtime_refresh_within
    g.slackPending = true;
    this.kernel.at(SLACK_PERIOD_NS, () => this.slackTimer(g));
  }

  /** do_sched_cfs_slack_timer -> distribute_cfs_runtime: the pool goes to the throttled CPUs, in order */
  private slackTimer(g: CpuGroup): void {
    g.slackPending = false;
    const now = this.kernel.now;
    for (const cpu of this.cpus) {
      if (g.pool <= 0) break;
      const at = g.throttledAt[cpu.index]!;
      if (at < 0) continue;
      g.stats.throttled_time += now - at;
      g.throttledAt[cpu.index] = -1;
      g.throttledCpus--;
      // an unthrottled CPU with tasks waiting is rescheduled; in an idle state it wakes up first
      if (!cpu.cur && (this.idleStates.length === 0 || (cpu.queue.length > 0 && this.wakeIdle(cpu)))) this.pick(cpu);
    }
  }

  /**
   * Takes the current entity off a CPU and back to its run queue (its burst not done). Traced as
   * `cpu.preempt` with where the thread was: the code path it was running and, for the code
   * leading into an effect, that effect ("before acquire m_prep_xids_cond").
   */
  private preemptCurrent(cpu: Cpu, reason: "slice" | "wakeup" | "throttled", by?: string): void {
    const e = cpu.cur!;
    e.involuntary++;
    if (e.t.held) {
      const k = effectName(e.t.held);
      this.preemptedBefore.set(k, (this.preemptedBefore.get(k) ?? 0) + 1);
    }
    const tr = this.kernel.trace;
    if (tr.enabled) {
      const t = e.t;
      tr.emit(this.kernel.now, t.name, "cpu.preempt", e.label || undefined, {
        cpu: cpu.id,
        reason,
        ...(by ? { by } : {}),
        left_ns: Math.max(0, e.remaining + e.switchLeft + e.coldLeft),
        ...(t.held ? { before: effectName(t.held) } : {}),
        ...(t.mark ? { after: t.mark } : {}),
      });
    }
    cpu.cur = null;
    cpu.epoch++;
    this.running--;
    e.cpu = null;
    e.lastCpu = cpu;
    e.lastRanAt = this.kernel.now;
    e.readySince = this.kernel.now;
    this.enqueue(cpu, e, false);
  }

  /** sched_slice: the latency split over this CPU's runnable tasks, at least min_granularity */
  private idealSlice(cpu: Cpu): Ns {
    const nr = Math.max(1, cpu.queue.length + (cpu.cur ? 1 : 0));
    return Math.max(this.sched.minGranularityNs, Math.round(this.sched.latencyNs / nr));
  }

  /** update_min_vruntime: max(min_vruntime, min(curr, leftmost)) */
  private updateMinV(cpu: Cpu): void {
    let m = Infinity;
    if (cpu.queue.length > 0) m = cpu.queue[0]!.vruntime;
    const c = cpu.cur;
    if (c && c.state === RUNNING) {
      const v = c.vruntime + (this.kernel.now - cpu.runStart);
      if (v < m) m = v;
    }
    if (m !== Infinity && m > cpu.minV) cpu.minV = m;
  }

  /** Puts `e` on `cpu`'s queue; a task coming from another CPU has its vruntime renormalised. */
  private enqueue(cpu: Cpu, e: Entity, sleeper: boolean): void {
    this.updateMinV(cpu);
    const from = e.lastCpu;
    if (from && from !== cpu) {
      this.updateMinV(from);
      e.vruntime = e.vruntime - from.minV + cpu.minV;
    } else if (!from) {
      // first run: the thread existed (sleeping) since it was spawned, like a task forked long ago
      // and waking now; place_entity below gives it the sleeper credit
      e.vruntime = cpu.minV - (sleeper ? this.sched.sleeperCreditNs : 0);
    }
    if (sleeper) {
      // place_entity with GENTLE_FAIR_SLEEPERS
      const placed = cpu.minV - this.sched.sleeperCreditNs;
      if (e.vruntime < placed) e.vruntime = placed;
    }
    e.state = QUEUED;
    e.rq = cpu;
    e.seq = ++this.seq;
    const q = cpu.queue;
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

  /**
   * Work arrived for an idle `cpu` (a woken task queued on it, a refilled quota): true if it can
   * pick now; false if it is leaving an idle state first (exited() picks when its exit latency is
   * over). Ends the idle interval menu learns from (menu_update: the residency less the exit
   * latency, i.e. from idle entry to the wake-up).
   */
  private wakeIdle(cpu: Cpu): boolean {
    if (cpu.exitUntil > 0) return false;
    if (cpu.idleSince < 0) return true;
    const now = this.kernel.now;
    cpu.idleIntervals[cpu.idlePtr] = Math.floor((now - cpu.idleSince) / US);
    cpu.idlePtr = (cpu.idlePtr + 1) % MENU_INTERVALS;
    cpu.idleSince = -1;
    const st = cpu.idleState;
    if (st < 0) return true;
    this.idleWakeups[st]!++;
    const lat = this.idleStates[st]!.exitLatencyNs;
    if (lat <= 0) return true;
    this.idleExitNs += lat;
    cpu.exitUntil = now + lat;
    this.kernel.atFire(lat, cpu.exitTimer, 0);
    return false;
  }

  /** The CPU is out of its idle state: it runs what waits for it, or goes idle again. */
  private exited(cpu: Cpu): void {
    cpu.exitUntil = 0;
    this.pick(cpu);
  }

  /** Nothing to run: the CPU enters the idle state the governor picks (menu_select). */
  private enterIdle(cpu: Cpu): void {
    if (cpu.idleSince >= 0 || cpu.exitUntil > 0) return;
    cpu.idleSince = this.kernel.now;
    cpu.idleState = this.idleStates.length ? menuSelect(this.idleStates, cpu.idleIntervals) : -1;
  }

  private isIdle(cpu: Cpu): boolean {
    return !cpu.cur && cpu.queue.length === 0;
  }

  /** select_task_rq_fair -> select_idle_sibling, simplified (see the class comment) */
  private selectCpu(e: Entity): Cpu {
    const n = this.ncpu;
    let prev = e.lastCpu;
    if (!prev) {
      // a new task: the least loaded CPU (find_idlest_cpu-like), lowest index on ties
      prev = this.cpus[0]!;
      for (const c of this.cpus) if (c.queue.length + (c.cur ? 1 : 0) < prev.queue.length + (prev.cur ? 1 : 0)) prev = c;
    }
    const g = e.group;
    if (this.isIdle(prev) && !g.isThrottled(prev.index)) return prev;
    let idleThrottled: Cpu | null = this.isIdle(prev) ? prev : null;
    for (let k = 1; k < n; k++) {
      const c = this.cpus[(prev.index + k) % n]!;
      if (!this.isIdle(c)) continue;
      if (!g.isThrottled(c.index)) return c;
      idleThrottled ??= c;
    }
    return idleThrottled ?? prev;
  }

  private enqueueWoken(e: Entity): void {
    const cpu = this.selectCpu(e);
    this.enqueue(cpu, e, true);
    if (!cpu.cur) {
      if (this.wakeIdle(cpu)) this.pick(cpu);
      if (e.state !== QUEUED) return;
    }
    // check_preempt_wakeup: the chosen CPU's current task gives way if it is ahead of the woken
    // one by more than the wakeup granularity
    const c = cpu.cur;
    if (!c || c.state !== RUNNING || e.group.isThrottled(cpu.index)) return;
    const v = c.vruntime + (this.kernel.now - cpu.runStart);
    if (v - e.vruntime > this.sched.wakeupGranularityNs) {
      this.charge(cpu);
      this.preemptions++;
      this.preemptCurrent(cpu, "wakeup", e.t.name);
      this.pick(cpu);
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

  /** Could `cpu` run an entity of `g` (without taking runtime)? */
  private mayRun(cpu: Cpu, g: CpuGroup): boolean {
    return !g.limited || (!g.isThrottled(cpu.index) && (g.silo[cpu.index]! > 0 || g.pool > 0));
  }

  /** Index in `cpu`'s queue of the first entity it may run, or -1. */
  private headFor(cpu: Cpu): number {
    const q = cpu.queue;
    for (let i = 0; i < q.length; i++) if (this.mayRun(cpu, q[i]!.group)) return i;
    return -1;
  }

  /**
   * A free CPU takes the leftmost runnable entity of its queue it may run; ties at equal vruntime
   * are a recorded scheduler choice. With nothing to run it idle-balances. A scheduler that
   * dispatches CPUs itself (PCT) chooses among every runnable entity of every queue instead.
   */
  private readonly pickAll: Entity[] = [];
  private readonly pickThreads: SimThread[] = [];

  private pick(cpu: Cpu): void {
    if (cpu.cur || cpu.exitUntil > 0) return;
    this.pickNow(cpu);
    if (!cpu.cur) this.enterIdle(cpu);
  }

  private pickNow(cpu: Cpu): void {
    if (this.kernel.scheduler.dispatchesCpus) {
      // scratch arrays kept across picks (no scheduler keeps the candidates it is shown)
      const all = this.pickAll;
      all.length = 0;
      for (const c of this.cpus) for (const e of c.queue) if (this.mayRun(cpu, e.group)) all.push(e);
      if (all.length === 0) return;
      let e: Entity;
      if (all.length === 1) e = all[0]!;
      else {
        all.sort(byVruntimeThenSeq);
        const ts = this.pickThreads;
        ts.length = 0;
        for (const x of all) ts.push(x.t);
        e = all[this.kernel.choose(ts, "dispatch")]!;
      }
      all.length = 0;
      if (!this.canRun(cpu, e.group)) return;
      const src = e.rq!;
      this.dispatch(cpu, src, src.queue.indexOf(e));
      return;
    }
    const q = cpu.queue;
    for (let i = 0; i < q.length; i++) {
      const e = q[i]!;
      if (!this.canRun(cpu, e.group)) continue;
      let j = i;
      let n = 1;
      while (i + n < q.length && q[i + n]!.vruntime === e.vruntime && q[i + n]!.group === e.group) n++;
      if (n > 1) j = i + this.kernel.choose(q.slice(i, i + n).map((x) => x.t), "wake");
      this.dispatch(cpu, cpu, j);
      return;
    }
    this.idleBalance(cpu);
  }

  /** newidle_balance, simplified (see the class comment): pull one waiting task from the busiest queue. */
  private idleBalance(cpu: Cpu): void {
    let busiest: Cpu | null = null;
    for (const c of this.cpus) if (c !== cpu && c.queue.length > 0 && (!busiest || c.queue.length > busiest.queue.length)) busiest = c;
    if (!busiest) return;
    const now = this.kernel.now;
    let pick = -1;
    let pickHot = -1;
    const q = busiest.queue;
    for (let i = 0; i < q.length; i++) {
      const e = q[i]!;
      if (e.group.isThrottled(busiest.index) || !this.mayRun(cpu, e.group)) continue;
      const hot = now - e.lastRanAt < this.sched.migrationCostNs;
      if (hot) {
        if (pickHot < 0 || e.lastRanAt < q[pickHot]!.lastRanAt) pickHot = i;
      } else if (pick < 0 || e.lastRanAt < q[pick]!.lastRanAt) pick = i;
    }
    if (pick < 0) pick = pickHot;
    if (pick < 0 || !this.canRun(cpu, q[pick]!.group)) return;
    cpu.pulls++;
    this.dispatch(cpu, busiest, pick);
  }

  private dispatch(cpu: Cpu, src: Cpu, index: number): void {
    const e = src.queue.splice(index, 1)[0]!;
    const now = this.kernel.now;
    if (src !== cpu) {
      // detach from src, attach to cpu: vruntime relative to the new queue
      this.updateMinV(src);
      this.updateMinV(cpu);
      e.vruntime = e.vruntime - src.minV + cpu.minV;
    }
    e.state = RUNNING;
    e.cpu = cpu;
    e.rq = null;
    const delay = now - e.readySince;
    e.runDelayNs += delay;
    cpu.runDelayNs += delay;
    cpu.dispatches++;
    cpu.idleSince = -1;
    cpu.cur = e;
    cpu.runStart = now;
    cpu.sliceEnd = now + this.idealSlice(cpu);
    this.running++;
    this.switches++;
    e.switches++;
    e.switchLeft = this.jittered(e, this.costs.contextSwitchNs, this.jitter.contextSwitchSigma);
    if (e.lastCpu && e.lastCpu !== cpu) {
      e.migrations++;
      this.migrations++;
      e.coldLeft = this.jittered(e, this.costs.migrationNs, this.jitter.migrationSigma);
    }
    this.arm(cpu);
  }

  private throttle(cpu: Cpu, g: CpuGroup): void {
    if (g.isThrottled(cpu.index)) return;
    g.throttledAt[cpu.index] = this.kernel.now;
    g.throttledCpus++;
    g.throttles++;
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
    g.periodStart = now;
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
    // unthrottle_cfs_rq: each CPU runs its own queue first; then, if tasks wait anywhere, CPUs
    // with nothing of their own pull (idle balance, a nohz kick). A CPU in an idle state pays its
    // exit latency first (wakeIdle); with nothing queued anywhere there is nothing to wake for.
    for (const cpu of this.cpus) if (!cpu.cur && cpu.queue.length > 0 && this.wakeIdle(cpu)) this.pick(cpu);
    if (this.cpus.some((c) => c.queue.length > 0)) {
      for (const cpu of this.cpus) if (!cpu.cur && cpu.queue.length === 0 && this.wakeIdle(cpu)) this.pick(cpu);
    }
    this.kernel.at(g.periodNs, () => this.periodTick(g));
  }
}
