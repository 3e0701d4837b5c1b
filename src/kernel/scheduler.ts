import type { RandomStream } from "./random.js";

/** What the scheduler sees of a thread. */
export interface SchedulableThread {
  readonly id: number;
  readonly name: string;
}

/**
 * "run": which ready thread takes the next step at this instant.
 * "wake": which waiter an unlock or signal hands the object to (pthread gives no FIFO promise).
 */
export type ChoiceKind = "run" | "wake";

/**
 * The one decision point of the kernel: called only when there are two or more candidates.
 * Every answer becomes one entry of the run's schedule, so (scenario, version, seed, schedule)
 * fully describes a run.
 */
export interface Scheduler {
  readonly name: string;
  choose(candidates: readonly SchedulableThread[], kind: ChoiceKind, last: SchedulableThread | null): number;
}

/** Deterministic baseline: the candidate that has been ready longest (or waited longest). */
export class FifoScheduler implements Scheduler {
  readonly name = "fifo";
  choose(): number {
    return 0;
  }
}

/** Uniformly random choice from the seeded "scheduler" stream. */
export class RandomScheduler implements Scheduler {
  readonly name = "random";
  constructor(private readonly rng: RandomStream) {}
  choose(candidates: readonly SchedulableThread[]): number {
    return this.rng.int(candidates.length);
  }
}

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
 * Threads get distinct random priorities (all above `depth`); d-1 change points are drawn
 * uniformly over the first `steps` run-choices; at change point j the thread that just ran drops
 * to priority d-j. The highest-priority candidate always runs. A bug of depth d is found with
 * probability at least 1/(n * k^(d-1)) per run.
 */
export class PctScheduler implements Scheduler {
  readonly name = "pct";
  private readonly priority = new Map<number, number>();
  private readonly changeAt = new Map<number, number>();
  private step = 0;

  constructor(
    private readonly rng: RandomStream,
    readonly depth: number,
    readonly steps: number,
  ) {
    if (depth < 1) throw new Error("pct depth must be at least 1");
    for (let j = 1; j < depth; j++) this.changeAt.set(1 + rng.int(Math.max(1, steps)), depth - j);
  }

  choose(candidates: readonly SchedulableThread[], kind: ChoiceKind, last: SchedulableThread | null): number {
    if (kind === "run") {
      this.step++;
      const lowered = this.changeAt.get(this.step);
      if (lowered !== undefined && last) this.priority.set(last.id, lowered);
    }
    let best = 0;
    let bestPriority = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const p = this.priorityOf(candidates[i]!);
      if (p > bestPriority) {
        bestPriority = p;
        best = i;
      }
    }
    return best;
  }

  private priorityOf(t: SchedulableThread): number {
    let p = this.priority.get(t.id);
    if (p === undefined) {
      // distinct with probability 1; strictly above every change-point priority
      p = this.depth + 1 + this.rng.next() * 1e9;
      this.priority.set(t.id, p);
    }
    return p;
  }
}

/**
 * Follows a recorded schedule. Past its end (a shrunk schedule) it falls back to fifo; a recorded
 * choice that no longer fits the candidates marks the replay as diverged.
 */
export class ReplayScheduler implements Scheduler {
  readonly name = "replay";
  private index = 0;
  diverged = false;

  constructor(private readonly choices: readonly number[]) {}

  choose(candidates: readonly SchedulableThread[]): number {
    if (this.index >= this.choices.length) return 0;
    const c = this.choices[this.index++]!;
    if (c >= candidates.length) {
      this.diverged = true;
      return c % candidates.length;
    }
    return c;
  }

  get consumed(): number {
    return this.index;
  }
}

/** One recorded choice point of an exhaustive run: what was chosen out of how many. */
export interface ChoicePoint {
  choice: number;
  of: number;
}

/**
 * One run of bounded depth-first enumeration: follows `prefix`, then takes choice 0 and records
 * the branching factor of every choice point up to `maxDepth`. `nextPrefix` gives the prefix of
 * the next run in depth-first order, or null when the tree is exhausted.
 */
export class ExhaustiveScheduler implements Scheduler {
  readonly name = "exhaustive";
  readonly trail: ChoicePoint[] = [];

  constructor(
    private readonly prefix: readonly number[],
    private readonly maxDepth: number,
  ) {}

  choose(candidates: readonly SchedulableThread[]): number {
    const depth = this.trail.length;
    if (depth >= this.maxDepth) return 0;
    const choice = depth < this.prefix.length ? Math.min(this.prefix[depth]!, candidates.length - 1) : 0;
    this.trail.push({ choice, of: candidates.length });
    return choice;
  }

  static nextPrefix(trail: readonly ChoicePoint[]): number[] | null {
    for (let i = trail.length - 1; i >= 0; i--) {
      const p = trail[i]!;
      if (p.choice + 1 < p.of) return [...trail.slice(0, i).map((q) => q.choice), p.choice + 1];
    }
    return null;
  }
}
