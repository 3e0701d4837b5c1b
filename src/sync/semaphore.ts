import { InvariantViolation, type Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Waitable } from "../kernel/waitable.js";
import { takeAt } from "../kernel/take-at.js";

/** A counting semaphore; which waiter gets a freed slot is a scheduler choice. */
export class Semaphore implements Waitable {
  readonly kind = "semaphore";
  private readonly waiters: SimThread[] = [];
  private readonly owners: SimThread[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
    private free: number,
  ) {
    kernel.register(this);
  }

  acquire(t: SimThread): boolean {
    if (this.free > 0) {
      this.free--;
      this.owners.push(t);
      return true;
    }
    this.waiters.push(t);
    return false;
  }

  release(t: SimThread): void {
    const i = this.owners.indexOf(t);
    if (i < 0) throw new InvariantViolation(`${t.name} releases ${this.name} without a slot`);
    takeAt(this.owners, i);
    if (this.waiters.length > 0) {
      const w = takeAt(this.waiters, this.kernel.choose(this.waiters, "wake"));
      this.owners.push(w);
      this.kernel.wake(w, "granted");
    } else this.free++;
  }

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) takeAt(this.waiters, i);
    return true;
  }

  holders(): readonly SimThread[] {
    return this.owners;
  }
}
