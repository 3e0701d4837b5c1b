/**
 * Statement -> MDL lock plans: the ordered metadata-lock steps a statement performs, built from
 * the one rule table in rules.ts (the running locking model executes the same rows) plus the
 * procedural steps the table does not hold: ALTER TABLE's upgrades and downgrades of its own
 * ticket, duration changes, the deadlock-weight forcing of open_table(), and the points where a
 * statement works while holding its locks (where scenarios park statements).
 *
 * ALTER ... ALGORITHM=INPLACE follows sql_table.cc mysql_inplace_alter_table() (5.7.35 and
 * 8.0.27 read): SU -> X for prepare (EXCLUSIVE_LOCK, SHARED_LOCK_AFTER_PREPARE,
 * NO_LOCK_AFTER_PREPARE), downgrade to SNW (SHARED_LOCK_AFTER_PREPARE or LOCK=SHARED) or SU
 * (NO_LOCK_AFTER_PREPARE), then wait_while_table_is_used() = X before commit.
 */
import { type ForeignKeyDef, type LockPoint, type LockRequestSpec, lockRequests, type MysqlLine, type RuleContext, type StatementKind, type TableRef } from "./rules.js";
import { describeKey, enum_mdl_duration, enum_mdl_type, MDL_DURATION_PFS_NAME, MDL_TYPE_PFS_NAME, MdlNamespace, type MdlKey, mdlKey, mdlKeyCompare } from "./types.js";

export type { StatementKind, TableRef } from "./rules.js";

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
  /**
   * MDL_context::set_force_dml_deadlock_weight(): open_table() sets it to ot_ctx->can_back_off()
   * (the statement started holding no MDL) around the GLOBAL IX and table requests.
   */
  | { op: "force_dml_deadlock_weight"; value: boolean | "can_back_off"; note?: string }
  /** MDL_context::set_needs_thr_lock_abort() */
  | { op: "needs_thr_lock_abort"; value: boolean; note?: string }
  /** MDL_context::release_lock() of an explicit ticket */
  | { op: "release"; key: MdlKey; note?: string }
  /** a point where the statement does work while holding its locks (for scenario parking) */
  | { op: "work"; phase: string };

export interface LockPlan {
  steps: LockStep[];
  /** What the plan rests on (the MySQL functions of its rules). */
  basis: string[];
  /** Steps or details not confirmed in source. */
  unverified: string[];
}

export interface StatementParams {
  /** release line (default 8.0; `backupLock: false` without a version means 5.7) */
  version?: MysqlLine;
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
  /** Tables this table references (it is their FK child); `cascade`: ON DELETE/UPDATE CASCADE. */
  fkParents?: (TableRef & { cascade?: boolean })[];
  /** Tables referencing this table (its FK children), with whether the FK cascades. */
  fkChildren?: (TableRef & { cascade: boolean })[];
  /** Or the catalog's foreign keys in full. */
  foreignKeys?: ForeignKeyDef[];
  /** GET_LOCK / RELEASE_LOCK name */
  lockName?: string;
  /** COMMIT: did the transaction change data (only then the COMMIT lock is taken) */
  hasChanges?: boolean;
  /** @deprecated use version; false means 5.7 (no BACKUP_LOCK) */
  backupLock?: boolean;
}

function tref(t: string | TableRef, db: string): TableRef {
  return typeof t === "string" ? { db, name: t } : t;
}
const tableKey = (t: TableRef): MdlKey => mdlKey(MdlNamespace.TABLE, t.db, t.name);

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

/** The foreign keys a plan's params describe. */
function foreignKeysOf(p: StatementParams, target: TableRef): ForeignKeyDef[] {
  const fks: ForeignKeyDef[] = [...(p.foreignKeys ?? [])];
  for (const parent of p.fkParents ?? []) fks.push({ child: target, parent, onDelete: parent.cascade ? "CASCADE" : "RESTRICT", onUpdate: parent.cascade ? "CASCADE" : "RESTRICT" });
  for (const child of p.fkChildren ?? []) fks.push({ child, parent: target, onDelete: child.cascade ? "CASCADE" : "RESTRICT", onUpdate: child.cascade ? "CASCADE" : "RESTRICT" });
  return fks;
}

