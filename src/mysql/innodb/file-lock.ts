// InnoDB's data-file locks: os_file_lock() on every file InnoDB opens read-write, modelled on a
// simulated machine (src/machine/fs). Pure and synchronous: each call performs the system calls
// InnoDB would make, in order, and returns either ok or the full error chain.
//
// API (for the SQL layer to call from simulated statements):
//
//   const files = new InnodbFiles(vfs, pid, "5.7", innodbOpenFiles, { datadir: "/var/lib/mysql" });
//   files.startup()                      server start: opens and locks the system files of the version
//   files.createTable("testdb", "t1")    CREATE TABLE (file-per-table: create .ibd, lock, close, reopen, lock)
//   files.createTable("db", "t", { tablespace: "ts1" })   CREATE TABLE ... TABLESPACE ts1 (no new file)
//   files.createTablespace("ts1")        CREATE TABLESPACE ts1 ADD DATAFILE 'ts1.ibd'
//   files.openTable("testdb", "t1")      first statement touching a table whose file is closed (SELECT ...)
//   files.closeTable("testdb", "t1")     InnoDB closes the file (fil_node_close_file), e.g. LRU eviction
//   files.dropTable("testdb", "t1")      DROP TABLE: close + unlink
//
// Every failing call returns { ok: false, error } where error carries the errno from open()/fcntl(),
// the InnoDB error-log lines, the InnoDB dberr_t, the handler error and the client error (code,
// SQLSTATE, message) exactly as the modelled version prints them (file-lock-messages.ts).
//
// What InnoDB does, and where it is read (storage/innobase, mysql/mysql-server):
//   - os_file_create_func() (os/os0file.cc) opens the file, then, unless read-only or a raw device,
//     calls os_file_lock(): fcntl(fd, F_SETLK, {F_WRLCK, SEEK_SET, 0, 0}) on the whole file. If the lock
//     fails it close()s the fd and reports failure; the file it just created stays on disk.
//   - fil_ibd_create() (fil/fil0fil.cc) creates a file-per-table .ibd with O_CREAT|O_EXCL through
//     os_file_create(), writes its first pages and closes it; the tablespace is opened again (and
//     locked again) by fil_node_open_file() when InnoDB first needs it. This is why the seed's strace
//     shows two fcntl(44, F_SETLK, F_WRLCK) per CREATE TABLE on the same fd number.
//   - On failure fil_ibd_create() calls os_file_get_last_error(true) (prints the OS error), logs
//     "Cannot create file" and returns DB_ERROR (DB_TABLESPACE_EXISTS for EEXIST, DB_OUT_OF_FILE_SPACE
//     for ENOSPC); convert_error_code_to_mysql() maps DB_ERROR to HA_ERR_GENERIC (168).
//   - fil_system keeps at most innodb_open_files tablespace files open and closes the least recently
//     used file-per-table files beyond that (fil_node_close_file). close() releases the process's lock
//     on the file (POSIX), so a closed .ibd holds no lock pair; reopening locks it again. The system
//     tablespace, redo, undo and temporary files are never closed this way.
//   - The SQL layer's table cache (table_open_cache) closing a handler does NOT close the .ibd; only
//     fil_system does (UNVERIFIED as a blanket statement; it is what ha_innobase::close() suggests).

import type { ErrnoInfo } from "../../machine/fs/errno.js";
import type { SysResult, Vfs } from "../../machine/fs/vfs.js";
import {
  anotherMysqldNote,
  failedActionLine,
  genericHandlerError,
  getErrnoClientError,
  HA_ERR_TABLESPACE_EXISTS,
  osErrorLines,
  tablespaceExistsClientError,
  tablespaceExistsLine,
  unableToLockLine,
  type ClientError,
  type FailurePoint,
  type HandlerError,
  type InnodbVersion,
} from "./file-lock-messages.js";

export { INNODB_VERSIONS, type InnodbVersion, type ClientError, type HandlerError } from "./file-lock-messages.js";

/** The error chain of one failed file operation, from the system call up to the client. */
export interface InnodbFileError {
  /** The system call that failed: "open" (O_CREAT|O_EXCL or O_RDWR) or "fcntl" (F_SETLK F_WRLCK). */
  readonly syscall: "open" | "fcntl";
  /** The file as InnoDB names it in the log (relative to the datadir, e.g. "./testdb/t1.ibd"). */
  readonly file: string;
  readonly errno: number;
  readonly errnoName: ErrnoInfo["errnoName"];
  readonly strerror: string;
  /** The [ERROR] lines InnoDB writes, in order (what the seed's `docker logs` shows). */
  readonly innodbLog: readonly string[];
  /** Informational lines InnoDB writes besides (e.g. "Check that you do not already have another mysqld ..."). */
  readonly innodbNotes: readonly string[];
  /** The first [ERROR] line: os_file_lock()'s "Unable to lock ..." when the lock failed. */
  readonly innodbLogLine: string;
  readonly dbError: "DB_ERROR" | "DB_TABLESPACE_EXISTS";
  /** Null at startup: no statement, no handler. */
  readonly handlerError: HandlerError | null;
  readonly clientError: ClientError | null;
}

