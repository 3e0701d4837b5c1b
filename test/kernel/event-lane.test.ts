import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel } from "../../src/kernel/index.js";

/**
 * The kernel keeps events due within 1 ns in a FIFO lane beside its heap (issue 20); an event
 * joins the lane only when it sorts after the lane's last one. Whatever mix of callbacks (at,
 * atFire) and thread timers (sleep) at delays 0, 1 and more, armed from callbacks and from
 * thread steps, the run must see every event in the order the heap alone gives, and at the
 * same virtual times; and with callbacks alone, in (time, arming order), computed here
 * independently.
 */
interface Step {
  delay: number;
  nested: number;
  kind: "at" | "atFire";
}

function order(plan: Step[], sleeps: number[][], lane: boolean): string[] {
  const k = new Kernel({ seed: 1, eventLane: lane });
  const out: string[] = [];
  const arm = (name: string, delay: number, kind: Step["kind"], then: () => void): void => {
    const fire = (): void => {
      out.push(`${name}@${k.now}`);
      then();
    };
    if (kind === "at") k.at(delay, fire);
    else k.atFire(delay, { fire: () => fire() }, 0);
  };
  plan.forEach((p, i) => arm(`c${i}`, p.delay, p.kind, () => arm(`c${i}.n`, p.nested, p.kind === "at" ? "atFire" : "at", () => {})));
  sleeps.forEach((ds, i) =>
    k.spawn(`s${i}`, function* (t) {
      for (const [j, d] of ds.entries()) {
        yield t.sleep(d);
        out.push(`s${i}.${j}@${k.now}`);
        // a callback armed from a thread step, at the delays the lane takes
        k.at(j % 2, () => out.push(`s${i}.${j}.cb@${k.now}`));
      }
    }),
  );
  k.spawn("idle", function* (t) {
    yield t.sleep(100);
  });
  expect(k.run().outcome).toBe("finished");
  return out;
}

const delay = fc.oneof(fc.constantFrom(0, 1, 1, 2), fc.integer({ min: 0, max: 30 }));

describe("Kernel event lane", () => {
  it("gives the heap's order for any mix of callbacks and thread timers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay, nested: delay, kind: fc.constantFrom("at" as const, "atFire" as const) }), { maxLength: 14 }),
        fc.array(fc.array(delay, { maxLength: 6 }), { maxLength: 4 }),
        (plan, sleeps) => {
          expect(order(plan, sleeps, true)).toEqual(order(plan, sleeps, false));
        },
      ),
      { numRuns: 400, seed: 20 },
    );
  });

  it("fires callbacks alone by (time, arming order)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ delay, nested: delay, kind: fc.constantFrom("at" as const, "atFire" as const) }), { minLength: 1, maxLength: 14 }), (plan) => {
        // reference: a list of (time, arming sequence), the least taken each time
        const pending: { time: number; seq: number; name: string; nested: number | null }[] = [];
        let seq = 0;
        plan.forEach((p, i) => pending.push({ time: p.delay, seq: seq++, name: `c${i}`, nested: p.nested }));
        const want: string[] = [];
        while (pending.length > 0) {
          pending.sort((a, b) => a.time - b.time || a.seq - b.seq);
          const e = pending.shift()!;
          want.push(`${e.name}@${e.time}`);
          if (e.nested !== null) pending.push({ time: e.time + e.nested, seq: seq++, name: `${e.name}.n`, nested: null });
        }
        expect(order(plan, [], true)).toEqual(want);
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