/** The rule context of a plan's statement. */
export function planContext(kind: StatementKind, p: StatementParams = {}): RuleContext {
  const db = p.db ?? "test";
  const target = tref(p.table ?? "t1", db);
  const line: MysqlLine = p.version ?? (p.backupLock === false ? "5.7" : "8.0");
  const c: RuleContext = { line, kind, tables: [target], foreignKeys: foreignKeysOf(p, target) };
  if (p.lowPriority) c.lowPriority = true;
  if (p.lockName !== undefined) c.lockName = p.lockName;
  if (p.algorithm) c.algorithm = p.algorithm;
  if (kind === "LOCK_TABLES_READ" || kind === "LOCK_TABLES_WRITE") {
    const ts = (p.tables ?? [target]).map((t) => tref(t, db));
    c.tables = ts;
    c.lockItems = ts.map((table) => ({ table, mode: kind === "LOCK_TABLES_WRITE" ? "WRITE" : p.readLocal ? "READ LOCAL" : "READ" }));
  }
  if (kind === "DROP_TABLE" || kind === "TRUNCATE_TABLE") c.tables = (p.tables ?? [target]).map((t) => tref(t, db));
  if (kind === "RENAME_TABLE") {
    const pairs = p.renames ?? [[target.name, `${target.name}_new`]];
    c.tables = pairs.map(([a]) => tref(a, db));
    c.renameTo = pairs.map(([, b]) => tref(b, db));
  }
  if (kind === "ALTER_TABLE" && p.renameTo) c.renameTo = [tref(p.renameTo, db)];
  return c;
}

const acquireStep = (r: LockRequestSpec): LockStep => ({ op: "acquire", key: r.key, type: r.type, duration: r.duration });

/** The lock plan of a statement. */
export function statementLocks(kind: StatementKind, p: StatementParams = {}): LockPlan {
  const c = planContext(kind, p);
  const basis = new Set<string>();
  const unverified: string[] = [];
  const at = (point: LockPoint, sorted = false): LockStep[] => {
    const reqs = lockRequests(point, c);
    for (const r of reqs) basis.add(r.rule.source);
    return (sorted ? sortLikeAcquireLocks(reqs) : reqs).map(acquireStep);
  };
  /** open_table() and the prelocked FK tables it opens, forced to DML weight when the statement can back off */
  const opened = (): LockStep[] => {
    const steps = [...at("open_table"), ...at("fk_prelocking")];
    return steps.length ? [{ op: "force_dml_deadlock_weight", value: "can_back_off" }, ...steps, { op: "force_dml_deadlock_weight", value: false }] : [];
  };
  let steps: LockStep[] = [];

  switch (kind) {
    case "SELECT":
    case "SELECT_IS":
    case "SELECT_FOR_SHARE":
    case "SELECT_FOR_UPDATE":
    case "INSERT":
    case "UPDATE":
    case "DELETE":
      steps = opened();
      if (kind === "SELECT_IS") unverified.push("SH duration (modelled TRANSACTION; MySQL releases it when the I_S row is filled)");
      break;
    case "LOCK_TABLES_READ":
    case "LOCK_TABLES_WRITE":
      steps = [...at("lock_table_names", true), ...opened(), { op: "set_explicit_duration", note: "locked tables survive COMMIT; P_S keeps showing TRANSACTION" }];
      break;
    case "ALTER_TABLE": {
      const alg = p.algorithm ?? "INPLACE";
      const lk = p.lock ?? "DEFAULT";
      const k = tableKey(c.tables[0]!);
      steps = [...at("lock_table_names", true), ...at("alter_fk_open", true), { op: "work", phase: "opened" }];
      if (alg === "COPY") {
        steps.push({ op: "upgrade", key: k, to: lk === "EXCLUSIVE" ? enum_mdl_type.MDL_EXCLUSIVE : enum_mdl_type.MDL_SHARED_NO_WRITE, note: "copy phase" });
        steps.push(...at("alter_before_copy", true));
        steps.push({ op: "work", phase: "copy" });
        steps.push({ op: "upgrade", key: k, to: enum_mdl_type.MDL_EXCLUSIVE, note: "rename/swap phase" });
        steps.push(...at("alter_before_commit", true));
        steps.push({ op: "work", phase: "rename" });
        basis.add("mdl_sync.test: ALTER ... ADD COLUMN is SU->SNW->X; ALGORITHM=COPY, LOCK=SHARED holds SNW after alter_table_copy_after_lock_upgrade");
      } else if (alg === "INSTANT") {
        steps.push({ op: "upgrade", key: k, to: enum_mdl_type.MDL_EXCLUSIVE, note: "commit" });
        steps.push(...at("alter_before_commit", true));
        steps.push({ op: "work", phase: "commit" });
        unverified.push("ALGORITHM=INSTANT: X taken only for the commit phase");
      } else {
        const sup = p.inplaceSupport ?? "NO_LOCK_AFTER_PREPARE";
        if (sup === "EXCLUSIVE_LOCK" || sup === "SHARED_LOCK_AFTER_PREPARE" || sup === "NO_LOCK_AFTER_PREPARE" || lk === "EXCLUSIVE") {
          steps.push({ op: "upgrade", key: k, to: enum_mdl_type.MDL_EXCLUSIVE, note: "prepare phase" });
          steps.push({ op: "work", phase: "prepare" });
          if ((sup === "SHARED_LOCK_AFTER_PREPARE" || sup === "NO_LOCK_AFTER_PREPARE") && lk !== "EXCLUSIVE") {
            const to = sup === "SHARED_LOCK_AFTER_PREPARE" || lk === "SHARED" ? enum_mdl_type.MDL_SHARED_NO_WRITE : enum_mdl_type.MDL_SHARED_UPGRADABLE;
            steps.push({ op: "downgrade", key: k, to, note: "alter_table_inplace_after_lock_downgrade" });
          }
        } else if (sup === "SHARED_LOCK" || lk === "SHARED") {
          steps.push({ op: "upgrade", key: k, to: enum_mdl_type.MDL_SHARED_NO_WRITE, note: "LOCK=SHARED" });
        }
        steps.push({ op: "work", phase: "inplace" });
        steps.push({ op: "upgrade", key: k, to: enum_mdl_type.MDL_EXCLUSIVE, note: "wait_while_table_is_used() before commit" });
        steps.push(...at("alter_before_commit", true));
        steps.push({ op: "work", phase: "commit" });
        basis.add("sql_table.cc mysql_inplace_alter_table(): X for prepare, downgrade to SU/SNW, X before commit");
      }
      break;
    }
    case "CREATE_TABLE":
    case "DROP_TABLE":
    case "TRUNCATE_TABLE":
    case "RENAME_TABLE":
      steps = [...at("lock_table_names", true), { op: "work", phase: kind.toLowerCase().replace("_table", "") }];
      break;
    case "HANDLER_OPEN": {
      steps = [...at("execute"), { op: "needs_thr_lock_abort", value: true }];
      break;
    }
    case "GET_LOCK":
      steps = at("execute");
      break;
    case "RELEASE_LOCK":
      steps = [{ op: "release", key: mdlKey(MdlNamespace.USER_LEVEL_LOCK, "", p.lockName ?? "lock") }];
      basis.add("item_func.cc Item_func_release_lock::val_int()");
      break;
    case "FTWRL":
      steps = [...at("lock_global_read_lock"), { op: "work", phase: "flush tables (Waiting for table flush; not MDL)" }, ...at("make_global_read_lock_block_commit")];
      break;
    case "LOCK_INSTANCE_FOR_BACKUP":
      steps = at("execute");
      break;
    case "COMMIT":
      steps = p.hasChanges ? [...at("ha_commit_trans"), { op: "work", phase: "commit" }, { op: "release", key: mdlKey(MdlNamespace.COMMIT) }] : [];
      break;
  }
  return { steps, basis: [...basis], unverified };
}

