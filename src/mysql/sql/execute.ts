import { debugSync } from "../../sync/debug-sync.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import { SEC } from "../../kernel/time.js";
import { NO_EFFECTS, type Effects } from "../../kernel/no-effects.js";
import { codeCost } from "../costs.js";
import { mysqlError, type MysqlError } from "../errors.js";
import type { Server } from "../server.js";
import { checkValue, sysvar } from "../sysvars.js";
import type { Thd } from "../thd.js";
import type { Statement } from "./parse.js";
import { STAGE_DEBUG_SYNC_NOW, STAGE_EXECUTING, STAGE_USER_SLEEP } from "../thread-states.js";
import { applyRows } from "./rows.js";
import { evalExpr, selectResult, sessionTable, splitBody, tempTables } from "./query.js";
import { resultSet } from "./result.js";
import { ExprError, ExprParser, evaluate } from "./expr.js";
import { parseStatement, splitTop, SqlError, unquote } from "./parse.js";
import { evalEnv } from "./query.js";
import { withUserLocks } from "../locking/user-locks.js";
import { debugValue, parseDebugValue, setDebug } from "../debug-keywords.js";

/**
 * A model that takes part in executing statements (MDL, FTWRL, binlog, InnoDB ...). The executor
 * calls every registered model's hooks in registration order; a model ignores statements it has
 * nothing to do with. Hooks are generators so a model can block the session; `before` and `work`
 * may instead return at once (nothing, or false) for a statement that is not theirs, which spares
 * the executor a generator per statement.
 */