export type FileLockResult = { readonly ok: true } | { readonly ok: false; readonly error: InnodbFileError };

export interface StartupResult {
  readonly ok: boolean;
  /** Files opened and locked, in order, as InnoDB names them. */
  readonly lockedFiles: readonly string[];
  readonly error?: InnodbFileError;
}

export interface InnodbFilesOptions {
  /** Absolute datadir on the simulated machine; default /var/lib/mysql. */
  readonly datadir?: string;
  /** innodb_file_per_table; default ON (as in 5.6.6 and later). OFF puts new tables in ibdata1. */
  readonly filePerTable?: boolean;
}

export interface CreateTableOptions {
  /** CREATE TABLE ... TABLESPACE <name>: a general tablespace made by createTablespace(). */
  readonly tablespace?: string;
}

/** What kind of file a tablespace file is: only "table" and "general" files are ever closed by the LRU. */
type SpaceKind = "system" | "table" | "general";

interface SpaceFile {
  readonly file: string; // "./testdb/t1.ibd"
  readonly kind: SpaceKind;
  fd: number | null;
}

interface TableEntry {
  /** The tablespace file the table lives in; "./ibdata1" with innodb_file_per_table=OFF. */
  readonly file: string;
}

/**
 * The system files InnoDB opens (and so locks) at startup, per version.
 * 5.7: exactly the 16 files of the seed's `lslocks` (MySQL 5.7.21 docker image): ibdata1, ib_logfile0/1,
 *      ibtmp1 and the 12 InnoDB tables of the mysql schema (the rest of the 5.7 mysql schema is MyISAM).
 * 8.0: ibdata1, ib_logfile0/1, ibtmp1, undo_001/undo_002 (the two default undo tablespaces since 8.0.14),
 *      mysql.ibd (the data dictionary tablespace) and the pool of 10 session temporary tablespaces
 *      #innodb_temp/temp_1..10.ibt (8.0.16+) = 17. Which of these are open and locked at once is
 *      UNVERIFIED (no lslocks of an 8.0 server was read); the list follows the documented file set.
 * 8.0.30: the redo log moves to #innodb_redo/#ib_redoN (seen in public 8.0/8.4 logs); how many redo
 *      files are open at once is UNVERIFIED; one (the current file) is modelled = 16.
 */
export function systemFiles(version: InnodbVersion): readonly string[] {
  const mysql57 = [
    "plugin", "innodb_table_stats", "innodb_index_stats", "gtid_executed", "server_cost", "engine_cost",
    "time_zone_leap_second", "servers", "time_zone_name", "time_zone", "time_zone_transition", "time_zone_transition_type",
  ].map((t) => `./mysql/${t}.ibd`);
  const temp80 = Array.from({ length: 10 }, (_, i) => `./#innodb_temp/temp_${i + 1}.ibt`);
  switch (version) {
    case "5.7":
      return ["./ibdata1", "./ib_logfile0", "./ib_logfile1", "./ibtmp1", ...mysql57];
    case "8.0":
      return ["./ibdata1", "./ib_logfile0", "./ib_logfile1", "./ibtmp1", "./undo_001", "./undo_002", "./mysql.ibd", ...temp80];
    case "8.0.30":
      return ["./ibdata1", "./#innodb_redo/#ib_redo0", "./ibtmp1", "./undo_001", "./undo_002", "./mysql.ibd", ...temp80];
  }
}

/** 5.7's mysql/*.ibd are ordinary file-per-table tablespaces, so fil_system may close them. */
function systemFileKind(file: string): SpaceKind {
  return file.startsWith("./mysql/") ? "table" : "system";
}

