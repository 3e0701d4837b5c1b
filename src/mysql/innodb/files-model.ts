// The InnoDB file-lock model (file-lock.ts on src/machine/fs) attached to a running scenario.
//
// Active only when the scenario's `machine:` block names a `filesystem`, `inject` rules or
// `other_processes`; otherwise nothing is registered and a run is exactly as before (MDL and CPU
// scenarios keep their traces). When active:
//
//   - a Vfs with "/" on a local disk and the datadir's mount: local (datadir /var/lib/mysql), nfs
//     (/mnt/nfs, datadir /mnt/nfs/mysql) or efs (/mnt/efs, datadir /mnt/efs/mysql, 256 lock pairs);
//   - at time 0 a "mysqld" thread starts: the other processes (pids 2, 3 ...) open and lock their
//     `locked_files` files on the same mount, then InnoDB starts (pid 1, the system files of the
//     version are created, opened and locked), the setup's tables get their .ibd files (closed),
//     and the inject rules are attached to mysqld (as `strace -p PID` on a running server: InnoDB's
//     startup calls are not counted). Statements wait for this ("ready for connections") in a
//     gate model put first in the model list, so they take no locks before it;
//   - if startup fails, mysqld aborts: its process exits (its locks go), the InnoDB lines are in the
//     error log, and every statement fails as a client that cannot connect: CR_CONNECTION_ERROR
//     2002 "Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)"
//     (metric innodb_started = 0, refused_statements counts them);
//   - CREATE TABLE and DROP TABLE: this model does their work (createTable / dropTable) and keeps
//     the catalog (server.addTable / delete); a failure throws the version's client error
//     (ER_GET_ERRNO 1030 with the 5.7 or 8.0 text) and writes InnoDB's lines to the error log;
//   - any statement that opens tables (SELECT, INSERT, UPDATE, DELETE, LOCK TABLES, HANDLER, ALTER,
//     TRUNCATE) opens (and locks) each table's closed .ibd file: openTable, with InnoDB's
//     innodb_open_files LRU closing files first;
//   - every system call is traced as an `io` record labelled like an strace line and takes a small
//     I/O time (not calibrated; per file system below). The file-system state changes at once
//     when InnoDB makes the call; the I/O time passes after it (no interleaving inside a call).
//
// Error log: server.ext.errorLog (string[]), `error_log` trace records (o: the file, d.lines) and
// one `note` record per line (the narrative prints notes). Other trace kinds: `other_process`,
// `innodb_started`, `mysqld_abort`. Metrics (counters):
// tables_created, create_table_errors, table_open_errors, innodb_file_opens (re-opens of closed
// .ibd files), lock_pairs (pairs held on the datadir's mount at the end, all processes),
// lock_pairs_peak, innodb_files_open, innodb_started (1/0), refused_statements.
// docs/file-locks.md, "Running it as a scenario".

import type { Effect, SimThread } from "../../kernel/thread.js";
import type { Thd } from "../thd.js";
import { US, type Ns } from "../../kernel/time.js";
import { OsEvent } from "../../sync/os-event.js";
import { efsFs, localFs, nfsFs, type FileSystemSpec, type FsKind } from "../../machine/fs/filesystem.js";
import { parseInjectExpression, type InjectSpec } from "../../machine/fs/strace.js";
import { Vfs, type LockType, type OpenFlags, type SysResult } from "../../machine/fs/vfs.js";
import { errorDef, MysqlError, type ErrorDef } from "../errors.js";
import type { Server } from "../server.js";
import { models, registerModel, type StatementModel } from "../sql/execute.js";
import type { Statement, TableRef } from "../sql/parse.js";
import { InnodbFiles, type InnodbFileError, type InnodbVersion } from "./file-lock.js";

/** The scenario's `machine:` block, as far as this model reads it (structurally the loader's type). */
export interface MachineSpec {
  readonly filesystem?: string;
  readonly inject?: readonly { readonly syscall: string; readonly error: string; readonly when?: string | number }[];
  readonly other_processes?: readonly { readonly name: string; readonly locked_files: number }[];
}

/** One system call as strace would print it, with the I/O time it takes. */
export interface SyscallRecord {
  readonly pid: number;
  readonly line: string;
  readonly ok: boolean;
  readonly call: "open" | "close" | "fcntl" | "unlink";
}

