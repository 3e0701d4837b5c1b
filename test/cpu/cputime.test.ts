import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel, MS, SEC, US } from "../../src/kernel/index.js";
import { CpuMachine, cputimeAdjust, NO_CPU_JITTER, tickNsec, ticksIn } from "../../src/machine/cpu/index.js";

/**
 * getrusage's user/system split under Linux's tick accounting (src/machine/cpu/cputime.ts):
 * account_process_tick samples the mode at each tick, cputime_adjust scales the exact runtime by
 * the ticks' ratio and never lets either reported time go back.
 */
describe("cputime_adjust", () => {
  it("scales the exact runtime by the accumulated ticks' ratio", () => {
    const prev = { utime: 0, stime: 0 };
    // 3 user ticks, 1 system tick, 10 ms of exact runtime: 7.5 ms user, 2.5 ms system
    expect(cputimeAdjust(10 * MS, { utime: 3 * 4 * MS, stime: 4 * MS }, prev)).toEqual({ utime: 7.5 * MS, stime: 2.5 * MS });
    // no system tick yet: all of it is user time ("assume all runtime is userspace")
    expect(cputimeAdjust(5 * MS, { utime: 4 * MS, stime: 0 }, { utime: 0, stime: 0 })).toEqual({ utime: 5 * MS, stime: 0 });
    expect(cputimeAdjust(5 * MS, { utime: 0, stime: 4 * MS }, { utime: 0, stime: 0 })).toEqual({ utime: 0, stime: 5 * MS });
  });

  it("never reports less than before, and the two always sum to the runtime", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ run: fc.integer({ min: 0, max: 5000 }), u: fc.integer({ min: 0, max: 3 }), s: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 60 }), (steps) => {
        const prev = { utime: 0, stime: 0 };
        const ticks = { utime: 0, stime: 0 };
        let rtime = 0;
        for (const st of steps) {
          const before = { ...prev };
          rtime += st.run;
          ticks.utime += st.u * 1000;
          ticks.stime += st.s * 1000;
          const r = cputimeAdjust(rtime, ticks, prev);
          expect(r.utime).toBeGreaterThanOrEqual(before.utime);
          expect(r.stime).toBeGreaterThanOrEqual(before.stime);
          // reported times catch up with the runtime unless an earlier report already covered it
          if (before.utime + before.stime < rtime) expect(r.utime + r.stime).toBe(rtime);
          else expect(r).toEqual(before);
        }
      }),
    );
  });

  it("counts the ticks of (from, to]", () => {
    expect(tickNsec(250)).toBe(4 * MS);
    expect(tickNsec(1000)).toBe(1 * MS);
    expect(tickNsec(300)).toBe(3333333);
    expect(ticksIn(0, 4 * MS, 0, 4 * MS)).toBe(1); // the tick at 4 ms ends the interval: it is charged
    expect(ticksIn(4 * MS, 5 * MS, 0, 4 * MS)).toBe(0); // the one at its start is not
    expect(ticksIn(1 * MS, 9 * MS, 1 * MS, 4 * MS)).toBe(2);
    expect(ticksIn(3 * MS, 3 * MS, 0, 1 * MS)).toBe(0);
  });
});

/** One thread running `userUs` µs of user code then `sysUs` µs of a system call, `rounds` times. */
function run(accounting: "tick" | "precise", hz: number, userUs: number, sysUs: number, rounds: number, seed = 1): { machine: CpuMachine; ru: { utime: number; stime: number } } {
  const k = new Kernel({ seed });
  const machine = new CpuMachine(k, { cpus: 2, jitter: NO_CPU_JITTER, cpuAccounting: accounting, hz }).install();
  for (const name of ["a", "b"]) {
    k.spawn(name, function* (t) {
      for (let i = 0; i < rounds; i++) {
        yield t.cpu(userUs * US, "row_update_for_mysql");
        yield t.cpu(sysUs * US, "sys:vio_write");
        yield t.sleep(7 * US);
      }
    });
  }
  expect(k.run().outcome).toBe("finished");
  return { machine, ru: { ...machine.getrusage() } };
}

describe("getrusage on the CPU model", () => {
  it("precise accounting reports the exact split", () => {
    const { machine, ru } = run("precise", 250, 70, 30, 2000);
    expect(ru).toEqual({ utime: machine.defaultGroup.stats.user, stime: machine.defaultGroup.stats.system });
  });

  it("tick accounting reports the exact runtime, split within the ticks' sampling error", () => {
    // 2 threads x 20,000 x 100 µs = 4 s of CPU: 4,000 ticks at HZ=1000, a binomial error of
    // sqrt(0.3 * 0.7 / 4000) = 0.7 points on the 30% system share; 4 sigma allowed
    const { machine, ru } = run("tick", 1000, 70, 30, 20000);
    const st = machine.defaultGroup.stats;
    expect(ru.utime + ru.stime).toBe(st.usage);
    const exactSys = st.system / st.usage;
    expect(Math.abs(ru.stime / st.usage - exactSys)).toBeLessThan(0.03);
    expect(machine.defaultGroup.ticks.utime + machine.defaultGroup.ticks.stime).toBeGreaterThan(3500 * MS);
  });

  it("a system call shorter than the tick can be missed or caught whole: the split is a sample", () => {
    // 200 µs of user code and 20 µs of system call per round: over many seeds the reported system
    // share scatters around the exact one, and no seed reports it exactly
    const shares = [1, 2, 3, 4, 5, 6].map((seed) => {
      const { machine, ru } = run("tick", 250, 200, 20, 1500, seed);
      return { got: ru.stime / machine.defaultGroup.stats.usage, exact: machine.defaultGroup.stats.system / machine.defaultGroup.stats.usage };
    });
    for (const s of shares) expect(s.got).not.toBe(s.exact);
    const mean = shares.reduce((a, s) => a + s.got, 0) / shares.length;
    expect(Math.abs(mean - shares[0]!.exact)).toBeLessThan(0.03);
  });

  it("the same seed gives the same reading; the tick grid's offset comes from the seed", () => {
    const a = run("tick", 250, 200, 20, 300, 7).ru;
    const b = run("tick", 250, 200, 20, 300, 7).ru;
    expect(a).toEqual(b);
    const others = [8, 9, 10, 11].map((seed) => run("tick", 250, 200, 20, 300, seed).ru.stime);
    expect(new Set([a.stime, ...others]).size).toBeGreaterThan(1);
  });

  it("rejects a non-positive HZ", () => {
    expect(() => new CpuMachine(new Kernel({ seed: 1 }), { hz: 0 })).toThrow(/hz 0/);
  });

  it("ticks while a thread is switched in count as system time", () => {
    // a burst far shorter than the tick, preceded by a 2 ms context switch: almost every tick
    // that lands on the thread lands in the switch
    const k = new Kernel({ seed: 4 });
    const machine = new CpuMachine(k, { cpus: 1, jitter: NO_CPU_JITTER, costs: { contextSwitchNs: 2 * MS }, hz: 1000 }).install();
    for (const name of ["a", "b"]) {
      k.spawn(name, function* (t) {
        for (let i = 0; i < 500; i++) {
          yield t.cpu(10 * US, "work");
          yield t.sleep(1 * US);
        }
      });
    }
    expect(k.run().outcome).toBe("finished");
    const g = machine.defaultGroup;
    expect(g.stats.system / g.stats.usage).toBeGreaterThan(0.9);
    expect(g.ticks.stime).toBeGreaterThan(g.ticks.utime * 5);
    expect(k.now).toBeLessThan(10 * SEC);
  });
});
