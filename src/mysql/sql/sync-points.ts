import type { Statement } from "./parse.js";

type Kind = Statement["kind"];

/** One DEBUG_SYNC point the models reach: where MySQL has it, where the model has it, which statements pass it. */
export interface SyncPointDef {
  point: string;
  /** the MySQL 5.7.35 function (and file) with DEBUG_SYNC(thd, "<point>") */
  mysql: string;
  /** where the model yields t.syncPoint("<point>") */
  model: string;
  /** statement kinds whose path passes the point ("any": every statement, or the connection itself) */
  reachedBy: readonly Kind[] | "any";
}

const DML: Kind[] = ["insert", "update", "delete"];
/** statements that open tables through open_tables() / open_table() */
const OPENERS: Kind[] = ["select", ...DML, "lock_tables", "create_table", "call", "do", "set_user_var", "admin", "view_ddl", "show", "handler", "execute"];
/** statements that can wait for a metadata lock */
const MDL: Kind[] = [...OPENERS, "alter_table", "drop_table", "rename_table", "truncate_table", "flush_tables", "commit", "begin", "set_var", "get_lock", "lock_instance_for_backup", "schema_ddl", "routine_ddl", "trigger_ddl", "acl", "xa", "rollback"];
const COMMITS: Kind[] = ["commit", ...DML, "begin", "set_var", "alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "lock_tables", "flush_tables", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "acl", "admin", "xa", "execute", "select", "call", "do", "set_user_var", "reset_master"];
const UPGRADERS: Kind[] = ["alter_table", "trigger_ddl", "truncate_table", "flush_tables", "execute"];

/**
 * Every DEBUG_SYNC point a model reaches, in one table: the docs table (docs/debug-sync.md is
 * generated from it) and `validate`'s check that a point armed on a connection is on the path of
 * a statement the connection runs after it.
 */
export const SYNC_POINTS: readonly SyncPointDef[] = [
  { point: "before_do_command_net_read", mysql: "sql_parse.cc do_command()", model: "scenario/run.ts connection loop, before waiting for the next statement", reachedBy: "any" },
  { point: "before_execute_sql_command", mysql: "sql_parse.cc mysql_execute_command() (not for SET)", model: "sql/execute.ts executeStatement()", reachedBy: "any" },
  { point: "execute_command_after_close_tables", mysql: "sql_parse.cc mysql_execute_command(), after close_thread_tables()", model: "locking-model.ts after()", reachedBy: "any" },
  { point: "thread_end", mysql: "debug_sync.cc debug_sync_end_thread()", model: "scenario/run.ts disconnect()", reachedBy: "any" },
  { point: "after_open_table_mdl_shared", mysql: "sql_base.cc open_table(), after open_table_get_mdl_lock()", model: "locking-model.ts openTables(), after each table's MDL", reachedBy: OPENERS },
  { point: "open_tables_after_open_and_process_table", mysql: "sql_base.cc open_tables(), after each open_and_process_table()", model: "locking-model.ts openTables(), after each table's share", reachedBy: OPENERS },
  { point: "recover_ot_repair", mysql: "sql_base.cc Open_table_context::recover_from_failed_open(), OT_REPAIR (a crashed table: CSV after a failed ha_tina::check())", model: "locking-model.ts recoverOtRepair()", reachedBy: OPENERS },
  { point: "open_table_before_retry", mysql: "sql_base.cc open_table(), before goto retry_share after tdc_wait_for_old_version()", model: "locking-model.ts openShare()", reachedBy: OPENERS },
  { point: "before_lock_tables_takes_lock", mysql: "sql_base.cc lock_tables(), before mysql_lock_tables()", model: "locking-model.ts openTables() end", reachedBy: OPENERS },
  { point: "thr_multi_lock_after_thr_lock", mysql: "mysys/thr_lock.c thr_multi_lock(), after each thr_lock()", model: "locking-model.ts openTables() end", reachedBy: OPENERS },
  { point: "after_lock_tables_takes_lock", mysql: "sql_base.cc lock_tables(), after mysql_lock_tables()", model: "locking-model.ts openTables() end", reachedBy: OPENERS },
  { point: "after_open_table_ignore_flush", mysql: "sql_show.cc fill_schema_table_by_open()", model: "locking-model.ts fillSchemaTableByOpen()", reachedBy: ["select", "show", "execute"] },
  { point: "get_schema_column", mysql: "sql_show.cc get_schema_column_record()", model: "locking-model.ts fillSchemaTableByOpen()", reachedBy: ["select", "show", "execute"] },
  { point: "before_join_optimize", mysql: "sql_optimizer.cc JOIN::optimize()", model: "sql/execute.ts builtinWork() select", reachedBy: ["select", "execute"] },
  { point: "before_acos_function", mysql: "item_func.cc Item_func_acos::val_real()", model: "sql/execute.ts builtinWork() select", reachedBy: ["select", "execute"] },
  { point: "mdl_acquire_lock_wait", mysql: "mdl.cc MDL_context::acquire_lock(), before the wait", model: "locking/mdl-wait.ts settle()", reachedBy: MDL },
  { point: "mdl_upgrade_lock", mysql: "mdl.cc MDL_context::upgrade_shared_lock()", model: "locking/mdl-wait.ts upgradeMdl()", reachedBy: UPGRADERS },
  { point: "after_wait_locked_schema_name", mysql: "lock.cc lock_schema_name()", model: "locking-model.ts schemaDdl()", reachedBy: ["schema_ddl", "execute"] },
  { point: "flush_tables_with_read_lock_after_acquire_locks", mysql: "sql_reload.cc flush_tables_with_read_lock()", model: "locking-model.ts flushTables()", reachedBy: ["flush_tables", "execute"] },
  { point: "after_flush_unlock", mysql: "sql_base.cc close_cached_tables(), after mysql_ha_flush()", model: "locking-model.ts flushTables()", reachedBy: ["flush_tables", "execute"] },
  { point: "upgrade_lock_for_truncate", mysql: "sql_truncate.cc Sql_cmd_truncate_table::lock_table() (under LOCK TABLES)", model: "locking-model.ts before() truncate_table", reachedBy: ["truncate_table", "execute"] },
  { point: "ha_admin_open_ltable", mysql: "sql_admin.cc mysql_admin_table(), after recreating (InnoDB OPTIMIZE)", model: "locking-model.ts before() admin", reachedBy: ["admin", "execute"] },
  { point: "alter_opened_table", mysql: "sql_table.cc mysql_alter_table(), after open_tables()", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "alter_table_copy_after_lock_upgrade", mysql: "sql_table.cc mysql_alter_table(), copy path after the SNW upgrade", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "alter_table_inplace_after_lock_upgrade", mysql: "sql_table.cc mysql_inplace_alter_table()", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "alter_table_inplace_after_lock_downgrade", mysql: "sql_table.cc mysql_inplace_alter_table()", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "alter_table_before_rename_result_table", mysql: "sql_table.cc mysql_alter_table(), before the rename", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "alter_table_inplace_before_commit", mysql: "sql_table.cc mysql_inplace_alter_table(), before commit", model: "locking-model.ts alterWork()", reachedBy: ["alter_table", "execute"] },
  { point: "ha_commit_trans_after_acquire_commit_lock", mysql: "handler.cc ha_commit_trans()", model: "locking-model.ts commit()", reachedBy: COMMITS },
  { point: "trans_xa_commit_after_acquire_commit_lock", mysql: "xa.cc trans_xa_commit()", model: "locking-model.ts work() xa", reachedBy: ["xa", "execute"] },
  { point: "bgc_after_enrolling_for_flush_stage", mysql: "binlog.cc Stage_manager::enroll_for()", model: "binlog/binlog.ts", reachedBy: COMMITS },
  { point: "bgc_after_flush_stage_before_sync_stage", mysql: "binlog.cc MYSQL_BIN_LOG::ordered_commit()", model: "binlog/binlog.ts", reachedBy: COMMITS },
  { point: "finish_commit_before_dec_prep_xids", mysql: "none in 5.7.35: the model's point in MYSQL_BIN_LOG::finish_commit() between the engine commit and dec_prep_xids()", model: "binlog/binlog.ts", reachedBy: COMMITS },
  { point: "ready_to_do_rotation", mysql: "binlog.cc MYSQL_BIN_LOG::ordered_commit()", model: "binlog/binlog.ts", reachedBy: [...COMMITS, "flush_binary_logs"] },
  { point: "stop_binlog_rotation_after_acquiring_lock_log", mysql: "binlog.cc MYSQL_BIN_LOG::rotate(), with LOCK_log held", model: "binlog/binlog.ts rotate()", reachedBy: [...COMMITS, "flush_binary_logs"] },
  { point: "after_show_binlog_event_found_file", mysql: "binlog.cc show_binlog_events(), after the end position is read under LOCK_log", model: "binlog/binlog.ts show_binlog_events()", reachedBy: ["show_binlog_events"] },
  { point: "wait_in_show_binlog_events_loop", mysql: "binlog.cc show_binlog_events(), before each event is sent", model: "binlog/binlog.ts show_binlog_events()", reachedBy: ["show_binlog_events"] },
  { point: "after_show_binlog_events", mysql: "binlog.cc show_binlog_events(), after the last event", model: "binlog/binlog.ts show_binlog_events()", reachedBy: ["show_binlog_events"] },
  { point: "before_rotate_binlog_file", mysql: "binlog.cc MYSQL_BIN_LOG::new_file_impl()", model: "binlog/binlog.ts", reachedBy: [...COMMITS, "flush_binary_logs"] },
];

const BY_NAME = new Map(SYNC_POINTS.map((p) => [p.point, p]));

export function syncPoint(name: string): SyncPointDef | undefined {
  return BY_NAME.get(name);
}

/** Whether a statement of this kind can reach the point (unknown points: never). */
export function reaches(point: string, kind: Kind): boolean {
  const p = BY_NAME.get(point);
  if (!p) return false;
  return p.reachedBy === "any" || p.reachedBy.includes(kind);
}

/** The docs table (docs/debug-sync.md embeds it; a test keeps them equal). */
export function explainSyncPoints(): string {
  const out = ["| point | MySQL 5.7.35 | model | reached by |", "|---|---|---|---|"];
  for (const p of SYNC_POINTS) out.push(`| \`${p.point}\` | \`${p.mysql}\` | ${p.model} | ${p.reachedBy === "any" ? "every statement" : p.reachedBy.filter((k) => k !== "execute").join(", ")} |`);
  return out.join("\n");
}
