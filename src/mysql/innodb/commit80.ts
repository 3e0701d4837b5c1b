import type { Effect, SimThread } from "../../kernel/thread.js";
import type { Ns } from "../../kernel/time.js";
import type { EngineHooks } from "../binlog/binlog.js";
import { codeCost } from "../costs.js";
import type { Server } from "../server.js";
import { registerModel, type StatementModel } from "../sql/execute.js";
import type { SystemVariables } from "../sysvars.js";
import type { Thd } from "../thd.js";
import type { Statement } from "../sql/parse.js";
import type { PurgeSys } from "./purge.js";
import type { RedoLog } from "./redo.js";

/**
 * InnoDB 8.0's side of a write transaction on the 8.0 redo log (redo.ts: log_writer/log_flusher
 * threads, adaptive spinning in log_write_up_to). Installed by a server that has
 * `server.ext.redo80` (the sysbench workload); the binlog model then takes its engine hooks from
 * `innodb80Engine`. Followed source (mysql-server 8.0.2x):
 *
 * - log_bin=ON (8.0's default): ha_commit_trans -> MYSQL_BIN_LOG::prepare -> innobase_xa_prepare
 *   -> trx_prepare_for_mysql with HA_IGNORE_DURABILITY: trx0trx.cc trx_prepare's
 *   `case HA_IGNORE_DURABILITY: ... break;` writes the prepare record without flushing. The flush
 *   stage leader, in MYSQL_BIN_LOG::process_flush_stage_queue, calls ha_flush_logs(true) ->
 *   innobase_flush_logs(hton, binlog_group_flush=true): nothing if
 *   innodb_flush_log_at_trx_commit=0, else log_buffer_flush_to_disk(sync = trx_commit == 1) ->
 *   log_write_up_to(log, log_get_lsn(log), sync): the ONE thread of a group that waits (and may
 *   spin) in log_write_up_to. Followers wait in Commit_stage_manager::enroll_for on the stage
 *   manager's condition variable (mysql_cond_wait, no spin). The commit stage's
 *   innobase_commit -> trx_commit_for_mysql again runs with HA_IGNORE_DURABILITY: no flush.
 * - log_bin=OFF: tc_log is TC_LOG_DUMMY; innobase_commit -> trx_commit_complete_for_mysql ->
 *   trx_flush_log_if_needed(lsn): log_write_up_to(lsn, flush = trx_commit == 1) for
 *   innodb_flush_log_at_trx_commit 1 and 2, nothing for 0: EVERY committer waits (and may spin).
 */

/** Redo bytes of oltp_update_index's one-row update (UNVERIFIED orders of magnitude). */
export const REDO80_BYTES = {
  /** the UPDATE's mini-transactions: clustered record, undo record, secondary index delete-mark + insert */
  update: 480,
  /** trx_prepare: the undo segment header's state and XID */
  prepare: 60,
  /** trx_commit_low: the undo segment header's state */
  commit: 60,
};

interface Trx80 {
  /** end lsn of the transaction's last mtr */
  lsn: number;
  /** tables (db.name, standing in for dict_table_t::id) whose rows the transaction updated (update undo for purge), in order */
  updated: string[];
}

function trxOf(thd: Thd): Trx80 {
  return ((thd.ext.innodb80 as Trx80 | undefined) ??= { lsn: 0, updated: [] });
}


/**
 * trx_commit_low -> trx_write_serialisation_history -> trx_purge_add_update_undo_to_history: the
 * committed update undo goes to the history list for purge (purge.ts). Returns the CPU ns the
 * committer spends waking the purge coordinator (0 mostly).
 */
function addToHistory(thd: Thd, purge: PurgeSys | null): Ns {
  const trx = trxOf(thd);
  let ns = 0;
  if (purge) for (const id of trx.updated) ns += purge.addUpdateUndoToHistory(id);
  trx.updated = [];
  return ns;
}

/** The stats a run reports (counted for the measured window by the workload). */
export interface Commit80Stats {
  /** commits that waited in log_write_up_to themselves (log_bin=OFF) */
  ownFlushes: number;
  /** flush-stage leaders' log_write_up_to calls (log_bin=ON) */
  groupFlushes: number;
}