/** What the model keeps in server.ext.innodbFiles, for tests and tools. */
export interface InnodbFilesState {
  readonly vfs: RecordingVfs;
  readonly files: InnodbFiles;
  readonly fs: FsKind;
  readonly mountPoint: string;
  readonly datadir: string;
  readonly mysqldPid: number;
  /** pid -> name of the other processes */
  readonly otherProcesses: ReadonlyMap<number, string>;
  started: boolean | null; // null: not yet
  startupError: InnodbFileError | null;
}

export const MYSQLD_PID = 1;
export const MYSQLD_SOCKET = "/var/run/mysqld/mysqld.sock";

/**
 * I/O time per system call by file system. NOT calibrated: local syscalls take microseconds; on
 * NFS and EFS open, lock (NFSv4 LOCK), close and unlink are server round trips (AWS describes EFS
 * metadata latency as low single-digit milliseconds; UNVERIFIED for these calls). The figures only
 * make time pass and order the trace.
 */
const IO_NS: Record<FsKind, Record<SyscallRecord["call"], Ns>> = {
  local: { open: 10 * US, fcntl: 2 * US, close: 2 * US, unlink: 10 * US },
  nfs: { open: 400 * US, fcntl: 400 * US, close: 200 * US, unlink: 400 * US },
  efs: { open: 1500 * US, fcntl: 1000 * US, close: 500 * US, unlink: 1500 * US },
};

/** CPU time of the dictionary work of CREATE/DROP TABLE (not calibrated). */
const CREATE_CPU_NS = 500 * US;
const DROP_CPU_NS = 200 * US;

/** libmysqlclient's error when mysqld is not running (errmsg.c) */
const CR_CONNECTION_ERROR: ErrorDef = errorDef("CR_CONNECTION_ERROR")!;
/** UNVERIFIED numbers and text (file-lock-messages.ts) */
const ER_TABLESPACE_EXISTS: ErrorDef = errorDef("ER_TABLESPACE_EXISTS")!;

/** A Vfs that records each system call, strace-style, for the trace. */
export class RecordingVfs extends Vfs {
  readonly log: SyscallRecord[] = [];
  /** Highest number of lock pairs ever held on the watched mount. */
  peakPairs = 0;
  private watched: string | null = null;

  watch(mountPoint: string): void {
    this.watched = mountPoint;
  }

  override open(pid: number, path: string, flags: OpenFlags = {}): SysResult<number> {
    const r = super.open(pid, path, flags);
    const mode = flags.access === "r" ? "O_RDONLY" : flags.access === "w" ? "O_WRONLY" : "O_RDWR";
    const f = [mode, ...(flags.create ? ["O_CREAT"] : []), ...(flags.exclusive ? ["O_EXCL"] : [])].join("|");
    this.record(pid, "open", `open("${path}", ${f})`, r);
    return r;
  }

  override close(pid: number, fd: number): SysResult<void> {
    const r = super.close(pid, fd);
    this.record(pid, "close", `close(${fd})`, r);
    return r;
  }

  override unlink(pid: number, path: string): SysResult<void> {
    const r = super.unlink(pid, path);
    this.record(pid, "unlink", `unlink("${path}")`, r);
    return r;
  }

  override fcntlSetlk(pid: number, fd: number, type: LockType): SysResult<void> {
    const r = super.fcntlSetlk(pid, fd, type);
    this.record(pid, "fcntl", `fcntl(${fd}, F_SETLK, {l_type=${type}, l_whence=SEEK_SET, l_start=0, l_len=0})`, r);
    if (r.ok && this.watched !== null) this.peakPairs = Math.max(this.peakPairs, this.mountInfo(this.watched).lockPairs);
    return r;
  }

  /** Takes the calls recorded since the last drain. */
  drain(): SyscallRecord[] {
    return this.log.splice(0);
  }

  private record(pid: number, call: SyscallRecord["call"], text: string, r: SysResult<unknown>): void {
    const result = r.ok ? (typeof r.value === "number" ? String(r.value) : "0") : `-1 ${r.error.errnoName} (${r.error.strerror})`;
    this.log.push({ pid, call, line: `${text} = ${result}`, ok: r.ok });
  }
}

function fsSpec(kind: FsKind): FileSystemSpec {
  return kind === "efs" ? efsFs() : kind === "nfs" ? nfsFs() : localFs();
}

