import seedrandom from "seedrandom";

/**
 * A seeded random stream. Every random choice in a simulation comes from a stream named by its
 * purpose ("scheduler", "workload", "disk" ...), derived from the run seed and the name, so adding
 * a stream never changes the numbers another stream gives.
 */
export class RandomStream {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: number | string, readonly name: string) {
    this.prng = seedrandom.alea(`${seed}/${name}`);
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.prng();
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** exponential with the given mean */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.prng());
  }

  /** log-normal with the given median and sigma (of the underlying normal) */
  lognormal(median: number, sigma: number): number {
    const u1 = 1 - this.prng();
    const u2 = this.prng();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return median * Math.exp(sigma * z);
  }

  /**
   * One draw of a duration around its median (log-normal, sigma of the underlying normal), in
   * whole ns and never below 1: the jitter of code-path costs, machine costs and device waits.
   */
  jitteredNs(median: number, sigma: number): number {
    return Math.max(1, Math.round(this.lognormal(median, sigma)));
  }

  /** true with probability p */
  chance(p: number): boolean {
    return this.prng() < p;
  }
}

/** The named streams of one run. */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: number | string) {}

  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(this.seed, name);
      this.streams.set(name, s);
    }
    return s;
  }
}
