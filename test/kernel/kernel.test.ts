import { describe, expect, it } from "vitest";
import {
  decodeSchedule,
  encodeSchedule,
  ExhaustiveScheduler,
  Kernel,
  MS,
  PctScheduler,
  RandomScheduler,
  RandomStream,
  ReplayScheduler,
  type ChoicePoint,
} from "../../src/kernel/index.js";
import { explore } from "../../src/explore/index.js";
import { Cond, Mutex, OsEvent, RwLock, Semaphore, DebugSync } from "../../src/sync/index.js";
import { runModel } from "./helpers.js";

describe("virtual clock and event order", () => {
  it("runs sleeps in time order and ends finished", () => {
    const order: string[] = [];
    const { result } = runModel((k) => {
      for (const [name, d] of [["a", 30], ["b", 10], ["c", 20]] as const) {
        k.spawn(name, function* (t) {
          yield t.sleep(d * MS);
          order.push(`${name}@${t.now / MS}`);
        });
      }
    });
    expect(result.outcome).toBe("finished");
    expect(order).toEqual(["b@10", "c@20", "a@30"]);
    expect(result.now).toBe(30 * MS);
  });

  it("stops at the time limit", () => {
    const { result } = runModel((k) => {
      k.spawn("loop", function* (t) {
        for (;;) yield t.sleep(MS);
      });
    }, undefined, 1, 5 * MS + 1);
    expect(result.outcome).toBe("time_limit");
    expect(result.now).toBe(5 * MS + 1);
  });

  it("reports a thread that is not a generator of effects as an error, not a crash", () => {
    const { result } = runModel((k) => {
      k.spawn("bad", function* () {
        yield 42 as never;
      });
    });
    expect(result.outcome).toBe("invariant");
    expect(result.message).toMatch(/not an effect/);
  });
});

describe("mutex", () => {
  it("only the owner may unlock: a violation stops the run with a report", () => {
    const { result } = runModel((k) => {
      const m = new Mutex(k, "LOCK_x");
      k.spawn("a", function* (t) {
        yield t.acquire(m);
        yield t.sleep(MS);
      });
      k.spawn("b", function* (t) {
        yield t.release(m);
      });
    });
    expect(result.outcome).toBe("invariant");
    expect(result.message).toMatch(/b unlocks LOCK_x, owned by a/);
  });

  it("a timed lock wait times out", () => {
    let got: unknown;
    runModel((k) => {
      const m = new Mutex(k, "m");
      k.spawn("holder", function* (t) {
        yield t.acquire(m);
        yield t.sleep(10 * MS);
        yield t.release(m);
      });
      k.spawn("waiter", function* (t) {
        yield t.sleep(1);
        got = yield t.acquire(m, undefined, 2 * MS);
      });
    });
    expect(got).toBe("timeout");
  });

  it("detects a lock-order deadlock with the cycle in the wait-for graph", () => {
    const { result } = runModel((k) => {
      const a = new Mutex(k, "A");
      const b = new Mutex(k, "B");
      k.spawn("t1", function* (t) {
        yield t.acquire(a);
        yield t.sleep(MS);
        yield t.acquire(b);
      });
      k.spawn("t2", function* (t) {
        yield t.acquire(b);
        yield t.sleep(MS);
        yield t.acquire(a);
      });
    });
    expect(result.outcome).toBe("deadlock");
    expect(result.cycle?.sort()).toEqual(["t1", "t2"]);
    const t1 = result.waitFor!.find((n) => n.thread === "t1")!;
    expect(t1.holds).toEqual(["A"]);
    expect(t1.waitingOn?.name).toBe("B");
    expect(t1.blockedBy).toEqual(["t2"]);
  });
});

