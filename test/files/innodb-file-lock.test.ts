import { describe, expect, it } from "vitest";
import { efsFs, localFs, nfsFs, type FileSystemSpec } from "../../src/machine/fs/filesystem.js";
import { Vfs } from "../../src/machine/fs/vfs.js";
import { InnodbFiles, systemFiles, type FileLockResult, type InnodbVersion } from "../../src/mysql/innodb/file-lock.js";

const DATADIR = "/var/lib/mysql";

function server(spec: FileSystemSpec, version: InnodbVersion = "5.7", innodbOpenFiles = 2000, pid = 1): { vfs: Vfs; files: InnodbFiles } {
  const vfs = new Vfs();
  vfs.mount("/", localFs());
  vfs.mount(DATADIR, spec);
  const files = new InnodbFiles(vfs, pid, version, innodbOpenFiles, { datadir: DATADIR });
  expect(files.startup().ok).toBe(true);
  return { vfs, files };
}

/** Creates testdb.mytable1.. until one fails or `max` is reached; returns the failing number (or null) and its result. */
function createUntilFailure(files: InnodbFiles, max: number, db = "testdb"): { failedAt: number | null; result: FileLockResult } {
  for (let i = 1; i <= max; i++) {
    const result = files.createTable(db, `mytable${i}`);
    if (!result.ok) return { failedAt: i, result };
  }
  return { failedAt: null, result: { ok: true } };
}

function pairs(vfs: Vfs): number {
  return vfs.mountInfo(DATADIR).lockPairs;
}

describe("the seed: MySQL 5.7 on AWS EFS fails to create the 241st table", () => {
  it("locks the 16 system files of the seed's lslocks at startup", () => {
    const { vfs } = server(efsFs());
    const seedLslocks = [
      "ib_logfile0", "ib_logfile1", "ibdata1", "ibtmp1", "mysql/plugin.ibd", "mysql/innodb_table_stats.ibd",
      "mysql/innodb_index_stats.ibd", "mysql/gtid_executed.ibd", "mysql/server_cost.ibd", "mysql/engine_cost.ibd",
      "mysql/time_zone_leap_second.ibd", "mysql/servers.ibd", "mysql/time_zone_name.ibd", "mysql/time_zone.ibd",
      "mysql/time_zone_transition.ibd", "mysql/time_zone_transition_type.ibd",
    ];
    const rows = vfs.lslocks();
    expect(rows.map((r) => r.path).sort()).toEqual(seedLslocks.map((f) => `${DATADIR}/${f}`).sort());
    expect(rows.every((r) => r.pid === 1 && r.type === "WRITE")).toBe(true);
    expect(pairs(vfs)).toBe(16);
  });

  it("holds one lock per table: CREATE TABLE example shows ./testdb/example.ibd in lslocks", () => {
    const { vfs, files } = server(efsFs());
    expect(files.createTable("testdb", "example")).toEqual({ ok: true });
    expect(vfs.lslocks().filter((r) => r.path.includes("testdb"))).toEqual([
      expect.objectContaining({ pid: 1, path: `${DATADIR}/testdb/example.ibd`, type: "WRITE", mountPoint: DATADIR }),
    ]);
  });

  it("makes two fcntl(F_SETLK, F_WRLCK) calls per CREATE TABLE on the same fd, as the seed's strace shows", () => {
    const { vfs, files } = server(localFs());
    const probe = vfs.inject(1, { syscall: "fcntl", error: "ENOLCK", when: "65535" });
    files.createTable("testdb", "example2");
    expect(probe.callsSeen).toBe(2);
  });

  it("fails table 241 (16 + 240 = 256 pairs) with errno 122, the seed's log lines and ERROR 1030", () => {
    const { vfs, files } = server(efsFs());
    const { failedAt, result } = createUntilFailure(files, 300);
    expect(failedAt).toBe(241);
    expect(pairs(vfs)).toBe(256);
    if (result.ok) throw new Error("unreachable");
    expect(result.error).toEqual({
      syscall: "fcntl",
      file: "./testdb/mytable241.ibd",
      errno: 122,
      errnoName: "EDQUOT",
      strerror: "Disk quota exceeded",
      innodbLog: [
        "[ERROR] InnoDB: Unable to lock ./testdb/mytable241.ibd error: 122",
        "[ERROR] InnoDB: Operating system error number 122 in a file operation.",
        "[ERROR] InnoDB: Error number 122 means 'Disk quota exceeded'",
        "[ERROR] InnoDB: Cannot create file './testdb/mytable241.ibd'",
      ],
      innodbNotes: [],
      innodbLogLine: "[ERROR] InnoDB: Unable to lock ./testdb/mytable241.ibd error: 122",
      dbError: "DB_ERROR",
      handlerError: { code: 168, name: "HA_ERR_GENERIC" },
      clientError: {
        code: 1030,
        sqlstate: "HY000",
        name: "ER_GET_ERRNO",
        message: "Got error 168 from storage engine",
        text: "ERROR 1030 (HY000): Got error 168 from storage engine",
      },
    });
    expect(files.hasTable("testdb", "mytable241")).toBe(false);
    // os_file_create_func() closed the fd but the file it created stays behind.
    expect(vfs.exists(`${DATADIR}/testdb/mytable241.ibd`)).toBe(true);
    expect(vfs.openFds(1)).toHaveLength(256);
  });

  it("retrying the failed CREATE TABLE meets the file left behind (EEXIST)", () => {
    const { files } = server(efsFs());
    createUntilFailure(files, 241);
    const retry = files.createTable("testdb", "mytable241");
    if (retry.ok) throw new Error("expected a failure");
    expect(retry.error.errnoName).toBe("EEXIST");
    expect(retry.error.dbError).toBe("DB_TABLESPACE_EXISTS");
    expect(retry.error.innodbLog.slice(0, 3)).toEqual([
      "[ERROR] InnoDB: Operating system error number 17 in a file operation.",
      "[ERROR] InnoDB: Error number 17 means 'File exists'",
      "[ERROR] InnoDB: Cannot create file './testdb/mytable241.ibd'",
    ]);
  });

  it("words the same failure as MySQL 8.0 does", () => {
    const { vfs, files } = server(efsFs(), "8.0");
    expect(pairs(vfs)).toBe(systemFiles("8.0").length);
    const { failedAt, result } = createUntilFailure(files, 300);
    expect(failedAt).toBe(256 - systemFiles("8.0").length + 1);
    if (result.ok) throw new Error("unreachable");
    const file = `./testdb/mytable${failedAt}.ibd`;
    expect(result.error.innodbLog).toEqual([
      `[ERROR] [MY-012574] [InnoDB] Unable to lock ${file} error: 122`,
      "[ERROR] [MY-012592] [InnoDB] Operating system error number 122 in a file operation.",
      "[ERROR] [MY-012596] [InnoDB] Error number 122 means 'Disk quota exceeded'",
      `[ERROR] [MY-012126] [InnoDB] Cannot create file '${file}'`,
    ]);
    expect(result.error.clientError?.text).toBe(
      "ERROR 1030 (HY000): Got error 168 - 'Unknown (generic) error from engine' from storage engine",
    );
  });

  it.each([
    ["nfs", nfsFs()],
    ["local", localFs()],
  ])("on %s the same 300 tables are all created", (_name, spec) => {
    const { vfs, files } = server(spec);
    expect(createUntilFailure(files, 300).failedAt).toBeNull();
    expect(pairs(vfs)).toBe(316);
  });
});

