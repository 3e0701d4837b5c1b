import type { Effect, SimThread } from "../../kernel/thread.js";
import { SEC, US } from "../../kernel/time.js";
import { mysqlError } from "../errors.js";
import {
  enum_mdl_duration as D,
  enum_mdl_type as T,
  MdlSystem,
  mdlRequest,
  type MdlContext,
  type MdlRequest,
  type MdlTicket,
} from "../mdl/index.js";
import type { Server } from "../server.js";
import { registerModel, type StatementModel } from "../sql/execute.js";
import type { Statement, TableRef } from "../sql/parse.js";
import { TableDefinitionCache } from "../tdc/table-cache.js";
import type { Thd } from "../thd.js";
import { acquireMdl, MdlWaitSlot, upgradeMdl, wakeWaiter, type MdlSession } from "./mdl-wait.js";

/**
 * Locking as mysql_execute_command meets it (MySQL 8.0 sql_parse.cc / sql_base.cc / lock.cc,
 * with 5.6/5.7 differences where a scenario's version selects them): metadata locks for every
 * statement, LOCK TABLES mode, HANDLER, user-level locks, FLUSH TABLES [WITH READ LOCK] with the
 * table definition cache flush, the COMMIT lock, LOCK INSTANCE FOR BACKUP, and ALTER TABLE's
 * lock upgrades. docs/mdl.md and docs/ftwrl.md give the statement-to-lock table.
 */
interface Session extends MdlSession {
  /** LOCK TABLES mode: the locked tables and how */
  locked: Map<string, { mode: "READ" | "WRITE"; ticket: MdlTicket }> | null;
  handlers: Map<string, MdlTicket>;
  userLocks: Map<string, { ticket: MdlTicket; count: number }>;
  /** FTWRL: GLOBAL S and COMMIT S, held until UNLOCK TABLES */
  grl: { global: MdlTicket; commit: MdlTicket | null } | null;
  backup: MdlTicket | null;
  commitLock: MdlTicket | null;
}

/** Per-statement work costs (not calibrated: MDL scenarios are about order, not speed). */
const OPEN_TABLE_NS = 20 * US;
const DDL_NS = 500 * US;
const COPY_ROW_NS = 2 * US;