describe("condition variable", () => {
  it("wait releases the mutex and re-acquires it before returning", () => {
    const log: string[] = [];
    const { result } = runModel((k) => {
      const m = new Mutex(k, "m");
      const c = new Cond(k, "c");
      let ready = false;
      k.spawn("waiter", function* (t) {
        yield t.acquire(m);
        while (!ready) yield t.acquire(c, m);
        log.push(`woke owner=${m.owner?.name}`);
        yield t.release(m);
      });
      k.spawn("signaller", function* (t) {
        yield t.sleep(MS);
        yield t.acquire(m);
        ready = true;
        yield t.release(c, "signal");
        log.push("signalled");
        yield t.release(m);
      });
    });
    expect(result.outcome).toBe("finished");
    expect(log).toEqual(["signalled", "woke owner=waiter"]);
  });

  it("waiting without holding the mutex is an invariant violation", () => {
    const { result } = runModel((k) => {
      const m = new Mutex(k, "m");
      const c = new Cond(k, "c");
      k.spawn("w", function* (t) {
        yield t.acquire(c, m);
      });
    });
    expect(result.outcome).toBe("invariant");
    expect(result.message).toMatch(/without holding m/);
  });

  it("a timed wait returns timeout holding the mutex", () => {
    let r: unknown;
    let owner: string | undefined;
    runModel((k) => {
      const m = new Mutex(k, "m");
      const c = new Cond(k, "c");
      k.spawn("w", function* (t) {
        yield t.acquire(m);
        r = yield t.acquire(c, m, 5 * MS);
        owner = m.owner?.name;
        yield t.release(m);
      });
    });
    expect(r).toBe("timeout");
    expect(owner).toBe("w");
  });
});

/** The classic lost wake-up: the waiter checks a flag, is preempted, the signal comes before it waits. */
function lostWakeupToy(k: Kernel): void {
  const m = new Mutex(k, "m");
  const c = new Cond(k, "done_cond");
  let done = false;
  k.spawn("waiter", function* (t) {
    const seen = done; // read without the mutex
    yield t.yield();
    if (!seen) {
      yield t.acquire(m);
      yield t.acquire(c, m); // no predicate loop
      yield t.release(m);
    }
  });
  k.spawn("signaller", function* (t) {
    done = true;
    yield t.release(c, "signal"); // not under the mutex
  });
}

describe("lost wake-up toy", () => {
  it("fifo happens to miss it (the signaller runs between the check and the wait)", () => {
    const { result } = runModel(lostWakeupToy);
    expect(["finished", "hang"]).toContain(result.outcome);
  });

  for (const strategy of ["random", "pct"] as const) {
    it(`${strategy} finds the hang, reports the lost signal, and the schedule replays to the same trace`, () => {
      const found = explore(
        (sched, seed) => {
          const { result } = runModel(lostWakeupToy, sched, seed);
          return { failed: result.outcome === "hang", outcome: result.outcome, schedule: result.schedule, steps: result.steps };
        },
        { strategy, runs: 200, seed: 1 },
      );
      expect(found.firstFailure).not.toBeNull();
      const f = found.firstFailure!;
      const a = runModel(lostWakeupToy, new ReplayScheduler(decodeSchedule(f.schedule)), f.seed);
      const b = runModel(lostWakeupToy, new ReplayScheduler(decodeSchedule(f.schedule)), f.seed);
      expect(a.result.outcome).toBe("hang");
      expect(a.hash).toBe(b.hash);
      const waiter = a.result.waitFor!.find((n) => n.thread === "waiter")!;
      expect(waiter.waitingOn?.name).toBe("done_cond");
      expect(waiter.waitingOn?.detail).toMatchObject({ last_lost_signal: { by: "signaller", op: "signal" } });
    });
  }
});

describe("exhaustive", () => {
  it("enumerates the 6 interleavings of two threads with two steps each", () => {
    const seen = new Set<string>();
    const res = explore(
      (sched, seed) => {
        const order: string[] = [];
        const { result } = runModel((k) => {
          for (const name of ["A", "B"]) {
            k.spawn(name, function* (t) {
              order.push(`${name}1`);
              yield t.yield();
              order.push(`${name}2`);
            });
          }
        }, sched, seed);
        seen.add(order.join(" "));
        return { failed: false, outcome: result.outcome, schedule: result.schedule };
      },
      { strategy: "exhaustive", runs: 100 },
    );
    expect(res.runs).toBe(6);
    expect(res.exhausted).toBe(true);
    expect(seen.size).toBe(6);
  });

  it("nextPrefix walks the tree depth-first and ends", () => {
    const trail: ChoicePoint[] = [{ choice: 0, of: 2 }, { choice: 1, of: 2 }];
    expect(ExhaustiveScheduler.nextPrefix(trail)).toEqual([1]);
    expect(ExhaustiveScheduler.nextPrefix([{ choice: 1, of: 2 }])).toBeNull();
  });
});

