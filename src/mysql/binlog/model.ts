import type { Effect, SimThread } from "../../kernel/thread.js";
import { Disk, SSD, type DiskSpec } from "../../machine/disk.js";
import { innodb80Engine, type Commit80Stats } from "../innodb/commit80.js";
import type { RedoLog } from "../innodb/redo.js";
import type { PurgeSys } from "../innodb/purge.js";
import { CODE_PATH_COSTS, codeCost } from "../costs.js";
import { REDO_COMMIT_BYTES, REDO_PREPARE_BYTES, RedoLog56 } from "../innodb/trx.js";
import type { Server } from "../server.js";
import type { Statement } from "../sql/parse.js";
import { registerModel, type StatementModel } from "../sql/execute.js";
import type { Thd } from "../thd.js";
import { MysqlBinLog, type BinlogEvent, type BinlogVersion, type EngineHooks, type NptlPrimitives } from "./binlog.js";
import { debugKeyword } from "../debug-keywords.js";
import { oneLine } from "../sql/parse.js";
import { NO_EFFECTS, type Effects } from "../../kernel/no-effects.js";
import { tempTables } from "../sql/query.js";

const SHOW_BINLOG_EVENTS_COLUMNS = ["Log_name", "Pos", "Event_type", "Server_id", "End_log_pos", "Info"];
const SHOW_MASTER_STATUS_COLUMNS = ["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"];
const BINLOG_WORK = new Set<Statement["kind"]>(["flush_binary_logs", "show_master_status", "reset_master", "show_binlog_events"]);

/**
 * The events a transaction or DDL statement writes, with their sizes (docs/binlog.md, "Events and
 * positions", says which are exact and which estimated). Sizes include the 19-byte common header
 * and the 4-byte CRC32 checksum (binlog_checksum=CRC32, the 5.6.6+ default).
 */
const HEADER = 19;
const CRC = 4;
/** Gtid_log_event (Anonymous_Gtid with gtid_mode=OFF): 5.7's 42-byte body (flags, sid, gno, lt_type, last_committed, sequence_number) */
const ANONYMOUS_GTID_BYTES = { "5.7": HEADER + 42 + CRC, "8.0": 79 } as const;
/** Query_log_event status variables of a plain statement: Q_FLAGS2 (5), Q_SQL_MODE (9), Q_CATALOG_NZ "std" (5), Q_CHARSET (7) */
const QUERY_STATUS_VARS = 26;
/** Xid_log_event: header, the 8-byte xid, checksum */
const XID_EVENT_BYTES = HEADER + 8 + CRC;

function queryEvent(db: string, query: string, info = `use \`${db}\`; ${query}`): BinlogEvent {
  // post-header 13 (thread id, exec time, db length, error code, status-vars length), db + NUL, the text
  return { type: "Query", size: HEADER + 13 + QUERY_STATUS_VARS + db.length + 1 + Buffer.byteLength(query) + CRC, info };
}

/** DDL written to the binlog (write_bin_log after the change), when it succeeds */
const LOGGED_DDL = new Set<Statement["kind"]>(["create_table", "drop_table", "alter_table", "rename_table", "truncate_table", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "acl", "flush_tables"]);

/**
 * The binary log and InnoDB's two-phase commit as a statement model: writes fill the session's
 * binlog cache; COMMIT of a transaction with changes runs InnoDB prepare and ordered_commit;
 * FLUSH BINARY LOGS rotates. The redo log is the 5.6/5.7 log_write_up_to (RedoLog56) unless the
 * server carries the 8.0 redo log (`server.ext.redo80`, the sysbench workload): then InnoDB's
 * prepare/commit/flush are innodb80Engine's (src/mysql/innodb/commit80.ts). The binlog file lives
 * on `server.ext.datadirDisk` (default SSD; the sysbench workload: /dev/shm).
 */
export function installBinlog(server: Server): MysqlBinLog | null {
  if (!server.vars.bool("log_bin")) return null;
  const model = new BinlogModel(server);
  registerModel(server, model);
  return model.binlog;
}

/**
 * 5.6 / 5.7 InnoDB's prepare, group flush and commit on the 5.6/5.7 redo log (RedoLog56). A class,
 * not an object literal of generator methods: a generator function made per run keeps the whole
 * run alive across minor GCs (its V8 map lives in the old generation; src/scenario/run.ts ScriptRun).
 */
class Innodb57Engine implements EngineHooks {
  private readonly lsnOf = new Map<Thd, number>();
  private readonly is56: boolean;