export function installLocking(server: Server): void {
  const kernel = server.kernel;
  const sessions = new Map<Thd, Session>();
  const byCtx = new Map<MdlContext, Session>();
  const sys = new MdlSystem({
    maxWriteLockCount: server.vars.int("max_write_lock_count"),
    listener: {
      granted: (ctx, ticket) => wakeWaiter(kernel, byCtx.get(ctx), "granted", ticket),
      victim: (ctx) => wakeWaiter(kernel, byCtx.get(ctx), "victim"),
    },
  });
  const tdc = new TableDefinitionCache(kernel);
  server.ext.mdl = sys;
  server.ext.tdc = tdc;
  server.ext.metadataLocks = () => sys.metadataLocks();

  const is80 = server.version.startsWith("8.0");
  const lwt = (): number => {
    // max_write_lock_count is dynamic: the MDL code reads the global at each use
    sys.setMaxWriteLockCount(server.vars.int("max_write_lock_count"));
    return server.vars.int("lock_wait_timeout");
  };

  function session(t: SimThread, thd: Thd): Session {
    let s = sessions.get(thd);
    if (!s) {
      const ctx = sys.createContext(thd.name, thd.threadId);
      s = { thd, thread: t, ctx, slot: new MdlWaitSlot(ctx, t, (c) => byCtx.get(c)?.thread), locked: null, handlers: new Map(), userLocks: new Map(), grl: null, backup: null, commitLock: null };
      sessions.set(thd, s);
      byCtx.set(ctx, s);
    }
    return s;
  }

  const key = (r: TableRef): string => `${r.db}.${r.name}`.toLowerCase();
  const table = (r: TableRef, type: T, duration = D.MDL_TRANSACTION): MdlRequest => mdlRequest("TABLE", r.db, r.name, type, duration);
  const globalIX = (): MdlRequest => mdlRequest("GLOBAL", "", "", "IX", "STATEMENT");
  const schemaIX = (db: string): MdlRequest => mdlRequest("SCHEMA", db, "", "IX", "TRANSACTION");
  const backupIX = (): MdlRequest => mdlRequest("BACKUP_LOCK", "", "", "IX", "TRANSACTION");

  function* take(t: SimThread, s: Session, req: MdlRequest): Generator<Effect, MdlTicket, unknown> {
    return (yield* acquireMdl(t, s, sys, req, lwt()))!;
  }

  /** lock_table_names: scoped locks first, then the objects sorted by key (MDL_context::acquire_locks). */
  function* takeAll(t: SimThread, s: Session, reqs: MdlRequest[]): Generator<Effect, MdlTicket[], unknown> {
    const sorted = [...reqs].sort((a, b) => a.key.namespace - b.key.namespace || a.key.db.localeCompare(b.key.db) || a.key.name.localeCompare(b.key.name));
    const out: MdlTicket[] = [];
    for (const r of sorted) out.push(yield* take(t, s, r));
    return out;
  }

  /** DDL's scoped locks (8.0 adds BACKUP_LOCK IX, which LOCK INSTANCE FOR BACKUP blocks). */
  function ddlScope(dbs: string[]): MdlRequest[] {
    return [globalIX(), ...(is80 ? [backupIX()] : []), ...[...new Set(dbs)].map(schemaIX)];
  }

  function refuseUnderOwnReadLock(s: Session): void {
    if (s.grl) throw mysqlError("ER_CANT_UPDATE_WITH_READLOCK");
  }

  /**
   * open_table for each table after its MDL is granted: a share with an old version (FLUSH TABLES
   * in progress) makes the statement back off (release this statement's MDL), wait in
   * "Waiting for table flush", and start over (Open_table_context::recover_from_failed_open).
   */
  function* openTables(t: SimThread, s: Session, tables: TableRef[], acquire: () => Generator<Effect, void, unknown>): Generator<Effect, void, unknown> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const sp = s.ctx.mdl_savepoint();
      yield* acquire();
      const old = tables.map((r) => tdc.oldShare(key(r))).find((w) => w !== null);
      if (!old) {
        for (const r of tables) tdc.open(t, key(r));
        if (tables.length) yield t.cpu(OPEN_TABLE_NS * tables.length, "open_tables");
        return;
      }
      s.ctx.rollback_to_savepoint(sp);
      const before = s.thd.state;
      s.thd.state = "Waiting for table flush";
      const r = yield t.acquire(old, undefined, lwt() * SEC);
      s.thd.state = before;
      if (r === "timeout") throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
      if (r === "killed") throw mysqlError("ER_QUERY_INTERRUPTED");
    }
    throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
  }

  /** FK parents of a table (the seed 004 case: DDL on a child takes SRO on each parent). */
  const parentsOf = (r: TableRef): TableRef[] => server.table(r.db, r.name)?.parents ?? [];

  function checkLocked(s: Session, tables: TableRef[], write: boolean): void {
    for (const r of tables) {
      const l = s.locked!.get(key(r));
      if (!l) throw mysqlError("ER_TABLE_NOT_LOCKED", r.name);
      if (write && l.mode !== "WRITE") throw mysqlError("ER_TABLE_NOT_LOCKED_FOR_WRITE", r.name);
    }
  }

  function* releaseGrl(s: Session): Generator<Effect, void, unknown> {
    if (!s.grl) return;
    if (s.grl.commit) s.ctx.release_lock(s.grl.commit);
    s.ctx.release_lock(s.grl.global);
    s.grl = null;
    yield s.thread.yield();
  }

  function* unlockTables(t: SimThread, s: Session): Generator<Effect, void, unknown> {
    if (s.locked) {
      for (const k of s.locked.keys()) tdc.close(t, k);
      s.locked = null;
      s.ctx.release_transactional_locks();
    }
    yield* releaseGrl(s);
  }

  function* alterTable(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "alter_table" }>): Generator<Effect, void, unknown> {
    const def = server.table(stmt.table.db, stmt.table.name);
    let ticket: MdlTicket;
    if (s.locked) {
      checkLocked(s, [stmt.table], true);
      ticket = s.locked.get(key(stmt.table))!.ticket;
    } else {
      const tickets = yield* takeAll(t, s, [...ddlScope([stmt.table.db]), table(stmt.table, T.MDL_SHARED_UPGRADABLE)]);
      ticket = tickets[tickets.length - 1]!;
    }
    if (!def) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
    s.thd.state = "altering table";
    yield t.syncPoint("alter_opened_table");
    const missing = stmt.addIndexColumns.find((c) => !def.columns.includes(c));
    if (missing) throw mysqlError("ER_KEY_COLUMN_DOES_NOT_EXITS", missing);
    const copy = stmt.algorithm === "COPY" || stmt.algorithm === "DEFAULT";
    if (s.locked) {
      // under LOCK TABLES ... WRITE: SNRW -> X
      ticket = yield* upgradeMdl(t, s, sys, ticket, T.MDL_EXCLUSIVE, lwt());
    } else if (copy || stmt.lock === "SHARED") {
      ticket = yield* upgradeMdl(t, s, sys, ticket, stmt.lock === "EXCLUSIVE" ? T.MDL_EXCLUSIVE : T.MDL_SHARED_NO_WRITE, lwt());
      s.thd.state = "copy to tmp table";
      yield t.syncPoint("alter_table_copy_after_lock_upgrade");
    } else if (stmt.lock === "EXCLUSIVE") {
      ticket = yield* upgradeMdl(t, s, sys, ticket, T.MDL_EXCLUSIVE, lwt());
    }
    yield t.cpu(DDL_NS + COPY_ROW_NS * def.rows.length, copy ? "copy rows" : "inplace alter");
    if (stmt.addPrimaryKey.length) {
      const idx = stmt.addPrimaryKey.map((c) => def.columns.indexOf(c));
      const seen = new Set<string>();
      for (const row of def.rows) {
        const k = idx.map((i) => row[i] ?? "").join(",");
        if (seen.has(k)) throw mysqlError("ER_DUP_ENTRY", k, "PRIMARY");
        seen.add(k);
      }
    }
    if (!s.locked) {
      ticket = yield* upgradeMdl(t, s, sys, ticket, T.MDL_EXCLUSIVE, lwt());
      s.thd.state = copy ? "rename result table" : "committing alter table to storage engine";
      yield t.syncPoint("alter_table_before_rename_result_table");
    }
    // Seed 004: the ALTER of an FK child asks for SRO on each parent while it already holds the
    // child exclusively (performance_schema still shows the child's ticket as SHARED_UPGRADABLE,
    // the type it was created with), so reads of the child queue behind it. Where exactly 5.7
    // takes the parent lock is UNVERIFIED; this placement reproduces everything the seed shows.
    for (const p of parentsOf(stmt.table)) yield* take(t, s, table(p, T.MDL_SHARED_READ_ONLY));
    if (stmt.addsColumn) {
      const col = /ADD\s+(?:COLUMN\s+)?`?(\w+)`?/i.exec(s.thd.info ?? "")?.[1]?.toLowerCase();
      if (col && !def.columns.includes(col)) def.columns.push(col);
    }
    if (stmt.renameTo) renameInCatalog(stmt.table, stmt.renameTo);
    yield t.cpu(DDL_NS, "alter commit");
  }

  function renameInCatalog(from: TableRef, to: TableRef): void {
    const def = server.table(from.db, from.name);
    if (!def) throw mysqlError("ER_NO_SUCH_TABLE", `${from.db}.${from.name}`);
    if (server.table(to.db, to.name)) throw mysqlError("ER_TABLE_EXISTS_ERROR", to.name);
    server.tables.delete(`${from.db}.${from.name}`.toLowerCase());
    server.addTable({ ...def, db: to.db, name: to.name });
  }

  /** FLUSH TABLES [list] [WITH READ LOCK] (sql_reload.cc, lock.cc: lock_global_read_lock, make_global_read_lock_block_commit). */
  function* flushTables(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "flush_tables" }>): Generator<Effect, void, unknown> {
    if (stmt.withReadLock && (s.locked || s.thd.trx.active)) throw mysqlError("ER_LOCK_OR_ACTIVE_TRANSACTION");
    if (stmt.withReadLock && stmt.tables.length === 0) {
      if (!s.grl) {
        const global = yield* take(t, s, mdlRequest("GLOBAL", "", "", "S", "EXPLICIT"));
        s.grl = { global, commit: null };
      }
    }
    if (stmt.withReadLock && stmt.tables.length > 0) {
      // FLUSH TABLES t1 WITH READ LOCK: like LOCK TABLES t1 READ, after flushing t1 (SNW while flushing)
      const tickets = yield* takeAll(t, s, stmt.tables.map((r) => table(r, T.MDL_SHARED_NO_WRITE)));
      s.locked = new Map(stmt.tables.map((r, i) => [key(r), { mode: "READ" as const, ticket: tickets[i]! }]));
    }
    // close_cached_tables: bump the version and wait for old tables to go
    const keys = stmt.tables.length ? stmt.tables.map(key) : null;
    const wait = tdc.flush(t, keys);
    s.thd.state = "Waiting for table flush";
    const r = yield t.acquire(wait, undefined, lwt() * SEC);
    s.thd.state = "";
    if (r === "timeout" || r === "killed") {
      if (stmt.withReadLock) {
        yield* releaseGrl(s);
        if (s.locked) yield* unlockTables(t, s);
      }
      throw r === "timeout" ? mysqlError("ER_LOCK_WAIT_TIMEOUT") : mysqlError("ER_QUERY_INTERRUPTED");
    }
    if (stmt.withReadLock && stmt.tables.length === 0 && s.grl && !s.grl.commit) {
      try {
        s.grl.commit = yield* take(t, s, mdlRequest("COMMIT", "", "", "S", "EXPLICIT"));
      } catch (e) {
        yield* releaseGrl(s);
        throw e;
      }
    }
    if (s.locked) for (const k of s.locked.keys()) tdc.open(t, k);
  }

  const model: StatementModel = {
    name: "locking",

    *before(t, thd, stmt) {
      const s = session(t, thd);
      switch (stmt.kind) {
        case "select": {
          if (s.locked) return checkLocked(s, stmt.tables, stmt.lock === "for_update");
          const type = stmt.infoSchema ? T.MDL_SHARED_HIGH_PRIO : stmt.lock === "for_update" ? T.MDL_SHARED_WRITE : T.MDL_SHARED_READ;
          if (stmt.lock === "for_update") refuseUnderOwnReadLock(s);
          yield* openTables(t, s, stmt.infoSchema ? [] : stmt.tables, function* () {
            if (stmt.lock === "for_update") yield* take(t, s, globalIX());
            for (const r of stmt.tables) yield* take(t, s, table(r, type));
          });
          if (stmt.infoSchema) yield t.syncPoint("after_open_table_mdl_shared");
          return;
        }
        case "insert":
        case "update":
        case "delete": {
          if (s.locked) return checkLocked(s, [stmt.table], true);
          refuseUnderOwnReadLock(s);
          if (!server.table(stmt.table.db, stmt.table.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
          yield* openTables(t, s, [stmt.table], function* () {
            yield* take(t, s, globalIX());
            yield* take(t, s, table(stmt.table, stmt.lowPriority ? T.MDL_SHARED_WRITE_LOW_PRIO : T.MDL_SHARED_WRITE));
            // FK checks read the parents (UNVERIFIED for 8.0: SR on each parent)
            for (const p of parentsOf(stmt.table)) yield* take(t, s, table(p, T.MDL_SHARED_READ));
          });
          return;
        }
        case "lock_tables": {
          yield* unlockTables(t, s);
          const writes = stmt.items.filter((i) => i.mode.endsWith("WRITE"));
          if (writes.length) refuseUnderOwnReadLock(s);
          s.ctx.set_force_dml_deadlock_weight(true);
          try {
            const reqs = [
              ...(writes.length ? [globalIX(), ...(is80 ? [backupIX()] : []), ...[...new Set(writes.map((w) => w.table.db))].map(schemaIX)] : []),
              ...stmt.items.map((i) => table(i.table, i.mode === "READ LOCAL" ? T.MDL_SHARED_READ : i.mode === "READ" ? T.MDL_SHARED_READ_ONLY : T.MDL_SHARED_NO_READ_WRITE)),
            ];
            yield* openTables(t, s, stmt.items.map((i) => i.table), function* () {
              yield* takeAll(t, s, reqs);
            });
          } finally {
            s.ctx.set_force_dml_deadlock_weight(false);
          }
          const tickets = s.ctx.tickets[D.MDL_TRANSACTION];
          s.locked = new Map(stmt.items.map((i) => [key(i.table), { mode: i.mode.endsWith("WRITE") ? ("WRITE" as const) : ("READ" as const), ticket: tickets.find((tk) => tk.lock.key.name === i.table.name && tk.lock.key.db === i.table.db)! }]));
          return;
        }
        case "create_table": {
          refuseUnderOwnReadLock(s);
          yield* takeAll(t, s, [...ddlScope([stmt.table.db]), table(stmt.table, T.MDL_EXCLUSIVE)]);
          if (server.table(stmt.table.db, stmt.table.name) && !stmt.ifNotExists) throw mysqlError("ER_TABLE_EXISTS_ERROR", stmt.table.name);
          return;
        }
        case "drop_table": {
          refuseUnderOwnReadLock(s);
          yield* takeAll(t, s, [...ddlScope(stmt.tables.map((r) => r.db)), ...stmt.tables.map((r) => table(r, T.MDL_EXCLUSIVE))]);
          const missing = stmt.tables.filter((r) => !server.table(r.db, r.name));
          if (missing.length && !stmt.ifExists) throw mysqlError("ER_BAD_TABLE_ERROR", missing.map((r) => `${r.db}.${r.name}`).join(","));
          return;
        }
        case "truncate_table":
          refuseUnderOwnReadLock(s);
          yield* takeAll(t, s, [...ddlScope([stmt.table.db]), table(stmt.table, T.MDL_EXCLUSIVE)]);
          if (!server.table(stmt.table.db, stmt.table.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
          return;
        case "rename_table":
          refuseUnderOwnReadLock(s);
          yield* takeAll(t, s, [...ddlScope(stmt.pairs.flatMap(([a, b]) => [a.db, b.db])), ...stmt.pairs.flatMap(([a, b]) => [table(a, T.MDL_EXCLUSIVE), table(b, T.MDL_EXCLUSIVE)])]);
          return;
        case "alter_table":
          refuseUnderOwnReadLock(s);
          return; // the work hook does ALTER's locking: it interleaves locks and work
      }
    },

    *work(t, thd, stmt) {
      const s = session(t, thd);
      switch (stmt.kind) {
        case "alter_table":
          yield* alterTable(t, s, stmt);
          return true;
        case "rename_table":
          for (const [a, b] of stmt.pairs) renameInCatalog(a, b);
          yield t.cpu(DDL_NS, "rename");
          return true;
        case "unlock_tables":
          yield* unlockTables(t, s);
          return true;
        case "flush_tables":
          yield* flushTables(t, s, stmt);
          return true;
        case "handler": {
          const k = key(stmt.table);
          if (stmt.action === "open") {
            if (!server.table(stmt.table.db, stmt.table.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
            const ticket = yield* take(t, s, table(stmt.table, T.MDL_SHARED, D.MDL_EXPLICIT));
            s.handlers.set(k, ticket);
            s.ctx.set_needs_thr_lock_abort(true);
          } else if (stmt.action === "close") {
            const ticket = s.handlers.get(k);
            if (ticket) {
              s.ctx.release_lock(ticket);
              s.handlers.delete(k);
            }
          } else if (!s.handlers.has(k)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
          yield t.cpu(OPEN_TABLE_NS, "handler");
          return true;
        }
        case "get_lock": {
          const held = s.userLocks.get(stmt.name);
          if (held) {
            held.count++;
            return true;
          }
          const timeoutNs = Math.max(0, stmt.timeoutS) * SEC;
          const ticket = yield* acquireMdl(t, s, sys, mdlRequest("USER_LEVEL_LOCK", "", stmt.name, "X", "EXPLICIT"), lwt(), { timeoutNs, timeoutIsNull: true });
          if (ticket) s.userLocks.set(stmt.name, { ticket, count: 1 });
          t.trace("user_lock", stmt.name, { result: ticket ? 1 : 0 });
          return true;
        }
        case "release_lock": {
          const held = s.userLocks.get(stmt.name);
          if (held && --held.count === 0) {
            s.ctx.release_lock(held.ticket);
            s.userLocks.delete(stmt.name);
          }
          yield t.yield();
          return true;
        }
        case "lock_instance_for_backup":
          if (!s.backup) s.backup = yield* take(t, s, mdlRequest("BACKUP_LOCK", "", "", "S", "EXPLICIT"));
          return true;
        case "unlock_instance":
          if (s.backup) s.ctx.release_lock(s.backup);
          s.backup = null;
          yield t.yield();
          return true;
        default:
          return false;
      }
    },

    *commit(t, thd) {
      // ha_commit_trans: a read-write transaction takes COMMIT IX (explicit) for the commit
      const s = session(t, thd);
      if (s.commitLock) return;
      s.commitLock = yield* take(t, s, mdlRequest("COMMIT", "", "", "IX", "EXPLICIT"));
      yield t.syncPoint("ha_commit_trans_after_acquire_commit_lock");
    },

    *after(t, thd, stmt) {
      const s = session(t, thd);
      if (!s.locked) tdc.closeAll(t);
      s.ctx.release_statement_locks();
      // DDL and autocommit statements end their transaction's locks here (trans_commit_implicit)
      const ddl = ["alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "flush_tables"].includes(stmt.kind);
      if (!s.locked && (ddl || !thd.trx.explicit)) s.ctx.release_transactional_locks();
      yield t.yield();
    },

    *endTransaction(t, thd) {
      const s = session(t, thd);
      if (s.commitLock) {
        s.ctx.release_lock(s.commitLock);
        s.commitLock = null;
      }
      if (!s.locked) s.ctx.release_transactional_locks();
      yield t.yield();
    },

    *disconnect(t, thd) {
      const s = session(t, thd);
      yield* unlockTables(t, s);
      for (const tk of s.handlers.values()) s.ctx.release_lock(tk);
      for (const u of s.userLocks.values()) s.ctx.release_lock(u.ticket);
      if (s.backup) s.ctx.release_lock(s.backup);
      if (s.commitLock) s.ctx.release_lock(s.commitLock);
      s.handlers.clear();
      s.userLocks.clear();
      s.backup = null;
      s.commitLock = null;
      s.ctx.release_transactional_locks();
      s.ctx.release_statement_locks();
      tdc.closeAll(t);
    },
  };
  registerModel(server, model);
}