export class InnodbFiles {
  readonly version: InnodbVersion;
  readonly pid: number;
  readonly innodbOpenFiles: number;
  private readonly vfs: Vfs;
  private readonly datadir: string;
  private readonly filePerTable: boolean;
  private readonly spaces = new Map<string, SpaceFile>();
  /** Open closable files, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<string, SpaceFile>();
  private readonly tables = new Map<string, TableEntry>();
  private started = false;

  constructor(vfs: Vfs, pid: number, version: InnodbVersion, innodbOpenFiles: number, options: InnodbFilesOptions = {}) {
    if (!Number.isInteger(innodbOpenFiles) || innodbOpenFiles < 1) throw new Error(`innodb_open_files must be a positive integer, got ${innodbOpenFiles}`);
    this.vfs = vfs;
    this.pid = pid;
    this.version = version;
    this.innodbOpenFiles = innodbOpenFiles;
    this.datadir = options.datadir ?? "/var/lib/mysql";
    this.filePerTable = options.filePerTable ?? true;
    if (!vfs.hasProcess(pid)) vfs.spawn(pid);
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Opens and locks the version's system files (creating them on first start). Stops at the first failure. */
  startup(): StartupResult {
    if (this.started) throw new Error("InnoDB is already started");
    const locked: string[] = [];
    for (const file of systemFiles(this.version)) {
      const space: SpaceFile = { file, kind: systemFileKind(file), fd: null };
      this.spaces.set(file, space);
      const opened = this.openAndLock(space, !this.vfs.exists(this.path(file)), "startup");
      if (!opened.ok) return { ok: false, lockedFiles: locked, error: opened.error };
      locked.push(file);
    }
    this.started = true;
    return { ok: true, lockedFiles: locked };
  }

  /** CREATE TABLE db.name [TABLESPACE ts]. */
  createTable(db: string, name: string, options: CreateTableOptions = {}): FileLockResult {
    this.requireStarted();
    const key = tableKey(db, name);
    if (this.tables.has(key)) throw new Error(`table ${key} already exists`);
    if (options.tablespace !== undefined) {
      const file = generalFile(options.tablespace);
      if (!this.spaces.has(file)) throw new Error(`tablespace ${options.tablespace} does not exist`);
      const opened = this.ensureOpen(file);
      if (!opened.ok) return opened;
      this.tables.set(key, { file });
      return OK;
    }
    if (!this.filePerTable) {
      this.tables.set(key, { file: "./ibdata1" });
      return OK;
    }
    const file = `./${db}/${name}.ibd`;
    const created = this.createSpaceFile(file, "table", `${db}/${name}`);
    if (!created.ok) return created;
    this.tables.set(key, { file });
    return OK;
  }

  /** CREATE TABLESPACE name ADD DATAFILE 'name.ibd' (a general tablespace in the datadir). */
  createTablespace(name: string): FileLockResult {
    this.requireStarted();
    const file = generalFile(name);
    if (this.spaces.has(file)) throw new Error(`tablespace ${name} already exists`);
    return this.createSpaceFile(file, "general", name);
  }

  /** The first access to a table whose tablespace file is closed opens and locks it again. */
  openTable(db: string, name: string): FileLockResult {
    this.requireStarted();
    return this.ensureOpen(this.table(db, name).file);
  }

  /** fil_node_close_file() on the table's file; returns whether a file was closed. */
  closeTable(db: string, name: string): boolean {
    this.requireStarted();
    const space = this.spaces.get(this.table(db, name).file)!;
    if (space.kind === "system" || space.fd === null) return false;
    this.closeSpace(space);
    return true;
  }

  /** DROP TABLE: the file-per-table file is closed and unlinked; shared tablespaces stay. */
  dropTable(db: string, name: string): FileLockResult {
    this.requireStarted();
    const key = tableKey(db, name);
    const entry = this.table(db, name);
    this.tables.delete(key);
    const space = this.spaces.get(entry.file)!;
    if (space.kind !== "table") return OK;
    if (space.fd !== null) this.closeSpace(space);
    this.spaces.delete(entry.file);
    const unlinked = this.vfs.unlink(this.pid, this.path(entry.file));
    if (!unlinked.ok) throw new Error(`unlink ${entry.file}: ${unlinked.error.errnoName}`);
    return OK;
  }

  // ---- queries ------------------------------------------------------------------------------

  /** InnoDB's open files, as it names them, sorted. */
  openFiles(): string[] {
    return [...this.spaces.values()].filter((s) => s.fd !== null).map((s) => s.file).sort();
  }

  isOpen(db: string, name: string): boolean {
    return (this.spaces.get(this.table(db, name).file)?.fd ?? null) !== null;
  }

  hasTable(db: string, name: string): boolean {
    return this.tables.has(tableKey(db, name));
  }

  // ---- internals ----------------------------------------------------------------------------

  /** fil_ibd_create() then fil_node_open_file(): create+lock, close, open+lock. */
  private createSpaceFile(file: string, kind: "table" | "general", tablespaceName: string): FileLockResult {
    this.makeRoomForOneMore();
    const created = this.vfs.open(this.pid, this.path(file), { create: true, exclusive: true });
    if (!created.ok) {
      if (created.error.errnoName === "EEXIST") return { ok: false, error: this.tablespaceExists(file, created.error, tablespaceName) };
      return { ok: false, error: this.chain("open", file, created.error, "create") };
    }
    const locked = this.vfs.fcntlSetlk(this.pid, created.value, "F_WRLCK");
    if (!locked.ok) {
      mustSucceed(this.vfs.close(this.pid, created.value), "close after failed lock");
      return { ok: false, error: this.chain("fcntl", file, locked.error, "create") };
    }
    mustSucceed(this.vfs.close(this.pid, created.value), "close after create");
    const space: SpaceFile = { file, kind, fd: null };
    this.spaces.set(file, space);
    return this.ensureOpen(file);
  }

