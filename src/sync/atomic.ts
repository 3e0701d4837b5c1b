import { InvariantViolation } from "../kernel/kernel.js";

/**
 * An atomic integer (my_atomic_add32 / std::atomic). Operations are atomic because a thread
 * step is: put a `yield t.yield()` between a load and a dependent action where a real CPU could
 * be preempted. An optional floor turns "never below zero" into a checked invariant.
 */
export class AtomicCounter {
  constructor(
    readonly name: string,
    public value = 0,
    private readonly floor = -Infinity,
  ) {}

  /** adds d; returns the value before (fetch_add) */
  add(d: number): number {
    const old = this.value;
    this.value = old + d;
    if (this.value < this.floor) throw new InvariantViolation(`${this.name} went below ${this.floor}: ${this.value}`);
    return old;
  }

  load(): number {
    return this.value;
  }
}
