// The file-lock model inside running scenarios (src/mysql/innodb/files-model.ts): the scenario files
// of scenarios/files/ run through runScenario, with the specific statement that fails, its client
// text per version, and InnoDB's error-log lines.
import { describe, expect, it } from "vitest";
import type { InnodbFilesState } from "../../src/mysql/innodb/files-model.js";
import { filesModelActive } from "../../src/mysql/innodb/files-model.js";
import { models } from "../../src/mysql/sql/execute.js";
import { loadScenario, loadScenarioFile, type Scenario } from "../../src/scenario/loader.js";
import { runScenario, type RunArtifacts, type RunOptions } from "../../src/scenario/run.js";

const GOT_168_57 = "ERROR 1030 (HY000): Got error 168 from storage engine";
const GOT_168_80 = "ERROR 1030 (HY000): Got error 168 - 'Unknown (generic) error from engine' from storage engine";

function run(sc: Scenario, opts: RunOptions = {}): RunArtifacts {
  return runScenario(sc, { seed: 1, keepRecords: 0, ...opts });
}

/** 1-based numbers of con1's statements that failed, with their error names. */
function failures(art: RunArtifacts, conn = "con1"): [number, string][] {
  return art.statements
    .filter((s) => s.conn === conn)
    .map((s, i): [number, string | null] => [i + 1, s.error])
    .filter((x): x is [number, string] => x[1] !== null);
}

function errorLog(art: RunArtifacts): string[] {
  return (art.server.ext.errorLog as string[] | undefined) ?? [];
}

function filesState(art: RunArtifacts): InnodbFilesState {
  return art.server.ext.innodbFiles as InnodbFilesState;
}

function failedExpectations(art: RunArtifacts): string[] {
  return art.report.expectations.filter((e) => !e.ok).map((e) => e.text);
}

function creates(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `  - con1: CREATE TABLE testdb.mytable${from + i} ( id INT, data VARCHAR(100) )`).join("\n");
}

