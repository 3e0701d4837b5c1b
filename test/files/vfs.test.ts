import { describe, expect, it } from "vitest";
import { efsFs, localFs, nfsFs, type FileSystemSpec } from "../../src/machine/fs/filesystem.js";
import { Vfs, type SysResult } from "../../src/machine/fs/vfs.js";

function machine(spec: FileSystemSpec = localFs(), point = "/data"): Vfs {
  const vfs = new Vfs();
  vfs.mount("/", localFs());
  if (point !== "/") vfs.mount(point, spec);
  return vfs;
}

function ok<T>(r: SysResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.errnoName}`);
  return r.value;
}

function errno<T>(r: SysResult<T>): string {
  if (r.ok) throw new Error("expected a failure");
  return r.error.errnoName;
}

describe("mount table", () => {
  it("resolves a path to its innermost mount", () => {
    const vfs = machine(efsFs(), "/mnt/efs");
    vfs.mount("/mnt/efs/nested", nfsFs());
    expect(vfs.mountInfo("/mnt/efs/a").spec.kind).toBe("efs");
    expect(vfs.mountInfo("/mnt/efs/nested/b").spec.kind).toBe("nfs");
    expect(vfs.mountInfo("/mnt/efsx/c").spec.kind).toBe("local");
    expect(vfs.mountTable().map((m) => m.mountPoint)).toEqual(["/", "/mnt/efs", "/mnt/efs/nested"]);
  });

  it("refuses to mount twice on one point and needs absolute paths", () => {
    const vfs = machine();
    expect(() => vfs.mount("/data/", localFs())).toThrow(/already mounted/);
    vfs.spawn(1);
    expect(() => vfs.open(1, "data/x", { create: true })).toThrow(/absolute/);
  });
});

describe("descriptors", () => {
  it("gives the lowest free descriptor from 3, O_EXCL fails with EEXIST, missing files with ENOENT", () => {
    const vfs = machine();
    vfs.spawn(1);
    expect(ok(vfs.open(1, "/data/a", { create: true }))).toBe(3);
    expect(ok(vfs.open(1, "/data/b", { create: true }))).toBe(4);
    ok(vfs.close(1, 3));
    expect(ok(vfs.open(1, "/data/a"))).toBe(3);
    expect(errno(vfs.open(1, "/data/a", { create: true, exclusive: true }))).toBe("EEXIST");
    expect(errno(vfs.open(1, "/data/nope"))).toBe("ENOENT");
    expect(errno(vfs.close(1, 99))).toBe("EBADF");
    expect(vfs.fdPath(1, 4)).toBe("/data/b");
  });

  it("keeps an unlinked file alive while it is open", () => {
    const vfs = machine();
    vfs.spawn(1);
    const fd = ok(vfs.open(1, "/data/a", { create: true }));
    ok(vfs.fcntlSetlk(1, fd, "F_WRLCK"));
    ok(vfs.unlink(1, "/data/a"));
    expect(vfs.exists("/data/a")).toBe(false);
    expect(vfs.fdPath(1, fd)).toBe("/data/a (deleted)");
    expect(vfs.lslocks()).toEqual([expect.objectContaining({ pid: 1, path: "(deleted) /data/a", type: "WRITE", mountPoint: "/data" })]);
    ok(vfs.close(1, fd));
    expect(vfs.lslocks()).toEqual([]);
  });
});

describe("POSIX record locks (fcntl F_SETLK, whole file)", () => {
  it("closing ANY descriptor of the file drops the process's lock, even a dup or a second open", () => {
    const vfs = machine();
    vfs.spawn(1);
    const a = ok(vfs.open(1, "/data/f", { create: true }));
    const b = ok(vfs.dup(1, a));
    ok(vfs.fcntlSetlk(1, a, "F_WRLCK"));
    ok(vfs.close(1, b));
    expect(vfs.lslocks()).toEqual([]);
    ok(vfs.fcntlSetlk(1, a, "F_WRLCK"));
    const c = ok(vfs.open(1, "/data/f"));
    ok(vfs.close(1, c));
    expect(vfs.lslocks()).toEqual([]);
    expect(vfs.openFds(1)).toEqual([a]);
  });

  it("a conflicting lock from another process fails with EAGAIN; readers share", () => {
    const vfs = machine();
    vfs.spawn(1);
    vfs.spawn(2);
    const f1 = ok(vfs.open(1, "/data/f", { create: true }));
    const f2 = ok(vfs.open(2, "/data/f"));
    ok(vfs.fcntlSetlk(1, f1, "F_WRLCK"));
    const denied = vfs.fcntlSetlk(2, f2, "F_RDLCK");
    expect(denied).toEqual({ ok: false, error: { errno: 11, errnoName: "EAGAIN", strerror: "Resource temporarily unavailable" } });
    ok(vfs.fcntlSetlk(1, f1, "F_RDLCK")); // downgrade, same pair
    ok(vfs.fcntlSetlk(2, f2, "F_RDLCK"));
    expect(errno(vfs.fcntlSetlk(2, f2, "F_WRLCK"))).toBe("EAGAIN");
    ok(vfs.fcntlSetlk(1, f1, "F_UNLCK"));
    ok(vfs.fcntlSetlk(2, f2, "F_WRLCK"));
    expect(vfs.lslocks().map((r) => [r.pid, r.type])).toEqual([[2, "WRITE"]]);
  });

  it("needs a descriptor open for writing to take F_WRLCK", () => {
    const vfs = machine();
    vfs.spawn(1);
    ok(vfs.open(1, "/data/f", { create: true }));
    const ro = ok(vfs.open(1, "/data/f", { access: "r" }));
    expect(errno(vfs.fcntlSetlk(1, ro, "F_WRLCK"))).toBe("EBADF");
    ok(vfs.fcntlSetlk(1, ro, "F_RDLCK"));
  });

  it("process exit releases every lock", () => {
    const vfs = machine(efsFs(), "/mnt/efs");
    vfs.spawn(7);
    for (let i = 0; i < 5; i++) ok(vfs.fcntlSetlk(7, ok(vfs.open(7, `/mnt/efs/f${i}`, { create: true })), "F_WRLCK"));
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(5);
    vfs.exit(7);
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(0);
    expect(vfs.hasProcess(7)).toBe(false);
  });

  it("RLIMIT_LOCKS is recorded and ignored, as on Linux since 2.4", () => {
    const vfs = machine();
    vfs.spawn(1);
    vfs.setrlimitLocks(1, 25);
    expect(vfs.getrlimitLocks(1)).toBe(25);
    for (let i = 0; i < 30; i++) ok(vfs.fcntlSetlk(1, ok(vfs.open(1, `/data/t${i}`, { create: true })), "F_WRLCK"));
    expect(vfs.lslocks()).toHaveLength(30);
  });
});

describe("EFS lock quotas", () => {
  it("allows 256 (process, file) pairs per mount and answers the 257th with EDQUOT", () => {
    const vfs = machine(efsFs(), "/mnt/efs");
    vfs.spawn(1);
    const fds: number[] = [];
    for (let i = 0; i < 256; i++) {
      const fd = ok(vfs.open(1, `/mnt/efs/f${i}`, { create: true }));
      ok(vfs.fcntlSetlk(1, fd, "F_WRLCK"));
      fds.push(fd);
    }
    const fd = ok(vfs.open(1, "/mnt/efs/f256", { create: true }));
    expect(vfs.fcntlSetlk(1, fd, "F_WRLCK")).toEqual({
      ok: false,
      error: { errno: 122, errnoName: "EDQUOT", strerror: "Disk quota exceeded" },
    });
    // Re-locking a file the process already locks adds no pair, so it still works at the limit.
    ok(vfs.fcntlSetlk(1, fds[0]!, "F_RDLCK"));
    ok(vfs.fcntlSetlk(1, fds[0]!, "F_WRLCK"));
    // Closing one file frees its pair.
    ok(vfs.close(1, fds[0]!));
    ok(vfs.fcntlSetlk(1, fd, "F_WRLCK"));
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(256);
  });

  it("counts pairs per mount: a local mount beside it is not affected", () => {
    const vfs = machine(efsFs({ maxLockPairsPerMount: 2 }), "/mnt/efs");
    vfs.spawn(1);
    for (let i = 0; i < 2; i++) ok(vfs.fcntlSetlk(1, ok(vfs.open(1, `/mnt/efs/f${i}`, { create: true })), "F_WRLCK"));
    expect(errno(vfs.fcntlSetlk(1, ok(vfs.open(1, "/mnt/efs/f2", { create: true })), "F_WRLCK"))).toBe("EDQUOT");
    ok(vfs.fcntlSetlk(1, ok(vfs.open(1, "/var/x", { create: true })), "F_WRLCK"));
  });

  it("the answer to a full lock table is a per-file-system setting", () => {
    for (const [answer, expected] of [
      ["NFS4ERR_DQUOT", "EDQUOT"],
      ["NFS4ERR_LOCKED", "EAGAIN"],
      ["NFS4ERR_SERVERFAULT", "EREMOTEIO"],
      ["ENOLCK", "ENOLCK"],
    ] as const) {
      const vfs = machine(efsFs({ maxLockPairsPerMount: 1, lockLimitAnswer: answer }), "/mnt/efs");
      vfs.spawn(1);
      ok(vfs.fcntlSetlk(1, ok(vfs.open(1, "/mnt/efs/a", { create: true })), "F_WRLCK"));
      expect(errno(vfs.fcntlSetlk(1, ok(vfs.open(1, "/mnt/efs/b", { create: true })), "F_WRLCK"))).toBe(expected);
    }
  });

  it("limits read locks on one file across processes (87 on EFS)", () => {
    const vfs = machine(efsFs({ maxLocksPerFile: 3 }), "/mnt/efs");
    for (let pid = 1; pid <= 4; pid++) vfs.spawn(pid);
    ok(vfs.open(1, "/mnt/efs/shared", { create: true }));
    for (let pid = 1; pid <= 3; pid++) ok(vfs.fcntlSetlk(pid, ok(vfs.open(pid, "/mnt/efs/shared")), "F_RDLCK"));
    expect(errno(vfs.fcntlSetlk(4, ok(vfs.open(4, "/mnt/efs/shared")), "F_RDLCK"))).toBe("EDQUOT");
    expect(efsFs().maxLocksPerFile).toBe(87);
  });

  it("fails open() with EDQUOT past the open-file quota", () => {
    const vfs = machine(efsFs({ maxOpenFiles: 2 }), "/mnt/efs");
    vfs.spawn(1);
    ok(vfs.open(1, "/mnt/efs/a", { create: true }));
    ok(vfs.open(1, "/mnt/efs/b", { create: true }));
    ok(vfs.open(1, "/mnt/efs/a")); // already open: not a new file
    expect(errno(vfs.open(1, "/mnt/efs/c", { create: true }))).toBe("EDQUOT");
  });

  it("plain NFS and local disks have no pair limit", () => {
    for (const spec of [nfsFs(), localFs()]) {
      const vfs = machine(spec, "/mnt/d");
      vfs.spawn(1);
      for (let i = 0; i < 1000; i++) ok(vfs.fcntlSetlk(1, ok(vfs.open(1, `/mnt/d/f${i}`, { create: true })), "F_WRLCK"));
      expect(vfs.mountInfo("/mnt/d").lockPairs).toBe(1000);
    }
  });
});

describe("strace-style injection on the machine", () => {
  it("fails the matching fcntl calls of the traced process only, without running them", () => {
    const vfs = machine();
    vfs.spawn(1);
    vfs.spawn(2);
    vfs.inject(1, { syscall: "fcntl", error: "ENOLCK", when: "3+" });
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = vfs.fcntlSetlk(1, ok(vfs.open(1, `/data/f${i}`, { create: true })), "F_WRLCK");
      results.push(r.ok ? "ok" : r.error.errnoName);
    }
    expect(results).toEqual(["ok", "ok", "ENOLCK", "ENOLCK"]);
    expect(vfs.lslocks().filter((r) => r.pid === 1)).toHaveLength(2);
    ok(vfs.fcntlSetlk(2, ok(vfs.open(2, "/data/other", { create: true })), "F_WRLCK"));
    vfs.detachInjections(1);
    ok(vfs.fcntlSetlk(1, ok(vfs.open(1, "/data/f9", { create: true })), "F_WRLCK"));
  });

  it("throws on a bad when expression when attaching", () => {
    const vfs = machine();
    vfs.spawn(1);
    expect(() => vfs.inject(1, { syscall: "fcntl", error: "ENOLCK", when: "25-" })).toThrow(/invalid strace when expression "25-"/);
  });
});
