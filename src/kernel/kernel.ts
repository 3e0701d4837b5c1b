import { NO_TRACE, type TraceSink } from "../trace/sink.js";
import { before, EventHeap, EventLane, TimeHeap } from "./event-heap.js";
import { RandomStreams } from "./random.js";
import { ChoiceLog, type Schedule } from "./schedule-string.js";
import { FifoScheduler, type ChoiceKind, type Scheduler } from "./scheduler.js";
import { Op, SimThread, type Effect, type SpawnOptions, type ThreadBody } from "./thread.js";
import type { Ns } from "./time.js";
import { takeAt } from "./take-at.js";
import type { Waitable, WakeReason } from "./waitable.js";

/** Raised by models and primitives when one of their invariants breaks; stops the run with a report. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

/** A CPU model (machine/cpu) takes over the `cpu` effect: it must `kernel.wake(t, "done")` when the work is done. */
export interface CpuModel {
  run(t: SimThread, ns: Ns, label: string): void;
}

/**
 * The CPU time of the code that leads into each effect (a lock call, a condition wait's entry, a
 * signal), so that every code path takes virtual time on a CPU and can be preempted inside it.
 * The model layer installs one (src/mysql/costs.ts); the kernel itself costs nothing.
 */
export interface CodePathCosts {
  /** CPU ns the code before effect `e` of thread `t` takes (0: none); sets `label` for that burst */
  before(t: SimThread, e: Effect): Ns;
  /** the code path's name for the last non-zero answer of `before` ("mysql_cond_wait") */
  label: string;
}

/** Called at every `syncPoint`; returns true if the thread goes on, false if the hook parked it. */
export interface SyncPointHook {
  hit(t: SimThread, point: string): boolean;
}

export interface KernelOptions {
  seed?: number | string;
  scheduler?: Scheduler;
  trace?: TraceSink;
  /** stop as a hang when every non-daemon thread has been parked with no timeout this long, even while daemons tick */
  stallNs?: Ns;
  /** bound on thread steps (TigerBeetle style: every loop has a limit) */
  maxSteps?: number;
  /** false: every event goes through the heap and every timer is queued anew (no FIFO lane, no
   * timers moved in place): the order the fast paths must keep (tests compare the two) */
  eventLane?: boolean;
}

export type RunOutcome = "finished" | "deadlock" | "hang" | "time_limit" | "stopped" | "invariant" | "error" | "step_limit" | "paused";

/** How often (in steps) the kernel calls `tick`: rare enough to cost nothing, often enough for a progress line. */
export const TICK_STEPS = 1 << 16;

/** One thread in a wait-for graph. */
export interface WaitForNode {
  thread: string;
  state: string;
  /** what it waits on (null: runnable or finished) */
  waitingOn: { name: string; kind: string; detail?: Record<string, unknown> } | null;
  since: Ns;
  /** objects it holds */
  holds: string[];
  /** threads holding what it waits on */
  blockedBy: string[];
}

export interface RunResult {
  outcome: RunOutcome;
  now: Ns;
  steps: number;
  /** queue events processed */
  events: number;
  /** every scheduler choice, in order (decoded from choiceLog on first use) */
  readonly choices: number[];
  /** the choices and the delays (decoded from choiceLog on first use) */
  readonly schedule: Schedule;
  /** the same choices, compact; encodeSchedule(choiceLog) gives the schedule string */
  choiceLog: ChoiceLog;
  /** for deadlock and hang: every live thread */
  waitFor?: WaitForNode[];
  /** for deadlock: the threads of one cycle */
  cycle?: string[];
  message?: string;
}

/**
 * RunResult with `choices` and `schedule` decoded on first read. A class, not an object literal
 * with getters: a literal's accessor pair is allocated in V8's old generation and kept the run
 * alive across minor GCs (issue 20; test/perf/young-generation.test.ts).
 */
class KernelRunResult implements RunResult {
  waitFor?: WaitForNode[];
  cycle?: string[];
  message?: string;
  private decoded: Schedule | null = null;

  constructor(
    readonly outcome: RunOutcome,
    readonly now: Ns,
    readonly steps: number,
    readonly events: number,
    readonly choiceLog: ChoiceLog,
    message: string | undefined,
  ) {
    if (message) this.message = message;
  }

