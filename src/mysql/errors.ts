/**
 * MySQL server errors the models raise: code, SQLSTATE and message format as in
 * share/messages_to_clients.txt (8.0) / sql/share/errmsg-utf8.txt (5.6, 5.7).
 */
export interface ErrorDef {
  name: string;
  code: number;
  sqlstate: string;
  format: string;
}

export const ERRORS: readonly ErrorDef[] = [
  { name: "ER_GET_ERRNO", code: 1030, sqlstate: "HY000", format: "Got error %d from storage engine" },
  { name: "ER_DB_CREATE_EXISTS", code: 1007, sqlstate: "HY000", format: "Can't create database '%s'; database exists" },
  { name: "ER_DB_DROP_EXISTS", code: 1008, sqlstate: "HY000", format: "Can't drop database '%s'; database doesn't exist" },
  { name: "ER_BAD_DB_ERROR", code: 1049, sqlstate: "42000", format: "Unknown database '%s'" },
  { name: "ER_SP_ALREADY_EXISTS", code: 1304, sqlstate: "42000", format: "%s %s already exists" },
  { name: "ER_TRG_ALREADY_EXISTS", code: 1359, sqlstate: "HY000", format: "Trigger already exists" },
  { name: "ER_TRG_ON_VIEW_OR_TEMP_TABLE", code: 1361, sqlstate: "HY000", format: "Trigger's '%s' is view or temporary table" },
  { name: "ER_TRG_DOES_NOT_EXIST", code: 1360, sqlstate: "HY000", format: "Trigger does not exist" },
  { name: "ER_CANNOT_USER", code: 1396, sqlstate: "HY000", format: "Operation %s failed for %s" },
  { name: "ER_XAER_NOTA", code: 1397, sqlstate: "XAE04", format: "XAER_NOTA: Unknown XID" },
  { name: "ER_XAER_RMFAIL", code: 1399, sqlstate: "XAE07", format: "XAER_RMFAIL: The command cannot be executed when global transaction is in the  %s state" },
  { name: "ER_XAER_OUTSIDE", code: 1400, sqlstate: "XAE09", format: "XAER_OUTSIDE: Some work is done outside global transaction" },
  { name: "ER_KILL_DENIED_ERROR", code: 1095, sqlstate: "HY000", format: "You are not owner of thread %d" },
  { name: "ER_NO_SUCH_THREAD", code: 1094, sqlstate: "HY000", format: "Unknown thread id: %d" },
  { name: "ER_VIEW_INVALID", code: 1356, sqlstate: "HY000", format: "View '%s.%s' references invalid table(s) or column(s) or function(s) or definer/invoker of view lack rights to use them" },
  { name: "ER_WRONG_OBJECT", code: 1347, sqlstate: "HY000", format: "'%s.%s' is not %s" },
  { name: "ER_CANT_LOCK", code: 1015, sqlstate: "HY000", format: "Can't lock file (errno: %d - %s)" },
  { name: "ER_SERVER_SHUTDOWN", code: 1053, sqlstate: "08S01", format: "Server shutdown in progress" },
  { name: "ER_TABLE_EXISTS_ERROR", code: 1050, sqlstate: "42S01", format: "Table '%s' already exists" },
  { name: "ER_BAD_TABLE_ERROR", code: 1051, sqlstate: "42S02", format: "Unknown table '%s'" },
  { name: "ER_DUP_ENTRY", code: 1062, sqlstate: "23000", format: "Duplicate entry '%s' for key '%s'" },
  { name: "ER_KEY_COLUMN_DOES_NOT_EXITS", code: 1072, sqlstate: "42000", format: "Key column '%s' doesn't exist in table" },
  { name: "ER_BAD_FIELD_ERROR", code: 1054, sqlstate: "42S22", format: "Unknown column '%s' in '%s'" },
  { name: "ER_PARSE_ERROR", code: 1064, sqlstate: "42000", format: "%s" },
  { name: "ER_TABLE_NOT_LOCKED_FOR_WRITE", code: 1099, sqlstate: "HY000", format: "Table '%s' was locked with a READ lock and can't be updated" },
  { name: "ER_TABLE_NOT_LOCKED", code: 1100, sqlstate: "HY000", format: "Table '%s' was not locked with LOCK TABLES" },
  { name: "ER_NONUNIQ_TABLE", code: 1066, sqlstate: "42000", format: "Not unique table/alias: '%s'" },
  { name: "ER_ERROR_WHEN_EXECUTING_COMMAND", code: 1220, sqlstate: "HY000", format: "Error when executing command %s: %s" },
  { name: "ER_OPERAND_COLUMNS", code: 1241, sqlstate: "21000", format: "Operand should contain %d column(s)" },
  { name: "ER_SUBQUERY_NO_1_ROW", code: 1242, sqlstate: "21000", format: "Subquery returns more than 1 row" },
  { name: "ER_UNKNOWN_TABLE", code: 1109, sqlstate: "42S02", format: "Unknown table '%s' in %s" },
  { name: "ER_NO_SUCH_TABLE", code: 1146, sqlstate: "42S02", format: "Table '%s' doesn't exist" },
  { name: "ER_LOCK_OR_ACTIVE_TRANSACTION", code: 1192, sqlstate: "HY000", format: "Can't execute the given command because you have active locked tables or an active transaction" },
  { name: "ER_CRASHED_ON_USAGE", code: 1194, sqlstate: "HY000", format: "Table '%s' is marked as crashed and should be repaired" },
  { name: "ER_UNKNOWN_SYSTEM_VARIABLE", code: 1193, sqlstate: "HY000", format: "Unknown system variable '%s'" },
  { name: "ER_LOCK_WAIT_TIMEOUT", code: 1205, sqlstate: "HY000", format: "Lock wait timeout exceeded; try restarting transaction" },
  { name: "ER_LOCK_DEADLOCK", code: 1213, sqlstate: "40001", format: "Deadlock found when trying to get lock; try restarting transaction" },
  { name: "ER_CANT_UPDATE_WITH_READLOCK", code: 1223, sqlstate: "HY000", format: "Can't execute the query because you have a conflicting read lock" },
  { name: "ER_WRONG_VALUE_FOR_VAR", code: 1231, sqlstate: "42000", format: "Variable '%s' can't be set to the value of '%s'" },
  { name: "ER_NOT_SUPPORTED_YET", code: 1235, sqlstate: "42000", format: "This version of MySQL doesn't yet support '%s'" },
  { name: "ER_UNKNOWN_STMT_HANDLER", code: 1243, sqlstate: "HY000", format: "Unknown prepared statement handler (%s) given to %s" },
  { name: "ER_SP_DOES_NOT_EXIST", code: 1305, sqlstate: "42000", format: "%s %s does not exist" },
  { name: "ER_QUERY_INTERRUPTED", code: 1317, sqlstate: "70100", format: "Query execution was interrupted" },
  { name: "ER_DEBUG_SYNC_TIMEOUT", code: 1639, sqlstate: "HY000", format: "debug sync point wait timed out" },
  { name: "ER_DEBUG_SYNC_HIT_LIMIT", code: 1640, sqlstate: "HY000", format: "debug sync point hit limit reached" },
  { name: "ER_LOCK_ABORTED", code: 1689, sqlstate: "HY000", format: "Wait on a lock was aborted due to a pending exclusive lock" },
  { name: "ER_TABLESPACE_EXISTS", code: 1813, sqlstate: "HY000", format: "Tablespace '%s' exists." },
  { name: "CR_CONNECTION_ERROR", code: 2002, sqlstate: "HY000", format: "Can't connect to local MySQL server through socket '%s' (%d)" },
  { name: "CR_SERVER_LOST", code: 2013, sqlstate: "HY000", format: "Lost connection to MySQL server during query" },
  // item_func.cc check_and_convert_ull_name(): empty, NULL or longer than 64 characters (5.7+)
  { name: "ER_USER_LOCK_WRONG_NAME", code: 3057, sqlstate: "42000", format: "Incorrect user-level lock name '%s'." },
  { name: "ER_USER_LOCK_DEADLOCK", code: 3058, sqlstate: "HY000", format: "Deadlock found when trying to get user-level lock; try rolling back transaction/releasing locks and restarting lock acquisition." },
];

