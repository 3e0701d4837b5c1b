import { mysqlError } from "../errors.js";
import type { Server, TableDef } from "../server.js";
import type { Thd } from "../thd.js";
import { evaluate, ExprError, ExprParser, formatValue, runSelect, type Value } from "./expr.js";
import type { Statement } from "./parse.js";
import { evalEnv, sessionTable } from "./query.js";

/**
 * The rows an INSERT, REPLACE, UPDATE or DELETE leaves in the catalog: enough for row counts
 * (SELECT count(*)), duplicate-key errors (ER_DUP_ENTRY on the PRIMARY or a UNIQUE key) and
 * affected rows. Changes apply at once (no MVCC: lock tests look at locks, not at isolation).
 */
export function applyRows(server: Server, thd: Thd, stmt: Extract<Statement, { kind: "insert" | "update" | "delete" }>, now: number): void {
  const def = sessionTable(server, thd, stmt.table.db, stmt.table.name);
  if (!def || !stmt.sql || thd.ext.loadClient) return;
  const env = evalEnv(server, thd, now);
  const rowMap = (r: string[]): Map<string, Value> => {
    const m = new Map<string, Value>();
    def.columns.forEach((c, i) => {
      const v = r[i];
      const val: Value = v === undefined || v.toUpperCase() === "NULL" ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      m.set(c, val);
      m.set(`${def.name.toLowerCase()}.${c}`, val);
    });
    return m;
  };
  const text = (v: Value): string => (v === null ? "NULL" : String(formatValue(v)));
  try {
    if (stmt.kind === "insert") {
      let rows: string[][];
      const sel = /\bSELECT\b([\s\S]*)$/i.exec(stmt.sql.slice(stmt.sql.search(/\bSELECT\b/i) >= 0 ? 0 : stmt.sql.length));
      if (sel && !/\bVALUES?\b/i.test(stmt.sql.split(/\bSELECT\b/i)[0]!)) {
        const q = ExprParser.of(stmt.sql.slice(stmt.sql.search(/\bSELECT\b/i))).parseSelect();
        rows = runSelect(q, env).rows.map((r) => r.map(text));
      } else rows = stmt.rows.map((r) => r.map((v) => evalLiteral(v, env)));
      let n = 0;
      const auto = def.keys?.find((k) => k.autoIncrement && k.columns.length === 1);
      const ai = auto ? def.columns.indexOf(auto.columns[0]!) : -1;
      for (const r of rows) {
        const row = def.columns.map((_, i) => r[i] ?? "NULL");
        if (ai >= 0) {
          // AUTO_INCREMENT: 0 or NULL takes the next value; an explicit one moves the counter
          const v = Number(row[ai]);
          const next = (def.autoIncrement ?? 0) + 1;
          if (row[ai] === "NULL" || v === 0) row[ai] = String(next);
          def.autoIncrement = Math.max(def.autoIncrement ?? 0, Number(row[ai]));
        }
        const dup = duplicate(def, row);
        if (dup) {
          if (stmt.replace) {
            def.rows.splice(def.rows.indexOf(dup.row), 1);
            n++;
          } else if (/^INSERT\s+(?:\w+\s+)?IGNORE\b/i.test(stmt.sql)) continue;
          else {
            thd.affectedRows = n;
            throw mysqlError("ER_DUP_ENTRY", dup.value, dup.key);
          }
        }
        def.rows.push(row);
        n++;
      }
      thd.affectedRows = n;
      return;
    }
    const where = /\bWHERE\b([\s\S]*?)(?:\bORDER\s+BY\b[\s\S]*?)?(?:\bLIMIT\s+(\d+))?\s*$/i.exec(stmt.sql);
    const limitOnly = /\bLIMIT\s+(\d+)\s*$/i.exec(stmt.sql);
    const cond = where?.[1]?.trim() ? ExprParser.of(where[1]!).parseExpr() : null;
    const limit = where?.[2] !== undefined ? Number(where[2]) : limitOnly ? Number(limitOnly[1]) : Infinity;
    const multi = (stmt.reads?.length ?? 0) > 0 || (stmt.targets?.length ?? 0) > 0;
    if (multi) return; // multi-table forms: the join is not evaluated
    const hits: string[][] = [];
    for (const r of def.rows) {
      if (hits.length >= limit) break;
      if (!cond || truthy(evaluate(cond, env, rowMap(r)))) hits.push(r);
    }
    if (stmt.kind === "delete") {
      def.rows = def.rows.filter((r) => !hits.includes(r));
      thd.affectedRows = hits.length;
      return;
    }
    const set = /\bSET\b([\s\S]*?)(?:\bWHERE\b|\bORDER\s+BY\b|\bLIMIT\b|$)/i.exec(stmt.sql)?.[1] ?? "";
    const assigns = set.split(",").map((a) => /^\s*`?(?:\w+\.)?(\w+)`?\s*=\s*([\s\S]+)$/.exec(a)).filter((m): m is RegExpExecArray => !!m);
    let changed = 0;
    for (const r of hits) {
      const before = r.join("\u0000");
      const m = rowMap(r);
      for (const a of assigns) {
        const i = def.columns.indexOf(a[1]!.toLowerCase());
        if (i >= 0) r[i] = text(evaluate(ExprParser.of(a[2]!).parseExpr(), env, m));
      }
      if (r.join("\u0000") !== before) changed++;
    }
    thd.affectedRows = changed;
  } catch (e) {
    // an expression the evaluator does not read: the statement still ran its locks, rows unchanged
    if (!(e instanceof ExprError)) throw e;
  }
}

const truthy = (v: Value): boolean => v !== null && Number(v) !== 0;

function evalLiteral(v: string, env: ReturnType<typeof evalEnv>): string {
  if (/^-?\d+(\.\d+)?$/.test(v) || v.toUpperCase() === "NULL") return v.toUpperCase() === "NULL" ? "NULL" : v;
  try {
    const x = evaluate(ExprParser.of(v).parseExpr(), env);
    return x === null ? "NULL" : String(formatValue(x));
  } catch {
    return v;
  }
}

/** The row of def that has the same PRIMARY / UNIQUE key value as `row`, if any. */
function duplicate(def: TableDef, row: string[]): { row: string[]; key: string; value: string } | null {
  for (const k of def.keys ?? []) {
    const idx = k.columns.map((c) => def.columns.indexOf(c));
    if (idx.some((i) => i < 0)) continue;
    const val = idx.map((i) => row[i]!);
    if (val.some((v) => v === "NULL")) continue;
    const other = def.rows.find((r) => idx.every((i, j) => r[i] === val[j]));
    if (other) return { row: other, key: k.name, value: val.join("-") };
  }
  return null;
}
