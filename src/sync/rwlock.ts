import { InvariantViolation, type Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import type { Waitable } from "../kernel/waitable.js";
import { takeAt } from "../kernel/take-at.js";

export type RwMode = "S" | "X";

/**
 * A reader-writer lock that prefers writers (like MySQL's mysql_prlock / InnoDB rw_lock_t):
 * a shared request waits while an exclusive one is waiting. Which waiting writer goes next is a
 * scheduler choice; when no writer waits, all waiting readers go together.
 *
 *   yield t.acquire(rw, "S" | "X")
 *   yield t.release(rw)
 */
export class RwLock implements Waitable {
  readonly kind = "rwlock";
  private writer: SimThread | null = null;
  private readonly readers: SimThread[] = [];
  private readonly waitingWriters: SimThread[] = [];
  private readonly waitingReaders: SimThread[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
  ) {
    kernel.register(this);
  }

  acquire(t: SimThread, mode: unknown): boolean {
    if (this.writer === t || this.readers.includes(t)) throw new InvariantViolation(`${t.name} re-locks ${this.name}`);
    if (mode === "X") {
      if (this.writer === null && this.readers.length === 0) return this.grant(t, "X");
      this.waitingWriters.push(t);
      return false;
    }
    if (this.writer === null && this.waitingWriters.length === 0) return this.grant(t, "S");
    this.waitingReaders.push(t);
    return false;
  }

  release(t: SimThread): void {
    if (this.writer === t) this.writer = null;
    else {
      const i = this.readers.indexOf(t);
      if (i < 0) throw new InvariantViolation(`${t.name} unlocks ${this.name}, which it does not hold`);
      takeAt(this.readers, i);
    }
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "unlock", this.name);
    if (this.writer !== null || this.readers.length > 0) return;
    if (this.waitingWriters.length > 0) {
      const i = this.kernel.choose(this.waitingWriters, "wake");
      const w = takeAt(this.waitingWriters, i);
      this.grant(w, "X");
      this.kernel.wake(w, "granted");
      return;
    }
    for (const r of this.waitingReaders.splice(0)) {
      this.grant(r, "S");
      this.kernel.wake(r, "granted");
    }
  }

  cancel(t: SimThread): boolean {
    for (const q of [this.waitingWriters, this.waitingReaders]) {
      const i = q.indexOf(t);
      if (i >= 0) q.splice(i, 1);
    }
    return true;
  }

  holders(): readonly SimThread[] {
    return this.writer ? [this.writer] : this.readers;
  }

  private grant(t: SimThread, mode: RwMode): true {
    if (mode === "X") this.writer = t;
    else this.readers.push(t);
    if (this.writer && this.readers.length > 0) throw new InvariantViolation(`${this.name} has a writer and readers`);
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "lock", this.name, { mode });
    return true;
  }
}
