/**
 * MDL types, durations, namespaces and performance_schema names.
 *
 * Source read: MySQL 8.0 `sql/mdl.h` and `sql/mdl.cc` (Oracle copyright 2007, 2024; the
 * 8.0 line after FOREIGN_KEY/CHECK_CONSTRAINT namespaces and DEADLOCK_WEIGHT_CO were added),
 * read from the public fork ZhangKai-rl/mysql-server (sql/mdl.h @15338c12, sql/mdl.cc @1e92b5f9,
 * identical to upstream apart from added comments), cross-checked against the Percona Server
 * 8.0.27-18 copy (session-replay-tools/percona-server-8.0.27-18 sql/mdl.cc @a5adb4c1).
 * Performance-schema strings: storage/perfschema/table_helper.cc (set_field_mdl_type,
 * set_field_mdl_duration, set_field_mdl_status, PFS_column_row::make_row(const MDL_key*)) and
 * storage/perfschema/pfs_column_types.cc (object_type_map), 8.0.
 */

/** enum_mdl_type (sql/mdl.h). The numeric values are the bit positions used by MDL_BIT(). */
export enum enum_mdl_type {
  MDL_INTENTION_EXCLUSIVE = 0,
  MDL_SHARED = 1,
  MDL_SHARED_HIGH_PRIO = 2,
  MDL_SHARED_READ = 3,
  MDL_SHARED_WRITE = 4,
  MDL_SHARED_WRITE_LOW_PRIO = 5,
  MDL_SHARED_UPGRADABLE = 6,
  MDL_SHARED_READ_ONLY = 7,
  MDL_SHARED_NO_WRITE = 8,
  MDL_SHARED_NO_READ_WRITE = 9,
  MDL_EXCLUSIVE = 10,
}
export const MDL_TYPE_END = 11;

/** Short names used in MySQL comments and in this project's scenarios. */
export type MdlTypeShort = "IX" | "S" | "SH" | "SR" | "SW" | "SWLP" | "SU" | "SRO" | "SNW" | "SNRW" | "X";

export const MDL_TYPE_SHORT: readonly MdlTypeShort[] = ["IX", "S", "SH", "SR", "SW", "SWLP", "SU", "SRO", "SNW", "SNRW", "X"];

/** performance_schema.metadata_locks.LOCK_TYPE (table_helper.cc set_field_mdl_type). */
export const MDL_TYPE_PFS_NAME: readonly string[] = [
  "INTENTION_EXCLUSIVE",
  "SHARED",
  "SHARED_HIGH_PRIO",
  "SHARED_READ",
  "SHARED_WRITE",
  "SHARED_WRITE_LOW_PRIO",
  "SHARED_UPGRADABLE",
  "SHARED_READ_ONLY",
  "SHARED_NO_WRITE",
  "SHARED_NO_READ_WRITE",
  "EXCLUSIVE",
];

export function mdlType(t: enum_mdl_type | MdlTypeShort): enum_mdl_type {
  if (typeof t === "number") return t;
  const i = MDL_TYPE_SHORT.indexOf(t);
  if (i < 0) throw new Error(`unknown MDL type ${String(t)}`);
  return i as enum_mdl_type;
}

export function mdlTypeShort(t: enum_mdl_type): MdlTypeShort {
  const s = MDL_TYPE_SHORT[t];
  if (s === undefined) throw new Error(`unknown MDL type ${t}`);
  return s;
}

/** enum_mdl_duration (sql/mdl.h). */
export enum enum_mdl_duration {
  MDL_STATEMENT = 0,
  MDL_TRANSACTION = 1,
  MDL_EXPLICIT = 2,
}
export const MDL_DURATION_END = 3;
export type MdlDurationName = "STATEMENT" | "TRANSACTION" | "EXPLICIT";
/** performance_schema LOCK_DURATION (table_helper.cc set_field_mdl_duration). */
export const MDL_DURATION_PFS_NAME: readonly MdlDurationName[] = ["STATEMENT", "TRANSACTION", "EXPLICIT"];

export function mdlDuration(d: enum_mdl_duration | MdlDurationName): enum_mdl_duration {
  if (typeof d === "number") return d;
  const i = MDL_DURATION_PFS_NAME.indexOf(d);
  if (i < 0) throw new Error(`unknown MDL duration ${String(d)}`);
  return i as enum_mdl_duration;
}

/**
 * MDL_key::enum_mdl_namespace, 8.0 order (sql/mdl.h). The order matters: MDL_key::cmp() compares
 * the namespace byte first, so MDL_context::acquire_locks() sorts GLOBAL < BACKUP_LOCK < ... < TABLE.
 */
