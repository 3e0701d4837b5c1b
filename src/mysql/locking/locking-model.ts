import type { Effect, SimThread } from "../../kernel/thread.js";
import { MS, SEC, US } from "../../kernel/time.js";
import { MysqlError, mysqlError } from "../errors.js";
import {
  enum_mdl_duration as D,
  enum_mdl_type as T,
  MdlNamespace,
  MdlSystem,
  mdlRequest,
  type MdlContext,
  type MdlRequest,
  type MdlTicket,
  describeKey,
  MDL_TYPE_PFS_NAME,
} from "../mdl/index.js";
import { filesModelActive, type MachineSpec } from "../innodb/files-model.js";
import type { Server } from "../server.js";
import { registerModel, rollbackTransaction, type StatementModel } from "../sql/execute.js";
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
  /** every ticket LOCK TABLES took (scoped locks too), explicit until UNLOCK TABLES */
  lockedTickets: MdlTicket[];
  /** open HANDLERs by alias (the table name unless HANDLER t OPEN AS a) */
  handlers: Map<string, MdlTicket>;
  userLocks: Map<string, { ticket: MdlTicket; count: number }>;
  /** FTWRL (Global_read_lock): GLOBAL S and COMMIT S, held until UNLOCK TABLES; since = GLOBAL S granted */
  grl: { global: MdlTicket; commit: MdlTicket | null; since: number } | null;
  backup: MdlTicket | null;
  commitLock: MdlTicket | null;
  /** the statement being executed (null between statements) */
  current: Statement["kind"] | null;
}

/** Processlist states whose waits every backup-related scenario reports (0 when nobody waited). */
const BACKUP_WAIT_STATES = ["Waiting for global read lock", "Waiting for table flush", "Waiting for commit lock"];