function innodbVersion(version: string): InnodbVersion {
  if (version === "5.7" || version.startsWith("5.7.")) return "5.7";
  if (version === "8.0" || version.startsWith("8.0.")) return "8.0";
  throw new Error(
    `the InnoDB file-lock model (machine: filesystem/inject/other_processes) covers MySQL 5.7 and 8.0; this scenario's version is ${version}`,
  );
}

function injectSpecs(machine: MachineSpec): InjectSpec[] {
  return (machine.inject ?? []).map((r) =>
    // strace's own syntax, so every mistake gets strace's message (unknown errno, bad when=)
    parseInjectExpression(`${r.syscall}:error=${r.error}${r.when === undefined ? "" : `:when=${String(r.when)}`}`),
  );
}

/** Is the model wanted for this machine block? */
export function filesModelActive(machine: MachineSpec | undefined): boolean {
  return machine !== undefined && (machine.filesystem !== undefined || (machine.inject?.length ?? 0) > 0 || (machine.other_processes?.length ?? 0) > 0);
}

/** Installs the file-lock model on a server (a no-op unless the machine block asks for it). */
export function installInnodbFiles(server: Server, machine: MachineSpec | undefined): void {
  if (!filesModelActive(machine)) return;
  const m = machine!;
  const kind = (m.filesystem ?? "local") as FsKind;
  if (!["local", "nfs", "efs"].includes(kind)) throw new Error(`machine.filesystem must be local, nfs or efs; got ${kind}`);
  const model = new InnodbFilesModel(server, m, kind);
  // Spawned now, at install: its `spawn` record comes before the runner's `scenario` record. (A
  // kernel.at(0) callback would run only once every thread at time 0 is parked, and the kernel
  // would call statements parked on `ready` a hang first.)
  server.kernel.spawn("mysqld", (t) => model.mysqld(t));
  // Until mysqld is "ready for connections" no statement gets anywhere: this gate runs before every
  // other model's hooks (it is put first in the list), so a statement waiting for startup, or
  // refused because startup failed, holds no metadata lock.
  models(server).unshift(new StartupGate(model));
  registerModel(server, model);
}

/**
 * The file-lock model of one server: mysqld's startup, InnoDB's table files and their I/O. A
 * class (methods made once), not a closure of generators made per run, which would keep the run
 * alive across minor GCs (src/scenario/run.ts ScriptRun says why).
 */
class InnodbFilesModel implements StatementModel {
  readonly name = "innodb_files";
  readonly state: InnodbFilesState;
  readonly ready: OsEvent;
  private readonly version: InnodbVersion;
  private readonly injections: InjectSpec[];
  private readonly vfs: RecordingVfs;
  private readonly files: InnodbFiles;
  private readonly mountPoint: string;
  private readonly datadir: string;
  private readonly others = new Map<number, string>();
  private readonly errorLog: string[];
  private readonly counters: Map<string, number>;

  constructor(
    readonly server: Server,
    private readonly m: MachineSpec,
    private readonly kind: FsKind,
  ) {
    this.version = innodbVersion(server.version);
    this.injections = injectSpecs(m);
    const vfs = (this.vfs = new RecordingVfs());
    const mountPoint = (this.mountPoint = kind === "local" ? "/" : `/mnt/${kind}`);
    const datadir = (this.datadir = kind === "local" ? "/var/lib/mysql" : `${mountPoint}/mysql`);
    vfs.mount("/", localFs());
    if (kind !== "local") vfs.mount(mountPoint, fsSpec(kind));
    vfs.watch(datadir);
    const files = (this.files = new InnodbFiles(vfs, MYSQLD_PID, this.version, server.vars.int("innodb_open_files"), {
      datadir,
      filePerTable: server.vars.bool("innodb_file_per_table"),
    }));
    this.state = { vfs, files, fs: kind, mountPoint, datadir, mysqldPid: MYSQLD_PID, otherProcesses: this.others, started: null, startupError: null };
    server.ext.innodbFiles = this.state;
    this.errorLog = (server.ext.errorLog as string[] | undefined) ??= [];
    this.ready = new OsEvent(server.kernel, "mysqld ready for connections");
    this.counters = server.metrics.counters;
    for (const c of ["tables_created", "create_table_errors", "table_open_errors", "innodb_file_opens", "refused_statements", "lock_pairs_peak", "lock_pairs", "innodb_files_open", "innodb_started"]) this.counters.set(c, 0);
  }

