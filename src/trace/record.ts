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

/** Serialises a record in a fixed key order, so equal runs give byte-identical lines. */
export function formatRecord(t: number, th: string, k: string, o: string | undefined, d: unknown): string {
  let line = '{"t":' + t + ',"th":' + JSON.stringify(th) + ',"k":' + JSON.stringify(k);
  if (o !== undefined && o !== "") line += ',"o":' + JSON.stringify(o);
  if (d !== undefined) line += ',"d":' + JSON.stringify(d);
  return line + "}\n";
}

export function parseRecord(line: string): TraceRecord {
  return JSON.parse(line) as TraceRecord;
}
