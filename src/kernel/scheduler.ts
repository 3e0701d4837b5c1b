import type { RandomStream } from "./random.js";
import type { Delay, Schedule } from "./schedule-string.js";
import { US, MS, type Ns } from "./time.js";

/** What the scheduler sees of a thread. */
export interface SchedulableThread {
  readonly id: number;
  readonly name: string;
}

/**
 * "run": which ready thread takes the next step at this instant.
 * "wake": which waiter an unlock or signal hands the object to (pthread gives no FIFO promise).
 * "dispatch": which runnable thread a free CPU takes (asked only of schedulers that want it).
 */
export type ChoiceKind = "run" | "wake" | "dispatch";

/**
 * The one decision point of the kernel: called only when there are two or more candidates.
 * Every answer becomes one entry of the run's schedule, so (scenario, version, seed, schedule)
 * fully describes a run.
 */
export interface Scheduler {
  readonly name: string;
  choose(candidates: readonly SchedulableThread[], kind: ChoiceKind, last: SchedulableThread | null): number;
  /**
   * Time-based exploration: called before kernel step `step` (1-based) applies what thread `t`
   * just yielded; a positive answer holds `t` off its CPU that long first, as an OS that preempted
   * it there would (the kernel records it in the schedule). Schedulers without it never delay.
   */
  delay?(t: SchedulableThread, step: number): Ns;
  /**
   * True if the CPU model should let this scheduler choose among every runnable thread a free CPU
   * may take ("dispatch"), instead of CFS's leftmost-vruntime order.
   */
  readonly dispatchesCpus?: boolean;
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
  /** PCT's priorities also decide which runnable thread a free CPU runs, not only same-instant ties */
  readonly dispatchesCpus = true;
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
 * Follows a recorded schedule: its choices in order and its delays at their steps. Past the end
 * of its choices (a shrunk schedule) it falls back to fifo; a recorded choice that no longer fits
 * the candidates marks the replay as diverged.
 */
export class ReplayScheduler implements Scheduler {
  readonly name = "replay";
  private index = 0;
  private delayIndex = 0;
  private readonly choices: readonly number[];
  private readonly delays: readonly Delay[];
  diverged = false;

  constructor(schedule: readonly number[] | Schedule) {
    if (Array.isArray(schedule)) {
      this.choices = schedule as readonly number[];
      this.delays = [];
    } else {
      this.choices = (schedule as Schedule).choices;
      this.delays = [...(schedule as Schedule).delays].sort((a, b) => a.step - b.step);
    }
    if (this.delays.length === 0) this.delay = undefined;
  }

  choose(candidates: readonly SchedulableThread[]): number {
    if (this.index >= this.choices.length) return 0;
    const c = this.choices[this.index++]!;
    if (c >= candidates.length) {
      this.diverged = true;
      return c % candidates.length;
    }
    return c;
  }

  delay?: (t: SchedulableThread, step: number) => Ns = (_t, step) => {
    const d = this.delays[this.delayIndex];
    if (!d || d.step !== step) return 0;
    this.delayIndex++;
    return d.ns;
  };

  get consumed(): number {
    return this.index;
  }
}

/**
 * Delay-bounded scheduling (Emmi, Qadeer, Rakamarić, "Delay-bounded scheduling", POPL 2011; the
 * systematic delays of Microsoft Coyote): choices stay fifo, but at up to `depth` kernel steps,
 * drawn uniformly over the first `steps` of a run, the thread about to run is held off its CPU for
 * a time drawn log-uniformly from `minNs` to `maxNs` (default 1 µs to 50 ms), as an OS that
 * preempted it at that point would. A race that needs a thread stalled inside a window (checked a
 * condition, not yet waiting) is found when a delay lands in the window and outlasts the other
 * side's way to the signal. Every delay is recorded in the schedule, so replay is exact.
 */
export class DelayScheduler implements Scheduler {
  readonly name = "delay";
  private readonly at = new Map<number, Ns>();

  constructor(
    rng: RandomStream,
    readonly depth: number,
    readonly steps: number,
    readonly minNs: Ns = 1 * US,
    readonly maxNs: Ns = 50 * MS,
  ) {
    if (depth < 1) throw new Error("delay depth must be at least 1");
    if (!(minNs >= 1 && maxNs >= minNs)) throw new Error("delay bounds must satisfy 1 <= min <= max");
    const span = Math.log(maxNs / minNs);
    for (let j = 0; j < depth; j++) {
      const step = 1 + rng.int(Math.max(1, steps));
      const ns = Math.max(1, Math.round(minNs * Math.exp(rng.next() * span)));
      this.at.set(step, ns);
    }
  }

  choose(): number {
    return 0;
  }

  delay(_t: SchedulableThread, step: number): Ns {
    return this.at.get(step) ?? 0;
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
