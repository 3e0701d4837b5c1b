import type { Effect, SimThread } from "../../kernel/thread.js";
import { Disk, SSD, type DiskSpec } from "../../machine/disk.js";
import { innodb80Engine, type Commit80Stats } from "../innodb/commit80.js";
import type { RedoLog } from "../innodb/redo.js";
import type { PurgeSys } from "../innodb/purge.js";
import { codeCost } from "../costs.js";
import { REDO_COMMIT_BYTES, REDO_PREPARE_BYTES, RedoLog56 } from "../innodb/trx.js";
import type { Server } from "../server.js";
import type { Statement } from "../sql/parse.js";
import { registerModel, type StatementModel } from "../sql/execute.js";
import type { Thd } from "../thd.js";
import { MysqlBinLog, type BinlogVersion, type EngineHooks } from "./binlog.js";

/** binlog event sizes of a small row transaction (orders of magnitude) */
const GTID_AND_BEGIN_BYTES = 100;
const ROW_EVENT_BYTES = 150;
const XID_EVENT_BYTES = 31;

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
  const version = server.version as BinlogVersion;
  const disk = new Disk((server.ext.datadirDisk as DiskSpec | undefined) ?? SSD);
  const r80 = server.ext.redo80 as { redo: RedoLog; stats: Commit80Stats; purge?: PurgeSys | null } | undefined;
  const redo = new RedoLog56(server.kernel, disk);
  if (!r80) redo.startBackgroundFlush(server.vars);
  const is56 = version.startsWith("5.6");
  const flushMode = (): number => server.vars.int("innodb_flush_log_at_trx_commit");
  const lsnOf = new Map<Thd, number>();

  const engine: EngineHooks = r80 ? innodb80Engine(r80.redo, server.vars, r80.stats, r80.purge ?? null) : {
    *prepare(t, thd) {
      // innobase_xa_prepare -> trx_prepare: 5.6 flushes its own prepare record; 5.7.6+ leaves it to the flush-stage leader
      yield t.cpu(codeCost(t, "trx_prepare"), "trx_prepare");
      const lsn = redo.append(REDO_PREPARE_BYTES);
      lsnOf.set(thd, lsn);
      if (is56 && flushMode() !== 0) yield* redo.writeUpTo(t, lsn, flushMode() === 1);
    },
    *flushLogs(t) {
      // ha_flush_logs(true) in process_flush_stage_queue: one redo write+fsync for the group
      if (flushMode() !== 0) yield* redo.writeUpTo(t, redo.lsn, flushMode() === 1);
    },
    *commitLow(t, thd) {
      // innobase_commit -> trx_commit_low: 5.6 makes the commit record durable too; 5.7+ commits
      // with HA_IGNORE_DURABILITY (the binlog is the source of truth after prepare)
      yield t.cpu(codeCost(t, "trx_commit_low"), "trx_commit_low");
      const lsn = redo.append(REDO_COMMIT_BYTES);
      if (is56 && flushMode() !== 0) yield* redo.writeUpTo(t, lsn, flushMode() === 1);
      lsnOf.delete(thd);
    },
  };
  const binlog = new MysqlBinLog(server.kernel, version, server.vars, disk, engine);
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

  function* binlogWork(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> {
    if (stmt.kind === "flush_binary_logs") {
      yield* binlog.flush_binary_logs(t, thd);
      return true;
    }
    t.trace("binlog.status", undefined, { file: `binlog.${String(binlog.fileIndex).padStart(6, "0")}`, position: binlog.fileBytes });
    yield t.yield();
    return true;
  }

  const model: StatementModel = {
    name: "binlog",
    before(_t, thd, stmt) {
      if (stmt.kind !== "insert" && stmt.kind !== "update" && stmt.kind !== "delete") return;
      const trx = MysqlBinLog.trxOf(thd);
      if (trx.cacheBytes === 0) trx.cacheBytes = GTID_AND_BEGIN_BYTES;
      trx.cacheBytes += ROW_EVENT_BYTES * Math.max(1, stmt.rows.length);
    },
    *commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
      const trx = MysqlBinLog.trxOf(thd);
      trx.cacheBytes += XID_EVENT_BYTES;
      const before = thd.state;
      thd.state = binlog.waitState();
      yield* binlog.commit(t, thd);
      thd.state = before;
    },
    work(t, thd, stmt) {
      if (stmt.kind !== "flush_binary_logs" && stmt.kind !== "show_master_status") return false;
      return binlogWork(t, thd, stmt);
    },
  };
  registerModel(server, model);
  return binlog;
}