  /** Counters read from the file system after every change. */
  private refreshGauges(): void {
    this.counters.set("lock_pairs", this.vfs.mountInfo(this.datadir).lockPairs);
    this.counters.set("lock_pairs_peak", this.vfs.peakPairs);
    this.counters.set("innodb_files_open", this.state.started === false ? 0 : this.files.openFiles().length);
  }

  /** The I/O time of the calls just made, one traced `io` record per call. */
  private *replay(t: SimThread): Generator<Effect, void, unknown> {
    this.refreshGauges();
    for (const r of this.vfs.drain()) {
      const who = r.pid === MYSQLD_PID ? "" : `[pid ${r.pid} ${this.others.get(r.pid) ?? ""}] `;
      yield t.io(IO_NS[this.kind][r.call], `${who}${r.line}`);
    }
  }

  private log(t: SimThread, file: string, lines: readonly string[]): void {
    this.errorLog.push(...lines);
    t.trace("error_log", file, { lines });
    // the narrative prints `note` records: the error log shows up beside the statements
    for (const line of lines) t.trace("note", undefined, { text: `error log: ${line}` });
  }

  /** InnoDB's lines of a failed call, the hint (if any) right after os_file_lock()'s own line. */
  private logChain(t: SimThread, e: InnodbFileError): void {
    this.log(t, e.file, [e.innodbLog[0]!, ...e.innodbNotes, ...e.innodbLog.slice(1)]);
  }

  private clientError(e: InnodbFileError): MysqlError {
    const c = e.clientError!;
    return new MysqlError(errorDef(c.name) ?? (c.name === "ER_TABLESPACE_EXISTS" ? ER_TABLESPACE_EXISTS : errorDef("ER_GET_ERRNO")!), c.message);
  }

  // ---- mysqld: start at time 0
  *mysqld(t: SimThread): Generator<Effect, void, unknown> {
    const { vfs, files, state, kind, mountPoint, server, others } = this;
    let pid = MYSQLD_PID + 1;
    for (const p of this.m.other_processes ?? []) {
      const me = pid++;
      others.set(me, p.name);
      vfs.spawn(me);
      const dir = kind === "local" ? `/var/lib/${p.name}` : `${mountPoint}/${p.name}`;
      let held = 0;
      for (let k = 1; k <= p.locked_files; k++) {
        const fd = vfs.open(me, `${dir}/lock${k}`, { create: true });
        if (!fd.ok) break;
        if (!vfs.fcntlSetlk(me, fd.value, "F_WRLCK").ok) break;
        held++;
      }
      // already running when mysqld starts: their calls take no time and are summed up in one record
      vfs.drain();
      t.trace("other_process", p.name, { pid: me, locked_files: held, asked: p.locked_files });
    }
    const r = files.startup();
    yield* this.replay(t);
    if (!r.ok) {
      state.started = false;
      state.startupError = r.error!;
      this.logChain(t, r.error!);
      vfs.exit(MYSQLD_PID); // mysqld aborts: its descriptors and locks go
      vfs.drain();
      this.refreshGauges();
      t.trace("mysqld_abort", undefined, { locked_before_failure: r.lockedFiles.length });
      this.ready.set(t);
      return;
    }
    // Tables made by the scenario's setup exist on disk from an earlier life: their files are
    // created and closed, with no I/O time and no trace (and before any injection is attached).
    let adopted = 0;
    for (const def of server.tables.values()) {
      if (files.hasTable(def.db, def.name)) continue;
      if (files.createTable(def.db, def.name).ok) {
        files.closeTable(def.db, def.name);
        adopted++;
      } else t.trace("warning", `${def.db}.${def.name}`, { message: "setup table got no .ibd file (lock budget full at startup); the file model ignores it" });
    }
    vfs.drain();
    vfs.peakPairs = vfs.mountInfo(this.datadir).lockPairs;
    for (const spec of this.injections) vfs.inject(MYSQLD_PID, spec);
    state.started = true;
    this.counters.set("innodb_started", 1);
    this.refreshGauges();
    // 5.7: the seed's line; 8.0: its [System] line, abbreviated (the Version/socket/port tail is left out)
    this.log(t, "mysqld", [this.version === "5.7" ? "[Note] mysqld: ready for connections." : "[System] [MY-010931] [Server] mysqld: ready for connections."]);
    t.trace("innodb_started", undefined, { system_files: r.lockedFiles.length, setup_tables: adopted, injections: this.injections.length, lock_pairs: vfs.mountInfo(this.datadir).lockPairs });
    this.ready.set(t);
  }