const BY_NAME = new Map(ERRORS.map((e) => [e.name, e]));
const BY_CODE = new Map(ERRORS.map((e) => [e.code, e]));

export function errorDef(nameOrCode: string | number): ErrorDef | undefined {
  return typeof nameOrCode === "number" ? BY_CODE.get(nameOrCode) : BY_NAME.get(nameOrCode);
}

/**
 * A MySQL error as a client sees it. It is a result the client gets, not a bug: no stack trace is
 * captured (capturing one through the models' generator frames costs more than the statement).
 */
export class MysqlError extends Error {
  readonly def: ErrorDef;
  constructor(def: ErrorDef, message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.def = def;
    this.name = def.name;
  }

  get code(): number {
    return this.def.code;
  }

  /** "ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction" */
  get clientText(): string {
    return `ERROR ${this.def.code} (${this.def.sqlstate}): ${this.message}`;
  }
}

/** Makes an error by name, filling %s/%d in order. */
export function mysqlError(name: string, ...args: (string | number)[]): MysqlError {
  const def = errorDef(name);
  if (!def) throw new Error(`unknown MySQL error ${name}`);
  let i = 0;
  const message = def.format.replace(/%[sd]/g, () => String(args[i++] ?? ""));
  return new MysqlError(def, message);
}
