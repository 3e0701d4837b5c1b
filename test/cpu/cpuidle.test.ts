import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Kernel, MS, US } from "../../src/kernel/index.js";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { bandwidthLoad, spinners } from "./bandwidth-load.js";
import { CpuMachine, IDLE_STATE_TABLES, menuSelect, NO_CPU_JITTER, typicalIntervalUs, type IdleState } from "../../src/machine/cpu/index.js";

const SKX = IDLE_STATE_TABLES.skx!;

describe("menu governor's get_typical_interval (menu.c)", () => {
  it("no history (menu's zeroed intervals): no prediction", () => {
    expect(typicalIntervalUs([0, 0, 0, 0, 0, 0, 0, 0])).toBe(Infinity);
  });

  it("steady intervals: their average", () => {
    expect(typicalIntervalUs([100, 100, 100, 100, 100, 100, 100, 100])).toBe(100);
    // stddev <= 20 µs (variance <= 400) whatever the average
    expect(typicalIntervalUs([10, 30, 10, 30, 10, 30, 10, 30])).toBe(20);
  });

  it("one long pause among short ones is dropped as an outlier", () => {
    expect(typicalIntervalUs([100, 100, 100, 100, 100, 100, 100, 80_000])).toBe(100);
  });

  it("long pauses among short ones: the thresholds drop them, then the rest is typical", () => {
    // pass 1: the maximum is farther from the average than the minimum: every 80 ms sample goes
    expect(typicalIntervalUs([50, 80_000, 50, 80_000, 50, 80_000, 50, 50])).toBe(50);
  });

  it("a wide spread down to 3/4 of the samples: their maximum", () => {
    // 12800 and 6400 are dropped; the six left still vary too much, and six is at least half
    expect(typicalIntervalUs([100, 200, 400, 800, 1600, 3200, 6400, 12800])).toBe(3200);
  });

  it("the zeroed slots of a short history count as samples, as in menu.c", () => {
    // [50, 49, 49, 49, 0, 0, 0, 0]: the zeros make the spread too large: no prediction yet
    expect(typicalIntervalUs([50, 49, 49, 49, 0, 0, 0, 0])).toBe(Infinity);
  });

  it("a prediction, when there is one, lies within the samples (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 8, maxLength: 8 }), (xs) => {
        const p = typicalIntervalUs(xs);
        if (p === Infinity) return;
        expect(p).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(p).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });
});

describe("menu_select, simplified", () => {
  it("picks the deepest state whose target residency fits the prediction", () => {
    const names = (iv: number[]): string => SKX[menuSelect(SKX, iv)]!.name;
    expect(names([5, 5, 5, 5, 5, 5, 5, 5])).toBe("C1");
    expect(names([50, 50, 50, 50, 50, 50, 50, 50])).toBe("C1E");
    expect(names([900, 900, 900, 900, 900, 900, 900, 900])).toBe("C6");
    // no prediction: the deepest (a CPU with no timer near, NO_HZ idle)
    expect(names([0, 0, 0, 0, 0, 0, 0, 0])).toBe("C6");
  });

  it("with no states there is nothing to choose", () => {
    expect(menuSelect([], [1, 2, 3])).toBe(-1);
  });
});

/** One thread: `n` CPU bursts of 10 µs, each after a sleep of `gapNs`; the times each burst ended. */
function sleeper(idleStates: readonly IdleState[], gapNs: number, n: number): { ends: number[]; m: CpuMachine } {
  const k = new Kernel({ seed: 1 });
  const m = new CpuMachine(k, { cpus: 1, idleStates, jitter: NO_CPU_JITTER, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0, migrationNs: 0 } }).install();
  const ends: number[] = [];
  k.spawn("t", function* (t) {
    for (let i = 0; i < n; i++) {
      yield t.sleep(gapNs);
      yield t.cpu(10 * US);
      ends.push(t.now);
    }
  });
  expect(k.run().outcome).toBe("finished");
  return { ends, m };
}

