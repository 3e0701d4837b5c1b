/**
 * System variables the models read: name, type, default, range, dynamic, as in MySQL's
 * reference manual (server-system-variables, innodb-parameters, replication-options-binary-log).
 * Versions differ in defaults; `versionDefaults` overrides per modelled version.
 */
export type SysVarValue = number | string | boolean;

export interface SysVarDef {
  name: string;
  type: "int" | "bool" | "enum" | "string";
  default: SysVarValue;
  /** per-version default where it differs ("5.6", "5.7", "8.0") */
  versionDefaults?: Partial<Record<string, SysVarValue>>;
  min?: number;
  max?: number;
  /** the max as MySQL prints it, where a JS number cannot hold it exactly (2^64-1) */
  maxText?: string;
  values?: readonly string[];
  dynamic: boolean;
  unit?: string;
  doc: string;
}

const U64_MAX = 18446744073709551615;
const U64_MAX_TEXT = "18446744073709551615";

export const SYSTEM_VARIABLES: readonly SysVarDef[] = [
  // ---- server / MDL
  { name: "max_write_lock_count", type: "int", default: U64_MAX, min: 1, max: U64_MAX, maxText: U64_MAX_TEXT, dynamic: true, doc: "after this many write locks, pending read locks get a turn (MDL hog/piglet switch)" },
  { name: "lock_wait_timeout", type: "int", default: 31536000, min: 1, max: 31536000, dynamic: true, unit: "s", doc: "timeout for metadata lock waits" },
  { name: "autocommit", type: "bool", default: true, dynamic: true, doc: "each statement is its own transaction" },
  { name: "table_open_cache", type: "int", default: 4000, versionDefaults: { "5.6": 2000, "5.7": 2000 }, min: 1, max: 524288, dynamic: true, doc: "open tables cached for all threads" },
  { name: "table_definition_cache", type: "int", default: 2000, versionDefaults: { "5.6": 1400, "5.7": 1400 }, min: 400, max: 524288, dynamic: true, doc: "table definitions cached (autosized in MySQL; the model uses the usual result)" },
  { name: "default_storage_engine", type: "enum", default: "INNODB", values: ["INNODB", "MYISAM", "MEMORY", "CSV", "MRG_MYISAM", "ARCHIVE", "BLACKHOLE"], dynamic: true, doc: "engine of CREATE TABLE without ENGINE= (mysqltest runs mdl_sync and kill with MyISAM)" },
  { name: "default_tmp_storage_engine", type: "enum", default: "INNODB", values: ["INNODB", "MYISAM", "MEMORY", "CSV", "MRG_MYISAM", "ARCHIVE", "BLACKHOLE"], dynamic: true, doc: "engine of CREATE TEMPORARY TABLE without ENGINE=" },
  { name: "concurrent_insert", type: "enum", default: "AUTO", values: ["NEVER", "AUTO", "ALWAYS"], dynamic: true, doc: "MyISAM: an INSERT takes TL_WRITE_CONCURRENT_INSERT, compatible with readers' TL_READ (NEVER: TL_WRITE)" },
  { name: "debug_sync_timeout", type: "int", default: 300, min: 0, max: 31536000, dynamic: false, unit: "s", doc: "default WAIT_FOR timeout of DEBUG_SYNC (mysqltest starts mysqld with 300)" },
  // ---- binary log
  { name: "log_bin", type: "bool", default: true, dynamic: false, doc: "binary logging on" },
  { name: "sync_binlog", type: "int", default: 1, versionDefaults: { "5.6": 0 }, min: 0, max: 4294967295, dynamic: true, doc: "fsync the binary log every N commit groups (0: never)" },
  { name: "binlog_order_commits", type: "bool", default: true, dynamic: true, doc: "the commit-stage leader commits the group in binlog order" },
  { name: "binlog_group_commit_sync_delay", type: "int", default: 0, min: 0, max: 1000000, dynamic: true, unit: "µs", doc: "wait this long before syncing the binlog, to grow groups" },
  { name: "binlog_group_commit_sync_no_delay_count", type: "int", default: 0, min: 0, max: 100000, dynamic: true, doc: "stop the sync delay once this many transactions are queued" },
  { name: "log_bin_basename", type: "string", default: "binlog", dynamic: false, doc: "--log-bin's base name: the binlog files are NAME.000001 ... (mysql-test-run: master-bin)" },
  { name: "binlog_format", type: "enum", default: "ROW", versionDefaults: { "5.6": "STATEMENT" }, values: ["ROW", "STATEMENT", "MIXED"], dynamic: true, doc: "ROW: DML writes Table_map and row events; STATEMENT/MIXED: a Query event with the statement's text (mysql-test-run's binlog-format for the given files: STATEMENT)" },
  { name: "server_id", type: "int", default: 1, min: 0, max: 4294967295, dynamic: true, doc: "Server_id of the events this server writes (mysql-test-run starts mysqld with server-id=1; with log_bin a server needs one)" },
  { name: "max_binlog_size", type: "int", default: 1073741824, min: 4096, max: 1073741824, dynamic: true, unit: "bytes", doc: "rotate the binary log past this size" },
  // ---- InnoDB
  { name: "innodb_flush_log_at_trx_commit", type: "int", default: 1, min: 0, max: 2, dynamic: true, doc: "1: write and flush redo at commit; 2: write at commit, flush once a second; 0: both once a second" },
  { name: "innodb_lock_wait_timeout", type: "int", default: 50, min: 1, max: 1073741824, dynamic: true, unit: "s", doc: "row lock wait timeout" },
  { name: "innodb_log_spin_cpu_abs_lwm", type: "int", default: 80, min: 0, max: 4294967295, dynamic: true, unit: "%", doc: "below this total CPU use (percent of one CPU) user threads do not spin on redo flush" },
  { name: "innodb_log_spin_cpu_pct_hwm", type: "int", default: 50, min: 0, max: 100, dynamic: true, unit: "%", doc: "above this CPU use (percent of all CPUs) user threads do not spin on redo flush" },
  { name: "innodb_log_wait_for_flush_spin_hwm", type: "int", default: 400, min: 0, max: 4294967295, dynamic: true, unit: "µs", doc: "above this average flush time user threads do not spin" },
  { name: "innodb_purge_batch_size", type: "int", default: 300, versionDefaults: { "5.6": 300, "5.7": 300 }, min: 1, max: 5000, dynamic: true, doc: "undo log pages purge parses and processes in one batch (the sysbench model counts one undo record of a one-row transaction as one)" },
  { name: "innodb_purge_threads", type: "int", default: 4, versionDefaults: { "5.6": 1, "5.7": 4 }, min: 1, max: 32, dynamic: false, doc: "purge threads: one srv_purge_coordinator_thread and n-1 srv_worker_threads" },
  { name: "innodb_open_files", type: "int", default: 4000, versionDefaults: { "5.6": 2000, "5.7": 2000 }, min: 10, max: 2147483647, dynamic: false, doc: "InnoDB data files kept open at once" },
  { name: "innodb_file_per_table", type: "bool", default: true, dynamic: true, doc: "each table in its own .ibd file" },
];

