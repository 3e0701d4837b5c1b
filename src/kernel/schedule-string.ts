/**
 * Schedule strings: everything a run's scheduler decided, so that pasting one into `replay`
 * gives the identical run. Two kinds of decision:
 * - choices: which of several candidates went next (a thread to step, a waiter to wake, a thread
 *   to dispatch on a free CPU), one number per choice point, in order;
 * - delays: at which kernel step a thread was held off its CPU, and for how long (the `delay`
 *   strategy, or a replay of one).
 *
 * Format "s2." + base64url of unsigned LEB128 varints:
 *   runs, then (value, count) per run of equal choices; then delays, then (step gap, ns) per delay.
 * Run-length encoding keeps a long free-running run short: most choices are 0 (fifo order), so a
 * 20 s run that makes 10,000 choices prints a few characters instead of 10,000 "A"s.
 * "s1." strings (plain varints, one per choice, no delays) are still read.
 */
const PREFIX_V1 = "s1.";
const PREFIX = "s2.";

/** One held-off-CPU interval: before kernel step `step` (1-based), the thread about to run waited `ns`. */
export interface Delay {
  step: number;
  ns: number;
}

/** A whole schedule, decoded. */
export interface Schedule {
  choices: number[];
  delays: Delay[];
}

/** Growable varint byte buffer. */
class Varints {
  bytes = new Uint8Array(256);
  used = 0;

  push(v: number): void {
    if (this.used + 8 > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.bytes[this.used++] = b;
    } while (v > 0);
  }
}

/**
 * A run's decisions as they are made, kept compact: choices as (value, count) runs of varints
 * (the open run in two numbers), delays as (step, ns) pairs. A long run's schedule costs a few
 * bytes per change of choice, not a boxed array slot per choice.
 */
export class ChoiceLog {
  private readonly runs = new Varints();
  private runCount = 0;
  private openValue = -1;
  private openCount = 0;
  private readonly delayList: number[] = [];
  /** how many choices */
  length = 0;

  push(v: number): void {
    if (!Number.isInteger(v) || v < 0) throw new Error(`schedule choice must be a non-negative integer, got ${v}`);
    this.length++;
    if (v === this.openValue) {
      this.openCount++;
      return;
    }
    this.closeRun();
    this.openValue = v;
    this.openCount = 1;
  }

  /** Records that the thread about to take kernel step `step` was held off-CPU for `ns`. */
  pushDelay(step: number, ns: number): void {
    if (!Number.isInteger(ns) || ns <= 0) throw new Error(`a delay is a positive whole number of ns, got ${ns}`);
    this.delayList.push(step, ns);
  }

  get delayCount(): number {
    return this.delayList.length / 2;
  }

  toArray(): number[] {
    return this.toSchedule().choices;
  }

  toSchedule(): Schedule {
    const out: number[] = [];
    const nums = decodeVarints(this.runs.bytes.subarray(0, this.runs.used))!;
    for (let i = 0; i < nums.length; i += 2) for (let j = 0; j < nums[i + 1]!; j++) out.push(nums[i]!);
    for (let j = 0; j < this.openCount; j++) out.push(this.openValue);
    const delays: Delay[] = [];
    for (let i = 0; i < this.delayList.length; i += 2) delays.push({ step: this.delayList[i]!, ns: this.delayList[i + 1]! });
    return { choices: out, delays };
  }

  toScheduleString(): string {
    const v = new Varints();
    v.push(this.runCount + (this.openCount > 0 ? 1 : 0));
    const body = v.bytes.subarray(0, v.used);
    const tail = new Varints();
    if (this.openCount > 0) {
      tail.push(this.openValue);
      tail.push(this.openCount);
    }
    tail.push(this.delayCount);
    let prev = 0;
    for (let i = 0; i < this.delayList.length; i += 2) {
      tail.push(this.delayList[i]! - prev);
      tail.push(this.delayList[i + 1]!);
      prev = this.delayList[i]!;
    }
    return PREFIX + Buffer.concat([body, this.runs.bytes.subarray(0, this.runs.used), tail.bytes.subarray(0, tail.used)]).toString("base64url");
  }

  private closeRun(): void {
    if (this.openCount === 0) return;
    this.runs.push(this.openValue);
    this.runs.push(this.openCount);
    this.runCount++;
    this.openCount = 0;
  }
}

/** The schedule string of choices (and delays), or of a run's log. */
export function encodeSchedule(s: readonly number[] | ChoiceLog | Schedule): string {
  if (s instanceof ChoiceLog) return s.toScheduleString();
  const log = new ChoiceLog();
  const choices = Array.isArray(s) ? (s as readonly number[]) : (s as Schedule).choices;
  for (const v of choices) log.push(v);
  if (!Array.isArray(s)) {
    const delays = [...(s as Schedule).delays].sort((a, b) => a.step - b.step);
    for (const d of delays) log.pushDelay(d.step, d.ns);
  }
  return log.toScheduleString();
}

export class ScheduleStringError extends Error {}

export function decodeSchedule(text: string): Schedule {
  const s = text.trim();
  const v1 = s.startsWith(PREFIX_V1);
  if (!v1 && !s.startsWith(PREFIX)) throw new ScheduleStringError(`a schedule string starts with "${PREFIX}" (or "${PREFIX_V1}", the older form)`);
  const body = s.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new ScheduleStringError("a schedule string is base64url after its prefix");
  const nums = decodeVarints(Buffer.from(body, "base64url"));
  if (nums === null) throw new ScheduleStringError("the schedule string ends inside a number");
  if (v1) return { choices: nums, delays: [] };
  const bad = (): never => {
    throw new ScheduleStringError("the schedule string is cut short or has numbers left over");
  };
  let i = 0;
  const next = (): number => (i < nums.length ? nums[i++]! : bad());
  const choices: number[] = [];
  const runs = next();
  for (let r = 0; r < runs; r++) {
    const value = next();
    const count = next();
    if (count === 0 || count > 1e8) bad();
    for (let j = 0; j < count; j++) choices.push(value);
  }
  const delays: Delay[] = [];
  const nDelays = i < nums.length ? next() : 0;
  let step = 0;
  for (let d = 0; d < nDelays; d++) {
    step += next();
    const ns = next();
    if (ns === 0) bad();
    delays.push({ step, ns });
  }
  if (i !== nums.length) bad();
  return { choices, delays };
}

/** The numbers in a run of varints; null when the last one is cut off. */
function decodeVarints(bytes: Uint8Array): number[] | null {
  const out: number[] = [];
  let v = 0;
  let mul = 1;
  let open = false;
  for (const b of bytes) {
    v += (b & 0x7f) * mul;
    mul *= 128;
    open = (b & 0x80) !== 0;
    if (!open) {
      out.push(v);
      v = 0;
      mul = 1;
    }
  }
  return open ? null : out;
}
