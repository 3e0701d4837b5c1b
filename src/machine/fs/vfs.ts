// A synchronous model of the parts of a Linux machine's VFS that InnoDB's file locking touches:
// a mount table, processes with file-descriptor tables, open/close/dup/unlink, and POSIX advisory
// record locks taken with fcntl(F_SETLK) on whole files.
//
// Semantics followed (fcntl(2), "Advisory record locking"):
//   - Locks belong to a (process, file) pair, not to a descriptor. Locking again from the same
//     process replaces its lock (upgrade/downgrade) and adds no pair.
//   - Closing ANY descriptor of a file releases all of the process's locks on that file, even if
//     other descriptors (dup's or separate opens) stay open. Process exit closes every descriptor.
//   - A lock conflicting with another process's lock fails at once with EAGAIN (Linux returns EAGAIN
//     for F_SETLK; the man page allows EACCES too).
//   - F_WRLCK needs a descriptor open for writing, F_RDLCK one open for reading (else EBADF).
//   - RLIMIT_LOCKS is stored and ignored: getrlimit(2) documents it as enforced only by early Linux
//     2.4 kernels, and the seed confirms `--ulimit locks=25` did not stop 30 CREATE TABLEs.
// Quotas (EFS) are per mount entry; see filesystem.ts for their sources.
//
// Every mutating call ends by checking the invariants; a violation throws
// Error("fs invariant violated: ...") because it means the model itself is wrong.

import { errnoInfo, type ErrnoInfo, type ErrnoName } from "./errno.js";
import { LOCK_LIMIT_ERRNO, type FileSystemSpec } from "./filesystem.js";
import { Injection, type InjectSpec, type TracedSyscall } from "./strace.js";

export type SysResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrnoInfo };

export type LockType = "F_RDLCK" | "F_WRLCK" | "F_UNLCK";
export type AccessMode = "r" | "w" | "rw";

export interface OpenFlags {
  readonly access?: AccessMode; // default "rw"
  readonly create?: boolean; // O_CREAT
  readonly exclusive?: boolean; // O_EXCL (with create)
}

export interface MountInfo {
  readonly mountPoint: string;
  readonly spec: FileSystemSpec;
  readonly lockPairs: number;
  readonly openFiles: number;
}

/** One row of `lslocks`: who holds what on which file. */
export interface LockRow {
  readonly pid: number;
  readonly path: string; // "(deleted) <old name>" after unlink
  readonly type: "READ" | "WRITE";
  readonly mountPoint: string;
  /** Inode number: tells apart an unlinked file from a new one of the same name. */
  readonly inode: number;
}

interface Mount {
  readonly mountPoint: string;
  readonly spec: FileSystemSpec;
  lockPairs: number; // kept incrementally, recomputed by the invariant check
}

interface Inode {
  readonly id: number;
  readonly mount: Mount;
  name: string; // last path; kept after unlink for lslocks
  linked: boolean;
  openDescriptions: number;
}

interface OpenFileDescription {
  readonly inode: Inode;
  readonly access: AccessMode;
  refs: number; // descriptors pointing at it (dup)
}

interface Process {
  readonly pid: number;
  readonly fds: Map<number, OpenFileDescription>;
  readonly injections: Injection[];
  rlimitLocks: number | null;
}

const FIRST_FD = 3; // 0, 1, 2 are stdin/stdout/stderr

export class Vfs {
  private readonly mounts: Mount[] = [];
  private readonly names = new Map<string, Inode>();
  private readonly inodes = new Map<number, Inode>();
  private readonly processes = new Map<number, Process>();
  /** inode id -> (pid -> lock type); a whole-file lock per (process, file). */
  private readonly locks = new Map<number, Map<number, "F_RDLCK" | "F_WRLCK">>();
  private nextInode = 1;

  // ---- mount table -------------------------------------------------------------------------

  mount(mountPoint: string, spec: FileSystemSpec): void {
    const point = normalizePath(mountPoint);
    if (this.mounts.some((m) => m.mountPoint === point)) throw new Error(`mount: ${point} is already mounted`);
    this.mounts.push({ mountPoint: point, spec, lockPairs: 0 });
    // Longest mount point first so resolution picks the innermost mount.
    this.mounts.sort((a, b) => b.mountPoint.length - a.mountPoint.length || compare(a.mountPoint, b.mountPoint));
  }

  mountInfo(path: string): MountInfo {
    const m = this.resolveMount(normalizePath(path));
    return { mountPoint: m.mountPoint, spec: m.spec, lockPairs: m.lockPairs, openFiles: this.openFilesOn(m) };
  }