const BY_NAME = new Map(SYSTEM_VARIABLES.map((v) => [v.name, v]));

export function sysvar(name: string): SysVarDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function defaultFor(def: SysVarDef, version: string): SysVarValue {
  return def.versionDefaults?.[version] ?? def.default;
}

/** Why a value is not acceptable for a variable, in MySQL's words, or null if it is. */
export function checkValue(def: SysVarDef, value: unknown): { value: SysVarValue } | { error: string } {
  switch (def.type) {
    case "bool": {
      if (typeof value === "boolean") return { value };
      const s = String(value).toUpperCase();
      if (s === "ON" || s === "1" || s === "TRUE") return { value: true };
      if (s === "OFF" || s === "0" || s === "FALSE") return { value: false };
      return { error: `Variable '${def.name}' can't be set to the value of '${value}' (expected ON or OFF)` };
    }
    case "int": {
      const n = typeof value === "number" ? value : /^\s*-?\d+\s*$/.test(String(value)) ? Number(value) : NaN;
      if (!Number.isFinite(n) || !Number.isInteger(n)) return { error: `Incorrect argument type to variable '${def.name}' (expected an integer)` };
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        return { error: `Variable '${def.name}' can't be set to the value of '${value}' (range ${def.min} to ${def.maxText ?? def.max})` };
      }
      return { value: n };
    }
    case "enum": {
      const s = String(value).toUpperCase();
      if (def.values?.includes(s)) return { value: s };
      return { error: `Variable '${def.name}' can't be set to the value of '${value}' (expected one of ${def.values?.join(", ")})` };
    }
    case "string":
      return { value: String(value) };
  }
}

/** The variables of one server: defaults for its version, overridden by the scenario and `SET GLOBAL`. */
/** each version's default values, in SYSTEM_VARIABLES order (SystemVariables copies them) */
const DEFAULTS = new Map<string, ReadonlyMap<string, SysVarValue>>();

export class SystemVariables {
  private readonly values: Map<string, SysVarValue>;

  constructor(readonly version: string) {
    // a copy of the version's defaults, built once per version (every run builds a server)
    let defaults = DEFAULTS.get(version);
    if (!defaults) {
      const m = new Map<string, SysVarValue>();
      for (const def of SYSTEM_VARIABLES) m.set(def.name, defaultFor(def, version));
      DEFAULTS.set(version, (defaults = m));
    }
    this.values = new Map(defaults);
  }

  get(name: string): SysVarValue {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown system variable ${name}`);
    return v;
  }

  int(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  /** Sets a value already checked with `checkValue`. */
  set(name: string, value: SysVarValue): void {
    if (!this.values.has(name)) throw new Error(`unknown system variable ${name}`);
    this.values.set(name, value);
  }

  entries(): [string, SysVarValue][] {
    return [...this.values.entries()];
  }
}
