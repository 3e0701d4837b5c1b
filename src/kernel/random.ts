/**
 * seedrandom's Alea (node_modules/seedrandom/lib/alea.js, Johannes Baagøe's algorithm) as one
 * object with four numbers: the same seeding (Mash over " " three times, then over the seed
 * string three times) and the same step, so every stream draws exactly what `seedrandom.alea(seed)`
 * draws (test/kernel/random.test.ts compares them), without the closures and the Mash function
 * seedrandom builds per stream; a run makes a stream per thread, and exploration makes thousands
 * of runs.
 */
class Alea {
  private s0: number;
  private s1: number;
  private s2: number;
  private c = 1;

  constructor(seed: string) {
    // Mash(' ') three times from n = 0xefc8249d: constants
    let n = MASH_N_AFTER_SPACES;
    this.s0 = MASH_SPACES[0];
    this.s1 = MASH_SPACES[1];
    this.s2 = MASH_SPACES[2];
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < seed.length; i++) n = mashChar(n, seed.charCodeAt(i));
      const m = (n >>> 0) * 2.3283064365386963e-10;
      if (k === 0) {
        this.s0 -= m;
        if (this.s0 < 0) this.s0 += 1;
      } else if (k === 1) {
        this.s1 -= m;
        if (this.s1 < 0) this.s1 += 1;
      } else {
        this.s2 -= m;
        if (this.s2 < 0) this.s2 += 1;
      }
    }
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    return (this.s2 = t - (this.c = t | 0));
  }
}

/** one character of seedrandom's Mash */
function mashChar(n: number, code: number): number {
  n += code;
  let h = 0.02519603282416938 * n;
  n = h >>> 0;
  h -= n;
  h *= n;
  n = h >>> 0;
  h -= n;
  return n + h * 0x100000000; // 2^32
}

const MASH_SPACES: [number, number, number] = [0, 0, 0];
const MASH_N_AFTER_SPACES = ((): number => {
  let n = 0xefc8249d;
  for (let k = 0; k < 3; k++) {
    n = mashChar(n, 32);
    MASH_SPACES[k] = (n >>> 0) * 2.3283064365386963e-10;
  }
  return n;
})();

/**
 * A seeded random stream. Every random choice in a simulation comes from a stream named by its
 * purpose ("scheduler", "workload", "disk" ...), derived from the run seed and the name, so adding
 * a stream never changes the numbers another stream gives.
 */
export class RandomStream {
  private readonly alea: Alea;

  constructor(seed: number | string, readonly name: string) {
    this.alea = new Alea(`${seed}/${name}`);
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.alea.next();
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.alea.next() * n);
  }

  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.alea.next();
  }

  /** exponential with the given mean */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.alea.next());
  }

  /** log-normal with the given median and sigma (of the underlying normal) */
  lognormal(median: number, sigma: number): number {
    const u1 = 1 - this.alea.next();
    const u2 = this.alea.next();
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
    return this.alea.next() < p;
  }
}

/** The named streams of one run. */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: number | string) {}

  /** the stream asked for last: code-path costs ask for "cost" at almost every effect */
  private last: RandomStream | null = null;

  stream(name: string): RandomStream {
    if (this.last !== null && this.last.name === name) return this.last;
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(this.seed, name);
      this.streams.set(name, s);
    }
    this.last = s;
    return s;
  }
}
