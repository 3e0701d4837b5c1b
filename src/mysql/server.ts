import type { Kernel } from "../kernel/kernel.js";
import type { SimThread } from "../kernel/thread.js";
import { SEC, type Ns } from "../kernel/time.js";
import { DebugSync } from "../sync/debug-sync.js";
import { SystemVariables } from "./sysvars.js";
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
    return this.thds.map((thd) => ({
      ID: thd.id,
      USER: "root",
      HOST: "localhost",
      DB: "test",
      COMMAND: thd.command,
      TIME: Math.floor((now - thd.commandStart) / SEC),
      STATE: thd.state,
      INFO: thd.info,
    }));
  }
}