export interface StatementModel {
  readonly name: string;
  /** before the statement's work: take locks, open tables (nothing returned: nothing to wait for) */
  before?(t: SimThread, thd: Thd, stmt: Statement, server: Server): Generator<Effect, void, unknown> | void;
  /** the statement's own work (if this model owns it); return true when it handled the work (false at once: not this model's) */
  work?(t: SimThread, thd: Thd, stmt: Statement, server: Server): Generator<Effect, boolean, unknown> | false;
  /** a transaction commits (explicit COMMIT or autocommit) */
  commit?(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown>;
  /** after the statement (successful or not): release statement-duration locks (NO_EFFECTS: nothing to wait for) */
  after?(t: SimThread, thd: Thd, stmt: Statement, server: Server, failed: boolean): Effects;
  /** the transaction ended (commit or rollback): release transaction-duration locks */
  endTransaction?(t: SimThread, thd: Thd, server: Server): Effects;
  /** the connection closes (KILL CONNECTION): release everything */
  disconnect?(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown>;
}

export function models(server: Server): StatementModel[] {
  return ((server.ext.models as StatementModel[] | undefined) ??= []);
}

export function registerModel(server: Server, model: StatementModel): void {
  models(server).push(model);
}

const WRITES = new Set(["insert", "update", "delete"]);
/** statements that open tables (open_and_lock_tables / lock_table_names) */
const TABLE_STATEMENTS = new Set(["insert", "update", "delete", "select", "lock_tables", "alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "handler", "flush_tables", "admin", "call", "do", "view_ddl", "trigger_ddl"]);
/** SQLCOM_SET_OPTION: no before_execute_sql_command / execute_command_after_close_tables point */
export const SET_OPTION = new Set<Statement["kind"]>(["set_var", "set_debug_sync", "set_isolation", "set_user_var", "set_debug"]);

/**
 * Runs one statement for a session, as mysql_execute_command does: implicit commit for DDL,
 * locks and table opens (models' `before`), the work, autocommit, release of statement locks.
 * Errors are thrown as MysqlError.
 */
export function* executeStatement(t: SimThread, thd: Thd, stmt: Statement, server: Server): Generator<Effect, void, unknown> {
  if (stmt.kind === "prepare" || stmt.kind === "execute") {
    // PREPARE keeps the text (its metadata check opens tables with shared MDL only); EXECUTE runs it as a statement
    const prepared = ((thd.ext.prepared as Map<string, string> | undefined) ??= new Map());
    if (stmt.kind === "prepare") {
      parsePrepared(stmt.text, thd.db);
      prepared.set(stmt.name, stmt.text);
      thd.resultSet = null;
      thd.warnings = [];
      yield t.cpu(codeCost(t, "dispatch_command"), "dispatch_command");
      return;
    }
    const text = prepared.get(stmt.name);
    if (text === undefined) throw mysqlError("ER_UNKNOWN_STMT_HANDLER", stmt.name, "EXECUTE");
    stmt = parsePrepared(text, thd.db);
  }
  const ms = models(server);
  const autocommit = server.sessionVar(thd, "autocommit") === true;
  thd.resultSet = null;
  thd.warnings = [];
  thd.affectedRows = 0;
  thd.debugSyncHitLimit = false;
  yield t.cpu(codeCost(t, "dispatch_command"), "dispatch_command");
  // stmt_causes_implicit_commit(CF_IMPLICIT_COMMIT_BEGIN): trans_commit_implicit() -> ha_commit_trans (COMMIT lock)
  if (isImplicitCommit(stmt) && thd.trx.active) yield* commitTransaction(t, thd, server);
  if (!SET_OPTION.has(stmt.kind) && !(stmt.kind === "other" && stmt.what === "SET")) yield* debugSync(t, "before_execute_sql_command");
  let failed = true;
  try {
    if (TABLE_STATEMENTS.has(stmt.kind)) yield t.cpu(codeCost(t, "open_and_lock_tables"), "open_and_lock_tables");
    for (const m of ms) {
      const g = m.before?.(t, thd, stmt, server);
      if (g) yield* g;
    }
    yield* routineSyncActions(t, thd, stmt, server);
    let handled = false;
    for (const m of ms) {
      if (handled || !m.work) continue;
      const g = m.work(t, thd, stmt, server);
      if (g !== false) handled = yield* g;
    }
    if (!handled) yield* builtinWork(t, thd, stmt, server);
    if (WRITES.has(stmt.kind) && "table" in stmt && stmt.table && !isTempTable(thd, stmt.table.db, stmt.table.name)) thd.trx.hasChanges = true;
    if (thd.debugSyncHitLimit) throw mysqlError("ER_DEBUG_SYNC_HIT_LIMIT");
    if (autocommit && !thd.trx.explicit && (WRITES.has(stmt.kind) || stmt.kind === "select" || stmt.kind === "do" || stmt.kind === "call" || stmt.kind === "set_user_var")) yield* commitTransaction(t, thd, server);
    failed = false;
  } finally {
    thd.state = failed ? thd.state : "";
    for (const m of ms) if (m.after) yield* m.after(t, thd, stmt, server, failed);
    if (failed && autocommit && !thd.trx.explicit && thd.trx.active) yield* rollbackTransaction(t, thd, server);
  }
}

/**
 * The stored functions a statement calls run inside it (sp_head::execute_function): their
 * SET DEBUG_SYNC statements act and wait there, in the calling session; a KILL QUERY during such
 * a wait ends the statement with ER_QUERY_INTERRUPTED (a CONTINUE HANDLER does not catch a kill).
 * Their other statements' locks were taken by prelocking; their values come from the evaluator.
 */
function routineSyncActions(t: SimThread, thd: Thd, stmt: Statement, server: Server): Effects {
  const calls = "calls" in stmt ? (stmt.calls ?? []) : [];
  // no stored function called and no trigger to fire: nothing to run (no generator)
  if (calls.length === 0 && (server.triggers.size === 0 || (stmt.kind !== "insert" && stmt.kind !== "update" && stmt.kind !== "delete"))) return NO_EFFECTS;
  return routineSyncActionsOf(t, thd, stmt, server, calls);
}

function* routineSyncActionsOf(t: SimThread, thd: Thd, stmt: Statement, server: Server, calls: string[]): Generator<Effect, void, unknown> {
  const bodies: string[] = [];
  for (const name of calls) {
    const fn = server.routines.get(`function:${thd.db}.${name}`.toLowerCase());
    if (fn) bodies.push(fn.body);
  }
  // the triggers of the written table fire inside the statement too (Table_triggers_list::process_triggers)
  if (stmt.kind === "insert" || stmt.kind === "update" || stmt.kind === "delete") {
    const written = `${stmt.table.db}.${stmt.table.name}`.toLowerCase();
    for (const tr of server.triggers.values()) if (`${tr.table.db}.${tr.table.name}`.toLowerCase() === written && tr.event.endsWith(stmt.kind.toUpperCase())) bodies.push(tr.body ?? "");
  }
  for (const body of bodies) {
    if (!/DEBUG_SYNC/i.test(body)) continue;
    for (const s of splitBody(body)) {
      const m = /^SET\s+(?:SESSION\s+)?DEBUG_SYNC\s*=\s*('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")$/i.exec(s.trim());
      if (!m) continue;
      yield* setDebugSync(t, thd, unquote(m[1]!), server);
      if (thd.killed) throw mysqlError("ER_QUERY_INTERRUPTED");
    }
  }
}

/** A prepared statement's text as a statement; outside the modelled subset it is a parse error for the client. */
function parsePrepared(text: string, db: string): Statement {
  try {
    return parseStatement(text, db);
  } catch (e) {
    if (e instanceof SqlError) throw mysqlError("ER_PARSE_ERROR", e.message);
    throw e;
  }
}

/** Commits the session's transaction: the models' commit hooks (COMMIT lock, binlog, InnoDB), then release. */
export function* commitTransaction(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown> {
  try {
    if (thd.trx.hasChanges) {
      yield t.cpu(codeCost(t, "trans_commit"), "trans_commit");
      for (const m of models(server)) if (m.commit) yield* m.commit(t, thd, server);
    }
  } finally {
    yield* endTransaction(t, thd, server);
  }
}

export function* rollbackTransaction(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown> {
  const xa = thd.ext.xa as { xid: string; state: string } | undefined;
  if (xa?.state === "PREPARED" && thd.ext.disconnected) {
    // 5.7: a prepared XA transaction outlives its session (transaction_cache_detach): any session
    // can XA COMMIT / ROLLBACK it; its metadata locks go with the session
    server.preparedXids.set(xa.xid, "");
    thd.ext.xa = undefined;
    thd.trx.hasChanges = false;
  }
  yield* endTransaction(t, thd, server);
}

function* endTransaction(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown> {
  if (thd.trx.hasChanges) server.metrics.add("transactions");
  thd.trx.active = false;
  thd.trx.explicit = false;
  thd.trx.hasChanges = false;
  for (const m of models(server)) if (m.endTransaction) yield* m.endTransaction(t, thd, server);
}

/** a session's temporary table (no key built when the session has none, as nearly always) */
function isTempTable(thd: Thd, db: string, name: string): boolean {
  const temp = tempTables(thd);
  return temp.size > 0 && temp.has(`${db}.${name}`.toLowerCase());
}

/** Statements that commit an open transaction first (sql_parse.cc CF_AUTO_COMMIT_TRANS). */
function isImplicitCommit(stmt: Statement): boolean {
  // CREATE/DROP TEMPORARY TABLE do not commit (stmt_causes_implicit_commit skips HA_LEX_CREATE_TMP_TABLE / drop_temporary)
  if ((stmt.kind === "create_table" || stmt.kind === "drop_table") && stmt.temporary) return false;
  return IMPLICIT_COMMIT.has(stmt.kind);
}
const IMPLICIT_COMMIT = new Set<Statement["kind"]>(["reset_master", "alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "lock_tables", "flush_tables", "lock_instance_for_backup", "begin", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "acl", "admin"]);

/** Work no model claimed: transaction control, variables, sleeps, a plain CPU cost. */
function* builtinWork(t: SimThread, thd: Thd, stmt: Statement, server: Server): Generator<Effect, void, unknown> {
  switch (stmt.kind) {
    case "begin":
      thd.trx.active = true;
      thd.trx.explicit = true;
      return;
    case "commit":
      yield* commitTransaction(t, thd, server);
      return;
    case "rollback":
      yield* rollbackTransaction(t, thd, server);
      return;
    case "set_var": {
      const def = sysvar(stmt.name);
      if (!def) throw mysqlError("ER_UNKNOWN_SYSTEM_VARIABLE", stmt.name);
      const r = checkValue(def, stmt.value);
      if ("error" in r) throw mysqlError("ER_WRONG_VALUE_FOR_VAR", stmt.name, stmt.value);
      // SET autocommit=1 in a transaction commits it (sys_var autocommit: trans_commit_implicit -> ha_commit_trans)
      if (def.name === "autocommit" && r.value === true && stmt.scope === "SESSION" && server.sessionVar(thd, "autocommit") !== true && thd.trx.active) {
        yield* commitTransaction(t, thd, server);
      }
      if (def.name === "autocommit" && r.value === false && stmt.scope === "SESSION") thd.trx.active = true;
      if (stmt.scope === "GLOBAL") server.vars.set(def.name, r.value);
      else thd.sessionVars.set(def.name, r.value);
      t.trace("set_var", def.name, { scope: stmt.scope, value: r.value });
      return;
    }
    case "set_debug": {
      // sys_var_dbug: a user variable's value is parsed as the literal would be
      let change = stmt.change;
      if (!change) {
        try {
          change = parseDebugValue(thd.userVars.get(stmt.userVar ?? "") ?? "");
        } catch (e) {
          throw mysqlError("ER_WRONG_VALUE_FOR_VAR", "debug", (e as Error).message);
        }
      }
      setDebug(server, thd, stmt.scope, change);
      t.trace("set_var", "debug", { scope: stmt.scope, value: debugValue(server, thd, stmt.scope) });
      return;
    }
    case "show_master_status":
    case "show_binlog_events":
      // no binary log (log_bin=OFF): mysql_bin_log is not open, the result set has no row
      thd.resultSet = { columns: stmt.kind === "show_master_status" ? ["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"] : ["Log_name", "Pos", "Event_type", "Server_id", "End_log_pos", "Info"], rows: [] };
      return;
    case "insert":
    case "update":
    case "delete":
      thd.state = "executing";
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
      applyRows(server, thd, stmt, t.kernel.now);
      return;
    case "do":
    case "set_user_var": {
      // values the evaluator cannot compute: thd.ext.unevaluated says why (mtr reports the statement)
      thd.ext.unevaluated = undefined;
      try {
        // user-level lock calls wait inside the evaluation (locking/user-locks.ts)
        yield* withUserLocks(t, server, thd, (hook) => {
          if (stmt.kind === "do") {
            // DO expr[, expr ...]: each is evaluated, the values are discarded
            for (const part of splitTop(stmt.sql.replace(/^DO\s+/i, ""))) evalExpr(server, thd, part.trim(), t.kernel.now, hook);
          } else {
            const env = evalEnv(server, thd, t.kernel.now, hook);
            for (const part of splitTop(stmt.sql.replace(/^SET\s+/i, ""))) evaluate(ExprParser.of(part.trim().replace(/^(@[\w$.`']+)\s*:?=/, "$1 :=")).parseExpr(), env);
          }
        });
      } catch (e) {
        if (!(e instanceof ExprError)) throw e;
        thd.ext.unevaluated = e.message;
      }
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
      return;
    }
    case "kill": {
      let target = stmt.target;
      // sql_yacc.yy kill: an expression with a subquery or a stored function is refused (ER_NOT_SUPPORTED_YET)
      const storedCall = [...target.matchAll(/\b(\w+)\s*\(/g)].some((m) => server.routines.has(`function:${thd.db}.${m[1]}`.toLowerCase()));
      if (/\bSELECT\b/i.test(target) || storedCall) throw mysqlError("ER_NOT_SUPPORTED_YET", "Usage of subqueries or stored function calls as part of this statement");
      if (/^[@(]/.test(target) || /^\d+$/.test(target) === false) {
        try {
          const v = evalExpr(server, thd, target, t.kernel.now);
          if (v !== null) target = String(v);
        } catch {
          // a connection name (scenarios name connections)
        }
      }
      if (!server.kill) throw mysqlError("ER_NO_SUCH_THREAD", Number(target) || 0);
      if (!server.kill(thd, target, stmt.query)) throw mysqlError("ER_NO_SUCH_THREAD", Number(target) || 0);
      yield t.yield();
      if (thd.killed && String(thd.id) === target) throw mysqlError("ER_QUERY_INTERRUPTED");
      return;
    }
    case "use":
      if (!server.databases.has(stmt.db)) throw mysqlError("ER_BAD_DB_ERROR", stmt.db);
      thd.db = stmt.db;
      yield t.yield();
      return;
    case "show":
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
      thd.resultSet = showResult(server, thd, stmt);
      return;
    case "xa":
      yield* xaStatement(t, thd, stmt, server);
      return;
    case "admin": {
      thd.state = "executing";
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
      const op = stmt.op.toLowerCase();
      const rows: string[][] = [];
      const openError = thd.ext.adminError as MysqlError | null | undefined;
      for (const r of stmt.tables) {
        const def = sessionTable(server, thd, r.db, r.name);
        const name = `${r.db}.${r.name}`;
        if (openError) {
          rows.push([name, op, "Error", openError.message], [name, op, "error", "Corrupt"]);
          continue;
        }
        if (!def) {
          rows.push([name, op, "Error", `Table '${name}' doesn't exist`], [name, op, "status", "Operation failed"]);
          continue;
        }
        const innodb = (def.engine ?? "InnoDB").toLowerCase() === "innodb";
        const csv = (def.engine ?? "").toLowerCase() === "csv";
        if (csv && stmt.op === "CHECK" && def.unsavedRows) {
          // ha_tina::check(): fewer rows up to the saved data file length than share->rows_recorded
          // (written under LOCK TABLES, not yet unlocked): share->crashed, HA_ADMIN_CORRUPT
          def.crashed = true;
          rows.push([name, op, "error", "Corrupt"]);
          continue;
        }
        // ha_tina::repair() ends with share->crashed= FALSE (ha_tina::check() never clears it)
        if (csv && stmt.op === "REPAIR") def.crashed = false;
        if (stmt.op === "ANALYZE" && innodb && !def.temporary) {
          // ha_innobase::analyze() writes the persistent statistics (mysql.innodb_table_stats) and
          // mysql_admin_table() commits them: ha_commit_trans with the COMMIT lock
          thd.trx.active = true;
          thd.trx.hasChanges = true;
          yield* commitTransaction(t, thd, server);
        }
        if (stmt.op === "OPTIMIZE" && innodb) rows.push([name, op, "note", "Table does not support optimize, doing recreate + analyze instead"], [name, op, "status", "OK"]);
        else if (stmt.op === "REPAIR" && innodb) rows.push([name, op, "note", "The storage engine for the table doesn't support repair"]);
        else if (stmt.op === "CHECKSUM") rows.push([name, "0"]);
        else if (stmt.op === "CACHE INDEX" || stmt.op === "LOAD INDEX") rows.push([name, stmt.op === "CACHE INDEX" ? "assign_to_keycache" : "preload_keys", "status", "OK"]);
        else rows.push([name, op, "status", stmt.op === "ANALYZE" && !innodb && def.rows.length === 0 ? "Table is already up to date" : "OK"]);
      }
      thd.resultSet = stmt.op === "CHECKSUM" ? resultSet(["Table", "Checksum"], rows) : resultSet(["Table", "Op", "Msg_type", "Msg_text"], rows);
      return;
    }
    case "set_debug_sync":
      yield* setDebugSync(t, thd, stmt.action, server);
      return;
    case "do_sleep":
      thd.state = STAGE_USER_SLEEP;
      yield t.sleep(stmt.sleepS * SEC);
      return;
    case "select":
      if (stmt.sleepS > 0) {
        thd.state = STAGE_USER_SLEEP;
        yield t.sleep(stmt.sleepS * SEC);
      } else {
        thd.state = STAGE_EXECUTING;
        // sql_optimizer.cc JOIN::optimize(); item_func.cc Item_func_acos::val_real()
        if (stmt.tables.length) {
          yield* debugSync(t, "before_join_optimize");
          // JOIN::optimize() looks at thd->killed: a KILL QUERY during the wait ends the statement
          if (thd.killed) throw mysqlError("ER_QUERY_INTERRUPTED");
        }
        // Item_func_acos::val_real(): the value is computed and sent even if a KILL QUERY came during the wait
        if (/\bACOS\s*\(/i.test(stmt.sql ?? "")) yield* debugSync(t, "before_acos_function");
        yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
        yield* examineRows(t, thd, rowsExamined(server, thd, stmt.sql ?? ""));
      }
      if (stmt.sql && !thd.ext.loadClient) {
        const sql = stmt.sql;
        // GET_LOCK() in the list or WHERE may wait in "User lock" (locking/user-locks.ts)
        thd.resultSet = yield* withUserLocks(t, server, thd, (hook) => selectResult(server, thd, sql, t.kernel.now, hook));
      }
      return;
    default:
      thd.state = STAGE_EXECUTING;
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
  }
}

/** CPU time per row a join examines (not calibrated; a join of millions of rows takes seconds). */
const ROW_NS = 50;
const CHUNK_NS = 1_000_000;

/**
 * The rows a SELECT's joins examine: the product of the row counts of every table reference
 * (t2 a, t2 b counts t2 twice), each FROM list on its own, summed (subqueries too).
 */
function rowsExamined(server: Server, thd: Thd, sql: string): number {
  let total = 0;
  for (const m of sql.matchAll(/\bFROM\s+([\s\S]*?)(?=\bWHERE\b|\bGROUP\b|\bORDER\b|\bHAVING\b|\bLIMIT\b|\)|$)/gi)) {
    let product = 1;
    for (const ref of splitTop(m[1]!)) {
      const name = ref.trim().split(/\s+/)[0]!.replace(/`/g, "");
      const [db, tbl] = name.includes(".") ? name.split(".") : [thd.db, name];
      const def = sessionTable(server, thd, db!, tbl!);
      product *= Math.max(1, def?.rows.length ?? 1);
    }
    total += product;
  }
  return total;
}

/**
 * The join loop: CPU in chunks, checking thd->killed between them as the executor does, so KILL
 * [QUERY] ends a long SELECT with ER_QUERY_INTERRUPTED.
 */
function* examineRows(t: SimThread, thd: Thd, rows: number): Generator<Effect, void, unknown> {
  let left = Math.min(rows * ROW_NS, 3600 * SEC);
  if (left < CHUNK_NS) return;
  thd.state = "Sending data";
  while (left > 0) {
    const ns = Math.min(left, Math.max(CHUNK_NS, left / 1000));
    yield t.cpu(ns, "join");
    left -= ns;
    if (thd.killed) throw mysqlError("ER_QUERY_INTERRUPTED");
  }
}

/** SHOW TABLES / CREATE TABLE / FIELDS / DATABASES / VARIABLES / WARNINGS ...: the result set. */
function showResult(server: Server, thd: Thd, stmt: Extract<Statement, { kind: "show" }>): ReturnType<typeof resultSet> | null {
  const db = stmt.db ?? thd.db;
  switch (stmt.what) {
    case "tables": {
      const names = [...server.tables.values(), ...server.views.values()].filter((x) => x.db === db).map((x) => x.name).sort();
      const like = stmt.like ? new RegExp(`^${stmt.like.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".")}$`, "i") : null;
      return resultSet([`Tables_in_${db}${stmt.like ? ` (${stmt.like})` : ""}`], names.filter((n) => !like || like.test(n)).map((n) => [n]));
    }
    case "create_table": {
      const r = stmt.table!;
      const def = sessionTable(server, thd, r.db, r.name);
      if (!def) {
        const v = server.views.get(`${r.db}.${r.name}`.toLowerCase());
        if (v) return resultSet(["View", "Create View", "character_set_client", "collation_connection"], [[v.name, `CREATE ALGORITHM=UNDEFINED DEFINER=\`root\`@\`localhost\` SQL SECURITY DEFINER VIEW \`${v.name}\` AS ${v.select}`, "latin1", "latin1_swedish_ci"]]);
        throw mysqlError("ER_NO_SUCH_TABLE", `${r.db}.${r.name}`);
      }
      const cols = def.columns.map((c) => `  \`${c}\` int(11) DEFAULT NULL`);
      const keys = (def.keys ?? []).map((k) => (k.name === "PRIMARY" ? `  PRIMARY KEY (${k.columns.map((c) => `\`${c}\``).join(",")})` : `  UNIQUE KEY \`${k.name}\` (${k.columns.map((c) => `\`${c}\``).join(",")})`));
      return resultSet(["Table", "Create Table"], [[def.name, `CREATE ${def.temporary ? "TEMPORARY " : ""}TABLE \`${def.name}\` (\n${[...cols, ...keys].join(",\n")}\n) ENGINE=${def.engine ?? "InnoDB"} DEFAULT CHARSET=latin1`]]);
    }
    case "fields": {
      const r = stmt.table!;
      const def = sessionTable(server, thd, r.db, r.name);
      if (!def) throw mysqlError("ER_NO_SUCH_TABLE", `${r.db}.${r.name}`);
      return resultSet(["Field", "Type", "Null", "Key", "Default", "Extra"], def.columns.map((c) => [c, "int(11)", "YES", "", null, ""]));
    }
    case "databases":
      return resultSet(["Database"], [...server.databases].sort().map((d) => [d]));
    case "warnings":
      return resultSet(["Level", "Code", "Message"], thd.ext.lastWarnings ? (thd.ext.lastWarnings as { level: string; code: number; message: string }[]).map((w) => [w.level, w.code, w.message]) : []);
    default:
      // SHOW STATUS / VARIABLES / GRANTS / EVENTS ...: no result set from the models (the mtr host fills the ones it knows)
      return null;
  }
}

/**
 * XA START / END / PREPARE / COMMIT / ROLLBACK / RECOVER (xa.cc): the transaction is the
 * session's; XA COMMIT of a prepared transaction takes the COMMIT lock in trans_xa_commit() (the
 * locking model), ONE PHASE commits through ha_commit_trans.
 */
function* xaStatement(t: SimThread, thd: Thd, stmt: Extract<Statement, { kind: "xa" }>, server: Server): Generator<Effect, void, unknown> {
  const xa = (thd.ext.xa as { xid: string; state: string } | undefined) ?? null;
  switch (stmt.action) {
    case "start":
      if (thd.trx.active && thd.trx.explicit) throw mysqlError("ER_XAER_OUTSIDE");
      thd.ext.xa = { xid: stmt.xid, state: "ACTIVE" };
      thd.trx.active = true;
      thd.trx.explicit = true;
      break;
    case "end":
      if (!xa || xa.xid !== stmt.xid) throw mysqlError("ER_XAER_NOTA");
      xa.state = "IDLE";
      break;
    case "prepare":
      if (!xa || xa.xid !== stmt.xid) throw mysqlError("ER_XAER_NOTA");
      if (xa.state !== "IDLE") throw mysqlError("ER_XAER_RMFAIL", xa.state);
      xa.state = "PREPARED";
      server.preparedXids.set(stmt.xid, thd.name);
      break;
    case "commit":
    case "rollback":
      if ((!xa || xa.xid !== stmt.xid) && server.preparedXids.get(stmt.xid) === "") {
        // a detached prepared transaction: committed or rolled back by this session (the locking model took the COMMIT lock)
        server.preparedXids.delete(stmt.xid);
        if (stmt.action === "commit") server.metrics.add("transactions");
        yield t.yield();
        return;
      }
      if (!xa || xa.xid !== stmt.xid) throw mysqlError("ER_XAER_NOTA");
      thd.ext.xa = undefined;
      server.preparedXids.delete(stmt.xid);
      if (stmt.action === "commit") yield* commitTransaction(t, thd, server);
      else yield* rollbackTransaction(t, thd, server);
      return;
    case "recover":
      thd.resultSet = resultSet(["formatID", "gtrid_length", "bqual_length", "data"], [...server.preparedXids.keys()].map((x) => [1, x.length, 0, x]));
      break;
  }
  yield t.yield();
}

/**
 * SET DEBUG_SYNC= '<point> [SIGNAL s] [WAIT_FOR g [TIMEOUT n]] [EXECUTE n] [NO_CLEAR_EVENT]
 * [HIT_LIMIT n]' | '<point> CLEAR' | '<point> TEST' | 'RESET' (debug_sync.cc
 * debug_sync_eval_action(): whitespace-separated tokens, so names may hold dots; SIGNAL's value
 * may list several signals separated by commas). `now` executes at once in this session.
 * Actions on a point apply to the session that set them; RESET drops the session's actions and
 * every signal. A malformed value is ER_PARSE_ERROR with debug_sync.cc's own message.
 */
export function* setDebugSync(t: SimThread, thd: Thd | null, action: string, server: Server): Generator<Effect, void, unknown> {
  const ds = server.debugSync;
  const a = parseDebugSyncAction(action);
  if (a.kind === "reset") {
    ds.reset(thd ? t.name : undefined);
    return;
  }
  if (a.kind !== "set") {
    if (a.kind === "clear") ds.disarm(a.point, t.name);
    else yield t.syncPoint(a.point);
    return;
  }
  const timeoutNs = a.timeoutS !== undefined ? a.timeoutS * SEC : ds.defaultTimeoutNs;
  if (a.point.toLowerCase() === "now") {
    // debug_sync_eval_action(): "now" is executed at once (debug_sync_execute)
    const reps = Math.max(1, a.execute ?? 1);
    for (let i = 0; i < reps; i++) {
      if (a.signal) ds.signal(a.signal, t);
      if (a.waitFor) {
        // debug_sync_execute(): the session's proc_info while it waits (the scenario script has no session)
        const before = t.state;
        if (thd) t.setState(STAGE_DEBUG_SYNC_NOW);
        const r = yield t.acquire(ds.waitable(a.waitFor), undefined, timeoutNs);
        if (thd) t.setState(before);
        if (r === "timeout") debugSyncTimedOut(t, "now");
        else if (r === "killed") throw mysqlError("ER_QUERY_INTERRUPTED");
      }
    }
    return;
  }
  ds.arm(a.point, { ...(a.signal ? { signal: a.signal } : {}), ...(a.waitFor ? { waitFor: a.waitFor } : {}), timeoutNs, ...(a.execute !== undefined ? { execute: a.execute } : {}), ...(a.hitLimit !== undefined ? { hitLimit: a.hitLimit } : {}), ...(a.noClearEvent ? { noClearEvent: true } : {}), thread: t.name });
}

/** A WAIT_FOR timed out: debug_sync_execute() pushes ER_DEBUG_SYNC_TIMEOUT as a warning; the statement goes on. */
export function debugSyncTimedOut(t: SimThread, point: string): void {
  const thd = t.data as Thd | undefined;
  const e = mysqlError("ER_DEBUG_SYNC_TIMEOUT");
  if (thd && Array.isArray(thd.warnings)) thd.warnings.push({ level: "Warning", code: e.code, message: e.message });
  t.trace("warning", "debug_sync", { message: e.message, point, code: e.code });
}

export type DebugSyncAction =
  | { kind: "reset" }
  | { kind: "clear" | "test"; point: string }
  | { kind: "set"; point: string; signal?: string; waitFor?: string; timeoutS?: number; execute?: number; hitLimit?: number; noClearEvent?: boolean };

/** debug_sync_eval_action(): the value of SET DEBUG_SYNC, token by token, in MySQL's order. */
export function parseDebugSyncAction(value: string): DebugSyncAction {
  const tokens = value.trim().split(/\s+/).filter(Boolean);
  const err = (msg: string): never => {
    throw mysqlError("ER_PARSE_ERROR", msg);
  };
  const point = tokens.shift();
  if (!point) return err("Missing synchronization point name");
  const is = (w: string): boolean => tokens[0]?.toUpperCase() === w;
  if (tokens.length === 0) {
    if (point.toUpperCase() === "RESET") return { kind: "reset" };
    return err(`Missing action after synchronization point name '${point}'`);
  }
  if (is("TEST") || is("CLEAR")) {
    const kind = tokens.shift()!.toLowerCase() as "test" | "clear";
    if (tokens.length) err(`Nothing must follow action ${kind.toUpperCase()}`);
    return { kind, point };
  }
  const out: Extract<DebugSyncAction, { kind: "set" }> = { kind: "set", point };
  const num = (after: string): number => {
    const n = tokens.shift();
    if (n === undefined || !/^\d+$/.test(n)) return err(`Missing valid number after ${after}`);
    return Number(n);
  };
  let any = false;
  if (is("SIGNAL")) {
    tokens.shift();
    const s = tokens.shift();
    if (!s) err("Missing signal name after action SIGNAL");
    out.signal = s;
    any = true;
  }
  if (is("WAIT_FOR")) {
    tokens.shift();
    const w = tokens.shift();
    if (!w) err("Missing signal name after action WAIT_FOR");
    out.waitFor = w;
    any = true;
    if (is("TIMEOUT")) {
      tokens.shift();
      out.timeoutS = num("TIMEOUT");
    }
  }
  if (is("EXECUTE")) {
    tokens.shift();
    if (!any) err("Missing action before EXECUTE");
    out.execute = num("EXECUTE");
  }
  if (is("NO_CLEAR_EVENT")) {
    tokens.shift();
    out.noClearEvent = true;
  }
  if (is("HIT_LIMIT")) {
    tokens.shift();
    out.hitLimit = num("HIT_LIMIT");
    any = true;
  }
  if (tokens.length) err(`Illegal or out of order stuff: '${tokens[0]}'`);
  if (!any) err(`Missing action after synchronization point name '${point}'`);
  return out;
}
