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

/**
 * Kernel.rearmFire moves a target's earlier timer instead of queueing a new one, leaving a ghost
 * at its old time. A target that ignores timers of older epochs (as the CPU model's do) must see
 * the same firings at the same times, and the run the same event count, end time and outcome,
 * as with a new timer each time (`eventLane: false` turns rearmFire into atFire). A stall check
 * (`stallNs`, scenarios' hang_after) stops the clock at every queue event, ghosts included, so
 * the hang is reported at the same instant.
 */
interface Rearm {
  at: number;
  delay: number;
}

function rearmRun(plan: Rearm[], stallNs: number, fast: boolean): { fired: string[]; outcome: string; now: number; events: number } {
  const k = new Kernel({ seed: 1, eventLane: fast, stallNs });
  const fired: string[] = [];
  let epoch = 0;
  let h: ReturnType<Kernel["atFire"]> | null = null;
  let hSeq = -1;
  const target = {
    fire(ep: number): void {
      if (ep !== epoch) return; // an older epoch's timer: ignored
      fired.push(`fire ${ep}@${k.now}`);
    },
  };
  for (const [i, p] of plan.entries()) {
    k.at(p.at, () => {
      h = k.rearmFire(h, hSeq, p.delay, target, ++epoch);
      hSeq = h.seq;
      fired.push(`arm ${i}@${k.now}`);
    });
  }
  // a daemon keeps time moving; a script thread waits forever, so the run ends as a stall
  k.spawn("ticker", function* (t) {
    yield t.sleep(10_000);
  }, { daemon: true });
  const never = { name: "never", kind: "test", acquire: () => false, release() {}, cancel: () => true, holders: () => [] };
  k.spawn("waiter", function* (t) {
    yield t.acquire(never);
  });
  const r = k.run(5_000);
  return { fired, outcome: r.outcome, now: r.now, events: r.events };
}

describe("Kernel.rearmFire", () => {
  it("fires, counts events and stops the clock exactly as a new timer each time", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 60 }), delay: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 80 })) }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 40 }),
        (plan, stallNs) => {
          expect(rearmRun(plan, stallNs, true)).toEqual(rearmRun(plan, stallNs, false));
        },
      ),
      { numRuns: 400, seed: 22 },
    );
  });
});
