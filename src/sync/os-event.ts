import type { Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Waitable } from "../kernel/waitable.js";

/**
 * InnoDB's os_event_t (storage/innobase/os/os0event.cc): set / reset / wait with a signal
 * count, so that a set between a reset and the wait is not lost:
 *
 *   const sig = ev.reset(t);                    // os_event_reset: returns signal_count
 *   ...check the condition...
 *   yield t.acquire(ev, sig [, timeoutNs])      // os_event_wait_low(event, sig)
 *   ev.set(t)                                   // os_event_set: wakes every waiter
 *
 * os_event_wait_low returns at once if the event is set, or if it was set (signal_count moved)
 * since the reset that returned `sig`.
 */
export class OsEvent implements Waitable {
  readonly kind = "event";
  isSet = false;
  /** starts at 1 as in os0event.cc, so a reset_sig_count of 0 means "no count given" */
  signalCount = 1;
  private readonly waiters: SimThread[] = [];

  // not registered with the kernel: nobody holds an event, so it adds nothing to a wait-for graph
  constructor(
    readonly kernel: Kernel,
    readonly name: string,
  ) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** os_event_reset */
  reset(t?: SimThread): number {
    if (this.isSet) {
      this.isSet = false;
      if (t && this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "event_reset", this.name);
    }
    return this.signalCount;
  }

  /** os_event_set; returns how many waiters it woke (a model may charge a futex wake each) */
  set(t?: SimThread): number {
    if (this.isSet) return 0;
    this.isSet = true;
    this.signalCount++;
    const n = this.waiters.length;
    if (n === 0) return 0;
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, (t ?? this.kernel.current)?.name ?? "kernel", "event_set", this.name, { woke: n });
    for (const w of this.waiters.splice(0)) this.kernel.wake(w, "signaled");
    return n;
  }

  acquire(t: SimThread, resetSigCount: unknown): boolean {
    const sig = typeof resetSigCount === "number" ? resetSigCount : 0;
    if (this.isSet || (sig !== 0 && sig !== this.signalCount)) return true;
    this.waiters.push(t);
    return false;
  }

  release(t: SimThread, op: unknown): void {
    if (op === "reset") this.reset(t);
    else this.set(t);
  }

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
    return true;
  }

  holders(): readonly SimThread[] {
    return [];
  }
}
