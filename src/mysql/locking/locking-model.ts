import { debugKeyword } from "../debug-keywords.js";
import { debugSync } from "../../sync/debug-sync.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import { MS, SEC, US } from "../../kernel/time.js";
import { MysqlError, mysqlError } from "../errors.js";
import {
  enum_mdl_duration as D,
  enum_mdl_type as T,
  DEADLOCK_WEIGHTS_57,
  DEADLOCK_WEIGHTS_80,
  MdlNamespace,
  MdlSystem,
  mdlRequest,
  type MdlContext,
  type MdlRequest,
  type MdlSavepoint,
  type MdlTicket,
  describeKey,
  MDL_TYPE_PFS_NAME,
  Wait_for_flush,
} from "../mdl/index.js";
import { type FkAction, type ForeignKeyDef, type LockPoint, lockRequests, mysqlLine, type RuleContext, type StatementKind } from "../mdl/rules.js";
import { sortLikeAcquireLocks } from "../mdl/statements.js";
import { filesModelActive, type MachineSpec } from "../innodb/files-model.js";
import type { Metrics, Server, TableDef } from "../server.js";
import { registerModel, rollbackTransaction, type StatementModel } from "../sql/execute.js";
import type { Statement, TableRef } from "../sql/parse.js";
import { type Share, TableDefinitionCache } from "../tdc/table-cache.js";
import type { Thd } from "../thd.js";
import { bodyTables } from "../sql/parse.js";
import { isTemporary, sessionTable, tempTables } from "../sql/query.js";
import { resultSet } from "../sql/result.js";
import type { Value } from "../sql/expr.js";
import { ULL_WAIT, ullName, ullTimeoutS, type UserLockService } from "./user-locks.js";
import { ThrLock, ThrLocks, type ThrLockType } from "./thr-lock.js";
import { acquireMdl, downgradeMdl, MdlWaitSlot, requestMdl, settleMdl, upgradeMdl, wakeWaiter, type MdlSession } from "./mdl-wait.js";
import { STAGE_ALTER_INPLACE, STAGE_ALTER_INPLACE_COMMIT, STAGE_COPY_TO_TMP_TABLE, STAGE_RENAME_RESULT_TABLE, STAGE_WAITING_FOR_TABLE_FLUSH, STAGE_WAITING_FOR_TABLE_LEVEL_LOCK } from "../thread-states.js";

/**
 * Locking as mysql_execute_command meets it (MySQL 8.0 sql_parse.cc / sql_base.cc / lock.cc,
 * with 5.6/5.7 differences where a scenario's version selects them): metadata locks for every
 * statement, LOCK TABLES mode, HANDLER, user-level locks, FLUSH TABLES [WITH READ LOCK] with the
 * table definition cache flush, the COMMIT lock, LOCK INSTANCE FOR BACKUP, and ALTER TABLE's
 * lock upgrades. Which locks a statement requests, and when, comes from the one rule table in
 * src/mysql/mdl/rules.ts (`lockRequests(point, ...)`); this file executes it: waiting, back-off,
 * deadlock-weight forcing, the table flush, LOCK TABLES mode and the release points.
 */
interface Session extends MdlSession {
  /** LOCK TABLES mode: the locked tables and how */
  locked: Map<string, { mode: "READ" | "WRITE"; ticket: MdlTicket }> | null;
  /** every ticket LOCK TABLES took (scoped locks too), explicit until UNLOCK TABLES */
  lockedTickets: MdlTicket[];
  /** open HANDLERs by alias (the table name unless HANDLER t OPEN AS a); ticket null: closed by mysql_ha_flush, reopened by HANDLER READ */
  handlers: Map<string, { table: TableRef; ticket: MdlTicket | null }>;
  userLocks: Map<string, { ticket: MdlTicket; count: number }>;
  /** FTWRL (Global_read_lock): GLOBAL S and COMMIT S, held until UNLOCK TABLES; since = GLOBAL S granted */
  grl: { global: MdlTicket; commit: MdlTicket | null; since: number } | null;
  backup: MdlTicket | null;
  commitLock: MdlTicket | null;
  /** the statement being executed (null between statements) */
  current: Statement["kind"] | null;
  /** THR_LOCKs of the statement (mysql_lock_tables; released by close_thread_tables) and of LOCK TABLES */
  thrStmt: ThrLock[];
  thrLocked: ThrLock[];
}

/** Processlist states whose waits every backup-related scenario reports (0 when nobody waited). */
const BACKUP_WAIT_STATES = ["Waiting for global read lock", "Waiting for table flush", "Waiting for commit lock"];

/** "Waiting for table flush" -> "table_flush" (metric names) */
export function waitStateSlug(state: string): string {
  let slug = SLUGS.get(state);
  if (slug === undefined) {
    slug = state
      .replace(/^Waiting for /, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_|_$/g, "");
    SLUGS.set(state, slug);
  }
  return slug;
}
/** waitStateSlug's answers (processlist states are a small fixed set) */
const SLUGS = new Map<string, string>();

/** No catalog table has a foreign key (most scenarios): the rule table gets this one empty list. */
const NO_FOREIGN_KEYS: ForeignKeyDef[] = [];
/**
 * Lock plans, resolved once (issue 20): the requests lockRequests() gives for a point and a rule
 * context that is a function of the statement alone (its kind, tables and LOW_PRIORITY, on a
 * catalog without foreign keys), shared by every run. lockRequests is pure and its requests are
 * never changed (every caller copies or reads them), so sharing them changes nothing.
 */
interface PlannedContext extends RuleContext {
  /** the plan's key, null when the context depends on more than the statement */
  plan?: string | null;
}
/** plan key -> lock point -> requests (two levels: the key string is hashed once, not re-made per point) */
const PLANS = new Map<string, Map<LockPoint, MdlRequest[]>>();
let plansKept = 0;
const MAX_PLANS = 20_000;
function planKey(c: RuleContext, extra: Partial<RuleContext>): string | null {
  if (c.foreignKeys !== NO_FOREIGN_KEYS) return null;
  // an extra key that is absent, undefined or an empty list resolves like no key at all: every
  // rule reads the lists as `c.reads ?? []` (src/mysql/mdl/rules.ts), so a plain INSERT or SELECT
  // (empty reads, prelockWrites, routines) has a plan too
  for (const k in extra) {
    if (k === "lowPriority" || k === "renameTo") continue;
    const v = extra[k as keyof RuleContext];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    return null;
  }
  let key = `${c.line}\u0000${c.kind}\u0000${c.lowPriority === true}`;
  for (const t of c.tables) key += `\u0000${t.db}\u0000${t.name}`;
  // RENAME TABLE / ALTER ... RENAME: the targets are part of the statement too
  if (c.renameTo !== undefined) {
    key += "\u0000>";
    for (const t of c.renameTo) key += `\u0000${t.db}\u0000${t.name}`;
  }
  return key;
}

/** the statements whose work the locking model does (lockingWork) */
/**
 * The statement kinds whose work is locking's own (lockingWork()). This list is the one source:
 * lockingWork() takes only a statement of these kinds and its switch ends in an exhaustiveness
 * check, so the compiler fails when a kind here has no case there, or a case there is not here.
 */
const LOCKING_WORK_KINDS = ["create_table", "drop_table", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "acl", "alter_table", "rename_table", "unlock_tables", "flush_tables", "handler", "get_lock", "release_lock", "xa", "lock_instance_for_backup", "unlock_instance"] as const satisfies readonly Statement["kind"][];
type LockingWorkStatement = Extract<Statement, { kind: (typeof LOCKING_WORK_KINDS)[number] }>;
const LOCKING_WORK = new Set<Statement["kind"]>(LOCKING_WORK_KINDS);
const isLockingWork = (stmt: Statement): stmt is LockingWorkStatement => LOCKING_WORK.has(stmt.kind);
/** The default of a switch that must cover every kind of its union: a compile error names the kind left out. */
function unreachableKind(stmt: never): never {
  throw new Error(`lockingWork: no case for statement kind ${(stmt as Statement).kind}`);
}
/** statements that release their transactional locks when they end (DDL) */
const DDL_KINDS = new Set<Statement["kind"]>(["alter_table", "create_table", "drop_table", "rename_table", "truncate_table", "flush_tables", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "acl", "admin"]);

/** Per-statement work costs (not calibrated: MDL scenarios are about order, not speed). */
const OPEN_TABLE_NS = 20 * US;
const DDL_NS = 500 * US;
const COPY_ROW_NS = 2 * US;

const key = (r: TableRef): string => `${r.db}.${r.name}`.toLowerCase();
const table = (r: TableRef, type: T, duration = D.MDL_TRANSACTION): MdlRequest => mdlRequest("TABLE", r.db, r.name, type, duration);
const ms = (ns: number): number => Math.round((ns / MS) * 1000) / 1000;

/** Global_read_lock::can_acquire_protection(): a session holding FTWRL cannot take GLOBAL IX */
const checkProtection = (s: Session, req: MdlRequest): void => {
  if (s.grl && req.key.namespace === MdlNamespace.GLOBAL && req.type === T.MDL_INTENTION_EXCLUSIVE) throw mysqlError("ER_CANT_UPDATE_WITH_READLOCK");
};

const sameTable = (tk: MdlTicket, r: TableRef): boolean => tk.lock.key.namespace === MdlNamespace.TABLE && tk.lock.key.db === r.db && tk.lock.key.name === r.name;

/** An engine as SHOW CREATE TABLE spells it. */
const engineName = (e: string): string => ({ innodb: "InnoDB", myisam: "MyISAM", memory: "MEMORY", heap: "MEMORY", csv: "CSV", mrg_myisam: "MRG_MYISAM", merge: "MRG_MYISAM", archive: "ARCHIVE", blackhole: "BLACKHOLE" })[e.toLowerCase()] ?? e;

/** Engines that use THR_LOCK (InnoDB does not: ha_innobase::lock_count() is 0). */
const THR_ENGINES = new Set(["myisam", "merge", "mrg_myisam", "memory", "heap", "csv", "archive"]);
const isCsv = (d: TableDef | undefined): d is TableDef => (d?.engine ?? "").toLowerCase() === "csv";

/** An FK's constraint name, lower case: its own, or InnoDB's <table>_ibfk_<n> for an unnamed one. */
const fkName = (def: TableDef, i: number): string => (def.parents[i]!.constraint ?? `${def.name}_ibfk_${i + 1}`).toLowerCase();

/** the statements beforeOther has anything to do for: the others (BEGIN, COMMIT, SET ...) need no generator */
const BEFORE_OTHER = new Set<Statement["kind"]>(["call", "do", "set_user_var", "acl", "admin", "show", "schema_ddl", "routine_ddl", "view_ddl", "trigger_ddl", "lock_tables", "create_table", "drop_table", "truncate_table", "rename_table", "alter_table"]);

/** The locking model of a server: installLocking() registers it and its services on server.ext. */
export function installLocking(server: Server): void {
  registerModel(server, new LockingModel(server));
}

/**
 * The locking model of one server (one run): the MDL system, the THR_LOCKs, the table definition
 * cache and the sessions, with the statement hooks (StatementModel) as methods. A class, not a
 * closure: its generator methods are made once (V8 gives every generator function object made
 * per run an old-space initial map that keeps the run's closure alive until the next
 * mark-compact).
 */
class LockingModel implements StatementModel {
  readonly name = "locking";
  readonly kernel: Kernel;
  readonly sessions = new Map<Thd, Session>();
  readonly byCtx = new Map<MdlContext, Session>();
  readonly byThread = new Map<SimThread, Session>();
  readonly line: ReturnType<typeof mysqlLine>;
  readonly sys: MdlSystem;
  readonly thr: ThrLocks;
  readonly tdc: TableDefinitionCache;
  readonly metrics: Metrics;
  readonly userLocks: UserLocks;

