/**
 * Error names and numbers mysqltest's `--error` accepts (it reads mysqld_ername.h and the client
 * errors of errmsg.h), beyond the server errors the models raise (src/mysql/errors.ts, which wins
 * when both know a name). Messages as in sql/share/errmsg-utf8.txt (5.7) and libmysql/errmsg.c.
 */
import { errorDef, MysqlError, type ErrorDef } from "../mysql/errors.js";

const EXTRA: readonly ErrorDef[] = [
  { name: "ER_DB_CREATE_EXISTS", code: 1007, sqlstate: "HY000", format: "Can't create database '%s'; database exists" },
  { name: "ER_DB_DROP_EXISTS", code: 1008, sqlstate: "HY000", format: "Can't drop database '%s'; database doesn't exist" },
  { name: "ER_FILE_NOT_FOUND", code: 1017, sqlstate: "HY000", format: "Can't find file: '%s' (errno: %d - %s)" },
  { name: "ER_CON_COUNT_ERROR", code: 1040, sqlstate: "08004", format: "Too many connections" },
  { name: "ER_BAD_DB_ERROR", code: 1049, sqlstate: "42000", format: "Unknown database '%s'" },
  { name: "ER_SERVER_SHUTDOWN", code: 1053, sqlstate: "08S01", format: "Server shutdown in progress" },
  { name: "ER_BAD_FIELD_ERROR", code: 1054, sqlstate: "42S22", format: "Unknown column '%s' in '%s'" },
  { name: "ER_PARSE_ERROR", code: 1064, sqlstate: "42000", format: "%s near '%s' at line %d" },
  { name: "ER_NO_SUCH_THREAD", code: 1094, sqlstate: "HY000", format: "Unknown thread id: %lu" },
  { name: "ER_WRONG_MRG_TABLE", code: 1168, sqlstate: "HY000", format: "Unable to open underlying table which is differently defined or of non-MyISAM type or doesn't exist" },
  { name: "ER_NOT_SUPPORTED_YET", code: 1235, sqlstate: "42000", format: "This version of MySQL doesn't yet support '%s'" },
  { name: "ER_SP_DOES_NOT_EXIST", code: 1305, sqlstate: "42000", format: "%s %s does not exist" },
  { name: "ER_DEBUG_SYNC_TIMEOUT", code: 1639, sqlstate: "HY000", format: "debug sync point wait timed out" },
  { name: "ER_WARN_I_S_SKIPPED_TABLE", code: 1684, sqlstate: "HY000", format: "Table '%s'.'%s' was skipped since its definition is being modified by concurrent DDL statement" },
  { name: "ER_CONN_HOST_ERROR", code: 2003, sqlstate: "HY000", format: "Can't connect to MySQL server on '%s' (%d)" },
  { name: "CR_CONN_HOST_ERROR", code: 2003, sqlstate: "HY000", format: "Can't connect to MySQL server on '%s' (%d)" },
  { name: "CR_SERVER_GONE_ERROR", code: 2006, sqlstate: "HY000", format: "MySQL server has gone away" },
  { name: "CR_SERVER_LOST", code: 2013, sqlstate: "HY000", format: "Lost connection to MySQL server during query" },
];

const BY_NAME = new Map(EXTRA.map((e) => [e.name, e]));
const BY_CODE = new Map(EXTRA.map((e) => [e.code, e]));

/** An error's definition by name or number: the models' table first, then mysqltest's extra names. */
export function mtrErrorDef(nameOrCode: string | number): ErrorDef | undefined {
  return errorDef(nameOrCode) ?? (typeof nameOrCode === "number" ? BY_CODE.get(nameOrCode) : BY_NAME.get(nameOrCode));
}

/** An error by name, %s/%d filled in order. */
export function mtrError(name: string, ...args: (string | number)[]): MysqlError {
  const def = mtrErrorDef(name);
  if (!def) throw new Error(`unknown MySQL error ${name}`);
  let i = 0;
  const message = def.format.replace(/%l?[sdu]/g, () => String(args[i++] ?? ""));
  return new MysqlError(def, message);
}