describe("CPU idle states on the machine", () => {
  it("without idle states a woken thread runs at once", () => {
    const { ends } = sleeper(IDLE_STATE_TABLES.none!, 1 * MS, 3);
    expect(ends).toEqual([1 * MS + 10 * US, 2 * MS + 20 * US, 3 * MS + 30 * US]);
  });

  it("a CPU idle with no history is in C6: the first burst starts 133 µs late", () => {
    const { ends, m } = sleeper(SKX, 1 * MS, 1);
    expect(ends[0]).toBe(1 * MS + 133 * US + 10 * US);
    expect(m.idleWakeups).toEqual([0, 0, 1]);
    expect(m.idleExitNs).toBe(133 * US);
  });

  it("short idle intervals teach the governor a shallow state (C1E for 50 µs gaps)", () => {
    const { ends, m } = sleeper(SKX, 50 * US, 20);
    // while menu's 8 slots still hold zeros from boot the spread is too large and it takes C6
    // (see above); from then on the intervals are ~50 µs, whose target residency fits C1E (20 µs)
    // and not C6 (600 µs)
    expect(m.idleWakeups[0]! + m.idleWakeups[1]! + m.idleWakeups[2]!).toBe(20);
    expect(m.idleWakeups[1]).toBeGreaterThanOrEqual(12);
    expect(ends[19]! - ends[18]!).toBe(50 * US + 10 * US + 10 * US);
  });

  it("long idle intervals keep the CPU in C6", () => {
    const { m } = sleeper(SKX, 2 * MS, 10);
    expect(m.idleWakeups).toEqual([0, 0, 10]);
  });

  it("exit latency is not CPU time: the thread is charged its bursts only", () => {
    const { m } = sleeper(SKX, 2 * MS, 10);
    m.chargeAll();
    expect(m.defaultGroup.stats.usage).toBe(10 * 10 * US);
  });

  it("a thread woken while its CPU leaves C6 goes to another idle CPU, not behind the exit", () => {
    const k = new Kernel({ seed: 1 });
    const m = new CpuMachine(k, { cpus: 2, idleStates: SKX, jitter: NO_CPU_JITTER, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0, migrationNs: 0 } }).install();
    const ends: Record<string, number> = {};
    for (const name of ["a", "b"]) {
      k.spawn(name, function* (t) {
        yield t.sleep(1 * MS);
        yield t.cpu(10 * US);
        ends[name] = t.now;
      });
    }
    expect(k.run().outcome).toBe("finished");
    // both CPUs were in C6; each thread waits out one CPU's exit, in parallel
    expect(ends).toEqual({ a: 1 * MS + 143 * US, b: 1 * MS + 143 * US });
    expect(m.idleWakeups).toEqual([0, 0, 2]);
  });
});

describe("machine.cpuidle in a scenario", () => {
  const text = (cpuidle: string): string => `name: cpuidle
version: "8.0"
connections: [a, b]
machine: { cpus: 2, cpuidle: ${cpuidle} }
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - a: BEGIN
  - a: INSERT INTO t1 VALUES (1)
  - b: { send: "RENAME TABLE t1 TO t2" }
  - wait_state: { b: Waiting for table metadata lock }
  - a: COMMIT
  - reap: b
expect:
  - outcome: completed
`;

  it("the same statements take longer when idle CPUs must leave C6 (skx) than with none", () => {
    const none = runScenario(loadScenario(text("none"), "none.yaml"), { seed: 1, noTrace: true }).report;
    const skx = runScenario(loadScenario(text("skx"), "skx.yaml"), { seed: 1, noTrace: true }).report;
    expect(none.outcome).toBe("completed");
    expect(skx.outcome).toBe("completed");
    expect(skx.expectations.every((e) => e.ok)).toBe(true);
    // the first statement alone wakes a CPU from C6 (no history: the deepest state, 133 µs)
    expect(skx.virtual_time_ns - none.virtual_time_ns).toBeGreaterThan(133 * US);
  });

  it("an unknown table is bad input with its line and column", () => {
    expect(() => loadScenario(text("c7"), "bad.yaml")).toThrow(ScenarioError);
    expect(() => loadScenario(text("c7"), "bad.yaml")).toThrow(/bad\.yaml:4:\d+: .*cpuidle/);
  });
});

describe("idle states under CFS bandwidth control", () => {
  it("the quota bound holds and every thread finishes, with skx's C-states (property)", () => {
    fc.assert(
      fc.property(
        ...bandwidthLoad({ maxCpus: 6, maxThreads: 20, quotaPct: [10, 300], burstUs: [10, 2000] }),
        (ncpu, n, quotaPct, burstUs, gapUs, seed) => {
          const k = new Kernel({ seed });
          const P = 100 * MS;
          const Q = (quotaPct / 100) * P;
          // no context-switch or migration cost, so that the group's usage is its threads' bursts alone
          const m = new CpuMachine(k, { cpus: ncpu, idleStates: SKX, costs: { contextSwitchNs: 0, migrationNs: 0 }, group: { name: "g", quotaNs: Q, periodNs: P } }).install();
          spinners(k, n, 20, burstUs * US, gapUs * US);
          const r = k.run();
          expect(r.outcome).toBe("finished");
          const g = m.defaultGroup;
          for (const u of g.periodUsage) expect(u).toBeLessThanOrEqual(g.periodBound(ncpu));
          m.chargeAll();
          // exit latency is never CPU time: the group ran exactly its threads' bursts
          expect(g.stats.usage).toBe(n * 20 * burstUs * US);
          expect(m.idleWakeups.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30 },
    );
  });
});