/**
 * The engine hooks the binlog's group commit calls (EngineHooks of src/mysql/binlog/binlog.ts).
 * Classes, not object literals of generator methods: a generator function made per run keeps the
 * whole run alive across minor GCs (src/scenario/run.ts ScriptRun says why).
 */
export function innodb80Engine(redo: RedoLog, vars: SystemVariables, stats: Commit80Stats, purge: PurgeSys | null = null): EngineHooks {
  return new Innodb80Engine(redo, vars, stats, purge);
}

class Innodb80Engine implements EngineHooks {
  constructor(
    private readonly redo: RedoLog,
    private readonly vars: SystemVariables,
    private readonly stats: Commit80Stats,
    private readonly purge: PurgeSys | null,
  ) {}

  *prepare(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    yield t.cpu(codeCost(t, "trx_prepare"), "trx_prepare");
    trxOf(thd).lsn = yield* this.redo.mtrCommit(t, REDO80_BYTES.prepare);
    // HA_IGNORE_DURABILITY: no log_write_up_to here
  }

  *flushLogs(t: SimThread): Generator<Effect, void, unknown> {
    // innobase_flush_logs(binlog_group_flush=true)
    const mode = this.vars.int("innodb_flush_log_at_trx_commit");
    if (mode === 0) return;
    this.stats.groupFlushes++;
    yield* this.redo.logWriteUpTo(t, this.redo.lsn, mode === 1);
  }

  *commitLow(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    yield t.cpu(codeCost(t, "trx_commit_low"), "trx_commit_low");
    trxOf(thd).lsn = yield* this.redo.mtrCommit(t, REDO80_BYTES.commit);
    const wake = addToHistory(thd, this.purge);
    if (wake > 0) yield t.cpu(wake, "sys:futex_wake");
    // HA_IGNORE_DURABILITY: durability came from the prepare record + the binlog
  }
}

/**
 * Registers the 8.0 InnoDB statement model: the row work of writes (a one-row UPDATE by primary
 * key as sysbench's oltp_update_index sends it) and, with log_bin=OFF, the engine commit with its
 * own redo flush. Returns the counters.
 */
export function installInnodb80(server: Server, redo: RedoLog, stats: Commit80Stats, purge: PurgeSys | null = null): void {
  registerModel(server, new Innodb80Model(server, redo, stats, purge));
}

class Innodb80Model implements StatementModel {
  readonly name = "innodb80";

  constructor(
    private readonly server: Server,
    private readonly redo: RedoLog,
    private readonly stats: Commit80Stats,
    private readonly purge: PurgeSys | null,
  ) {}

  *work(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> {
    if (stmt.kind !== "update" && stmt.kind !== "insert" && stmt.kind !== "delete") return false;
    thd.state = "updating";
    // the statement's execution (optimizer, ha_update_row -> row_update_for_mysql ...), derived
    // from the seed as a whole: no separate mysql_execute_command on top
    yield t.cpu(codeCost(t, "row_update_for_mysql"), "row_update_for_mysql");
    const trx = trxOf(thd);
    trx.lsn = yield* this.redo.mtrCommit(t, REDO80_BYTES.update);
    // the update of a secondary index column leaves a delete-marked entry for purge
    if (stmt.kind === "update") trx.updated.push(`${stmt.table.db}.${stmt.table.name}`);
    return true;
  }

  *commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    if (this.server.ext.binlog) return; // the binlog's group commit runs prepare/commit (innodb80Engine)
    // innobase_commit -> trx_commit_for_mysql -> trx_commit_low, then
    // trx_commit_complete_for_mysql -> trx_flush_log_if_needed
    yield t.cpu(codeCost(t, "trx_commit_low"), "trx_commit_low");
    const lsn = yield* this.redo.mtrCommit(t, REDO80_BYTES.commit);
    trxOf(thd).lsn = lsn;
    const wake = addToHistory(thd, this.purge);
    if (wake > 0) yield t.cpu(wake, "sys:futex_wake");
    const mode = this.server.vars.int("innodb_flush_log_at_trx_commit");
    if (mode === 0) return;
    this.stats.ownFlushes++;
    const before = thd.state;
    thd.state = "waiting for handler commit";
    yield* this.redo.logWriteUpTo(t, lsn, mode === 1);
    thd.state = before;
  }
}