describe("efs-table-241.yaml: seed 000 in a running scenario", () => {
  const sc = loadScenarioFile("scenarios/files/efs-table-241.yaml");

  it("5.7: statement 241 fails with ERROR 1030 and the seed's four InnoDB lines; 1..240 succeed", () => {
    const art = run(sc);
    expect(failures(art)).toEqual([[241, "ER_GET_ERRNO"]]);
    expect(art.statements).toHaveLength(241);
    expect(art.report.connections.con1!.error_text).toBe(GOT_168_57);
    expect(errorLog(art)).toEqual([
      "[Note] mysqld: ready for connections.",
      "[ERROR] InnoDB: Unable to lock ./testdb/mytable241.ibd error: 122",
      "[ERROR] InnoDB: Operating system error number 122 in a file operation.",
      "[ERROR] InnoDB: Error number 122 means 'Disk quota exceeded'",
      "[ERROR] InnoDB: Cannot create file './testdb/mytable241.ibd'",
    ]);
    expect(failedExpectations(art)).toEqual([]);
    expect(art.report.metrics).toMatchObject({ tables_created: 240, create_table_errors: 1, lock_pairs_peak: 256, lock_pairs: 256, innodb_started: 1 });
    // lslocks | grep efs | wc -l = 256; the failed CREATE TABLE left its .ibd behind, unlocked
    const st = filesState(art);
    expect(st.vfs.lslocks().filter((r) => r.mountPoint === "/mnt/efs")).toHaveLength(256);
    expect(st.vfs.exists("/mnt/efs/mysql/testdb/mytable241.ibd")).toBe(true);
    expect(art.server.table("testdb", "mytable240")).toBeDefined();
    expect(art.server.table("testdb", "mytable241")).toBeUndefined();
  });

  it("the trace has the syscalls (strace-style io records) and the error_log record", () => {
    const art = run(sc, { keepRecords: 1_000_000 });
    const recs = art.trace!.records;
    const io = recs.filter((r) => r.k === "io").map((r) => String(r.o));
    // startup: 16 files opened and locked by mysqld (2 calls each), then 5 calls per CREATE TABLE
    expect(io.filter((l) => l.startsWith("fcntl(") && l.endsWith("= 0"))).toHaveLength(16 + 2 * 240);
    const last = io.slice(-3);
    expect(last[0]).toBe('open("/mnt/efs/mysql/testdb/mytable241.ibd", O_RDWR|O_CREAT|O_EXCL) = 259');
    expect(last[1]).toBe("fcntl(259, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = -1 EDQUOT (Disk quota exceeded)");
    expect(last[2]).toBe("close(259) = 0");
    const log = recs.filter((r) => r.k === "error_log");
    expect(log.map((r) => r.o)).toEqual(["mysqld", "./testdb/mytable241.ibd"]);
    expect((log[1]!.d as { lines: string[] }).lines[0]).toBe("[ERROR] InnoDB: Unable to lock ./testdb/mytable241.ibd error: 122");
    const end = recs.find((r) => r.k === "stmt_end" && (r.d as { error?: string }).error);
    expect(end?.d).toMatchObject({ sql: "CREATE TABLE testdb.mytable241 ( id INT, data VARCHAR(100) )", code: 1030, text: GOT_168_57 });
  });

  it("8.0: 17 system files, so statement 240 fails, with the 8.0 client text and [MY-...] lines", () => {
    const art = run({ ...sc, version: "8.0" });
    expect(failures(art)).toEqual([
      [240, "ER_GET_ERRNO"],
      [241, "ER_GET_ERRNO"],
    ]);
    expect(art.report.connections.con1!.error_text).toBe(GOT_168_80);
    expect(errorLog(art).slice(1, 5)).toEqual([
      "[ERROR] [MY-012574] [InnoDB] Unable to lock ./testdb/mytable240.ibd error: 122",
      "[ERROR] [MY-012592] [InnoDB] Operating system error number 122 in a file operation.",
      "[ERROR] [MY-012596] [InnoDB] Error number 122 means 'Disk quota exceeded'",
      "[ERROR] [MY-012126] [InnoDB] Cannot create file './testdb/mytable240.ibd'",
    ]);
    // the file's expectations are written for 5.7: they catch the difference
    expect(failedExpectations(art).join("\n")).toMatch(/step 240 \(line \d+\): expected success, got ER_GET_ERRNO/);
  });

  it("the same file on NFS fails its own expectations: nothing fails at 241", () => {
    const art = run({ ...sc, machine: { filesystem: "nfs" } });
    expect(failures(art)).toEqual([]);
    const failed = failedExpectations(art).join("\n");
    expect(failed).toMatch(/step 241 \(line \d+\): expected ER_GET_ERRNO, got success/);
    expect(failed).toContain("con1 failed with ER_GET_ERRNO");
    expect(failed).toContain("lock_pairs_peak = 256");
  });
});

describe("no limit on NFS or a local disk", () => {
  for (const fs of ["nfs", "local"] as const) {
    it(`${fs}-300-tables.yaml: 300 CREATE TABLEs, 316 lock pairs, no error`, () => {
      const art = run(loadScenarioFile(`scenarios/files/${fs}-300-tables.yaml`));
      expect(failures(art)).toEqual([]);
      expect(art.statements).toHaveLength(300);
      expect(errorLog(art)).toEqual(["[Note] mysqld: ready for connections."]);
      expect(art.report.metrics).toMatchObject({ tables_created: 300, lock_pairs_peak: 316 });
      expect(failedExpectations(art)).toEqual([]);
      expect(filesState(art).datadir).toBe(fs === "local" ? "/var/lib/mysql" : "/mnt/nfs/mysql");
    });
  }

  it("NFS costs more time per CREATE TABLE than a local disk (round trips), same outcome", () => {
    const nfs = run(loadScenarioFile("scenarios/files/nfs-300-tables.yaml"));
    const local = run(loadScenarioFile("scenarios/files/local-300-tables.yaml"));
    expect(nfs.report.virtual_time_ns).toBeGreaterThan(local.report.virtual_time_ns);
  });
});

describe("two-processes-share-budget.yaml", () => {
  it("a second process's 116 locks leave room for 124 tables: statement 125 fails", () => {
    const art = run(loadScenarioFile("scenarios/files/two-processes-share-budget.yaml"));
    expect(failures(art)).toEqual([[125, "ER_GET_ERRNO"]]);
    expect(art.report.connections.con1!.error_text).toBe(GOT_168_57);
    expect(errorLog(art)[1]).toBe("[ERROR] InnoDB: Unable to lock ./testdb/mytable125.ibd error: 122");
    const rows = filesState(art).vfs.lslocks();
    expect(rows.filter((r) => r.pid === 2)).toHaveLength(116);
    expect(rows.filter((r) => r.pid === 1)).toHaveLength(140);
    expect(rows.filter((r) => r.pid === 2).every((r) => r.path.startsWith("/mnt/efs/mysqld2/"))).toBe(true);
    expect(failedExpectations(art)).toEqual([]);
  });
});