export enum MdlNamespace {
  GLOBAL = 0,
  BACKUP_LOCK = 1,
  TABLESPACE = 2,
  SCHEMA = 3,
  TABLE = 4,
  FUNCTION = 5,
  PROCEDURE = 6,
  TRIGGER = 7,
  EVENT = 8,
  COMMIT = 9,
  USER_LEVEL_LOCK = 10,
  LOCKING_SERVICE = 11,
  SRID = 12,
  ACL_CACHE = 13,
  COLUMN_STATISTICS = 14,
  RESOURCE_GROUPS = 15,
  FOREIGN_KEY = 16,
  CHECK_CONSTRAINT = 17,
}
export const NAMESPACE_END = 18;
export type MdlNamespaceName = keyof typeof MdlNamespace;

export function mdlNamespace(n: MdlNamespace | MdlNamespaceName): MdlNamespace {
  if (typeof n === "number") return n;
  const v = MdlNamespace[n];
  if (v === undefined) throw new Error(`unknown MDL namespace ${String(n)}`);
  return v;
}

/**
 * Namespaces handled by MDL_lock::m_scoped_lock_strategy (MDL_lock::get_strategy(), 8.0):
 * GLOBAL, TABLESPACE, SCHEMA, COMMIT, BACKUP_LOCK, RESOURCE_GROUPS, FOREIGN_KEY, CHECK_CONSTRAINT.
 * All others use m_object_lock_strategy.
 */
export const SCOPED_NAMESPACES: ReadonlySet<MdlNamespace> = new Set([
  MdlNamespace.GLOBAL,
  MdlNamespace.TABLESPACE,
  MdlNamespace.SCHEMA,
  MdlNamespace.COMMIT,
  MdlNamespace.BACKUP_LOCK,
  MdlNamespace.RESOURCE_GROUPS,
  MdlNamespace.FOREIGN_KEY,
  MdlNamespace.CHECK_CONSTRAINT,
]);

export function isScopedNamespace(ns: MdlNamespace): boolean {
  return SCOPED_NAMESPACES.has(ns);
}

/**
 * Singleton MDL_lock objects (MDL_map::is_lock_object_singleton): their keys are
 * '<namespace>\0\0'. We use the same convention: db and name are "".
 */
export const SINGLETON_NAMESPACES: ReadonlySet<MdlNamespace> = new Set([
  MdlNamespace.GLOBAL,
  MdlNamespace.COMMIT,
  MdlNamespace.ACL_CACHE,
  MdlNamespace.BACKUP_LOCK,
]);

/**
 * performance_schema OBJECT_TYPE per namespace (pfs_column_types.cc object_type_map, reached via
 * PFS_column_row::make_row + set_field_object_type). Note "BACKUP LOCK" has a space here while
 * events_waits_* (table_events_waits.cc) print "BACKUP_LOCK"; "RESOURCE_GROUPS" keeps its underscore.
 */
export const NAMESPACE_PFS_OBJECT_TYPE: readonly string[] = [
  "GLOBAL",
  "BACKUP LOCK",
  "TABLESPACE",
  "SCHEMA",
  "TABLE",
  "FUNCTION",
  "PROCEDURE",
  "TRIGGER",
  "EVENT",
  "COMMIT",
  "USER LEVEL LOCK",
  "LOCKING SERVICE",
  "SRID",
  "ACL CACHE",
  "COLUMN STATISTICS",
  "RESOURCE_GROUPS",
  "FOREIGN KEY",
  "CHECK CONSTRAINT",
];

/**
 * Which of OBJECT_SCHEMA / OBJECT_NAME PFS_column_row::make_row(const MDL_key*) fills per namespace
 * (with_schema / with_object). An empty string is shown as NULL (set_nullable_field).
 */
export const NAMESPACE_PFS_COLUMNS: readonly { schema: boolean; name: boolean }[] = [
  { schema: false, name: false }, // GLOBAL
  { schema: false, name: false }, // BACKUP_LOCK
  { schema: false, name: true }, // TABLESPACE
  { schema: true, name: false }, // SCHEMA
  { schema: true, name: true }, // TABLE
  { schema: true, name: true }, // FUNCTION
  { schema: true, name: true }, // PROCEDURE
  { schema: true, name: true }, // TRIGGER
  { schema: true, name: true }, // EVENT
  { schema: false, name: false }, // COMMIT
  { schema: false, name: true }, // USER_LEVEL_LOCK
  { schema: true, name: true }, // LOCKING_SERVICE
  { schema: false, name: true }, // SRID
  { schema: true, name: true }, // ACL_CACHE
  { schema: true, name: true }, // COLUMN_STATISTICS (+ COLUMN_NAME, not modelled)
  { schema: true, name: true }, // RESOURCE_GROUPS
  { schema: true, name: true }, // FOREIGN_KEY
  { schema: true, name: true }, // CHECK_CONSTRAINT
];