  constructor(readonly server: Server) {
    this.kernel = server.kernel;
    this.line = mysqlLine(server.version);
    this.sys = new MdlSystem({
      maxWriteLockCount: server.vars.int("max_write_lock_count"),
      // 5.7 sql/mdl.h: DEADLOCK_WEIGHT_DML= 0; 8.0.27: 25 (the order DML < ULL < DDL is the same)
      deadlockWeights: this.line === "8.0" ? DEADLOCK_WEIGHTS_80 : DEADLOCK_WEIGHTS_57,
      listener: {
        granted: (ctx, ticket) => wakeWaiter(this.kernel, this.byCtx.get(ctx), "granted", ticket),
        victim: (ctx) => wakeWaiter(this.kernel, this.byCtx.get(ctx), "victim"),
        // MDL_context_owner::notify_shared_lock() -> mysql_lock_abort_for_thread(): a HANDLER owner's thr_lock wait ends
        notify_shared_lock: (owner, _requester, abort) => {
          const th = this.byCtx.get(owner)?.thread;
          if (abort && th) this.thr.abortWaitsOf(th);
        },
      },
    });
    this.thr = new ThrLocks(this.kernel);
    // bound methods, not arrows, for these two: a function literal assigned to a property is
    // allocated old by V8 and kept the whole run alive across minor GCs (issue 20; src/scenario/run.ts ScriptRun)
    this.sys.onReleased = LockingModel.prototype.mdlReleased.bind(this);
    this.tdc = new TableDefinitionCache(this.kernel);
    server.ext.mdl = this.sys;
    server.ext.tdc = this.tdc;
    server.ext.metadataLocks = this.sys.metadataLocks.bind(this.sys);

    this.metrics = server.metrics;
    this.userLocks = new UserLocks(this);
    server.ext.userLocks = this.userLocks;
  }

  /** every release is traced, so renderers show metadata_locks as it was, not inferred */
  private mdlReleased(ctx: MdlContext, ticket: MdlTicket): void {
    const th = this.byCtx.get(ctx)?.thread;
    if (th && this.kernel.trace.enabled) this.kernel.trace.emit(this.kernel.now, th.name, "mdl.release", describeKey(ticket.lock.key), { type: MDL_TYPE_PFS_NAME[ticket.psiType] });
  }

  /** wait_<state>_max_ms / _count: the longest wait in each processlist state, and how many (each session's `waited`) */
  readonly waited = (state: string, ns: number): void => {
    const slug = waitStateSlug(state);
    const max = `wait_${slug}_max_ms`;
    this.metrics.counters.set(max, Math.max(this.metrics.counters.get(max) ?? 0, ms(ns)));
    this.metrics.add(`wait_${slug}_count`);
  };
  /** backup statements make the backup metrics exist even when nobody had to wait */
  backupMetrics(): void {
    for (const st of BACKUP_WAIT_STATES) {
      const slug = waitStateSlug(st);
      if (!this.metrics.counters.has(`wait_${slug}_max_ms`)) this.metrics.counters.set(`wait_${slug}_max_ms`, 0);
      if (!this.metrics.counters.has(`wait_${slug}_count`)) this.metrics.counters.set(`wait_${slug}_count`, 0);
    }
    for (const m of ["ftwrl_stall_ms", "grl_held_ms"]) if (!this.metrics.counters.has(m)) this.metrics.counters.set(m, 0);
  }
  lwt(): number {
    // max_write_lock_count is dynamic: the MDL code reads the global at each use
    this.sys.setMaxWriteLockCount(this.server.vars.int("max_write_lock_count"));
    // lock_wait_timeout: the session value of the thread that is about to wait (SET SESSION on a backup connection)
    const thd = this.kernel.current?.data as Thd | undefined;
    return Number(thd ? this.server.sessionVar(thd, "lock_wait_timeout") : this.server.vars.int("lock_wait_timeout"));
  }

  session(t: SimThread, thd: Thd): Session {
    let s = this.sessions.get(thd);
    if (!s) {
      const ctx = this.sys.createContext(thd.name, thd.threadId);
      s = {
        thd,
        thread: t,
        ctx,
        slot: new MdlWaitSlot(ctx, t, (c) => this.byCtx.get(c)?.thread),
        waited: this.waited,
        locked: null,
        lockedTickets: [],
        handlers: new Map(),
        userLocks: new Map(),
        grl: null,
        backup: null,
        commitLock: null,
        current: null,
        thrStmt: [],
        thrLocked: [],
      };
      s.slot.isKilled = thd.isKilled;
      this.sessions.set(thd, s);
      this.byCtx.set(ctx, s);
      this.byThread.set(t, s);
    }
    return s;
  }

  /** Every foreign key of the catalog, as the rule table reads them. */
  foreignKeys(): ForeignKeyDef[] {
    let any = false;
    for (const t of this.server.tables.values()) if (t.parents.length > 0) any = true;
    return any ? this.allForeignKeys() : NO_FOREIGN_KEYS;
  }
  allForeignKeys(): ForeignKeyDef[] {
    return [...this.server.tables.values()].flatMap((t) =>
      t.parents.map((p) => ({ child: { db: t.db, name: t.name }, parent: { db: p.db, name: p.name }, onDelete: (p.onDelete ?? "RESTRICT") as FkAction, onUpdate: (p.onUpdate ?? "RESTRICT") as FkAction })),
    );
  }
  ruleContext(kind: StatementKind, tables: TableRef[], extra: Partial<RuleContext> = {}): PlannedContext {
    const c: PlannedContext = { line: this.line, kind, tables, foreignKeys: this.foreignKeys(), ...extra };
    c.plan = planKey(c, extra);
    return c;
  }
  /** the requests of one point of the statement, from the rule table (a plain statement's: resolved once) */
  requestsAt(point: LockPoint, c: PlannedContext): MdlRequest[] {
    if (c.plan === null || c.plan === undefined) return lockRequests(point, c);
    let byPoint = PLANS.get(c.plan);
    let plan = byPoint?.get(point);
    if (!plan) {
      plan = lockRequests(point, c);
      if (plansKept < MAX_PLANS) {
        if (!byPoint) PLANS.set(c.plan, (byPoint = new Map()));
        byPoint.set(point, plan);
        plansKept++;
      }
    }
    return plan;
  }

  *take(t: SimThread, s: Session, req: MdlRequest): Generator<Effect, MdlTicket, unknown> {
    checkProtection(s, req);
    return (yield* acquireMdl(t, s, this.sys, req, this.lwt()))!;
  }

  /** MDL_context::acquire_locks(): the requests sorted by MDL_key (MDL_request_cmp), then one by one. */
  *takeAll(t: SimThread, s: Session, reqs: MdlRequest[]): Generator<Effect, MdlTicket[], unknown> {
    const out: MdlTicket[] = [];
    for (const req of sortLikeAcquireLocks(reqs)) {
      // take(), without a generator for a lock granted at once
      checkProtection(s, req);
      const timeout = this.lwt();
      const r = requestMdl(t, s, req);
      out.push(r.status === "GRANTED" ? r.ticket : (yield* settleMdl(t, s, this.sys, r, req, timeout))!);
    }
    return out;
  }

  refuseUnderOwnReadLock(s: Session): void {
    if (s.grl) throw mysqlError("ER_CANT_UPDATE_WITH_READLOCK");
  }

  /** lock_schema_name() / lock_object_name(): not allowed under LOCK TABLES */
  refuseUnderLockTables(s: Session): void {
    if (s.locked) throw mysqlError("ER_LOCK_OR_ACTIVE_TRANSACTION");
  }

