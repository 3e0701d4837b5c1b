import { InvariantViolation, type Kernel } from "../kernel/kernel.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";
import type { Waitable, WakeReason } from "../kernel/waitable.js";
import { takeAt } from "../kernel/take-at.js";
import type { LostSignal } from "./cond.js";

/**
 * glibc's (NPTL's) own mutex and condition variable, as glibc 2.33 (the seed's libpthread-2.33.so)
 * has them, for the MySQL mutexes initialised with MY_MUTEX_INIT_FAST. Unlike the kernel's `Mutex`
 * (a released mutex is handed to one waiter, which owns it before it runs) and `Cond` (a woken
 * waiter is queued on the mutex), here:
 *
 * - **Barging**: unlocking stores 0 in the lock word (`__lll_unlock`: `atomic_exchange_rel(futex,
 *   0)`, then `lll_futex_wake(futex, 1)` only if the old value was > 1). The woken sleeper must
 *   take the word again itself (`__lll_lock_wait`: `while (atomic_exchange_acquire(futex, 2) != 0)
 *   futex_wait(futex, 2)`), so whichever thread runs first gets the mutex.
 * - **Adaptive spinning** (`PTHREAD_MUTEX_ADAPTIVE_NP`, nptl/pthread_mutex_lock.c at glibc-2.33):
 *   a failed `LLL_MUTEX_TRYLOCK` spins `max_cnt = MIN(max_adaptive_count(), __spins * 2 + 10)`
 *   rounds of `atomic_spin_nop()` (x86: `pause`) + `LLL_MUTEX_TRYLOCK`, then sleeps in
 *   `LLL_MUTEX_LOCK`; afterwards `__spins += (cnt - __spins) / 8`. `max_adaptive_count()` is the
 *   tunable glibc.pthread.mutex_spin_count, `DEFAULT_ADAPTIVE_COUNT` 100
 *   (sysdeps/generic/adaptive_spin_count.h). The spin is one CPU burst of user time (it burns
 *   quota) that an unlock cuts short (`SpinHost.endBurst`), as the redo model's spins.
 * - **Condition variables since glibc 2.25** (nptl/pthread_cond_wait.c, pthread_cond_broadcast.c,
 *   Torvald Riegel's algorithm): a waiter registers (`__condvar_fetch_add_wseq_acquire`), unlocks
 *   the mutex, sleeps on `__g_signals` (`maxspin = 0`: no spin); `pthread_cond_broadcast`
 *   `futex_wake(..., INT_MAX)`s every waiter (no FUTEX_CMP_REQUEUE onto the mutex, which glibc <=
 *   2.24 did); each woken waiter re-takes the mutex itself with `__pthread_mutex_cond_lock`
 *   (pthread_mutex_cond_lock.c: the same adaptive path with `lll_cond_trylock`, which sets the
 *   word to 2, and `lll_cond_lock`), so its unlock always makes the futex_wake system call.
 *
 *   yield* m.lock(t) / yield* m.unlock(t)           // pthread_mutex_lock / unlock
 *   yield* c.wait(t, m) / yield* c.broadcast(t)     // pthread_cond_wait / broadcast
 *
 * The lock and unlock effects are of kind "mutex" and the waits' of kind "cond", so the kernel's
 * code-path costs charge them as the kernel's primitives (one CAS per trylock); the futex system
 * calls are charged here as system time ("sys:futex_wait", "sys:futex_wake").
 */

/** What the spin needs from the CPU model: cut a spinning burst short, and a thread's CPU time. */
export interface SpinHost {
  endBurst(t: SimThread): void;
  threadCpuNs(t: SimThread): Ns;
}

export interface NptlCosts {
  /** one round of the adaptive spin: `pause` + `LLL_MUTEX_TRYLOCK` (a CAS) */
  spinRoundNs: Ns;
  /** futex(FUTEX_WAIT) system call up to sleeping */
  futexWaitNs: Ns;
  /** futex(FUTEX_WAKE) system call, per woken thread (at least one call's worth) */
  futexWakeNs: Ns;
}

