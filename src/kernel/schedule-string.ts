/**
 * Schedule strings: every scheduler choice of a run, in order, as unsigned LEB128 varints,
 * base64url-encoded and prefixed with "s1." (the format version). Pasting one into `replay`
 * gives the identical run.
 */
const PREFIX = "s1.";

export function encodeSchedule(choices: readonly number[]): string {
  const bytes: number[] = [];
  for (let v of choices) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`schedule choice must be a non-negative integer, got ${v}`);
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      bytes.push(b);
    } while (v > 0);
  }
  return PREFIX + Buffer.from(bytes).toString("base64url");
}

export class ScheduleStringError extends Error {}

export function decodeSchedule(text: string): number[] {
  const s = text.trim();
  if (!s.startsWith(PREFIX)) throw new ScheduleStringError(`a schedule string starts with "${PREFIX}"`);
  const body = s.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new ScheduleStringError("a schedule string is base64url after its prefix");
  const bytes = Buffer.from(body, "base64url");
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
  if (open) throw new ScheduleStringError("the schedule string ends inside a number");
  return out;
}