describe("schedule strings", () => {
  it("round-trip any choices and delays", () => {
    const choices = [0, 1, 2, 127, 128, 300, 65535, 0, 7];
    expect(decodeSchedule(encodeSchedule(choices))).toEqual({ choices, delays: [] });
    const delays = [{ step: 3, ns: 1000 }, { step: 3, ns: 5 }, { step: 900, ns: 50_000_000 }];
    expect(decodeSchedule(encodeSchedule({ choices, delays }))).toEqual({ choices, delays });
  });
  it("the compact log a run keeps gives the same choices, delays and string, across its growth", async () => {
    const { ChoiceLog } = await import("../../src/kernel/schedule-string.js");
    const fc = (await import("fast-check")).default;
    const delayArb = fc.array(fc.record({ step: fc.nat(100_000), ns: fc.integer({ min: 1, max: 2 ** 40 }) }), { maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(3), fc.nat(300), fc.nat(2 ** 40), fc.constant(0)), { maxLength: 3000 }), delayArb, (choices, rawDelays) => {
        const delays = [...rawDelays].sort((a, b) => a.step - b.step);
        const log = new ChoiceLog();
        for (const c of choices) log.push(c);
        for (const d of delays) log.pushDelay(d.step, d.ns);
        expect(log.length).toBe(choices.length);
        expect(log.toArray()).toEqual(choices);
        expect(encodeSchedule(log)).toBe(encodeSchedule({ choices, delays }));
        expect(decodeSchedule(log.toScheduleString())).toEqual({ choices, delays });
      }),
      { numRuns: 200, seed: 5 },
    );
    // the string format itself is fixed: runs (0 x1)(1 x3)(128 x1), no delays
    expect(encodeSchedule([0, 1, 1, 1, 128])).toBe("s2." + Buffer.from([3, 0, 1, 1, 3, 0x80, 1, 1, 0]).toString("base64url"));
  });
  it("run-length encoding keeps a long fifo run's string short", () => {
    expect(encodeSchedule(new Array(100_000).fill(0)).length).toBeLessThan(12);
  });
  it("still read the older s1 form (one varint per choice)", () => {
    expect(decodeSchedule("s1." + Buffer.from([0, 1, 0x80, 1]).toString("base64url"))).toEqual({ choices: [0, 1, 128], delays: [] });
  });
  it("reject what is not a schedule string", () => {
    expect(() => decodeSchedule("hello")).toThrow(/starts with/);
    expect(() => decodeSchedule("s2.$$")).toThrow(/base64url/);
    expect(() => decodeSchedule("s2." + Buffer.from([0x80]).toString("base64url"))).toThrow(/inside a number/);
    expect(() => decodeSchedule("s2." + Buffer.from([2, 0, 1]).toString("base64url"))).toThrow(/cut short/);
    expect(() => decodeSchedule("s2." + Buffer.from([1, 0, 0, 0]).toString("base64url"))).toThrow(/cut short/);
  });
});

describe("determinism", () => {
  const model = (k: Kernel): void => {
    const m = new Mutex(k, "m");
    for (let i = 0; i < 4; i++) {
      k.spawn(`w${i}`, function* (t) {
        for (let j = 0; j < 5; j++) {
          yield t.acquire(m);
          yield t.cpu(Math.round(t.rng("workload").uniform(1, 3) * MS));
          yield t.release(m);
        }
      });
    }
  };
  it("the same seed gives the same trace hash over 100 runs", () => {
    const first = runModel(model, new RandomScheduler(new RandomStream(5, "scheduler")), 5).hash;
    for (let i = 0; i < 100; i++) expect(runModel(model, new RandomScheduler(new RandomStream(5, "scheduler")), 5).hash).toBe(first);
  });
  it("different seeds give different schedules", () => {
    const schedules = new Set<string>();
    for (let s = 1; s <= 20; s++) schedules.add(encodeSchedule(runModel(model, new RandomScheduler(new RandomStream(s, "scheduler")), s).result.choices));
    expect(schedules.size).toBeGreaterThan(15);
  });
  it("pct with the same seed is deterministic too", () => {
    const a = runModel(model, new PctScheduler(new RandomStream(3, "scheduler"), 3, 50), 3).hash;
    const b = runModel(model, new PctScheduler(new RandomStream(3, "scheduler"), 3, 50), 3).hash;
    expect(a).toBe(b);
  });
});