describe("two processes on one EFS mount share its 256 pairs", () => {
  it("the second server's tables eat into the first one's budget", () => {
    const vfs = new Vfs();
    vfs.mount("/", localFs());
    vfs.mount("/mnt/efs", efsFs());
    const a = new InnodbFiles(vfs, 1, "5.7", 2000, { datadir: "/mnt/efs/a" });
    const b = new InnodbFiles(vfs, 2, "5.7", 2000, { datadir: "/mnt/efs/b" });
    expect(a.startup().ok && b.startup().ok).toBe(true);
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(32);
    let created = 0;
    let failure: FileLockResult = { ok: true };
    for (let i = 1; i <= 200 && failure.ok; i++) {
      for (const files of [a, b]) {
        failure = files.createTable("db", `t${i}`);
        if (!failure.ok) break;
        created += 1;
      }
    }
    expect(created).toBe(256 - 32);
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(256);
    if (failure.ok) throw new Error("expected a failure");
    expect(failure.error.errnoName).toBe("EDQUOT");
    // Stopping one server frees its pairs for the other.
    vfs.exit(2);
    expect(vfs.mountInfo("/mnt/efs").lockPairs).toBe(16 + 112);
    expect(a.createTable("db", "after_exit")).toEqual({ ok: true });
  });

  it("a second mysqld on the same datadir fails at startup with EAGAIN on ibdata1", () => {
    const { vfs } = server(localFs());
    const second = new InnodbFiles(vfs, 2, "5.7", 2000, { datadir: DATADIR });
    const started = second.startup();
    expect(started.ok).toBe(false);
    expect(started.lockedFiles).toEqual([]);
    expect(started.error?.innodbLogLine).toBe("[ERROR] InnoDB: Unable to lock ./ibdata1 error: 11");
    expect(started.error?.innodbNotes).toEqual([
      "[Note] InnoDB: Check that you do not already have another mysqld process using the same InnoDB data or log files.",
    ]);
    expect(started.error?.clientError).toBeNull();
    expect(vfs.openFds(2)).toEqual([]);
  });
});

