/**
 * The values of system variables as a session reads them (@@name, @@session.name, @@global.name,
 * SHOW VARIABLES): the modelled ones from src/mysql/sysvars.ts, DEBUG_SYNC's and DBUG's own, and
 * the settings lock tests and mtr's includes read or set that no model uses (their values have no
 * lock effect; a SET of one is kept per session).
 */
import { debugValue } from "../debug-keywords.js";
import { mysqlError } from "../errors.js";
import type { Server } from "../server.js";
import { sysvar } from "../sysvars.js";
import type { Thd } from "../thd.js";
import type { Value } from "./expr.js";

/** Session variables mtr's includes read or set that no model uses. */
export const UNMODELLED_DEFAULTS: Readonly<Record<string, Value>> = {
  sql_mode: "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
  optimizer_search_depth: 62,
  storage_engine: "InnoDB",
  have_debug_sync: "YES",
  innodb_autoinc_lock_mode: 1,
  low_priority_updates: 0,
  max_connections: 151,
  big_tables: 0,
  general_log: 0,
  log_output: "FILE",
  sql_log_off: 0,
  datadir: "/var/lib/mysql/",
  slow_query_log: 0,
  query_cache_type: "OFF",
  old_alter_table: 0,
  character_set_client: "latin1",
  collation_connection: "latin1_swedish_ci",
  tx_isolation: "REPEATABLE-READ",
  transaction_isolation: "REPEATABLE-READ",
  innodb_strict_mode: 1,
};

/** Whether a session variable is one accepted without a model (SET sql_mode=... and the like). */
export function isUnmodelledVariable(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(UNMODELLED_DEFAULTS, name.toLowerCase());
}

/** The session's own values of unmodelled variables (SET sql_mode= ...). */
export function localVars(thd: Thd): Map<string, Value> {
  return ((thd.ext.localVars as Map<string, Value> | undefined) ??= new Map());
}

/** Every name SHOW VARIABLES lists. */
export function variableNames(server: Server): string[] {
  const names = new Set<string>(["debug", "debug_sync", "version", ...Object.keys(UNMODELLED_DEFAULTS)]);
  for (const [n] of server.vars.entries()) names.add(n);
  return [...names].sort();
}

/** @@[scope.]name; scope "global", "session" or "" as written. ER_UNKNOWN_SYSTEM_VARIABLE for a name no one knows. */
export function sysVarValue(server: Server, thd: Thd, scope: string, name: string): Value {
  const global = scope === "global";
  if (name === "debug_sync") return "ON - current signal: ''";
  if (name === "debug") return debugValue(server, thd, global ? "GLOBAL" : "SESSION");
  if (name === "version") return `${server.version}-debug-log`;
  const own = localVars(thd);
  if (!global && own.has(name)) return own.get(name)!;
  const def = sysvar(name);
  if (def) {
    const v = global ? server.vars.get(def.name) : server.sessionVar(thd, def.name);
    return typeof v === "boolean" ? (v ? 1 : 0) : v;
  }
  const known = UNMODELLED_DEFAULTS[name];
  if (known !== undefined) return known;
  throw mysqlError("ER_UNKNOWN_SYSTEM_VARIABLE", name);
}
