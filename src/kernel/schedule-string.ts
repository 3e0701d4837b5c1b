/**
 * Schedule strings: every scheduler choice of a run, in order, as unsigned LEB128 varints,
 * base64url-encoded and prefixed with "s1." (the format version). Pasting one into `replay`
 * gives the identical run.
 */
const PREFIX = "s1.";

/**
 * A run's choices as they are made, kept as the schedule string's own varints: one byte per
 * choice below 128, so a long run's schedule costs a byte a choice, not a boxed array slot.
 */
export class ChoiceLog {
  private bytes = new Uint8Array(1024);
  private used = 0;
  /** how many choices */
  length = 0;

  push(v: number): void {
    if (!Number.isInteger(v) || v < 0) throw new Error(`schedule choice must be a non-negative integer, got ${v}`);
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
    this.length++;
  }

  toArray(): number[] {
    return decodeVarints(this.bytes.subarray(0, this.used))!; // push writes whole varints only
  }

  toScheduleString(): string {
    return PREFIX + Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.used).toString("base64url");
  }
}

export function encodeSchedule(choices: readonly number[] | ChoiceLog): string {
  if (choices instanceof ChoiceLog) return choices.toScheduleString();
  const log = new ChoiceLog();
  for (const v of choices) log.push(v);
  return log.toScheduleString();
}

export class ScheduleStringError extends Error {}

export function decodeSchedule(text: string): number[] {
  const s = text.trim();
  if (!s.startsWith(PREFIX)) throw new ScheduleStringError(`a schedule string starts with "${PREFIX}"`);
  const body = s.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new ScheduleStringError("a schedule string is base64url after its prefix");
  const out = decodeVarints(Buffer.from(body, "base64url"));
  if (out === null) throw new ScheduleStringError("the schedule string ends inside a number");
  return out;
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