  /** The catalog's spelling of a table (the files model keys on it). */
  private catalogName(r: TableRef): TableRef | null {
    const def = this.server.table(r.db, r.name);
    return def ? { db: def.db, name: def.name } : null;
  }

  private *openTables(t: SimThread, stmt: Statement): Generator<Effect, void, unknown> {
    const { files, server } = this;
    for (const ref of tablesOpenedBy(stmt)) {
      const name = this.catalogName(ref);
      if (!name || !files.hasTable(name.db, name.name)) continue;
      const wasOpen = files.isOpen(name.db, name.name);
      const r = files.openTable(name.db, name.name);
      if (!wasOpen && r.ok) server.metrics.add("innodb_file_opens");
      yield* this.replay(t);
      if (!r.ok) {
        server.metrics.add("table_open_errors");
        this.logChain(t, r.error);
        throw this.clientError(r.error);
      }
    }
  }

  private *createTable(t: SimThread, stmt: Extract<Statement, { kind: "create_table" }>): Generator<Effect, void, unknown> {
    const { server } = this;
    const { db, name } = stmt.table;
    if (server.table(db, name)) return; // IF NOT EXISTS on an existing table: a note, nothing done
    yield t.cpu(CREATE_CPU_NS, "create table");
    const r = this.files.createTable(db, name);
    yield* this.replay(t);
    if (!r.ok) {
      server.metrics.add("create_table_errors");
      this.logChain(t, r.error);
      throw this.clientError(r.error);
    }
    server.addTable({ db, name, columns: stmt.columns, parents: stmt.parents, rows: [] });
    server.metrics.add("tables_created");
    this.refreshGauges();
  }

  private *dropTables(t: SimThread, stmt: Extract<Statement, { kind: "drop_table" }>): Generator<Effect, void, unknown> {
    for (const ref of stmt.tables) {
      const name = this.catalogName(ref);
      if (!name) continue; // IF EXISTS (the locking model refused the statement otherwise)
      yield t.cpu(DROP_CPU_NS, "drop table");
      if (this.files.hasTable(name.db, name.name)) {
        this.files.dropTable(name.db, name.name);
        yield* this.replay(t);
      }
      this.server.tables.delete(`${name.db}.${name.name}`.toLowerCase());
    }
  }

  *before(t: SimThread, _thd: Thd, stmt: Statement): Generator<Effect, void, unknown> {
    // after the locking model's before: InnoDB opens a table's file once its MDL is granted
    yield* this.openTables(t, stmt);
  }

  *work(t: SimThread, _thd: Thd, stmt: Statement): Generator<Effect, boolean, unknown> {
    if (stmt.kind === "create_table") {
      yield* this.createTable(t, stmt);
      return true;
    }
    if (stmt.kind === "drop_table") {
      yield* this.dropTables(t, stmt);
      return true;
    }
    return false;
  }
}

/** The startup gate (first in the model list): a statement waits for mysqld's startup, or is refused when it failed. */
class StartupGate implements StatementModel {
  readonly name = "innodb_files_startup";

  constructor(private readonly files: InnodbFilesModel) {}

  *before(t: SimThread): Generator<Effect, void, unknown> {
    const state = this.files.state;
    if (state.started === null) yield t.acquire(this.files.ready, 0);
    if (state.started === false) {
      this.files.server.metrics.add("refused_statements");
      throw new MysqlError(CR_CONNECTION_ERROR, `Can't connect to local MySQL server through socket '${MYSQLD_SOCKET}' (2)`);
    }
  }
}

function tablesOpenedBy(stmt: Statement): TableRef[] {
  switch (stmt.kind) {
    case "select":
      return stmt.tables;
    case "insert":
    case "update":
    case "delete":
    case "alter_table":
    case "truncate_table":
      return [stmt.table];
    case "handler":
      return stmt.action === "close" ? [] : [stmt.table];
    case "lock_tables":
      return stmt.items.map((i) => i.table);
    default:
      return [];
  }
}
