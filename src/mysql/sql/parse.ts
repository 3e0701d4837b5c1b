/**
 * The SQL front end: a recogniser for the statements the models understand. No general SQL
 * parser on npm covers MySQL's locking statements (LOCK TABLES, HANDLER, FLUSH ... WITH READ LOCK,
 * LOCK INSTANCE FOR BACKUP, SET DEBUG_SYNC), so statements are matched by their leading keywords
 * and the table names are pulled out; anything else is an error naming what is supported.
 */

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
  | { kind: "select"; tables: TableRef[]; lock: "none" | "for_update" | "for_share"; infoSchema: boolean; sleepS: number }
  | { kind: "do_sleep"; sleepS: number }
  | { kind: "get_lock"; name: string; timeoutS: number }
  | { kind: "release_lock"; name: string }
  | { kind: "insert" | "update" | "delete"; table: TableRef; lowPriority: boolean; rows: string[][] }
  | { kind: "lock_tables"; items: { table: TableRef; mode: "READ" | "READ LOCAL" | "WRITE" | "LOW_PRIORITY WRITE" }[] }
  | { kind: "unlock_tables" }
  | { kind: "alter_table"; table: TableRef; algorithm: string; lock: string; renameTo: TableRef | null; addIndexColumns: string[]; addPrimaryKey: string[]; addsColumn: boolean; addForeignKeys: ForeignKeyClause[]; dropForeignKeys: string[] }
  | { kind: "create_table"; table: TableRef; ifNotExists: boolean; columns: string[]; parents: ForeignKeyClause[] }
  | { kind: "drop_table"; tables: TableRef[]; ifExists: boolean }
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
  | { kind: "kill"; query: boolean; target: string };

export class SqlError extends Error {}

export const SUPPORTED_STATEMENTS = [
  "BEGIN / START TRANSACTION [WITH CONSISTENT SNAPSHOT]",
  "COMMIT",
  "ROLLBACK",
  "SELECT ... FROM t [FOR UPDATE | FOR SHARE | LOCK IN SHARE MODE]",
  "SELECT SLEEP(n) [FROM t]",
  "SELECT GET_LOCK('name', timeout) / RELEASE_LOCK('name')",
  "INSERT/UPDATE/DELETE [LOW_PRIORITY] ... t",
  "LOCK TABLES t READ [LOCAL] | [LOW_PRIORITY] WRITE, ...",
  "UNLOCK TABLES",
  "ALTER TABLE t ... [, ALGORITHM=...] [, LOCK=...]",
  "CREATE TABLE t (...)",
  "DROP TABLE [IF EXISTS] t, ...",
  "RENAME TABLE a TO b, ...",
  "TRUNCATE [TABLE] t",
  "HANDLER t OPEN [[AS] alias] | READ ... | CLOSE",
  "FLUSH [LOCAL|NO_WRITE_TO_BINLOG] TABLES [t, ...] [WITH READ LOCK | FOR EXPORT]",
  "FLUSH BINARY LOGS",
  "LOCK INSTANCE FOR BACKUP / UNLOCK INSTANCE",
  "SET [GLOBAL|SESSION] var = value",
  "SET DEBUG_SYNC = '...'",
  "SET [SESSION] TRANSACTION ISOLATION LEVEL ...",
  "SHOW MASTER STATUS / SHOW BINARY LOG STATUS",
  "SHOW PROCESSLIST",
  "KILL [QUERY | CONNECTION] id",
];

const IDENT = "`?([A-Za-z0-9_$#@]+)`?";
const TABLE = `${IDENT}(?:\\s*\\.\\s*${IDENT})?`;