/** glibc 2.33's DEFAULT_ADAPTIVE_COUNT (sysdeps/generic/adaptive_spin_count.h) */
export const DEFAULT_ADAPTIVE_COUNT = 100;

/** the label of the adaptive spin's CPU (user time) */
export const MUTEX_SPIN_LABEL = "pthread_mutex_lock spin";

const TRY1 = 1; // lll_trylock: CAS 0 -> 1
const TRY2 = 2; // lll_cond_trylock: CAS 0 -> 2
const XCHG2 = 3; // atomic_exchange_acquire(futex, 2)

/**
 * A futex word's wait queue (a kernel futex hash bucket): FUTEX_WAIT parks only if the word still
 * holds the expected value (`shouldSleep`), FUTEX_WAKE wakes up to n sleepers in FIFO order (the
 * bucket's plist at equal priority). Kind "futex": the kernel charges no code-path cost for it.
 */
export class Futex implements Waitable {
  readonly kind = "futex";
  readonly waiters: SimThread[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
    private readonly shouldSleep: (t: SimThread) => boolean,
    private readonly holdersOf: () => readonly SimThread[] = () => [],
    /** which sleepers a FUTEX_WAKE may take (a condvar's: the signalled ones) */
    private readonly canWake: (t: SimThread) => boolean = () => true,
  ) {
    kernel.register(this);
  }

  acquire(t: SimThread): boolean {
    if (!this.shouldSleep(t)) return true; // EAGAIN: the word changed
    this.waiters.push(t);
    return false;
  }

  /** FUTEX_WAKE(n): returns how many it woke */
  release(_t: SimThread, n: unknown): void {
    this.wake(typeof n === "number" ? n : 1);
  }

  wake(n: number): number {
    let woken = 0;
    for (let i = 0; woken < n && i < this.waiters.length; ) {
      if (!this.canWake(this.waiters[i]!)) {
        i++;
        continue;
      }
      this.kernel.wake(takeAt(this.waiters, i), "signaled");
      woken++;
    }
    return woken;
  }

  /** sleepers a FUTEX_WAKE could take now */
  get wakeable(): number {
    let n = 0;
    for (const w of this.waiters) if (this.canWake(w)) n++;
    return n;
  }

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) takeAt(this.waiters, i);
    return true;
  }

  holders(): readonly SimThread[] {
    return this.holdersOf();
  }
}

export interface AdaptiveMutexStats {
  /** times taken */
  acquisitions: number;
  /** the first trylock failed */
  contended: number;
  /** went to sleep in the futex at least once */
  slept: number;
  /** ns of spin CPU */
  spinNs: number;
  /** unlocks that made the futex_wake system call (the old word was 2) */
  futexWakes: number;
}

