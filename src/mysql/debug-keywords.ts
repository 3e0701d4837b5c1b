/**
 * `SET [GLOBAL|SESSION] debug = '...'`: the DBUG keywords (DBUG_EXECUTE_IF / DBUG_EVALUATE_IF)
 * that lock and binlog tests switch on, as sys_var_dbug (sql/sys_vars.cc) and dbug.c have them:
 * `+d,kw1,kw2` adds keywords, `-d,kw` removes them, `d,kw` replaces the list, `''` (or `d`)
 * clears it. A session that never set its own list uses the global one (DBUG's init_settings, which
 * SET GLOBAL changes); SET SESSION starts the session's own list from what it sees then.
 *
 * Only the keywords in DEBUG_KEYWORDS are modelled; any other is a positioned error at parse
 * (a YAML scenario fails to load; mtr reports the statement as unsupported) rather than a
 * keyword silently accepted and ignored.
 */
import type { Server } from "./server.js";
import type { Thd } from "./thd.js";

export interface DebugKeywordDef {
  keyword: string;
  /** the MySQL 5.7.35 function (and file) with DBUG_EXECUTE_IF / DBUG_EVALUATE_IF("<keyword>") */
  mysql: string;
  /** what it does in the model */
  effect: string;
}

export const DEBUG_KEYWORDS: readonly DebugKeywordDef[] = [
  {
    keyword: "force_rotate",
    mysql: "binlog.cc MYSQL_BIN_LOG::ordered_commit() and MYSQL_BIN_LOG::rotate()",
    effect: "every commit group of the session rotates the binary log after its commit stage (LOCK_log, new_file_impl's wait for m_prep_xids = 0, LOCK_index)",
  },
  {
    keyword: "mysql_lock_tables_kill_query",
    mysql: "lock.cc mysql_lock_tables(), after thr_multi_lock()",
    effect: "the statement's kill flag is set once its table locks are taken: it ends with ER_QUERY_INTERRUPTED",
  },
];

const KNOWN = new Set(DEBUG_KEYWORDS.map((k) => k.keyword));

/** The keywords of a DBUG control string's `d` flag, and how they change the list. */
export interface DebugChange {
  op: "add" | "remove" | "set";
  keywords: string[];
}

/**
 * Parses a DBUG control string (only its `d` part: lock tests set nothing else). Throws an Error
 * naming the unmodelled keyword or flag; the SQL parser turns it into its positioned error.
 */
export function parseDebugValue(value: string): DebugChange {
  const v = value.trim();
  if (v === "") return { op: "set", keywords: [] };
  const m = /^([+-]?)d(?:,(.*))?$/.exec(v);
  if (!m) throw new Error(`debug control string '${value}': only [+|-]d,keyword[,keyword...] is modelled (no other DBUG flag)`);
  const keywords = (m[2] ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of keywords) if (!KNOWN.has(k)) throw new Error(`debug keyword '${k}' is not modelled; modelled: ${[...KNOWN].join(", ")}`);
  return { op: m[1] === "+" ? "add" : m[1] === "-" ? "remove" : "set", keywords };
}

function globalList(server: Server): string[] {
  return ((server.ext.debugKeywords as string[] | undefined) ??= []);
}

/** The list the session sees: its own once it set one, otherwise the global one. */
function sessionList(server: Server, thd: Thd): string[] {
  return (thd.ext.debugKeywords as string[] | undefined) ?? globalList(server);
}

function apply(list: string[], change: DebugChange): string[] {
  if (change.op === "set") return [...new Set(change.keywords)];
  if (change.op === "add") return [...new Set([...list, ...change.keywords])];
  return list.filter((k) => !change.keywords.includes(k));
}

/** SET [GLOBAL|SESSION] debug = value */
export function setDebug(server: Server, thd: Thd, scope: "GLOBAL" | "SESSION", change: DebugChange): void {
  if (scope === "GLOBAL") server.ext.debugKeywords = apply(globalList(server), change);
  else thd.ext.debugKeywords = apply(sessionList(server, thd), change);
}

/** @@debug as SELECT shows it: `d,kw1,kw2`, or '' with no keyword. */
export function debugValue(server: Server, thd: Thd, scope: "GLOBAL" | "SESSION"): string {
  const list = scope === "GLOBAL" ? globalList(server) : sessionList(server, thd);
  return list.length ? `d,${list.join(",")}` : "";
}

/** DBUG_EVALUATE_IF(keyword, 1, 0) on the session's thread. */
export function debugKeyword(server: Server, thd: Thd, keyword: string): boolean {
  return sessionList(server, thd).includes(keyword);
}