  get choices(): number[] {
    return this.schedule.choices;
  }

  get schedule(): Schedule {
    return (this.decoded ??= this.choiceLog.toSchedule());
  }
}

interface QueuedEvent {
  time: Ns;
  prio: number;
  seq: number;
  thread: SimThread | null;
  epoch: number;
  cb: (() => void) | null;
  /** atFire's target and argument (no closure per timer) */
  target: TimerTarget | null;
  arg: number;
  /** index in the heap (-1: in the lane, or not queued) */
  pos: number;
}

/**
 * A timer Kernel.atFire queued: Kernel.rearmFire moves it, if it is still queued, instead of
 * queueing a new one. `seq` identifies the arming (the object is reused once the timer is gone).
 */
export interface TimerHandle {
  readonly seq: number;
}

/** An object a closure-free kernel timer calls back (Kernel.atFire). */
export interface TimerTarget {
  fire(arg: number): void;
}

const PRIO_CALLBACK = 0;
const PRIO_THREAD = 1;

/** The CPU stand-in when no CPU model is installed: time passes, nothing is contended. */
const NO_WAITABLE: Waitable = {
  name: "cpu",
  kind: "cpu",
  acquire: () => false,
  release() {},
  cancel: () => true,
  holders: () => [],
};

/**
 * The simulation kernel: a virtual clock, one event queue ordered by (time, priority, sequence),
 * simulated threads stepped one effect at a time, and a scheduler consulted whenever two or more
 * threads could take the next step at the same instant. It knows nothing about MySQL.
 */
export class Kernel {
  now: Ns = 0;
  readonly random: RandomStreams;
  readonly scheduler: Scheduler;
  readonly trace: TraceSink;
  /** trace handles of the kinds written on every step, and of "kernel" as a waker */
  private readonly refs: { sleep: number; io: number; cpu: number; kernel: number; preempt: number };
  /** the scheduler, when it delays threads (the `delay` strategy, a replay with delays) */
  private readonly delayer: Scheduler | null;
  cpuModel: CpuModel | null = null;
  /** code-path costs (null: effects take no time of their own) */
  codeCosts: CodePathCosts | null = null;
  syncHook: SyncPointHook | null = null;
  /** called whenever a thread's processlist-style state changes (wait_state watches use it) */
  stateHook: ((t: SimThread) => void) | null = null;
  /**
   * Called every TICK_STEPS steps with nothing half-done (progress lines, wall-time limits). It may
   * call stop(); returning "pause" makes run() return a "paused" result, and run() again resumes
   * exactly where it paused (the caller can serve signals in between).
   */
  tick: (() => "pause" | void) | null = null;
  private nextTick = TICK_STEPS;
  readonly threads: SimThread[] = [];
  /** every scheduler choice so far, a byte each (a long run makes millions) */
  readonly choiceLog = new ChoiceLog();
  /** the thread being stepped (null between steps) */
  current: SimThread | null = null;
  steps = 0;
  events = 0;

  private readonly ready: SimThread[] = [];
  /** the events, in (time, priority, sequence) order (src/kernel/event-heap.ts) */
  private readonly queue = new EventHeap<QueuedEvent>();
  /**
   * The events due within 1 ns of when they were queued (the CPU model's release 1 ns after each
   * burst, callbacks at the current instant: about half of a long load's events), in a FIFO
   * beside the heap: an event joins it only if it sorts after the lane's last one, so the lane
   * stays in (time, priority, sequence) order and taking the lesser of the two heads gives
   * exactly the heap's order, at O(1) instead of O(log n) a push and a pop.
   * test/kernel/event-lane.test.ts checks that order against the heap alone.
   */
  private readonly lane = new EventLane<QueuedEvent>();
  private readonly useLane: boolean;
  /** the old times of timers moved by rearmFire: each is still a (no-op) queue event (event-heap.ts) */
  private readonly ghosts = new TimeHeap();
  private readonly pool: QueuedEvent[] = [];
  /** the event push() queued last (atFire fills in its target) */
  private lastPushed: QueuedEvent | null = null;
  private readonly waitables: Waitable[] = [];
  private seq = 0;
  private live = 0;
  private liveNonDaemon = 0;
  /** threads that time alone will move (sleeping, on a CPU, parked with a timeout) */
  private timedCount = 0;
  private parkedUntimedNonDaemon = 0;
  private stallSince: Ns = -1;
  private last: SimThread | null = null;
  private stopRequest: { outcome: RunOutcome; message?: string } | null = null;
  private readonly stallNs: Ns;
  private readonly maxSteps: number;