describe("small-innodb-open-files.yaml", () => {
  const sc = loadScenarioFile("scenarios/files/small-innodb-open-files.yaml");

  it("innodb_open_files=200: all 300 tables, at most 200 pairs, evicted tables reopened by SELECT/INSERT", () => {
    const art = run(sc);
    expect(failures(art)).toEqual([]);
    expect(art.report.metrics).toMatchObject({ tables_created: 300, lock_pairs_peak: 200, innodb_files_open: 200, innodb_file_opens: 2 });
    const files = filesState(art).files;
    expect(files.isOpen("testdb", "mytable1")).toBe(true);
    expect(files.isOpen("testdb", "mytable3")).toBe(false);
    expect(failedExpectations(art)).toEqual([]);
  });

  it("with innodb_open_files=257 (--set) the limit is above the budget: statement 241 fails again", () => {
    const art = run(sc, { set: [["innodb_open_files", 257]] });
    expect(failures(art)[0]).toEqual([241, "ER_GET_ERRNO"]);
    expect(errorLog(art)[1]).toBe("[ERROR] InnoDB: Unable to lock ./testdb/mytable241.ibd error: 122");
  });

  it("with innodb_open_files=256 nothing fails (the budget is exactly used)", () => {
    const art = run(sc, { set: [["innodb_open_files", 256]] });
    expect(failures(art)).toEqual([]);
    expect(art.report.metrics.lock_pairs_peak).toBe(256);
  });
});

describe("strace-inject-25.yaml: the seed's strace experiment", () => {
  it("fcntl call 25 is mytable13's first lock: statements 13 and 14 fail with errno 37 in the log", () => {
    const art = run(loadScenarioFile("scenarios/files/strace-inject-25.yaml"), { keepRecords: 100_000 });
    expect(failures(art)).toEqual([
      [13, "ER_GET_ERRNO"],
      [14, "ER_GET_ERRNO"],
    ]);
    expect(art.report.connections.con1!.error_text).toBe(GOT_168_57);
    expect(errorLog(art).slice(1, 5)).toEqual([
      "[ERROR] InnoDB: Unable to lock ./testdb/mytable13.ibd error: 37",
      "[ERROR] InnoDB: Operating system error number 37 in a file operation.",
      "[ERROR] InnoDB: Error number 37 means 'No locks available'",
      "[ERROR] InnoDB: Cannot create file './testdb/mytable13.ibd'",
    ]);
    expect(errorLog(art)[5]).toBe("[ERROR] InnoDB: Unable to lock ./testdb/mytable14.ibd error: 37");
    const injected = art.trace!.records.filter((r) => r.k === "io" && String(r.o).endsWith("= -1 ENOLCK (No locks available)"));
    expect(injected).toHaveLength(2);
    expect(failedExpectations(art)).toEqual([]);
  });

  it("the injection is attached after startup: startup's 16 locks are not counted", () => {
    const art = run(loadScenarioFile("scenarios/files/strace-inject-25.yaml"));
    expect(art.report.metrics.innodb_started).toBe(1);
    expect(art.report.metrics.tables_created).toBe(12);
  });
});

describe("efs-startup-fails.yaml: the budget is gone before mysqld starts", () => {
  it("InnoDB cannot lock its 7th system file; mysqld aborts and every statement is refused", () => {
    const art = run(loadScenarioFile("scenarios/files/efs-startup-fails.yaml"));
    expect(errorLog(art)).toEqual([
      "[ERROR] InnoDB: Unable to lock ./mysql/innodb_index_stats.ibd error: 122",
      "[ERROR] InnoDB: Operating system error number 122 in a file operation.",
      "[ERROR] InnoDB: Error number 122 means 'Disk quota exceeded'",
      "[ERROR] InnoDB: Cannot open datafile './mysql/innodb_index_stats.ibd'",
    ]);
    expect(failures(art, "app")).toEqual([
      [1, "CR_CONNECTION_ERROR"],
      [2, "CR_CONNECTION_ERROR"],
    ]);
    expect(art.report.connections.app!.error_text).toBe("ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)");
    const st = filesState(art);
    expect(st.started).toBe(false);
    expect(st.vfs.hasProcess(1)).toBe(false);
    expect(st.vfs.lslocks().every((r) => r.pid === 2)).toBe(true);
    expect(failedExpectations(art)).toEqual([]);
  });
});

