/** What the CPU tests' bandwidth properties share: the load they run and the ranges they draw it from. */
import fc from "fast-check";
import type { Kernel } from "../../src/kernel/index.js";

/** n threads each doing `bursts` CPU bursts of `burstNs`, with `gapNs` sleeps between (every third burst system time). */
export function spinners(k: Kernel, n: number, bursts: number, burstNs: number, gapNs = 0): void {
  for (let i = 0; i < n; i++) {
    k.spawn(`w${i}`, function* (t) {
      for (let b = 0; b < bursts; b++) {
        yield t.cpu(burstNs, b % 3 === 0 ? "sys:x" : "work");
        if (gapNs > 0) yield t.sleep(gapNs);
      }
    });
  }
}

/**
 * The arbitraries of a bandwidth property, in its argument order: CPUs, threads, quota (% of one
 * CPU per 100 ms period), burst µs, gap µs, seed. Spread into fc.property.
 */
export function bandwidthLoad(o: { maxCpus: number; maxThreads: number; quotaPct: [number, number]; burstUs: [number, number] }) {
  return [
    fc.integer({ min: 1, max: o.maxCpus }),
    fc.integer({ min: 1, max: o.maxThreads }),
    fc.integer({ min: o.quotaPct[0], max: o.quotaPct[1] }),
    fc.integer({ min: o.burstUs[0], max: o.burstUs[1] }),
    fc.integer({ min: 0, max: 2000 }), // gap µs
    fc.integer({ min: 1, max: 1000 }), // seed
  ] as const;
}