  /**
   * CREATE / ALTER / DROP DATABASE (sql_db.cc mysql_create_db, mysql_alter_db, mysql_rm_db,
   * mysql_upgrade_db): lock_schema_name() (GLOBAL IX, SCHEMA X), DEBUG_SYNC
   * after_wait_locked_schema_name, then the existence check under the lock; DROP also locks every
   * table of the schema X (lock_table_names) before removing them.
   */
  *schemaDdl(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "schema_ddl" }>): Generator<Effect, void, unknown> {
    this.refuseUnderLockTables(s);
    const db = stmt.db;
    const kind: StatementKind = stmt.op === "create" ? "CREATE_SCHEMA" : stmt.op === "drop" ? "DROP_SCHEMA" : "ALTER_SCHEMA";
    yield* this.takeAll(t, s, this.requestsAt("lock_schema_name", this.ruleContext(kind, [], { object: { type: "FUNCTION", db, name: "" } })));
    yield* debugSync(t, "after_wait_locked_schema_name");
    const exists = this.server.databases.has(db);
    if (stmt.op === "create") {
      if (exists) {
        if (stmt.ifNotExists) return;
        throw mysqlError("ER_DB_CREATE_EXISTS", db);
      }
      return;
    }
    if (!exists) {
      if (stmt.op === "drop" && stmt.ifExists) return;
      throw mysqlError(stmt.op === "drop" ? "ER_DB_DROP_EXISTS" : "ER_BAD_DB_ERROR", db);
    }
    if (stmt.op === "drop") {
      const inDb = [...this.server.tables.values()].filter((d) => d.db === db).map((d) => ({ db: d.db, name: d.name }));
      if (inDb.length) yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("DROP_SCHEMA", inDb)));
    }
  }

  /**
   * open_tables(): the strong locks of lock_table_names() first (all at once, sorted, not
   * forced), then open_table() for each request of the rule table's open_table and fk_prelocking
   * points: the MDL with set_force_dml_deadlock_weight(can_back_off()), then the share. A share
   * with an old version (FLUSH TABLES in progress) makes the statement wait in "Waiting for table
   * flush" KEEPING its MDL (release_table_share, tdc_wait_for_old_version, goto retry_share), as
   * a Wait_for_flush node of the deadlock search. A deadlock victim whose statement held no lock
   * when it started backs off (Open_table_context::recover_from_failed_open: release the
   * statement's MDL, start over); one that held locks fails with ER_LOCK_DEADLOCK and its
   * transaction is rolled back (request_backoff_action, MDL_deadlock_handler).
   */
  *openTables(t: SimThread, s: Session, c: RuleContext, opts: { names?: MdlRequest[]; shares: boolean; infoSchema?: boolean; forRepair?: boolean }): Generator<Effect, void, unknown> {
    this.haFlush(t, s);
    const canBackOff = !s.ctx.has_locks();
    const weights = this.sys.deadlockWeights;
    // tables an information_schema query skipped (recover_from_failed_open under MYSQL_OPEN_FAIL_ON_MDL_CONFLICT)
    const skipped = new Set<string>();
    for (let attempt = 0; attempt < 1000; attempt++) {
      const sp = s.ctx.mdl_savepoint();
      let failed: TableDef | null = null;
      try {
        let opened = 0;
        const preLocked = opts.names?.length ? yield* this.takeAll(t, s, opts.names) : [];
        for (const tk of preLocked) {
          if (tk.lock.key.namespace !== MdlNamespace.TABLE || !opts.shares) continue;
          if (!this.openShareAtOnce(t, tk)) yield* this.openShare(t, s, tk, canBackOff ? weights.DML : tk.get_deadlock_weight());
          opened++;
          yield* debugSync(t, "open_tables_after_open_and_process_table");
        }
        for (const r of [...this.requestsAt("open_table", c), ...this.requestsAt("fk_prelocking", c), ...this.requestsAt("open_and_process_routine", c)]) {
          if (skipped.size && r.key.namespace === MdlNamespace.TABLE && skipped.has(`${r.key.db}.${r.key.name}`.toLowerCase())) continue;
          s.ctx.set_force_dml_deadlock_weight(canBackOff);
          let tk: MdlTicket;
          try {
            // take(), without a generator for a lock granted at once
            checkProtection(s, r);
            const timeout = this.lwt();
            const got = requestMdl(t, s, r);
            tk = got.status === "GRANTED" ? got.ticket : (yield* settleMdl(t, s, this.sys, got, r, timeout))!;
          } finally {
            s.ctx.set_force_dml_deadlock_weight(false);
          }
          if (r.key.namespace !== MdlNamespace.TABLE) continue;
          // sql_base.cc open_table(): right after open_table_get_mdl_lock(), for every table
          yield* debugSync(t, "after_open_table_mdl_shared");
          // open_table_from_share(): ha_tina::open() of a crashed table fails with HA_ERR_CRASHED_ON_USAGE
          // (ER_CRASHED_ON_USAGE), share->crashed is set and open_table() asks for
          // request_backoff_action(OT_REPAIR); CHECK and REPAIR open with HA_OPEN_FOR_REPAIR
          // (8.0's information_schema tables are views over the data dictionary: no handler is opened)
          const def = opts.forRepair || (opts.infoSchema && this.line === "8.0") ? undefined : this.server.table(r.key.db, r.key.name);
          if (def?.crashed) {
            failed = def;
            throw mysqlError("ER_CRASHED_ON_USAGE", def.name);
          }
          if (!opts.shares) continue;
          if (!this.openShareAtOnce(t, tk)) yield* this.openShare(t, s, tk, canBackOff ? weights.DML : tk.get_deadlock_weight());
          opened++;
          // open_tables(): after open_and_process_table() for each table of the list
          yield* debugSync(t, "open_tables_after_open_and_process_table");
        }
        if (opened) yield t.cpu(OPEN_TABLE_NS * opened, "open_tables");
        if (opts.shares && opened && !s.locked) {
          // sql_base.cc lock_tables() -> mysql_lock_tables() -> thr_multi_lock(): the table-level locks
          yield* debugSync(t, "before_lock_tables_takes_lock");
          for (const [k, type] of this.thrRequests(c)) {
            yield* this.thrLock(t, s, k, type);
            yield* debugSync(t, "thr_multi_lock_after_thr_lock");
          }
          // lock.cc mysql_lock_tables(): DBUG_EXECUTE_IF("mysql_lock_tables_kill_query", thd->killed= THD::KILL_QUERY;)
          const killed = debugKeyword(this.server, s.thd, "mysql_lock_tables_kill_query");
          if (killed) s.thd.killed = true;
          yield* debugSync(t, "after_lock_tables_takes_lock");
          // the statement notices the kill at its next check: it ends with ER_QUERY_INTERRUPTED
          if (killed) throw mysqlError("ER_QUERY_INTERRUPTED");
        }
        return;
      } catch (e) {
        if (failed) {
          yield* this.recoverOtRepair(t, s, failed, sp, opts.infoSchema === true && !canBackOff);
          if (opts.infoSchema && !canBackOff) skipped.add(`${failed.db}.${failed.name}`.toLowerCase());
          continue;
        }
        if (!(canBackOff && s.victim && e instanceof MysqlError && e.def.name === "ER_LOCK_DEADLOCK")) throw e;
        s.victim = false;
        this.tdc.closeAll(t);
        s.ctx.rollback_to_savepoint(sp);
        t.trace("mdl.backoff", undefined, { reason: "deadlock victim holding only this statement's locks" });
        yield t.yield();
      }
    }
    throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
  }

  /**
   * open_tables() after request_backoff_action(OT_REPAIR): close_tables_for_reopen() releases the
   * statement's locks (rollback to its MDL savepoint), then Open_table_context::
   * recover_from_failed_open(): DEBUG_SYNC recover_ot_repair; an information_schema query opening
   * with MYSQL_OPEN_FAIL_ON_MDL_CONFLICT (get_all_tables()' can_deadlock: the session already held
   * metadata locks) does not repair, it skips the table (Bug#21021848: its X would deadlock): the
   * error already in the diagnostics area, ER_CRASHED_ON_USAGE, stays its status and
   * process_table() (e.g. get_schema_key_column_usage_record) turns it into a warning. Otherwise
   * lock_table_names() takes X on the table (with the scoped IX locks, as DROP TABLE's
   * lock_table_names point does; a deadlock there is the statement's ER_LOCK_DEADLOCK),
   * auto_repair_table() -> ha_tina::repair() clears share->crashed, and rollback_to_savepoint()
   * releases the X before open_tables() starts over.
   */
  *recoverOtRepair(t: SimThread, s: Session, def: TableDef, sp: MdlSavepoint, skip: boolean): Generator<Effect, void, unknown> {
    this.tdc.closeAll(t);
    s.ctx.rollback_to_savepoint(sp);
    t.trace("mdl.backoff", `${def.db}.${def.name}`, { reason: "OT_REPAIR: table is marked as crashed" });
    yield* debugSync(t, "recover_ot_repair");
    if (skip) {
      const w = mysqlError("ER_CRASHED_ON_USAGE", def.name);
      if (Array.isArray(s.thd.warnings)) s.thd.warnings.push({ level: "Warning", code: w.code, message: w.message });
      return;
    }
    yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("DROP_TABLE", [{ db: def.db, name: def.name }])));
    yield t.cpu(OPEN_TABLE_NS, "auto_repair_table");
    def.crashed = false;
    s.ctx.rollback_to_savepoint(sp);
  }

  /** openShare's common case, without a generator: no old version to wait for, the share is used at once */
  openShareAtOnce(t: SimThread, tk: MdlTicket): boolean {
    const k = `${tk.lock.key.db}.${tk.lock.key.name}`.toLowerCase();
    if (this.tdc.oldShare(k)) return false;
    this.tdc.open(t, k);
    return true;
  }

  /** open_table() from share_found: wait while the share has an old version, then use it. */
  *openShare(t: SimThread, s: Session, tk: MdlTicket, deadlockWeight: number): Generator<Effect, void, unknown> {
    const k = `${tk.lock.key.db}.${tk.lock.key.name}`.toLowerCase();
    for (let retry = 0; ; retry++) {
      const old = this.tdc.oldShare(k);
      if (!old) break;
      yield* this.waitForOldShare(t, s, old, deadlockWeight, t.kernel.now + this.lwt() * SEC, true);
      yield t.syncPoint("open_table_before_retry");
      if (retry > 1000) throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
    }
    this.tdc.open(t, k);
  }

  /**
   * TABLE_SHARE::wait_for_old_version(): a flush ticket on the share, the context's wait slot
   * reset, will_wait_for(Wait_for_flush) and find_deadlock(), then MDL_wait::timed_wait() in
   * "Waiting for table flush" until free_table_share() sets GRANTED, a deadlock search sets
   * VICTIM, the deadline passes or the statement is killed.
   */
  *waitForOldShare(t: SimThread, s: Session, share: Share, deadlockWeight: number, deadline: number, opener: boolean): Generator<Effect, void, unknown> {
    const users = (): MdlContext[] => share.holders().flatMap((th) => (this.byThread.get(th)?.ctx ? [this.byThread.get(th)!.ctx] : []));
    const w = new Wait_for_flush(s.ctx, deadlockWeight, users, share.name);
    const remove = share.addFlushTicket(() => {
      if (!s.ctx.m_wait_set_status("GRANTED")) wakeWaiter(this.kernel, s, "granted");
    });
    const before = s.thd.state;
    const since = t.kernel.now;
    try {
      if (s.ctx.wait_for_flush(w) === "VICTIM") {
        s.victim = true;
        throw mysqlError("ER_LOCK_DEADLOCK");
      }
      s.thd.state = STAGE_WAITING_FOR_TABLE_FLUSH;
      s.slot.name = share.name;
      s.slot.flushUsers = share.holders.bind(share);
      const woke = yield t.acquire(s.slot, undefined, Math.max(0, deadline - t.kernel.now));
      const status = s.ctx.done_waiting_for_flush(woke === "timeout" ? "TIMEOUT" : woke === "killed" ? "KILLED" : null);
      if (t.kernel.trace.enabled) t.trace("tdc.wait_end", share.name, { status });
      if (status === "VICTIM") {
        s.victim = true;
        throw mysqlError("ER_LOCK_DEADLOCK");
      }
      if (status === "TIMEOUT") throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
      if (status === "KILLED") throw mysqlError("ER_QUERY_INTERRUPTED");
    } finally {
      remove();
      s.slot.flushUsers = null;
      s.thd.state = before;
      if (opener) this.waited(STAGE_WAITING_FOR_TABLE_FLUSH, t.kernel.now - since);
    }
  }

  /**
   * The prelocking set of a statement (sql_base.cc open_tables() with DML_prelocking_strategy):
   * its own base tables, the tables of the views it reads (the view name itself is opened SR
   * too), of the stored functions it calls (sp_get_prelocking_info: each routine's tables with
   * their lock types, transitively) and of the triggers on the tables it writes. Temporary
   * tables are opened by open_temporary_tables() and take no metadata lock.
   */
  prelocking(thd: Thd, written: TableRef[], read: TableRef[], calls: string[], events: string[] = []): { tables: TableRef[]; reads: TableRef[]; prelockWrites: TableRef[]; routines: { type: "FUNCTION" | "PROCEDURE"; db: string; name: string }[] } {
    const base = (r: TableRef): boolean => !isTemporary(thd, r.db, r.name);
    // nothing to add (no read, no call, no trigger anywhere): the written base tables alone, without
    // the closures below (the common INSERT/UPDATE/DELETE/SELECT of a scenario)
    if (read.length === 0 && calls.length === 0 && (written.length === 0 || this.server.triggers.size === 0)) return { tables: written.filter(base), reads: [], prelockWrites: [], routines: [] };
    const has = (xs: TableRef[], r: TableRef): boolean => xs.some((x) => key(x) === key(r));
    const tables = written.filter(base);
    const reads: TableRef[] = [];
    const prelockWrites: TableRef[] = [];
    const routines: { type: "FUNCTION" | "PROCEDURE"; db: string; name: string }[] = [];
    const addRead = (r: TableRef): void => {
      if (!base(r) || has(tables, r) || has(reads, r) || has(prelockWrites, r)) return;
      const view = this.server.views.get(key(r));
      reads.push(r);
      if (view) for (const u of view.uses) addRead(u);
    };
    const addWrite = (r: TableRef): void => {
      if (!base(r) || has(tables, r) || has(prelockWrites, r)) return;
      const i = reads.findIndex((x) => key(x) === key(r));
      if (i >= 0) reads.splice(i, 1);
      prelockWrites.push(r);
      triggersOf(r);
    };
    const triggersOf = (r: TableRef): void => {
      for (const tr of this.server.triggers.values()) {
        if (key(tr.table) !== key(r) || (events.length && !events.some((e) => tr.event.endsWith(e)))) continue;
        for (const u of tr.uses) (u.write ? addWrite : addRead)(u);
      }
    };
    const visit = (type: "FUNCTION" | "PROCEDURE", name: string, depth: number): void => {
      const db = thd.db;
      const fn = this.server.routines.get(`${type.toLowerCase()}:${db}.${name}`.toLowerCase());
      if (!fn || depth > 16 || routines.some((x) => x.type === type && x.name === fn.name)) return;
      routines.push({ type, db: fn.db, name: fn.name });
      for (const u of fn.uses) (u.write ? addWrite : addRead)(u);
      for (const c of fn.calls) visit("FUNCTION", c, depth + 1);
    };
    for (const r of tables) triggersOf(r);
    for (const r of read) addRead(r);
    for (const c of calls) visit("FUNCTION", c, 0);
    return { tables, reads, prelockWrites, routines };
  }

  /** CALL p(): the procedure is one more routine of the prelocking set. */
  procedureSet(thd: Thd, name: TableRef, calls: string[], read: TableRef[]): ReturnType<LockingModel["prelocking"]> {
    const pre = this.prelocking(thd, [], read, calls);
    const p = this.server.routines.get(`procedure:${name.db}.${name.name}`.toLowerCase());
    if (!p) throw mysqlError("ER_SP_DOES_NOT_EXIST", "PROCEDURE", `${name.db}.${name.name}`);
    const inner = this.prelocking(thd, [], p.uses.filter((u) => !u.write), [...p.calls]);
    const writes = p.uses.filter((u) => u.write && !isTemporary(thd, u.db, u.name));
    return {
      tables: [],
      reads: [...pre.reads, ...inner.reads.filter((r) => !pre.reads.some((x) => key(x) === key(r)))],
      prelockWrites: [...pre.prelockWrites, ...inner.prelockWrites, ...writes],
      routines: [{ type: "PROCEDURE", db: p.db, name: p.name }, ...pre.routines, ...inner.routines],
    };
  }

  /**
   * sql_handler.cc mysql_ha_flush(), at the start of open_tables() and in close_cached_tables():
   * HANDLERs whose table has a pending conflicting lock (a DDL waits for the HANDLER's S) or an
   * old share (FLUSH TABLES) are closed, their MDL released; the next HANDLER READ reopens them.
   */
  haFlush(t: SimThread, s: Session): void {
    for (const [alias, h] of s.handlers) {
      if (!h.ticket) continue;
      const k = key(h.table);
      if (!h.ticket.lock.has_pending_conflicting_lock(h.ticket.type) && !this.tdc.oldShare(k)) continue;
      t.trace("handler.flush", alias, { table: k });
      s.ctx.release_lock(h.ticket);
      h.ticket = null;
    }
  }

  usesThrLock(r: TableRef): boolean {
    return THR_ENGINES.has((this.server.table(r.db, r.name)?.engine ?? "innodb").toLowerCase());
  }

  /** The thr_lock_type of each table of the statement (the parser's lock types, sql_yacc.yy), in key order. */
  thrRequests(c: RuleContext): [string, ThrLockType][] {
    const out = new Map<string, ThrLockType>();
    const put = (r: TableRef, type: ThrLockType): void => {
      if (!this.usesThrLock(r)) return;
      const k = key(r);
      const o = out.get(k);
      if (!o || (o.startsWith("TL_READ") && !type.startsWith("TL_READ"))) out.set(k, type);
    };
    const insertType = (): ThrLockType => (c.lowPriority ? "TL_WRITE_LOW_PRIORITY" : String(this.server.vars.get("concurrent_insert")) === "NEVER" ? "TL_WRITE" : "TL_WRITE_CONCURRENT_INSERT");
    switch (c.kind) {
      case "LOCK_TABLES_READ":
      case "LOCK_TABLES_WRITE":
        for (const i of c.lockItems ?? []) put(i.table, i.mode === "READ" ? "TL_READ_NO_INSERT" : i.mode === "READ LOCAL" ? "TL_READ" : i.mode === "LOW_PRIORITY WRITE" ? "TL_WRITE_LOW_PRIORITY" : "TL_WRITE");
        break;
      case "INSERT":
        for (const r of c.tables) put(r, insertType());
        break;
      case "UPDATE":
      case "DELETE":
      case "ADMIN_WRITE":
      case "SELECT_FOR_UPDATE":
        for (const r of c.tables) put(r, c.lowPriority ? "TL_WRITE_LOW_PRIORITY" : c.kind === "SELECT_FOR_UPDATE" ? "TL_WRITE" : "TL_WRITE");
        break;
      case "SELECT_IS":
        return [];
      default:
        for (const r of c.tables) put(r, "TL_READ");
    }
    // INSERT ... SELECT, multi-table DML: the sources TL_READ_NO_INSERT (statement binlog); SELECT's own TL_READ
    for (const r of c.reads ?? []) put(r, ["INSERT", "UPDATE", "DELETE"].includes(c.kind) ? "TL_READ_NO_INSERT" : "TL_READ");
    for (const r of c.prelockWrites ?? []) put(r, "TL_WRITE");
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** thr_lock() from a session: at once, or "Waiting for table level lock" until granted, aborted, killed or lock_wait_timeout. */
  *thrLock(t: SimThread, s: Session, k: string, type: ThrLockType): Generator<Effect, void, unknown> {
    const l = this.thr.of(k);
    if (l.holds(t) && s.thrStmt.includes(l)) return;
    const before = s.thd.state;
    const since = t.kernel.now;
    let woke: unknown = "granted";
    if (l.wouldGrant(t, type)) l.acquire(t, type);
    else {
      // thr_lock.c wait_for_lock(): stage_waiting_for_table_level_lock while queued
      s.thd.state = STAGE_WAITING_FOR_TABLE_LEVEL_LOCK;
      woke = yield t.acquire(l, type, this.lwt() * SEC);
      s.thd.state = before;
      this.waited(STAGE_WAITING_FOR_TABLE_LEVEL_LOCK, t.kernel.now - since);
    }
    if (woke === "victim") throw mysqlError("ER_LOCK_ABORTED");
    if (woke === "killed") throw mysqlError("ER_QUERY_INTERRUPTED");
    if (woke === "timeout") throw mysqlError("ER_LOCK_WAIT_TIMEOUT");
    s.thrStmt.push(l);
  }

  /** mysql_unlock_tables(): the statement's THR_LOCKs go */
  thrUnlock(t: SimThread, list: ThrLock[]): void {
    if (list.length === 0) return; // InnoDB tables take no THR_LOCK: the common case, without a Set
    for (const l of new Set(list)) l.release(t);
    list.length = 0;
  }

  /** sql_show.cc fill_schema_table_by_open(): the table opened ignoring flush, then its rows made (COLUMNS: get_schema_column_record). */
  /**
   * The crashed tables an information_schema query with no table_name = '...' opens: get_all_tables()
   * calls fill_schema_table_by_open() for every table of the schemas it lists when the I_S table
   * needs the table opened (KEY_COLUMN_USAGE, STATISTICS, TABLE_CONSTRAINTS, REFERENTIAL_CONSTRAINTS
   * are OPEN_TABLE_ONLY; COLUMNS reads the .frm only). The model opens only the crashed ones
   * (OT_REPAIR); the others' SH lock and open are not modelled for such a query. 5.7 only: 8.0's
   * are data-dictionary views.
   */
  crashedOpenedByIs(stmt: Extract<Statement, { kind: "select" }>): TableRef[] {
    const sql = stmt.sql ?? "";
    if (this.line === "8.0" || stmt.tables.length || !/information_schema\s*\.\s*`?(key_column_usage|statistics|table_constraints|referential_constraints)\b/i.test(sql)) return [];
    const schema = /table_schema\s*=\s*'([^']+)'/i.exec(sql)?.[1]?.toLowerCase();
    return [...this.server.tables.values()].filter((d) => d.crashed && (!schema || d.db.toLowerCase() === schema)).map((d) => ({ db: d.db, name: d.name }));
  }

  *fillSchemaTableByOpen(t: SimThread, sql: string): Generator<Effect, void, unknown> {
    yield* debugSync(t, "after_open_table_ignore_flush");
    if (/information_schema\s*\.\s*`?columns\b/i.test(sql)) yield* debugSync(t, "get_schema_column");
  }

  checkLocked(s: Session, tables: TableRef[], write: boolean): void {
    for (const r of tables) {
      if (isTemporary(s.thd, r.db, r.name)) continue;
      const l = s.locked!.get(key(r));
      if (!l) throw mysqlError("ER_TABLE_NOT_LOCKED", r.name);
      if (write && l.mode !== "WRITE") throw mysqlError("ER_TABLE_NOT_LOCKED_FOR_WRITE", r.name);
    }
  }

  /** Global_read_lock::unlock_global_read_lock() */
  *releaseGrl(s: Session): Generator<Effect, void, unknown> {
    if (!s.grl) return;
    this.metrics.add("grl_held_ms", ms(s.thread.kernel.now - s.grl.since));
    if (s.grl.commit) s.ctx.release_lock(s.grl.commit);
    s.ctx.release_lock(s.grl.global);
    s.grl = null;
    yield s.thread.yield();
  }

  /** Locked_tables_list::unlock_locked_tables(): LOCK TABLES' tickets go, other explicit locks (HANDLER, GRL, user locks) stay. */
  unlockLockedTables(t: SimThread, s: Session): void {
    if (!s.locked) return;
    for (const k of s.locked.keys()) {
      this.tdc.close(t, k);
      // thr_unlock() -> ha_tina::update_status(): the rows written under the lock are now in the share's saved length
      const def = this.server.tables.get(k);
      if (def?.unsavedRows) def.unsavedRows = false;
    }
    s.locked = null;
    this.thrUnlock(t, s.thrLocked);
    for (const tk of s.lockedTickets) s.ctx.release_ticket(tk);
    s.lockedTickets = [];
  }

  /** UNLOCK TABLES: the locked tables, then the global read lock. */
  *unlockTables(t: SimThread, s: Session): Generator<Effect, void, unknown> {
    this.unlockLockedTables(t, s);
    yield* this.releaseGrl(s);
  }

  /** LOCK TABLES mode starts: its locks outlive statements and transactions (set_explicit_duration_for_all_locks). */
  enterLockedTables(s: Session, before: Set<MdlTicket>, items: { table: TableRef; mode: "READ" | "WRITE" }[]): void {
    s.ctx.set_explicit_duration_for_all_locks();
    s.lockedTickets = s.ctx.allTickets().filter((tk) => !before.has(tk));
    s.locked = new Map(items.map((i) => [key(i.table), { mode: i.mode, ticket: s.lockedTickets.find((tk) => sameTable(tk, i.table))! }]));
  }

  /** The rule context of an ALTER TABLE: its table, RENAME TO, algorithm and the FKs it adds or drops. */
  alterContext(stmt: Extract<Statement, { kind: "alter_table" }>, underLockTables: boolean): RuleContext {
    const def = this.server.table(stmt.table.db, stmt.table.name);
    const dropped = (def?.parents ?? []).filter((p, i) => stmt.dropForeignKeys.some((d) => d.toLowerCase() === fkName(def!, i)));
    const copy = stmt.algorithm === "COPY" || stmt.algorithm === "DEFAULT";
    // is_simple_rename_or_index_change(): only RENAME (or ENABLE/DISABLE KEYS), not ALGORITHM=COPY
    const simple = !!stmt.renameTo && !stmt.addsColumn && !stmt.addIndexColumns.length && !stmt.addPrimaryKey.length && !stmt.addForeignKeys.length && !stmt.dropForeignKeys.length && stmt.algorithm !== "COPY";
    return this.ruleContext("ALTER_TABLE", [stmt.table], {
      ...(stmt.renameTo ? { renameTo: [stmt.renameTo] } : {}),
      algorithm: copy ? "COPY" : stmt.algorithm === "INSTANT" ? "INSTANT" : "INPLACE",
      simpleAlter: simple,
      addedFkParents: stmt.addForeignKeys.map((f) => ({ db: f.db, name: f.name })),
      droppedFkParents: dropped.map((p) => ({ db: p.db, name: p.name })),
      executingLockTables: underLockTables,
    });
  }

  *alterTable(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "alter_table" }>): Generator<Effect, void, unknown> {
    const temp = tempTables(s.thd).get(key(stmt.table));
    if (temp) {
      // a temporary table: no metadata lock, no other session can see it
      yield t.cpu(DDL_NS, "alter temporary table");
      this.alterColumnsInCatalog(temp, stmt, s.thd.info ?? "");
      return;
    }
    const def = this.server.table(stmt.table.db, stmt.table.name);
    const c = this.alterContext(stmt, s.locked !== null);
    let ticket: MdlTicket;
    if (s.locked) {
      this.checkLocked(s, [stmt.table], true);
      ticket = s.locked.get(key(stmt.table))!.ticket;
    } else {
      // open_tables() -> lock_table_names(): SU on the table, and X on the new name of ALTER ... RENAME TO (DL-03)
      const tickets = yield* this.takeAll(t, s, this.requestsAt("lock_table_names", c));
      ticket = tickets.find((tk) => sameTable(tk, stmt.table))!;
    }
    // 8.0 mysql_alter_table(): SU on every FK parent and child (under LOCK TABLES they must be locked)
    const fkOpen = this.requestsAt("alter_fk_open", c);
    if (s.locked) {
      for (const r of fkOpen) {
        if (r.key.namespace === MdlNamespace.TABLE && !s.ctx.owns_equal_or_stronger_lock(r.key, T.MDL_SHARED_READ_ONLY)) throw mysqlError("ER_TABLE_NOT_LOCKED", r.key.name);
      }
    }
    if (fkOpen.length) yield* this.takeAll(t, s, fkOpen);
    if (s.locked) {
      // under LOCK TABLES ... WRITE the ALTER upgrades SNRW -> X and goes back to SNRW at the end, failed or not
      const lockedTicket = ticket;
      try {
        yield* this.alterWork(t, s, stmt, def, ticket, c);
      } finally {
        if (lockedTicket.type === T.MDL_EXCLUSIVE) s.ctx.downgrade_lock(lockedTicket, T.MDL_SHARED_NO_READ_WRITE);
      }
      return;
    }
    yield* this.alterWork(t, s, stmt, def, ticket, c);
  }

  /**
   * mysql_alter_table() after the table is opened. COPY: SU -> SNW (X with LOCK=EXCLUSIVE), the
   * alter_before_copy locks (5.7 lock_fk_dependent_tables), copy, X (wait_while_table_is_used),
   * the alter_before_commit locks (8.0 collect_and_lock_fk_tables_for_complex_alter_table), rename.
   * INPLACE (mysql_inplace_alter_table, InnoDB's NO_LOCK_AFTER_PREPARE): X for prepare, back to SU
   * (SNW with LOCK=SHARED), the work, X before commit, the alter_before_commit locks (5.7
   * lock_fk_dependent_tables; 8.0 the same function as COPY), commit.
   */
  *alterWork(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "alter_table" }>, def: ReturnType<Server["table"]>, ticket: MdlTicket, c: RuleContext): Generator<Effect, void, unknown> {
    if (!def) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
    s.thd.state = STAGE_ALTER_INPLACE;
    yield t.syncPoint("alter_opened_table");
    const missing = stmt.addIndexColumns.find((col) => !def.columns.includes(col));
    if (missing) throw mysqlError("ER_KEY_COLUMN_DOES_NOT_EXITS", missing);
    if (c.simpleAlter && stmt.renameTo && !s.locked) {
      // sql_table.cc simple_rename_or_index_change(): wait_while_table_is_used() upgrades SU straight to X
      // (never SNW: a pending X of another session does not block this upgrade), then the rename
      yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
      this.renameInCatalog(stmt.table, stmt.renameTo);
      yield t.cpu(DDL_NS, "rename");
      return;
    }
    const copy = c.algorithm === "COPY";
    if (s.locked) {
      // under LOCK TABLES ... WRITE: SNRW -> X
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
    } else if (copy) {
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, stmt.lock === "EXCLUSIVE" ? T.MDL_EXCLUSIVE : T.MDL_SHARED_NO_WRITE, this.lwt());
      yield t.syncPoint("alter_table_copy_after_lock_upgrade");
      s.thd.state = STAGE_COPY_TO_TMP_TABLE;
      const beforeCopy = this.requestsAt("alter_before_copy", c);
      if (beforeCopy.length) yield* this.takeAll(t, s, beforeCopy);
    } else if (stmt.lock === "EXCLUSIVE") {
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
    } else if (stmt.algorithm === "INPLACE") {
      // prepare under X, then downgrade_lock() to SU (LOCK=NONE/DEFAULT) or SNW (LOCK=SHARED)
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
      yield t.syncPoint("alter_table_inplace_after_lock_upgrade");
      downgradeMdl(t, s, ticket, stmt.lock === "SHARED" ? T.MDL_SHARED_NO_WRITE : T.MDL_SHARED_UPGRADABLE);
      yield t.syncPoint("alter_table_inplace_after_lock_downgrade");
    } else if (stmt.lock === "SHARED") {
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_SHARED_NO_WRITE, this.lwt());
    }
    yield t.cpu(DDL_NS + COPY_ROW_NS * def.rows.length, copy ? "copy rows" : "inplace alter");
    if (stmt.addPrimaryKey.length) {
      const idx = stmt.addPrimaryKey.map((col) => def.columns.indexOf(col));
      const seen = new Set<string>();
      for (const row of def.rows) {
        const k = idx.map((i) => row[i] ?? "").join(",");
        if (seen.has(k)) throw mysqlError("ER_DUP_ENTRY", k, "PRIMARY");
        seen.add(k);
      }
    }
    if (!s.locked) {
      ticket = yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
      s.thd.state = copy ? STAGE_RENAME_RESULT_TABLE : STAGE_ALTER_INPLACE_COMMIT;
      yield t.syncPoint(copy ? "alter_table_before_rename_result_table" : "alter_table_inplace_before_commit");
    }
    // 5.7 INPLACE: SRO on the cascade parents (the child held X, so its readers queue behind);
    // 8.0: X on the parents of added/dropped FKs and on every child of the altered table
    const beforeCommit = this.requestsAt("alter_before_commit", c);
    if (beforeCommit.length) yield* this.takeAll(t, s, beforeCommit);
    this.alterColumnsInCatalog(def, stmt, s.thd.info ?? "");
    this.alterForeignKeysInCatalog(def, stmt);
    if (stmt.renameTo) this.renameInCatalog(stmt.table, stmt.renameTo);
    yield t.cpu(DDL_NS, "alter commit");
  }

  /** ADD / DROP COLUMN, ADD PRIMARY KEY / UNIQUE: the catalog's columns and keys. */
  alterColumnsInCatalog(def: TableDef, stmt: Extract<Statement, { kind: "alter_table" }>, info: string): void {
    if (stmt.addsColumn) {
      const col = /ADD\s+(?:COLUMN\s+)?`?(\w+)`?/i.exec(info)?.[1]?.toLowerCase();
      if (col && !def.columns.includes(col)) {
        def.columns.push(col);
        for (const r of def.rows) r.push("NULL");
      }
    }
    for (const m of info.matchAll(/DROP\s+(?:COLUMN\s+)?`?(\w+)`?/gi)) {
      const col = m[1]!.toLowerCase();
      if (["index", "key", "primary", "foreign", "constraint"].includes(col)) continue;
      const i = def.columns.indexOf(col);
      if (i >= 0) {
        def.columns.splice(i, 1);
        for (const r of def.rows) r.splice(i, 1);
      }
    }
    if (stmt.addPrimaryKey.length) def.keys = [...(def.keys ?? []).filter((k) => k.name !== "PRIMARY"), { name: "PRIMARY", columns: stmt.addPrimaryKey }];
  }

  /** ADD FOREIGN KEY / DROP FOREIGN KEY: the catalog's FK list. */
  alterForeignKeysInCatalog(def: TableDef, stmt: Extract<Statement, { kind: "alter_table" }>): void {
    const names = def.parents.map((_, i) => fkName(def, i));
    const kept = def.parents.map((p, i) => ({ ...p, constraint: names[i]! })).filter((p) => !stmt.dropForeignKeys.some((d) => d.toLowerCase() === p.constraint));
    def.parents = [...kept, ...stmt.addForeignKeys.map((fk, i) => ({ ...fk, constraint: fk.constraint ?? `${def.name}_ibfk_${def.parents.length + i + 1}` }))];
  }

  renameInCatalog(from: TableRef, to: TableRef): void {
    const def = this.server.table(from.db, from.name);
    if (!def) throw mysqlError("ER_NO_SUCH_TABLE", `${from.db}.${from.name}`);
    if (this.server.table(to.db, to.name)) throw mysqlError("ER_TABLE_EXISTS_ERROR", to.name);
    this.server.tables.delete(`${from.db}.${from.name}`.toLowerCase());
    this.server.addTable({ ...def, db: to.db, name: to.name });
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
   * A failure in step 2 (lock_wait_timeout, KILL) does NOT release anything: reload_acl_and_cache()
   * sets the error and goes on to step 3, so the client gets the error while the session keeps
   * GLOBAL S and COMMIT S until UNLOCK TABLES or disconnect. Only a failure in step 3 releases
   * the global read lock ("Don't leave things in a half-locked state").
   */
  *flushTables(t: SimThread, s: Session, stmt: Extract<Statement, { kind: "flush_tables" }>): Generator<Effect, void, unknown> {
    if (stmt.withReadLock && (s.locked || s.thd.trx.active)) throw mysqlError("ER_LOCK_OR_ACTIVE_TRANSACTION");
    const ftwrl = stmt.withReadLock && stmt.tables.length === 0;
    const ownedGrl = ftwrl && s.grl !== null;
    if (ftwrl && !s.grl) {
      t.trace("ftwrl.stage", "lock_global_read_lock");
      const [global] = yield* this.takeAll(t, s, this.requestsAt("lock_global_read_lock", this.ruleContext("FTWRL", [])));
      s.grl = { global: global!, commit: null, since: t.kernel.now };
    }
    const stallEnd = (): void => {
      if (ftwrl && !ownedGrl && s.grl) this.metrics.add("ftwrl_stall_ms", ms(t.kernel.now - s.grl.since));
    };
    let before: Set<MdlTicket> | null = null;
    if (stmt.withReadLock && stmt.tables.length > 0) {
      // FLUSH TABLES t1 WITH READ LOCK: like LOCK TABLES t1 READ, after flushing t1 (SNW while flushing)
      before = new Set(s.ctx.allTickets());
      yield* this.takeAll(t, s, stmt.tables.map((r) => table(r, T.MDL_SHARED_NO_WRITE)));
      yield* debugSync(t, "flush_tables_with_read_lock_after_acquire_locks");
    }
    // close_cached_tables: bump the version, then wait for the old shares one at a time
    // (TABLE_SHARE::wait_for_old_version with DEADLOCK_WEIGHT_DDL) until lock_wait_timeout
    if (ftwrl) t.trace("ftwrl.stage", "close_cached_tables");
    const keys = stmt.tables.length ? stmt.tables.map(key) : null;
    this.tdc.flush(keys);
    const since = t.kernel.now;
    const deadline = since + this.lwt() * SEC;
    let flushError: MysqlError | null = null;
    try {
      // close_cached_tables(): mysql_ha_flush() and DEBUG_SYNC after_flush_unlock before each look for old shares
      this.haFlush(t, s);
      yield* debugSync(t, "after_flush_unlock");
      for (let share = this.tdc.firstBusyOld(t, keys); share; share = this.tdc.firstBusyOld(t, keys)) {
        yield* this.waitForOldShare(t, s, share, this.sys.deadlockWeights.DDL, deadline, false);
        this.haFlush(t, s);
        yield* debugSync(t, "after_flush_unlock");
      }
    } catch (e) {
      if (!(e instanceof MysqlError)) throw e;
      flushError = e;
      s.victim = false; // a flush that loses a deadlock just fails; FLUSH is not rolled back
    }
    if (t.kernel.now > since) this.metrics.add("flush_tables_wait_ms", ms(t.kernel.now - since));
    if (flushError && !ftwrl) {
      if (before) s.ctx.rollback_to_savepoint({ stmtTicket: null, transTicket: null });
      throw flushError;
    }
    if (ftwrl && s.grl && !s.grl.commit) {
      t.trace("ftwrl.stage", "make_global_read_lock_block_commit");
      const [req] = this.requestsAt("make_global_read_lock_block_commit", this.ruleContext("FTWRL", []));
      try {
        if (flushError?.def.name === "ER_QUERY_INTERRUPTED") {
          // thd->killed is still set: the lock is granted only if it need not wait
          const r = s.ctx.acquire_lock(req!, { noWait: true });
          if (r.status !== "GRANTED") throw flushError;
          s.grl.commit = r.ticket;
        } else s.grl.commit = yield* this.take(t, s, req!);
      } catch (e) {
        stallEnd();
        yield* this.releaseGrl(s);
        throw e;
      }
    }
    stallEnd();
    if (flushError) {
      t.trace("ftwrl.stage", "failed, global read lock kept", { error: flushError.def.name });
      throw flushError;
    }
    if (before) {
      this.enterLockedTables(s, before, stmt.tables.map((r) => ({ table: r, mode: "READ" as const })));
      for (const k of s.locked!.keys()) this.tdc.open(t, k);
    }
  }

  /** the work of the statements of LOCKING_WORK_KINDS (the compiler holds the two in step) */
  *lockingWork(t: SimThread, s: Session, stmt: LockingWorkStatement): Generator<Effect, boolean, unknown> {
    const thd = s.thd;
    switch (stmt.kind) {
      case "create_table":
      case "drop_table":
        // the catalog change, unless the InnoDB files model (a scenario with a machine) owns it
        if (filesModelActive(this.server.ext.machine as MachineSpec | undefined)) return false;
        if (stmt.kind === "create_table") {
          const like = stmt.like ? sessionTable(this.server, thd, stmt.like.db, stmt.like.name) : undefined;
          const def: TableDef = {
            db: stmt.table.db,
            name: stmt.table.name,
            columns: like ? [...like.columns] : stmt.columns,
            parents: stmt.parents,
            rows: [],
            engine: engineName(stmt.engine ?? like?.engine ?? String(this.server.sessionVar(thd, stmt.temporary ? "default_tmp_storage_engine" : "default_storage_engine"))),
            keys: like?.keys ?? stmt.keys ?? [],
            ...(stmt.temporary ? { temporary: true } : {}),
          };
          if (def.columns.includes("*")) {
            def.columns = (stmt.reads ?? []).flatMap((r) => sessionTable(this.server, thd, r.db, r.name)?.columns ?? []);
          }
          // CREATE TABLE ... SELECT <constants>: one row
          if (/\bSELECT\b/i.test(thd.info ?? "") && !stmt.reads?.length && stmt.columns.length) def.rows = [stmt.columns.map(() => "1")];
          else def.rows = [];
          if (stmt.temporary) {
            if (!tempTables(thd).has(key(stmt.table))) tempTables(thd).set(key(stmt.table), def);
          } else if (!this.server.table(stmt.table.db, stmt.table.name)) this.server.addTable(def);
        } else {
          for (const r of stmt.tables) {
            if (tempTables(thd).delete(key(r))) continue;
            if (!stmt.temporary) {
              this.server.tables.delete(key(r));
              for (const [k, tr] of this.server.triggers) if (key(tr.table) === key(r)) this.server.triggers.delete(k);
            }
          }
        }
        yield t.cpu(DDL_NS, stmt.kind === "create_table" ? "create table" : "drop table");
        return true;
      case "schema_ddl": {
        const db = stmt.db;
        if (stmt.op === "create") {
          this.server.databases.add(db);
          this.server.droppedDatabases.delete(db);
        }
        else if (stmt.op === "drop") {
          for (const [k, d] of this.server.tables) if (d.db === db) this.server.tables.delete(k);
          for (const [k, r] of this.server.routines) if (r.db === db) this.server.routines.delete(k);
          for (const [k, v] of this.server.views) if (v.db === db) this.server.views.delete(k);
          this.server.databases.delete(db);
          this.server.droppedDatabases.add(db);
        } else if (/UPGRADE\s+DATA\s+DIRECTORY\s+NAME/i.test(thd.info ?? "") && db.startsWith("#mysql50#")) {
          this.server.databases.delete(db);
          this.server.databases.add(db.slice("#mysql50#".length));
        }
        yield t.cpu(DDL_NS, "schema ddl");
        return true;
      }
      case "routine_ddl": {
        const k = `${stmt.type.toLowerCase()}:${stmt.name.db}.${stmt.name.name}`.toLowerCase();
        const exists = stmt.type === "EVENT" ? this.server.events.has(k) : this.server.routines.has(k);
        const what = stmt.type;
        if (stmt.op === "create" && exists) throw mysqlError("ER_SP_ALREADY_EXISTS", what, stmt.name.name);
        if (stmt.op !== "create" && !exists) {
          if (stmt.op === "drop" && stmt.ifExists) return true;
          throw mysqlError("ER_SP_DOES_NOT_EXIST", what, `${stmt.name.db}.${stmt.name.name}`);
        }
        if (stmt.op === "create") {
          if (stmt.type === "EVENT") this.server.events.add(k);
          else {
            const uses = bodyTables(stmt.body, stmt.name.db);
            const calls = [...stmt.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]!.toLowerCase()).filter((n) => this.server.routines.has(`function:${stmt.name.db}.${n}`));
            this.server.routines.set(k, { type: stmt.type, db: stmt.name.db, name: stmt.name.name, params: stmt.params, body: stmt.body, uses, calls });
          }
        } else if (stmt.op === "drop") {
          this.server.events.delete(k);
          this.server.routines.delete(k);
        }
        yield t.cpu(DDL_NS, "routine ddl");
        return true;
      }
      case "view_ddl":
        for (const v of stmt.views) {
          const exists = this.server.views.has(key(v));
          if (stmt.op === "drop") {
            if (!exists) {
              if (stmt.ifExists) continue;
              throw mysqlError("ER_BAD_TABLE_ERROR", `${v.db}.${v.name}`);
            }
            this.server.views.delete(key(v));
          } else {
            if (stmt.op === "create" && (exists || this.server.table(v.db, v.name)) && !/^CREATE\s+OR\s+REPLACE/i.test(thd.info ?? "")) throw mysqlError("ER_TABLE_EXISTS_ERROR", v.name);
            this.server.views.set(key(v), { db: v.db, name: v.name, select: stmt.select, uses: stmt.reads });
          }
        }
        yield t.cpu(DDL_NS, "view ddl");
        return true;
      case "trigger_ddl": {
        const k = key(stmt.trigger);
        if (stmt.op === "create") {
          if (this.server.triggers.has(k)) throw mysqlError("ER_TRG_ALREADY_EXISTS");
          this.server.triggers.set(k, { db: stmt.trigger.db, name: stmt.trigger.name, table: stmt.table!, event: stmt.event, uses: bodyTables(stmt.body, stmt.trigger.db), body: stmt.body });
        } else this.server.triggers.delete(k);
        yield t.cpu(DDL_NS, "trigger ddl");
        return true;
      }
      case "acl":
        for (const u of stmt.users) {
          if (stmt.op === "CREATE USER") this.server.users.add(u);
          if (stmt.op === "DROP USER") this.server.users.delete(u);
        }
        yield t.cpu(DDL_NS, "acl");
        return true;
      case "alter_table":
        yield* this.alterTable(t, s, stmt);
        return true;
      case "rename_table":
        for (const [a, b] of stmt.pairs) this.renameInCatalog(a, b);
        yield t.cpu(DDL_NS, "rename");
        return true;
      case "unlock_tables":
        yield* this.unlockTables(t, s);
        return true;
      case "flush_tables":
        yield* this.flushTables(t, s, stmt);
        return true;
      case "handler": {
        // HANDLERs are known by alias: HANDLER t1 OPEN AS t; HANDLER t CLOSE (sql_handler.cc)
        const k = (stmt.alias ?? stmt.table.name).toLowerCase();
        if (stmt.action === "open") {
          if (s.handlers.has(k)) throw mysqlError("ER_NONUNIQ_TABLE", k);
          if (isTemporary(thd, stmt.table.db, stmt.table.name)) s.handlers.set(k, { table: stmt.table, ticket: null });
          else s.handlers.set(k, { table: stmt.table, ticket: yield* this.haOpen(t, s, thd, stmt.table) });
          s.ctx.set_needs_thr_lock_abort(true);
        } else if (stmt.action === "close") {
          const h = s.handlers.get(k);
          if (!h) throw mysqlError("ER_UNKNOWN_TABLE", k, "HANDLER");
          if (h.ticket) s.ctx.release_lock(h.ticket);
          s.handlers.delete(k);
        } else {
          const h = s.handlers.get(k);
          if (!h) throw mysqlError("ER_UNKNOWN_TABLE", k, "HANDLER");
          // mysql_ha_read(): a HANDLER whose table has a pending conflicting lock is closed first
          // (mysql_ha_flush), then reopened: its MDL is requested again, behind the pending DDL
          for (let retry = 0; ; retry++) {
            this.haFlush(t, s);
            if (!h.ticket && !isTemporary(thd, h.table.db, h.table.name)) h.ticket = yield* this.haOpen(t, s, thd, h.table);
            // mysql_lock_tables() for the read: TL_READ on an engine with table-level locks. Aborted by a
            // pending exclusive MDL (ER_LOCK_ABORTED), Sql_handler_lock_error_handler asks for a reopen:
            // the HANDLER's table is closed (its S released) and the read starts over
            if (!this.usesThrLock(h.table)) break;
            try {
              yield* this.thrLock(t, s, key(h.table), "TL_READ");
              break;
            } catch (e) {
              if (!(e instanceof MysqlError) || e.def.name !== "ER_LOCK_ABORTED" || retry > 100) throw e;
              if (h.ticket) s.ctx.release_lock(h.ticket);
              h.ticket = null;
            }
          }
          const def = sessionTable(this.server, thd, h.table.db, h.table.name);
          if (def) thd.resultSet = resultSet(def.columns, def.rows.slice(0, 1));
        }
        yield t.cpu(OPEN_TABLE_NS, "handler");
        return true;
      }
      case "get_lock":
      case "release_lock": {
        // a lone SELECT GET_LOCK('name', n) / RELEASE_LOCK('name'): the same functions as in any expression
        const fn = stmt.kind === "get_lock" ? "GET_LOCK" : "RELEASE_LOCK";
        const args: Value[] = stmt.kind === "get_lock" ? [stmt.name, stmt.timeoutS] : [stmt.name];
        const column = /^SELECT\s+([\s\S]*?)\s*;?$/i.exec(thd.info ?? "")?.[1] ?? (stmt.kind === "get_lock" ? `GET_LOCK('${stmt.name}', ${stmt.timeoutS})` : `RELEASE_LOCK('${stmt.name}')`);
        let v = this.userLocks.call(t, thd, fn, args) ?? null;
        if (v === ULL_WAIT) v = yield* this.userLocks.wait(t, thd, fn, args);
        thd.resultSet = resultSet([column], [[v]]);
        if (stmt.kind === "release_lock") yield t.yield();
        return true;
      }
      case "xa": {
        const xa = thd.ext.xa as { xid: string; state: string } | undefined;
        // XA PREPARE (of a transaction with changes) and XA ROLLBACK (IDLE or PREPARED) take COMMIT IX for the statement
        if (xa && xa.xid === stmt.xid && ((stmt.action === "prepare" && xa.state === "IDLE" && thd.trx.hasChanges) || (stmt.action === "rollback" && (xa.state === "IDLE" || xa.state === "PREPARED")))) {
          yield* this.takeAll(t, s, this.requestsAt(stmt.action === "prepare" ? "trans_xa_prepare" : "trans_xa_rollback", this.ruleContext(stmt.action === "prepare" ? "XA_PREPARE" : "XA_ROLLBACK", [])));
          return false;
        }
        if ((stmt.action === "commit" || stmt.action === "rollback") && (!xa || xa.xid !== stmt.xid) && this.server.preparedXids.get(stmt.xid) === "") {
          // a prepared transaction of a session that ended (the transaction cache): COMMIT IX for the statement
          yield* this.takeAll(t, s, this.requestsAt(stmt.action === "commit" ? "trans_xa_commit" : "trans_xa_rollback", this.ruleContext(stmt.action === "commit" ? "XA_COMMIT" : "XA_ROLLBACK", [])));
          if (stmt.action === "commit") yield* debugSync(t, "trans_xa_commit_after_acquire_commit_lock");
          return false;
        }
        if (stmt.action !== "commit" || !xa || xa.xid !== stmt.xid || xa.state !== "PREPARED" || s.commitLock) return false;
        // xa.cc trans_xa_commit(): a prepared XA transaction takes the COMMIT lock itself (not through ha_commit_trans)
        const [tk] = yield* this.takeAll(t, s, this.requestsAt("trans_xa_commit", this.ruleContext("XA_COMMIT", [])));
        s.commitLock = tk ?? null;
        yield* debugSync(t, "trans_xa_commit_after_acquire_commit_lock");
        return false;
      }
      case "lock_instance_for_backup":
        if (!s.backup) s.backup = (yield* this.takeAll(t, s, this.requestsAt("execute", this.ruleContext("LOCK_INSTANCE_FOR_BACKUP", []))))[0] ?? null;
        return true;
      case "unlock_instance":
        if (s.backup) s.ctx.release_lock(s.backup);
        s.backup = null;
        yield t.yield();
        return true;
      default:
        return unreachableKind(stmt);
    }
  }

  /** HANDLER ... OPEN, and HANDLER READ's reopen of a HANDLER that mysql_ha_flush closed */
  *haOpen(t: SimThread, s: Session, thd: Thd, r: TableRef): Generator<Effect, MdlTicket, unknown> {
    // mysql_ha_open(): open_tables() first runs mysql_ha_flush for the session's other HANDLERs
    this.haFlush(t, s);
    const [ticket] = yield* this.takeAll(t, s, this.requestsAt("execute", this.ruleContext("HANDLER_OPEN", [r])));
    if (!sessionTable(this.server, thd, r.db, r.name)) {
      s.ctx.release_lock(ticket!);
      throw mysqlError("ER_NO_SUCH_TABLE", `${r.db}.${r.name}`);
    }
    return ticket!;
  }

  // ---- the `before` hook: a plain function that picks the generator of the statement's kind, so
  // each statement's generator holds the few registers of its own kind (issue 20: one per statement)

  *beforeSelect(t: SimThread, s: Session, thd: Thd, stmt: Extract<Statement, { kind: "select" }>): Generator<Effect, void, unknown> {
    // information_schema reads under LOCK TABLES open their tables with MYSQL_OPEN_FORCE_SHARED_HIGH_PRIO_MDL, not from the locked set
    if (s.locked && !stmt.infoSchema) return this.checkLocked(s, stmt.tables, stmt.lock === "for_update");
    const kind: StatementKind = stmt.infoSchema ? "SELECT_IS" : stmt.lock === "for_update" ? "SELECT_FOR_UPDATE" : stmt.lock === "for_share" ? "SELECT_FOR_SHARE" : "SELECT";
    if (stmt.lock === "for_update") this.refuseUnderOwnReadLock(s);
    const pre = this.prelocking(thd, [], stmt.infoSchema ? [...stmt.tables, ...this.crashedOpenedByIs(stmt)] : stmt.tables, stmt.calls ?? []);
    if (pre.prelockWrites.length) this.refuseUnderOwnReadLock(s);
    yield* this.openTables(t, s, this.ruleContext(kind, pre.reads, { prelockWrites: pre.prelockWrites, routines: pre.routines }), { shares: !stmt.infoSchema, infoSchema: stmt.infoSchema === true });
    if (stmt.infoSchema) yield* this.fillSchemaTableByOpen(t, stmt.sql ?? "");
  }

  *beforeWrite(t: SimThread, s: Session, thd: Thd, stmt: Extract<Statement, { kind: "insert" | "update" | "delete" }>): Generator<Effect, void, unknown> {
    const written = [stmt.table, ...(stmt.targets ?? [])];
    if (s.locked) {
      this.checkLocked(s, written, true);
      this.checkLocked(s, stmt.reads ?? [], false);
      // ha_tina::write_row() under LOCK TABLES: the share's saved length waits for update_status() at unlock
      if (stmt.kind === "insert") for (const r of written) if (isCsv(this.server.table(r.db, r.name))) this.server.table(r.db, r.name)!.unsavedRows = true;
      return;
    }
    const kind: StatementKind = stmt.kind === "insert" ? "INSERT" : stmt.kind === "update" ? "UPDATE" : "DELETE";
    const pre = this.prelocking(thd, written, stmt.reads ?? [], stmt.calls ?? [], [kind]);
    if (pre.tables.length || pre.prelockWrites.length) this.refuseUnderOwnReadLock(s);
    yield* this.openTables(t, s, this.ruleContext(kind, pre.tables, { lowPriority: stmt.lowPriority, reads: pre.reads, prelockWrites: pre.prelockWrites, routines: pre.routines }), { shares: true });
    // the share is opened under the MDL: a table dropped or renamed meanwhile is not found
    for (const r of [...written, ...(stmt.reads ?? [])]) if (!sessionTable(this.server, thd, r.db, r.name) && !this.server.views.has(key(r))) throw mysqlError("ER_NO_SUCH_TABLE", `${r.db}.${r.name}`);
  }

  *beforeOther(t: SimThread, s: Session, thd: Thd, stmt: Statement): Generator<Effect, void, unknown> {
    switch (stmt.kind) {
      case "call":
      case "do":
      case "set_user_var": {
        const pre = stmt.kind === "call" ? this.procedureSet(thd, stmt.name, stmt.calls, stmt.reads) : this.prelocking(thd, [], stmt.reads, stmt.calls);
        if (s.locked) return this.checkLocked(s, [...pre.reads, ...pre.prelockWrites], false);
        if (pre.prelockWrites.length) this.refuseUnderOwnReadLock(s);
        yield* this.openTables(t, s, this.ruleContext("CALL", [], { reads: pre.reads, prelockWrites: pre.prelockWrites, routines: pre.routines }), { shares: true });
        return;
      }
      case "acl": {
        // open_grant_tables(): the grant tables opened for write (5.7: MyISAM tables in mysql)
        const grant = ["user", "db", "tables_priv", "columns_priv", "procs_priv", "proxies_priv"].map((name) => ({ db: "mysql", name }));
        yield* this.openTables(t, s, this.ruleContext("ACL", grant), { shares: false });
        return;
      }
      case "admin": {
        const write = stmt.op === "OPTIMIZE" || stmt.op === "REPAIR";
        const base = stmt.tables.filter((r) => !isTemporary(thd, r.db, r.name));
        if (s.locked) return this.checkLocked(s, base, write);
        // mysql_admin_table(): an open that fails is a row of the result (Error, then "Corrupt"), not the statement's error
        thd.ext.adminError = null;
        try {
          if (write) {
            const c = this.ruleContext("ADMIN_WRITE", base);
            if (base.length) this.refuseUnderOwnReadLock(s);
            // mysql_admin_table(): CHECK and REPAIR open with HA_OPEN_FOR_REPAIR (a crashed table opens)
            yield* this.openTables(t, s, c, { names: this.requestsAt("lock_table_names", c), shares: true, forRepair: stmt.op === "REPAIR" });
          } else yield* this.openTables(t, s, this.ruleContext("ADMIN_READ", base), { shares: true, forRepair: stmt.op === "CHECK" });
        } catch (e) {
          if (!(e instanceof MysqlError) || e.def.name === "ER_QUERY_INTERRUPTED" || e.def.name === "ER_LOCK_DEADLOCK") throw e;
          thd.ext.adminError = e;
          return;
        }
        if (stmt.op === "OPTIMIZE" && base.some((r) => (this.server.table(r.db, r.name)?.engine ?? "InnoDB").toLowerCase() === "innodb")) {
          // mysql_admin_table(): InnoDB has no optimize, so mysql_recreate_table(), commit, release the
          // locks, DEBUG_SYNC ha_admin_open_ltable, then reopen SR for the analyze part
          s.ctx.release_transactional_locks();
          yield* debugSync(t, "ha_admin_open_ltable");
          yield* this.openTables(t, s, this.ruleContext("ADMIN_READ", base), { shares: true });
        }
        return;
      }
      case "show":
        if ((stmt.what === "create_table" || stmt.what === "fields") && stmt.table && !isTemporary(thd, stmt.table.db, stmt.table.name)) {
          // mysqld_show_create(): open with MYSQL_OPEN_FORCE_SHARED_HIGH_PRIO_MDL (SH); SHOW FIELDS is an
          // information_schema.COLUMNS query (fill_schema_table_by_open, then get_schema_column_record)
          yield* this.openTables(t, s, this.ruleContext("SELECT_IS", [stmt.table]), { shares: false });
          if (stmt.what === "fields") yield* this.fillSchemaTableByOpen(t, "information_schema.columns");
          if (!sessionTable(this.server, thd, stmt.table.db, stmt.table.name) && !this.server.views.has(key(stmt.table))) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
        }
        return;
      case "schema_ddl":
        yield* this.schemaDdl(t, s, stmt);
        return;
      case "routine_ddl": {
        this.refuseUnderLockTables(s);
        const object = { type: stmt.type, db: stmt.name.db, name: stmt.name.name };
        yield* this.takeAll(t, s, this.requestsAt("lock_object_name", this.ruleContext(stmt.op === "drop" ? "DROP_ROUTINE" : "CREATE_ROUTINE", [], { object })));
        return;
      }
      case "view_ddl": {
        this.refuseUnderLockTables(s);
        const c = this.ruleContext(stmt.op === "drop" ? "DROP_VIEW" : "CREATE_VIEW", stmt.views, { reads: stmt.reads.filter((r) => !isTemporary(thd, r.db, r.name)) });
        yield* this.takeAll(t, s, this.requestsAt("lock_table_names", c));
        // the view's SELECT: its tables opened SR (open_tables)
        if (c.reads!.length) yield* this.openTables(t, s, this.ruleContext("SELECT", c.reads!), { shares: true });
        return;
      }
      case "trigger_ddl": {
        const def = stmt.op === "drop" ? this.server.triggers.get(key(stmt.trigger)) : null;
        const tbl = stmt.table ?? (def ? def.table : null);
        if (!tbl) {
          if (stmt.ifExists) return;
          throw mysqlError("ER_TRG_DOES_NOT_EXIST");
        }
        if (isTemporary(thd, tbl.db, tbl.name) && stmt.op === "create") throw mysqlError("ER_TRG_ON_VIEW_OR_TEMP_TABLE", tbl.name);
        let ticket: MdlTicket | undefined;
        if (s.locked) {
          this.checkLocked(s, [tbl], true);
          ticket = s.locked.get(key(tbl))?.ticket;
        } else {
          const tickets = yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext(stmt.op === "drop" ? "DROP_TRIGGER" : "CREATE_TRIGGER", [tbl])));
          ticket = tickets.find((tk) => sameTable(tk, tbl));
        }
        if (!this.server.table(tbl.db, tbl.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${tbl.db}.${tbl.name}`);
        // wait_while_table_is_used(): SNW -> X
        if (ticket) yield* upgradeMdl(t, s, this.sys, ticket, T.MDL_EXCLUSIVE, this.lwt());
        return;
      }
      case "lock_tables": {
        // LOCK TABLES ends an earlier LOCK TABLES (not FTWRL: only UNLOCK TABLES ends that)
        this.unlockLockedTables(t, s);
        // temporary tables are allowed in LOCK TABLES and take no metadata lock (open_temporary_tables)
        const items = stmt.items.filter((i) => !isTemporary(thd, i.table.db, i.table.name));
        const writes = items.filter((i) => i.mode.endsWith("WRITE"));
        if (writes.length) this.refuseUnderOwnReadLock(s);
        const before = new Set(s.ctx.allTickets());
        const c = this.ruleContext(writes.length ? "LOCK_TABLES_WRITE" : "LOCK_TABLES_READ", items.map((i) => i.table), { lockItems: items, executingLockTables: true });
        // lock_table_names() for SRO/SNRW (not forced: DDL weight), open_table() for READ LOCAL's SR
        yield* this.openTables(t, s, c, { names: this.requestsAt("lock_table_names", c), shares: true });
        // the locks (GLOBAL IX and SCHEMA IX of WRITE too: PFS-01 marker 8) now last until UNLOCK TABLES
        for (const i of items) if (!this.server.table(i.table.db, i.table.name) && !this.server.views.has(key(i.table))) {
          s.ctx.rollback_to_savepoint({ stmtTicket: null, transTicket: null });
          throw mysqlError("ER_NO_SUCH_TABLE", `${i.table.db}.${i.table.name}`);
        }
        this.enterLockedTables(s, before, items.map((i) => ({ table: i.table, mode: i.mode.endsWith("WRITE") ? ("WRITE" as const) : ("READ" as const) })));
        // the THR_LOCKs of LOCK TABLES last until UNLOCK TABLES
        s.thrLocked = s.thrStmt;
        s.thrStmt = [];
        return;
      }
      case "create_table": {
        const source = [...(stmt.like ? [stmt.like] : []), ...(stmt.reads ?? [])];
        if (stmt.temporary) {
          // a temporary table takes no metadata lock (mysql_create_table_no_lock); LIKE / SELECT sources are opened SR
          if (tempTables(thd).has(key(stmt.table)) && !stmt.ifNotExists) throw mysqlError("ER_TABLE_EXISTS_ERROR", stmt.table.name);
          if (s.locked) this.checkLocked(s, source, false);
          else if (source.length) yield* this.openTables(t, s, this.ruleContext("SELECT", this.prelocking(thd, [], source, []).reads), { shares: true });
          return;
        }
        this.refuseUnderOwnReadLock(s);
        yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("CREATE_TABLE", [stmt.table])));
        if (source.length) yield* this.openTables(t, s, this.ruleContext("SELECT", this.prelocking(thd, [], source, []).reads), { shares: true });
        if ((this.server.table(stmt.table.db, stmt.table.name) || this.server.views.has(key(stmt.table))) && !stmt.ifNotExists) throw mysqlError("ER_TABLE_EXISTS_ERROR", stmt.table.name);
        if (stmt.like && !sessionTable(this.server, thd, stmt.like.db, stmt.like.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.like.db}.${stmt.like.name}`);
        if (this.server.droppedDatabases.has(stmt.table.db)) throw mysqlError("ER_BAD_DB_ERROR", stmt.table.db);
        return;
      }
      case "drop_table": {
        // temporary tables are dropped first and take no lock (lock_table_names() skips them)
        const temp = stmt.tables.filter((r) => isTemporary(thd, r.db, r.name));
        const baseTables = stmt.temporary ? [] : stmt.tables.filter((r) => !isTemporary(thd, r.db, r.name));
        if (baseTables.length) {
          if (s.locked) this.checkLocked(s, baseTables, true);
          else yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("DROP_TABLE", baseTables)));
        }
        const missing = stmt.temporary ? stmt.tables.filter((r) => !isTemporary(thd, r.db, r.name)) : baseTables.filter((r) => !this.server.table(r.db, r.name));
        if (missing.length && !stmt.ifExists) throw mysqlError("ER_BAD_TABLE_ERROR", missing.map((r) => `${r.db}.${r.name}`).join(","));
        void temp;
        return;
      }
      case "truncate_table":
        if (isTemporary(thd, stmt.table.db, stmt.table.name)) return;
        if (s.locked) {
          // Sql_cmd_truncate_table::lock_table(): under LOCK TABLES ... WRITE the SNRW is upgraded to X, and back after
          this.checkLocked(s, [stmt.table], true);
          const tk = s.locked.get(key(stmt.table))!.ticket;
          yield* debugSync(t, "upgrade_lock_for_truncate");
          yield* upgradeMdl(t, s, this.sys, tk, T.MDL_EXCLUSIVE, this.lwt());
          s.ctx.downgrade_lock(tk, T.MDL_SHARED_NO_READ_WRITE);
          return;
        }
        this.refuseUnderOwnReadLock(s);
        yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("TRUNCATE_TABLE", [stmt.table])));
        if (!this.server.table(stmt.table.db, stmt.table.name)) throw mysqlError("ER_NO_SUCH_TABLE", `${stmt.table.db}.${stmt.table.name}`);
        return;
      case "rename_table":
        this.refuseUnderOwnReadLock(s);
        yield* this.takeAll(t, s, this.requestsAt("lock_table_names", this.ruleContext("RENAME_TABLE", stmt.pairs.map(([a]) => a), { renameTo: stmt.pairs.map(([, b]) => b) })));
        return;
      case "alter_table":
        // a temporary table's ALTER takes no lock, so FTWRL does not refuse it
        if (!isTemporary(thd, stmt.table.db, stmt.table.name)) this.refuseUnderOwnReadLock(s);
        return; // the work hook does ALTER's locking: it interleaves locks and work

    }
  }

  // ---- StatementModel: the hooks mysql_execute_command calls (sql/execute.ts)

  before(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, void, unknown> | void {
    const s = this.session(t, thd);
    s.current = stmt.kind;
    s.victim = false;
    if (stmt.kind === "flush_tables" || stmt.kind === "lock_instance_for_backup") this.backupMetrics();
    switch (stmt.kind) {
      case "select":
        return this.beforeSelect(t, s, thd, stmt);
      case "insert":
      case "update":
      case "delete":
        return this.beforeWrite(t, s, thd, stmt);
      default:
        return BEFORE_OTHER.has(stmt.kind) ? this.beforeOther(t, s, thd, stmt) : undefined;
    }
  }

  work(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> | false {
    // not one of the statements whose work is locking's: no generator (before made the session)
    return isLockingWork(stmt) ? this.lockingWork(t, this.session(t, thd), stmt) : false;
  }

  *commit(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    // ha_commit_trans: a read-write transaction takes COMMIT IX (explicit) for the commit
    const s = this.session(t, thd);
    if (s.commitLock) return;
    s.commitLock = (yield* this.takeAll(t, s, this.requestsAt("ha_commit_trans", this.ruleContext("COMMIT", []))))[0]!;
    yield t.syncPoint("ha_commit_trans_after_acquire_commit_lock");
    // the transaction's changes are committed from here on (the FTWRL property test reads this record)
    t.trace("trx.commit", thd.name);
  }

  /**
   * The end of mysql_execute_command: close_thread_tables, the execute_command_after_close_tables
   * sync point (not for SET), then: a deadlock victim's transaction is rolled back
   * (transaction_rollback_request); DDL and autocommit statements release their transactional
   * locks; a statement inside a transaction releases its statement locks only.
   */
  *after(t: SimThread, thd: Thd, stmt: Statement): Generator<Effect, void, unknown> {
    const s = this.session(t, thd);
    if (!s.locked) this.tdc.closeAll(t);
    this.thrUnlock(t, s.thrStmt);
    if (stmt.kind !== "set_var" && stmt.kind !== "set_debug_sync" && stmt.kind !== "set_isolation") yield t.syncPoint("execute_command_after_close_tables");
    s.current = null;
    if (s.victim) {
      s.victim = false;
      if (thd.trx.active) {
        t.trace("trx.rollback", thd.name, { reason: "ER_LOCK_DEADLOCK (transaction_rollback_request)" });
        yield* rollbackTransaction(t, thd, this.server);
      }
    }
    s.ctx.release_statement_locks();
    // CF_AUTO_COMMIT_TRANS statements end with trans_commit_implicit() + release_transactional_locks()
    const ddl = DDL_KINDS.has(stmt.kind) && !((stmt.kind === "create_table" || stmt.kind === "drop_table") && stmt.temporary);
    if (!s.locked && (ddl || !thd.trx.explicit)) s.ctx.release_transactional_locks();
    yield t.yield();
  }

  *endTransaction(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    const s = this.session(t, thd);
    if (s.commitLock) {
      // COMMIT IX: explicit in ha_commit_trans(), statement duration in trans_xa_commit()
      s.ctx.release_ticket(s.commitLock);
      s.commitLock = null;
    }
    // an autocommitted statement keeps its locks until the statement ends (after)
    const autocommitEnd = s.current === "insert" || s.current === "update" || s.current === "delete" || s.current === "select" || s.current === "do" || s.current === "call" || s.current === "set_user_var";
    if (!s.locked && !autocommitEnd) s.ctx.release_transactional_locks();
    yield t.yield();
  }

  *disconnect(t: SimThread, thd: Thd): Generator<Effect, void, unknown> {
    const s = this.session(t, thd);
    s.current = null;
    yield* this.unlockTables(t, s);
    for (const h of s.handlers.values()) if (h.ticket) s.ctx.release_lock(h.ticket);
    for (const u of s.userLocks.values()) s.ctx.release_lock(u.ticket);
    if (s.backup) s.ctx.release_lock(s.backup);
    if (s.commitLock) s.ctx.release_ticket(s.commitLock);
    s.handlers.clear();
    s.userLocks.clear();
    s.backup = null;
    s.commitLock = null;
    s.ctx.release_transactional_locks();
    s.ctx.release_statement_locks();
    this.tdc.closeAll(t);
    this.thrUnlock(t, s.thrStmt);
    this.thrUnlock(t, s.thrLocked);
  }
}

/**
 * User-level locks (locking/user-locks.ts; item_func.cc Item_func_get_lock::val_int(),
 * Item_func_release_lock::val_int(), Item_func_release_all_locks::val_int(),
 * Item_func_is_free_lock / Item_func_is_used_lock::val_int()).
 */
class UserLocks implements UserLockService {
  // 5.6's user locks (one per session) differ from 5.7's; the lock rules treat 5.6 as 5.7
  readonly ullLine: string;

  constructor(readonly m: LockingModel) {
    this.ullLine = m.server.version.startsWith("5.6") ? "5.6" : m.line;
  }

  ullRequest(name: string): MdlRequest {
    return this.m.requestsAt("execute", this.m.ruleContext("GET_LOCK", [], { lockName: name }))[0]!;
  }
  /** MDL_context::get_lock_owner(): the session whose ticket is granted on the name, if any */
  ullOwner(name: string): Session | undefined {
    const lock = this.m.sys.find(this.ullRequest(name).key);
    const ticket = lock?.m_granted.list[0];
    return ticket ? this.m.byCtx.get(ticket.ctx) : undefined;
  }
  releaseUll(s: Session, name: string): void {
    const held = s.userLocks.get(name);
    if (!held) return;
    s.ctx.release_lock(held.ticket);
    s.userLocks.delete(name);
  }

  call(t: SimThread, thd: Thd, fn: string, args: Value[]): Value | typeof ULL_WAIT | undefined {
    // no session needed: the owner is the lock's
    if (fn === "IS_USED_LOCK") return this.isUsed(args[0] ?? null);
    if (fn === "IS_FREE_LOCK") return ullName(args[0] ?? null, this.ullLine) === null ? null : this.isUsed(args[0] ?? null) === null ? 1 : 0;
    const s = this.m.session(t, thd);
    switch (fn) {
      case "GET_LOCK": {
        const name = ullName(args[0] ?? null, this.ullLine);
        if (name === null) return null;
        const held = s.userLocks.get(name);
        if (held && this.ullLine !== "5.6") {
          // a lock the session holds: User_level_lock::refs++ (5.7: recursive locks)
          held.count++;
          return 1;
        }
        // 5.6 item_func.cc Item_func_get_lock::val_int(): thd->ull, the one lock held, is released first
        if (this.ullLine === "5.6") for (const n of [...s.userLocks.keys()]) this.releaseUll(s, n);
        // a positive timeout: MDL_context::acquire_lock() may wait, the generator does it (one request)
        if (ullTimeoutS(args[1] ?? null) > 0) return ULL_WAIT;
        // timeout 0: acquire_lock() resorts to try_acquire_lock(); granted without a wait
        const r = requestMdl(t, s, this.ullRequest(name), { noWait: true });
        if (r.status !== "GRANTED") return ULL_WAIT;
        s.userLocks.set(name, { ticket: r.ticket, count: 1 });
        t.trace("user_lock", name, { result: 1 });
        return 1;
      }
      case "RELEASE_LOCK": {
        const name = ullName(args[0] ?? null, this.ullLine);
        if (name === null) return null;
        const held = s.userLocks.get(name);
        // not the session's: 0 when another session holds it, NULL when nobody does
        if (!held) return this.ullOwner(name) ? 0 : null;
        if (--held.count === 0) this.releaseUll(s, name);
        return 1;
      }
      case "RELEASE_ALL_LOCKS": {
        // 5.7.5+: the sum of the refs of every lock the session held
        if (this.ullLine === "5.6") return undefined;
        let n = 0;
        for (const [name, held] of [...s.userLocks]) {
          n += held.count;
          this.releaseUll(s, name);
        }
        return n;
      }
    }
    return undefined;
  }

  isUsed(arg: Value): Value {
    const name = ullName(arg, this.ullLine);
    return name === null ? null : (this.ullOwner(name)?.thd.id ?? null);
  }

  *wait(t: SimThread, thd: Thd, fn: string, args: Value[]): Generator<Effect, Value, unknown> {
    if (fn !== "GET_LOCK") throw new Error(`user lock: ${fn} does not wait`);
    const s = this.m.session(t, thd);
    const name = ullName(args[0] ?? null, this.ullLine)!;
    const timeoutS = ullTimeoutS(args[1] ?? null);
    if (timeoutS === 0) {
      // MDL_context::acquire_lock() with lock_wait_timeout 0: try_acquire_lock() failed (no queueing,
      // no deadlock search: Bug#26739438), DEBUG_SYNC "mdl_acquire_lock_wait", ER_LOCK_WAIT_TIMEOUT,
      // which User_level_lock_wait_error_handler turns into the value 0
      yield t.syncPoint("mdl_acquire_lock_wait");
      t.trace("user_lock", name, { result: 0 });
      return 0;
    }
    // the wait in "User lock"; a deadlock victim is ER_USER_LOCK_DEADLOCK (mdl-wait.ts), a timeout 0
    const ticket = yield* acquireMdl(t, s, this.m.sys, this.ullRequest(name), this.m.lwt(), { timeoutNs: timeoutS * SEC, timeoutIsNull: true });
    if (ticket) s.userLocks.set(name, { ticket, count: 1 });
    t.trace("user_lock", name, { result: ticket ? 1 : 0 });
    return ticket ? 1 : 0;
  }
}
