import type { Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Waitable } from "../kernel/waitable.js";

/**
 * One thread waiting until a condition holds: a client connection for its next statement (its
 * mailbox), the test script for a statement's result (reap) or for a processlist state
 * (wait_state). `t.acquire(watch, ready)` parks until `ready()` is true; whoever changes what
 * `ready` reads calls `poke`.
 */
export class Watch implements Waitable {
  waiter: SimThread | null = null;
  private ready: () => boolean = () => true;

  constructor(
    readonly name: string,
    readonly kind: string,
    private readonly holder: () => SimThread | null,
  ) {}

  acquire(t: SimThread, ready: unknown): boolean {
    this.ready = ready as () => boolean;
    if (this.ready()) return true;
    this.waiter = t;
    return false;
  }

  /** something changed: wake the waiter if what it waits for now holds */
  poke(kernel: Kernel): void {
    if (this.waiter && this.ready()) {
      const w = this.waiter;
      this.waiter = null;
      kernel.wake(w, "granted");
    }
  }

  release(): void {}

  cancel(): boolean {
    this.waiter = null;
    return true;
  }

  holders(): readonly SimThread[] {
    const h = this.holder();
    return h ? [h] : [];
  }
}
