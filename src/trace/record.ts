/**
 * The trace record: the one format every output (narrative, SVG, Chrome trace, HTML) reads.
 * One JSON object per line: virtual time in ns, thread name, kind, object, detail.
 * Kinds are documented in docs/trace-format.md; renderers must accept kinds they do not know.
 */
export interface TraceRecord {
  /** virtual time, integer nanoseconds */
  t: number;
  /** thread (simulated thread name, or "kernel") */
  th: string;
  /** what happened */
  k: string;
  /** the object it happened to (a mutex, condvar, MDL key, file ...) */
  o?: string;
  /** kind-specific detail */
  d?: Record<string, unknown>;
}

const quoted = new Map<string, string>();

/**
 * JSON-quotes a string, caching thread names, kinds and object names, which recur. Bounded: once
 * full, new strings are quoted without caching (statement texts with literals never repeat).
 */
function q(s: string): string {
  let r = quoted.get(s);
  if (r === undefined) {
    r = JSON.stringify(s);
    if (s.length <= 64 && quoted.size < 4096) quoted.set(s, r);
  }
  return r;
}

/**
 * Serialises a record in a fixed key order, so equal runs give byte-identical lines. This is the
 * format's definition, one record at a time; StreamingTrace makes the same bytes a batch at a time
 * (batch.ts), and test/trace/streaming.test.ts holds the two to each other.
 */
export function formatRecord(t: number, th: string, k: string, o: string | undefined, d: unknown): string {
  let line = '{"t":' + t + ',"th":' + q(th) + ',"k":' + q(k);
  if (o !== undefined && o !== "") line += ',"o":' + q(o);
  if (d !== undefined) line += ',"d":' + formatDetail(d);
  return line + "}\n";
}

/**
 * Serialises a detail object exactly as JSON.stringify would, faster for the common flat case
 * (keys are plain identifiers; values numbers, strings, booleans); nested values fall back to
 * JSON.stringify. Undefined values are skipped, as JSON.stringify skips them.
 */
export function formatDetail(d: unknown): string {
  if (d === null || typeof d !== "object" || Array.isArray(d)) return JSON.stringify(d);
  let s = "{";
  for (const key in d as Record<string, unknown>) {
    const v = (d as Record<string, unknown>)[key];
    let enc: string;
    switch (typeof v) {
      case "number":
        enc = Number.isFinite(v) ? String(v) : "null";
        break;
      case "string":
        enc = JSON.stringify(v);
        break;
      case "boolean":
        enc = v ? "true" : "false";
        break;
      case "undefined":
      case "function":
      case "symbol":
        continue;
      default:
        enc = JSON.stringify(v);
        if (enc === undefined) continue;
    }
    s += (s.length === 1 ? '"' : ',"') + key + '":' + enc;
  }
  return s + "}";
}

export function parseRecord(line: string): TraceRecord {
  return JSON.parse(line) as TraceRecord;
}
