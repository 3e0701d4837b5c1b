// mysqlsim mtr: the mysqltest front end, on the project's own small .test files (test/mtr/t,
// with the results they must give in test/mtr/r), and on MySQL's kill.test when ../shared has it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compareResults } from "../../src/mtr/compare.js";
import { readCommands } from "../../src/mtr/lexer.js";
import { runMtr, versionFromPath, type MtrRunResult } from "../../src/mtr/run.js";
import { testToScenarioYaml } from "../../src/mtr/to-yaml.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

const DIR = "test/mtr";
const BIN = "dist/src/cli/main.js";

function read(p: string): string | null {
  return existsSync(p) ? readFileSync(p, "utf8") : null;
}

function mtr(file: string, opts: { continueOnError?: boolean; basedir?: string } = {}): MtrRunResult {
  return runMtr({ file: resolve(file), basedir: resolve(opts.basedir ?? DIR), version: "8.0", continueOnError: opts.continueOnError ?? false, readFile: read, resolve, dirname });
}

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("mysqltest lexer (read_line / read_command)", () => {
  it("splits on the delimiter, keeps -- and # lines to their line, and applies delimiter changes as it reads", () => {
    const { commands } = readCommands("# c\n--echo a; b\nSELECT\n  1;\ndelimiter |;\nSELECT 2|\ndelimiter ;|\nwhile ($i)\n{\n  dec $i;\n}\n", "x.test");
    expect(commands.map((c) => [c.type, c.text, c.line])).toEqual([
      ["comment", "# c", 1],
      ["echo", "echo a; b", 2],
      ["query", "SELECT\n1", 3],
      ["delimiter", "delimiter |", 5],
      ["query", "SELECT 2", 6],
      ["delimiter", "delimiter ;", 7],
      ["while", "while ($i)\n{", 8],
      ["dec", "dec $i", 10],
      ["end_block", "}", 11],
    ]);
    expect(commands[4]!.delimiter).toBe("|");
  });

  it("a -- line that names no command and a query without its delimiter are positioned errors", () => {
    expect(() => readCommands("--selec 1\n", "x.test")).toThrow(/x\.test:1: .*valid mysqltest command/);
    expect(() => readCommands("SELECT 1;\nSELECT 2\n", "x.test")).toThrow(/x\.test:2: end of file inside a command/);
  });
});

describe("mtr runs the project's .test files to their recorded results", () => {
  for (const name of ["send-reap", "variables", "errors", "logs", "delimiter", "sleep", "kill-waiter", "kill-connection"]) {
    it(name, () => {
      const r = mtr(`${DIR}/t/${name}.test`);
      expect(r.stop).toBeUndefined();
      expect(r.outcome).toBe("completed");
      expect(r.output).toBe(readFileSync(`${DIR}/r/${name}.result`, "utf8"));
    });
  }

  it("send/reap: the sent ALTER waited for the metadata lock while the script went on", () => {
    const r = mtr(`${DIR}/t/send-reap.test`);
    expect(r.output).toContain("# con2 waits\nUNLOCK TABLES;\n# con2 done");
  });

  it("sleep and real_sleep pass virtual time, not wall time", () => {
    const r = mtr(`${DIR}/t/sleep.test`);
    expect(r.virtualNs).toBeGreaterThanOrEqual(5e9);
    expect(r.virtualNs).toBeLessThan(6e9);
  });

  it("a DEBUG_SYNC point armed but never reached is reported", () => {
    const r = mtr(`${DIR}/t/kill-waiter.test`);
    expect(r.unreachedSyncPoints).toEqual([expect.objectContaining({ point: "no_such_point_in_the_model", connection: "ddl", end: "armed", passedByAnyone: false })]);
  });
});

