import type { SimThread } from "./thread.js";

/**
 * Anything a simulated thread can block on: a mutex, a condition variable, an MDL lock, a debug
 * sync signal, a CPU run queue. The kernel stays ignorant of what the object is; the object
 * decides who gets it and wakes threads through `kernel.wake`.
 */
export interface Waitable {
  /** MySQL's own name where there is one: "LOCK_log", "m_prep_xids_cond", "MDL TABLE test.t1" */
  readonly name: string;
  /** "mutex" | "cond" | "rwlock" | "event" | "mdl" | "debug_sync" | "cpu" | "thread" ... */
  readonly kind: string;
  /**
   * Take the object for `t` (the effect `t.acquire(obj, arg)`). Return true and `t` continues at
   * once; return false and `t` stays parked on the object until the object calls `kernel.wake`.
   */
  acquire(t: SimThread, arg: unknown): boolean;
  /** A non-blocking operation on the object (unlock, signal, set). */
  release(t: SimThread, arg: unknown): void;
  /**
   * `t`'s wait ended without the object waking it (timeout or kill). Forget `t`; return true if
   * `t` may resume now, false if the object will wake it later (a condvar must re-acquire its mutex).
   */
  cancel(t: SimThread, reason: WakeReason): boolean;
  /** Who holds it, for the wait-for graph (empty when nobody can be named, as for a condvar). */
  holders(): readonly SimThread[];
  /** Extra facts for a hang report (a condvar's last signal that found no waiter). */
  describe?(): Record<string, unknown> | undefined;
}

/** What a blocking effect returns to the thread. */
export type WakeReason = "granted" | "signaled" | "timeout" | "killed" | "victim" | "done";
