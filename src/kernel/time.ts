/** Virtual time is an integer number of nanoseconds (a JS number: exact up to 104 days). */
export type Ns = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

const UNITS: Record<string, number> = { ns: NS, us: US, "µs": US, ms: MS, s: SEC, m: 60 * SEC, min: 60 * SEC, h: 3600 * SEC };

/** Parses "10s", "250ms", "1.5us", "300" (seconds) into ns; returns null if it is not a duration. */
export function parseDuration(text: string | number): Ns | null {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.round(text * SEC) : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) return null;
  return Math.round(parseFloat(m[1]!) * UNITS[m[2] ?? "s"]!);
}

/** Formats ns for people: "1.250 ms", "12 s". */
export function formatDuration(ns: Ns): string {
  if (ns >= SEC) return `${trim(ns / SEC)} s`;
  if (ns >= MS) return `${trim(ns / MS)} ms`;
  if (ns >= US) return `${trim(ns / US)} µs`;
  return `${ns} ns`;
}

/** Formats a point in virtual time as seconds with 6 decimals: "12.000350". */
export function formatTime(ns: Ns): string {
  return (ns / SEC).toFixed(6);
}

function trim(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}
