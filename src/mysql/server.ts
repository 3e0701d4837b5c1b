import type { Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import { SEC, type Ns } from "../kernel/time.js";
import { DebugSync } from "../sync/debug-sync.js";
import { SystemVariables } from "./sysvars.js";
import { debugSyncTimedOut } from "./sql/execute.js";
import { Thd } from "./thd.js";

/** A table as the catalog knows it (created by setup or CREATE TABLE). */
export interface TableDef {
  db: string;
  name: string;
  columns: string[];
  /**
   * tables this one references by foreign key (it is their child), with the FK's ON DELETE /
   * ON UPDATE action (RESTRICT when none is given) and constraint name (InnoDB's <table>_ibfk_<n>)
   */
  parents: { db: string; name: string; onDelete?: string; onUpdate?: string; constraint?: string }[];
  /** rows inserted, as literal tuples (enough to detect a duplicate primary key) */
  rows: string[][];
  /** storage engine (ENGINE=...); InnoDB when not given */
  engine?: string;
  /** columns of the primary key / unique keys (duplicate-key errors) */
  keys?: { name: string; columns: string[]; autoIncrement?: boolean }[];
  /** the last AUTO_INCREMENT value handed out */
  autoIncrement?: number;
  /** a TEMPORARY table (lives in its session) */
  temporary?: boolean;
  /**
   * CSV (ha_tina): rows were written under LOCK TABLES since the last unlock. write_row() grows
   * only the handler's local_saved_data_file_length; update_status() copies it to the share's
   * saved_data_file_length when the table is unlocked, so until then ha_tina::check() reads fewer
   * rows than share->rows_recorded and finds the table corrupt.
   */
  unsavedRows?: boolean;
  /**
   * CSV: share->crashed (ha_tina::check() found the table corrupt). ha_tina::open() then fails with
   * HA_ERR_CRASHED_ON_USAGE except for HA_OPEN_FOR_REPAIR (CHECK, REPAIR); only ha_tina::repair()
   * (REPAIR TABLE, or the auto-repair of Open_table_context::recover_from_failed_open) clears it.
   */
  crashed?: boolean;
}

/** A stored function or procedure: its parameters, body and the tables the body uses (prelocking). */
export interface RoutineDef {
  type: "FUNCTION" | "PROCEDURE";
  db: string;
  name: string;
  params: string[];
  body: string;
  /** the tables the body reads and writes, and the routines it calls (sp_get_prelocking_info) */
  uses: { db: string; name: string; write: boolean }[];
  calls: string[];
}

/** A view: its SELECT and the tables it reads (the statement using it locks them). */
export interface ViewDef {
  db: string;
  name: string;
  select: string;
  uses: { db: string; name: string }[];
}

/** A trigger: on which table, and the tables its body uses (locked with the triggering statement). */
export interface TriggerDef {
  db: string;
  name: string;
  table: { db: string; name: string };
  event: string;
  uses: { db: string; name: string; write: boolean }[];
  /** the trigger's statement(s) */
  body?: string;
}

/** A processlist row (information_schema.processlist / SHOW PROCESSLIST). */
export interface ProcesslistRow {
  ID: number;
  USER: string;
  HOST: string;
  DB: string | null;
  COMMAND: string;
  TIME: number;
  STATE: string;
  INFO: string | null;
}

/**
 * Counters and samples the models report; `metrics()` turns them into the scenario's metrics.
 * Kept in the server so every model writes to one place.
 */
export class Metrics {
  readonly counters = new Map<string, number>();
  readonly samples = new Map<string, number[]>();

  add(name: string, d = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + d);
  }

  sample(name: string, value: number): void {
    let s = this.samples.get(name);
    if (!s) this.samples.set(name, (s = []));
    s.push(value);
  }
}

/**
 * One simulated mysqld: its variables, sessions, catalog, DEBUG_SYNC facility and the models
 * (MDL, binlog, InnoDB ...) attached in `ext` by the modules that implement them.
 */
export class Server {
  readonly vars: SystemVariables;
  readonly thds: Thd[] = [];
  readonly tables = new Map<string, TableDef>();
  /** schemas (CREATE DATABASE); test and the system schemas exist from the start */
  readonly databases = new Set<string>(["test", "mysql", "information_schema", "performance_schema"]);
  /** schemas DROP DATABASE removed (tables are created in any other schema a scenario names) */
  readonly droppedDatabases = new Set<string>();
  /** stored routines by "function:db.name" / "procedure:db.name" (lower case) */
  readonly routines = new Map<string, RoutineDef>();
  /** views and triggers by db.name (lower case); events and users by name */
  readonly views = new Map<string, ViewDef>();
  readonly triggers = new Map<string, TriggerDef>();
  readonly events = new Set<string>();
  readonly users = new Set<string>();
  /** prepared statements are per session; XA transactions prepared and not yet committed (XA RECOVER) */
  readonly preparedXids = new Map<string, string>();
  /**
   * KILL [QUERY] from a session (the statement, or a stored function's body): installed by the
   * runner that owns the connections; returns false when no such connection exists.
   */
  kill: ((by: Thd, target: string, query: boolean) => boolean) | null = null;
  readonly debugSync: DebugSync;
  readonly metrics = new Metrics();
  /** model instances by name ("mdl", "binlog", "innodb" ...) */
  readonly ext: Record<string, unknown> = {};
  private nextId = 1;

  constructor(
    readonly kernel: Kernel,
    readonly version: string,
    family: string,
  ) {
    this.vars = new SystemVariables(family);
    this.debugSync = new DebugSync(kernel, this.vars.int("debug_sync_timeout") * SEC);
    this.debugSync.listener = {
      timedOut: (t, point) => debugSyncTimedOut(t, point),
      hitLimit: (t) => {
        const thd = t.data as Thd | undefined;
        if (thd instanceof Thd) thd.debugSyncHitLimit = true;
      },
    };
  }

  /** Creates the THD of a new connection run by `thread`. */
  connect(name: string, thread: SimThread): Thd {
    const thd = new Thd(this.nextId++, name, thread);
    this.thds.push(thd);
    thread.data = thd;
    return thd;
  }

  table(db: string, name: string): TableDef | undefined {
    return this.tables.get(`${db}.${name}`.toLowerCase());
  }

  addTable(def: TableDef): void {
    this.tables.set(`${def.db}.${def.name}`.toLowerCase(), def);
    this.databases.add(def.db);
  }

  /** The tables whose foreign keys reference db.name (its children). */
  childrenOf(db: string, name: string): TableDef[] {
    const key = `${db}.${name}`.toLowerCase();
    return [...this.tables.values()].filter((t) => t.parents.some((p) => `${p.db}.${p.name}`.toLowerCase() === key));
  }

  /** A session's value of a variable: SET SESSION if any, else the global. */
  sessionVar(thd: Thd, name: string): number | string | boolean {
    return thd.sessionVars.get(name) ?? this.vars.get(name);
  }

  processlist(now: Ns): ProcesslistRow[] {
    return this.thds.filter((thd) => !thd.ext.gone).map((thd) => ({
      ID: thd.id,
      USER: "root",
      HOST: "localhost",
      DB: thd.db,
      COMMAND: thd.command,
      TIME: Math.floor((now - thd.commandStart) / SEC),
      STATE: thd.state,
      INFO: thd.info,
    }));
  }
}