  constructor(opts: KernelOptions = {}) {
    this.random = new RandomStreams(opts.seed ?? 0);
    this.scheduler = opts.scheduler ?? new FifoScheduler();
    this.trace = opts.trace ?? NO_TRACE;
    const ref = (s: string): number => (this.trace.enabled ? this.trace.ref(s) : -1);
    this.refs = { sleep: ref("sleep"), io: ref("io"), cpu: ref("cpu"), kernel: ref("kernel"), preempt: ref("preempt") };
    this.delayer = typeof this.scheduler.delay === "function" ? this.scheduler : null;
    this.stallNs = opts.stallNs ?? -1;
    this.maxSteps = opts.maxSteps ?? Number.MAX_SAFE_INTEGER;
    this.useLane = opts.eventLane ?? true;
  }

  // ---------------------------------------------------------------- public API

  /** Creates a thread, ready at the current instant. */
  spawn(name: string, body: ThreadBody, opts: SpawnOptions = {}): SimThread {
    const t = new SimThread(this, this.threads.length, name, body, opts);
    this.threads.push(t);
    this.live++;
    if (!t.daemon) this.liveNonDaemon++;
    this.ready.push(t);
    if (this.trace.enabled) {
      t.traceRef = this.trace.ref(name);
      this.trace.emit(this.now, name, "spawn", undefined, t.daemon ? { daemon: true } : undefined);
    }
    return t;
  }

  /** Runs `cb` at now + delay, before any thread step at that instant. */
  at(delay: Ns, cb: () => void): void {
    this.push(this.now + delay, PRIO_CALLBACK, null, 0, cb);
  }

  /**
   * Calls `target.fire(arg)` at now + delay, exactly as `at(delay, () => target.fire(arg))` would
   * (same place in the event order), without allocating a closure: models that arm a timer on every
   * CPU burst (the CPU model) use it.
   */
  atFire(delay: Ns, target: TimerTarget, arg: number): TimerHandle {
    this.push(this.now + delay, PRIO_CALLBACK, null, 0, null);
    const ev = this.lastPushed!;
    ev.target = target;
    ev.arg = arg;
    return ev;
  }

  /**
   * `atFire(delay, target, arg)` for a target whose earlier timer `h` (armed as sequence `seq`)
   * the target will ignore when it fires (a CPU's timer of an older epoch): if that timer is
   * still in the heap it is moved to the new time in place, with the sequence number a new timer
   * would get, and its old time stays behind as a ghost, a queue event that does nothing, as the
   * ignored timer would have been. So every later event, the clock's stops and the event count
   * are exactly what `atFire` gives, without the heap filling up with ignored timers.
   * test/kernel/event-lane.test.ts checks this against atFire.
   */
  rearmFire(h: TimerHandle | null, seq: number, delay: Ns, target: TimerTarget, arg: number): TimerHandle {
    const ev = h as QueuedEvent | null;
    if (ev === null || ev.seq !== seq || ev.pos < 0 || !this.useLane) return this.atFire(delay, target, arg);
    this.ghosts.add(ev.time);
    ev.time = this.now + delay;
    ev.prio = PRIO_CALLBACK;
    ev.seq = this.seq++;
    ev.target = target;
    ev.arg = arg;
    this.queue.update(ev);
    return ev;
  }

  /** Makes a waitable known, so hang reports can say what each thread holds. */
  register(w: Waitable): void {
    this.waitables.push(w);
  }

  /**
   * Wakes a parked thread: the object it waits on grants it, or signals it. Objects call this;
   * the thread resumes at the current instant with `reason` as the value of its yield.
   */
  wake(t: SimThread, reason: WakeReason): void {
    if (t.status !== "parked") throw new InvariantViolation(`wake of thread ${t.name}, which is ${t.status}, not parked`);
    const on = t.waitingOn;
    this.unpark(t);
    if (this.trace.enabled && on !== NO_WAITABLE) {
      this.trace.emitWake(this.now, t.traceRef, on?.name, reason, this.current?.traceRef ?? this.refs.kernel, this.now - t.waitSince);
    }
    if (t.held !== null && on === NO_WAITABLE) return this.resumeHeld(t);
    t.resumeValue = reason;
    this.ready.push(t);
  }

