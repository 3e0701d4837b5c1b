/**
 * The SQL front end: a recogniser for the statements the models understand. No general SQL
 * parser on npm covers MySQL's locking statements (LOCK TABLES, HANDLER, FLUSH ... WITH READ LOCK,
 * LOCK INSTANCE FOR BACKUP, SET DEBUG_SYNC), so statements are matched by their leading keywords
 * and the table names are pulled out; anything else is an error naming what is supported.
 */

import { parseDebugValue, type DebugChange } from "../debug-keywords.js";
import { sysvar } from "../sysvars.js";

export interface TableRef {
  db: string;
  name: string;
}

/** A FOREIGN KEY clause: the parent, its actions (none given = RESTRICT) and its constraint name, if any. */
export interface ForeignKeyClause extends TableRef {
  onDelete: string;
  onUpdate: string;
  constraint?: string;
}

export type Statement =
  | { kind: "begin"; consistentSnapshot: boolean }
  | { kind: "commit" }
  | { kind: "rollback" }
  | { kind: "select"; tables: TableRef[]; lock: "none" | "for_update" | "for_share"; infoSchema: boolean; sleepS: number; sql?: string; calls?: string[] }
  | { kind: "do_sleep"; sleepS: number }
  | { kind: "get_lock"; name: string; timeoutS: number }
  | { kind: "release_lock"; name: string }
  | {
      kind: "insert" | "update" | "delete";
      table: TableRef;
      lowPriority: boolean;
      rows: string[][];
      /** REPLACE, LOAD DATA: a write like INSERT */
      replace?: boolean;
      /** tables read by the statement (INSERT ... SELECT, multi-table UPDATE/DELETE, subqueries) */
      reads?: TableRef[];
      /** more tables written (multi-table UPDATE/DELETE) */
      targets?: TableRef[];
      /** functions called (stored functions are prelocked with their tables) */
      calls?: string[];
      sql?: string;
    }
  | { kind: "lock_tables"; items: { table: TableRef; mode: "READ" | "READ LOCAL" | "WRITE" | "LOW_PRIORITY WRITE" }[] }
  | { kind: "unlock_tables" }
  | { kind: "alter_table"; table: TableRef; algorithm: string; lock: string; renameTo: TableRef | null; addIndexColumns: string[]; addPrimaryKey: string[]; addsColumn: boolean; addForeignKeys: ForeignKeyClause[]; dropForeignKeys: string[]; dropColumns?: string[] }
  | { kind: "create_table"; table: TableRef; ifNotExists: boolean; columns: string[]; parents: ForeignKeyClause[]; temporary?: boolean; like?: TableRef | null; reads?: TableRef[]; engine?: string; keys?: { name: string; columns: string[]; autoIncrement?: boolean }[] }
  | { kind: "drop_table"; tables: TableRef[]; ifExists: boolean; temporary?: boolean }
  | { kind: "rename_table"; pairs: [TableRef, TableRef][] }
  | { kind: "truncate_table"; table: TableRef }
  | { kind: "handler"; table: TableRef; action: "open" | "close" | "read"; alias?: string }
  | { kind: "flush_tables"; tables: TableRef[]; withReadLock: boolean; local: boolean; forExport: boolean }
  | { kind: "flush_binary_logs" }
  | { kind: "lock_instance_for_backup" }
  | { kind: "unlock_instance" }
  | { kind: "set_var"; scope: "GLOBAL" | "SESSION"; name: string; value: string }
  | { kind: "set_debug_sync"; action: string }
  | { kind: "set_isolation"; level: string }
  | { kind: "show_master_status" }
  | { kind: "show_processlist" }
  | { kind: "kill"; query: boolean; target: string }
  // ---- objects other than tables: lock_schema_name() / lock_object_name()
  | { kind: "schema_ddl"; op: "create" | "drop" | "alter"; db: string; ifExists: boolean; ifNotExists: boolean }
  | { kind: "routine_ddl"; op: "create" | "drop" | "alter"; type: "FUNCTION" | "PROCEDURE" | "EVENT"; name: TableRef; params: string[]; body: string; ifExists: boolean }
  | { kind: "view_ddl"; op: "create" | "drop" | "alter"; views: TableRef[]; select: string; reads: TableRef[]; ifExists: boolean }
  | { kind: "trigger_ddl"; op: "create" | "drop"; trigger: TableRef; table: TableRef | null; event: string; body: string; ifExists: boolean }
  /** CREATE/DROP/RENAME/ALTER USER, GRANT, REVOKE, SET PASSWORD: writes to the grant tables */
  | { kind: "acl"; op: string; users: string[] }
  /** ANALYZE/CHECK/CHECKSUM/OPTIMIZE/REPAIR TABLE, CACHE INDEX, LOAD INDEX: mysql_admin_table() */
  | { kind: "admin"; op: "ANALYZE" | "CHECK" | "CHECKSUM" | "OPTIMIZE" | "REPAIR" | "CACHE INDEX" | "LOAD INDEX"; tables: TableRef[] }
  | { kind: "xa"; action: "start" | "end" | "prepare" | "commit" | "rollback" | "recover"; xid: string; onePhase: boolean }
  | { kind: "show"; what: "tables" | "create_table" | "create_routine" | "events" | "grants" | "fields" | "binlog_events" | "warnings" | "databases" | "variables" | "status" | "other"; table?: TableRef; db?: string; like?: string }
  | { kind: "call"; name: TableRef; calls: string[]; reads: TableRef[]; sql: string }
  | { kind: "do"; calls: string[]; reads: TableRef[]; sql: string }
  | { kind: "set_user_var"; sql: string; calls: string[]; reads: TableRef[] }
  | { kind: "use"; db: string }
  | { kind: "reset_master" }
  /** SET debug= '+d,keyword' (DBUG keywords some lock tests set) */
  | { kind: "set_debug"; scope: "GLOBAL" | "SESSION"; change: DebugChange | null; userVar?: string }
  /** SHOW BINLOG EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] count] (mysql_show_binlog_events) */
  | { kind: "show_binlog_events"; file: string | null; from: number; offset: number; limit: number | null }
  | { kind: "prepare"; name: string; text: string }
  | { kind: "execute"; name: string }
  /** statements that take no lock the models care about (PREPARE, DEALLOCATE, HELP, SIGNAL, SAVEPOINT, FLUSH PRIVILEGES ...) */
  | { kind: "other"; what: string; reads: TableRef[] };

export class SqlError extends Error {}

