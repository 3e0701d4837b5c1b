// RESET MASTER, SHOW MASTER STATUS, SHOW BINLOG EVENTS and SET debug from YAML scenarios: the
// events and positions the model writes, and the locks the statements wait on (MYSQL_BIN_LOG::
// reset_logs, show_binlog_events), checked against what MySQL 5.7's source does.
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { parseDebugValue } from "../../src/mysql/debug-keywords.js";
import { parseStatement, SqlError } from "../../src/mysql/sql/parse.js";

function run(steps: string, version = "5.7", variables = "") {
  const yaml = `name: binlog statements\nversion: "${version}"\n${variables}setup:\n  - CREATE TABLE t (id INT PRIMARY KEY)\nsteps:\n${steps}`;
  const r = runScenario(loadScenario(yaml, "binlog.yaml"), { seed: 1 });
  const rows = (sql: string): string[][] => r.statements.filter((s) => s.sql === sql).at(-1)?.result?.rows.map((row) => row.map(String)) ?? [];
  return { r, rows };
}

describe("SHOW BINLOG EVENTS and SHOW MASTER STATUS", () => {
  it("5.7: Format_desc ends at 123, Previous_gtids at 154; a transaction is Anonymous_Gtid, BEGIN, the statement, Xid", () => {
    const { r, rows } = run(`  - A: SET binlog_format=STATEMENT\n  - A: INSERT INTO t VALUES (1)\n  - A: SHOW BINLOG EVENTS\n  - A: SHOW MASTER STATUS\n`);
    expect(r.report.outcome).toBe("completed");
    const ev = rows("SHOW BINLOG EVENTS");
    expect(ev.map((e) => [e[1], e[2], e[4]]).slice(0, 3)).toEqual([["4", "Format_desc", "123"], ["123", "Previous_gtids", "154"], ["154", "Anonymous_Gtid", "219"]]);
    expect(ev.map((e) => e[2])).toEqual(["Format_desc", "Previous_gtids", "Anonymous_Gtid", "Query", "Query", "Xid"]);
    expect(ev[4]![5]).toBe("use `test`; INSERT INTO t VALUES (1)");
    // each event starts where the one before ended; the Xid event is 31 bytes
    for (let i = 1; i < ev.length; i++) expect(ev[i]![1]).toBe(ev[i - 1]![4]);
    expect(Number(ev[5]![4]) - Number(ev[5]![1])).toBe(31);
    // SHOW MASTER STATUS: the active file and the end of its last event
    expect(rows("SHOW MASTER STATUS")).toEqual([["binlog.000001", ev.at(-1)![4], "", "", ""]]);
  });

  it("row format (the 5.7 default): Table_map and Write_rows; FROM and LIMIT offset, count", () => {
    const { rows } = run(`  - A: INSERT INTO t VALUES (1), (2)\n  - A: SHOW BINLOG EVENTS FROM 154 LIMIT 2, 2\n`);
    expect(rows("SHOW BINLOG EVENTS FROM 154 LIMIT 2, 2").map((e) => [e[2], e[5]])).toEqual([["Table_map", "table_id: 108 (test.t)"], ["Write_rows", "table_id: 108 flags: STMT_END_F"]]);
  });

  it("5.6 and 8.0 headers: first event ends at 120 / 125, Previous_gtids at 151 / 156", () => {
    for (const [version, fd, pg] of [["5.6.12", "120", "151"], ["8.0", "125", "156"]] as const) {
      const { rows } = run(`  - A: SHOW BINLOG EVENTS LIMIT 2\n`, version);
      expect(rows("SHOW BINLOG EVENTS LIMIT 2").map((e) => e[4])).toEqual([fd, pg]);
    }
  });

  it("a file that is not in the index and an offset inside an event are errors, as show_binlog_events() gives them", () => {
    const { r } = run(`  - A: SHOW BINLOG EVENTS IN 'binlog.000007'\n    error: ER_ERROR_WHEN_EXECUTING_COMMAND\n  - A: SHOW BINLOG EVENTS FROM 5\n    error: ER_ERROR_WHEN_EXECUTING_COMMAND\n`);
    expect(r.report.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.report.outcome).toBe("completed");
  });

  it("log_bin=OFF: both statements return an empty result set, no error", () => {
    const { r, rows } = run(`  - A: SHOW MASTER STATUS\n  - A: SHOW BINLOG EVENTS\n`, "5.7", "variables:\n  log_bin: OFF\n");
    expect(r.report.outcome).toBe("completed");
    expect(rows("SHOW MASTER STATUS")).toEqual([]);
    expect(r.statements.find((s) => s.sql === "SHOW BINLOG EVENTS")?.result?.columns).toEqual(["Log_name", "Pos", "Event_type", "Server_id", "End_log_pos", "Info"]);
  });
});