  /** Ends a thread's wait from outside (KILL, a deadlock victim): the object forgets it first. */
  interrupt(t: SimThread, reason: WakeReason): void {
    // on a CPU (a burst, or the code before a wait) nothing is interrupted: as in MySQL, the kill
    // flag is what the next wait looks at
    if (t.status !== "parked" || !t.waitingOn || t.waitingOn === NO_WAITABLE) return;
    if (t.waitingOn.cancel(t, reason)) this.wake(t, reason);
    else t.pendingWake = reason;
  }

  /** Asks the scheduler to pick one of several candidates (recorded in the schedule). */
  choose(candidates: readonly SimThread[], kind: ChoiceKind): number {
    if (candidates.length <= 1) return 0;
    const c = this.scheduler.choose(candidates, kind, this.last);
    if (!(c >= 0 && c < candidates.length && Number.isInteger(c))) {
      throw new InvariantViolation(`scheduler ${this.scheduler.name} chose ${c} of ${candidates.length}`);
    }
    this.choiceLog.push(c);
    return c;
  }

  /** Ends the run after the current step. */
  stop(outcome: RunOutcome = "stopped", message?: string): void {
    this.stopRequest ??= { outcome, message };
  }

  /**
   * Marks a thread as a daemon or not. An idle client connection is a daemon (it does not keep
   * the run alive) and stops being one while it runs a statement.
   */
  setDaemon(t: SimThread, daemon: boolean): void {
    if (t.daemon === daemon || t.status === "done") return;
    const untimedParked = t.status === "parked" && !t.timed;
    if (daemon) {
      this.liveNonDaemon--;
      if (untimedParked) this.parkedUntimedNonDaemon--;
    } else {
      this.liveNonDaemon++;
      if (untimedParked) this.parkedUntimedNonDaemon++;
    }
    t.daemon = daemon;
  }

  get liveThreads(): number {
    return this.live;
  }

  /** Runs until every non-daemon thread finishes, a hang, a stop, or virtual time `until`. */
  run(until: Ns = Number.MAX_SAFE_INTEGER): RunResult {
    try {
      return this.loop(until);
    } catch (e) {
      const invariant = e instanceof InvariantViolation;
      const message = e instanceof Error ? e.message : String(e);
      if (this.trace.enabled) this.trace.emit(this.now, this.current?.name ?? "kernel", invariant ? "invariant" : "error", undefined, { message });
      return this.result(invariant ? "invariant" : "error", message);
    }
  }

  /** The wait-for graph of every live thread, now. */
  waitForGraph(): WaitForNode[] {
    const holds = new Map<SimThread, string[]>();
    for (const w of this.waitables) for (const h of w.holders()) {
      let list = holds.get(h);
      if (!list) holds.set(h, (list = []));
      if (!list.includes(w.name)) list.push(w.name);
    }
    const nodes: WaitForNode[] = [];
    for (const t of this.threads) {
      if (t.status === "done") continue;
      const w = t.waitingOn && t.waitingOn !== NO_WAITABLE ? t.waitingOn : null;
      nodes.push({
        thread: t.name,
        state: t.state,
        waitingOn: w ? { name: w.name, kind: w.kind, ...(w.describe?.() ? { detail: w.describe!() } : {}) } : null,
        since: w ? t.waitSince : this.now,
        holds: holds.get(t) ?? [],
        blockedBy: w ? w.holders().filter((h) => h !== t).map((h) => h.name) : [],
      });
    }
    return nodes;
  }

  // ---------------------------------------------------------------- the loop

