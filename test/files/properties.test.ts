import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { efsFs, localFs } from "../../src/machine/fs/filesystem.js";
import { Vfs, type LockType } from "../../src/machine/fs/vfs.js";

// Random sequences of open / lock / unlock / dup / close / unlink / exit across 3 processes on an EFS
// mount with a small pair limit. After every step: pairs in use never exceed the limit and always
// equal the set of (process, file) pairs holding a lock, computed here independently from lslocks.
// The Vfs also checks its own invariants after every call and throws if they break.

const PIDS = [1, 2, 3] as const;
const FILES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] as const;
const LIMIT = 4;
const MOUNT = "/mnt/efs";

type Op =
  | { kind: "open"; pid: number; file: string; access: "r" | "rw" }
  | { kind: "openAndLock"; pid: number; file: string; type: "F_WRLCK" | "F_RDLCK" }
  | { kind: "lock"; pid: number; fdIndex: number; type: LockType }
  | { kind: "dup"; pid: number; fdIndex: number }
  | { kind: "close"; pid: number; fdIndex: number }
  | { kind: "unlink"; pid: number; file: string }
  | { kind: "exit"; pid: number };

const pid = fc.constantFrom(...PIDS);
const file = fc.constantFrom(...FILES);
const fdIndex = fc.nat({ max: 7 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("open" as const), pid, file, access: fc.constantFrom("r" as const, "rw" as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("openAndLock" as const), pid, file, type: fc.constantFrom("F_WRLCK" as const, "F_RDLCK" as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("lock" as const), pid, fdIndex, type: fc.constantFrom<LockType>("F_WRLCK", "F_RDLCK", "F_UNLCK") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("dup" as const), pid, fdIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("close" as const), pid, fdIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unlink" as const), pid, file }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("exit" as const), pid }) },
);

/** Applies one operation; returns the errno name when a lock attempt failed. */
function apply(vfs: Vfs, o: Op): string | null {
  if (!vfs.hasProcess(o.pid)) vfs.spawn(o.pid); // an exited pid comes back as a fresh process
  const fds = vfs.openFds(o.pid);
  const fd = "fdIndex" in o && fds.length > 0 ? fds[o.fdIndex % fds.length]! : null;
  switch (o.kind) {
    case "open":
      vfs.open(o.pid, `${MOUNT}/${o.file}`, { create: true, access: o.access });
      return null;
    case "openAndLock": {
      const opened = vfs.open(o.pid, `${MOUNT}/${o.file}`, { create: true });
      if (!opened.ok) return null;
      const locked = vfs.fcntlSetlk(o.pid, opened.value, o.type);
      return locked.ok ? null : locked.error.errnoName;
    }
    case "lock": {
      if (fd === null) return null;
      const locked = vfs.fcntlSetlk(o.pid, fd, o.type);
      return locked.ok ? null : locked.error.errnoName;
    }
    case "dup":
      if (fd !== null) vfs.dup(o.pid, fd);
      return null;
    case "close":
      if (fd !== null) vfs.close(o.pid, fd);
      return null;
    case "unlink":
      vfs.unlink(o.pid, `${MOUNT}/${o.file}`);
      return null;
    case "exit":
      vfs.exit(o.pid);
      return null;
  }
}

describe("lock-pair accounting under random operations", () => {
  it("never exceeds the mount's limit and always equals the (process, file) pairs holding a lock", () => {
    let quotaRefusals = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 120, size: "max" }), (ops) => {
        const vfs = new Vfs();
        vfs.mount("/", localFs());
        vfs.mount(MOUNT, efsFs({ maxLockPairsPerMount: LIMIT }));
        for (const p of PIDS) vfs.spawn(p);
        for (const o of ops) {
          const before = vfs.mountInfo(MOUNT).lockPairs;
          const failed = apply(vfs, o);
          if (failed === "EDQUOT") {
            expect(before).toBe(LIMIT); // the quota refuses only a full mount
            quotaRefusals += 1;
          }
          const rows = vfs.lslocks().filter((r) => r.mountPoint === MOUNT);
          const holders = new Set(rows.map((r) => `${r.pid}:${r.inode}`));
          const inUse = vfs.mountInfo(MOUNT).lockPairs;
          expect(inUse).toBeLessThanOrEqual(LIMIT);
          expect(inUse).toBe(holders.size);
          expect(rows).toHaveLength(holders.size); // one lock record per (process, file)
          expect(vfs.lockPairsOn(MOUNT)).toHaveLength(inUse);
          // Every lock is held through a descriptor the process still has open.
          for (const r of rows) {
            const open = vfs.openFds(r.pid).map((fd) => vfs.fdPath(r.pid, fd));
            const name = r.path.startsWith("(deleted) ") ? `${r.path.slice(10)} (deleted)` : r.path;
            expect(open).toContain(name);
          }
        }
      }),
      { numRuns: 150, seed: 20240601 },
    );
    // The generator must actually drive mounts into their limit, or the property says little.
    expect(quotaRefusals).toBeGreaterThan(500);
  });

  it("at most one writer per file, and never a writer beside readers", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 120, size: "max" }), (ops) => {
        const vfs = new Vfs();
        vfs.mount("/", localFs());
        vfs.mount(MOUNT, efsFs({ maxLockPairsPerMount: LIMIT }));
        for (const p of PIDS) vfs.spawn(p);
        for (const o of ops) {
          apply(vfs, o);
          const byFile = new Map<number, string[]>();
          for (const r of vfs.lslocks()) byFile.set(r.inode, [...(byFile.get(r.inode) ?? []), r.type]);
          for (const types of byFile.values()) {
            if (types.includes("WRITE")) expect(types).toEqual(["WRITE"]);
          }
        }
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