describe("unsupported statements, failures and hangs", () => {
  it("an unsupported statement stops the run at its file and line; --continue marks it and goes on", () => {
    const stop = mtr(`${DIR}/t/unsupported.test`);
    expect(stop.outcome).toBe("unsupported");
    expect(stop.stop).toMatchObject({ line: 4, kind: "CREATE SERVER" });
    const go = mtr(`${DIR}/t/unsupported.test`, { continueOnError: true });
    expect(go.outcome).toBe("completed");
    expect(go.output).toMatch(/## mysqlsim: .*unsupported\.test:4: unsupported CREATE SERVER: .*\nSELECT 2 AS after;\nafter\n2\n$/);
    expect(go.unsupported).toEqual({ "CREATE SERVER": 1 });
  });

  it("a reap that can never complete ends with a message naming the wait, not a hang", () => {
    const r = mtr(`${DIR}/t/hang.test`);
    expect(r.outcome).toBe("failed");
    expect(r.stop?.message).toMatch(/reap on connection 'con2' \("SELECT \* FROM t1"\) did not complete .*con2 waits "Waiting for table metadata lock" on MDL TABLE test\.t1 held by con1/);
    const go = mtr(`${DIR}/t/hang.test`, { continueOnError: true });
    expect(go.outcome).toBe("completed");
    expect(go.output).toContain("after the hang");
    expect(go.markers.map((m) => m.type)).toEqual(["hang"]);
  });

  it("an unexpected success is the failure mysqltest reports", () => {
    const f = join(mkdtempSync(join(tmpdir(), "mtr-")), "t.test");
    writeFileSync(f, "--error ER_NO_SUCH_TABLE\nSELECT 1;\n");
    const r = mtr(f, { basedir: dirname(f) });
    expect(r.outcome).toBe("failed");
    expect(r.stop?.message).toBe("mysqltest: At line 2: query 'SELECT 1' succeeded - should have failed with errno 1146...");
  });
});

describe("result comparison", () => {
  it("counts the recorded lines the output has, in order (one missing line does not shift the rest)", () => {
    const c = compareResults("a\nb\nc\nd\n", "a\nc\nX\nd\n");
    expect([c.matching, c.total, c.produced]).toEqual([3, 4, 4]);
    expect(c.hunks).toEqual([
      { expectedLine: 2, actualLine: 2, removed: ["b"], added: [] },
      { expectedLine: 4, actualLine: 3, removed: [], added: ["X"] },
    ]);
  });
});

describe("--to-yaml", () => {
  it("the converted send/reap test loads and runs as a scenario, with the wait as wait_state", () => {
    const file = `${DIR}/t/send-reap.test`;
    const { yaml, warnings } = testToScenarioYaml(readFileSync(file, "utf8"), { file, version: "8.0", basedir: resolve(DIR), readFile: read, resolve, dirname });
    expect(warnings).toEqual([]);
    expect(yaml).toContain("wait_state:\n      con2: Waiting for table metadata lock");
    const sc = loadScenario(yaml, "send-reap.yaml");
    const run = runScenario(sc, { seed: 1 });
    expect(run.report.outcome).toBe("completed");
    expect(run.report.expectations.every((e) => e.ok)).toBe(true);
  });

  it("a killed connection's reconnect becomes a connect step; the scenario runs to its end", () => {
    const file = `${DIR}/t/kill-connection.test`;
    const { yaml } = testToScenarioYaml(readFileSync(file, "utf8"), { file, version: "8.0", basedir: resolve(DIR), readFile: read, resolve, dirname });
    expect(yaml).toMatch(/- kill: con1\n[\s\S]*error: CR_SERVER_LOST\n  - connect: con1\n/);
    const run = runScenario(loadScenario(yaml, "kill-connection.yaml"), { seed: 1 });
    expect(run.report.outcome).toBe("completed");
    expect(run.report.expectations.filter((e) => !e.ok)).toEqual([]);
  });
});

describe("the mtr command", () => {
  it("--result prints the match count; exit 0 when every line matches", () => {
    const r = cli("mtr", `${DIR}/t/errors.test`, "--result", `${DIR}/r/errors.result`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/result: (\d+) of \1 lines match/);
  });

  it("an unsupported statement without --continue: file:line, exit 2", () => {
    const r = cli("mtr", `${DIR}/t/unsupported.test`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unsupported\.test:4: unsupported CREATE SERVER/);
  });

  it("binlog.test (RESET MASTER, SHOW MASTER STATUS, SHOW BINLOG EVENTS, SET debug) matches its result on 5.7", () => {
    const r = cli("mtr", `${DIR}/t/binlog.test`, "--version", "5.7", "--result", `${DIR}/r/binlog.result`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/result: (\d+) of \1 lines match/);
  });

  it("user-locks.test (GET_LOCK in WHERE and DO, User lock wait, ER_USER_LOCK_DEADLOCK, release at disconnect) matches its result on 5.7 and 8.0", () => {
    for (const v of ["5.7", "8.0"]) {
      const r = cli("mtr", `${DIR}/t/user-locks.test`, "--version", v, "--result", `${DIR}/r/user-locks.result`);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/result: (\d+) of \1 lines match/);
    }
  });

  it("csv-repair.test: a crashed CSV table, recover_ot_repair, auto-repair under X and the I_S skip warning (5.7)", () => {
    const r = runMtr({ file: resolve(`${DIR}/t/csv-repair.test`), basedir: resolve(DIR), version: "5.7", continueOnError: false, readFile: read, resolve, dirname });
    expect(r.outcome).toBe("completed");
    expect(r.unreachedSyncPoints).toEqual([]);
    expect(r.output).toBe(readFileSync(`${DIR}/r/csv-repair.result`, "utf8"));
    // ha_tina::check() under LOCK TABLES, then the reader's repair waited for X behind CHECK's SR
    expect(r.output).toContain("test.t1\tcheck\terror\tCorrupt");
    expect(r.output).toContain('info = "SELECT * FROM t1";\nCOUNT(*)\n1\n');
    // only the I_S query of a session holding metadata locks skips the table
    expect(r.output.match(/Warning\t1194\tTable 't1' is marked as crashed and should be repaired/g)?.length).toBe(1);
  });

  it("a debug keyword no model has is unsupported, named: file:line without --continue, a marker with it", () => {
    const f = join(mkdtempSync(join(tmpdir(), "mtr-")), "t.test");
    writeFileSync(f, "SELECT 1;\nSET SESSION debug='+d,simulate_disk_full_on_open_binlog';\nSELECT 2;\n");
    const stop = cli("mtr", f);
    expect(stop.code).toBe(2);
    expect(stop.stderr).toMatch(/t\.test:2: unsupported SET debug: .*simulate_disk_full_on_open_binlog/);
    const go = cli("mtr", f, "--continue");
    expect(go.stdout).toMatch(/## mysqlsim: .*t\.test:2: unsupported SET debug/);
    expect(go.stdout).toContain("SELECT 2;");
  });

  it("--json is one line with the counts", () => {
    const r = cli("mtr", `${DIR}/t/kill-waiter.test`, "--result", `${DIR}/r/kill-waiter.result`, "--json");
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ outcome: "completed", match_pct: 100, unreached_sync_points: [expect.objectContaining({ point: "no_such_point_in_the_model" })] });
  });
});

// MySQL's own test (reference input, not part of the project): it must run to its end, bounded
const KILL = "../shared/mtr/mysql-5.7.35/t/kill.test";
describe.skipIf(!existsSync(KILL))("MySQL 5.7's kill.test (../shared/mtr)", () => {
  it("runs to its end with --continue in bounded steps, no crash, no hang", () => {
    const r = runMtr({ file: resolve(KILL), basedir: resolve(dirname(KILL), ".."), version: versionFromPath(KILL), continueOnError: true, readFile: read, resolve, dirname, maxSteps: 2_000_000 });
    expect(r.outcome).toBe("completed");
    expect(r.steps).toBeLessThan(2_000_000);
    const cmp = compareResults(readFileSync("../shared/mtr/mysql-5.7.35/r/kill.result", "utf8"), r.output);
    expect(cmp.matching / cmp.total).toBeGreaterThan(0.85);
  });
});
if (!existsSync(KILL)) console.log(`mtr: ${KILL} is absent; MySQL's kill.test run is skipped`);