  private ensureOpen(file: string): FileLockResult {
    const space = this.spaces.get(file)!;
    if (space.fd !== null) {
      this.touch(space);
      return OK;
    }
    this.makeRoomForOneMore();
    return this.openAndLock(space, false, "open");
  }

  /** os_file_create_func(): open, then os_file_lock(); on lock failure close the fd. */
  private openAndLock(space: SpaceFile, create: boolean, point: FailurePoint): FileLockResult {
    const opened = this.vfs.open(this.pid, this.path(space.file), { create, exclusive: create });
    if (!opened.ok) return { ok: false, error: this.chain("open", space.file, opened.error, point) };
    const locked = this.vfs.fcntlSetlk(this.pid, opened.value, "F_WRLCK");
    if (!locked.ok) {
      mustSucceed(this.vfs.close(this.pid, opened.value), "close after failed lock");
      return { ok: false, error: this.chain("fcntl", space.file, locked.error, point) };
    }
    space.fd = opened.value;
    if (space.kind !== "system") this.lru.set(space.file, space);
    return OK;
  }

  /** fil_system's LRU: close least recently used closable files while innodb_open_files would be exceeded. */
  private makeRoomForOneMore(): void {
    let open = this.openFiles().length;
    for (const space of [...this.lru.values()]) {
      if (open < this.innodbOpenFiles) return;
      this.closeSpace(space);
      open -= 1;
    }
    // Only system files left: InnoDB goes over innodb_open_files rather than fail (it is a soft limit).
  }

  private closeSpace(space: SpaceFile): void {
    mustSucceed(this.vfs.close(this.pid, space.fd!), `close ${space.file}`);
    space.fd = null;
    this.lru.delete(space.file);
  }

  private touch(space: SpaceFile): void {
    if (!this.lru.delete(space.file)) return;
    this.lru.set(space.file, space);
  }

  private chain(syscall: "open" | "fcntl", file: string, e: ErrnoInfo, point: FailurePoint): InnodbFileError {
    const log: string[] = [];
    const notes: string[] = [];
    if (syscall === "fcntl") {
      log.push(unableToLockLine(this.version, file, e.errno));
      if (e.errnoName === "EAGAIN" || e.errnoName === "EACCES") notes.push(anotherMysqldNote(this.version));
    }
    log.push(...osErrorLines(this.version, e, point === "startup"), failedActionLine(this.version, point, file));
    const statement = point !== "startup";
    return {
      syscall,
      file,
      errno: e.errno,
      errnoName: e.errnoName,
      strerror: e.strerror,
      innodbLog: log,
      innodbNotes: notes,
      innodbLogLine: log[0]!,
      dbError: "DB_ERROR",
      handlerError: statement ? genericHandlerError() : null,
      clientError: statement ? getErrnoClientError(this.version, genericHandlerError().code) : null,
    };
  }

  /** The .ibd left behind by an earlier failed CREATE TABLE makes O_EXCL fail (client side UNVERIFIED). */
  private tablespaceExists(file: string, e: ErrnoInfo, tablespaceName: string): InnodbFileError {
    const log = [...osErrorLines(this.version, e), failedActionLine(this.version, "create", file), tablespaceExistsLine(this.version, file)];
    return {
      syscall: "open",
      file,
      errno: e.errno,
      errnoName: e.errnoName,
      strerror: e.strerror,
      innodbLog: log,
      innodbNotes: [],
      innodbLogLine: log[0]!,
      dbError: "DB_TABLESPACE_EXISTS",
      handlerError: { code: HA_ERR_TABLESPACE_EXISTS, name: "HA_ERR_TABLESPACE_EXISTS" },
      clientError: tablespaceExistsClientError(tablespaceName),
    };
  }

  private table(db: string, name: string): TableEntry {
    const entry = this.tables.get(tableKey(db, name));
    if (entry === undefined) throw new Error(`table ${db}.${name} does not exist`);
    return entry;
  }

  private path(file: string): string {
    return `${this.datadir}/${file.slice(2)}`;
  }

  private requireStarted(): void {
    if (!this.started) throw new Error("InnoDB is not started: call startup() first");
  }
}

const OK: FileLockResult = { ok: true };

function tableKey(db: string, name: string): string {
  return `${db}/${name}`;
}

function generalFile(tablespace: string): string {
  return `./${tablespace}.ibd`;
}

function mustSucceed(result: SysResult<unknown>, what: string): void {
  if (!result.ok) throw new Error(`${what} failed unexpectedly: ${result.error.errnoName}`);
}