describe("other primitives", () => {
  it("os_event: a set between reset and wait is not lost", () => {
    let r: unknown;
    const { result } = runModel((k) => {
      const ev = new OsEvent(k, "log.flush_events");
      k.spawn("waiter", function* (t) {
        const sig = ev.reset(t);
        yield t.yield(); // the setter runs here
        yield t.yield();
        r = yield t.acquire(ev, sig);
      });
      k.spawn("setter", function* (t) {
        ev.set(t);
        ev.reset(t);
      });
    });
    expect(result.outcome).toBe("finished");
    expect(r).toBe("granted");
  });

  it("rwlock: readers share, a writer excludes, writers are preferred", () => {
    const log: string[] = [];
    runModel((k) => {
      const rw = new RwLock(k, "rw");
      k.spawn("r1", function* (t) {
        yield t.acquire(rw, "S");
        log.push("r1");
        yield t.sleep(10);
        yield t.release(rw);
      });
      k.spawn("w", function* (t) {
        yield t.sleep(1);
        yield t.acquire(rw, "X");
        log.push("w");
        yield t.release(rw);
      });
      k.spawn("r2", function* (t) {
        yield t.sleep(2);
        yield t.acquire(rw, "S");
        log.push("r2");
        yield t.release(rw);
      });
    });
    expect(log).toEqual(["r1", "w", "r2"]);
  });

  it("semaphore and join", () => {
    let maxInside = 0;
    let inside = 0;
    const { result } = runModel((k) => {
      const sem = new Semaphore(k, "slots", 2);
      k.spawn("main", function* (t) {
        const kids = [];
        for (let i = 0; i < 5; i++) {
          kids.push((yield t.spawn(`k${i}`, function* (c) {
            yield c.acquire(sem);
            maxInside = Math.max(maxInside, ++inside);
            yield c.sleep(MS);
            inside--;
            yield c.release(sem);
          })) as never);
        }
        for (const kid of kids) yield t.join(kid);
      });
    });
    expect(result.outcome).toBe("finished");
    expect(maxInside).toBe(2);
    expect(result.now).toBe(3 * MS);
  });

  it("debug sync: SIGNAL / WAIT_FOR park a thread at a point until the signal", () => {
    const log: string[] = [];
    runModel((k) => {
      const ds = new DebugSync(k, 300_000 * MS);
      ds.arm("before_rotate", { signal: "parked", waitFor: "go" });
      k.spawn("a", function* (t) {
        yield t.syncPoint("before_rotate");
        log.push(`a passes at ${t.now}`);
      });
      k.spawn("b", function* (t) {
        yield t.acquire(ds.waitable("parked"));
        yield t.sleep(5);
        log.push("b signals go");
        ds.signal("go", t);
      });
    });
    expect(log).toEqual(["b signals go", "a passes at 5"]);
  });

  it("stall detection reports a hang while daemons keep ticking", () => {
    const k = new Kernel({ stallNs: 100 * MS });
    const m = new Mutex(k, "m");
    const c = new Cond(k, "never");
    k.spawn("ticker", function* (t) {
      for (;;) yield t.sleep(10 * MS);
    }, { daemon: true });
    k.spawn("stuck", function* (t) {
      yield t.acquire(m);
      yield t.acquire(c, m);
    });
    const r = k.run(10_000 * MS);
    expect(r.outcome).toBe("hang");
    expect(r.now).toBeLessThan(200 * MS);
  });
});

describe("trace records", () => {
  it("formatRecord's detail encoding equals JSON.stringify for flat and nested details", async () => {
    const { formatRecord } = await import("../../src/trace/record.js");
    const fc = (await import("fast-check")).default;
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((k) => /^[A-Za-z_]\w*$/.test(k)), fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(undefined), fc.array(fc.integer()), fc.object())), (d) => {
        const line = formatRecord(5, "th", "k", "o", d);
        expect(line).toBe(`{"t":5,"th":"th","k":"k","o":"o","d":${JSON.stringify(d)}}\n`);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