  mountTable(): MountInfo[] {
    return [...this.mounts]
      .sort((a, b) => compare(a.mountPoint, b.mountPoint))
      .map((m) => ({ mountPoint: m.mountPoint, spec: m.spec, lockPairs: m.lockPairs, openFiles: this.openFilesOn(m) }));
  }

  // ---- processes ----------------------------------------------------------------------------

  spawn(pid: number): void {
    if (this.processes.has(pid)) throw new Error(`spawn: pid ${pid} already exists`);
    this.processes.set(pid, { pid, fds: new Map(), injections: [], rlimitLocks: null });
  }

  exit(pid: number): void {
    const proc = this.proc(pid);
    for (const fd of [...proc.fds.keys()].sort((a, b) => a - b)) this.closeFd(proc, fd);
    this.processes.delete(pid);
    this.assertInvariants();
  }

  hasProcess(pid: number): boolean {
    return this.processes.has(pid);
  }

  /** setrlimit(RLIMIT_LOCKS): recorded, never enforced (Linux since 2.4). */
  setrlimitLocks(pid: number, limit: number | null): void {
    this.proc(pid).rlimitLocks = limit;
  }

  getrlimitLocks(pid: number): number | null {
    return this.proc(pid).rlimitLocks;
  }

  /** Attaches an strace-style injection to a process; its call counter starts now. */
  inject(pid: number, spec: InjectSpec): Injection {
    const injection = new Injection(spec);
    this.proc(pid).injections.push(injection);
    return injection;
  }

  detachInjections(pid: number): void {
    this.proc(pid).injections.length = 0;
  }

  // ---- system calls -------------------------------------------------------------------------

  open(pid: number, path: string, flags: OpenFlags = {}): SysResult<number> {
    const proc = this.proc(pid);
    const injected = this.injected(proc, "open");
    if (injected !== null) return injected;
    const name = normalizePath(path);
    let inode = this.names.get(name);
    if (inode !== undefined && flags.create === true && flags.exclusive === true) return fail("EEXIST");
    if (inode === undefined && flags.create !== true) return fail("ENOENT");
    const mount = inode?.mount ?? this.resolveMount(name);
    const alreadyOpen = inode !== undefined && inode.openDescriptions > 0;
    if (!alreadyOpen && mount.spec.maxOpenFiles !== null && this.openFilesOn(mount) >= mount.spec.maxOpenFiles) {
      return fail("EDQUOT");
    }
    if (inode === undefined) {
      inode = { id: this.nextInode++, mount, name, linked: true, openDescriptions: 0 };
      this.inodes.set(inode.id, inode);
      this.names.set(name, inode);
    }
    inode.openDescriptions += 1;
    const fd = lowestFreeFd(proc);
    proc.fds.set(fd, { inode, access: flags.access ?? "rw", refs: 1 });
    this.assertInvariants();
    return { ok: true, value: fd };
  }

  close(pid: number, fd: number): SysResult<void> {
    const proc = this.proc(pid);
    const injected = this.injected(proc, "close");
    if (injected !== null) return injected;
    if (!proc.fds.has(fd)) return fail("EBADF");
    this.closeFd(proc, fd);
    this.assertInvariants();
    return { ok: true, value: undefined };
  }

  dup(pid: number, fd: number): SysResult<number> {
    const proc = this.proc(pid);
    const ofd = proc.fds.get(fd);
    if (ofd === undefined) return fail("EBADF");
    ofd.refs += 1;
    const newFd = lowestFreeFd(proc);
    proc.fds.set(newFd, ofd);
    this.assertInvariants();
    return { ok: true, value: newFd };
  }

  unlink(pid: number, path: string): SysResult<void> {
    const proc = this.proc(pid);
    const injected = this.injected(proc, "unlink");
    if (injected !== null) return injected;
    const name = normalizePath(path);
    const inode = this.names.get(name);
    if (inode === undefined) return fail("ENOENT");
    this.names.delete(name);
    inode.linked = false;
    if (inode.openDescriptions === 0) this.inodes.delete(inode.id);
    this.assertInvariants();
    return { ok: true, value: undefined };
  }

