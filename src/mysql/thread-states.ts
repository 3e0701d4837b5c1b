/**
 * The processlist STATE values the models set, named as MySQL's PSI stages (sql/mysqld.cc
 * `PSI_stage_info stage_*`, the MDL wait states of MDL_key::m_namespace_to_wait_state_name). Models
 * set thd.state from these constants; the loader checks a scenario's `wait_state` steps and `state`
 * expectations against `reachableStates`, so a misspelt state is an error at load time instead of
 * a wait that times out.
 */
import { LOCK_RULES, mysqlLine } from "./mdl/rules.js";
import { waitStateName } from "./mdl/matrices.js";
import { MdlNamespace } from "./mdl/types.js";
import { SYNC_POINTS } from "./sql/sync-points.js";
import { debugSyncState } from "../sync/debug-sync.js";

/** stage_starting: a statement has been received (dispatch_command) */
export const STAGE_STARTING = "starting";
/** stage_executing (mysql_execute_command) */
export const STAGE_EXECUTING = "executing";
/** stage_user_sleep: SLEEP() (Item_func_sleep::val_int) */
export const STAGE_USER_SLEEP = "User sleep";
/** stage_waiting_for_table_flush (TABLE_SHARE::wait_for_old_version) */
export const STAGE_WAITING_FOR_TABLE_FLUSH = "Waiting for table flush";
/** stage_alter_inplace: ALTER TABLE's work (mysql_alter_table) */
export const STAGE_ALTER_INPLACE = "altering table";
/** stage_copy_to_tmp_table (copy_data_between_tables) */
export const STAGE_COPY_TO_TMP_TABLE = "copy to tmp table";
/** stage_rename_result_table (mysql_alter_table, COPY) */
export const STAGE_RENAME_RESULT_TABLE = "rename result table";
/** stage_alter_inplace_commit (mysql_inplace_alter_table) */
export const STAGE_ALTER_INPLACE_COMMIT = "committing alter table to storage engine";
/** stage_query_end: 5.6/5.7's state while a binlog group-commit follower waits for its leader */
export const STAGE_QUERY_END = "query end";
/** stage_waiting_for_handler_commit: 8.0's state there (MYSQL_BIN_LOG::ordered_commit) */
export const STAGE_WAITING_FOR_HANDLER_COMMIT = "waiting for handler commit";
/** debug_sync's thd->proc_info while a `now WAIT_FOR` waits (debug_sync_execute) */
export const STAGE_DEBUG_SYNC_NOW = debugSyncState("now");
/** stage_waiting_for_table_level_lock: thr_lock() waiting (mysys/thr_lock.c wait_for_lock) */
export const STAGE_WAITING_FOR_TABLE_LEVEL_LOCK = "Waiting for table level lock";

/** The state a group-commit follower shows in this version. */
export function binlogFollowerState(version: string): string {
  return version === "8.0" ? STAGE_WAITING_FOR_HANDLER_COMMIT : STAGE_QUERY_END;
}

export interface ReachableState {
  state: string;
  /** what sets it */
  by: string;
}

/**
 * Every STATE a thread can show in a run of `version`: the stages above and the MDL wait state of
 * each namespace some lock rule of the version's line (src/mysql/mdl/rules.ts) takes a lock in. "" is the state of an
 * idle connection.
 */
export function reachableStates(version: string): ReachableState[] {
  const line = mysqlLine(version);
  const namespaces = new Set(LOCK_RULES.filter((r) => r.lines.includes(line)).map((r) => MdlNamespace[r.namespace]));
  return [
    { state: "", by: "an idle connection" },
    { state: STAGE_STARTING, by: "a statement just received" },
    { state: STAGE_EXECUTING, by: "a statement running" },
    { state: STAGE_USER_SLEEP, by: "SLEEP()" },
    { state: STAGE_WAITING_FOR_TABLE_FLUSH, by: "a table flush" },
    { state: STAGE_ALTER_INPLACE, by: "ALTER TABLE" },
    { state: STAGE_COPY_TO_TMP_TABLE, by: "ALTER TABLE, ALGORITHM=COPY" },
    { state: STAGE_RENAME_RESULT_TABLE, by: "ALTER TABLE, ALGORITHM=COPY" },
    { state: STAGE_ALTER_INPLACE_COMMIT, by: "ALTER TABLE, ALGORITHM=INPLACE" },
    { state: binlogFollowerState(version), by: "a binlog group-commit follower" },
    { state: STAGE_DEBUG_SYNC_NOW, by: "SET DEBUG_SYNC='now WAIT_FOR ...'" },
    { state: STAGE_WAITING_FOR_TABLE_LEVEL_LOCK, by: "a thr_lock table-level lock (MyISAM, MERGE, MEMORY)" },
    ...SYNC_POINTS.map((p) => ({ state: debugSyncState(p.point), by: `a WAIT_FOR at the ${p.point} sync point` })),
    ...[...namespaces].sort((a, b) => a - b).map((ns) => ({ state: waitStateName(ns), by: `a wait for a ${MdlNamespace[ns]} metadata lock` })),
  ];
}
