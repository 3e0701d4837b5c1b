// Mutex exclusion and condition-variable semantics under 10,000 random and PCT schedules.
import { describe, expect, it } from "vitest";
import { Kernel, MS, PctScheduler, RandomScheduler, RandomStream, type Scheduler } from "../../src/kernel/index.js";
import { Cond, Mutex } from "../../src/sync/index.js";

/**
 * Three workers take a mutex around a critical section with scheduling points inside; a
 * producer and two consumers share a bounded queue through a condvar with predicate loops, some
 * waits timed. Checks: never two threads inside; the mutex owner is always the thread inside;
 * every wait returns holding the mutex; every item is consumed exactly once; the run finishes.
 */
function model(k: Kernel, violations: string[]): { consumed: number[] } {
  const m = new Mutex(k, "m");
  let inside: string | null = null;
  for (let i = 0; i < 3; i++) {
    k.spawn(`w${i}`, function* (t) {
      for (let j = 0; j < 3; j++) {
        yield t.acquire(m);
        if (inside !== null) violations.push(`${t.name} entered while ${inside} was inside`);
        if (m.owner !== t) violations.push(`${t.name} is inside but ${m.owner?.name} owns the mutex`);
        inside = t.name;
        yield t.yield();
        if (t.rng("work").chance(0.3)) yield t.sleep(1);
        inside = null;
        yield t.release(m);
      }
    });
  }
  const qm = new Mutex(k, "queue_mutex");
  const notEmpty = new Cond(k, "not_empty");
  const queue: number[] = [];
  const consumed: number[] = [];
  let produced = 0;
  const ITEMS = 6;
  k.spawn("producer", function* (t) {
    for (let n = 0; n < ITEMS; n++) {
      yield t.acquire(qm);
      queue.push(n);
      produced++;
      yield t.release(notEmpty, n % 2 ? "signal" : "broadcast");
      yield t.release(qm);
      yield t.yield();
    }
  });
  for (let c = 0; c < 2; c++) {
    k.spawn(`consumer${c}`, function* (t) {
      for (;;) {
        yield t.acquire(qm);
        while (queue.length === 0 && produced < ITEMS) {
          const r = yield t.acquire(notEmpty, qm, c === 0 ? -1 : 3 * MS);
          if (qm.owner !== t) violations.push(`${t.name}'s wait returned (${String(r)}) without the mutex`);
        }
        if (queue.length === 0) {
          yield t.release(qm);
          return;
        }
        consumed.push(queue.shift()!);
        yield t.release(qm);
      }
    });
  }
  return { consumed };
}

function check(scheduler: Scheduler, seed: number): void {
  const violations: string[] = [];
  const k = new Kernel({ seed, scheduler });
  const { consumed } = model(k, violations);
  const r = k.run(10_000 * MS);
  // a consumer without a timeout may sleep forever once the producer is done: that is its
  // problem, not the primitives'; everything else must finish
  if (r.outcome !== "finished" && r.outcome !== "hang") violations.push(`outcome ${r.outcome} ${r.message ?? ""}`);
  if (r.outcome === "hang" && !r.waitFor!.every((n) => n.thread === "consumer0" && n.waitingOn?.name === "not_empty")) {
    violations.push(`unexpected hang: ${JSON.stringify(r.waitFor)}`);
  }
  const sorted = [...consumed].sort((a, b) => a - b);
  if (sorted.join(",") !== "0,1,2,3,4,5") violations.push(`consumed ${consumed.join(",")}`);
  expect(violations, `seed ${seed}`).toEqual([]);
}

describe("sync primitives under exploration", () => {
  it("hold under 5,000 random schedules", () => {
    for (let seed = 1; seed <= 5000; seed++) check(new RandomScheduler(new RandomStream(seed, "scheduler")), seed);
  });
  it("hold under 5,000 PCT schedules", () => {
    for (let seed = 1; seed <= 5000; seed++) check(new PctScheduler(new RandomStream(seed, "scheduler"), 3, 60), seed);
  });
});
