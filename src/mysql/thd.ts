import type { SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";
import type { MysqlError } from "./errors.js";

/** A result set as the client receives it: column names, rows of text values (null is SQL NULL). */
export interface ResultSet {
  columns: string[];
  rows: (string | null)[][];
}

/** One row of SHOW WARNINGS: Level, Code, Message. */
export interface SqlWarning {
  level: "Note" | "Warning" | "Error";
  code: number;
  message: string;
}

/**
 * A client connection's server-side state (MySQL's THD), as far as the models need it. The
 * processlist row (Id, Command, Time, State, Info) is read from here.
 */
export class Thd {
  /** processlist Command: "Query", "Sleep", "Killed", "Daemon" */
  command = "Sleep";
  /** processlist Info: the statement text, null when idle */
  info: string | null = null;
  /** when the current command started (processlist Time) */
  commandStart: Ns = 0;
  killed = false;
  /**
   * `killed` as a function, for the MDL wait slot: a class field (allocated young), where the
   * arrow `slot.isKilled = () => thd.killed` was a function literal assigned to a property, which
   * V8 allocates old, keeping the run alive across minor GCs (issue 20)
   */
  readonly isKilled = (): boolean => this.killed;
  /** the last statement's error */
  error: MysqlError | null = null;
  /**
   * What the last statement returned to the client (the protocol's result set, OK packet's
   * affected rows and warning count): reset by the client before each statement, filled by the
   * model that produces it. mysqlsim mtr prints them in the .result format.
   */
  resultSet: ResultSet | null = null;
  affectedRows = 0;
  warnings: SqlWarning[] = [];
  /** user variables (@name, lower-case name), as text; null is NULL */
  readonly userVars = new Map<string, string | null>();
  /** DEBUG_SYNC HIT_LIMIT reached in this statement (ER_DEBUG_SYNC_HIT_LIMIT at its end) */
  debugSyncHitLimit = false;
  /** the current database (USE db) */
  db = "test";
  /** session values of system variables (SET SESSION) */
  readonly sessionVars = new Map<string, number | string | boolean>();
  /** the transaction: open (BEGIN or autocommit=0), wrote something (needs binlog / COMMIT lock) */
  readonly trx = { active: false, explicit: false, hasChanges: false, readOnly: false };
  /** free slots for models (MDL context, binlog cache, InnoDB trx ...) */
  readonly ext: Record<string, unknown> = {};

  constructor(
    /** processlist Id (connection id); also performance_schema's PROCESSLIST_ID */
    readonly id: number,
    /** the scenario's connection name ("con1") */
    readonly name: string,
    readonly thread: SimThread,
  ) {}

  /** processlist State */
  get state(): string {
    return this.thread.state;
  }

  set state(s: string) {
    this.thread.setState(s);
  }

  /** performance_schema THREAD_ID: MySQL numbers user threads after its background threads */
  get threadId(): number {
    return this.id + 100;
  }
}
