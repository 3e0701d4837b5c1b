// Races that need time: code-path costs on a CPU, preemption inside them, delays of the delay
// strategy recorded in the schedule and replayed exactly, PCT dispatching CPUs.
import { describe, expect, it } from "vitest";
import { explore, type RunFn } from "../../src/explore/index.js";
import { DelayScheduler, FifoScheduler, Kernel, MS, Op, PctScheduler, RandomStream, ReplayScheduler, US, type CodePathCosts, type Effect, type Scheduler } from "../../src/kernel/index.js";
import { CpuMachine } from "../../src/machine/cpu/index.js";
import { installCodePathCosts } from "../../src/mysql/costs.js";
import { Cond } from "../../src/sync/cond.js";
import { Mutex } from "../../src/sync/mutex.js";
import { StreamingTrace } from "../../src/trace/index.js";

/** Every lock call costs `lockNs` of CPU and every condition wait's entry `waitNs`. */
function flatCosts(lockNs: number, waitNs: number): CodePathCosts {
  const c: CodePathCosts = {
    label: "",
    before(_t, e: Effect) {
      if (e.op !== Op.Acquire || !e.obj) return 0;
      c.label = e.obj.kind === "cond" ? "mysql_cond_wait" : "mysql_mutex_lock";
      return e.obj.kind === "cond" ? waitNs : e.obj.kind === "mutex" ? lockNs : 0;
    },
  };
  return c;
}

/**
 * The rotation race in miniature: the waiter reads a counter, then waits on a condvar (whose
 * entry costs CPU); the other thread, at a time of its own, decrements and signals without the
 * mutex. Lost iff the signal lands inside the waiter's check-to-wait window.
 */
function windowRace(k: Kernel, signalAtNs: number): void {
  const m = new Mutex(k, "LOCK_commit");
  const c = new Cond(k, "m_prep_xids_cond");
  let prepared = 1;
  k.spawn("rotator", function* (t) {
    yield t.acquire(m);
    while (prepared > 0) {
      t.mark = `get_prep_xids() = ${prepared}`;
      yield t.acquire(c, m);
    }
    yield t.release(m);
  });
  k.spawn("committer", function* (t) {
    yield t.sleep(signalAtNs);
    prepared = 0;
    yield t.release(c, "signal");
  });
}

function run(signalAtNs: number, scheduler?: Scheduler, trace?: StreamingTrace): ReturnType<Kernel["run"]> {
  const k = new Kernel({ seed: 1, scheduler, trace });
  new CpuMachine(k, { cpus: 2, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0 } }).install();
  k.codeCosts = flatCosts(50, 200);
  windowRace(k, signalAtNs);
  return k.run(1e9);
}

describe("code-path costs", () => {
  it("open a window: a signal inside the condvar wait's entry is lost, one before or after is not", () => {
    // the rotator checks at 50 ns (after its lock call) and is a waiter from 250 ns
    expect(run(20).outcome).toBe("finished");
    expect(run(100).outcome).toBe("hang");
    expect(run(240).outcome).toBe("hang");
    expect(run(400).outcome).toBe("finished");
  });

  it("without costs (no model installed) the same race has no window", () => {
    const k = new Kernel({ seed: 1 });
    windowRace(k, 100);
    expect(k.run(1e9).outcome).toBe("finished");
  });

  it("the model's cost table charges lock, wait and signal calls, with seeded jitter", () => {
    const cpuNs = (seed: number): number => {
      const k = new Kernel({ seed });
      const machine = new CpuMachine(k, { cpus: 1, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0 } }).install();
      installCodePathCosts(k);
      const m = new Mutex(k, "m");
      k.spawn("a", function* (t) {
        for (let i = 0; i < 100; i++) {
          yield t.acquire(m);
          yield t.release(m);
        }
      });
      k.run();
      machine.chargeAll();
      return machine.labelNs("mysql_mutex_lock") + machine.labelNs("mysql_mutex_unlock");
    };
    const a = cpuNs(1);
    expect(a).toBeGreaterThan(100 * (40 + 25) * 0.8);
    expect(a).toBeLessThan(100 * (40 + 25) * 1.25);
    expect(cpuNs(1)).toBe(a);
    expect(cpuNs(2)).not.toBe(a);
  });

  it("a thread running a code path is preempted inside it by a wake-up, and its effect waits until it runs again", () => {
    // one CPU: a CPU hog runs; the thread paying a long lock-call cost is preempted when a
    // sleeper wakes (CFS wake-up preemption), and acquires the mutex only after it is back
    const k = new Kernel({ seed: 1 });
    const trace = new StreamingTrace({ keep: 10_000 });
    const k2 = new Kernel({ seed: 1, trace });
    for (const kk of [k, k2]) {
      const machine = new CpuMachine(kk, { cpus: 1, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0 } }).install();
      kk.codeCosts = flatCosts(20 * MS, 0);
      const m = new Mutex(kk, "LOCK_log");
      kk.spawn("locker", function* (t) {
        t.mark = "before the lock";
        yield t.acquire(m);
        yield t.release(m);
      });
      kk.spawn("sleeper", function* (t) {
        yield t.sleep(5 * MS);
        yield t.cpu(1 * MS);
      });
      expect(kk.run().outcome).toBe("finished");
      expect(machine.ctxSwitches(kk.threads[0]!).involuntary).toBeGreaterThanOrEqual(1);
      // counted by the effect it precedes, with the trace on or off (bench/binlog-window.ts reads it)
      expect(machine.preemptedBefore.get("acquire LOCK_log")).toBe(machine.ctxSwitches(kk.threads[0]!).involuntary);
    }
    trace.close();
    const pre = trace.records.find((r) => r.k === "cpu.preempt" && r.th === "locker");
    expect(pre?.d).toMatchObject({ reason: "wakeup", by: "sleeper", before: "acquire LOCK_log", after: "before the lock" });
  });
});