  /** fcntl(fd, F_SETLK, {l_type, l_whence=SEEK_SET, l_start=0, l_len=0}): a whole-file lock, never waiting. */
  fcntlSetlk(pid: number, fd: number, type: LockType): SysResult<void> {
    const proc = this.proc(pid);
    const injected = this.injected(proc, "fcntl");
    if (injected !== null) return injected;
    const ofd = proc.fds.get(fd);
    if (ofd === undefined) return fail("EBADF");
    const inode = ofd.inode;
    const holders = this.locks.get(inode.id);
    if (type === "F_UNLCK") {
      this.dropLock(pid, inode);
      this.assertInvariants();
      return { ok: true, value: undefined };
    }
    if (type === "F_WRLCK" && ofd.access === "r") return fail("EBADF");
    if (type === "F_RDLCK" && ofd.access === "w") return fail("EBADF");
    for (const [holder, held] of holders ?? []) {
      if (holder !== pid && (type === "F_WRLCK" || held === "F_WRLCK")) return fail("EAGAIN");
    }
    if (holders?.has(pid) === true) {
      holders.set(pid, type); // same (process, file) pair: replaced, no new pair
      this.assertInvariants();
      return { ok: true, value: undefined };
    }
    const spec = inode.mount.spec;
    const overQuota =
      (spec.maxLockPairsPerMount !== null && inode.mount.lockPairs >= spec.maxLockPairsPerMount) ||
      (spec.maxLocksPerMount !== null && inode.mount.lockPairs >= spec.maxLocksPerMount) ||
      (spec.maxLocksPerFile !== null && (holders?.size ?? 0) >= spec.maxLocksPerFile);
    if (overQuota) return fail(LOCK_LIMIT_ERRNO[spec.lockLimitAnswer]);
    const map = holders ?? new Map<number, "F_RDLCK" | "F_WRLCK">();
    map.set(pid, type);
    this.locks.set(inode.id, map);
    inode.mount.lockPairs += 1;
    this.assertInvariants();
    return { ok: true, value: undefined };
  }

  // ---- queries ------------------------------------------------------------------------------

  exists(path: string): boolean {
    return this.names.has(normalizePath(path));
  }

  /** The path an open descriptor refers to (like readlink /proc/PID/fd/FD). */
  fdPath(pid: number, fd: number): string | null {
    const ofd = this.proc(pid).fds.get(fd);
    if (ofd === undefined) return null;
    return ofd.inode.linked ? ofd.inode.name : `${ofd.inode.name} (deleted)`;
  }

  openFds(pid: number): number[] {
    return [...this.proc(pid).fds.keys()].sort((a, b) => a - b);
  }

  /** All locks, sorted by pid then path: what `lslocks` prints. */
  lslocks(): LockRow[] {
    const rows: LockRow[] = [];
    for (const [inodeId, holders] of this.locks) {
      const inode = this.inodes.get(inodeId)!;
      for (const [pid, type] of holders) {
        rows.push({
          pid,
          path: inode.linked ? inode.name : `(deleted) ${inode.name}`,
          type: type === "F_WRLCK" ? "WRITE" : "READ",
          mountPoint: inode.mount.mountPoint,
          inode: inode.id,
        });
      }
    }
    return rows.sort((a, b) => a.pid - b.pid || compare(a.path, b.path) || a.inode - b.inode);
  }

  /** The (process, file) pairs holding a lock on the mount that contains `path`, as "pid:inode" keys. */
  lockPairsOn(path: string): string[] {
    const mount = this.resolveMount(normalizePath(path));
    return this.pairsOf(mount);
  }

  // ---- invariants ---------------------------------------------------------------------------