  constructor(
    private readonly server: Server,
    private readonly redo: RedoLog56,
  ) {
    this.is56 = server.version.startsWith("5.6");
  }

  private flushMode(): number {
    return this.server.vars.int("innodb_flush_log_at_trx_commit");
  }

  *prepare(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    // innobase_xa_prepare -> trx_prepare: 5.6 flushes its own prepare record; 5.7.6+ leaves it to the flush-stage leader
    yield t.cpu(codeCost(t, "trx_prepare"), "trx_prepare");
    const lsn = this.redo.append(REDO_PREPARE_BYTES);
    this.lsnOf.set(thd, lsn);
    if (this.is56 && this.flushMode() !== 0) yield* this.redo.writeUpTo(t, lsn, this.flushMode() === 1);
  }

  *flushLogs(t: SimThread): Generator<Effect, void, unknown> {
    // ha_flush_logs(true) in process_flush_stage_queue: one redo write+fsync for the group
    if (this.flushMode() !== 0) yield* this.redo.writeUpTo(t, this.redo.lsn, this.flushMode() === 1);
  }

  *commitLow(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    // innobase_commit -> trx_commit_low: 5.6 makes the commit record durable too; 5.7+ commits
    // with HA_IGNORE_DURABILITY (the binlog is the source of truth after prepare)
    yield t.cpu(codeCost(t, "trx_commit_low"), "trx_commit_low");
    const lsn = this.redo.append(REDO_COMMIT_BYTES);
    if (this.is56 && this.flushMode() !== 0) yield* this.redo.writeUpTo(t, lsn, this.flushMode() === 1);
    this.lsnOf.delete(thd);
  }
}

/**
 * The binary log as a statement model (see installBinlog): the session's binlog cache, the
 * commit through ordered_commit, the binlog statements' work, DDL's Query events.
 */
class BinlogModel implements StatementModel {
  readonly name = "binlog";
  readonly binlog: MysqlBinLog;
  private readonly family: "5.6" | "5.7" | "8.0";
  /** table ids of Table_map events (Table_map_log_event's m_table_id: the share's id, assigned as shares open) */
  private readonly tableIds = new Map<string, number>();
  private nextXid = 1;

  constructor(private readonly server: Server) {
    const version = server.version as BinlogVersion;
    const disk = new Disk((server.ext.datadirDisk as DiskSpec | undefined) ?? SSD);
    const r80 = server.ext.redo80 as { redo: RedoLog; stats: Commit80Stats; purge?: PurgeSys | null } | undefined;
    const redo = new RedoLog56(server.kernel, disk);
    if (!r80) redo.startBackgroundFlush(server.vars);
    const engine: EngineHooks = r80 ? innodb80Engine(r80.redo, server.vars, r80.stats, r80.purge ?? null) : new Innodb57Engine(server, redo);
    const family = (this.family = version.startsWith("5.6") ? "5.6" : version.startsWith("8") ? "8.0" : "5.7");
    const binlog = (this.binlog = new MysqlBinLog(server.kernel, version, server.vars, disk, engine, {
      basename: String(server.vars.get("log_bin_basename")),
      serverVersion: (server.ext.serverVersionText as string | undefined) ?? version,
      formatDescBytes: { "5.6": 116, "5.7": 119, "8.0": 121 }[family],
    }, nptlOf(server, r80?.redo ?? null)));
    // bound, not an arrow: a function literal assigned to a property is allocated old by V8 and
    // kept the whole run alive across minor GCs (issue 20; src/scenario/run.ts ScriptRun)
    binlog.forceRotate = BinlogModel.prototype.forceRotate.bind(this);
    server.ext.binlog = binlog;
    const providers = ((server.ext.metricProviders as (() => Record<string, number>)[] | undefined) ??= []);
    providers.push(() => {
      const s = binlog.stats;
      return {
        binlog_commits: s.commits,
        binlog_flush_groups: s.flushGroups,
        binlog_avg_group_size: s.flushGroups ? Math.round((s.flushGroupMembers / s.flushGroups) * 100) / 100 : 0,
        binlog_fsyncs: s.fsyncs,
        binlog_rotations: s.rotations,
        binlog_bytes: s.bytes,
        redo_fsyncs: r80 ? r80.redo.stats.flushes : redo.flushes,
        binlog_leader_commits: s.leaderCommits,
        binlog_follower_commits: s.followerCommits,
        prep_xids: binlog.m_prep_xids.value,
      };
    });
  }

  private forceRotate(thd: Thd): boolean {
    return debugKeyword(this.server, thd, "force_rotate");
  }