  private loop(until: Ns): RunResult {
    const ready = this.ready;
    for (;;) {
      if (this.stopRequest) return this.result(this.stopRequest.outcome, this.stopRequest.message);
      if (ready.length > 0) {
        if (this.steps >= this.nextTick && this.tick !== null) {
          this.nextTick = this.steps + TICK_STEPS;
          if (this.tick() === "pause") return this.result("paused");
          if (this.stopRequest) continue;
        }
        const i = ready.length === 1 ? 0 : this.choose(ready, "run");
        const t = takeAt(ready, i);
        if (++this.steps > this.maxSteps) return this.result("step_limit", `more than ${this.maxSteps} steps`);
        this.step(t);
        continue;
      }
      if (this.liveNonDaemon === 0) return this.result("finished");
      if (this.timedCount === 0) return this.hangResult();
      if (this.stallNs >= 0 && this.parkedUntimedNonDaemon === this.liveNonDaemon) {
        if (this.stallSince < 0) this.stallSince = this.now;
        else if (this.now - this.stallSince >= this.stallNs) return this.hangResult();
      } else this.stallSince = -1;
      const next = this.peekEvent();
      const ghosts = this.ghosts;
      const nextTime = next === undefined ? ghosts.min() : Math.min(next.time, ghosts.min());
      if (nextTime === Infinity) return this.hangResult();
      if (nextTime > until) {
        this.now = until;
        return this.result("time_limit");
      }
      if (nextTime < this.now) throw new InvariantViolation(`time went backwards: ${nextTime} < ${this.now}`);
      this.now = nextTime;
      const lane = this.lane;
      for (;;) {
        const ev = this.peekEvent();
        if (ev === undefined || ev.time !== nextTime) break;
        if (ev === lane.peek()) lane.shift();
        else this.queue.poll();
        this.dispatch(ev);
      }
      // ghosts due now (moved timers' old times): no-op events, as the ignored timers were
      while (ghosts.size > 0 && ghosts.min() === nextTime) {
        ghosts.poll();
        this.events++;
      }
    }
  }

  private dispatch(ev: QueuedEvent): void {
    this.events++;
    const t = ev.thread;
    const cb = ev.cb;
    const target = ev.target;
    const arg = ev.arg;
    const stale = t !== null && t.epoch !== ev.epoch;
    ev.thread = null;
    ev.cb = null;
    ev.target = null;
    this.pool.push(ev);
    if (cb) return cb();
    if (target) return target.fire(arg);
    if (!t || stale) return;
    if (t.status === "timed") {
      // a sleep, an I/O, a CPU burst without a CPU model, or a delay has ended
      t.status = "ready";
      t.timed = false;
      this.timedCount--;
      t.epoch++;
      t.resumeValue = undefined;
      if (t.held !== null) this.resumeHeld(t);
      else this.ready.push(t);
    } else if (t.status === "parked" && t.waitingOn) {
      // a timed wait ran out
      const on = t.waitingOn;
      t.timed = false;
      this.timedCount--;
      if (!t.daemon) this.parkedUntimedNonDaemon++;
      if (this.trace.enabled) this.trace.emit(this.now, t.name, "timeout", on.name, { waited_ns: this.now - t.waitSince });
      if (on.cancel(t, "timeout")) this.wake(t, "timeout");
      else t.pendingWake = "timeout";
    }
  }

  private step(t: SimThread): void {
    t.status = "running";
    this.current = t;
    this.stallSince = t.daemon ? this.stallSince : -1;
    const v = t.resumeValue;
    t.resumeValue = undefined;
    let r: IteratorResult<Effect, unknown>;
    try {
      r = t.gen.next(v);
    } finally {
      this.current = null;
      this.last = t;
    }
    if (r.done) this.finish(t, r.value);
    else this.begin(t, r.value);
  }

  /**
   * What a thread yielded starts: first a delay, if the scheduler holds the thread off its CPU
   * here (recorded in the schedule); then the CPU time of the code leading into the effect; then
   * the effect itself. While either is under way the effect waits in `t.held`.
   */
  private begin(t: SimThread, e: Effect): void {
    if (this.delayer !== null) {
      const d = Math.round(this.delayer.delay!(t, this.steps));
      if (d > 0) {
        this.choiceLog.pushDelay(this.steps, d);
        t.held = e;
        t.heldCostPaid = false;
        if (this.trace.enabled) this.trace.emit(this.now, t.name, "preempt", e.obj?.name ?? (e.label || undefined), { ns: d, by: "delay", before: effectName(e), ...(t.mark ? { after: t.mark } : {}) });
        this.timer(t, d);
        return;
      }
    }
    this.costThenApply(t, e);
  }

