import { describe, expect, it } from "vitest";
import seedrandom from "seedrandom";
import { RandomStream, RandomStreams } from "../../src/kernel/random.js";

// RandomStream carries its own copy of seedrandom's Alea (no closures per stream): it must draw
// exactly what seedrandom.alea draws for the same seed string, or every recorded run would move.
describe("RandomStream", () => {
  const seeds: (number | string)[] = [0, 1, 2, 7, 42, 1000000, 123456789, -3, "001", "seed-x", ""];
  const names = ["scheduler", "cost", "disk", "cpu/mysqltest", "workload/committer1", "", "ünïcode/名前"];
  it("draws the same numbers as seedrandom.alea(`${seed}/${name}`)", () => {
    for (const seed of seeds)
      for (const name of names) {
        const ref = seedrandom.alea(`${seed}/${name}`);
        const s = new RandomStream(seed, name);
        for (let i = 0; i < 200; i++) expect(s.next()).toBe(ref());
      }
  });
  it("derives int, uniform, exponential, lognormal and chance from the same draws", () => {
    const ref = seedrandom.alea("5/x");
    const s = new RandomStreams(5).stream("x");
    expect(s.int(10)).toBe(Math.floor(ref() * 10));
    expect(s.uniform(2, 4)).toBe(2 + 2 * ref());
    expect(s.exponential(3)).toBe(-3 * Math.log(1 - ref()));
    const u1 = 1 - ref();
    const u2 = ref();
    expect(s.lognormal(100, 0.5)).toBe(100 * Math.exp(0.5 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
    expect(s.chance(0.5)).toBe(ref() < 0.5);
  });
});
