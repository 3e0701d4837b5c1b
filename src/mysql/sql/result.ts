/**
 * What a statement gives its client besides success or an error: a result set, the affected-rows
 * count and the warnings (SHOW WARNINGS), as the client protocol carries them. The mysqltest
 * front end prints them in .result format; scenario runs record them in the trace.
 */
import type { ResultSet } from "../thd.js";

export type { ResultSet, SqlWarning } from "../thd.js";

/** One result set from column names and rows of any printable values. */
export function resultSet(columns: string[], rows: unknown[][]): ResultSet {
  return { columns, rows: rows.map((r) => r.map((v) => (v === null || v === undefined ? null : typeof v === "boolean" ? (v ? "1" : "0") : String(v)))) };
}
