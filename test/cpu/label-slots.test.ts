import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel, US } from "../../src/kernel/index.js";
import { CpuMachine, NO_CPU_JITTER } from "../../src/machine/cpu/index.js";

/**
 * The CPU model charges a burst's CPU to its label through an accumulator resolved when the
 * burst starts (CpuGroup.slot, issue 20) rather than a Map get and set per charge. Whatever the
 * bursts, their labels, how they are preempted (2 CPUs, more threads) and which cgroup each
 * thread is moved to between bursts, every group's byLabel must hold, per label, the CPU its
 * bursts of that label took, plus the context switches and migrations, in the order the labels
 * first took CPU; and sum to the group's usage.
 */
const LABELS = ["work", "sys:futex", "parse", "work2"];

describe("CPU label accounting", () => {
  it("charges every burst to its label in the group it ran in", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ ns: fc.integer({ min: 1, max: 40 }), label: fc.integer({ min: 0, max: 3 }), group: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        (plans) => {
          const k = new Kernel({ seed: 3 });
          const m = new CpuMachine(k, { cpus: 2, jitter: NO_CPU_JITTER }).install();
          const other = m.addGroup({ name: "other" });
          const groups = [m.defaultGroup, other];
          // the reference: what each group's label took, from the bursts' own times
          const want = [new Map<string, number>(), new Map<string, number>()];
          plans.forEach((plan, i) => {
            k.spawn(`w${i}`, function* (t) {
              for (const b of plan) {
                m.setGroup(t, groups[b.group]!);
                const before = m.threadCpuNs(t);
                const label = LABELS[b.label]!;
                yield t.cpu(b.ns * 100 * US, label);
                const w = want[b.group]!;
                w.set(label, (w.get(label) ?? 0) + b.ns * 100 * US);
                expect(m.threadCpuNs(t) - before).toBeGreaterThanOrEqual(b.ns * 100 * US);
                yield t.sleep(3 * US);
              }
            });
          });
          expect(k.run().outcome).toBe("finished");
          m.chargeAll();
          for (const [gi, g] of groups.entries()) {
            const got = g.byLabel;
            for (const label of LABELS) expect(got.get(label) ?? 0).toBe(want[gi]!.get(label) ?? 0);
            let sum = 0;
            for (const v of got.values()) sum += v;
            expect(sum).toBe(g.stats.usage);
            for (const label of LABELS) expect(m.labelNs(label, g)).toBe(want[gi]!.get(label) ?? 0);
          }
        },
      ),
      { numRuns: 100, seed: 20 },
    );
  });

  it("lists labels in the order they first took CPU", () => {
    const k = new Kernel({ seed: 1 });
    const m = new CpuMachine(k, { cpus: 1, jitter: NO_CPU_JITTER, costs: { contextSwitchNs: 0, migrationNs: 0 } }).install();
    k.spawn("a", function* (t) {
      yield t.cpu(0, "never"); // a burst that takes no CPU is not listed
      yield t.cpu(5 * US, "b");
      yield t.cpu(5 * US, "a");
      yield t.cpu(5 * US, "b");
    });
    expect(k.run().outcome).toBe("finished");
    expect([...m.defaultGroup.byLabel]).toEqual([
      ["b", 10 * US],
      ["a", 5 * US],
    ]);
  });
});