describe("innodb_open_files: does closing files help?", () => {
  it("yes when InnoDB keeps no more than 256 files open: table 1000 is created on EFS", () => {
    const { vfs, files } = server(efsFs(), "5.7", 256);
    expect(createUntilFailure(files, 1000).failedAt).toBeNull();
    expect(pairs(vfs)).toBe(256);
    expect(files.openFiles()).toHaveLength(256);
  });

  it("no when it keeps 257 or more (5.7's autosized default is far above): table 241 fails as before", () => {
    const { files } = server(efsFs(), "5.7", 257);
    expect(createUntilFailure(files, 300).failedAt).toBe(241);
  });

  it("an evicted table's file is closed (its pair freed) and locked again on next use", () => {
    const { vfs, files } = server(efsFs(), "5.7", 20);
    createUntilFailure(files, 30);
    expect(files.isOpen("testdb", "mytable1")).toBe(false);
    expect(files.isOpen("testdb", "mytable30")).toBe(true);
    expect(pairs(vfs)).toBe(20);
    expect(vfs.lslocks().some((r) => r.path.endsWith("/mytable1.ibd"))).toBe(false);
    expect(files.openTable("testdb", "mytable1")).toEqual({ ok: true });
    expect(vfs.lslocks().some((r) => r.path.endsWith("/mytable1.ibd"))).toBe(true);
    expect(pairs(vfs)).toBe(20);
    // The system tablespace, redo and temporary files are never evicted.
    for (const f of ["ibdata1", "ib_logfile0", "ib_logfile1", "ibtmp1"]) {
      expect(vfs.lslocks().some((r) => r.path === `${DATADIR}/${f}`)).toBe(true);
    }
  });

  it("reopening fails with the lock error when the budget was taken meanwhile", () => {
    const vfs = new Vfs();
    vfs.mount("/", localFs());
    vfs.mount(DATADIR, efsFs({ maxLockPairsPerMount: 20 }));
    const files = new InnodbFiles(vfs, 1, "5.7", 2000, { datadir: DATADIR });
    files.startup();
    createUntilFailure(files, 2);
    expect(files.closeTable("testdb", "mytable1")).toBe(true);
    vfs.spawn(9);
    for (let i = 0; i < 3; i++) {
      const fd = vfs.open(9, `${DATADIR}/other${i}`, { create: true });
      if (fd.ok) vfs.fcntlSetlk(9, fd.value, "F_WRLCK");
    }
    const reopened = files.openTable("testdb", "mytable1");
    if (reopened.ok) throw new Error("expected a failure");
    expect(reopened.error.innodbLogLine).toBe("[ERROR] InnoDB: Unable to lock ./testdb/mytable1.ibd error: 122");
    expect(reopened.error.clientError?.code).toBe(1030);
  });
});

describe("fewer files, fewer pairs", () => {
  it("innodb_file_per_table=OFF puts every table in ibdata1: no new pairs", () => {
    const vfs = new Vfs();
    vfs.mount("/", localFs());
    vfs.mount(DATADIR, efsFs());
    const files = new InnodbFiles(vfs, 1, "5.7", 2000, { datadir: DATADIR, filePerTable: false });
    files.startup();
    expect(createUntilFailure(files, 1000).failedAt).toBeNull();
    expect(vfs.mountInfo(DATADIR).lockPairs).toBe(16);
  });

  it("a general tablespace holds many tables behind one pair", () => {
    const { vfs, files } = server(efsFs());
    expect(files.createTablespace("ts1")).toEqual({ ok: true });
    for (let i = 1; i <= 1000; i++) expect(files.createTable("testdb", `t${i}`, { tablespace: "ts1" }).ok).toBe(true);
    expect(pairs(vfs)).toBe(17);
  });

  it("DROP TABLE closes and unlinks the file, freeing its pair", () => {
    const { vfs, files } = server(efsFs());
    createUntilFailure(files, 240);
    expect(pairs(vfs)).toBe(256);
    expect(files.dropTable("testdb", "mytable7")).toEqual({ ok: true });
    expect(vfs.exists(`${DATADIR}/testdb/mytable7.ibd`)).toBe(false);
    expect(pairs(vfs)).toBe(255);
    expect(files.createTable("testdb", "replacement")).toEqual({ ok: true });
  });
});

describe("strace fault injection, as in the seed's first experiment", () => {
  it("fcntl:error=ENOLCK:when=25+ fails the table whose first fcntl is the 25th, with the seed's log text", () => {
    const { vfs, files } = server(localFs());
    vfs.inject(1, { syscall: "fcntl", error: "ENOLCK", when: "25+" }); // strace -p attaches after startup
    const { failedAt, result } = createUntilFailure(files, 30);
    expect(failedAt).toBe(13); // 2 fcntl per CREATE TABLE: calls 1..24 are tables 1..12
    if (result.ok) throw new Error("unreachable");
    expect(result.error.innodbLog).toEqual([
      "[ERROR] InnoDB: Unable to lock ./testdb/mytable13.ibd error: 37",
      "[ERROR] InnoDB: Operating system error number 37 in a file operation.",
      "[ERROR] InnoDB: Error number 37 means 'No locks available'",
      "[ERROR] InnoDB: Cannot create file './testdb/mytable13.ibd'",
    ]);
    expect(files.createTable("testdb", "mytable14").ok).toBe(false); // 25+ keeps failing
  });

  it("setting RLIMIT_LOCKS (docker --ulimit locks=25) does not stop 30 CREATE TABLEs", () => {
    const { vfs, files } = server(localFs());
    vfs.setrlimitLocks(1, 25);
    expect(createUntilFailure(files, 30).failedAt).toBeNull();
  });
});