/** A glibc PTHREAD_MUTEX_ADAPTIVE_NP mutex (MY_MUTEX_INIT_FAST on Linux). */
export class AdaptiveMutex implements Waitable {
  readonly kind = "mutex";
  /** the futex word: 0 free, 1 taken, 2 taken and possibly with sleepers */
  word = 0;
  owner: SimThread | null = null;
  /** __data.__spins: the running estimate of spin rounds a lock needs */
  spins = 0;
  readonly futex: Futex;
  readonly stats: AdaptiveMutexStats = { acquisitions: 0, contended: 0, slept: 0, spinNs: 0, futexWakes: 0 };
  private readonly spinners: SimThread[] = [];
  private readonly unlockOld = new Map<SimThread, number>();

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
    readonly host: SpinHost,
    readonly costs: NptlCosts,
    /** glibc.pthread.mutex_spin_count */
    readonly maxAdaptiveCount = DEFAULT_ADAPTIVE_COUNT,
  ) {
    kernel.register(this);
    this.futex = new Futex(kernel, `${name} futex`, () => this.word === 2, () => this.holders());
  }

  /** The atomic operations on the word, as one effect each (a CAS or exchange). */
  acquire(t: SimThread, op: unknown): boolean {
    if (this.owner === t) throw new InvariantViolation(`${t.name} locks ${this.name}, which it already owns`);
    if (op === XCHG2) {
      const old = this.word;
      this.word = 2;
      if (old === 0) this.grant(t);
    } else if (this.word === 0) {
      this.word = op === TRY2 ? 2 : 1;
      this.grant(t);
    }
    return true;
  }

  /** __lll_unlock: the word to 0; spinners see it at once */
  release(t: SimThread): void {
    if (this.owner !== t) throw new InvariantViolation(`${t.name} unlocks ${this.name}, owned by ${this.owner ? this.owner.name : "nobody"}`);
    this.unlockOld.set(t, this.word);
    this.word = 0;
    this.owner = null;
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "unlock", this.name);
    for (const s of this.spinners) this.host.endBurst(s);
  }

  cancel(): boolean {
    return true;
  }

  holders(): readonly SimThread[] {
    return this.owner ? [this.owner] : [];
  }

  /**
   * __pthread_mutex_lock (or, with `cond`, __pthread_mutex_cond_lock after a condition wait),
   * the PTHREAD_MUTEX_ADAPTIVE_NP branch.
   */
  *lock(t: SimThread, cond = false): Generator<Effect, void, unknown> {
    yield t.acquire(this, cond ? TRY2 : TRY1);
    if (this.owner === t) return;
    this.stats.contended++;
    let cnt = 0;
    const maxCnt = Math.min(this.maxAdaptiveCount, this.spins * 2 + 10);
    for (;;) {
      // do { if (cnt++ >= max_cnt) { LLL_MUTEX_LOCK; break; } atomic_spin_nop(); } while (LLL_MUTEX_TRYLOCK)
      if (cnt >= maxCnt) {
        cnt++;
        yield* this.lllLock(t, cond);
        break;
      }
      const rounds = maxCnt - cnt;
      if (this.word === 0) cnt++; // freed since the last trylock: one round and the CAS
      else {
        this.spinners.push(t);
        const before = this.host.threadCpuNs(t);
        yield t.cpu(rounds * this.costs.spinRoundNs, MUTEX_SPIN_LABEL);
        const i = this.spinners.indexOf(t);
        if (i >= 0) takeAt(this.spinners, i);
        const spent = this.host.threadCpuNs(t) - before;
        this.stats.spinNs += spent;
        cnt += Math.min(rounds, Math.max(1, Math.ceil(spent / this.costs.spinRoundNs)));
      }
      yield t.acquire(this, cond ? TRY2 : TRY1);
      if (this.owner === t) break;
    }
    this.spins += Math.trunc((cnt - this.spins) / 8);
  }

  /** lll_lock (CAS 0 -> 1) or lll_cond_lock (exchange 2), then __lll_lock_wait */
  private *lllLock(t: SimThread, cond: boolean): Generator<Effect, void, unknown> {
    yield t.acquire(this, cond ? XCHG2 : TRY1);
    if (this.owner === t) return;
    // __lll_lock_wait: if (atomic_load_relaxed(futex) == 2) goto futex; while (exchange(2) != 0) futex_wait(futex, 2)
    let skipExchange = this.word === 2;
    let slept = false;
    for (;;) {
      if (!skipExchange) {
        yield t.acquire(this, XCHG2);
        if (this.owner === t) break;
      }
      skipExchange = false;
      if (!slept) this.stats.slept++;
      slept = true;
      yield t.cpu(this.costs.futexWaitNs, "sys:futex_wait");
      yield t.acquire(this.futex);
    }
  }

  /** __pthread_mutex_unlock_usercnt -> lll_unlock: futex_wake(1) if the word was 2 */
  *unlock(t: SimThread): Generator<Effect, void, unknown> {
    yield t.release(this);
    const old = this.unlockOld.get(t)!;
    this.unlockOld.delete(t);
    if (old > 1) {
      this.stats.futexWakes++;
      yield t.cpu(this.costs.futexWakeNs, "sys:futex_wake");
      yield t.release(this.futex, 1);
    }
  }

  private grant(t: SimThread): void {
    this.owner = t;
    this.stats.acquisitions++;
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "lock", this.name);
  }
}

