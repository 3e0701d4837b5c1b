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
  { name: "ER_TABLE_EXISTS_ERROR", code: 1050, sqlstate: "42S01", format: "Table '%s' already exists" },
  { name: "ER_BAD_TABLE_ERROR", code: 1051, sqlstate: "42S02", format: "Unknown table '%s'" },
  { name: "ER_DUP_ENTRY", code: 1062, sqlstate: "23000", format: "Duplicate entry '%s' for key '%s'" },
  { name: "ER_KEY_COLUMN_DOES_NOT_EXITS", code: 1072, sqlstate: "42000", format: "Key column '%s' doesn't exist in table" },
  { name: "ER_TABLE_NOT_LOCKED_FOR_WRITE", code: 1099, sqlstate: "HY000", format: "Table '%s' was locked with a READ lock and can't be updated" },
  { name: "ER_TABLE_NOT_LOCKED", code: 1100, sqlstate: "HY000", format: "Table '%s' was not locked with LOCK TABLES" },
  { name: "ER_NO_SUCH_TABLE", code: 1146, sqlstate: "42S02", format: "Table '%s' doesn't exist" },
  { name: "ER_LOCK_OR_ACTIVE_TRANSACTION", code: 1192, sqlstate: "HY000", format: "Can't execute the given command because you have active locked tables or an active transaction" },
  { name: "ER_UNKNOWN_SYSTEM_VARIABLE", code: 1193, sqlstate: "HY000", format: "Unknown system variable '%s'" },
  { name: "ER_LOCK_WAIT_TIMEOUT", code: 1205, sqlstate: "HY000", format: "Lock wait timeout exceeded; try restarting transaction" },
  { name: "ER_LOCK_DEADLOCK", code: 1213, sqlstate: "40001", format: "Deadlock found when trying to get lock; try restarting transaction" },
  { name: "ER_CANT_UPDATE_WITH_READLOCK", code: 1223, sqlstate: "HY000", format: "Can't execute the query because you have a conflicting read lock" },
  { name: "ER_WRONG_VALUE_FOR_VAR", code: 1231, sqlstate: "42000", format: "Variable '%s' can't be set to the value of '%s'" },
  { name: "ER_QUERY_INTERRUPTED", code: 1317, sqlstate: "70100", format: "Query execution was interrupted" },
  { name: "ER_LOCK_ABORTED", code: 1689, sqlstate: "HY000", format: "Wait on a lock was aborted due to a pending exclusive lock" },
  { name: "ER_TABLESPACE_EXISTS", code: 1813, sqlstate: "HY000", format: "Tablespace '%s' exists." },
  { name: "CR_CONNECTION_ERROR", code: 2002, sqlstate: "HY000", format: "Can't connect to local MySQL server through socket '%s' (%d)" },
  { name: "CR_SERVER_LOST", code: 2013, sqlstate: "HY000", format: "Lost connection to MySQL server during query" },
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
