import type { Ns } from "../kernel/time.js";
import type { Server } from "../mysql/server.js";

/** Rows of a simulated information_schema / performance_schema table, at this instant. */
export function snapshotTable(server: Server, from: "processlist" | "metadata_locks", now: Ns, where: Record<string, unknown>, columns?: string[]): Record<string, unknown>[] {
  let rows: Record<string, unknown>[];
  if (from === "processlist") rows = server.processlist(now) as unknown as Record<string, unknown>[];
  else {
    const provider = server.ext.metadataLocks as (() => Record<string, unknown>[]) | undefined;
    rows = provider ? provider() : [];
  }
  rows = rows.filter((r) => Object.entries(where).every(([k, v]) => String(r[k.toUpperCase()] ?? r[k]) === String(v)));
  if (columns) rows = rows.map((r) => Object.fromEntries(columns.map((c) => [c.toUpperCase(), r[c.toUpperCase()] ?? r[c] ?? null])));
  return rows;
}

/** Compares the rows found with the rows expected (only the expected rows' columns); null if equal. */
export function compareRows(found: Record<string, unknown>[], expected: Record<string, unknown>[]): string | null {
  const norm = (r: Record<string, unknown>, cols: string[]): string => cols.map((c) => `${c}=${r[c] === null || r[c] === undefined ? "NULL" : String(r[c])}`).join(", ");
  const cols = [...new Set(expected.flatMap((r) => Object.keys(r).map((k) => k.toUpperCase())))];
  const up = (r: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toUpperCase(), v]));
  const f = found.map((r) => norm(up(r), cols)).sort();
  const e = expected.map((r) => norm(up(r), cols)).sort();
  if (f.length === e.length && f.every((x, i) => x === e[i])) return null;
  return `expected ${e.length} row(s) [${e.join(" | ")}], found ${f.length} [${f.join(" | ")}]`;
}