/** "Waiting for table flush" -> "table_flush" (metric names) */
export function waitStateSlug(state: string): string {
  return state
    .replace(/^Waiting for /, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
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
  // every release is traced, so renderers show metadata_locks as it was, not inferred
  sys.onReleased = (ctx, ticket) => {
    const th = byCtx.get(ctx)?.thread;
    if (th && kernel.trace.enabled) kernel.trace.emit(kernel.now, th.name, "mdl.release", describeKey(ticket.lock.key), { type: MDL_TYPE_PFS_NAME[ticket.psiType] });
  };
  const tdc = new TableDefinitionCache(kernel);
  server.ext.mdl = sys;
  server.ext.tdc = tdc;
  server.ext.metadataLocks = () => sys.metadataLocks();

  const is80 = server.version.startsWith("8.0");
  const metrics = server.metrics;
  const ms = (ns: number): number => Math.round((ns / MS) * 1000) / 1000;
  /** wait_<state>_max_ms / _count: the longest wait in each processlist state, and how many */
  const waited = (state: string, ns: number): void => {
    const slug = waitStateSlug(state);
    const max = `wait_${slug}_max_ms`;
    metrics.counters.set(max, Math.max(metrics.counters.get(max) ?? 0, ms(ns)));
    metrics.add(`wait_${slug}_count`);
  };
  /** backup statements make the backup metrics exist even when nobody had to wait */
  const backupMetrics = (): void => {
    for (const st of BACKUP_WAIT_STATES) {
      const slug = waitStateSlug(st);
      if (!metrics.counters.has(`wait_${slug}_max_ms`)) metrics.counters.set(`wait_${slug}_max_ms`, 0);
      if (!metrics.counters.has(`wait_${slug}_count`)) metrics.counters.set(`wait_${slug}_count`, 0);
    }
    for (const m of ["ftwrl_stall_ms", "grl_held_ms"]) if (!metrics.counters.has(m)) metrics.counters.set(m, 0);
  };
  const lwt = (): number => {
    // max_write_lock_count is dynamic: the MDL code reads the global at each use
    sys.setMaxWriteLockCount(server.vars.int("max_write_lock_count"));
    // lock_wait_timeout: the session value of the thread that is about to wait (SET SESSION on a backup connection)
    const thd = kernel.current?.data as Thd | undefined;
    return Number(thd ? server.sessionVar(thd, "lock_wait_timeout") : server.vars.int("lock_wait_timeout"));
  };

  function session(t: SimThread, thd: Thd): Session {
    let s = sessions.get(thd);
    if (!s) {
      const ctx = sys.createContext(thd.name, thd.threadId);
      s = {
        thd,
        thread: t,
        ctx,
        slot: new MdlWaitSlot(ctx, t, (c) => byCtx.get(c)?.thread),
        waited,
        locked: null,
        lockedTickets: [],
        handlers: new Map(),
        userLocks: new Map(),
        grl: null,
        backup: null,
        commitLock: null,
        current: null,
      };
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

  const sameTable = (tk: MdlTicket, r: TableRef): boolean => tk.lock.key.namespace === MdlNamespace.TABLE && tk.lock.key.db === r.db && tk.lock.key.name === r.name;

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
    // Open_table_context::m_has_locks / can_back_off(): a statement that held no lock when it
    // started backs off silently as a deadlock victim and starts over (MDL_deadlock_handler);
    // one that held locks fails with ER_LOCK_DEADLOCK and its transaction is rolled back.
    const canBackOff = !s.ctx.has_locks();
    for (let attempt = 0; attempt < 1000; attempt++) {
      const sp = s.ctx.mdl_savepoint();
      try {
        yield* acquire();
      } catch (e) {
        if (!(canBackOff && s.victim && e instanceof MysqlError && e.def.name === "ER_LOCK_DEADLOCK")) throw e;
        s.victim = false;
        s.ctx.rollback_to_savepoint(sp);
        t.trace("mdl.backoff", undefined, { reason: "deadlock victim holding only this statement's locks" });
        yield t.yield();
        continue;
      }
      const old = tables.map((r) => tdc.oldShare(key(r))).find((w) => w !== null);
      if (!old) {
        for (const r of tables) tdc.open(t, key(r));
        if (tables.length) yield t.cpu(OPEN_TABLE_NS * tables.length, "open_tables");
        return;
      }
      s.ctx.rollback_to_savepoint(sp);
      const before = s.thd.state;
      s.thd.state = "Waiting for table flush";
      const since = t.kernel.now;
      const r = yield t.acquire(old, undefined, lwt() * SEC);
      s.thd.state = before;
      waited("Waiting for table flush", t.kernel.now - since);
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

  /** Global_read_lock::unlock_global_read_lock() */
  function* releaseGrl(s: Session): Generator<Effect, void, unknown> {
    if (!s.grl) return;
    metrics.add("grl_held_ms", ms(s.thread.kernel.now - s.grl.since));
    if (s.grl.commit) s.ctx.release_lock(s.grl.commit);
    s.ctx.release_lock(s.grl.global);
    s.grl = null;
    yield s.thread.yield();
  }

  /** Locked_tables_list::unlock_locked_tables(): LOCK TABLES' tickets go, other explicit locks (HANDLER, GRL, user locks) stay. */
  function unlockLockedTables(t: SimThread, s: Session): void {
    if (!s.locked) return;
    for (const k of s.locked.keys()) tdc.close(t, k);
    s.locked = null;
    for (const tk of s.lockedTickets) s.ctx.release_ticket(tk);
    s.lockedTickets = [];
  }

  /** UNLOCK TABLES: the locked tables, then the global read lock. */
  function* unlockTables(t: SimThread, s: Session): Generator<Effect, void, unknown> {
    unlockLockedTables(t, s);
    yield* releaseGrl(s);
  }

  /** LOCK TABLES mode starts: its locks outlive statements and transactions (set_explicit_duration_for_all_locks). */
  function enterLockedTables(s: Session, before: Set<MdlTicket>, items: { table: TableRef; mode: "READ" | "WRITE" }[]): void {
    s.ctx.set_explicit_duration_for_all_locks();
    s.lockedTickets = s.ctx.allTickets().filter((tk) => !before.has(tk));
    s.locked = new Map(items.map((i) => [key(i.table), { mode: i.mode, ticket: s.lockedTickets.find((tk) => sameTable(tk, i.table))! }]));
  }

  function* alterTable(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "alter_table" }>): Generator<Effect, void, unknown> {
    const def = server.table(stmt.table.db, stmt.table.name);
    let ticket: MdlTicket;
    if (s.locked) {
      checkLocked(s, [stmt.table], true);
      ticket = s.locked.get(key(stmt.table))!.ticket;
    } else {
      // open_tables(): SU on the table, and X on the new name of ALTER ... RENAME TO (DL-03)
      const target = stmt.renameTo ? [table(stmt.renameTo, T.MDL_EXCLUSIVE)] : [];
      const tickets = yield* takeAll(t, s, [...ddlScope([stmt.table.db, ...(stmt.renameTo ? [stmt.renameTo.db] : [])]), table(stmt.table, T.MDL_SHARED_UPGRADABLE), ...target]);
      ticket = tickets.find((tk) => sameTable(tk, stmt.table))!;
    }
    if (s.locked) {
      // under LOCK TABLES ... WRITE the ALTER upgrades SNRW -> X and goes back to SNRW at the end, failed or not
      const lockedTicket = ticket;
      try {
        yield* alterWork(t, s, stmt, def, ticket);
      } finally {
        if (lockedTicket.type === T.MDL_EXCLUSIVE) s.ctx.downgrade_lock(lockedTicket, T.MDL_SHARED_NO_READ_WRITE);
      }
      return;
    }
    yield* alterWork(t, s, stmt, def, ticket);
  }

  function* alterWork(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "alter_table" }>, def: ReturnType<typeof server.table>, ticket: MdlTicket): Generator<Effect, void, unknown> {
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

  /**
   * FLUSH TABLES [list] [WITH READ LOCK] (sql_reload.cc reload_acl_and_cache, lock.cc). FTWRL is
   * three steps, each a place where it can wait:
   *  1. Global_read_lock::lock_global_read_lock(): GLOBAL S, explicit ("Waiting for global read
   *     lock" while a statement holds GLOBAL IX). From the moment it is requested, every new
   *     writer waits behind it in the same state.
   *  2. close_cached_tables(): bump refresh_version; wait, with lock_wait_timeout, until no table
   *     opened before is still in use ("Waiting for table flush"). A statement that opens such a
   *     table waits for the same old share in the same state, and keeps waiting after FTWRL gives
   *     up: the share stays old until its last user closes it.
   *  3. Global_read_lock::make_global_read_lock_block_commit(): COMMIT S, explicit ("Waiting for
   *     commit lock" while a COMMIT holds COMMIT IX).
   * A failure in 2 or 3 releases the global read lock ("don't leave things in a half-locked state").
   */
  function* flushTables(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "flush_tables" }>): Generator<Effect, void, unknown> {
    if (stmt.withReadLock && (s.locked || s.thd.trx.active)) throw mysqlError("ER_LOCK_OR_ACTIVE_TRANSACTION");
    const ftwrl = stmt.withReadLock && stmt.tables.length === 0;
    const ownedGrl = ftwrl && s.grl !== null;
    if (ftwrl && !s.grl) {
      t.trace("ftwrl.stage", "lock_global_read_lock");
      const global = yield* take(t, s, mdlRequest("GLOBAL", "", "", "S", "EXPLICIT"));
      s.grl = { global, commit: null, since: t.kernel.now };
    }
    const stallEnd = (): void => {
      if (ftwrl && !ownedGrl && s.grl) metrics.add("ftwrl_stall_ms", ms(t.kernel.now - s.grl.since));
    };
    let before: Set<MdlTicket> | null = null;
    if (stmt.withReadLock && stmt.tables.length > 0) {
      // FLUSH TABLES t1 WITH READ LOCK: like LOCK TABLES t1 READ, after flushing t1 (SNW while flushing)
      before = new Set(s.ctx.allTickets());
      yield* takeAll(t, s, stmt.tables.map((r) => table(r, T.MDL_SHARED_NO_WRITE)));
    }
    // close_cached_tables: bump the version and wait for old tables to go
    if (ftwrl) t.trace("ftwrl.stage", "close_cached_tables");
    const keys = stmt.tables.length ? stmt.tables.map(key) : null;
    const wait = tdc.flush(t, keys);
    const prev = s.thd.state;
    s.thd.state = "Waiting for table flush";
    const since = t.kernel.now;
    const r = yield t.acquire(wait, undefined, lwt() * SEC);
    s.thd.state = prev;
    if (t.kernel.now > since) metrics.add("flush_tables_wait_ms", ms(t.kernel.now - since));
    if (r === "timeout" || r === "killed") {
      stallEnd();
      if (ftwrl && !ownedGrl) yield* releaseGrl(s);
      if (before) s.ctx.rollback_to_savepoint({ stmtTicket: null, transTicket: null });
      throw r === "timeout" ? mysqlError("ER_LOCK_WAIT_TIMEOUT") : mysqlError("ER_QUERY_INTERRUPTED");
    }
    if (ftwrl && s.grl && !s.grl.commit) {
      t.trace("ftwrl.stage", "make_global_read_lock_block_commit");
      try {
        s.grl.commit = yield* take(t, s, mdlRequest("COMMIT", "", "", "S", "EXPLICIT"));
      } catch (e) {
        stallEnd();
        yield* releaseGrl(s);
        throw e;
      }
    }
    stallEnd();
    if (before) {
      enterLockedTables(s, before, stmt.tables.map((r) => ({ table: r, mode: "READ" as const })));
      for (const k of s.locked!.keys()) tdc.open(t, k);
    }
  }

  const model: StatementModel = {
    name: "locking",

    *before(t, thd, stmt) {
      const s = session(t, thd);
      s.current = stmt.kind;
      s.victim = false;
      if (stmt.kind === "flush_tables" || stmt.kind === "lock_instance_for_backup") backupMetrics();
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
          // LOCK TABLES ends an earlier LOCK TABLES (not FTWRL: only UNLOCK TABLES ends that)
          unlockLockedTables(t, s);
          const writes = stmt.items.filter((i) => i.mode.endsWith("WRITE"));
          if (writes.length) refuseUnderOwnReadLock(s);
          const before = new Set(s.ctx.allTickets());
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
          // the locks (GLOBAL IX and SCHEMA IX of WRITE too: PFS-01 marker 8) now last until UNLOCK TABLES
          enterLockedTables(s, before, stmt.items.map((i) => ({ table: i.table, mode: i.mode.endsWith("WRITE") ? ("WRITE" as const) : ("READ" as const) })));
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
        case "create_table":
        case "drop_table":
          // the catalog change, unless the InnoDB files model (a scenario with a machine) owns it
          if (filesModelActive(server.ext.machine as MachineSpec | undefined)) return false;
          if (stmt.kind === "create_table") {
            if (!server.table(stmt.table.db, stmt.table.name)) server.addTable({ db: stmt.table.db, name: stmt.table.name, columns: stmt.columns, parents: stmt.parents, rows: [] });
          } else for (const r of stmt.tables) server.tables.delete(`${r.db}.${r.name}`.toLowerCase());
          yield t.cpu(DDL_NS, stmt.kind === "create_table" ? "create table" : "drop table");
          return true;
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
          // HANDLERs are known by alias: HANDLER t1 OPEN AS t; HANDLER t CLOSE
          const k = (stmt.alias ?? stmt.table.name).toLowerCase();
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
      // the transaction's changes are committed from here on (the FTWRL property test reads this record)
      t.trace("trx.commit", thd.name);
    },

    /**
     * The end of mysql_execute_command: close_thread_tables, the execute_command_after_close_tables
     * sync point (not for SET), then: a deadlock victim's transaction is rolled back
     * (transaction_rollback_request); DDL and autocommit statements release their transactional
     * locks; a statement inside a transaction releases its statement locks only.
     */
    *after(t, thd, stmt) {
      const s = session(t, thd);
      if (!s.locked) tdc.closeAll(t);
      if (stmt.kind !== "set_var" && stmt.kind !== "set_debug_sync" && stmt.kind !== "set_isolation") yield t.syncPoint("execute_command_after_close_tables");
      s.current = null;
      if (s.victim) {
        s.victim = false;
        if (thd.trx.active) {
          t.trace("trx.rollback", thd.name, { reason: "ER_LOCK_DEADLOCK (transaction_rollback_request)" });
          yield* rollbackTransaction(t, thd, server);
        }
      }
      s.ctx.release_statement_locks();
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
      // an autocommitted statement keeps its locks until the statement ends (after)
      const autocommitEnd = s.current === "insert" || s.current === "update" || s.current === "delete" || s.current === "select";
      if (!s.locked && !autocommitEnd) s.ctx.release_transactional_locks();
      yield t.yield();
    },

    *disconnect(t, thd) {
      const s = session(t, thd);
      s.current = null;
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