export const SUPPORTED_STATEMENTS = [
  "BEGIN / START TRANSACTION [WITH CONSISTENT SNAPSHOT]",
  "COMMIT",
  "ROLLBACK",
  "SELECT ... [FROM t] [FOR UPDATE | FOR SHARE | LOCK IN SHARE MODE] (EXPLAIN SELECT too)",
  "SELECT SLEEP(n) [FROM t]",
  "SELECT GET_LOCK('name', timeout) / RELEASE_LOCK('name')",
  "INSERT/REPLACE/UPDATE/DELETE [LOW_PRIORITY] ... (multi-table, ... SELECT), LOAD DATA INFILE",
  "LOCK TABLES t READ [LOCAL] | [LOW_PRIORITY] WRITE, ...",
  "UNLOCK TABLES",
  "ALTER TABLE t ... [, ALGORITHM=...] [, LOCK=...], CREATE/DROP INDEX",
  "CREATE [TEMPORARY] TABLE t (...) | LIKE t | SELECT ...",
  "DROP [TEMPORARY] TABLE [IF EXISTS] t, ...",
  "RENAME TABLE a TO b, ...",
  "TRUNCATE [TABLE] t",
  "HANDLER t OPEN [[AS] alias] | READ ... | CLOSE",
  "FLUSH [LOCAL|NO_WRITE_TO_BINLOG] TABLES [t, ...] [WITH READ LOCK | FOR EXPORT]",
  "FLUSH BINARY LOGS",
  "LOCK INSTANCE FOR BACKUP / UNLOCK INSTANCE",
  "CREATE/ALTER/DROP DATABASE",
  "CREATE/ALTER/DROP FUNCTION | PROCEDURE | EVENT, CALL p(...), DO expr",
  "CREATE/ALTER/DROP VIEW, CREATE/DROP TRIGGER",
  "CREATE/DROP/RENAME/ALTER USER, GRANT, REVOKE, SET PASSWORD",
  "ANALYZE/CHECK/CHECKSUM/OPTIMIZE/REPAIR TABLE, CACHE INDEX, LOAD INDEX INTO CACHE",
  "XA START/END/PREPARE/COMMIT/ROLLBACK/RECOVER",
  "SHOW TABLES / CREATE TABLE / FIELDS / DATABASES / WARNINGS ...",
  "PREPARE s FROM '...' / EXECUTE s / DEALLOCATE PREPARE s",
  "BINLOG '...'",
  "USE db",
  "SET [GLOBAL|SESSION] var = value, SET @var = expr",
  "SET DEBUG_SYNC = '...' | \"...\"",
  "SET [SESSION] TRANSACTION ISOLATION LEVEL ...",
  "SHOW MASTER STATUS / SHOW BINARY LOG STATUS",
  "RESET MASTER, SHOW BINLOG EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] n]",
  "SET [GLOBAL|SESSION] debug = '[+|-]d,keyword' (docs/binlog.md)",
  "SHOW PROCESSLIST",
  "KILL [QUERY | CONNECTION] id | @var",
];

const IDENT = "`?([A-Za-z0-9_$#@]+)`?";
const TABLE = `${IDENT}(?:\\s*\\.\\s*${IDENT})?`;