  private tableId(db: string, name: string): number {
    const k = `${db}.${name}`.toLowerCase();
    let id = this.tableIds.get(k);
    if (id === undefined) this.tableIds.set(k, (id = 108 + this.tableIds.size));
    return id;
  }

  private rowFormat(thd: Thd): boolean {
    return String(this.server.sessionVar(thd, "binlog_format")).toUpperCase() === "ROW";
  }

  /** The first event of a transaction: Anonymous_Gtid (5.7+), then Query BEGIN when it has DML. */
  private gtidEvent(): BinlogEvent[] {
    return this.family === "5.6" ? [] : [{ type: "Anonymous_Gtid", size: ANONYMOUS_GTID_BYTES[this.family], info: "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'" }];
  }

  /** A DML statement that ran: its events go to the binlog cache (binlog_query / the row events). */
  private cacheStatement(thd: Thd, stmt: Extract<Statement, { kind: "insert" | "update" | "delete" }>): void {
    const trx = MysqlBinLog.trxOf(thd);
    const temp = tempTables(thd);
    const temporary = temp.size > 0 && temp.has(`${stmt.table.db}.${stmt.table.name}`.toLowerCase());
    const row = this.rowFormat(thd);
    // row format logs no temporary table; a statement that changed no row writes no row event
    const rows = stmt.kind === "insert" && stmt.rows.length ? stmt.rows.length : thd.affectedRows;
    if (row && (temporary || rows === 0)) return;
    const add = (e: BinlogEvent): void => {
      trx.events.push(e);
      trx.cacheBytes += e.size;
    };
    if (trx.events.length === 0) {
      for (const e of this.gtidEvent()) add(e);
      add(queryEvent(stmt.table.db, "BEGIN", "BEGIN"));
    }
    if (!row) {
      add(queryEvent(stmt.table.db, lineOf(stmt.sql ?? thd.info ?? "")));
      return;
    }
    const def = this.server.table(stmt.table.db, stmt.table.name);
    const n = Math.max(1, def?.columns.length ?? 1);
    const bitmap = Math.ceil(n / 8);
    const id = this.tableId(stmt.table.db, stmt.table.name);
    // Table_map: table id + flags 8, db and table names with length and NUL, column count, types, metadata length, null bits
    add({ type: "Table_map", size: HEADER + 8 + stmt.table.db.length + 2 + stmt.table.name.length + 2 + 1 + n + 1 + bitmap + CRC, info: `table_id: ${id} (${stmt.table.db}.${stmt.table.name})` });
    // Write/Update/Delete_rows (v2): table id + flags 8, extra-data length 2, column count, column bitmap(s),
    // then each row image: null bits and (estimated) 4 bytes a column; UPDATE has a before and an after image
    const images = stmt.kind === "update" ? 2 : 1;
    const type = stmt.kind === "insert" ? "Write_rows" : stmt.kind === "update" ? "Update_rows" : "Delete_rows";
    add({ type, size: HEADER + 8 + 2 + 1 + bitmap * images + rows * images * (bitmap + 4 * n) + CRC, info: `table_id: ${id} flags: STMT_END_F` });
  }

  private flushPending(thd: Thd): void {
    const st = thd.ext.binlogPending as Extract<Statement, { kind: "insert" | "update" | "delete" }> | undefined;
    if (!st) return;
    thd.ext.binlogPending = undefined;
    this.cacheStatement(thd, st);
  }

  /**
   * DDL: its Query event when the statement succeeded (write_bin_log). Simplification: the event
   * is appended at once; MySQL sends it through ordered_commit (LOCK_log in the flush stage), which
   * the model does not do for DDL (docs/binlog.md).
   */
  private writeDdl(thd: Thd, stmt: Statement): void {
    if (stmt.kind === "flush_tables" && stmt.withReadLock) return;
    if (stmt.kind === "flush_tables" && stmt.local) return;
    if ((stmt.kind === "create_table" || stmt.kind === "drop_table") && stmt.temporary && this.rowFormat(thd)) return;
    const text = stmt.kind === "drop_table" ? dropTableText(stmt) : lineOf(thd.info ?? "");
    const db = "table" in stmt && stmt.table && typeof stmt.table === "object" && "db" in stmt.table ? (stmt.table as { db: string }).db : thd.db;
    this.binlog.write_direct([...this.gtidEvent(), queryEvent(db, text)]);
  }

