import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel, type TimerTarget } from "../../src/kernel/index.js";
import { NO_EFFECTS } from "../../src/kernel/no-effects.js";
import type { Effect } from "../../src/kernel/thread.js";

/**
 * Kernel.atFire is the closure-free form of Kernel.at (issue 20, used by the CPU model): the same
 * place in the event order. A random mix of timers, some armed from inside others, must fire in
 * the same order whichever form each was armed with.
 */
function fireOrder(plan: { delay: number; nested: number; closure: boolean }[], mode: "mixed" | "closures"): string[] {
  const k = new Kernel({ seed: 1 });
  const order: string[] = [];
  const arm = (name: string, delay: number, closure: boolean, then: () => void): void => {
    const fire = (): void => {
      order.push(`${name}@${k.now}`);
      then();
    };
    if (closure || mode === "closures") k.at(delay, fire);
    else {
      const target: TimerTarget = { fire: (arg) => (order.push(`arg ${arg}`), fire()) };
      k.atFire(delay, target, delay);
    }
  };
  plan.forEach((p, i) => arm(`t${i}`, p.delay, p.closure, () => arm(`t${i}.n`, p.nested, !p.closure, () => {})));
  // a thread keeps the run alive until every timer is due
  k.spawn("idle", function* (t) {
    yield t.sleep(1000);
  });
  expect(k.run().outcome).toBe("finished");
  return order.filter((x) => !x.startsWith("arg "));
}

describe("Kernel.atFire", () => {
  it("fires in the order Kernel.at gives, with the argument it was armed with", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ delay: fc.integer({ min: 0, max: 20 }), nested: fc.integer({ min: 0, max: 5 }), closure: fc.boolean() }), { maxLength: 12 }), (plan) => {
        expect(fireOrder(plan, "mixed")).toEqual(fireOrder(plan, "closures"));
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("passes its argument to the target", () => {
    const k = new Kernel({ seed: 1 });
    const got: number[] = [];
    k.atFire(3, { fire: (a) => got.push(a, k.now) }, 42);
    k.spawn("idle", function* (t) {
      yield t.sleep(10);
    });
    k.run();
    expect(got).toEqual([42, 3]);
  });
});

describe("NO_EFFECTS", () => {
  it("is an effect sequence that is over at once, however often it is delegated to", () => {
    const seen: Effect[] = [];
    function* body(): Generator<Effect, string, unknown> {
      for (let i = 0; i < 3; i++) yield* NO_EFFECTS;
      return "end";
    }
    const g = body();
    let r = g.next();
    while (!r.done) {
      seen.push(r.value);
      r = g.next();
    }
    expect(seen).toEqual([]);
    expect(r.value).toBe("end");
  });
});