/** Recognises one statement; `defaultDb` qualifies bare table names. */
export function parseStatement(sql: string, defaultDb = "test"): Statement {
  // EXPLAIN SELECT opens and locks the tables as the SELECT does (the plan is not modelled)
  const text = stripComments(sql).trim().replace(/;\s*$/, "").replace(/^EXPLAIN\s+(?:EXTENDED\s+|PARTITIONS\s+|FORMAT\s*=\s*\w+\s+)?(?=SELECT\b)/i, "");
  const u = text.toUpperCase().replace(/\s+/g, " ");
  const table = (s: string): TableRef => parseTable(s, defaultDb);
  let m: RegExpExecArray | null;

  const early = parseObjects(text, u, defaultDb);
  if (early) return early;
  if (/^(BEGIN( WORK)?|START TRANSACTION( READ (ONLY|WRITE))?)$/.test(u)) return { kind: "begin", consistentSnapshot: false };
  if (/^START TRANSACTION WITH CONSISTENT SNAPSHOT/.test(u)) return { kind: "begin", consistentSnapshot: true };
  if (/^COMMIT( WORK)?$/.test(u)) return { kind: "commit" };
  if (/^ROLLBACK( WORK)?$/.test(u)) return { kind: "rollback" };

  if ((m = /^SELECT GET_LOCK\s*\(\s*'([^']*)'\s*,\s*(-?\d+(?:\.\d+)?)\s*\)\s*;?$/i.exec(text))) return { kind: "get_lock", name: m[1]!, timeoutS: Number(m[2]) };
  if ((m = /^SELECT RELEASE_LOCK\s*\(\s*'([^']*)'\s*\)\s*;?$/i.exec(text))) return { kind: "release_lock", name: m[1]! };
  if ((m = /^DO SLEEP\s*\(\s*(\d+(?:\.\d+)?)\s*\)$/i.exec(text))) return { kind: "do_sleep", sleepS: Number(m[1]) };
  if (u.startsWith("SELECT ")) {
    // lock clauses and SLEEP() outside string literals (a processlist query names other statements)
    const code = stripStrings(text);
    const uc = code.toUpperCase().replace(/\s+/g, " ");
    const sleep = /SLEEP\s*\(\s*(\d+(?:\.\d+)?)\s*\)/i.exec(code);
    const tables = fromTables(text, defaultDb);
    const infoSchema = tables.some((t) => t.db.toLowerCase() === "information_schema");
    const lock = /FOR UPDATE/.test(uc) ? "for_update" : / FOR SHARE| LOCK IN SHARE MODE/.test(uc) ? "for_share" : "none";
    const isTarget = infoSchema && /information_schema\s*\.\s*`?(tables|columns|statistics|views|triggers|routines|key_column_usage|table_constraints)\b/i.test(text);
    const own = tables.filter((t) => !SYSTEM_SCHEMAS.has(t.db.toLowerCase()));
    return { kind: "select", tables: isTarget ? own.concat(infoSchemaTarget(text, defaultDb)) : own, lock, infoSchema: isTarget, sleepS: sleep ? Number(sleep[1]) : 0, sql: text, calls: callsOf(text) };
  }
  if ((m = new RegExp(`^(INSERT|REPLACE)(?:\\s+(LOW_PRIORITY|DELAYED|HIGH_PRIORITY))?(?:\\s+IGNORE)?(?:\\s+INTO)?\\s+${TABLE}`, "i").exec(text))) {
    const target = table(joinTable(m[3], m[4]));
    const rest = text.slice(m[0].length);
    return { kind: "insert", table: target, lowPriority: /LOW_PRIORITY/i.test(m[2] ?? ""), rows: /\bSELECT\b/i.test(rest) ? [] : valuesOf(text), replace: /^REPLACE/i.test(m[1]!), reads: fromTables(rest, defaultDb).filter((t) => !sameRef(t, target)), calls: callsOf(rest), sql: text };
  }
  if ((m = new RegExp(`^LOAD\\s+DATA\\s+(?:LOW_PRIORITY\\s+|CONCURRENT\\s+)?(?:LOCAL\\s+)?INFILE\\s+'[^']*'\\s+(?:REPLACE\\s+|IGNORE\\s+)?INTO\\s+TABLE\\s+${TABLE}`, "i").exec(text))) {
    return { kind: "insert", table: table(joinTable(m[1], m[2])), lowPriority: false, rows: [], replace: false, reads: [], calls: [], sql: text };
  }
  if ((m = /^UPDATE(?:\s+(LOW_PRIORITY))?(?:\s+IGNORE)?\s+([\s\S]+?)\s+SET\s+([\s\S]*)$/i.exec(text))) {
    const list = splitTop(m[2]!).map((x) => table(x.trim().split(/\s+/)[0]!));
    const assigns = m[3]!;
    // multi-table UPDATE: the tables assigned to are written, the others read
    const written = list.length === 1 ? list : list.filter((t) => new RegExp(`(^|[\\s,])\`?${t.name}\`?\\s*\\.\\s*\\w+\\s*=`, "i").test(assigns.split(/\bWHERE\b/i)[0]!));
    const targets = written.length ? written : list.slice(0, 1);
    return { kind: "update", table: targets[0]!, lowPriority: !!m[1], rows: [], targets: targets.slice(1), reads: [...list.filter((t) => !targets.some((w) => sameRef(w, t))), ...fromTables(assigns, defaultDb)], calls: callsOf(assigns), sql: text };
  }
  if ((m = /^DELETE(?:\s+(LOW_PRIORITY))?(?:\s+QUICK)?(?:\s+IGNORE)?\s+(?!FROM\b|LOW_PRIORITY\b|QUICK\b|IGNORE\b)([\s\S]+?)\s+FROM\s+([\s\S]+?)(?:\s+WHERE\s+[\s\S]*)?$/i.exec(text))) {
    // DELETE t1 FROM t1, t2 WHERE ...: t1 written, the other FROM tables read
    const targets = splitTop(m[2]!).map((x) => table(x.trim()));
    const all = splitTop(m[3]!).map((x) => table(x.trim().split(/\s+/)[0]!));
    return { kind: "delete", table: targets[0]!, lowPriority: !!m[1], rows: [], targets: targets.slice(1), reads: all.filter((t) => !targets.some((w) => sameRef(w, t))), calls: callsOf(text), sql: text };
  }
  if ((m = new RegExp(`^DELETE(?:\\s+(LOW_PRIORITY))?(?:\\s+QUICK)?(?:\\s+IGNORE)?\\s+FROM\\s+${TABLE}`, "i").exec(text))) {
    const rest = text.slice(m[0].length);
    return { kind: "delete", table: table(joinTable(m[2], m[3])), lowPriority: !!m[1], rows: [], reads: fromTables(rest, defaultDb), calls: callsOf(rest), sql: text };
  }
  if ((m = /^LOCK TABLES? (.+)$/i.exec(text)) && !/^LOCK TABLES? FOR BACKUP/i.test(text)) {
    const items = m[1]!.split(",").map((part) => {
      const p = /^\s*(\S+)(?:\s+(?:AS\s+)?(?!READ|WRITE|LOW_PRIORITY)\S+)?\s+(READ LOCAL|READ|LOW_PRIORITY WRITE|WRITE)\s*$/i.exec(part);
      if (!p) throw new SqlError(`LOCK TABLES item "${part.trim()}": expected "<table> READ [LOCAL]" or "<table> [LOW_PRIORITY] WRITE"`);
      return { table: table(p[1]!), mode: p[2]!.toUpperCase().replace(/\s+/g, " ") as "READ" };
    });
    return { kind: "lock_tables", items };
  }
  if (/^UNLOCK TABLES?$/.test(u)) return { kind: "unlock_tables" };
  if (/^LOCK INSTANCE FOR BACKUP$/.test(u)) return { kind: "lock_instance_for_backup" };
  if (/^UNLOCK INSTANCE$/.test(u)) return { kind: "unlock_instance" };
  if ((m = new RegExp(`^ALTER(?:\\s+ONLINE)?\\s+TABLE\\s+${TABLE}(.*)$`, "is").exec(text))) {
    const rest = m[3] ?? "";
    const R = rest.toUpperCase();
    const rename = new RegExp(`RENAME\\s+(?:TO\\s+|AS\\s+)?${TABLE}`, "i").exec(rest);
    const addIndex = /ADD\s+(?:UNIQUE\s+)?(?:INDEX|KEY)\s*(?:`?\w+`?\s*)?\(([^)]*)\)/i.exec(rest);
    const addPk = /ADD\s+PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(rest);
    return {
      kind: "alter_table",
      table: table(joinTable(m[1], m[2])),
      algorithm: /ALGORITHM\s*=?\s*(\w+)/.exec(R)?.[1] ?? "DEFAULT",
      lock: /LOCK\s*=?\s*(\w+)/.exec(R)?.[1] ?? "DEFAULT",
      renameTo: rename ? table(joinTable(rename[1], rename[2])) : null,
      addIndexColumns: addIndex ? splitCols(addIndex[1]!) : [],
      addPrimaryKey: addPk ? splitCols(addPk[1]!) : [],
      addsColumn: /ADD\s+(COLUMN\s+)?(?!INDEX|KEY|PRIMARY|UNIQUE|FOREIGN|CONSTRAINT)\w+\s+\w+/i.test(rest),
      addForeignKeys: foreignKeysOf(rest, defaultDb),
      dropForeignKeys: [...rest.matchAll(/DROP\s+FOREIGN\s+KEY\s+`?(\w+)`?/gi)].map((d) => d[1]!),
    };
  }
  if ((m = new RegExp(`^CREATE\\s+(TEMPORARY\\s+)?TABLE\\s+(IF NOT EXISTS\\s+)?${TABLE}\\s*(\\(.*\\))?(.*)$`, "is").exec(text))) {
    const body = /^\(\s*SELECT\b/i.test(m[5] ?? "") ? "" : m[5] ?? "";
    const tail = body ? m[6] ?? "" : `${m[5] ?? ""}${m[6] ?? ""}`;
    const parents = foreignKeysOf(body, defaultDb);
    const like = new RegExp(`^\\s*\\(?\\s*LIKE\\s+${TABLE}`, "i").exec(tail);
    const select = /\bSELECT\b/i.test(tail);
    const columns = columnsOf(body);
    const keys = keysOf(body);
    if (select && !columns.length) columns.push(...selectColumns(tail));
    return {
      kind: "create_table",
      table: table(joinTable(m[3], m[4])),
      ifNotExists: !!m[2],
      columns,
      parents,
      temporary: !!m[1],
      like: like ? table(joinTable(like[1], like[2])) : null,
      reads: select ? fromTables(tail, defaultDb) : [],
      ...(/ENGINE\s*=\s*(\w+)/i.exec(tail) ? { engine: /ENGINE\s*=\s*(\w+)/i.exec(tail)![1]! } : {}),
      keys,
    };
  }
  if ((m = /^DROP\s+(TEMPORARY\s+)?TABLES?\s+(IF EXISTS\s+)?(.+?)(?:\s+(?:RESTRICT|CASCADE))?$/is.exec(text))) {
    return { kind: "drop_table", tables: m[3]!.split(",").map((s) => table(s.trim())), ifExists: !!m[2], temporary: !!m[1] };
  }
  if ((m = /^RENAME\s+TABLES?\s+(.+)$/is.exec(text))) {
    const pairs = m[1]!.split(",").map((p) => {
      const q = /^\s*(\S+)\s+TO\s+(\S+)\s*$/i.exec(p);
      if (!q) throw new SqlError(`RENAME TABLE item "${p.trim()}": expected "<old> TO <new>"`);
      return [table(q[1]!), table(q[2]!)] as [TableRef, TableRef];
    });
    return { kind: "rename_table", pairs };
  }
  if ((m = /^TRUNCATE\s+(?:TABLE\s+)?(\S+)$/i.exec(text))) return { kind: "truncate_table", table: table(m[1]!) };
  if ((m = /^HANDLER\s+(\S+)\s+(OPEN|CLOSE|READ)\b(?:\s+(?:AS\s+)?`?(\w+)`?\s*$)?/i.exec(text))) {
    // HANDLER t1 OPEN [AS] t: later HANDLER t READ/CLOSE name the alias
    const action = m[2]!.toLowerCase() as "open";
    return { kind: "handler", table: table(m[1]!), action, ...(action === "open" && m[3] ? { alias: m[3] } : {}) };
  }
  if (/^FLUSH (NO_WRITE_TO_BINLOG |LOCAL )?(BINARY )?LOGS$/.test(u) && /BINARY/.test(u)) return { kind: "flush_binary_logs" };
  if ((m = /^FLUSH\s+(NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLES?(.*)$/is.exec(text))) {
    let rest = m[2]!.trim();
    const withReadLock = /WITH READ LOCK$/i.test(rest);
    const forExport = /FOR EXPORT$/i.test(rest);
    rest = rest.replace(/WITH READ LOCK$|FOR EXPORT$/i, "").trim();
    return { kind: "flush_tables", tables: rest ? rest.split(",").map((s) => table(s.trim())) : [], withReadLock, local: !!m[1], forExport };
  }
  if ((m = /^SET\s+(?:(GLOBAL|SESSION|LOCAL)\s+|@@(GLOBAL|SESSION|LOCAL)\.)?DEBUG\s*:?=\s*('[^']*'|"[^"]*"|@[\w$.]+)$/i.exec(text))) {
    const scope = (m[1] ?? m[2] ?? "SESSION").toUpperCase() === "GLOBAL" ? "GLOBAL" : "SESSION";
    if (m[3]!.startsWith("@")) return { kind: "set_debug", scope, change: null, userVar: m[3]!.slice(1).toLowerCase() };
    try {
      return { kind: "set_debug", scope, change: parseDebugValue(unquote(m[3]!)) };
    } catch (e) {
      throw new SqlError(`${(e as Error).message} (docs/binlog.md, "Binlog statements")`);
    }
  }
  if ((m = /^SHOW\s+(?:BINLOG|BINARY\s+LOG)\s+EVENTS(?:\s+IN\s+('[^']*'|"[^"]*"))?(?:\s+FROM\s+(\d+))?(?:\s+LIMIT\s+(\d+)(?:\s*,\s*(\d+))?)?$/i.exec(text))) {
    const offset = m[4] !== undefined ? Number(m[3]) : 0;
    const limit = m[4] !== undefined ? Number(m[4]) : m[3] !== undefined ? Number(m[3]) : null;
    return { kind: "show_binlog_events", file: m[1] ? unquote(m[1]) : null, from: m[2] ? Number(m[2]) : 4, offset, limit };
  }
  if ((m = /^SET\s+(?:SESSION\s+|LOCAL\s+|@@(?:SESSION\.|LOCAL\.)?)?DEBUG_SYNC\s*:?=\s*('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")$/i.exec(text))) return { kind: "set_debug_sync", action: unquote(m[1]!) };
  if ((m = /^SET\s+(?:(GLOBAL|SESSION)\s+)?TRANSACTION\s+ISOLATION\s+LEVEL\s+(.+)$/i.exec(text))) return { kind: "set_isolation", level: m[2]!.toUpperCase() };
  if ((m = /^SET\s+(?:(GLOBAL|SESSION|LOCAL|PERSIST)\s+|@@(GLOBAL|SESSION)\.)?(\w+)\s*=\s*(.+)$/i.exec(text))) {
    const scope = (m[1] ?? m[2] ?? "SESSION").toUpperCase() === "GLOBAL" || (m[1] ?? "").toUpperCase() === "PERSIST" ? "GLOBAL" : "SESSION";
    return { kind: "set_var", scope, name: m[3]!.toLowerCase(), value: m[4]!.trim().replace(/^'(.*)'$/, "$1") };
  }
  if (/^SHOW (MASTER|BINARY LOG) STATUS$/.test(u)) return { kind: "show_master_status" };
  if (/^SHOW (FULL )?PROCESSLIST$/.test(u)) return { kind: "show_processlist" };
  if ((m = /^KILL\s+(QUERY\s+|CONNECTION\s+)?(\S+|\([\s\S]*\))$/i.exec(text))) return { kind: "kill", query: /QUERY/i.test(m[1] ?? ""), target: m[2]! };
  throw new SqlError(`statement not in the modelled subset: "${oneLine(sql)}"; supported: ${SUPPORTED_STATEMENTS.join("; ")}`);
}

/** A short label for a statement: "con2 ALTER" matches statements whose text starts with ALTER. */
export function firstWords(sql: string, n = 1): string {
  return stripComments(sql).trim().split(/\s+/).slice(0, n).join(" ").toUpperCase();
}

export function oneLine(sql: string): string {
  return sql.replace(/\s+/g, " ").trim();
}

/** Drops comments outside quotes and backticks: block comments, -- and # to the end of the line. */
function stripComments(sql: string): string {
  if (!/\/\*|--|#/.test(sql)) return sql;
  return sql.replace(/('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`)|\/\*[\s\S]*?\*\/|(?:--(?=\s|$)|#)[^\n]*/g, (m, q: string | undefined) => q ?? " ");
}

/** A SQL string literal's value: '...' or "..." with doubled quotes and backslash escapes. */
export function unquote(lit: string): string {
  const q = lit[0];
  if ((q !== "'" && q !== '"') || lit[lit.length - 1] !== q) return lit;
  return lit.slice(1, -1).replace(q === "'" ? /''/g : /""/g, q).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", "0": "\0" })[c] ?? c);
}

function joinTable(a: string | undefined, b: string | undefined): string {
  return b ? `${a}.${b}` : a ?? "";
}

function parseTable(s: string, defaultDb: string): TableRef {
  const parts = s.replace(/`/g, "").trim().split(".");
  if (parts.length === 2 && parts[0] && parts[1]) return { db: parts[0], name: parts[1] };
  if (parts.length === 1 && parts[0] && /^[A-Za-z0-9_$#@]+$/.test(parts[0])) return { db: defaultDb, name: parts[0] };
  throw new SqlError(`"${s.trim()}" is not a table name`);
}

const KEYWORDS = new Set(["WHERE", "GROUP", "ORDER", "LIMIT", "FOR", "LOCK", "JOIN", "INNER", "LEFT", "RIGHT", "CROSS", "STRAIGHT_JOIN", "ON", "USING", "AS", "HAVING", "UNION", "NATURAL", "OUTER", "WINDOW", "INTO"]);

function fromTables(text: string, defaultDb: string): TableRef[] {
  // table names inside string literals ('... from t1') are not tables
  text = stripStrings(text);
  const out: TableRef[] = [];
  const re = new RegExp(`\\b(?:FROM|JOIN)\\s+${TABLE}`, "gi");
  for (const m of text.matchAll(re)) {
    const name = joinTable(m[1], m[2]);
    if (KEYWORDS.has(name.toUpperCase()) || name.toUpperCase() === "DUAL" || /^\(/.test(name)) continue;
    const t = parseTable(name, defaultDb);
    if (!out.some((o) => o.db === t.db && o.name === t.name)) out.push(t);
    // comma joins: FROM a, b
    const after = text.slice((m.index ?? 0) + m[0].length);
    const comma = /^\s*(?:(?:AS\s+)?\w+\s*)?((?:,\s*[\w.`]+(?:\s+(?:AS\s+)?\w+)?\s*)+)/i.exec(after);
    if (comma) for (const part of comma[1]!.split(",").slice(1)) {
      const nm = part.trim().split(/\s+/)[0];
      if (nm) out.push(parseTable(nm, defaultDb));
    }
  }
  return out;
}

/** The table an information_schema query looks at (WHERE table_name='t1'): it takes MDL SH on it. */
function infoSchemaTarget(text: string, defaultDb: string): TableRef[] {
  const name = /table_name\s*=\s*'([^']+)'/i.exec(text)?.[1];
  const db = /table_schema\s*=\s*'([^']+)'/i.exec(text)?.[1] ?? defaultDb;
  return name ? [{ db, name }] : [];
}

const FK_ACTION = "(RESTRICT|CASCADE|SET\\s+NULL|SET\\s+DEFAULT|NO\\s+ACTION)";

/** The FOREIGN KEY ... REFERENCES clauses of a CREATE TABLE body or an ALTER TABLE's clauses. */
function foreignKeysOf(text: string, defaultDb: string): ForeignKeyClause[] {
  const re = new RegExp(`(?:CONSTRAINT\\s+\`?(\\w+)\`?\\s+)?(?:FOREIGN\\s+KEY[^(]*\\([^)]*\\)\\s+)?REFERENCES\\s+${TABLE}\\s*(?:\\([^)]*\\))?((?:\\s+ON\\s+(?:DELETE|UPDATE)\\s+${FK_ACTION})*)`, "gi");
  return [...text.matchAll(re)].map((r) => {
    const actions = r[4] ?? "";
    const action = (on: string): string => new RegExp(`ON\\s+${on}\\s+${FK_ACTION}`, "i").exec(actions)?.[1]?.toUpperCase().replace(/\s+/g, " ") ?? "RESTRICT";
    return { ...parseTable(joinTable(r[2], r[3]), defaultDb), onDelete: action("DELETE"), onUpdate: action("UPDATE"), ...(r[1] ? { constraint: r[1] } : {}) };
  });
}

function splitCols(s: string): string[] {
  return s.split(",").map((c) => c.trim().replace(/`/g, "").replace(/\(.*$/, "").toLowerCase()).filter(Boolean);
}

function columnsOf(body: string): string[] {
  const inner = body.replace(/^\(/, "").replace(/\)[^)]*$/, "");
  const cols: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of inner) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      cols.push(cur);
      cur = "";
    } else cur += ch;
  }
  cols.push(cur);
  return cols
    .map((c) => c.trim())
    .filter((c) => c && !/^(PRIMARY|KEY|INDEX|UNIQUE|FOREIGN|CONSTRAINT|CHECK|FULLTEXT|SPATIAL)\b/i.test(c))
    .map((c) => c.split(/\s+/)[0]!.replace(/`/g, "").toLowerCase());
}

function valuesOf(text: string): string[][] {
  const m = /\bVALUES?\s*(.+)$/is.exec(text);
  if (!m) return [];
  return [...m[1]!.matchAll(/\(([^()]*)\)/g)].map((r) => r[1]!.split(",").map((v) => v.trim().replace(/^'(.*)'$/, "$1")));
}

const UNMODELLED_SETTINGS = /^(sql_mode|read_only|super_read_only|sql_log_bin|foreign_key_checks|unique_checks|sql_notes|sql_warnings|optimizer_switch|storage_engine|big_tables|sql_select_limit|timestamp|sql_auto_is_null|max_join_size|sql_big_selects|sql_safe_updates|session_track\w*|optimizer_search_depth|sql_log_off|sql_buffer_result|profiling|max_execution_time|low_priority_updates|general_log|slow_query_log|log_output|innodb_table_locks|innodb_strict_mode|innodb_stats_\w+|query_cache_type|character_set_\w+|collation_\w+|time_zone|net_\w+|wait_timeout|interactive_timeout|max_allowed_packet|sort_buffer_size|join_buffer_size|tmp_table_size|max_heap_table_size|div_precision_increment|old_alter_table|keep_files_on_create|lc_messages|group_concat_max_len|show_compatibility_56|transaction_isolation|tx_isolation|transaction_read_only|tx_read_only|completion_type|sql_quote_show_create|explicit_defaults_for_timestamp|eq_range_index_dive_limit|range_optimizer_max_mem_size|optimizer_trace\w*)$/i;

const SYSTEM_SCHEMAS = new Set(["information_schema", "performance_schema"]);

const sameRef = (a: TableRef, b: TableRef): boolean => a.db.toLowerCase() === b.db.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase();

/** Splits a list on top-level commas (not inside parentheses or quotes). */
export function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q: string | null = null;
  let cur = "";
  for (const ch of s) {
    if (q) {
      if (ch === q) q = null;
    } else if (ch === "'" || ch === '"' || ch === "`") q = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/** Functions MySQL provides (anything else called in a statement may be a stored function). */
const BUILTIN_FUNCTIONS = new Set(
  "COUNT SUM MIN MAX AVG SLEEP GET_LOCK RELEASE_LOCK IS_FREE_LOCK IS_USED_LOCK CONNECTION_ID CONCAT IF IFNULL COALESCE NULLIF UPPER LOWER UCASE LCASE LENGTH ABS ACOS ASIN ATAN COS SIN TAN SQRT POW POWER FLOOR CEIL CEILING ROUND NOW CURDATE CURTIME SYSDATE DATABASE SCHEMA USER CURRENT_USER VERSION FOUND_ROWS ROW_COUNT LAST_INSERT_ID ISNULL VALUES SUBSTRING SUBSTR LEFT RIGHT TRIM REPLACE CAST CONVERT MD5 SHA1 RAND UUID BENCHMARK CHAR_LENGTH IN EXISTS INTERVAL DATE MOD DIV AND OR NOT INTO FROM WHERE SELECT VALUE".split(" "),
);

/** Names called as functions in a statement that are not MySQL built-ins (possible stored functions). */
function callsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of stripStrings(text).matchAll(/\b([A-Za-z_][A-Za-z0-9_$]*)\s*\(/g)) {
    const n = m[1]!;
    if (BUILTIN_FUNCTIONS.has(n.toUpperCase()) || out.includes(n.toLowerCase())) continue;
    out.push(n.toLowerCase());
  }
  return out;
}

function stripStrings(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, "''");
}

/** PRIMARY KEY / UNIQUE / column-level PRIMARY KEY of a CREATE TABLE body. */
function keysOf(body: string): { name: string; columns: string[]; autoIncrement?: boolean }[] {
  const inner = body.replace(/^\s*\(/, "").replace(/\)\s*$/, "");
  const out: { name: string; columns: string[]; autoIncrement?: boolean }[] = [];
  for (const part of splitTop(inner)) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^PRIMARY\s+KEY\s*(?:\w+\s*)?\(([^)]*)\)/i.exec(p))) out.push({ name: "PRIMARY", columns: splitCols(m[1]!) });
    else if ((m = /^UNIQUE(?:\s+(?:KEY|INDEX))?\s*`?(\w+)?`?\s*\(([^)]*)\)/i.exec(p))) out.push({ name: m[1] ?? splitCols(m[2]!)[0]!, columns: splitCols(m[2]!) });
    else if ((m = /^`?(\w+)`?\s+\w+.*\bPRIMARY\s+KEY\b/i.exec(p))) out.push({ name: "PRIMARY", columns: [m[1]!.toLowerCase()], ...(/\bAUTO_INCREMENT\b/i.test(p) ? { autoIncrement: true } : {}) });
    else if ((m = /^`?(\w+)`?\s+\w+.*\bUNIQUE\b/i.exec(p))) out.push({ name: m[1]!.toLowerCase(), columns: [m[1]!.toLowerCase()] });
  }
  return out;
}

