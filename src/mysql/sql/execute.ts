import type { Effect, SimThread } from "../../kernel/thread.js";
import { SEC } from "../../kernel/time.js";
import { codeCost } from "../costs.js";
import { mysqlError } from "../errors.js";
import type { Server } from "../server.js";
import { checkValue, sysvar } from "../sysvars.js";
import type { Thd } from "../thd.js";
import type { Statement } from "./parse.js";
import { STAGE_DEBUG_SYNC_NOW, STAGE_EXECUTING, STAGE_USER_SLEEP } from "../thread-states.js";

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
  /** after the statement (successful or not): release statement-duration locks */
  after?(t: SimThread, thd: Thd, stmt: Statement, server: Server, failed: boolean): Generator<Effect, void, unknown>;
  /** the transaction ended (commit or rollback): release transaction-duration locks */
  endTransaction?(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown>;
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
const TABLE_STATEMENTS = new Set(["insert", "update", "delete", "select", "lock_tables", "alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "handler", "flush_tables"]);

/**
 * Runs one statement for a session, as mysql_execute_command does: implicit commit for DDL,
 * locks and table opens (models' `before`), the work, autocommit, release of statement locks.
 * Errors are thrown as MysqlError.
 */
export function* executeStatement(t: SimThread, thd: Thd, stmt: Statement, server: Server): Generator<Effect, void, unknown> {
  const ms = models(server);
  const autocommit = server.sessionVar(thd, "autocommit") === true;
  yield t.cpu(codeCost(t, "dispatch_command"), "dispatch_command");
  if (isImplicitCommit(stmt) && thd.trx.active) yield* commitTransaction(t, thd, server);
  let failed = true;
  try {
    if (TABLE_STATEMENTS.has(stmt.kind)) yield t.cpu(codeCost(t, "open_and_lock_tables"), "open_and_lock_tables");
    for (const m of ms) {
      const g = m.before?.(t, thd, stmt, server);
      if (g) yield* g;
    }
    let handled = false;
    for (const m of ms) {
      if (handled || !m.work) continue;
      const g = m.work(t, thd, stmt, server);
      if (g !== false) handled = yield* g;
    }
    if (!handled) yield* builtinWork(t, thd, stmt, server);
    if (WRITES.has(stmt.kind)) thd.trx.hasChanges = true;
    if (autocommit && !thd.trx.explicit && (WRITES.has(stmt.kind) || stmt.kind === "select")) yield* commitTransaction(t, thd, server);
    failed = false;
  } finally {
    thd.state = failed ? thd.state : "";
    for (const m of ms) if (m.after) yield* m.after(t, thd, stmt, server, failed);
    if (failed && autocommit && !thd.trx.explicit && thd.trx.active) yield* rollbackTransaction(t, thd, server);
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
  yield* endTransaction(t, thd, server);
}

function* endTransaction(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown> {
  if (thd.trx.hasChanges) server.metrics.add("transactions");
  thd.trx.active = false;
  thd.trx.explicit = false;
  thd.trx.hasChanges = false;
  for (const m of models(server)) if (m.endTransaction) yield* m.endTransaction(t, thd, server);
}

/** Statements that commit an open transaction first (sql_parse.cc CF_AUTO_COMMIT_TRANS). */
function isImplicitCommit(stmt: Statement): boolean {
  return IMPLICIT_COMMIT.has(stmt.kind);
}
const IMPLICIT_COMMIT = new Set<Statement["kind"]>(["alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "lock_tables", "flush_tables", "lock_instance_for_backup", "begin"]);

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
      const def = sysvar(stmt.name)!;
      const r = checkValue(def, stmt.value);
      if ("error" in r) throw mysqlError("ER_WRONG_VALUE_FOR_VAR", stmt.name, stmt.value);
      if (stmt.scope === "GLOBAL") server.vars.set(def.name, r.value);
      else thd.sessionVars.set(def.name, r.value);
      t.trace("set_var", def.name, { scope: stmt.scope, value: r.value });
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
        yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
      }
      return;
    default:
      thd.state = STAGE_EXECUTING;
      yield t.cpu(codeCost(t, "mysql_execute_command"), "mysql_execute_command");
  }
}

/**
 * SET DEBUG_SYNC='point [SIGNAL s] [WAIT_FOR g [TIMEOUT n]] [EXECUTE n]' | 'now SIGNAL s' |
 * 'now WAIT_FOR g' | 'RESET' (sql/debug_sync.cc). Actions on a point apply to this session only.
 */
export function* setDebugSync(t: SimThread, thd: Thd | null, action: string, server: Server): Generator<Effect, void, unknown> {
  const ds = server.debugSync;
  const a = action.trim();
  if (/^RESET$/i.test(a)) {
    ds.reset();
    return;
  }
  const m = /^(\w+)(?:\s+SIGNAL\s+(\w+))?(?:\s+WAIT_FOR\s+(\w+)(?:\s+TIMEOUT\s+(\d+))?)?(?:\s+EXECUTE\s+(\d+))?(?:\s+(CLEAR))?\s*$/i.exec(a);
  if (!m) throw mysqlError("ER_WRONG_VALUE_FOR_VAR", "debug_sync", action);
  const [, point, signal, waitFor, timeout, execute, clear] = m;
  const timeoutNs = timeout !== undefined ? Number(timeout) * SEC : ds.defaultTimeoutNs;
  if (point!.toLowerCase() === "now") {
    if (signal) ds.signal(signal, t);
    if (waitFor) {
      if (thd) thd.state = STAGE_DEBUG_SYNC_NOW;
      const r = yield t.acquire(ds.waitable(waitFor), undefined, timeoutNs);
      if (r === "timeout") t.trace("warning", "debug_sync", { message: "debug sync point wait timed out" });
      else if (r === "killed") throw mysqlError("ER_QUERY_INTERRUPTED");
    }
    return;
  }
  ds.disarm(point!, t.name);
  if (clear) return;
  ds.arm(point!, { signal, waitFor, timeoutNs, execute: execute ? Number(execute) : 1, thread: t.name });
}
