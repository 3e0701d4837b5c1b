// The texts of the error chain from a failed open()/fcntl() up to the client, per modelled version.
// Each text says where it was read; docs/file-locks.md has the same table.
//
// InnoDB error log (without timestamp and thread id):
//   os_file_lock()            storage/innobase/os/os0file.cc
//     5.7: ib::error() << "Unable to lock " << name << " error: " << errno;         (seed, MySQL 5.7.21)
//          (5.6 and an early 5.7 tree print "Unable to lock %s, error: %d", with a comma)
//     8.0: ib::error(ER_IB_MSG_749) << the same text; logged as [MY-012574]           (MySQL 8.0 logs in public issues)
//     on EAGAIN/EACCES also ib::info(ER_IB_MSG_750) "Check that you do not already have another mysqld
//     process using the same InnoDB data or log files."; 8.0 code MY-012575 (ER_IB_MSG_750, counted in
//     8.0.27 share/messages_to_error_log.txt)
//   os_file_get_last_error_low(report_all_errors=true)   os0file.cc
//     "Operating system error number N in a file operation."   5.7 seed; 8.0 [MY-012592] (public logs)
//     "Error number N means '<strerror>'"                      5.7 seed; 8.0 [MY-012596] (public logs)
//     ENOENT / EACCES print their own lines instead (8.0 MY-012593 / MY-012595; MY-012594 at startup)
//   fil_ibd_create()          storage/innobase/fil/fil0fil.cc
//     "Cannot create file '<path>'"                             5.7 seed; 8.0 [MY-012126] (public log of the
//                                                               same message for a temporary tablespace)
// Handler: convert_error_code_to_mysql() (storage/innobase/handler/ha_innodb.cc): DB_ERROR -> HA_ERR_GENERIC,
//   which include/my_base.h defines as 168 ("Generic error") in 5.7 and 8.0.
// Client: handler::print_error() falls through to ER_GET_ERRNO (1030, SQLSTATE HY000):
//   5.7 sql/share/errmsg-utf8.txt:   "Got error %d from storage engine"                 (seed shows it)
//   8.0 share/messages_to_clients.txt: "Got error %d - '%-.192s' from storage engine", the string being
//   my_strerror(168) = "Unknown (generic) error from engine" (include/my_handler_errors.h; also seen
//   verbatim in public 8.0 reports).

import type { ErrnoInfo } from "../../machine/fs/errno.js";

export type InnodbVersion = "5.7" | "8.0" | "8.0.30";
export const INNODB_VERSIONS: readonly InnodbVersion[] = ["5.7", "8.0", "8.0.30"];

export const HA_ERR_GENERIC = 168;
export const ER_GET_ERRNO = 1030;
/** UNVERIFIED numbers for the tablespace-exists path (my_base.h / errmsg not read for them). */
export const HA_ERR_TABLESPACE_EXISTS = 184;
export const ER_TABLESPACE_EXISTS = 1813;

export interface HandlerError {
  readonly code: number;
  readonly name: "HA_ERR_GENERIC" | "HA_ERR_TABLESPACE_EXISTS";
}

export interface ClientError {
  readonly code: number;
  readonly sqlstate: "HY000";
  readonly name: "ER_GET_ERRNO" | "ER_TABLESPACE_EXISTS";
  readonly message: string;
  /** As the mysql command-line client prints it. */
  readonly text: string;
}

/** Where in InnoDB the failing call was made. */
export type FailurePoint = "create" | "open" | "startup";

type Level = "ERROR" | "Note" | "Warning";

/** Formats one InnoDB error-log line the way the version prints it (no timestamp, no thread id). */
export function innodbLogLine(version: InnodbVersion, level: Level, code: string, text: string): string {
  if (version === "5.7") return `[${level}] InnoDB: ${text}`;
  return `[${level}] [${code}] [InnoDB] ${text}`;
}

/** os_file_lock()'s own line. */
export function unableToLockLine(version: InnodbVersion, file: string, errno: number): string {
  return innodbLogLine(version, "ERROR", "MY-012574", `Unable to lock ${file} error: ${errno}`);
}

/** os_file_lock()'s hint after EAGAIN/EACCES (another process holds the lock). */
export function anotherMysqldNote(version: InnodbVersion): string {
  return innodbLogLine(
    version,
    "Note",
    "MY-012575",
    "Check that you do not already have another mysqld process using the same InnoDB data or log files.",
  );
}