/** The column names a CREATE ... SELECT gets: the aliases of the select list. */
function selectColumns(tail: string): string[] {
  const m = /\bSELECT\s+([\s\S]*?)(?:\s+FROM\b|$)/i.exec(tail);
  if (!m) return [];
  return splitTop(m[1]!).map((c) => (/\bAS\s+`?(\w+)`?\s*$/i.exec(c)?.[1] ?? c.trim()).toLowerCase());
}

/** Table references in a routine, trigger or view body: what it reads and writes. */
export function bodyTables(body: string, defaultDb: string): { db: string; name: string; write: boolean }[] {
  const out: { db: string; name: string; write: boolean }[] = [];
  const add = (name: string, write: boolean): void => {
    if (/^(NEW|OLD|DUAL|SELECT|SET|VALUES?)$/i.test(name)) return;
    let t: TableRef;
    try {
      t = parseTable(name, defaultDb);
    } catch {
      return;
    }
    if (SYSTEM_SCHEMAS.has(t.db.toLowerCase())) return;
    const o = out.find((x) => sameRef(x, t));
    if (o) o.write ||= write;
    else out.push({ ...t, write });
  };
  const text = stripStrings(body);
  for (const m of text.matchAll(/\b(?:INSERT|REPLACE)(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*(?:\s+INTO)?\s+([`\w.$]+)/gi)) add(m[1]!, true);
  for (const m of text.matchAll(/\bUPDATE(?:\s+(?:LOW_PRIORITY|IGNORE))*\s+([`\w.$]+)/gi)) add(m[1]!, true);
  for (const m of text.matchAll(/\bDELETE(?:\s+(?:LOW_PRIORITY|QUICK|IGNORE))*\s+FROM\s+([`\w.$]+)/gi)) add(m[1]!, true);
  for (const t of fromTables(text, defaultDb)) add(`${t.db}.${t.name}`, false);
  return out;
}

/**
 * Statements about objects other than a table's rows: databases, routines, views, triggers,
 * events, users, admin statements, XA, SHOW, CALL/DO/SET @var, USE, PREPARE ... (null: not one).
 */
function parseObjects(text: string, u: string, defaultDb: string): Statement | null {
  const table = (s: string): TableRef => parseTable(s, defaultDb);
  let m: RegExpExecArray | null;
  if ((m = /^(CREATE|DROP|ALTER)\s+(?:DATABASE|SCHEMA)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?`?([^`\s]+)`?/i.exec(text))) {
    const op = m[1]!.toLowerCase() as "create";
    const exists = m[2] ?? "";
    return { kind: "schema_ddl", op, db: m[3]!, ifExists: /IF EXISTS/i.test(exists), ifNotExists: /NOT/i.test(exists) };
  }
  if ((m = /^(CREATE|DROP|ALTER)\s+(?:DEFINER\s*=\s*\S+\s+)?(FUNCTION|PROCEDURE|EVENT)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?([`\w.$]+)\s*([\s\S]*)$/i.exec(text))) {
    const op = m[1]!.toLowerCase() as "create";
    const rest = m[5] ?? "";
    const params = op === "create" && m[2]!.toUpperCase() !== "EVENT" ? paramsOf(rest) : [];
    const body = op === "create" ? bodyOf(m[2]!.toUpperCase(), rest) : "";
    return { kind: "routine_ddl", op, type: m[2]!.toUpperCase() as "FUNCTION", name: table(m[4]!), params, body, ifExists: /IF EXISTS/i.test(m[3] ?? "") };
  }
  if ((m = /^(CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?VIEW\s+([`\w.$]+)(?:\s*\([^)]*\))?\s+AS\s+([\s\S]+)$/i.exec(text))) {
    const select = m[3]!;
    return { kind: "view_ddl", op: m[1]!.toLowerCase() as "create", views: [table(m[2]!)], select, reads: fromTables(select, defaultDb).filter((t) => !SYSTEM_SCHEMAS.has(t.db.toLowerCase())), ifExists: false };
  }
  if ((m = /^DROP\s+VIEW\s+(IF\s+EXISTS\s+)?(.+)$/i.exec(text))) return { kind: "view_ddl", op: "drop", views: splitTop(m[2]!).map((x) => table(x.trim())), select: "", reads: [], ifExists: !!m[1] };
  if ((m = /^CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?TRIGGER\s+([`\w.$]+)\s+(BEFORE|AFTER)\s+(INSERT|UPDATE|DELETE)\s+ON\s+([`\w.$]+)\s+FOR\s+EACH\s+ROW\s+([\s\S]*)$/i.exec(text))) {
    return { kind: "trigger_ddl", op: "create", trigger: table(m[1]!), table: table(m[4]!), event: `${m[2]!.toUpperCase()} ${m[3]!.toUpperCase()}`, body: m[5]!, ifExists: false };
  }
  if ((m = /^DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?([`\w.$]+)$/i.exec(text))) return { kind: "trigger_ddl", op: "drop", trigger: table(m[2]!), table: null, event: "", body: "", ifExists: !!m[1] };
  if ((m = /^CREATE\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+`?(\w+)`?\s+ON\s+([`\w.$]+)\s*\(([^)]*)\)/i.exec(text))) {
    return { kind: "alter_table", table: table(m[3]!), algorithm: /ALGORITHM\s*=?\s*(\w+)/i.exec(text)?.[1]?.toUpperCase() ?? "DEFAULT", lock: /LOCK\s*=?\s*(\w+)/i.exec(text)?.[1]?.toUpperCase() ?? "DEFAULT", renameTo: null, addIndexColumns: splitCols(m[4]!), addPrimaryKey: [], addsColumn: false, addForeignKeys: [], dropForeignKeys: [] };
  }
  if ((m = /^DROP\s+INDEX\s+`?(\w+)`?\s+ON\s+([`\w.$]+)/i.exec(text))) {
    return { kind: "alter_table", table: table(m[2]!), algorithm: "DEFAULT", lock: "DEFAULT", renameTo: null, addIndexColumns: [], addPrimaryKey: [], addsColumn: false, addForeignKeys: [], dropForeignKeys: [] };
  }
  if ((m = /^(CREATE|DROP|RENAME|ALTER)\s+USER\s+(.+)$/i.exec(text)) || (m = /^(GRANT|REVOKE)\s+(.+)$/i.exec(text)) || (m = /^(SET\s+PASSWORD)\b(.*)$/i.exec(text))) {
    const users = [...(m[2] ?? "").matchAll(/'([^']*)'(?:@'[^']*')?|\b(mysqltest\w*)\b/g)].map((x) => (x[1] ?? x[2]!).toLowerCase());
    return { kind: "acl", op: m[1]!.toUpperCase().replace(/\s+/g, " "), users };
  }
  if ((m = /^(ANALYZE|CHECK|CHECKSUM|OPTIMIZE|REPAIR)\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLES?\s+(.+?)(?:\s+(?:QUICK|FAST|MEDIUM|EXTENDED|CHANGED|FOR\s+UPGRADE|USE_FRM))*$/i.exec(text))) {
    return { kind: "admin", op: m[1]!.toUpperCase() as "ANALYZE", tables: splitTop(m[2]!).map((x) => table(x.trim())) };
  }
  if ((m = /^CACHE\s+INDEX\s+(.+?)\s+IN\s+\S+$/i.exec(text))) return { kind: "admin", op: "CACHE INDEX", tables: splitTop(m[1]!).map((x) => table(x.trim().split(/\s+/)[0]!)) };
  if ((m = /^LOAD\s+INDEX\s+INTO\s+CACHE\s+(.+)$/i.exec(text))) return { kind: "admin", op: "LOAD INDEX", tables: splitTop(m[1]!).map((x) => table(x.trim().split(/\s+/)[0]!)) };
  if ((m = /^XA\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK|RECOVER)\b\s*('[^']*'|"[^"]*"|\w+)?(.*)$/i.exec(text))) {
    const a = m[1]!.toLowerCase();
    return { kind: "xa", action: (a === "begin" ? "start" : a) as "start", xid: m[2] ? unquote(m[2]) : "", onePhase: /ONE\s+PHASE/i.test(m[3] ?? "") };
  }
  if ((m = /^SHOW\s+(FULL\s+)?TABLES(?:\s+(?:FROM|IN)\s+`?(\w+)`?)?(?:\s+LIKE\s+'([^']*)')?/i.exec(text))) return { kind: "show", what: "tables", ...(m[2] ? { db: m[2] } : {}), ...(m[3] ? { like: m[3] } : {}) };
  if ((m = /^SHOW\s+CREATE\s+TABLE\s+([`\w.$]+)$/i.exec(text))) return { kind: "show", what: "create_table", table: table(m[1]!) };
  if ((m = /^SHOW\s+CREATE\s+(FUNCTION|PROCEDURE|EVENT|VIEW|TRIGGER)\s+([`\w.$]+)$/i.exec(text))) return { kind: "show", what: "create_routine", table: table(m[2]!) };
  if ((m = /^(?:SHOW\s+(?:FULL\s+)?(?:FIELDS|COLUMNS)\s+(?:FROM|IN)|DESCRIBE|DESC|EXPLAIN)\s+([`\w.$]+)$/i.exec(text))) return { kind: "show", what: "fields", table: table(m[1]!) };
  if (/^SHOW\s+EVENTS\b/i.test(text)) return { kind: "show", what: "events" };
  if (/^SHOW\s+GRANTS\b/i.test(text)) return { kind: "show", what: "grants" };
  if (/^SHOW\s+(WARNINGS|ERRORS)\b/i.test(text)) return { kind: "show", what: "warnings" };
  if (/^SHOW\s+(DATABASES|SCHEMAS)\b/i.test(text)) return { kind: "show", what: "databases" };
  if (/^SHOW\s+(GLOBAL\s+|SESSION\s+)?VARIABLES\b/i.test(text)) return { kind: "show", what: "variables", ...(/LIKE\s+'([^']*)'/i.exec(text) ? { like: /LIKE\s+'([^']*)'/i.exec(text)![1]! } : {}) };
  if (/^SHOW\s+(GLOBAL\s+|SESSION\s+)?STATUS\b/i.test(text)) return { kind: "show", what: "status" };
  // mysql-test-run creates mtr.add_suppression() (a row in mtr.test_suppressions): no lock a test looks at
  if (/^CALL\s+mtr\s*\.\s*add_suppression\s*\(/i.test(text)) return { kind: "other", what: "CALL mtr.add_suppression", reads: [] };
  if ((m = /^CALL\s+([`\w.$]+)\s*(\(([\s\S]*)\))?$/i.exec(text))) return { kind: "call", name: table(m[1]!), calls: callsOf(m[3] ?? ""), reads: fromTables(m[3] ?? "", defaultDb), sql: text };
  if ((m = /^DO\s+([\s\S]+)$/i.exec(text)) && !/^DO SLEEP\s*\(\s*\d+(\.\d+)?\s*\)$/i.test(text)) return { kind: "do", calls: callsOf(m[1]!), reads: fromTables(m[1]!, defaultDb), sql: text };
  if ((m = /^SET\s+@(?!@)([\s\S]+)$/i.exec(text))) return { kind: "set_user_var", sql: text, calls: callsOf(m[1]!), reads: fromTables(m[1]!, defaultDb) };
  if ((m = /^USE\s+`?(\w+)`?$/i.exec(text))) return { kind: "use", db: m[1]! };
  if (/^RESET\s+MASTER$/i.test(text)) return { kind: "reset_master" };
  if ((m = /^BINLOG\s+'([\s\S]*)'$/i.exec(text))) return binlogStatement(m[1]!, text);
  if ((m = /^PREPARE\s+`?(\w+)`?\s+FROM\s+('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")$/i.exec(text))) return { kind: "prepare", name: m[1]!.toLowerCase(), text: unquote(m[2]!) };
  if ((m = /^EXECUTE\s+`?(\w+)`?(?:\s+USING\b.*)?$/i.exec(text))) return { kind: "execute", name: m[1]!.toLowerCase() };
  if ((m = /^(PREPARE|DEALLOCATE\s+PREPARE|DROP\s+PREPARE|EXECUTE|HELP|SIGNAL|RESIGNAL|SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+(?:WORK\s+)?TO|FLUSH\s+(?:PRIVILEGES|STATUS|HOSTS|USER_RESOURCES|QUERY\s+CACHE|LOGS|ERROR\s+LOGS|ENGINE\s+LOGS|GENERAL\s+LOGS|SLOW\s+LOGS|RELAY\s+LOGS|OPTIMIZER_COSTS|DES_KEY_FILE))\b/i.exec(text))) {
    if (/^FLUSH\s+(NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?BINARY\s+LOGS/i.test(text)) return null;
    return { kind: "other", what: m[1]!.toUpperCase().replace(/\s+/g, " "), reads: [] };
  }
  // session settings the models do not read (a modelled variable goes on to set_var below)
  const setName = /^SET\s+(?:GLOBAL\s+|SESSION\s+|LOCAL\s+|@@(?:GLOBAL|SESSION|LOCAL)\.)?(\w+)\s*=/i.exec(text)?.[1];
  if (/^SET\s+NAMES\b|^SET\s+CHARACTER\s+SET\b/i.test(text) || (setName && !sysvar(setName) && UNMODELLED_SETTINGS.test(setName))) {
    return { kind: "other", what: "SET", reads: [] };
  }
  void u;
  return null;
}

/** A routine's parameter names: (tid INT, OUT x INT) -> [tid, x]. */
function paramsOf(rest: string): string[] {
  const m = /^\(([^)]*)\)/.exec(rest.trim());
  if (!m) return [];
  return splitTop(m[1]!)
    .map((p) => p.trim().replace(/^(IN|OUT|INOUT)\s+/i, "").split(/\s+/)[0]!.replace(/`/g, ""))
    .filter(Boolean);
}

/** The body of CREATE FUNCTION/PROCEDURE/EVENT: after the parameters, RETURNS and characteristics (or DO). */
function bodyOf(type: string, rest: string): string {
  if (type === "EVENT") return /\bDO\s+([\s\S]*)$/i.exec(rest)?.[1] ?? "";
  let r = rest.trim().replace(/^\([^)]*\)\s*/, "");
  r = r.replace(/^RETURNS\s+\w+(\s*\([^)]*\))?(\s+(CHARSET|CHARACTER\s+SET)\s+\w+)?\s*/i, "");
  for (;;) {
    const c = /^(LANGUAGE\s+SQL|(NOT\s+)?DETERMINISTIC|CONTAINS\s+SQL|NO\s+SQL|READS\s+SQL\s+DATA|MODIFIES\s+SQL\s+DATA|SQL\s+SECURITY\s+\w+|COMMENT\s+'[^']*')\s*/i.exec(r);
    if (!c) break;
    r = r.slice(c[0].length);
  }
  return r;
}

/**
 * BINLOG 'base64': the events mysqlbinlog prints, applied as the replica applier would. Only what
 * locks depend on is read: a Table_map event names the table, a Write/Update/Delete_rows event
 * makes the statement a write of it (an INSERT/UPDATE/DELETE for the locks); a Format_description
 * event alone changes nothing.
 */
function binlogStatement(b64: string, text: string): Statement {
  // mysqlbinlog prints each event's base64 on its own lines, each padded: decode them one by one
  const buf = Buffer.concat(b64.trim().split(/\s+/).map((chunk) => Buffer.from(chunk, "base64")));
  let table: TableRef | null = null;
  let kind: "insert" | "update" | "delete" | null = null;
  for (let at = 0; at + 19 <= buf.length; ) {
    const type = buf[at + 4]!;
    const size = buf.readUInt32LE(at + 9);
    if (size < 19 || at + size > buf.length) break;
    const body = at + 19;
    if (type === 19) {
      // TABLE_MAP_EVENT: table_id (6), flags (2), db length, db, NUL, table length, table, NUL
      const dbLen = buf[body + 8]!;
      const db = buf.toString("latin1", body + 9, body + 9 + dbLen);
      const tLen = buf[body + 9 + dbLen + 1]!;
      const name = buf.toString("latin1", body + 9 + dbLen + 2, body + 9 + dbLen + 2 + tLen);
      table = { db, name };
    } else if (type === 23 || type === 30) kind = "insert";
    else if (type === 24 || type === 31) kind = "update";
    else if (type === 25 || type === 32) kind = "delete";
    at += size;
  }
  if (table && kind) return { kind, table, lowPriority: false, rows: [], reads: [], calls: [], sql: text };
  return { kind: "other", what: "BINLOG", reads: [] };
}
