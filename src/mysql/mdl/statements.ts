/**
 * Statement -> MDL lock plans: the ordered metadata-lock steps a statement performs.
 *
 * Sources:
 *  - /work/shared/conformance/mysql-test-cases.md "Statement -> MDL mapping" (mdl_sync.test 8.0
 *    comments) and PFS-01 (mdl_func.result, 5.7: row order and durations of LOCK TABLES / DROP).
 *  - sql/mdl.cc 8.0 comment on scoped locks: GLOBAL IX "for each statement that can modify
 *    metadata or data"; SCHEMA IX "for DDL statements which can update metadata in the schema
 *    ... and aren't acquired for DML".
 *  - sql/sql_table.cc 8.0 mysql_inplace_alter_table() (quoted in public write-ups; the upstream
 *    file was not readable here): upgrade SU->X before prepare for
 *    HA_ALTER_INPLACE_{EXCLUSIVE_LOCK,SHARED_LOCK_AFTER_PREPARE,NO_LOCK_AFTER_PREPARE}, downgrade
 *    to SNW (engine SHARED_LOCK_AFTER_PREPARE or LOCK=SHARED) or SU (NO_LOCK_AFTER_PREPARE)
 *    after prepare, and wait_while_table_is_used() = upgrade to X before commit.
 *  - seed 004 (Percona blog "ALTERS, Foreign Keys, and Metadata Locks"): ALTER on an FK child
 *    takes SU on the child and SHARED_READ_ONLY on the parent.
 * Everything marked UNVERIFIED below was not confirmed in 8.0 source text.
 */
import { enum_mdl_duration, enum_mdl_type, MdlNamespace, type MdlKey, mdlKey, mdlKeyCompare } from "./types.js";

export type LockStep =
  /** MDL_context::acquire_lock() */
  | { op: "acquire"; key: MdlKey; type: enum_mdl_type; duration: enum_mdl_duration; note?: string }
  /** MDL_context::upgrade_shared_lock() of the ticket this statement holds on `key` */
  | { op: "upgrade"; key: MdlKey; to: enum_mdl_type; note?: string }
  /** MDL_ticket::downgrade_lock() */
  | { op: "downgrade"; key: MdlKey; to: enum_mdl_type; note?: string }
  /** MDL_context::set_explicit_duration_for_all_locks() (LOCK TABLES, FTWRL) */
  | { op: "set_explicit_duration"; note?: string }
  /** MDL_context::set_lock_duration(ticket, MDL_EXPLICIT) (HANDLER OPEN) */
  | { op: "set_lock_duration"; key: MdlKey; duration: enum_mdl_duration; note?: string }
  /** MDL_context::set_force_dml_deadlock_weight() */
  | { op: "force_dml_deadlock_weight"; value: boolean; note?: string }
  /** MDL_context::set_needs_thr_lock_abort() */
  | { op: "needs_thr_lock_abort"; value: boolean; note?: string }
  /** MDL_context::release_lock() of an explicit ticket */
  | { op: "release"; key: MdlKey; note?: string }
  /** a point where the statement does work while holding its locks (for scenario parking) */
  | { op: "work"; phase: string };

export interface LockPlan {
  steps: LockStep[];
  /** What the plan rests on. */
  basis: string[];
  /** Steps or details not confirmed in 8.0 source. */
  unverified: string[];
}

export type StatementKind =
  | "SELECT"
  | "SELECT_IS" // information_schema query about a table
  | "SELECT_FOR_UPDATE"
  | "SELECT_FOR_SHARE"
  | "INSERT"
  | "UPDATE"
  | "DELETE"
  | "LOCK_TABLES_READ"
  | "LOCK_TABLES_WRITE"
  | "ALTER_TABLE"
  | "CREATE_TABLE"
  | "DROP_TABLE"
  | "TRUNCATE_TABLE"
  | "RENAME_TABLE"
  | "HANDLER_OPEN"
  | "GET_LOCK"
  | "RELEASE_LOCK"
  | "FTWRL"
  | "LOCK_INSTANCE_FOR_BACKUP"
  | "COMMIT";

export interface TableRef {
  db: string;
  name: string;
}