  assertInvariants(): void {
    for (const mount of this.mounts) {
      const pairs = this.pairsOf(mount).length;
      if (pairs !== mount.lockPairs) {
        violated(`mount ${mount.mountPoint} counts ${mount.lockPairs} lock pairs but ${pairs} (process, file) pairs hold a lock`);
      }
      const limit = mount.spec.maxLockPairsPerMount;
      if (limit !== null && pairs > limit) violated(`mount ${mount.mountPoint} has ${pairs} lock pairs, over its limit of ${limit}`);
      const maxLocks = mount.spec.maxLocksPerMount;
      if (maxLocks !== null && pairs > maxLocks) violated(`mount ${mount.mountPoint} has ${pairs} locks, over its limit of ${maxLocks}`);
    }
    // One pass over every descriptor: which (pid, inode) pairs are open, and how many distinct
    // open file descriptions each inode has.
    const openPairs = new Set<string>();
    const descriptions = new Map<Inode, Set<OpenFileDescription>>();
    for (const proc of this.processes.values()) {
      for (const ofd of proc.fds.values()) {
        openPairs.add(`${proc.pid}:${ofd.inode.id}`);
        const set = descriptions.get(ofd.inode) ?? new Set<OpenFileDescription>();
        set.add(ofd);
        descriptions.set(ofd.inode, set);
      }
    }
    for (const [inodeId, holders] of this.locks) {
      const inode = this.inodes.get(inodeId);
      if (inode === undefined) return violated(`a lock is held on inode ${inodeId}, which no longer exists`);
      if (holders.size === 0) violated(`inode ${inodeId} has an empty lock list`);
      let writers = 0;
      for (const t of holders.values()) if (t === "F_WRLCK") writers += 1;
      if (writers > 1 || (writers === 1 && holders.size > 1)) violated(`conflicting locks granted on ${inode.name}`);
      const perFile = inode.mount.spec.maxLocksPerFile;
      if (perFile !== null && holders.size > perFile) violated(`${inode.name} has ${holders.size} locks, over the per-file limit of ${perFile}`);
      for (const pid of holders.keys()) {
        if (!openPairs.has(`${pid}:${inodeId}`)) violated(`pid ${pid} holds a lock on ${inode.name} without an open descriptor for it`);
      }
    }
    for (const inode of this.inodes.values()) {
      const found = descriptions.get(inode)?.size ?? 0;
      if (found !== inode.openDescriptions) violated(`${inode.name} counts ${inode.openDescriptions} open descriptions, found ${found}`);
      if (!inode.linked && found === 0) violated(`unlinked ${inode.name} is neither open nor freed`);
    }
    for (const inode of descriptions.keys()) {
      if (this.inodes.get(inode.id) !== inode) violated(`a descriptor refers to freed inode ${inode.id} (${inode.name})`);
    }
    for (const mount of this.mounts) {
      const max = mount.spec.maxOpenFiles;
      if (max !== null && this.openFilesOn(mount) > max) violated(`mount ${mount.mountPoint} has more than ${max} files open`);
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private proc(pid: number): Process {
    const proc = this.processes.get(pid);
    if (proc === undefined) throw new Error(`no process with pid ${pid}`);
    return proc;
  }

  private injected(proc: Process, syscall: TracedSyscall): SysResult<never> | null {
    for (const injection of proc.injections) {
      const errno = injection.onCall(syscall);
      if (errno !== null) return fail(errno);
    }
    return null;
  }

  private closeFd(proc: Process, fd: number): void {
    const ofd = proc.fds.get(fd)!;
    proc.fds.delete(fd);
    this.dropLock(proc.pid, ofd.inode); // POSIX: any close drops the process's locks on the file
    ofd.refs -= 1;
    if (ofd.refs > 0) return;
    const inode = ofd.inode;
    inode.openDescriptions -= 1;
    if (inode.openDescriptions === 0 && !inode.linked) this.inodes.delete(inode.id);
  }

  private dropLock(pid: number, inode: Inode): void {
    const holders = this.locks.get(inode.id);
    if (holders === undefined || !holders.delete(pid)) return;
    inode.mount.lockPairs -= 1;
    if (holders.size === 0) this.locks.delete(inode.id);
  }

  private resolveMount(path: string): Mount {
    const mount = this.mounts.find((m) => m.mountPoint === "/" || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`));
    if (mount === undefined) throw new Error(`no file system mounted for ${path}`);
    return mount;
  }

  private openFilesOn(mount: Mount): number {
    let n = 0;
    for (const inode of this.inodes.values()) if (inode.mount === mount && inode.openDescriptions > 0) n += 1;
    return n;
  }

  private pairsOf(mount: Mount): string[] {
    const pairs: string[] = [];
    for (const [inodeId, holders] of this.locks) {
      const inode = this.inodes.get(inodeId);
      if (inode?.mount !== mount) continue;
      for (const pid of holders.keys()) pairs.push(`${pid}:${inodeId}`);
    }
    return pairs.sort(compare);
  }
}

function fail(name: ErrnoName): { ok: false; error: ErrnoInfo } {
  return { ok: false, error: errnoInfo(name) };
}

function violated(what: string): never {
  throw new Error(`fs invariant violated: ${what}`);
}

function lowestFreeFd(proc: Process): number {
  let fd = FIRST_FD;
  while (proc.fds.has(fd)) fd += 1;
  return fd;
}

/** Absolute, no trailing slash, no empty or "." segments; ".." is not modelled. */
export function normalizePath(path: string): string {
  if (!path.startsWith("/")) throw new Error(`path must be absolute: ${path}`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`".." is not modelled: ${path}`);
  return `/${parts.join("/")}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