describe("the delay strategy", () => {
  const runFn: RunFn = (scheduler, seed) => {
    const k = new Kernel({ seed, scheduler });
    new CpuMachine(k, { cpus: 2, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0 } }).install();
    k.codeCosts = flatCosts(50, 200);
    windowRace(k, 30 * US);
    const r = k.run(1e9);
    return { failed: r.outcome === "hang", outcome: r.outcome, schedule: r.schedule, steps: r.steps };
  };

  it("fifo and random never hit a window that opens 30 µs early; delays do, and the delay replays exactly", () => {
    expect(explore(runFn, { strategy: "fifo", runs: 50 }).failingRuns).toBe(0);
    expect(explore(runFn, { strategy: "random", runs: 50 }).failingRuns).toBe(0);
    const found = explore(runFn, { strategy: "delay", runs: 500, depth: 2 });
    expect(found.firstFailure).not.toBeNull();
    const f = found.firstFailure!;
    expect(f.decoded.delays.length).toBeGreaterThan(0);
    const replayed = runFn(new ReplayScheduler(f.decoded), f.seed);
    expect(replayed.outcome).toBe("hang");
    expect(replayed.schedule).toEqual(f.decoded);
  });

  it("draws its delays log-uniformly between its bounds, at most depth of them, over the given steps", () => {
    const lens: number[] = [];
    for (let s = 1; s <= 300; s++) {
      const d = new DelayScheduler(new RandomStream(s, "scheduler"), 3, 50);
      let n = 0;
      for (let step = 1; step <= 50; step++) {
        const ns = d.delay({ id: 0, name: "x" }, step);
        if (ns > 0) {
          n++;
          lens.push(ns);
        }
      }
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
    }
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(1 * US);
    expect(Math.max(...lens)).toBeLessThanOrEqual(50 * MS);
    // log-uniform: about half the delays below the geometric mean of the bounds (~224 µs)
    const below = lens.filter((x) => x < Math.sqrt(1 * US * 50 * MS)).length / lens.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
  });
});

describe("PCT dispatches CPUs", () => {
  it("a free CPU runs the highest-priority runnable thread, recorded as a choice", () => {
    const order = (scheduler: Scheduler): string[] => {
      const k = new Kernel({ seed: 1, scheduler });
      new CpuMachine(k, { cpus: 1, costs: { contextSwitchNs: 0, wakeupLatencyNs: 0 } }).install();
      const done: string[] = [];
      for (const name of ["a", "b", "c", "d"]) {
        k.spawn(name, function* (t) {
          yield t.cpu(1 * MS);
          done.push(name);
        });
      }
      k.run();
      return done;
    };
    expect(order(new FifoScheduler())).toEqual(["a", "b", "c", "d"]);
    const orders = new Set<string>();
    for (let s = 1; s <= 20; s++) orders.add(order(new PctScheduler(new RandomStream(s, "scheduler"), 1, 10)).join(""));
    expect(orders.size).toBeGreaterThan(5);
  });
});