/** Recognises one statement; `defaultDb` qualifies bare table names. */
export function parseStatement(sql: string, defaultDb = "test"): Statement {
  const text = stripComments(sql).trim().replace(/;\s*$/, "");
  const u = text.toUpperCase().replace(/\s+/g, " ");
  const table = (s: string): TableRef => parseTable(s, defaultDb);
  let m: RegExpExecArray | null;

  if (/^(BEGIN( WORK)?|START TRANSACTION( READ (ONLY|WRITE))?)$/.test(u)) return { kind: "begin", consistentSnapshot: false };
  if (/^START TRANSACTION WITH CONSISTENT SNAPSHOT/.test(u)) return { kind: "begin", consistentSnapshot: true };
  if (/^COMMIT( WORK)?$/.test(u)) return { kind: "commit" };
  if (/^ROLLBACK( WORK)?$/.test(u)) return { kind: "rollback" };

  if ((m = /^SELECT GET_LOCK\s*\(\s*'([^']*)'\s*,\s*(-?\d+(?:\.\d+)?)\s*\)/i.exec(text))) return { kind: "get_lock", name: m[1]!, timeoutS: Number(m[2]) };
  if ((m = /^SELECT RELEASE_LOCK\s*\(\s*'([^']*)'\s*\)/i.exec(text))) return { kind: "release_lock", name: m[1]! };
  if ((m = /^DO SLEEP\s*\(\s*(\d+(?:\.\d+)?)\s*\)$/i.exec(text))) return { kind: "do_sleep", sleepS: Number(m[1]) };
  if (u.startsWith("SELECT ")) {
    const sleep = /SLEEP\s*\(\s*(\d+(?:\.\d+)?)\s*\)/i.exec(text);
    const tables = fromTables(text, defaultDb);
    const infoSchema = tables.some((t) => t.db.toLowerCase() === "information_schema");
    const lock = /FOR UPDATE/.test(u) ? "for_update" : / FOR SHARE| LOCK IN SHARE MODE/.test(u) ? "for_share" : "none";
    return { kind: "select", tables: infoSchema ? tables.filter((t) => t.db.toLowerCase() !== "information_schema").concat(infoSchemaTarget(text, defaultDb)) : tables, lock, infoSchema, sleepS: sleep ? Number(sleep[1]) : 0 };
  }
  if ((m = new RegExp(`^INSERT(?:\\s+(LOW_PRIORITY|DELAYED|HIGH_PRIORITY))?(?:\\s+IGNORE)?(?:\\s+INTO)?\\s+${TABLE}`, "i").exec(text))) {
    return { kind: "insert", table: table(joinTable(m[2], m[3])), lowPriority: /LOW_PRIORITY/i.test(m[1] ?? ""), rows: valuesOf(text) };
  }
  if ((m = new RegExp(`^UPDATE(?:\\s+(LOW_PRIORITY))?(?:\\s+IGNORE)?\\s+${TABLE}`, "i").exec(text))) {
    return { kind: "update", table: table(joinTable(m[2], m[3])), lowPriority: !!m[1], rows: [] };
  }
  if ((m = new RegExp(`^DELETE(?:\\s+(LOW_PRIORITY))?(?:\\s+QUICK)?(?:\\s+IGNORE)?\\s+FROM\\s+${TABLE}`, "i").exec(text))) {
    return { kind: "delete", table: table(joinTable(m[2], m[3])), lowPriority: !!m[1], rows: [] };
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
  if ((m = new RegExp(`^CREATE\\s+(?:TEMPORARY\\s+)?TABLE\\s+(IF NOT EXISTS\\s+)?${TABLE}\\s*(\\(.*\\))?`, "is").exec(text))) {
    const body = m[4] ?? "";
    const parents = foreignKeysOf(body, defaultDb);
    return { kind: "create_table", table: table(joinTable(m[2], m[3])), ifNotExists: !!m[1], columns: columnsOf(body), parents };
  }
  if ((m = /^DROP\s+TABLES?\s+(IF EXISTS\s+)?(.+)$/is.exec(text))) {
    return { kind: "drop_table", tables: m[2]!.split(",").map((s) => table(s.trim())), ifExists: !!m[1] };
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
  if ((m = /^SET\s+(?:SESSION\s+)?DEBUG_SYNC\s*=\s*'([^']*)'$/i.exec(text))) return { kind: "set_debug_sync", action: m[1]! };
  if ((m = /^SET\s+(?:(GLOBAL|SESSION)\s+)?TRANSACTION\s+ISOLATION\s+LEVEL\s+(.+)$/i.exec(text))) return { kind: "set_isolation", level: m[2]!.toUpperCase() };
  if ((m = /^SET\s+(?:(GLOBAL|SESSION|LOCAL|PERSIST)\s+|@@(GLOBAL|SESSION)\.)?(\w+)\s*=\s*(.+)$/i.exec(text))) {
    const scope = (m[1] ?? m[2] ?? "SESSION").toUpperCase() === "GLOBAL" || (m[1] ?? "").toUpperCase() === "PERSIST" ? "GLOBAL" : "SESSION";
    return { kind: "set_var", scope, name: m[3]!.toLowerCase(), value: m[4]!.trim().replace(/^'(.*)'$/, "$1") };
  }
  if (/^SHOW (MASTER|BINARY LOG) STATUS$/.test(u)) return { kind: "show_master_status" };
  if (/^SHOW (FULL )?PROCESSLIST$/.test(u)) return { kind: "show_processlist" };
  if ((m = /^KILL\s+(QUERY\s+|CONNECTION\s+)?(\S+)$/i.exec(text))) return { kind: "kill", query: /QUERY/i.test(m[1] ?? ""), target: m[2]! };
  throw new SqlError(`statement not in the modelled subset: "${oneLine(sql)}"; supported: ${SUPPORTED_STATEMENTS.join("; ")}`);
}

/** A short label for a statement: "con2 ALTER" matches statements whose text starts with ALTER. */
export function firstWords(sql: string, n = 1): string {
  return stripComments(sql).trim().split(/\s+/).slice(0, n).join(" ").toUpperCase();
}

export function oneLine(sql: string): string {
  return sql.replace(/\s+/g, " ").trim();
}

function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(--|#)[^\n]*/g, " ");
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