/** A glibc >= 2.25 pthread_cond_t used with AdaptiveMutex. */
export class NptlCond implements Waitable {
  readonly kind = "cond";
  /** registered waiters not yet signalled (G1 + G2, in order) */
  private readonly waiters: SimThread[] = [];
  private readonly signaled = new Set<SimThread>();
  /** __g_signals: where waiters sleep */
  readonly futex: Futex;
  lastLostSignal: LostSignal | null = null;
  lostSignals = 0;

  constructor(
    readonly kernel: Kernel,
    readonly name: string,
    readonly costs: NptlCosts,
  ) {
    kernel.register(this);
    this.futex = new Futex(kernel, `${name} __g_signals`, (t) => !this.signaled.has(t), () => [], (t) => this.signaled.has(t));
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** __condvar_fetch_add_wseq_acquire: registered before the mutex is unlocked */
  acquire(t: SimThread): boolean {
    this.waiters.push(t);
    return true;
  }

  /** pthread_cond_signal / broadcast: the waiters it takes are signalled; the futex wake is the caller's */
  release(t: SimThread, op: unknown): void {
    const mode = op === "broadcast" ? "broadcast" : "signal";
    if (this.waiters.length === 0) {
      this.lastLostSignal = { at: this.kernel.now, by: t.name, op: mode };
      this.lostSignals++;
      if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, "lost_signal", this.name, { op: mode });
      return;
    }
    // signal: the oldest waiter (G1 before G2); which G1 waiter consumes it is up to the futex
    const ws = mode === "broadcast" ? this.waiters.splice(0) : [takeAt(this.waiters, 0)];
    if (this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, t.name, mode, this.name, { woke: ws.map((w) => w.name) });
    for (const w of ws) this.signaled.add(w);
  }

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) takeAt(this.waiters, i);
    return true;
  }

  holders(): readonly SimThread[] {
    return [];
  }

  describe(): Record<string, unknown> | undefined {
    if (!this.lastLostSignal) return undefined;
    return { last_lost_signal: this.lastLostSignal, lost_signals: this.lostSignals };
  }

  /** __pthread_cond_wait_common (no timeout): register, unlock, sleep unless signalled, re-lock */
  *wait(t: SimThread, m: AdaptiveMutex): Generator<Effect, WakeReason, unknown> {
    if (m.owner !== t) throw new InvariantViolation(`${t.name} waits on ${this.name} without holding ${m.name}`);
    yield t.acquire(this);
    yield* m.unlock(t);
    if (!this.signaled.has(t)) {
      yield t.cpu(this.costs.futexWaitNs, "sys:futex_wait");
      yield t.acquire(this.futex);
    }
    this.signaled.delete(t);
    // __condvar_confirm_wakeup, then __pthread_mutex_cond_lock
    yield* m.lock(t, true);
    return "signaled";
  }

  /** pthread_cond_signal (one waiter) or pthread_cond_broadcast (futex_wake INT_MAX) */
  *signal(t: SimThread, broadcast = false): Generator<Effect, void, unknown> {
    yield t.release(this, broadcast ? "broadcast" : "signal");
    // a signalled waiter not yet asleep finds its signal without the futex
    const sleeping = this.futex.wakeable;
    if (sleeping === 0) return;
    yield t.cpu(this.costs.futexWakeNs * sleeping, "sys:futex_wake");
    yield t.release(this.futex, Number.MAX_SAFE_INTEGER);
  }

  *broadcast(t: SimThread): Generator<Effect, void, unknown> {
    yield* this.signal(t, true);
  }
}

/**
 * machine.glibc: the C library whose pthread primitives the 8.0 commit path uses. Only versions
 * with the 2.25+ condition variables are modelled ("2.25" ... ; the seed's libpthread-2.33.so is
 * "2.33"): before 2.25 pthread_cond_broadcast requeued waiters onto the mutex
 * (FUTEX_CMP_REQUEUE), which is not modelled. Returns an error message, or null if usable.
 */
export function checkGlibcVersion(v: string): string | null {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) return `glibc version must look like 2.33, got "${v}"`;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 2 || minor < 25) return `glibc ${v}: only glibc 2.25 and later (condition variables without FUTEX_CMP_REQUEUE) are modelled`;
  return null;
}
