import type { Kernel } from "./kernel.js";
import type { RandomStream } from "./random.js";
import type { Ns } from "./time.js";
import type { Waitable, WakeReason } from "./waitable.js";

/** Effect op codes (plain numbers: the hot path switches on them). */
export const Op = {
  Sleep: 0,
  Cpu: 1,
  Io: 2,
  Acquire: 3,
  Release: 4,
  SyncPoint: 5,
  Spawn: 6,
  Join: 7,
  Yield: 8,
} as const;

/**
 * What a thread yields. Each thread owns one Effect object that every effect method fills in and
 * returns, so stepping a thread allocates nothing: the kernel consumes the effect before the
 * thread runs again.
 */
export interface Effect {
  op: number;
  obj: Waitable | null;
  arg: unknown;
  /** duration for sleep/cpu/io; timeout for acquire (-1: none) */
  ns: Ns;
  label: string;
  body: ThreadBody | null;
}

export type ThreadBody = (t: SimThread) => Generator<Effect, unknown, unknown>;

export const enum_ThreadStatus = ["ready", "running", "parked", "timed", "done"] as const;
export type ThreadStatus = (typeof enum_ThreadStatus)[number];

export interface SpawnOptions {
  /** a daemon (a server background thread) does not keep the run alive and is not a hang on its own */
  daemon?: boolean;
  /** free-form data the model attaches (a MySQL session) */
  data?: unknown;
}

/** A simulated thread: a generator plus the kernel's bookkeeping. */
export class SimThread {
  status: ThreadStatus = "ready";
  /** the object this thread is parked on */
  waitingOn: Waitable | null = null;
  waitSince: Ns = 0;
  /** a parked thread with a timeout, or sleeping/burning CPU: time alone will move it */
  timed = false;
  /** value handed to the generator at its next step */
  resumeValue: unknown = undefined;
  /** bumped whenever the thread stops waiting, so stale timers are ignored */
  epoch = 0;
  /** for condvars: what the wait returns once the mutex is re-acquired */
  pendingWake: WakeReason | null = null;
  result: unknown = undefined;
  error: unknown = undefined;
  /** a processlist-like label the model sets ("Waiting for table metadata lock") */
  state = "";
  /** the trace's handle for this thread's name (TraceSink.ref), set at spawn when tracing */
  traceRef = -1;
  /**
   * An effect the thread has yielded but the kernel has not applied yet, because the code leading
   * to it is still running on a CPU (a code-path cost) or the thread is held off its CPU (a delay).
   */
  held: Effect | null = null;
  /** whether `held`'s code-path cost is being paid (true) or still to come after a delay (false) */
  heldCostPaid = false;
  /**
   * The last code point the model passed ("get_prep_xids() = 1"), named in preemption records so
   * a trace says where a thread was stopped. Models set it only while tracing.
   */
  mark = "";
  readonly joiners: SimThread[] = [];
  /** changed only through kernel.setDaemon, which keeps the kernel's counters right */
  daemon: boolean;
  data: unknown;
  readonly gen: Generator<Effect, unknown, unknown>;
  private readonly fx: Effect = { op: 0, obj: null, arg: undefined, ns: 0, label: "", body: null };

  constructor(
    readonly kernel: Kernel,
    readonly id: number,
    readonly name: string,
    body: ThreadBody,
    opts: SpawnOptions = {},
  ) {
    this.daemon = opts.daemon ?? false;
    this.data = opts.data;
    this.gen = body(this);
  }

  get now(): Ns {
    return this.kernel.now;
  }

  rng(stream: string): RandomStream {
    return this.kernel.random.stream(stream);
  }

  /** Writes a trace record attributed to this thread (only when tracing is on). */
  trace(kind: string, obj?: string, detail?: unknown): void {
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, this.name, kind, obj, detail);
  }

  /** Sets the processlist-style state; traced when it changes. */
  setState(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.trace("state", undefined, { state });
    this.kernel.stateHook?.(this);
  }

  // ---- effects: `yield t.sleep(ms(5))` ----

  /** Pass time without using a CPU. */
  sleep(ns: Ns): Effect {
    return this.fill(Op.Sleep, null, undefined, ns, "");
  }
  /** Use a CPU for ns (subject to the machine's CPU model, if one is installed). */
  cpu(ns: Ns, label = ""): Effect {
    return this.fill(Op.Cpu, null, undefined, ns, label);
  }
  /** Wait for an I/O of ns (disk write, fsync). */
  io(ns: Ns, label = ""): Effect {
    return this.fill(Op.Io, null, undefined, ns, label);
  }
  /** Take a waitable; blocks until granted, or until timeoutNs (-1: forever). Returns a WakeReason. */
  acquire(obj: Waitable, arg?: unknown, timeoutNs: Ns = -1): Effect {
    return this.fill(Op.Acquire, obj, arg, timeoutNs, "");
  }
  /** A non-blocking operation on a waitable (unlock, signal, broadcast, set). */
  release(obj: Waitable, arg?: unknown): Effect {
    return this.fill(Op.Release, obj, arg, 0, "");
  }
  /** A named point where a test can park or signal (MySQL's DEBUG_SYNC). */
  syncPoint(name: string): Effect {
    return this.fill(Op.SyncPoint, null, undefined, 0, name);
  }
  /** Start another thread; returns its SimThread. */
  spawn(name: string, body: ThreadBody, opts?: SpawnOptions): Effect {
    const e = this.fill(Op.Spawn, null, opts, 0, name);
    e.body = body;
    return e;
  }
  /** Wait until another thread finishes. */
  join(other: SimThread): Effect {
    return this.fill(Op.Join, other.joinTarget, undefined, -1, "");
  }
  /** A scheduling point with no other effect. */
  yield(): Effect {
    return this.fill(Op.Yield, null, undefined, 0, "");
  }

  /** The waitable that stands for "this thread finishing" (for join). */
  get joinTarget(): Waitable {
    const self = this;
    return (this._joinTarget ??= {
      name: `thread ${self.name}`,
      kind: "thread",
      acquire(t) {
        if (self.status === "done") return true;
        self.joiners.push(t);
        return false;
      },
      release() {},
      cancel(t) {
        const i = self.joiners.indexOf(t);
        if (i >= 0) self.joiners.splice(i, 1);
        return true;
      },
      holders: () => [self],
    });
  }
  private _joinTarget?: Waitable;

  private fill(op: number, obj: Waitable | null, arg: unknown, ns: Ns, label: string): Effect {
    const e = this.fx;
    e.op = op;
    e.obj = obj;
    e.arg = arg;
    e.ns = ns;
    e.label = label;
    e.body = null;
    return e;
  }
}