  private costThenApply(t: SimThread, e: Effect): void {
    const costs = this.codeCosts;
    if (costs !== null) {
      const ns = costs.before(t, e);
      if (ns > 0) {
        t.held = e;
        t.heldCostPaid = true;
        this.burst(t, ns, costs.label);
        return;
      }
    }
    this.apply(t, e);
  }

  /** A held effect's delay or code-path burst is over: go on with it as the thread's own step. */
  private resumeHeld(t: SimThread): void {
    const e = t.held!;
    const paid = t.heldCostPaid;
    t.held = null;
    const prev = this.current;
    t.status = "running";
    this.current = t;
    try {
      if (paid) this.apply(t, e);
      else this.costThenApply(t, e);
    } finally {
      this.current = prev;
    }
  }

  /** CPU time for a thread: the CPU model runs it (and may preempt it), or without one, time passes. */
  private burst(t: SimThread, ns: Ns, label: string): void {
    if (this.trace.enabled) this.trace.emitNs(this.now, t.traceRef, this.refs.cpu, label, ns);
    if (this.cpuModel) {
      this.park(t, NO_WAITABLE, -1);
      t.timed = true;
      this.timedCount++;
      if (!t.daemon) this.parkedUntimedNonDaemon--;
      this.cpuModel.run(t, ns, label);
    } else this.timer(t, ns);
  }

  private apply(t: SimThread, e: Effect): void {
    switch (e.op) {
      case Op.Sleep:
      case Op.Io:
        if (this.trace.enabled) this.trace.emitNs(this.now, t.traceRef, e.op === Op.Io ? this.refs.io : this.refs.sleep, e.label, e.ns);
        this.timer(t, e.ns);
        return;
      case Op.Cpu:
        this.burst(t, e.ns, e.label);
        return;
      case Op.Acquire: {
        const obj = e.obj!;
        if (obj.acquire(t, e.arg)) {
          t.resumeValue = "granted";
          t.status = "ready";
          this.ready.push(t);
        } else if (t.status === "running") this.park(t, obj, e.ns);
        // else: the object already woke it (an acquire that granted through wake)
        return;
      }
      case Op.Release:
        e.obj!.release(t, e.arg);
        t.status = "ready";
        this.ready.push(t);
        return;
      case Op.SyncPoint:
        if (this.trace.enabled) this.trace.emit(this.now, t.name, "sync_point", e.label);
        if (this.syncHook && !this.syncHook.hit(t, e.label)) return; // parked by the hook
        t.status = "ready";
        this.ready.push(t);
        return;
      case Op.Spawn: {
        const child = this.spawn(e.label, e.body!, (e.arg as SpawnOptions | undefined) ?? {});
        t.resumeValue = child;
        t.status = "ready";
        this.ready.push(t);
        return;
      }
      case Op.Join:
        if (e.obj!.acquire(t, undefined)) {
          t.resumeValue = "done";
          t.status = "ready";
          this.ready.push(t);
        } else this.park(t, e.obj!, -1);
        return;
      case Op.Yield:
        t.status = "ready";
        this.ready.push(t);
        return;
      default:
        throw new InvariantViolation(`thread ${t.name} yielded something that is not an effect`);
    }
  }

  /**
   * Parks a thread on an object. Objects that must park a thread outside an acquire (a debug
   * sync point) call this too; `timeoutNs` < 0 waits forever.
   */
  park(t: SimThread, on: Waitable, timeoutNs: Ns): void {
    t.status = "parked";
    t.waitingOn = on;
    t.waitSince = this.now;
    if (timeoutNs >= 0) {
      t.timed = true;
      this.timedCount++;
      this.push(this.now + timeoutNs, PRIO_THREAD, t, t.epoch, null);
    } else if (!t.daemon) this.parkedUntimedNonDaemon++;
    if (this.trace.enabled && on !== NO_WAITABLE) {
      this.trace.emitWait(this.now, t.traceRef, on.name, on.kind, t.state, timeoutNs);
    }
  }

