import { InvariantViolation, type Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Waitable, WakeReason } from "../kernel/waitable.js";
import { takeAt } from "../kernel/take-at.js";

/**
 * A pthread mutex (PTHREAD_MUTEX_NORMAL/ERRORCHECK semantics, checked): at most one owner, only
 * the owner unlocks, no recursion. On unlock, which waiter gets the mutex is a scheduler choice,
 * as pthread promises no order.
 *
 *   yield t.acquire(m)   // pthread_mutex_lock   (or lock(t, m))
 *   yield t.release(m)   // pthread_mutex_unlock (or unlock(t, m))
 */
export class Mutex implements Waitable {
  readonly kind = "mutex";
  owner: SimThread | null = null;
  readonly waiters: SimThread[] = [];
  /** times the mutex was taken */
  acquisitions = 0;

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
  ) {
    kernel.register(this);
  }

  acquire(t: SimThread): boolean {
    if (this.owner === t) throw new InvariantViolation(`${t.name} locks ${this.name}, which it already owns`);
    if (this.owner === null) {
      this.grant(t);
      return true;
    }
    this.waiters.push(t);
    return false;
  }

  release(t: SimThread): void {
    if (this.owner !== t) {
      throw new InvariantViolation(`${t.name} unlocks ${this.name}, owned by ${this.owner ? this.owner.name : "nobody"}`);
    }
    this.owner = null;
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "unlock", this.name);
    if (this.waiters.length > 0) {
      const i = this.kernel.choose(this.waiters, "wake");
      const next = takeAt(this.waiters, i);
      this.grant(next);
      this.kernel.wake(next, next.pendingWake ?? "granted");
    }
  }

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) takeAt(this.waiters, i);
    return true;
  }

  holders(): readonly SimThread[] {
    return this.owner ? [this.owner] : [];
  }

  /**
   * Takes the mutex for a thread already parked elsewhere (a condvar waiter re-acquiring it):
   * grants and wakes it with `reason` if free, else queues it here.
   */
  handTo(t: SimThread, reason: WakeReason): void {
    if (this.owner === null) {
      this.grant(t);
      this.kernel.wake(t, reason);
    } else {
      t.pendingWake = reason;
      t.waitingOn = this;
      this.waiters.push(t);
    }
  }

  private grant(t: SimThread): void {
    this.owner = t;
    this.acquisitions++;
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "lock", this.name);
  }
}
