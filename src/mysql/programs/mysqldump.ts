import type { MysqlError } from "../errors.js";
import type { Server } from "../server.js";

/**
 * mysqldump as a built-in client program: the statements client/mysqldump.cc sends, in order,
 * for the options that matter to locking. A scenario starts it as a free-running thread
 * (`threads: { backup: { program: mysqldump, args: "--single-transaction --source-data" } }`).
 *
 * The sequence follows main() in client/mysqldump.cc (8.0; 5.7 spells --source-data
 * --master-data and the status statement SHOW MASTER STATUS):
 *
 *  1. do_flush_tables_read_lock(), when --lock-all-tables or --source-data (or --single-transaction
 *     with --flush-logs): "FLUSH /*!40101 LOCAL *\/ TABLES" (plain FLUSH TABLES without
 *     --source-data), then "FLUSH TABLES WITH READ LOCK". The first FLUSH is there, says its
 *     comment, so that a long update makes FLUSH TABLES wait without stalling the whole server,
 *     after which FTWRL succeeds quickly; a second long query starting between the two FLUSHes
 *     still gives the bad stall.
 *  2. start_transaction(), with --single-transaction: "SET SESSION TRANSACTION ISOLATION LEVEL
 *     REPEATABLE READ", "START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT *\/".
 *  3. do_show_binary_log_status(), with --source-data: "SHOW MASTER STATUS" ("SHOW BINARY LOG
 *     STATUS" from 8.2; the model accepts both).
 *  4. do_unlock_tables(), with --single-transaction: "UNLOCK TABLES" (unlock, no commit).
 *  5. the dump: one "SELECT /*!40001 SQL_NO_CACHE *\/ * FROM `db`.`t`" per table, in name order.
 *
 * Like mysqldump without --force, the program stops at the first statement that fails.
 * Simplified: the many SHOW/SELECT @@ queries about variables, GTIDs and table definitions are
 * not sent (they take no locks the model knows); 8.0's per-table SAVEPOINT / ROLLBACK TO
 * SAVEPOINT under --single-transaction is not modelled, so the dump keeps every table's SR lock
 * to its end; the version comments are written out as plain SQL.
 */
export interface MysqldumpOptions {
  singleTransaction: boolean;
  sourceData: boolean;
  lockAllTables: boolean;
  flushLogs: boolean;
  /** databases to dump (default: every database with tables) */
  databases: string[];
}

/** The options mysqldump's command line gives (unknown ones are an error, as in mysqldump). */
export function parseMysqldumpArgs(args: string[]): MysqldumpOptions {
  const o: MysqldumpOptions = { singleTransaction: false, sourceData: false, lockAllTables: false, flushLogs: false, databases: [] };
  for (const a of args) {
    if (a === "--single-transaction") o.singleTransaction = true;
    else if (/^--(source|master)-data(=\d)?$/.test(a)) o.sourceData = !/=0$/.test(a);
    else if (a === "--lock-all-tables" || a === "-x") o.lockAllTables = true;
    else if (a === "--flush-logs" || a === "-F") o.flushLogs = true;
    else if (a === "--all-databases" || a === "-A") o.databases = [];
    else if (!a.startsWith("-")) o.databases.push(a);
    else throw new Error(`mysqldump: option ${a} is not modelled; expected --single-transaction, --source-data[=N] (--master-data), --lock-all-tables, --flush-logs, --all-databases or database names`);
  }
  return o;
}

/**
 * The statements, one at a time: the runner sends each and passes back its error (null on
 * success); the program ends at the first error.
 */
export function* mysqldump(server: Server, opts: MysqldumpOptions): Generator<string, void, MysqlError | null> {
  const ok = (e: MysqlError | null): boolean => e === null;
  if (opts.lockAllTables || opts.sourceData || (opts.singleTransaction && opts.flushLogs)) {
    if (!ok(yield opts.sourceData ? "FLUSH LOCAL TABLES" : "FLUSH TABLES")) return;
    if (!ok(yield "FLUSH TABLES WITH READ LOCK")) return;
  }
  if (opts.singleTransaction) {
    if (!ok(yield "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")) return;
    if (!ok(yield "START TRANSACTION WITH CONSISTENT SNAPSHOT")) return;
  }
  if (opts.sourceData) {
    const v = server.version;
    if (!ok(yield v.startsWith("8.") && Number(v.split(".")[1] ?? 0) >= 2 ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS")) return;
  }
  if (opts.singleTransaction && (opts.lockAllTables || opts.sourceData || opts.flushLogs)) {
    if (!ok(yield "UNLOCK TABLES")) return;
  }
  const tables = [...server.tables.values()]
    .filter((t) => opts.databases.length === 0 || opts.databases.includes(t.db))
    .sort((a, b) => a.db.localeCompare(b.db) || a.name.localeCompare(b.name));
  for (const t of tables) if (!ok(yield `SELECT * FROM \`${t.db}\`.\`${t.name}\``)) return;
  if (opts.lockAllTables && !opts.singleTransaction) yield "UNLOCK TABLES";
}

/** Built-in client programs a scenario thread can run (`program:`). */
export const PROGRAMS = {
  mysqldump: (server: Server, args: string[]): Generator<string, void, MysqlError | null> => mysqldump(server, parseMysqldumpArgs(args)),
} as const;

export type ProgramName = keyof typeof PROGRAMS;