export interface StatementParams {
  db?: string;
  /** Target table (or the first one). */
  table?: string;
  /** LOCK TABLES / DROP lists. */
  tables?: (string | TableRef)[];
  /** RENAME TABLE pairs: [from, to] in statement order. */
  renames?: [string, string][];
  /** DML LOW_PRIORITY -> SWLP */
  lowPriority?: boolean;
  /** LOCK TABLES ... READ LOCAL -> SR instead of SRO */
  readLocal?: boolean;
  /** ALTER TABLE ALGORITHM */
  algorithm?: "COPY" | "INPLACE" | "INSTANT";
  /** ALTER TABLE LOCK */
  lock?: "DEFAULT" | "NONE" | "SHARED" | "EXCLUSIVE";
  /**
   * For ALGORITHM=INPLACE: what the engine's check_if_supported_inplace_alter() returns.
   * InnoDB online operations (ADD INDEX, ADD COLUMN rebuild) return NO_LOCK_AFTER_PREPARE.
   */
  inplaceSupport?: "EXCLUSIVE_LOCK" | "SHARED_LOCK_AFTER_PREPARE" | "NO_LOCK_AFTER_PREPARE" | "SHARED_LOCK" | "NO_LOCK";
  /** ALTER TABLE ... RENAME TO newName */
  renameTo?: string;
  /** Tables this table references (it is their FK child). */
  fkParents?: TableRef[];
  /** Tables referencing this table (its FK children), with whether the FK cascades/sets null. */
  fkChildren?: (TableRef & { cascade: boolean })[];
  /** GET_LOCK / RELEASE_LOCK name */
  lockName?: string;
  /** COMMIT: did the transaction change data (only then the COMMIT lock is taken) */
  hasChanges?: boolean;
  /** Whether DDL takes the 8.0 BACKUP_LOCK IX (default true; see UNVERIFIED). */
  backupLock?: boolean;
}

const T = enum_mdl_type;
const D = enum_mdl_duration;

function tref(t: string | TableRef, db: string): TableRef {
  return typeof t === "string" ? { db, name: t } : t;
}
const tableKey = (t: TableRef): MdlKey => mdlKey(MdlNamespace.TABLE, t.db, t.name);
const acquire = (key: MdlKey, type: enum_mdl_type, duration: enum_mdl_duration, note?: string): LockStep =>
  note === undefined ? { op: "acquire", key, type, duration } : { op: "acquire", key, type, duration, note };
const globalIX = (): LockStep => acquire(mdlKey(MdlNamespace.GLOBAL), T.MDL_INTENTION_EXCLUSIVE, D.MDL_STATEMENT, "protection against FTWRL");
const backupIX = (): LockStep =>
  acquire(mdlKey(MdlNamespace.BACKUP_LOCK), T.MDL_INTENTION_EXCLUSIVE, D.MDL_TRANSACTION, "8.0 DDL vs LOCK INSTANCE FOR BACKUP (UNVERIFIED duration)");
const schemaIX = (db: string): LockStep => acquire(mdlKey(MdlNamespace.SCHEMA, db), T.MDL_INTENTION_EXCLUSIVE, D.MDL_TRANSACTION);

/**
 * MDL_context::acquire_locks() sorts requests by MDL_key (and stronger type first on equal keys)
 * before acquiring them one by one: what lock_table_names() does for DDL and LOCK TABLES.
 */
export function sortLikeAcquireLocks<S extends { key: MdlKey; type: enum_mdl_type }>(reqs: S[]): S[] {
  return [...reqs].sort((a, b) => {
    const c = mdlKeyCompare(a.key, b.key);
    return c !== 0 ? c : b.type - a.type;
  });
}

function ddlPrefix(dbs: string[], p: StatementParams): LockStep[] {
  const steps: LockStep[] = [globalIX()];
  if (p.backupLock ?? true) steps.push(backupIX());
  for (const db of [...new Set(dbs)].sort()) steps.push(schemaIX(db));
  return steps;
}

function fkDmlSteps(p: StatementParams, kind: "INSERT" | "UPDATE" | "DELETE"): LockStep[] {
  const steps: LockStep[] = [];
  if (kind !== "DELETE") {
    for (const parent of p.fkParents ?? []) steps.push(acquire(tableKey(parent), T.MDL_SHARED_READ, D.MDL_TRANSACTION, "FK check on parent (UNVERIFIED)"));
  }
  if (kind !== "INSERT") {
    for (const child of p.fkChildren ?? []) {
      steps.push(
        acquire(tableKey(child), child.cascade ? T.MDL_SHARED_WRITE : T.MDL_SHARED_READ, D.MDL_TRANSACTION, child.cascade ? "FK cascade to child (UNVERIFIED)" : "FK restrict check on child (UNVERIFIED)"),
      );
    }
  }
  return steps;
}