/**
 * os_file_get_last_error_low(true) (os0file.cc, 5.7.35 and 8.0.27 alike): the line naming the OS
 * error, then for ENOENT and EACCES InnoDB's own explanation (ER_IB_MSG_768 / 769 / 770), for any
 * other errno "Error number N means '<strerror>'" (ER_IB_MSG_771). The "If you are installing
 * InnoDB" line is printed only while srv_is_being_started. 8.0 codes counted in
 * share/messages_to_error_log.txt from 10000 (ER_IB_MSG_767 = MY-012592 ... 771 = MY-012596).
 */
export function osErrorLines(version: InnodbVersion, e: ErrnoInfo, starting = false): string[] {
  const first = innodbLogLine(version, "ERROR", "MY-012592", `Operating system error number ${e.errno} in a file operation.`);
  if (e.errnoName === "ENOENT") {
    return [
      first,
      innodbLogLine(version, "ERROR", "MY-012593", "The error means the system cannot find the path specified."),
      ...(starting ? [innodbLogLine(version, "ERROR", "MY-012594", "If you are installing InnoDB, remember that you must create directories yourself, InnoDB does not create them.")] : []),
    ];
  }
  if (e.errnoName === "EACCES") return [first, innodbLogLine(version, "ERROR", "MY-012595", "The error means mysqld does not have the access rights to the directory.")];
  return [first, innodbLogLine(version, "ERROR", "MY-012596", `Error number ${e.errno} means '${e.strerror}'`)];
}

/** The caller's line: what InnoDB was trying to do with the file. */
export function failedActionLine(version: InnodbVersion, point: FailurePoint, file: string): string {
  switch (point) {
    case "create":
      return innodbLogLine(version, "ERROR", "MY-012126", `Cannot create file '${file}'`);
    case "startup":
      // 8.0 text and code from public 8.0 logs ("Cannot open datafile './ibdata1'"); 5.7 wording UNVERIFIED.
      return innodbLogLine(version, "ERROR", "MY-012215", `Cannot open datafile '${file}'`);
    case "open":
      // fil_node_open_file() failing to reopen a tablespace: wording and 8.0 code UNVERIFIED.
      return innodbLogLine(version, "ERROR", "MY-012146", `Cannot open '${file}'`);
  }
}

/**
 * fil_ibd_create() when O_EXCL finds the file left behind by an earlier failed CREATE TABLE.
 * Text from the 5.7 fil0fil.cc (ib::error); 8.0 prints an ib::info with a shorter text and its
 * code is not checked: 8.0 code and wording UNVERIFIED.
 */
export function tablespaceExistsLine(version: InnodbVersion, file: string): string {
  return innodbLogLine(
    version,
    "ERROR",
    "MY-012127" /* UNVERIFIED */,
    `The file '${file}' already exists though the corresponding table did not exist in the InnoDB data ` +
      `dictionary. Have you moved InnoDB .ibd files around without using the SQL commands DISCARD TABLESPACE ` +
      `and IMPORT TABLESPACE, or did mysqld crash in the middle of CREATE TABLE? You can resolve the problem ` +
      `by removing the file '${file}' under the 'datadir' of MySQL.`,
  );
}

export function genericHandlerError(): HandlerError {
  return { code: HA_ERR_GENERIC, name: "HA_ERR_GENERIC" };
}

/** ER_GET_ERRNO for a handler error code, as handler::print_error() words it in each version. */
export function getErrnoClientError(version: InnodbVersion, handlerCode: number): ClientError {
  const message =
    version === "5.7"
      ? `Got error ${handlerCode} from storage engine`
      : `Got error ${handlerCode} - '${handlerErrorText(handlerCode)}' from storage engine`;
  return { code: ER_GET_ERRNO, sqlstate: "HY000", name: "ER_GET_ERRNO", message, text: `ERROR ${ER_GET_ERRNO} (HY000): ${message}` };
}

/** UNVERIFIED: the tablespace-exists client error (numbers and wording not read from source). */
export function tablespaceExistsClientError(tablespace: string): ClientError {
  const message = `Tablespace '${tablespace}' exists.`;
  return { code: ER_TABLESPACE_EXISTS, sqlstate: "HY000", name: "ER_TABLESPACE_EXISTS", message, text: `ERROR ${ER_TABLESPACE_EXISTS} (HY000): ${message}` };
}

function handlerErrorText(code: number): string {
  if (code === HA_ERR_GENERIC) return "Unknown (generic) error from engine";
  throw new Error(`no text modelled for handler error ${code}`);
}
