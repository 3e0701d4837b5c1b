import type { SimThread } from "../kernel/thread.js";
import type { Ns } from "../kernel/time.js";
import type { MysqlError } from "./errors.js";
import type { ResultSet, SqlWarning } from "./sql/result.js";

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
  /** the last statement's error */
  error: MysqlError | null = null;
  /** the last statement's result set (SELECT, SHOW ...), null if it had none */
  result: ResultSet | null = null;
  /** the last statement's affected rows (INSERT/UPDATE/DELETE) */
  affectedRows = 0;
  /** the last statement's warnings (SHOW WARNINGS) */
  warnings: SqlWarning[] = [];
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