describe("RESET MASTER (MYSQL_BIN_LOG::reset_logs)", () => {
  it("waits for LOCK_log while a commit holds it in its flush stage, then leaves one file with only its header", () => {
    const { r, rows } = run(
      [
        "  - B: SET DEBUG_SYNC='bgc_after_flush_stage_before_sync_stage SIGNAL flushed WAIT_FOR go'",
        "  - B: { send: INSERT INTO t VALUES (3) }",
        "  - debug_sync: now WAIT_FOR flushed",
        "  - A: { send: RESET MASTER }",
        "  - sleep: 5ms",
        "  - debug_sync: now SIGNAL go",
        "  - reap: B",
        "  - reap: A",
        "  - A: SHOW BINLOG EVENTS",
        "",
      ].join("\n"),
    );
    expect(r.report.outcome).toBe("completed");
    const reset = r.statements.find((s) => s.sql === "RESET MASTER")!;
    const insert = r.statements.find((s) => s.sql === "INSERT INTO t VALUES (3)")!;
    // RESET MASTER could not finish while the INSERT's flush stage held LOCK_log (5 ms)
    expect(reset.endNs - reset.startNs).toBeGreaterThanOrEqual(5_000_000);
    expect(reset.endNs).toBeGreaterThanOrEqual(insert.endNs - 1_000_000);
    expect(rows("SHOW BINLOG EVENTS").map((e) => e[2])).toEqual(["Format_desc", "Previous_gtids"]);
  });

  it("commits the session's own transaction first; another session's open transaction goes to the new file", () => {
    const { r, rows } = run(
      [
        "  - A: SET binlog_format=STATEMENT",
        "  - B: SET binlog_format=STATEMENT",
        "  - B: BEGIN",
        "  - B: INSERT INTO t VALUES (2)",
        "  - A: BEGIN",
        "  - A: INSERT INTO t VALUES (1)",
        "  - A: RESET MASTER",
        "  - A: ROLLBACK",
        "  - B: COMMIT",
        "  - A: SHOW BINLOG EVENTS",
        "  - A: SELECT COUNT(*) FROM t",
        "",
      ].join("\n"),
    );
    expect(r.report.outcome).toBe("completed");
    expect(rows("SELECT COUNT(*) FROM t")).toEqual([["2"]]);
    const infos = rows("SHOW BINLOG EVENTS").map((e) => e[5]);
    expect(infos).toContain("use `test`; INSERT INTO t VALUES (2)");
    expect(infos).not.toContain("use `test`; INSERT INTO t VALUES (1)");
  });
});

describe("SET debug (DBUG keywords)", () => {
  it("parses +d, -d, d and '' and rejects an unmodelled keyword at parse, naming it", () => {
    expect(parseDebugValue("+d,force_rotate")).toEqual({ op: "add", keywords: ["force_rotate"] });
    expect(parseDebugValue("-d,force_rotate")).toEqual({ op: "remove", keywords: ["force_rotate"] });
    expect(parseDebugValue("")).toEqual({ op: "set", keywords: [] });
    expect(() => parseStatement("SET SESSION debug='+d,simulate_no_such_thing'")).toThrow(SqlError);
    expect(() => parseStatement("SET SESSION debug='+d,simulate_no_such_thing'")).toThrow(/simulate_no_such_thing/);
    expect(() => loadScenario(`name: x\nversion: "5.7"\nsteps:\n  - A: SET GLOBAL debug='+d,crash_commit_after_log'\n`, "bad.yaml")).toThrow(/bad\.yaml:4:\d+: debug keyword .crash_commit_after_log. is not modelled/);
  });

  it("force_rotate: the session's commit rotates to file 2; -d removes it; SET GLOBAL is seen by sessions with no list of their own", () => {
    const { r, rows } = run(
      [
        "  - A: SET SESSION debug='+d,force_rotate'",
        "  - A: INSERT INTO t VALUES (1)",
        "  - A: SET SESSION debug='-d,force_rotate'",
        "  - A: INSERT INTO t VALUES (2)",
        "  - A: SHOW MASTER STATUS",
        "  - B: SET GLOBAL debug='+d,force_rotate'",
        "  - C: INSERT INTO t VALUES (3)",
        "  - C: SHOW MASTER STATUS",
        "  - C: SHOW BINLOG EVENTS IN 'binlog.000001'",
        "",
      ].join("\n"),
    );
    expect(r.report.outcome).toBe("completed");
    const status = r.statements.filter((s) => s.sql === "SHOW MASTER STATUS").map((s) => s.result!.rows[0]![0]);
    expect(status).toEqual(["binlog.000002", "binlog.000003"]);
    expect(rows("SHOW BINLOG EVENTS IN 'binlog.000001'").at(-1)!.slice(2)).toEqual(["Rotate", "1", expect.any(String), "binlog.000002;pos=4"]);
  });

  it("mysql_lock_tables_kill_query: the statement ends with ER_QUERY_INTERRUPTED once its table locks are taken", () => {
    const { r } = run(`  - A: SET debug='+d,mysql_lock_tables_kill_query'\n  - A: SELECT * FROM t\n    error: ER_QUERY_INTERRUPTED\n  - A: SET debug='-d,mysql_lock_tables_kill_query'\n  - A: SELECT * FROM t\n`);
    expect(r.report.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.report.outcome).toBe("completed");
  });
});