/** A plan as explain-style lines: one per step, MySQL names (performance_schema spelling for types). */
export function formatPlan(plan: LockPlan): string[] {
  const type = (t: enum_mdl_type): string => MDL_TYPE_PFS_NAME[t]!;
  return plan.steps.map((s) => {
    switch (s.op) {
      case "acquire":
        return `acquire   ${describeKey(s.key)} ${type(s.type)} ${MDL_DURATION_PFS_NAME[s.duration]}`;
      case "upgrade":
        return `upgrade   ${describeKey(s.key)} -> ${type(s.to)}${s.note ? `  (${s.note})` : ""}`;
      case "downgrade":
        return `downgrade ${describeKey(s.key)} -> ${type(s.to)}${s.note ? `  (${s.note})` : ""}`;
      case "force_dml_deadlock_weight":
        return `set_force_dml_deadlock_weight(${s.value === "can_back_off" ? "can_back_off()" : String(s.value)})`;
      case "release":
        return `release   ${describeKey(s.key)}`;
      case "work":
        return `  ... ${s.phase}`;
      default:
        return s.op;
    }
  });
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

  /** Open_table_context::can_back_off(): the statement started holding no MDL */
  private readonly canBackOff: boolean;

  constructor(
    readonly ctx: import("./context.js").MdlContext,
    readonly plan: LockPlan,
  ) {
    this.canBackOff = !ctx.has_locks();
  }

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
          this.ctx.set_force_dml_deadlock_weight(step.value === "can_back_off" ? this.canBackOff : step.value);
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