describe("inline scenarios: catalog, DROP TABLE, setup tables, retries", () => {
  it("DROP TABLE frees a pair: after 240 tables and one DROP, mytable241 fits", () => {
    const sc = loadScenario(`name: drop frees a pair
version: "5.7"
machine: { filesystem: efs }
steps:
${creates(240)}
  - con1: DROP TABLE testdb.mytable1
  - con1: CREATE TABLE testdb.mytable241 ( id INT )
  - con1: CREATE TABLE testdb.mytable242 ( id INT )
    error: ER_GET_ERRNO
  - con1: SELECT * FROM testdb.mytable1
    error: ER_NO_SUCH_TABLE
expect:
  - outcome: completed
`);
    const art = run(sc);
    expect(failedExpectations(art)).toEqual([]);
    expect(art.server.table("testdb", "mytable1")).toBeUndefined();
    expect(filesState(art).vfs.exists("/mnt/efs/mysql/testdb/mytable1.ibd")).toBe(false);
    expect(art.report.metrics.tables_created).toBe(241);
  });

  it("retrying the failed CREATE TABLE meets the .ibd it left behind (tablespace exists, 1813)", () => {
    const sc = loadScenario(`name: retry
version: "5.7"
machine: { filesystem: efs }
steps:
${creates(241)}
    error: ER_GET_ERRNO
  - con1: CREATE TABLE testdb.mytable241 ( id INT, data VARCHAR(100) )
`);
    const art = run(sc);
    const last = art.statements[art.statements.length - 1]!;
    expect(last.error).toBe("ER_TABLESPACE_EXISTS");
    expect(art.report.connections.con1!.error_text).toBe("ERROR 1813 (HY000): Tablespace 'testdb/mytable241' exists.");
    expect(errorLog(art).at(-1)).toMatch(/^\[ERROR\] InnoDB: The file '\.\/testdb\/mytable241\.ibd' already exists/);
  });

  it("CREATE TABLE registers the table: a second CREATE fails with ER_TABLE_EXISTS_ERROR, INSERT finds it", () => {
    const sc = loadScenario(`name: catalog
version: "8.0"
machine: { filesystem: local }
steps:
  - con1: CREATE TABLE t1 (id INT PRIMARY KEY)
  - con1: CREATE TABLE t1 (id INT PRIMARY KEY)
    error: ER_TABLE_EXISTS_ERROR
  - con1: CREATE TABLE IF NOT EXISTS t1 (id INT PRIMARY KEY)
  - con1: INSERT INTO t1 VALUES (1)
  - con1: DROP TABLE t1
  - con1: DROP TABLE IF EXISTS t1
  - con1: INSERT INTO t1 VALUES (2)
    error: ER_NO_SUCH_TABLE
expect:
  - outcome: completed
  - metric: { tables_created: { equals: 1 } }
`);
    const art = run(sc);
    expect(failedExpectations(art)).toEqual([]);
    expect(errorLog(art)).toEqual(["[System] [MY-010931] [Server] mysqld: ready for connections."]);
  });

  it("setup tables have closed .ibd files: the first SELECT opens and locks one", () => {
    const sc = loadScenario(`name: setup tables
version: "5.7"
machine: { filesystem: efs }
setup:
  - CREATE TABLE t1 (id INT)
  - CREATE TABLE t2 (id INT)
steps:
  - con1: SELECT * FROM t1
  - con1: SELECT * FROM t1
expect:
  - metric: { innodb_file_opens: { equals: 1 } }
  - metric: { lock_pairs: { equals: 17 } }
`);
    const art = run(sc);
    expect(failedExpectations(art)).toEqual([]);
    const st = filesState(art);
    expect(st.files.isOpen("test", "t1")).toBe(true);
    expect(st.files.isOpen("test", "t2")).toBe(false);
    expect(st.vfs.exists("/mnt/efs/mysql/test/t2.ibd")).toBe(true);
  });

  it("mysqld and another process share the 256 pairs: innodb_open_files=20 next to 236 locks never fails", () => {
    const sc = loadScenario(`name: shared budget, capped
version: "5.7"
variables: { innodb_open_files: 20 }
machine:
  filesystem: efs
  other_processes: [{ name: locker, locked_files: 236 }]
steps:
${creates(10)}
  - con1: SELECT * FROM testdb.mytable1
`);
    const art = run(sc);
    // 236 + 20 open files = 256: from the 5th CREATE TABLE on, InnoDB closes an LRU file (5.7's
    // mysql/*.ibd first) before it creates the next one
    expect(failures(art)).toEqual([]);
    expect(art.report.metrics.lock_pairs_peak).toBe(256);
    expect(filesState(art).files.isOpen("testdb", "mytable1")).toBe(true);
    expect(art.report.metrics.innodb_file_opens).toBe(0);
  });

  it("the error chain of a failed reopen: an injected fcntl failure on SELECT", () => {
    const sc = loadScenario(`name: reopen error
version: "5.7"
variables: { innodb_open_files: 10 }
machine:
  filesystem: local
  inject: [{ syscall: fcntl, error: EIO, when: 21 }]
steps:
${creates(10)}
  - con1: SELECT * FROM testdb.mytable1
    error: ER_GET_ERRNO
`);
    const art = run(sc);
    // with 10 open files the 12 closable mysql/*.ibd go first, then mytable1..4: SELECT reopens
    // mytable1, and its lock is fcntl call 21 after startup (10 CREATE TABLEs x 2)
    expect(failedExpectations(art)).toEqual([]);
    expect(art.report.metrics.table_open_errors).toBe(1);
    expect(errorLog(art).slice(1)).toEqual([
      "[ERROR] InnoDB: Unable to lock ./testdb/mytable1.ibd error: 5",
      "[ERROR] InnoDB: Operating system error number 5 in a file operation.",
      "[ERROR] InnoDB: Error number 5 means 'Input/output error'",
      "[ERROR] InnoDB: Cannot open './testdb/mytable1.ibd'",
    ]);
  });
});