/** The lock plan of a statement. */
export function statementLocks(kind: StatementKind, p: StatementParams = {}): LockPlan {
  const db = p.db ?? "test";
  const target = tref(p.table ?? "t1", db);
  const unverified: string[] = [];
  const basis: string[] = [];
  let steps: LockStep[] = [];

  switch (kind) {
    case "SELECT":
      steps = [acquire(tableKey(target), T.MDL_SHARED_READ, D.MDL_TRANSACTION)];
      basis.push("mdl_sync.test: SELECT takes SR; PFS-01 marker 1: SHARED_READ TRANSACTION");
      unverified.push("8.0 data-dictionary SCHEMA IX taken on a table-definition cache miss is not modelled");
      break;
    case "SELECT_IS":
      steps = [acquire(tableKey(target), T.MDL_SHARED_HIGH_PRIO, D.MDL_TRANSACTION, "short-lived; released when the I_S row is filled")];
      basis.push("mdl_sync.test: I_S.columns/tables query takes SH (after_open_table_mdl_shared)");
      unverified.push("SH duration (modelled TRANSACTION; MySQL releases it early)");
      break;
    case "SELECT_FOR_SHARE":
      steps = [acquire(tableKey(target), T.MDL_SHARED_READ, D.MDL_TRANSACTION)];
      basis.push("flush_read_lock.test: SELECT ... LOCK IN SHARE MODE is compatible with FTWRL");
      break;
    case "SELECT_FOR_UPDATE":
      steps = [globalIX(), acquire(tableKey(target), T.MDL_SHARED_WRITE, D.MDL_TRANSACTION)];
      basis.push("mdl.h: SW 'Also taken by SELECT ... FOR UPDATE'; flush_read_lock.test: incompatible with FTWRL (GLOBAL IX)");
      break;
    case "INSERT":
    case "UPDATE":
    case "DELETE":
      steps = [globalIX(), acquire(tableKey(target), p.lowPriority ? T.MDL_SHARED_WRITE_LOW_PRIO : T.MDL_SHARED_WRITE, D.MDL_TRANSACTION), ...fkDmlSteps(p, kind)];
      basis.push("mdl.h: SW for INSERT/UPDATE/DELETE, SWLP with LOW_PRIORITY; mdl.cc: GLOBAL IX for statements that modify data, no SCHEMA IX for DML");
      if ((p.fkParents?.length ?? 0) + (p.fkChildren?.length ?? 0) > 0) {
        unverified.push("FK prelocking: SR on parents for child DML, SW (cascade) / SR (restrict) on children for parent DML, from memory of 8.0 sql_base.cc");
      }
      unverified.push("the conformance mapping also lists SCHEMA IX for writes; the mdl.cc comment says DML does not take it (we follow mdl.cc)");
      break;
    case "LOCK_TABLES_READ": {
      const ts = (p.tables ?? [target]).map((t) => tref(t, db));
      const reqs = sortLikeAcquireLocks(ts.map((t) => ({ key: tableKey(t), type: p.readLocal ? T.MDL_SHARED_READ : T.MDL_SHARED_READ_ONLY })));
      steps = [
        { op: "force_dml_deadlock_weight", value: true, note: "LOCK TABLES backs off as a DML victim (conformance DL-07 inference)" },
        ...reqs.map((r) => acquire(r.key, r.type, D.MDL_TRANSACTION)),
        { op: "force_dml_deadlock_weight", value: false },
        { op: "set_explicit_duration", note: "locked tables survive COMMIT; P_S keeps showing TRANSACTION" },
      ];
      basis.push("mdl.h: SRO for LOCK TABLES READ; PFS-01 marker 6: SHARED_READ_ONLY TRANSACTION");
      unverified.push("force_dml_deadlock_weight around LOCK TABLES acquisition is an inference from the conformance notes");
      break;
    }
    case "LOCK_TABLES_WRITE": {
      const ts = (p.tables ?? [target]).map((t) => tref(t, db));
      const reqs = sortLikeAcquireLocks([
        { key: mdlKey(MdlNamespace.GLOBAL), type: T.MDL_INTENTION_EXCLUSIVE, duration: D.MDL_STATEMENT },
        ...(p.backupLock === false ? [] : [{ key: mdlKey(MdlNamespace.BACKUP_LOCK), type: T.MDL_INTENTION_EXCLUSIVE, duration: D.MDL_TRANSACTION }]),
        ...[...new Set(ts.map((t) => t.db))].map((d) => ({ key: mdlKey(MdlNamespace.SCHEMA, d), type: T.MDL_INTENTION_EXCLUSIVE, duration: D.MDL_TRANSACTION })),
        ...ts.map((t) => ({ key: tableKey(t), type: T.MDL_SHARED_NO_READ_WRITE, duration: D.MDL_TRANSACTION })),
      ]);
      steps = [
        { op: "force_dml_deadlock_weight", value: true },
        ...reqs.map((r) => acquire(r.key, r.type, r.duration)),
        { op: "force_dml_deadlock_weight", value: false },
        { op: "set_explicit_duration" },
      ];
      basis.push("PFS-01 markers 7/8 (5.7): GLOBAL IX STATEMENT, SCHEMA IX TRANSACTION, TABLE SNRW TRANSACTION, in that order");
      if (p.backupLock !== false) unverified.push("8.0: BACKUP_LOCK IX for LOCK TABLES ... WRITE, as for DDL (lock_table_names); not confirmed in 8.0 source");
      break;
    }
    case "ALTER_TABLE": {
      const alg = p.algorithm ?? "INPLACE";
      const lk = p.lock ?? "DEFAULT";
      const k = tableKey(target);
      const opened: { key: MdlKey; type: enum_mdl_type; duration: enum_mdl_duration }[] = [{ key: k, type: T.MDL_SHARED_UPGRADABLE, duration: D.MDL_TRANSACTION }];
      if (p.renameTo) opened.push({ key: tableKey({ db, name: p.renameTo }), type: T.MDL_EXCLUSIVE, duration: D.MDL_TRANSACTION });
      steps = [...ddlPrefix([db], p), ...sortLikeAcquireLocks(opened).map((r) => acquire(r.key, r.type, r.duration))];
      for (const parent of p.fkParents ?? []) {
        steps.push(acquire(tableKey(parent), T.MDL_SHARED_READ_ONLY, D.MDL_TRANSACTION, "FK parent of the altered child (seed 004)"));
      }
      steps.push({ op: "work", phase: "opened" });
      if (alg === "COPY") {
        steps.push({ op: "upgrade", key: k, to: lk === "EXCLUSIVE" ? T.MDL_EXCLUSIVE : T.MDL_SHARED_NO_WRITE, note: "copy phase" });
        steps.push({ op: "work", phase: "copy" });
        steps.push({ op: "upgrade", key: k, to: T.MDL_EXCLUSIVE, note: "rename/swap phase" });
        steps.push({ op: "work", phase: "rename" });
        basis.push("mdl_sync.test: ALTER ... ADD COLUMN is SU->SNW->X; ALGORITHM=COPY, LOCK=SHARED holds SNW after alter_table_copy_after_lock_upgrade");
      } else if (alg === "INSTANT") {
        steps.push({ op: "upgrade", key: k, to: T.MDL_EXCLUSIVE, note: "commit" });
        steps.push({ op: "work", phase: "commit" });
        unverified.push("ALGORITHM=INSTANT: X taken only for the commit phase");
      } else {
        const sup = p.inplaceSupport ?? "NO_LOCK_AFTER_PREPARE";
        if (sup === "EXCLUSIVE_LOCK" || sup === "SHARED_LOCK_AFTER_PREPARE" || sup === "NO_LOCK_AFTER_PREPARE" || lk === "EXCLUSIVE") {
          steps.push({ op: "upgrade", key: k, to: T.MDL_EXCLUSIVE, note: "prepare phase" });
          steps.push({ op: "work", phase: "prepare" });
          if ((sup === "SHARED_LOCK_AFTER_PREPARE" || sup === "NO_LOCK_AFTER_PREPARE") && lk !== "EXCLUSIVE") {
            const to = sup === "SHARED_LOCK_AFTER_PREPARE" || lk === "SHARED" ? T.MDL_SHARED_NO_WRITE : T.MDL_SHARED_UPGRADABLE;
            steps.push({ op: "downgrade", key: k, to, note: "alter_table_inplace_after_lock_downgrade" });
          }
        } else if (sup === "SHARED_LOCK" || lk === "SHARED") {
          steps.push({ op: "upgrade", key: k, to: T.MDL_SHARED_NO_WRITE, note: "LOCK=SHARED" });
        }
        steps.push({ op: "work", phase: "inplace" });
        steps.push({ op: "upgrade", key: k, to: T.MDL_EXCLUSIVE, note: "wait_while_table_is_used() before commit" });
        steps.push({ op: "work", phase: "commit" });
        basis.push("sql_table.cc mysql_inplace_alter_table(): X for prepare, downgrade to SU/SNW, X before commit");
      }
      if ((p.fkParents?.length ?? 0) > 0) unverified.push("8.0 may also take X on FK parents when FK metadata changes; only SRO (seed 004) is modelled");
      unverified.push("BACKUP_LOCK IX (8.0) duration");
      break;
    }
    case "CREATE_TABLE": {
      const k = tableKey(target);
      steps = [...ddlPrefix([db], p), acquire(k, T.MDL_SHARED, D.MDL_TRANSACTION), { op: "upgrade", key: k, to: T.MDL_EXCLUSIVE, note: "table does not exist" }, { op: "work", phase: "create" }];
      basis.push("open_table(): CREATE TABLE opens with S and upgrades to X when the table does not exist (quoted 8.0 code); conformance: CREATE = X");
      break;
    }
    case "DROP_TABLE":
    case "TRUNCATE_TABLE": {
      const ts = (p.tables ?? [target]).map((t) => tref(t, db));
      steps = [
        ...ddlPrefix(ts.map((t) => t.db), p),
        ...sortLikeAcquireLocks(ts.map((t) => ({ key: tableKey(t), type: T.MDL_EXCLUSIVE }))).map((r) => acquire(r.key, r.type, D.MDL_TRANSACTION)),
        { op: "work", phase: kind === "DROP_TABLE" ? "drop" : "truncate" },
      ];
      basis.push("PFS-01 marker 4: DROP TABLE = GLOBAL IX STATEMENT, SCHEMA IX TRANSACTION, TABLE X TRANSACTION");
      break;
    }
    case "RENAME_TABLE": {
      const pairs = p.renames ?? [[target.name, `${target.name}_new`]];
      const names = new Set<string>();
      for (const [a, b] of pairs) {
        names.add(a);
        names.add(b);
      }
      steps = [
        ...ddlPrefix([db], p),
        ...sortLikeAcquireLocks([...names].map((n) => ({ key: tableKey({ db, name: n }), type: T.MDL_EXCLUSIVE }))).map((r) => acquire(r.key, r.type, D.MDL_TRANSACTION)),
        { op: "work", phase: "rename" },
      ];
      basis.push("mdl_sync.test / docs: RENAME takes X on every source and target name, in name order (acquire_locks sort)");
      break;
    }
    case "HANDLER_OPEN": {
      const k = tableKey(target);
      steps = [
        acquire(k, T.MDL_SHARED, D.MDL_TRANSACTION),
        { op: "set_lock_duration", key: k, duration: D.MDL_EXPLICIT },
        { op: "needs_thr_lock_abort", value: true },
      ];
      basis.push("mdl.h: S is (mis-)used for open HANDLERs; conformance: explicit duration until HANDLER CLOSE");
      unverified.push("HANDLER OPEN acquiring with TRANSACTION then set_lock_duration(EXPLICIT) is from memory of sql_handler.cc");
      break;
    }
    case "GET_LOCK":
      steps = [acquire(mdlKey(MdlNamespace.USER_LEVEL_LOCK, "", p.lockName ?? "lock"), T.MDL_EXCLUSIVE, D.MDL_EXPLICIT)];
      basis.push("PFS-01 marker 13: USER LEVEL LOCK EXCLUSIVE EXPLICIT, OBJECT_SCHEMA NULL");
      break;
    case "RELEASE_LOCK":
      steps = [{ op: "release", key: mdlKey(MdlNamespace.USER_LEVEL_LOCK, "", p.lockName ?? "lock") }];
      basis.push("PFS-01 marker 15");
      break;
    case "FTWRL":
      steps = [
        acquire(mdlKey(MdlNamespace.GLOBAL), T.MDL_SHARED, D.MDL_EXPLICIT, "lock_global_read_lock()"),
        { op: "work", phase: "flush tables (Waiting for table flush; not MDL)" },
        acquire(mdlKey(MdlNamespace.COMMIT), T.MDL_SHARED, D.MDL_EXPLICIT, "make_global_read_lock_block_commit()"),
      ];
      basis.push("conformance FTWRL-01/02: GLOBAL S then COMMIT S; waits show 'Waiting for global read lock' / 'Waiting for commit lock'");
      break;
    case "LOCK_INSTANCE_FOR_BACKUP":
      steps = [acquire(mdlKey(MdlNamespace.BACKUP_LOCK), T.MDL_SHARED, D.MDL_EXPLICIT)];
      unverified.push("LOCK INSTANCE FOR BACKUP = BACKUP_LOCK S explicit, from memory");
      break;
    case "COMMIT":
      steps = p.hasChanges
        ? [acquire(mdlKey(MdlNamespace.COMMIT), T.MDL_INTENTION_EXCLUSIVE, D.MDL_EXPLICIT, "ha_commit_trans(); released right after the commit"), { op: "work", phase: "commit" }, { op: "release", key: mdlKey(MdlNamespace.COMMIT) }]
        : [];
      basis.push("conformance FTWRL-02/03: COMMIT of a transaction with changes takes COMMIT IX; read-only COMMIT takes nothing");
      unverified.push("COMMIT IX duration EXPLICIT with release right after commit, from memory of handler.cc");
      break;
  }
  return { steps, basis, unverified };
}