  private unpark(t: SimThread): void {
    if (t.timed) {
      t.timed = false;
      this.timedCount--;
    } else if (!t.daemon) this.parkedUntimedNonDaemon--;
    t.epoch++;
    t.waitingOn = null;
    t.pendingWake = null;
    t.status = "ready";
  }

  private timer(t: SimThread, ns: Ns): void {
    if (!(ns >= 0)) throw new InvariantViolation(`thread ${t.name} asked for a negative duration ${ns}`);
    t.status = "timed";
    t.timed = true;
    this.timedCount++;
    this.push(this.now + Math.round(ns), PRIO_THREAD, t, t.epoch, null);
  }

  private finish(t: SimThread, value: unknown): void {
    t.status = "done";
    t.result = value;
    this.live--;
    if (!t.daemon) this.liveNonDaemon--;
    if (this.trace.enabled) this.trace.emit(this.now, t.name, "end");
    for (const j of t.joiners.splice(0)) this.wake(j, "done");
  }

  private push(time: Ns, prio: number, thread: SimThread | null, epoch: number, cb: (() => void) | null): void {
    const ev = this.pool.pop() ?? { time: 0, prio: 0, seq: 0, thread: null, epoch: 0, cb: null, target: null, arg: 0, pos: -1 };
    ev.time = time;
    ev.prio = prio;
    ev.seq = this.seq++;
    ev.thread = thread;
    ev.epoch = epoch;
    ev.cb = cb;
    this.lastPushed = ev;
    const lane = this.lane;
    if (this.useLane && time - this.now <= 1 && (lane.size === 0 || before(lane.last()!, ev))) {
      ev.pos = -1;
      lane.push(ev);
    } else this.queue.add(ev);
  }

  /** The next event in (time, priority, sequence) order: the lesser of the heap's and the lane's heads. */
  private peekEvent(): QueuedEvent | undefined {
    const h = this.queue.peek();
    const l = this.lane.peek();
    if (l === undefined) return h;
    if (h === undefined) return l;
    return before(h, l) ? h : l;
  }

  private hangResult(): RunResult {
    const waitFor = this.waitForGraph();
    const cycle = findCycle(waitFor);
    const outcome: RunOutcome = cycle ? "deadlock" : "hang";
    if (this.trace.enabled) this.trace.emit(this.now, "kernel", outcome, undefined, { cycle: cycle ?? [], threads: waitFor });
    const res = this.result(outcome);
    res.waitFor = waitFor;
    if (cycle) res.cycle = cycle;
    return res;
  }

  /** The result of the run so far; `choices` is decoded only if somebody reads it. */
  result(outcome: RunOutcome, message?: string): RunResult {
    return new KernelRunResult(outcome, this.now, this.steps, this.events, this.choiceLog, message);
  }
}

/** How a trace names the effect a thread was about to apply ("acquire m_prep_xids_cond"). */
export function effectName(e: Effect): string {
  switch (e.op) {
    case Op.Acquire:
      return `acquire ${e.obj!.name}`;
    case Op.Release:
      return `release ${e.obj!.name}`;
    case Op.Cpu:
      return `cpu ${e.label}`;
    case Op.Io:
      return `io ${e.label}`;
    case Op.Sleep:
      return "sleep";
    case Op.SyncPoint:
      return `sync point ${e.label}`;
    case Op.Join:
      return `join ${e.obj!.name}`;
    case Op.Spawn:
      return `spawn ${e.label}`;
    default:
      return "yield";
  }
}

/** A cycle in the wait-for graph (thread -> holders of what it waits on), or null. */
export function findCycle(nodes: readonly WaitForNode[]): string[] | null {
  const edges = new Map(nodes.map((n) => [n.thread, n.blockedBy]));
  const color = new Map<string, number>();
  const stack: string[] = [];
  const visit = (u: string): string[] | null => {
    color.set(u, 1);
    stack.push(u);
    for (const v of edges.get(u) ?? []) {
      const c = color.get(v) ?? 0;
      if (c === 1) return stack.slice(stack.indexOf(v));
      if (c === 0) {
        const found = visit(v);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(u, 2);
    return null;
  };
  for (const n of nodes) if (!color.get(n.thread)) {
    const c = visit(n.thread);
    if (c) return c;
  }
  return null;
}