describe("installation", () => {
  it("scenarios without filesystem/inject/other_processes get no file model (traces unchanged)", () => {
    const art = run(loadScenarioFile("scenarios/examples/sleep-and-send.yaml"));
    expect(art.server.ext.innodbFiles).toBeUndefined();
    expect(models(art.server).map((m) => m.name)).not.toContain("innodb_files");
    expect(filesModelActive({})).toBe(false);
    expect(filesModelActive({ cpus: 6 } as never)).toBe(false);
    expect(filesModelActive({ inject: [{ syscall: "fcntl", error: "ENOLCK" }] })).toBe(true);
  });

  it("is registered as the StatementModel innodb_files after the locking model", () => {
    const art = run(loadScenarioFile("scenarios/files/strace-inject-25.yaml"));
    const names = models(art.server).map((m) => m.name);
    expect(names).toContain("innodb_files");
    expect(names.indexOf("innodb_files")).toBeGreaterThan(names.indexOf("locking"));
    // the startup gate comes before every model: a statement waiting for startup holds no MDL
    expect(names[0]).toBe("innodb_files_startup");
  });

  it("a bad inject rule is refused with strace's message, at load time with its position", () => {
    expect(() => loadScenario(`name: bad inject
machine: { inject: [{ syscall: fcntl, error: EFOO, when: "25+" }] }
steps: [{ con1: BEGIN }]
`, "x.yaml")).toThrow(/^x\.yaml:2:\d+: .*unknown error name "EFOO"/);
    expect(() => loadScenario(`name: bad when
machine: { inject: [{ syscall: fcntl, error: ENOLCK, when: "0" }] }
steps: [{ con1: BEGIN }]
`, "x.yaml")).toThrow(/^x\.yaml:2:\d+: invalid strace when expression "0"/);
  });

  it("5.6 is not modelled by the file-lock model: a clear error at load time", () => {
    expect(() => loadScenario(`name: five six
version: "5.6.10"
machine: { filesystem: efs }
steps: [{ con1: BEGIN }]
`, "x.yaml")).toThrow(/^x\.yaml:3:\d+: .*covers MySQL 5.7 and 8.0/);
  });

  it("runs are deterministic: the same seed gives the same trace hash", () => {
    const sc = loadScenarioFile("scenarios/files/two-processes-share-budget.yaml");
    const a = runScenario(sc, { seed: 3 });
    const b = runScenario(sc, { seed: 3 });
    expect(a.report.trace_sha256).toBe(b.report.trace_sha256);
    expect(a.report.trace_sha256).not.toBe("");
  });
});
