/**
 * THE statement -> metadata-lock table, one row per rule, for MySQL 5.7 and 8.0.
 *
 * The running locking model (src/mysql/locking/locking-model.ts) asks `lockRequests(point, ctx)`
 * for the requests of each point of a statement and acquires exactly those; the lock plans of
 * statements.ts (tests, LockPlanRunner) and the generated table in docs/mdl.md
 * (`explainLockRules`) are built from the same rows. Each row names the MySQL function that takes
 * the lock; the quotes behind them are in ../shared/research/source-audit.md (5.7.35 and 8.0.27).
 *
 * What is procedural and not in this table: ALTER TABLE's upgrades of its own ticket (SU -> SNW/X
 * -> X, statements.ts and locking-model.ts alterWork), the table flush (tdc), LOCK TABLES mode and
 * the release points.
 */
import { type enum_mdl_duration, type enum_mdl_type, mdlDuration, mdlKey, MdlNamespace, mdlType, type MdlDurationName, type MdlKey, type MdlNamespaceName, type MdlTypeShort } from "./types.js";

export type MysqlLine = "5.7" | "8.0";

/** The release line a version string belongs to for lock rules (5.6 follows 5.7 here). */
export function mysqlLine(version: string): MysqlLine {
  return version.startsWith("8.") ? "8.0" : "5.7";
}

export interface TableRef {
  db: string;
  name: string;
}

/** ON DELETE / ON UPDATE of a foreign key (no clause = RESTRICT, InnoDB type 0 / dd RULE_NO_ACTION). */
export type FkAction = "RESTRICT" | "NO ACTION" | "CASCADE" | "SET NULL" | "SET DEFAULT";