/**
 * Runs a lock plan on a context step by step (a convenience for tests and the later integration).
 * advance() executes steps until one blocks (PENDING), fails (VICTIM), reaches a "work" step, or
 * the plan ends. After a PENDING step is granted (listener), call advance() again.
 */
export class LockPlanRunner {
  private i = 0;
  private waiting = false;
  /** Tickets this plan holds, by key string. */
  readonly tickets = new Map<string, import("./lock.js").MdlTicket>();

  constructor(
    readonly ctx: import("./context.js").MdlContext,
    readonly plan: LockPlan,
  ) {}

  get index(): number {
    return this.i;
  }

  advance(): { state: "done" } | { state: "pending"; step: LockStep } | { state: "victim"; step: LockStep } | { state: "work"; phase: string } {
    const keyStr = (k: MdlKey): string => `${k.namespace}\u0000${k.db}\u0000${k.name}`;
    if (this.waiting) {
      if (this.ctx.isWaiting()) return { state: "pending", step: this.plan.steps[this.i]! };
      this.waiting = false;
      const step = this.plan.steps[this.i]!;
      if (step.op === "acquire") {
        const t = this.ctx.allTickets().find((x) => x.lock.key.namespace === step.key.namespace && x.lock.key.db === step.key.db && x.lock.key.name === step.key.name);
        if (t) this.tickets.set(keyStr(step.key), t);
      }
      this.i++;
    }
    while (this.i < this.plan.steps.length) {
      const step = this.plan.steps[this.i]!;
      switch (step.op) {
        case "work":
          this.i++;
          return { state: "work", phase: step.phase };
        case "acquire": {
          const r = this.ctx.acquire_lock({ key: step.key, type: step.type, duration: step.duration });
          if (r.status === "GRANTED") this.tickets.set(keyStr(step.key), r.ticket);
          else if (r.status === "PENDING") {
            this.waiting = true;
            return { state: "pending", step };
          } else return { state: "victim", step };
          break;
        }
        case "upgrade": {
          const t = this.tickets.get(keyStr(step.key));
          if (!t) throw new Error(`plan upgrades a lock it does not hold: ${step.key.name}`);
          const r = this.ctx.upgrade_shared_lock(t, step.to);
          if (r.status === "PENDING") {
            this.waiting = true;
            return { state: "pending", step };
          }
          if (r.status !== "GRANTED") return { state: "victim", step };
          break;
        }
        case "downgrade": {
          const t = this.tickets.get(keyStr(step.key));
          if (!t) throw new Error(`plan downgrades a lock it does not hold: ${step.key.name}`);
          this.ctx.downgrade_lock(t, step.to);
          break;
        }
        case "set_explicit_duration":
          this.ctx.set_explicit_duration_for_all_locks();
          break;
        case "set_lock_duration": {
          const t = this.tickets.get(keyStr(step.key));
          if (t) this.ctx.set_lock_duration(t, step.duration);
          break;
        }
        case "force_dml_deadlock_weight":
          this.ctx.set_force_dml_deadlock_weight(step.value);
          break;
        case "needs_thr_lock_abort":
          this.ctx.set_needs_thr_lock_abort(step.value);
          break;
        case "release": {
          const t = this.tickets.get(keyStr(step.key)) ?? this.ctx.allTickets().find((x) => keyStr(x.lock.key) === keyStr(step.key));
          if (t) {
            this.ctx.release_ticket(t);
            this.tickets.delete(keyStr(step.key));
          }
          break;
        }
      }
      this.i++;
    }
    return { state: "done" };
  }
}
