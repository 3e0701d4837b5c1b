import { InvariantViolation, type Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";
import type { Waitable, WakeReason } from "../kernel/waitable.js";
import type { Mutex } from "./mutex.js";
import { takeAt } from "../kernel/take-at.js";

/** A signal or broadcast that found no waiter. */
export interface LostSignal {
  at: Ns;
  by: string;
  op: "signal" | "broadcast";
}

/**
 * A pthread condition variable. `wait` atomically releases the mutex and parks; a woken waiter
 * re-acquires the mutex before its wait returns. A signal with no waiter is lost, and the
 * condvar remembers the last one: that is the headline of a lost wake-up hang (MySQL bug #68569).
 *
 *   yield t.acquire(cond, mutex [, timeoutNs])  // pthread_cond_wait / timedwait -> "signaled" | "timeout"
 *   yield t.release(cond, "signal" | "broadcast")
 */
export class Cond implements Waitable {
  readonly kind = "cond";
  private readonly waiters: SimThread[] = [];
  private readonly mutexes: Mutex[] = [];
  lastLostSignal: LostSignal | null = null;
  lostSignals = 0;

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
  ) {
    kernel.register(this);
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(t: SimThread, mutex: unknown): boolean {
    const m = mutex as Mutex;
    if (!m || m.kind !== "mutex") throw new InvariantViolation(`wait on ${this.name} needs a mutex`);
    if (m.owner !== t) throw new InvariantViolation(`${t.name} waits on ${this.name} without holding ${m.name}`);
    m.release(t);
    this.waiters.push(t);
    this.mutexes.push(m);
    return false;
  }

  release(t: SimThread, op: unknown): void {
    const mode = op === "broadcast" ? "broadcast" : "signal";
    const tracing = this.kernel.trace.enabled;
    if (this.waiters.length === 0) {
      this.lastLostSignal = { at: this.kernel.now, by: t.name, op: mode };
      this.lostSignals++;
      if (tracing) this.kernel.trace.emit(this.kernel.now, t.name, "lost_signal", this.name, { op: mode });
      return;
    }
    if (mode === "signal") {
      const i = this.kernel.choose(this.waiters, "wake");
      const w = takeAt(this.waiters, i);
      const m = takeAt(this.mutexes, i);
      if (tracing) this.kernel.trace.emit(this.kernel.now, t.name, "signal", this.name, { woke: w.name });
      m.handTo(w, "signaled");
      return;
    }
    const ws = this.waiters.splice(0);
    const ms = this.mutexes.splice(0);
    if (tracing) this.kernel.trace.emit(this.kernel.now, t.name, "broadcast", this.name, { woke: ws.map((w) => w.name) });
    for (let i = 0; i < ws.length; i++) ms[i]!.handTo(ws[i]!, "signaled");
  }

  cancel(t: SimThread, reason: WakeReason): boolean {
    const i = this.waiters.indexOf(t);
    if (i < 0) return true;
    takeAt(this.waiters, i);
    const m = takeAt(this.mutexes, i);
    // the wait returns only with the mutex held again
    if (m.owner === null) {
      m.acquire(t);
      return true;
    }
    t.pendingWake = reason;
    t.waitingOn = m;
    m.waiters.push(t);
    return false;
  }

  holders(): readonly SimThread[] {
    return [];
  }

  describe(): Record<string, unknown> | undefined {
    if (!this.lastLostSignal) return undefined;
    return { last_lost_signal: this.lastLostSignal, lost_signals: this.lostSignals };
  }
}
