import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Kernel, MS, US, SEC } from "../../src/kernel/index.js";
import type { SimThread } from "../../src/kernel/thread.js";
import { CpuMachine, NO_CPU_JITTER } from "../../src/machine/cpu/index.js";
import { Mutex } from "../../src/sync/mutex.js";
import { Cond } from "../../src/sync/cond.js";
import { AdaptiveMutex, NptlCond, MUTEX_SPIN_LABEL, checkGlibcVersion, DEFAULT_ADAPTIVE_COUNT } from "../../src/sync/adaptive-mutex.js";
import { runSysbench } from "../../src/mysql/workload/sysbench.js";

const COSTS = { spinRoundNs: 50, futexWaitNs: 1000, futexWakeNs: 1500 };

/** fixed wake-up / context-switch costs (5 µs / 2 µs), so the tests' timings are exact */
function setup(cpus: number, seed = 1): { k: Kernel; m: CpuMachine } {
  const k = new Kernel({ seed });
  const m = new CpuMachine(k, { cpus, jitter: NO_CPU_JITTER }).install();
  return { k, m };
}

describe("AdaptiveMutex (glibc 2.33 PTHREAD_MUTEX_ADAPTIVE_NP)", () => {
  it("keeps mutual exclusion and lets every thread through, whatever the seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 8 }), (seed, cpus, n) => {
        const { k, m } = setup(cpus, seed);
        const mu = new AdaptiveMutex(k, "LOCK_test", m, COSTS);
        let inside = 0;
        let maxInside = 0;
        let done = 0;
        for (let i = 0; i < n; i++) {
          k.spawn(`w${i}`, function* (t) {
            for (let j = 0; j < 20; j++) {
              yield* mu.lock(t);
              if (mu.owner !== t) throw new Error("lock returned without ownership");
              inside++;
              maxInside = Math.max(maxInside, inside);
              yield t.cpu(((i + j) % 5) * US + 200, "cs");
              inside--;
              yield* mu.unlock(t);
              yield t.cpu(((i * 7 + j) % 3) * US + 100, "outside");
            }
            done++;
          });
        }
        const r = k.run(10 * SEC);
        expect(r.outcome).toBe("finished");
        expect(maxInside).toBe(1);
        expect(done).toBe(n);
        expect(mu.stats.acquisitions).toBe(n * 20);
        expect(mu.owner).toBeNull();
        expect(mu.word).toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it("a contender that arrives during a short hold spins (user CPU) and takes it without sleeping", () => {
    const { k, m } = setup(2);
    const costs = { ...COSTS, spinRoundNs: 100 };
    const mu = new AdaptiveMutex(k, "LOCK_test", m, costs);
    let gotAt = -1;
    k.spawn("holder", function* (t) {
      yield* mu.lock(t);
      yield t.cpu(1500, "cs"); // the contender comes 1 µs in: it spins 0.5 µs of max_cnt (10 at first) x 100 ns
      yield* mu.unlock(t);
    });
    k.spawn("contender", function* (t) {
      yield t.cpu(1000, "before");
      yield* mu.lock(t);
      gotAt = t.now;
      yield* mu.unlock(t);
    });
    expect(k.run().outcome).toBe("finished");
    expect(gotAt).toBeGreaterThan(0);
    expect(mu.stats.contended).toBe(1);
    expect(mu.stats.slept).toBe(0);
    expect(m.labelNs(MUTEX_SPIN_LABEL)).toBeGreaterThan(0);
    expect(m.labelNs(MUTEX_SPIN_LABEL)).toBeLessThan(10 * costs.spinRoundNs);
    // __spins += (cnt - __spins) / 8 with cnt < 8: truncates to 0
    expect(mu.spins).toBe(0);
  });

  it("a contender of a long hold spins max_cnt rounds, then sleeps on the futex; __spins moves by (cnt - __spins) / 8", () => {
    const { k, m } = setup(2);
    const mu = new AdaptiveMutex(k, "LOCK_test", m, COSTS);
    k.spawn("holder", function* (t) {
      yield* mu.lock(t);
      yield t.cpu(1 * MS, "cs");
      yield* mu.unlock(t);
    });
    k.spawn("contender", function* (t) {
      yield t.cpu(100, "before");
      yield* mu.lock(t);
      yield* mu.unlock(t);
    });
    expect(k.run().outcome).toBe("finished");
    expect(mu.stats.slept).toBe(1);
    expect(mu.stats.futexWakes).toBe(2); // the holder's unlock (word 2), then the contender's (it took the word with exchange(2))
    // max_cnt = MIN(100, 0 * 2 + 10) = 10 rounds of spinning; cnt ends at 11 -> __spins = 11 / 8 = 1
    expect(m.labelNs(MUTEX_SPIN_LABEL)).toBe(10 * COSTS.spinRoundNs);
    expect(mu.spins).toBe(1);
    expect(DEFAULT_ADAPTIVE_COUNT).toBe(100);
  });

  it("barges: a running thread takes a freed mutex before the woken sleeper runs (the kernel's Mutex hands it to the sleeper)", () => {
    const order = (adaptive: boolean): string[] => {
      const { k, m } = setup(3);
      const mu = adaptive ? new AdaptiveMutex(k, "LOCK_test", m, COSTS) : new Mutex(k, "LOCK_test");
      const lock = function* (t: SimThread) {
        if (mu instanceof AdaptiveMutex) yield* mu.lock(t);
        else yield t.acquire(mu);
      };
      const unlock = function* (t: SimThread) {
        if (mu instanceof AdaptiveMutex) yield* mu.unlock(t);
        else yield t.release(mu);
      };
      const got: string[] = [];
      k.spawn("holder", function* (t) {
        yield* lock(t);
        yield t.cpu(1 * MS, "cs");
        yield* unlock(t);
      });
      k.spawn("sleeper", function* (t) {
        yield t.cpu(100, "before");
        yield* lock(t); // spins, then sleeps in the futex (or queues on the kernel's Mutex)
        got.push("sleeper");
        yield t.cpu(10 * US, "cs");
        yield* unlock(t);
      });
      k.spawn("runner", function* (t) {
        yield t.cpu(1 * MS + 1 * US, "busy"); // on its CPU when the holder unlocks
        yield* lock(t);
        got.push("runner");
        yield t.cpu(10 * US, "cs");
        yield* unlock(t);
      });
      expect(k.run().outcome).toBe("finished");
      return got;
    };
    expect(order(true)).toEqual(["runner", "sleeper"]);
    expect(order(false)).toEqual(["sleeper", "runner"]);
  });
});

describe("NptlCond (glibc >= 2.25 condition variable)", () => {
  it("broadcast wakes every waiter at once and each re-takes the mutex itself: they pass sooner than through the kernel's hand-off Cond", () => {
    const wakeSpread = (nptl: boolean): number => {
      const { k, m } = setup(6);
      const amu = new AdaptiveMutex(k, "m_lock_done", m, COSTS);
      const ac = new NptlCond(k, "m_stage_cond_binlog", COSTS);
      const kmu = new Mutex(k, "m_lock_done");
      const kc = new Cond(k, "m_cond_done");
      const lock = function* (t: SimThread) {
        if (nptl) yield* amu.lock(t);
        else yield t.acquire(kmu);
      };
      const unlock = function* (t: SimThread) {
        if (nptl) yield* amu.unlock(t);
        else yield t.release(kmu);
      };
      let pending = true;
      const back: number[] = [];
      for (let i = 0; i < 5; i++) {
        k.spawn(`follower${i}`, function* (t) {
          yield t.cpu((i + 1) * US, "before");
          yield* lock(t);
          while (pending) {
            if (nptl) yield* ac.wait(t, amu);
            else yield t.acquire(kc, kmu);
          }
          if ((nptl ? amu.owner : kmu.owner) !== t) throw new Error("wait returned without the mutex");
          back.push(t.now);
          yield t.cpu(300, "check");
          yield* unlock(t);
        });
      }
      k.spawn("leader", function* (t) {
        yield t.cpu(100 * US, "work");
        yield* lock(t);
        pending = false;
        if (nptl) yield* ac.broadcast(t);
        else yield t.release(kc, "broadcast");
        yield* unlock(t);
      });
      expect(k.run().outcome).toBe("finished");
      expect(back.length).toBe(5);
      return back[back.length - 1]! - back[0]!;
    };
    // the kernel's Cond queues the woken followers on the mutex, each handed it in turn and
    // needing a wake-up (5 µs) and a context switch (2 µs) after the previous one's unlock
    const handoff = wakeSpread(false);
    const nptl = wakeSpread(true);
    expect(handoff).toBeGreaterThanOrEqual(4 * 7 * US);
    expect(nptl).toBeLessThan(handoff / 2);
  });

  it("a signal that comes between the waiter's registration and its futex sleep is not lost", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 3000 }), (seed, delay) => {
        const { k, m } = setup(2, seed);
        const mu = new AdaptiveMutex(k, "LOCK_xids", m, COSTS);
        const c = new NptlCond(k, "m_prep_xids_cond", COSTS);
        let ready = false;
        let woke = false;
        k.spawn("waiter", function* (t) {
          yield* mu.lock(t);
          while (!ready) yield* c.wait(t, mu);
          woke = true;
          yield* mu.unlock(t);
        });
        k.spawn("signaller", function* (t) {
          yield t.cpu(delay + 1, "x");
          yield* mu.lock(t);
          ready = true;
          yield* c.signal(t);
          yield* mu.unlock(t);
        });
        expect(k.run(1 * SEC).outcome).toBe("finished");
        expect(woke).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe("machine.glibc", () => {
  it("accepts 2.25 and later, rejects earlier versions and garbage", () => {
    expect(checkGlibcVersion("2.33")).toBeNull();
    expect(checkGlibcVersion("2.25")).toBeNull();
    expect(checkGlibcVersion("2.24")).toMatch(/FUTEX_CMP_REQUEUE/);
    expect(checkGlibcVersion("2.x")).toMatch(/look like 2.33/);
    expect(() => runSysbench({ durationNs: 1 * MS, glibc: "2.17" })).toThrow(/2.25 and later/);
  });

  it("the sysbench commit path with glibc 2.33 uses the adaptive mutex and is deterministic", () => {
    const run = () => runSysbench({ seed: 3, threads: 16, cpus: 6, cpuQuotaPct: 100, durationNs: 300 * MS, warmupNs: 200 * MS, exactPercentiles: false, glibc: "2.33" });
    const a = run();
    const b = run();
    expect(a.config.glibc).toBe("2.33");
    expect(a.transactions).toBeGreaterThan(0);
    expect(a.sim.events).toBe(b.sim.events);
    expect(a.tps).toBe(b.tps);
    expect(a.cpu.by_label_us_per_txn[MUTEX_SPIN_LABEL]).toBeDefined();
    const none = runSysbench({ seed: 3, threads: 16, cpus: 6, cpuQuotaPct: 100, durationNs: 300 * MS, warmupNs: 200 * MS, exactPercentiles: false });
    expect(none.config.glibc).toBeNull();
    expect(none.cpu.by_label_us_per_txn[MUTEX_SPIN_LABEL]).toBeUndefined();
  });
});