export interface ForeignKeyDef {
  child: TableRef;
  parent: TableRef;
  onDelete: FkAction;
  onUpdate: FkAction;
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
  | "COMMIT"
  | "CALL" // CALL p(...), DO expr, SET @a= expr: only the tables and routines they use
  | "CREATE_SCHEMA"
  | "DROP_SCHEMA"
  | "ALTER_SCHEMA"
  | "CREATE_ROUTINE" // CREATE/ALTER/DROP FUNCTION, PROCEDURE, EVENT
  | "DROP_ROUTINE"
  | "CREATE_VIEW" // CREATE/ALTER/DROP VIEW
  | "DROP_VIEW"
  | "CREATE_TRIGGER"
  | "DROP_TRIGGER"
  | "ACL" // CREATE/DROP/RENAME/ALTER USER, GRANT, REVOKE, SET PASSWORD
  | "ADMIN_READ" // ANALYZE, CHECK, CHECKSUM TABLE, CACHE INDEX, LOAD INDEX (TL_READ*)
  | "ADMIN_WRITE" // OPTIMIZE, REPAIR TABLE (TL_WRITE)
  | "XA_COMMIT"
  | "XA_PREPARE"
  | "XA_ROLLBACK";

/**
 * Where in a statement a rule's locks are requested.
 *  - open_table: sql_base.cc open_table(), one table at a time; GLOBAL IX first for a write
 *    request; MDL_context::set_force_dml_deadlock_weight(ot_ctx->can_back_off()) around both.
 *  - lock_table_names: sql_base.cc lock_table_names() -> MDL_context::acquire_locks(): all at once,
 *    sorted by MDL_key (MDL_request_cmp), never forced (strong locks weigh DDL).
 *  - fk_prelocking: 8.0 sql_base.cc process_table_fks(): the FK tables added to the prelocking set
 *    and opened after the statement's own tables (through open_table()).
 *  - alter_fk_open: 8.0 sql_table.cc mysql_alter_table(), after the table is opened:
 *    collect_fk_parents_for_all_fks() / collect_fk_children() for non-simple ALTERs.
 *  - alter_before_copy: ALGORITHM=COPY, the table held SNW, just before copy_data_between_tables().
 *  - alter_before_commit: after wait_while_table_is_used() (X), before the commit.
 */
export type LockPoint =
  | "open_table"
  | "lock_table_names"
  | "fk_prelocking"
  | "alter_fk_open"
  | "alter_before_copy"
  | "alter_before_commit"
  | "lock_global_read_lock"
  | "make_global_read_lock_block_commit"
  | "ha_commit_trans"
  | "lock_schema_name"
  | "lock_object_name"
  | "open_and_process_routine"
  | "trans_xa_commit"
  | "trans_xa_prepare"
  | "trans_xa_rollback"
  | "execute";

/** What a statement is about, as far as its locks depend on it. */
export interface RuleContext {
  line: MysqlLine;
  kind: StatementKind;
  /** the statement's tables: the target first (DROP/LOCK TABLES lists in statement order) */
  tables: TableRef[];
  /** LOCK TABLES: each item and how it is locked */
  lockItems?: { table: TableRef; mode: "READ" | "READ LOCAL" | "WRITE" | "LOW_PRIORITY WRITE" }[];
  lowPriority?: boolean;
  /** ALTER ... RENAME TO / RENAME TABLE targets */
  renameTo?: TableRef[];
  algorithm?: "COPY" | "INPLACE" | "INSTANT";
  /** ALTER with only RENAME / ENABLE|DISABLE KEYS (is_simple_rename_or_index_change) */
  simpleAlter?: boolean;
  /** every foreign key of the catalog */
  foreignKeys?: ForeignKeyDef[];
  /** parents of the FKs this ALTER adds / drops */
  addedFkParents?: TableRef[];
  droppedFkParents?: TableRef[];
  /** the statement runs under LOCK TABLES / is LOCK TABLES itself (process_table_fks executing_LT) */
  executingLockTables?: boolean;
  lockName?: string;
  /** base tables the statement reads besides c.tables (INSERT ... SELECT, multi-table DML, prelocked routine and trigger tables) */
  reads?: TableRef[];
  /** base tables written through prelocking (a stored function or trigger that writes them) */
  prelockWrites?: TableRef[];
  /** stored routines the statement calls (sp_add_used_routine) */
  routines?: { type: "FUNCTION" | "PROCEDURE"; db: string; name: string }[];
  /** the object of CREATE/DROP/ALTER FUNCTION, PROCEDURE, EVENT (lock_object_name) */
  object?: { type: "FUNCTION" | "PROCEDURE" | "EVENT"; db: string; name: string };
}

export interface LockRequestSpec {
  key: MdlKey;
  type: enum_mdl_type;
  duration: enum_mdl_duration;
  /** the rule it comes from */
  rule: LockRule;
}

type ObjectsFn = (c: RuleContext) => { table?: TableRef; db?: string; name?: string; type?: MdlTypeShort }[];

export interface LockRule {
  statements: readonly StatementKind[];
  point: LockPoint;
  lines: readonly MysqlLine[];
  namespace: MdlNamespaceName;
  /** the objects, in words (docs) and as a function of the statement */
  objects: string;
  resolve: ObjectsFn;
  /** the type in words (docs); a resolved object may carry its own type */
  type: MdlTypeShort | string;
  duration: MdlDurationName;
  /** the condition, in words (docs) */
  when?: string;
  /** the MySQL function that takes the lock */
  source: string;
}

const ALL: readonly MysqlLine[] = ["5.7", "8.0"];
const V80: readonly MysqlLine[] = ["8.0"];
const V57: readonly MysqlLine[] = ["5.7"];

const key = (t: TableRef): string => `${t.db}.${t.name}`.toLowerCase();
const same = (a: TableRef, b: TableRef): boolean => key(a) === key(b);
const scope = (): { db?: string }[] => [{}];
const tables = (c: RuleContext) => c.tables.map((table) => ({ table }));
const uniqueDbs = (ts: TableRef[]): { db: string }[] => [...new Set(ts.map((t) => t.db))].map((db) => ({ db }));
const writeItems = (c: RuleContext) => (c.lockItems ?? []).filter((i) => i.mode.endsWith("WRITE"));
const cascading = (a: FkAction): boolean => a !== "RESTRICT" && a !== "NO ACTION";
// the first item of each table (by key); keys made once per item, not once per pair
const dedupe = <X extends { table?: TableRef }>(xs: X[]): X[] => {
  const keys = xs.map((x) => (x.table ? key(x.table) : null));
  return xs.filter((_, i) => keys[i] !== null && keys.indexOf(keys[i]!) === i);
};

/**
 * 5.7 ha_innodb.cc get_cascade_foreign_key_table_list(): the parents of FKs with a cascading
 * action ("Skip the table if there is no cascading operation": CASCADE or SET NULL on delete or
 * update), then their parents the same way, depth first, each once.
 */
export function cascadeParents57(table: TableRef, fks: ForeignKeyDef[]): TableRef[] {
  const out: TableRef[] = [];
  const stack = [table];
  while (stack.length) {
    const t = stack.pop()!;
    for (const fk of fks) {
      if (!same(fk.child, t) || !(cascading(fk.onDelete) || cascading(fk.onUpdate))) continue;
      if (out.some((o) => same(o, fk.parent))) continue;
      out.push(fk.parent);
      stack.push(fk.parent);
    }
  }
  return out;
}

/**
 * 8.0 sql_base.cc process_table_fks() applied to the statement's table and, through the child
 * tables a cascade modifies, transitively: parent checks for INSERT/UPDATE (SR; SRO under LOCK
 * TABLES), child checks for RESTRICT/NO ACTION (SR; SRO), child updates for ON UPDATE
 * CASCADE/SET NULL/SET DEFAULT and ON DELETE SET NULL/SET DEFAULT and child deletes for ON DELETE
 * CASCADE (SW; SNRW under LOCK TABLES). One request per table, the strongest role winning.
 */
export function fkPrelockingSet80(table: TableRef, ev: { insert: boolean; update: boolean; delete: boolean }, fks: ForeignKeyDef[], executingLockTables: boolean): { table: TableRef; type: MdlTypeShort }[] {
  const check: MdlTypeShort = executingLockTables ? "SRO" : "SR";
  const modify: MdlTypeShort = executingLockTables ? "SNRW" : "SW";
  const out: { table: TableRef; type: MdlTypeShort }[] = [];
  const add = (t: TableRef, type: MdlTypeShort): boolean => {
    if (same(t, table)) return false;
    const o = out.find((x) => same(x.table, t));
    if (!o) {
      out.push({ table: t, type });
      return true;
    }
    if (mdlType(type) > mdlType(o.type)) o.type = type;
    return false;
  };
  const seen = new Set<string>();
  const visit = (t: TableRef, e: { insert: boolean; update: boolean; delete: boolean }): void => {
    const mark = `${key(t)}:${+e.insert}${+e.update}${+e.delete}`;
    if (seen.has(mark)) return;
    seen.add(mark);
    if (e.insert || e.update) for (const fk of fks) if (same(fk.child, t)) add(fk.parent, check);
    if (!(e.update || e.delete)) return;
    for (const fk of fks) {
      if (!same(fk.parent, t)) continue;
      if ((e.update && !cascading(fk.onUpdate)) || (e.delete && !cascading(fk.onDelete))) add(fk.child, check);
      if ((e.update && cascading(fk.onUpdate)) || (e.delete && (fk.onDelete === "SET NULL" || fk.onDelete === "SET DEFAULT"))) {
        add(fk.child, modify);
        visit(fk.child, { insert: false, update: true, delete: false });
      }
      if (e.delete && fk.onDelete === "CASCADE") {
        add(fk.child, modify);
        visit(fk.child, { insert: false, update: false, delete: true });
      }
    }
  };
  visit(table, ev);
  return out;
}

const fkParentsOf = (c: RuleContext): TableRef[] => dedupe((c.foreignKeys ?? []).filter((fk) => same(fk.child, c.tables[0]!)).map((fk) => ({ table: fk.parent }))).map((x) => x.table!);
const fkChildrenOf = (c: RuleContext): TableRef[] => dedupe((c.foreignKeys ?? []).filter((fk) => same(fk.parent, c.tables[0]!)).map((fk) => ({ table: fk.child }))).map((x) => x.table!);

const DML: readonly StatementKind[] = ["INSERT", "UPDATE", "DELETE"];
const DDL_NAMES: readonly StatementKind[] = ["ALTER_TABLE", "CREATE_TABLE", "DROP_TABLE", "TRUNCATE_TABLE", "RENAME_TABLE", "CREATE_VIEW", "DROP_VIEW", "CREATE_TRIGGER", "DROP_TRIGGER", "ADMIN_WRITE", "DROP_SCHEMA"];
/** statements whose tables (and prelocked routine / trigger tables) open_tables() opens one by one */
const OPENERS: readonly StatementKind[] = ["SELECT", "SELECT_FOR_SHARE", "SELECT_FOR_UPDATE", "INSERT", "UPDATE", "DELETE", "CALL", "ACL", "ADMIN_READ"];
/** the GRL protection of open_table(): the first write request on a base table (none when only temporary tables are written) */
const writesBase = (c: RuleContext): boolean => (["SELECT_FOR_UPDATE", "INSERT", "UPDATE", "DELETE", "ACL"].includes(c.kind) && c.tables.length > 0) || (c.prelockWrites?.length ?? 0) > 0;
const objectOf = (ns: "FUNCTION" | "PROCEDURE" | "EVENT") => (c: RuleContext) => (c.object?.type === ns ? [{ db: c.object.db, name: c.object.name }] : []);
const routinesOf = (ns: "FUNCTION" | "PROCEDURE") => (c: RuleContext) => (c.routines ?? []).filter((r) => r.type === ns).map((r) => ({ db: r.db, name: r.name }));

/** DDL's tables for lock_table_names: the statement's tables plus RENAME targets. */
const ddlTables = (c: RuleContext): TableRef[] => dedupe([...c.tables, ...(c.renameTo ?? [])].map((table) => ({ table }))).map((x) => x.table!);

/** GLOBAL IX, STATEMENT: the protection against FTWRL every writing statement takes. */
function globalIX(statements: readonly StatementKind[], point: LockPoint, source: string, when?: string): LockRule {
  return { statements, point, lines: ALL, namespace: "GLOBAL", objects: "-", resolve: scope, type: "IX", duration: "STATEMENT", ...(when ? { when } : {}), source };
}

export const LOCK_RULES: readonly LockRule[] = [
  // ---- reads and writes: open_table()
  { ...globalIX(OPENERS, "open_table", "open_table() (protection against FTWRL)", "before the first write-lock request on a base table (not for temporary tables)"), resolve: (c) => (writesBase(c) ? scope() : []) },
  {
    statements: ["SELECT", "SELECT_FOR_SHARE"],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "each table",
    resolve: tables,
    type: "SR",
    duration: "TRANSACTION",
    source: "open_table() / open_table_get_mdl_lock()",
  },
  {
    statements: ["SELECT_IS"],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "the table asked about",
    resolve: tables,
    type: "SH",
    duration: "TRANSACTION",
    source: "open_table() with MYSQL_OPEN_FORCE_SHARED_HIGH_PRIO_MDL",
  },
  {
    statements: ["SELECT_FOR_UPDATE", ...DML],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "the table",
    resolve: (c) => c.tables.map((table) => ({ table, type: c.lowPriority ? ("SWLP" as const) : ("SW" as const) })),
    type: "SW (SWLP with LOW_PRIORITY)",
    duration: "TRANSACTION",
    source: "open_table() / open_table_get_mdl_lock()",
  },
  {
    statements: ["ACL"],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "the grant tables (mysql.user, mysql.db, ...)",
    resolve: tables,
    type: "SW",
    duration: "TRANSACTION",
    when: "5.7: open_grant_tables() opens them TL_WRITE",
    source: "sql_acl.cc open_grant_tables()",
  },
  {
    statements: ["ADMIN_READ"],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "each table",
    resolve: tables,
    type: "SR",
    duration: "TRANSACTION",
    when: "lock_type TL_READ / TL_READ_NO_INSERT",
    source: "sql_admin.cc mysql_admin_table(): mdl_request.set_type(lock_type >= TL_WRITE_ALLOW_WRITE ? SNRW : SR)",
  },
  {
    statements: OPENERS,
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "tables read besides the statement's own: INSERT ... SELECT sources, other tables of a multi-table UPDATE/DELETE, tables read by called routines, views and triggers",
    resolve: (c) => (c.reads ?? []).map((table) => ({ table })),
    type: "SR",
    duration: "TRANSACTION",
    source: "open_tables(); DML_prelocking_strategy::handle_routine() / handle_table() (sp_get_prelocking_info)",
  },
  {
    statements: OPENERS,
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "tables written by called stored functions and triggers",
    resolve: (c) => (c.prelockWrites ?? []).map((table) => ({ table })),
    type: "SW",
    duration: "TRANSACTION",
    when: "prelocking: the routine's tables are locked with the statement",
    source: "sp_head::add_used_tables_to_table_list() via DML_prelocking_strategy",
  },
  {
    statements: OPENERS,
    point: "open_and_process_routine",
    lines: ALL,
    namespace: "FUNCTION",
    objects: "each stored function called",
    resolve: routinesOf("FUNCTION"),
    type: "S",
    duration: "TRANSACTION",
    source: "sp.cc sp_add_used_routine(); sql_base.cc open_and_process_routine()",
  },
  {
    statements: OPENERS,
    point: "open_and_process_routine",
    lines: ALL,
    namespace: "PROCEDURE",
    objects: "the procedure called",
    resolve: routinesOf("PROCEDURE"),
    type: "S",
    duration: "TRANSACTION",
    source: "sp.cc sp_add_used_routine(); sql_base.cc open_and_process_routine()",
  },
  {
    statements: DML,
    point: "fk_prelocking",
    lines: V80,
    namespace: "TABLE",
    objects: "FK parents (INSERT, UPDATE); FK children (UPDATE, DELETE), through cascades transitively",
    resolve: (c) => fkPrelockingSet80(c.tables[0]!, { insert: c.kind === "INSERT", update: c.kind === "UPDATE", delete: c.kind === "DELETE" }, c.foreignKeys ?? [], false),
    type: "SR for checks; SW for cascades",
    duration: "TRANSACTION",
    source: "process_table_fks() (5.7: no SQL-layer FK locks)",
  },
  // ---- LOCK TABLES
  {
    statements: ["LOCK_TABLES_READ", "LOCK_TABLES_WRITE"],
    point: "open_table",
    lines: ALL,
    namespace: "TABLE",
    objects: "items locked READ LOCAL",
    resolve: (c) => (c.lockItems ?? []).filter((i) => i.mode === "READ LOCAL").map((i) => ({ table: i.table })),
    type: "SR",
    duration: "TRANSACTION",
    when: "SR is below SU, so open_table() takes it, not lock_table_names()",
    source: "open_table()",
  },
  { ...globalIX(["LOCK_TABLES_WRITE"], "lock_table_names", "lock_table_names() need_global_read_lock_protection", "an item is locked WRITE"), resolve: (c) => (writeItems(c).length ? scope() : []) },
  {
    statements: ["LOCK_TABLES_WRITE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "SCHEMA",
    objects: "schema of each WRITE item",
    resolve: (c) => uniqueDbs(writeItems(c).map((i) => i.table)),
    type: "IX",
    duration: "TRANSACTION",
    source: "lock_table_names() schema_set",
  },
  {
    statements: ["LOCK_TABLES_READ", "LOCK_TABLES_WRITE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "items locked READ / WRITE",
    resolve: (c) => (c.lockItems ?? []).filter((i) => i.mode !== "READ LOCAL").map((i) => ({ table: i.table, type: i.mode === "READ" ? ("SRO" as const) : ("SNRW" as const) })),
    type: "SRO (READ), SNRW (WRITE)",
    duration: "TRANSACTION",
    when: "no BACKUP_LOCK IX: lock_table_names() skips it for SQLCOM_LOCK_TABLES",
    source: "lock_table_names() -> acquire_locks()",
  },
  {
    statements: ["LOCK_TABLES_WRITE"],
    point: "fk_prelocking",
    lines: V80,
    namespace: "TABLE",
    objects: "FK parents and children of each WRITE item, through cascades transitively",
    resolve: (c) => {
      const out: { table: TableRef; type: MdlTypeShort }[] = [];
      const locked = (c.lockItems ?? []).map((i) => i.table);
      for (const i of writeItems(c)) {
        for (const x of fkPrelockingSet80(i.table, { insert: true, update: true, delete: true }, c.foreignKeys ?? [], true)) {
          if (locked.some((t) => same(t, x.table))) continue;
          const o = out.find((y) => same(y.table, x.table));
          if (!o) out.push({ ...x });
          else if (mdlType(x.type) > mdlType(o.type)) o.type = x.type;
        }
      }
      return out;
    },
    type: "SRO for checks; SNRW for cascades",
    duration: "TRANSACTION",
    source: "process_table_fks() executing_LT",
  },
  // ---- DDL: lock_table_names()
  // lock_table_names(): nothing to lock (only temporary tables) -> no scoped locks either
  { ...globalIX(DDL_NAMES, "lock_table_names", "lock_table_names() need_global_read_lock_protection", "a base table is named"), resolve: (c) => (ddlTables(c).length ? scope() : []) },
  {
    statements: DDL_NAMES,
    point: "lock_table_names",
    lines: V80,
    namespace: "BACKUP_LOCK",
    objects: "-",
    resolve: (c) => (ddlTables(c).length ? scope() : []),
    type: "IX",
    duration: "TRANSACTION",
    source: "lock_table_names() acquire_backup_lock",
  },
  {
    statements: DDL_NAMES,
    point: "lock_table_names",
    lines: ALL,
    namespace: "SCHEMA",
    objects: "schema of each table",
    resolve: (c) => uniqueDbs(ddlTables(c)),
    type: "IX",
    duration: "TRANSACTION",
    source: "lock_table_names() schema_set",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "the table; the RENAME TO name",
    resolve: (c) => [{ table: c.tables[0]!, type: "SU" as const }, ...(c.renameTo ?? []).map((table) => ({ table, type: "X" as const }))],
    type: "SU; X on the new name",
    duration: "TRANSACTION",
    source: "open_tables() -> lock_table_names() (MDL_SHARED_UPGRADABLE for ALTER)",
  },
  {
    statements: ["CREATE_TABLE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "the new table",
    resolve: (c) => ddlTables(c).map((table) => ({ table })),
    type: "X",
    duration: "TRANSACTION",
    when: "MySQL takes S and open_table() upgrades it to X when the table does not exist; modelled as X at once",
    source: "lock_table_names(); open_table() upgrade_shared_lock(MDL_EXCLUSIVE)",
  },
  {
    statements: ["CREATE_VIEW", "DROP_VIEW"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "the view",
    resolve: tables,
    type: "X",
    duration: "TRANSACTION",
    when: "the view's SELECT tables are opened SR after it (open_table)",
    source: "sql_view.cc mysql_create_view() / mysql_drop_view() (MDL_EXCLUSIVE on the view)",
  },
  {
    statements: ["CREATE_TRIGGER", "DROP_TRIGGER"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "the trigger's table",
    resolve: tables,
    type: "SNW",
    duration: "TRANSACTION",
    when: "then upgraded to X (wait_while_table_is_used)",
    source: "sql_trigger.cc mysql_create_or_drop_trigger(): open_n_lock_single_table(TL_READ_NO_INSERT, SNW)",
  },
  {
    statements: ["ADMIN_WRITE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "each table",
    resolve: tables,
    type: "SNRW",
    duration: "TRANSACTION",
    when: "OPTIMIZE, REPAIR: lock_type TL_WRITE",
    source: "sql_admin.cc mysql_admin_table(): mdl_request.set_type(SNRW)",
  },
  {
    statements: ["DROP_SCHEMA"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "every table of the schema",
    resolve: tables,
    type: "X",
    duration: "TRANSACTION",
    source: "sql_db.cc mysql_rm_db() -> lock_table_names()",
  },
  // ---- schemas and stored objects: lock_schema_name(), lock_object_name()
  globalIX(["CREATE_SCHEMA", "DROP_SCHEMA", "ALTER_SCHEMA"], "lock_schema_name", "lock.cc lock_schema_name()"),
  {
    statements: ["CREATE_SCHEMA", "DROP_SCHEMA", "ALTER_SCHEMA"],
    point: "lock_schema_name",
    lines: ALL,
    namespace: "SCHEMA",
    objects: "the schema",
    resolve: (c) => [{ db: c.object?.db ?? c.tables[0]?.db ?? "" }],
    type: "X",
    duration: "TRANSACTION",
    when: "then DEBUG_SYNC after_wait_locked_schema_name",
    source: "lock.cc lock_schema_name()",
  },
  globalIX(["CREATE_ROUTINE", "DROP_ROUTINE"], "lock_object_name", "lock.cc lock_object_name()"),
  {
    statements: ["CREATE_ROUTINE", "DROP_ROUTINE"],
    point: "lock_object_name",
    lines: ALL,
    namespace: "SCHEMA",
    objects: "the routine's schema",
    resolve: (c) => (c.object ? [{ db: c.object.db }] : []),
    type: "IX",
    duration: "TRANSACTION",
    source: "lock.cc lock_object_name()",
  },
  ...(["FUNCTION", "PROCEDURE", "EVENT"] as const).map(
    (ns): LockRule => ({
      statements: ["CREATE_ROUTINE", "DROP_ROUTINE"],
      point: "lock_object_name",
      lines: ALL,
      namespace: ns,
      objects: `the ${ns.toLowerCase()}`,
      resolve: objectOf(ns),
      type: "X",
      duration: "TRANSACTION",
      source: ns === "EVENT" ? "events.cc Events::create_event() / drop_event() -> lock_object_name(MDL_key::EVENT)" : "sp.cc sp_create_routine() / sp_drop_routine() / sp_update_routine() -> lock_object_name()",
    }),
  ),
  {
    statements: ["DROP_TABLE", "TRUNCATE_TABLE", "RENAME_TABLE"],
    point: "lock_table_names",
    lines: ALL,
    namespace: "TABLE",
    objects: "each table (RENAME: old and new names)",
    resolve: (c) => ddlTables(c).map((table) => ({ table })),
    type: "X",
    duration: "TRANSACTION",
    source: "lock_table_names()",
  },
  // ---- ALTER TABLE and foreign keys
  {
    statements: ["ALTER_TABLE"],
    point: "alter_fk_open",
    lines: V80,
    namespace: "SCHEMA",
    objects: "schema of each FK parent and child",
    resolve: (c) => (c.simpleAlter ? [] : uniqueDbs([...(c.addedFkParents ?? []), ...fkParentsOf(c), ...fkChildrenOf(c)])),
    type: "IX",
    duration: "STATEMENT",
    when: "not a simple RENAME / ENABLE KEYS",
    source: "mysql_alter_table(): collect_fk_parents_for_all_fks(), collect_fk_children()",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_fk_open",
    lines: V80,
    namespace: "TABLE",
    objects: "every FK parent and child of the table, parents of added FKs",
    resolve: (c) => (c.simpleAlter ? (c.addedFkParents ?? []).map((table) => ({ table })) : dedupe([...(c.addedFkParents ?? []), ...fkParentsOf(c), ...fkChildrenOf(c)].map((table) => ({ table })))),
    type: "SU",
    duration: "STATEMENT",
    when: "not a simple RENAME / ENABLE KEYS (parents of added FKs always)",
    source: "mysql_alter_table(): collect_fk_parents_for_new_fks(), collect_fk_parents_for_all_fks(), collect_fk_children()",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_before_copy",
    lines: V57,
    namespace: "TABLE",
    objects: "parents through CASCADE / SET NULL FKs, transitively",
    resolve: (c) => (c.algorithm === "COPY" ? cascadeParents57(c.tables[0]!, c.foreignKeys ?? []).map((table) => ({ table })) : []),
    type: "SRO",
    duration: "STATEMENT",
    when: "ALGORITHM=COPY (the table held SNW)",
    source: "copy path of mysql_alter_table(): lock_fk_dependent_tables() / get_cascade_foreign_key_table_list()",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_before_copy",
    lines: V80,
    namespace: "TABLE",
    objects: "parents of added FKs",
    resolve: (c) => (c.algorithm === "COPY" ? (c.addedFkParents ?? []).map((table) => ({ table })) : []),
    type: "SRO",
    duration: "STATEMENT",
    when: "ALGORITHM=COPY",
    source: "mysql_alter_table(): collect_fk_parents_for_new_fks(MDL_SHARED_READ_ONLY)",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_before_commit",
    lines: V57,
    namespace: "TABLE",
    objects: "parents through CASCADE / SET NULL FKs, transitively",
    resolve: (c) => (c.algorithm !== "COPY" ? cascadeParents57(c.tables[0]!, c.foreignKeys ?? []).map((table) => ({ table })) : []),
    type: "SRO",
    duration: "STATEMENT",
    when: "ALGORITHM=INPLACE (the table held X)",
    source: "mysql_inplace_alter_table(): lock_fk_dependent_tables()",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_before_commit",
    lines: V80,
    namespace: "SCHEMA",
    objects: "schema of each table locked X below",
    resolve: (c) => uniqueDbs(complexAlterFkTables(c)),
    type: "IX",
    duration: "STATEMENT",
    source: "collect_and_lock_fk_tables_for_complex_alter_table()",
  },
  {
    statements: ["ALTER_TABLE"],
    point: "alter_before_commit",
    lines: V80,
    namespace: "TABLE",
    objects: "parents of added and dropped FKs (all parents on RENAME), every FK child",
    resolve: (c) => complexAlterFkTables(c).map((table) => ({ table })),
    type: "X",
    duration: "STATEMENT",
    when: "not a simple RENAME / ENABLE KEYS",
    source: "collect_and_lock_fk_tables_for_complex_alter_table()",
  },
  // ---- other statements
  {
    statements: ["HANDLER_OPEN"],
    point: "execute",
    lines: ALL,
    namespace: "TABLE",
    objects: "the table",
    resolve: tables,
    type: "S",
    duration: "EXPLICIT",
    when: "acquired TRANSACTION, then set_lock_duration(MDL_EXPLICIT); modelled as EXPLICIT at once",
    source: "sql_handler.cc mysql_ha_open()",
  },
  {
    statements: ["GET_LOCK"],
    point: "execute",
    lines: ALL,
    namespace: "USER_LEVEL_LOCK",
    objects: "the lock name",
    resolve: () => [{}],
    type: "X",
    duration: "EXPLICIT",
    source: "item_func.cc Item_func_get_lock::val_int()",
  },
  {
    statements: ["FTWRL"],
    point: "lock_global_read_lock",
    lines: ALL,
    namespace: "GLOBAL",
    objects: "-",
    resolve: scope,
    type: "S",
    duration: "EXPLICIT",
    source: "lock.cc Global_read_lock::lock_global_read_lock()",
  },
  {
    statements: ["FTWRL"],
    point: "make_global_read_lock_block_commit",
    lines: ALL,
    namespace: "COMMIT",
    objects: "-",
    resolve: scope,
    type: "S",
    duration: "EXPLICIT",
    when: "also after close_cached_tables() failed (reload_acl_and_cache goes on)",
    source: "lock.cc Global_read_lock::make_global_read_lock_block_commit()",
  },
  {
    statements: ["LOCK_INSTANCE_FOR_BACKUP"],
    point: "execute",
    lines: V80,
    namespace: "BACKUP_LOCK",
    objects: "-",
    resolve: scope,
    type: "S",
    duration: "EXPLICIT",
    source: "sql_backup_lock.cc Sql_cmd_lock_instance::execute() -> acquire_exclusive_backup_lock()",
  },
  {
    statements: ["XA_COMMIT"],
    point: "trans_xa_commit",
    lines: V57,
    namespace: "COMMIT",
    objects: "-",
    resolve: scope,
    type: "IX",
    duration: "STATEMENT",
    when: "XA COMMIT of a prepared transaction (one phase: ha_commit_trans)",
    source: "xa.cc trans_xa_commit()",
  },
  {
    statements: ["XA_PREPARE"],
    point: "trans_xa_prepare",
    lines: V57,
    namespace: "COMMIT",
    objects: "-",
    resolve: scope,
    type: "IX",
    duration: "STATEMENT",
    when: "the transaction changed something",
    source: "xa.cc Sql_cmd_xa_prepare::trans_xa_prepare()",
  },
  {
    statements: ["XA_ROLLBACK"],
    point: "trans_xa_rollback",
    lines: V57,
    namespace: "COMMIT",
    objects: "-",
    resolve: scope,
    type: "IX",
    duration: "STATEMENT",
    when: "the XA transaction is IDLE or PREPARED",
    source: "xa.cc Sql_cmd_xa_rollback::trans_xa_rollback()",
  },
  {
    statements: ["COMMIT"],
    point: "ha_commit_trans",
    lines: ALL,
    namespace: "COMMIT",
    objects: "-",
    resolve: scope,
    type: "IX",
    duration: "EXPLICIT",
    when: "read-write transaction; released after the commit",
    source: "handler.cc ha_commit_trans()",
  },
];

/** 8.0 collect_and_lock_fk_tables_for_complex_alter_table(): what the ALTER locks X before commit. */
function complexAlterFkTables(c: RuleContext): TableRef[] {
  if (c.simpleAlter) return [];
  const renamed = (c.renameTo?.length ?? 0) > 0;
  const parents = [...(c.addedFkParents ?? []), ...(renamed ? fkParentsOf(c) : (c.droppedFkParents ?? []))];
  return dedupe([...parents, ...fkChildrenOf(c)].map((table) => ({ table }))).map((x) => x.table!);
}

/** The rules of a statement at one point, for one release line (the table is constant: each answer is kept). */
export function rulesAt(kind: StatementKind, point: LockPoint, line: MysqlLine): readonly LockRule[] {
  const k = `${kind} ${point} ${line}`;
  let rules = RULES_AT.get(k);
  if (!rules) RULES_AT.set(k, (rules = LOCK_RULES.filter((r) => r.point === point && r.lines.includes(line) && r.statements.includes(kind))));
  return rules;
}
const RULES_AT = new Map<string, readonly LockRule[]>();

/** The MDL requests a statement makes at one point, in rule order (open_table order). */
export function lockRequests(point: LockPoint, c: RuleContext): LockRequestSpec[] {
  const out: LockRequestSpec[] = [];
  for (const rule of rulesAt(c.kind, point, c.line)) {
    for (const o of rule.resolve(c)) {
      const ns = MdlNamespace[rule.namespace];
      const k =
        ns === MdlNamespace.TABLE
          ? mdlKey(ns, o.table!.db, o.table!.name)
          : ns === MdlNamespace.SCHEMA
            ? mdlKey(ns, o.db ?? o.table!.db)
            : ns === MdlNamespace.USER_LEVEL_LOCK
              ? mdlKey(ns, "", c.lockName ?? "lock")
              : ns === MdlNamespace.FUNCTION || ns === MdlNamespace.PROCEDURE || ns === MdlNamespace.EVENT
                ? mdlKey(ns, o.db ?? "", o.name ?? "")
                : mdlKey(ns);
      out.push({ key: k, type: mdlType((o.type ?? rule.type) as MdlTypeShort), duration: mdlDuration(rule.duration), rule });
    }
  }
  return out;
}

/**
 * The rule table as Markdown, one table per release line, one row per rule in table order
 * (docs/mdl.md embeds it; test/locking/lock-rules-doc.test.ts keeps the two equal).
 */
export function explainLockRules(): string {
  const out: string[] = [];
  for (const line of ALL) {
    out.push(`#### MySQL ${line}`, "", "| statements | when | lock | objects | duration | condition | taken by |", "|---|---|---|---|---|---|---|");
    for (const r of LOCK_RULES.filter((x) => x.lines.includes(line))) {
      out.push(`| ${r.statements.join(", ")} | ${r.point} | ${r.namespace} ${r.type} | ${r.objects} | ${r.duration} | ${r.when ?? ""} | \`${r.source}\` |`);
    }
    out.push("");
  }
  return out.join("\n");
}