/**
 * MDL_wait::enum_wait_status (sql/mdl.h): WS_EMPTY, GRANTED, VICTIM, TIMEOUT, KILLED.
 */
export type MdlWaitStatus = "WS_EMPTY" | "GRANTED" | "VICTIM" | "TIMEOUT" | "KILLED";

/**
 * performance_schema.metadata_locks.LOCK_STATUS.
 * The 8.0 source (MDL_ticket::enum_psi_status + table_helper.cc set_field_mdl_status) has only
 * PENDING, GRANTED, PRE_ACQUIRE_NOTIFY, POST_RELEASE_NOTIFY. The reference manual additionally
 * lists VICTIM, TIMEOUT, KILLED; the 8.0 code we read never sets them (a failed wait's ticket is
 * destroyed, which removes the row). This model therefore emits only PENDING and GRANTED.
 */
export type MdlPfsLockStatus = "PENDING" | "GRANTED" | "PRE_ACQUIRE_NOTIFY" | "POST_RELEASE_NOTIFY" | "VICTIM" | "TIMEOUT" | "KILLED";

/** MDL_key: namespace + db + name (the triple of MDL_key::mdl_key_init). */
export interface MdlKey {
  readonly namespace: MdlNamespace;
  readonly db: string;
  readonly name: string;
}

export function mdlKey(namespace: MdlNamespace | MdlNamespaceName, db = "", name = ""): MdlKey {
  return { namespace: mdlNamespace(namespace), db, name };
}

/**
 * A stable string for maps. Mirrors the key buffer: <ns byte> db \0 name \0. Remembered per
 * (namespace, db, name) for the first few thousand keys, as every MDL request and release looks
 * its lock up by it: the same few keys, run after run, build no new string.
 */
export function mdlKeyString(k: MdlKey): string {
  let byDb = KEY_STRINGS[k.namespace];
  if (byDb === undefined) byDb = KEY_STRINGS[k.namespace] = new Map();
  let byName = byDb.get(k.db);
  if (byName === undefined) {
    byName = new Map();
    if (keyStrings < MAX_KEY_STRINGS) byDb.set(k.db, byName);
  }
  let s = byName.get(k.name);
  if (s === undefined) {
    s = `${String.fromCharCode(k.namespace)}${k.db}\u0000${k.name}\u0000`;
    if (keyStrings < MAX_KEY_STRINGS) {
      byName.set(k.name, s);
      keyStrings++;
    }
  }
  return s;
}
const MAX_KEY_STRINGS = 4096;
let keyStrings = 0;
const KEY_STRINGS: (Map<string, Map<string, string>> | undefined)[] = [];

/** code unit i of a key buffer after its namespace byte (db \0 name \0); -1 past its end */
function keyTailCode(k: MdlKey, i: number): number {
  const dl = k.db.length;
  if (i < dl) return k.db.charCodeAt(i);
  if (i === dl) return 0;
  const j = i - dl - 1;
  const nl = k.name.length;
  if (j < nl) return k.name.charCodeAt(j);
  return j === nl ? 0 : -1;
}

export function mdlKeyEqual(a: MdlKey, b: MdlKey): boolean {
  return a.namespace === b.namespace && a.db === b.db && a.name === b.name;
}

/**
 * MDL_key::cmp(): memcmp over the key buffer (namespace byte, db, \0, name, \0), then length.
 * We compare by UTF-16 code units, which orders ASCII names like memcmp over utf8 bytes.
 */
export function mdlKeyCompare(a: MdlKey, b: MdlKey): number {
  // as comparing the two mdlKeyString()s (a prefix first), code unit by code unit, without building them
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  for (let i = 0; ; i++) {
    const ca = keyTailCode(a, i);
    const cb = keyTailCode(b, i);
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca === -1) return 0;
  }
}

export function describeKey(k: MdlKey): string {
  const ns = MdlNamespace[k.namespace];
  if (k.db === "" && k.name === "") return ns;
  if (k.name === "") return `${ns} ${k.db}`;
  if (k.db === "") return `${ns} ${k.name}`;
  return `${ns} ${k.db}.${k.name}`;
}