  private *binlogWork(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> {
    const binlog = this.binlog;
    switch (stmt.kind) {
      case "flush_binary_logs":
        yield* binlog.flush_binary_logs(t, thd);
        return true;
      case "reset_master":
        yield* binlog.reset_logs(t);
        return true;
      case "show_binlog_events": {
        const r = yield* binlog.show_binlog_events(t, stmt);
        thd.resultSet = { columns: SHOW_BINLOG_EVENTS_COLUMNS, rows: r.events.map((e) => [r.file, String(e.pos), e.type, String(this.server.vars.int("server_id")), String(e.end), e.info]) };
        return true;
      }
      case "show_master_status": {
        const cur = yield* binlog.current_log(t);
        t.trace("binlog.status", undefined, { file: cur.file, position: cur.pos });
        thd.resultSet = { columns: SHOW_MASTER_STATUS_COLUMNS, rows: [[cur.file, String(cur.pos), "", "", ""]] };
        return true;
      }
      default:
        return false;
    }
  }

  before(_t: SimThread, thd: Thd, stmt: Statement): void {
    if (stmt.kind !== "insert" && stmt.kind !== "update" && stmt.kind !== "delete") return;
    // the statement's events are cached once it has run (its row count known): at its commit or its end
    thd.ext.binlogPending = stmt;
  }

  *commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    this.flushPending(thd);
    const trx = MysqlBinLog.trxOf(thd);
    if (trx.events.length === 0) {
      for (const e of this.gtidEvent()) trx.events.push(e), (trx.cacheBytes += e.size);
      trx.events.push(queryEvent(thd.db, "BEGIN", "BEGIN"));
      trx.cacheBytes += trx.events[trx.events.length - 1]!.size;
    }
    trx.events.push({ type: "Xid", size: XID_EVENT_BYTES, info: `COMMIT /* xid=${this.nextXid++} */` });
    trx.cacheBytes += XID_EVENT_BYTES;
    const before = thd.state;
    thd.state = this.binlog.waitState();
    yield* this.binlog.commit(t, thd);
    thd.state = before;
  }

  work(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> | false {
    if (!BINLOG_WORK.has(stmt.kind)) return false;
    return this.binlogWork(t, thd, stmt);
  }

  after(_t: SimThread, thd: Thd, stmt: Statement, _server: Server, failed: boolean): Effects {
    if (failed) thd.ext.binlogPending = undefined;
    else this.flushPending(thd);
    if (!failed && LOGGED_DDL.has(stmt.kind)) this.writeDdl(thd, stmt);
    return NO_EFFECTS;
  }

  endTransaction(_t: SimThread, thd: Thd): Effects {
    // commit wrote the cache; a rollback discards it (binlog_cache_mngr::reset)
    const trx = MysqlBinLog.trxOf(thd);
    trx.events = [];
    trx.cacheBytes = 0;
    thd.ext.binlogPending = undefined;
    return NO_EFFECTS;
  }
}

/**
 * oneLine(text), remembered for the first few thousand texts: a Query event's text is a
 * statement's, and an exploration writes the same few statements run after run.
 */
function lineOf(text: string): string {
  let line = LINES.get(text);
  if (line === undefined) {
    line = oneLine(text);
    if (LINES.size < 10_000) LINES.set(text, line);
  }
  return line;
}
const LINES = new Map<string, string>();

/** mysql_rm_table_no_locks() logs DROP TABLE with each name quoted and a comment (built_query) */
function dropTableText(stmt: Extract<Statement, { kind: "drop_table" }>): string {
  return `DROP ${stmt.temporary ? "TEMPORARY " : ""}TABLE ${stmt.ifExists ? "IF EXISTS " : ""}${stmt.tables.map((t) => `\`${t.name}\``).join(",")} /* generated by server */`;
}

/**
 * machine.glibc (server.ext.glibc) on the 8.0 redo model's machine: glibc's adaptive mutexes and
 * 2.25+ condition variables for the commit path's MY_MUTEX_INIT_FAST mutexes. A spin round is a
 * PAUSE plus the trylock's CAS (the cost table's mysql_mutex_lock); the futex system calls cost
 * what the redo model's do (RedoCosts.eventWaitNs / futexWakeNs, UNVERIFIED).
 */
function nptlOf(server: Server, redo: RedoLog | null): NptlPrimitives | null {
  const glibc = server.ext.glibc as string | undefined;
  if (glibc === undefined || redo === null) return null;
  return {
    host: redo.machine,
    costs: { spinRoundNs: redo.machine.pauseNs + CODE_PATH_COSTS.mysql_mutex_lock.ns, futexWaitNs: redo.costs.eventWaitNs, futexWakeNs: redo.costs.futexWakeNs },
  };
}
