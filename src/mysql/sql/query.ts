import { sysVarValue } from "./session-vars.js";
import { mysqlError, MysqlError } from "../errors.js";
import type { Server, TableDef } from "../server.js";
import type { Thd } from "../thd.js";
import { evaluate, type EvalEnv, ExprError, ExprParser, formatValue, runSelect, UnknownColumn, type Value } from "./expr.js";
import { resultSet, type ResultSet } from "./result.js";

/**
 * The values a SELECT shows: information_schema.processlist / tables / columns,
 * performance_schema.metadata_locks, the rows of base and temporary tables, user and system
 * variables, CONNECTION_ID() and stored functions' RETURN values. Rows are what INSERT, DELETE
 * and UPDATE left (enough for row counts and duplicate keys); the locks were taken before this
 * runs, by the locking model, from the statement's tables.
 */

/** A user variable's value (thd.userVars keeps text, as the client sees it; numbers compare as numbers). */
export function userVar(thd: Thd, name: string): Value {
  const v = thd.userVars.get(name);
  if (v === undefined || v === null) return null;
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/** The session's temporary tables (CREATE TEMPORARY TABLE), by db.name lower case. */
export function tempTables(thd: Thd): Map<string, TableDef> {
  return ((thd.ext.tempTables as Map<string, TableDef> | undefined) ??= new Map());
}

/** A table as this session sees it: its temporary table of that name first, else the base table. */
export function sessionTable(server: Server, thd: Thd, db: string, name: string): TableDef | undefined {
  return tempTables(thd).get(`${db}.${name}`.toLowerCase()) ?? server.table(db, name);
}

export function isTemporary(thd: Thd, db: string, name: string): boolean {
  return tempTables(thd).has(`${db}.${name}`.toLowerCase());
}

const IS_TABLES: Record<string, (server: Server, thd: Thd, now: number) => { columns: string[]; rows: Value[][] }> = {
  processlist: (server, _thd, now) => ({
    columns: ["ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"],
    rows: server.processlist(now).map((r) => [r.ID, r.USER, r.HOST, r.DB, r.COMMAND, r.TIME, r.STATE, r.INFO]),
  }),
  tables: (server) => ({
    columns: ["table_catalog", "table_schema", "table_name", "table_type", "engine", "auto_increment", "table_comment"],
    rows: [
      ...[...server.tables.values()].map((t) => ["def", t.db, t.name, "BASE TABLE", t.engine ?? "InnoDB", null, ""] as Value[]),
      ...[...server.views.values()].map((v) => ["def", v.db, v.name, "VIEW", null, null, "VIEW"] as Value[]),
    ],
  }),
  columns: (server) => ({
    columns: ["table_catalog", "table_schema", "table_name", "column_name", "ordinal_position"],
    rows: [...server.tables.values()].flatMap((t) => t.columns.map((c, i) => ["def", t.db, t.name, c, i + 1] as Value[])),
  }),
  // foreign keys of the catalog (no other key is modelled)
  key_column_usage: (server) => ({
    columns: ["constraint_schema", "constraint_name", "table_schema", "table_name", "column_name", "referenced_table_schema", "referenced_table_name"],
    rows: [...server.tables.values()].flatMap((t) => t.parents.map((p, i) => [t.db, p.constraint ?? `${t.name}_ibfk_${i + 1}`, t.db, t.name, null, p.db, p.name] as Value[])),
  }),
  schemata: (server) => ({ columns: ["catalog_name", "schema_name"], rows: [...server.databases].map((d) => ["def", d]) }),
};

/** A function the caller computes first (the user-level lock functions); undefined: not its. */
export type CallHook = (name: string, args: Value[]) => Value | undefined;

/** An environment for evaluating this session's expressions. */
export function evalEnv(server: Server, thd: Thd, now: number, hook?: CallHook): EvalEnv {
  const env: EvalEnv = {
    rows(db, name) {
      const d = (db ?? thd.db).toLowerCase();
      const n = name.toLowerCase();
      if (d === "information_schema") {
        const f = IS_TABLES[n];
        if (!f) throw mysqlError("ER_UNKNOWN_TABLE", name, "information_schema");
        return f(server, thd, now);
      }
      if (d === "performance_schema" && n === "metadata_locks") {
        const provider = server.ext.metadataLocks as (() => Record<string, unknown>[]) | undefined;
        const rows = provider ? provider() : [];
        const cols = ["object_type", "object_schema", "object_name", "lock_type", "lock_duration", "lock_status", "owner_thread_id"];
        return { columns: cols, rows: rows.map((r) => cols.map((c) => (r[c.toUpperCase()] ?? null) as Value)) };
      }
      const view = server.views.get(`${d}.${n}`);
      if (view) return evalView(view.select);
      const t = sessionTable(server, thd, db ?? thd.db, name);
      if (!t) throw mysqlError("ER_NO_SUCH_TABLE", `${db ?? thd.db}.${name}`);
      return { columns: t.columns, rows: t.rows.map((r) => t.columns.map((_, i) => cell(r[i]))) };
    },
    userVar: (name) => userVar(thd, name),
    setUserVar: (name, v) => void thd.userVars.set(name, formatValue(v)),
    sysVar: (scope, name) => sysVarValue(server, thd, scope, name),
    call(name, args) {
      const hooked = hook?.(name, args);
      if (hooked !== undefined) return hooked;
      switch (name) {
        case "CONNECTION_ID":
          return thd.id;
        case "SLEEP":
          return 0;
        case "DATABASE":
        case "SCHEMA":
          return thd.db;
        case "VERSION":
          return `${server.version}-debug-log`;
        case "USER":
        case "CURRENT_USER":
        case "SESSION_USER":
        case "SYSTEM_USER":
          return "root@localhost";
        // who holds a user-level lock (locking/user-locks.ts); free when no locking model is installed
        case "IS_FREE_LOCK": {
          const svc = server.ext.userLocks as { isUsed(v: Value): Value } | undefined;
          if (!svc) return 1;
          return args[0] === null || args[0] === undefined ? svc.isUsed(null) : svc.isUsed(args[0]) === null ? 1 : 0;
        }
        case "IS_USED_LOCK":
          return (server.ext.userLocks as { isUsed(v: Value): Value } | undefined)?.isUsed(args[0] ?? null) ?? null;
        case "FOUND_ROWS":
        case "ROW_COUNT":
          return thd.affectedRows;
      }
      const fn = server.routines.get(`function:${thd.db}.${name}`.toLowerCase());
      if (!fn) throw mysqlError("ER_SP_DOES_NOT_EXIST", "FUNCTION", `${thd.db}.${name.toLowerCase()}`);
      return callFunction(server, thd, fn, args, env);
    },
  };
  const evalView = (select: string): { columns: string[]; rows: Value[][] } => runSelect(ExprParser.of(select).parseSelect(), env);
  return env;
}

const cell = (v: string | undefined): Value => (v === undefined || v.toUpperCase() === "NULL" ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

/**
 * A stored function's value: its body's RETURN expression, with the parameters bound; KILL
 * statements in the body run through the server's kill hook (kill.test's MY_KILL). Other
 * statements of the body change nothing here: their tables were prelocked with the statement.
 */
function callFunction(server: Server, thd: Thd, fn: { params: string[]; body: string }, args: Value[], outer: EvalEnv): Value {
  const params = new Map(fn.params.map((p, i) => [p.toLowerCase(), args[i] ?? null]));
  const stmts = splitBody(fn.body);
  for (const s of stmts) {
    const kill = /^KILL\s+(QUERY\s+|CONNECTION\s+)?(.+)$/is.exec(s);
    if (kill) {
      const target = evaluate(ExprParser.of(kill[2]!).parseExpr(), outer, params);
      try {
        server.kill?.(thd, String(target), !!kill[1] && /QUERY/i.test(kill[1]));
      } catch (e) {
        // DECLARE CONTINUE HANDLER FOR SQLEXCEPTION: the error is swallowed
        if (!(e instanceof MysqlError)) throw e;
      }
      continue;
    }
    const ret = /^RETURN\s+(.+)$/is.exec(s);
    if (ret) return evaluate(ExprParser.of(ret[1]!).parseExpr(), outer, params);
  }
  return null;
}

/** The statements of a routine body: BEGIN ... END's statements, or the single statement. */
export function splitBody(body: string): string[] {
  let b = body.trim().replace(/;\s*$/, "");
  const m = /^BEGIN\b([\s\S]*)\bEND$/i.exec(b);
  if (m) b = m[1]!;
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const part of b.split(/(;|\bBEGIN\b|\bEND\b)/i)) {
    if (/^BEGIN$/i.test(part)) depth++;
    if (/^END$/i.test(part)) depth--;
    if (part === ";" && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += part;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * The result set of a SELECT (or DO, when `discard`): parsed by the expression evaluator. A
 * SELECT the evaluator cannot read gets no result set but still ran its locks.
 */
export function selectResult(server: Server, thd: Thd, sql: string, now: number, hook?: CallHook): ResultSet | null {
  let q;
  try {
    q = ExprParser.of(sql).parseSelect();
  } catch (e) {
    if (e instanceof ExprError) return null;
    throw e;
  }
  try {
    const r = runSelect(q, evalEnv(server, thd, now, hook));
    return resultSet(r.columns, r.rows.map((row) => row.map(formatValue)));
  } catch (e) {
    if (e instanceof UnknownColumn) throw mysqlError("ER_BAD_FIELD_ERROR", e.column, e.clause);
    if (e instanceof ExprError) return null;
    throw e;
  }
}

/** A SELECT's result set; ExprError (with the reason) when the evaluator cannot read it. */
export function selectValues(server: Server, thd: Thd, sql: string, now: number): ResultSet {
  try {
    const r = runSelect(ExprParser.of(sql).parseSelect(), evalEnv(server, thd, now));
    return resultSet(r.columns, r.rows.map((row) => row.map(formatValue)));
  } catch (e) {
    if (e instanceof UnknownColumn) throw mysqlError("ER_BAD_FIELD_ERROR", e.column, e.clause);
    throw e;
  }
}

/** Evaluates one expression in the session (SET @a= ..., KILL @id). */
export function evalExpr(server: Server, thd: Thd, text: string, now: number, hook?: CallHook): Value {
  return evaluate(ExprParser.of(text).parseExpr(), evalEnv(server, thd, now, hook));
}
