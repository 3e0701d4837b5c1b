// The SQL surface MySQL's lock tests use (mdl_sync, flush_read_lock, kill), each at the lock
// level: inline scenarios run as `mysqlsim run` runs them, checked on errors, waits, order and the
// result sets the client got.
import { describe, expect, it } from "vitest";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";
import { type RunArtifacts, runScenario } from "../../src/scenario/run.js";

function run(yaml: string): RunArtifacts {
  return runScenario(loadScenario(`name: t\nversion: "5.7"\n${yaml}`, "t.yaml"), { seed: 1 });
}

function failed(art: RunArtifacts): string[] {
  return art.report.expectations.filter((e) => !e.ok).map((e) => `${e.text}: ${e.actual ?? ""}`);
}

/** The result set of the n-th statement (0-based) of a connection whose text starts with `prefix`. */
function result(art: RunArtifacts, conn: string, prefix: string): (string | null)[][] | undefined {
  return art.statements.find((s) => s.conn === conn && s.sql.toLowerCase().startsWith(prefix.toLowerCase()))?.result?.rows;
}

describe("temporary tables", () => {
  it("take no global read lock IX: writes to them run under FTWRL, writes to base tables do not", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1_base (i INT)
steps:
  - default: CREATE TEMPORARY TABLE t1_temp (i INT)
  - con1: FLUSH TABLES WITH READ LOCK
  - default: INSERT INTO t1_temp VALUES (1)
  - default: ALTER TABLE t1_temp ADD COLUMN c1 INT
  - default: DROP TABLE t1_temp
  - default: CREATE TEMPORARY TABLE t2_temp (j INT)
  - default: { send: INSERT INTO t1_base VALUES (1) }
  - wait_state: { default: Waiting for global read lock }
  - con1: UNLOCK TABLES
  - reap: default
  - con1: FLUSH TABLES WITH READ LOCK
  - con1: INSERT INTO t1_base VALUES (1)
    error: ER_CANT_UPDATE_WITH_READLOCK
  - con1: CREATE TEMPORARY TABLE t3_temp (i INT)
  - con1: INSERT INTO t3_temp VALUES (1)
  - con1: UNLOCK TABLES
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });

  it("are allowed in LOCK TABLES and usable under it without a lock", () => {
    const art = run(`
connections: [default]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: CREATE TEMPORARY TABLE tt (i INT)
  - default: LOCK TABLES t1 READ, tt WRITE
  - default: INSERT INTO tt VALUES (1)
  - default: SELECT count(*) FROM tt
  - default: UNLOCK TABLES
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "default", "SELECT count(*) FROM tt")).toEqual([["1"]]);
  });
});

describe("implicit commits go through the commit lock", () => {
  it("SET autocommit=1 with pending changes waits in 'Waiting for commit lock' behind FTWRL", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: SET autocommit= 0
  - default: INSERT INTO t1 VALUES (1)
  - con1: FLUSH TABLES WITH READ LOCK
  - default: { send: SET autocommit= 1 }
  - wait_state: { default: Waiting for commit lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });

  it("DDL, LOCK TABLES and BEGIN commit the open transaction first (COMMIT lock)", () => {
    for (const stmt of ["CREATE TABLE t9 (i INT)", "LOCK TABLES t1 READ", "BEGIN", "CREATE DATABASE db9", "CREATE VIEW v9 AS SELECT 1"]) {
      const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: BEGIN
  - default: INSERT INTO t1 VALUES (1)
  - con1: FLUSH TABLES WITH READ LOCK
  - default: { send: "${stmt}" }
  - wait_state: { default: Waiting for commit lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
      expect(failed(art), stmt).toEqual([]);
    }
  });
});

describe("table existence is checked under the lock", () => {
  it("an INSERT that waited for a DROP finds the table gone: ER_NO_SUCH_TABLE; DROP of a dropped table: ER_BAD_TABLE_ERROR", () => {
    const art = run(`
connections: [default, con1, con2]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: LOCK TABLES t1 WRITE
  - con1: { send: INSERT INTO t1 VALUES (1) }
  - wait_state: { con1: Waiting for table metadata lock }
  - con2: { send: DROP TABLE t1 }
  - wait_state: { con2: Waiting for table metadata lock }
  - default: DROP TABLE t1
  - default: UNLOCK TABLES
  - reap: con1
    error: ER_NO_SUCH_TABLE
  - reap: con2
    error: ER_BAD_TABLE_ERROR
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });
});

describe("stored routines, triggers and views lock what they use", () => {
  it("a function that writes a base table makes SELECT f() wait for FTWRL; one that writes a temporary table does not", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1_base (i INT)
steps:
  - default: CREATE TEMPORARY TABLE t1_temp (i INT)
  - default: CREATE FUNCTION f_base() RETURNS INT BEGIN INSERT INTO t1_base VALUES (1); RETURN 0; END
  - default: CREATE FUNCTION f_temp() RETURNS INT BEGIN INSERT INTO t1_temp VALUES (1); RETURN 0; END
  - con1: FLUSH TABLES WITH READ LOCK
  - default: SELECT f_temp()
  - default: { send: SELECT f_base() }
  - wait_state: { default: Waiting for global read lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "default", "SELECT f_temp()")).toEqual([["0"]]);
  });

  it("CREATE FUNCTION / DATABASE / VIEW / TRIGGER are blocked by FTWRL, and fail under one's own", () => {
    for (const stmt of ["CREATE FUNCTION f2() RETURNS INT RETURN 0", "CREATE DATABASE db2", "CREATE VIEW v2 AS SELECT 1 AS j", "CREATE TRIGGER t1_bi BEFORE INSERT ON t1 FOR EACH ROW BEGIN END", "CREATE USER u1", "DROP FUNCTION f1"]) {
      const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: CREATE FUNCTION f1() RETURNS INT RETURN 1
  - con1: FLUSH TABLES WITH READ LOCK
  - con1: "${stmt}"
    error: ER_CANT_UPDATE_WITH_READLOCK
  - default: { send: "${stmt}" }
  - wait_state: { default: Waiting for global read lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
      expect(failed(art), stmt).toEqual([]);
    }
  });

  it("a trigger's table is prelocked: INSERT into t1 with a trigger writing t2 waits for LOCK TABLES t2 READ", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
  - CREATE TABLE t2 (i INT)
steps:
  - default: CREATE TRIGGER t1_ai AFTER INSERT ON t1 FOR EACH ROW INSERT INTO t2 VALUES (1)
  - con1: LOCK TABLES t2 READ
  - default: { send: INSERT INTO t1 VALUES (1) }
  - wait_state: { default: Waiting for table metadata lock }
  - con1: UNLOCK TABLES
  - reap: default
  - default: DROP TRIGGER t1_ai
  - default: DROP TRIGGER t1_ai
    error: ER_TRG_DOES_NOT_EXIST
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });

  it("a view's tables are locked by the statement reading the view", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
  - INSERT INTO t1 VALUES (1), (2)
steps:
  - default: CREATE VIEW v1 AS SELECT i FROM t1
  - con1: LOCK TABLES t1 WRITE
  - default: { send: SELECT count(*) FROM v1 }
  - wait_state: { default: Waiting for table metadata lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "default", "SELECT count(*) FROM v1")).toEqual([["2"]]);
  });
});

describe("admin statements", () => {
  it("OPTIMIZE under one's own FTWRL reports the open error in its result set (mysql_admin_table), and waits for another's", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT) ENGINE=MyISAM
steps:
  - con1: FLUSH TABLES WITH READ LOCK
  - con1: OPTIMIZE TABLE t1
  - default: { send: OPTIMIZE TABLE t1 }
  - wait_state: { default: Waiting for global read lock }
  - con1: UNLOCK TABLES
  - reap: default
  - default: CHECK TABLE t1
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(art.statements.find((s) => s.conn === "con1" && s.sql === "OPTIMIZE TABLE t1")?.result?.rows).toEqual([
      ["test.t1", "optimize", "Error", "Can't execute the query because you have a conflicting read lock"],
      ["test.t1", "optimize", "error", "Corrupt"],
    ]);
    expect(result(art, "default", "CHECK TABLE")).toEqual([["test.t1", "check", "status", "OK"]]);
  });
});

describe("CREATE / ALTER / DROP DATABASE take the schema lock X", () => {
  it("a second CREATE DATABASE waits in 'Waiting for schema metadata lock' and then fails: database exists", () => {
    const art = run(`
connections: [con1, con2]
steps:
  - con1: SET DEBUG_SYNC= 'after_wait_locked_schema_name SIGNAL locked WAIT_FOR blocked'
  - con1: { send: CREATE DATABASE db1 }
  - debug_sync: now WAIT_FOR locked
  - con2: { send: CREATE DATABASE db1 }
  - wait_state: { con2: Waiting for schema metadata lock }
  - debug_sync: now SIGNAL blocked
  - reap: con1
  - reap: con2
    error: ER_DB_CREATE_EXISTS
  - con1: DROP DATABASE db1
  - con1: DROP DATABASE db1
    error: ER_DB_DROP_EXISTS
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });
});

describe("HANDLER", () => {
  it("mysql_ha_flush: a HANDLER whose table a DDL waits for is closed at the owner's next statement, and READ reopens it", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
  - CREATE TABLE t2 (i INT)
  - INSERT INTO t1 VALUES (7)
steps:
  - default: HANDLER t1 OPEN
  - con1: { send: "DROP TABLE t2, t1" }
  - wait_state: { con1: Waiting for table metadata lock }
  - comment: the owner opens another table; open_tables() flushes the HANDLER, the DROP goes on
  - default: SELECT count(*) FROM t2
  - reap: con1
  - default: HANDLER t1 READ FIRST
    error: ER_NO_SUCH_TABLE
  - default: HANDLER t1 CLOSE
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });
});

describe("XA and the commit lock", () => {
  it("XA COMMIT of a prepared transaction waits for FTWRL in 'Waiting for commit lock'", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: XA START 'test1'
  - default: INSERT INTO t1 VALUES (1)
  - default: XA END 'test1'
  - default: XA PREPARE 'test1'
  - default: XA RECOVER
  - con1: FLUSH TABLES WITH READ LOCK
  - default: { send: XA COMMIT 'test1' }
  - wait_state: { default: Waiting for commit lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "default", "XA RECOVER")).toEqual([["1", "5", "0", "test1"]]);
  });
});

describe("KILL and KILL QUERY of a waiter", () => {
  it("KILL QUERY ends an MDL wait with ER_QUERY_INTERRUPTED; KILL @id through a user variable", () => {
    const art = run(`
connections: [default, con1, con2]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: LOCK TABLES t1 WRITE
  - con1: SELECT @id := CONNECTION_ID()
  - con1: { send: SELECT * FROM t1 }
  - wait_state: { con1: Waiting for table metadata lock }
  - con2: SET @id := 2
  - con2: KILL QUERY @id
  - reap: con1
    error: ER_QUERY_INTERRUPTED
  - con2: KILL 99
    error: ER_NO_SUCH_THREAD
  - default: UNLOCK TABLES
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "con1", "SELECT @id")).toEqual([["2"]]);
  });
});

describe("rows: counts and duplicate keys", () => {
  it("INSERT/DELETE/UPDATE change the rows a SELECT counts; a PRIMARY KEY gives ER_DUP_ENTRY", () => {
    const art = run(`
connections: [default]
steps:
  - default: CREATE TABLE t1 (i INT PRIMARY KEY, j INT)
  - default: INSERT INTO t1 VALUES (1, 10), (2, 20), (3, 30)
  - default: INSERT INTO t1 VALUES (2, 0)
    error: ER_DUP_ENTRY
  - default: DELETE FROM t1 WHERE i = 1
  - default: UPDATE t1 SET j = 99 WHERE i = 3
  - default: SELECT count(*), max(j) FROM t1
  - default: SHOW TABLES
  - default: SHOW CREATE TABLE t1
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "default", "SELECT count(*)")).toEqual([["2", "99"]]);
    expect(result(art, "default", "SHOW TABLES")).toEqual([["t1"]]);
    expect(result(art, "default", "SHOW CREATE TABLE")?.[0]?.[1]).toMatch(/PRIMARY KEY \(`i`\)/);
  });

  it("processlist queries as wait_condition.inc runs them", () => {
    const art = run(`
connections: [default, con1, con2]
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - default: LOCK TABLES t1 WRITE
  - con1: { send: insert into t1 values (1) }
  - wait_state: { con1: Waiting for table metadata lock }
  - con2: select count(*) = 1 from information_schema.processlist where state = "Waiting for table metadata lock" and info = "insert into t1 values (1)"
  - default: UNLOCK TABLES
  - reap: con1
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
    expect(result(art, "con2", "select count(*) = 1")).toEqual([["1"]]);
  });
});

describe("validate: a DEBUG_SYNC point the connection's statements cannot reach", () => {
  it("is a positioned error naming where the point is", () => {
    let err: unknown;
    try {
      loadScenario(`name: x\nconnections: [con1]\nsteps:\n  - con1: SET DEBUG_SYNC='after_wait_locked_schema_name SIGNAL s'\n  - con1: SELECT 1\n`, "x.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toMatch(/^x\.yaml:4:\d+: DEBUG_SYNC point "after_wait_locked_schema_name" is armed on con1, but no later statement of con1 can reach it: it is in lock\.cc lock_schema_name\(\)/);
  });
  it("an unknown point is named", () => {
    expect(() => loadScenario(`name: x\nconnections: [con1]\nsteps:\n  - con1: SET DEBUG_SYNC='no_such_point SIGNAL s'\n  - con1: SELECT 1\n`, "x.yaml")).toThrow(/no modelled code reaches DEBUG_SYNC point "no_such_point"/);
  });
  it("a point on the statement's path is fine", () => {
    expect(() => loadScenario(`name: x\nconnections: [con1]\nsteps:\n  - con1: SET DEBUG_SYNC='after_wait_locked_schema_name SIGNAL s'\n  - con1: CREATE DATABASE d\n`, "x.yaml")).not.toThrow();
  });
});

describe("thr_lock table-level locks (MyISAM)", () => {
  it("READ LOCAL lets a concurrent INSERT in, keeps an UPDATE waiting in 'Waiting for table level lock'; InnoDB takes none", () => {
    const art = run(`
connections: [default, con1]
setup:
  - CREATE TABLE t1 (i INT) ENGINE=MyISAM
  - CREATE TABLE t2 (i INT) ENGINE=InnoDB
steps:
  - con1: LOCK TABLE t1 READ LOCAL, t2 READ LOCAL
  - default: INSERT INTO t1 VALUES (1)
  - default: UPDATE t2 SET i = 2
  - default: { send: UPDATE t1 SET i = 2 }
  - wait_state: { default: Waiting for table level lock }
  - con1: UNLOCK TABLES
  - reap: default
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });

  it("a HANDLER owner waiting for a table level lock is aborted by a DDL that needs its table: ER_LOCK_ABORTED", () => {
    const art = run(`
variables: { default_storage_engine: MyISAM }
connections: [default, handler_con1, handler_con2]
setup:
  - CREATE TABLE t1 (i INT)
  - CREATE TABLE t2 (j INT)
steps:
  - default: HANDLER t1 OPEN
  - handler_con1: LOCK TABLE t1 WRITE, t2 READ LOCAL
  - default: { send: UPDATE t2 SET j=3 }
  - wait_state: { default: Waiting for table level lock }
  - handler_con1: { send: ALTER TABLE t1 ADD COLUMN j INT }
  - wait_state: { handler_con1: Waiting for table metadata lock }
  - reap: default
    error: ER_LOCK_ABORTED
  - default: HANDLER t1 CLOSE
  - reap: handler_con1
  - handler_con1: UNLOCK TABLES
expect:
  - outcome: completed
`);
    expect(failed(art)).toEqual([]);
  });
});

describe("KILL QUERY of a metadata-lock waiter", () => {
  // The waiter shows its wait state before it parks (the code that sets it runs on a CPU); a KILL
  // landing then found nothing parked and was lost, and the ALTER waited forever. MDL_wait::timed_wait
  // looks at thd->killed before it sleeps, so the wait ends with ER_QUERY_INTERRUPTED.
  for (const seed of [1, 2, 3]) {
    it(`ends the wait at once, even when it lands before the wait parks (seed ${seed})`, () => {
      const art = runScenario(
        loadScenario(
          `name: t
setup:
  - CREATE TABLE t1 (i INT)
steps:
  - con1: BEGIN
  - con1: SELECT * FROM t1
  - con2: { send: ALTER TABLE t1 ADD COLUMN j INT }
  - wait_state: { con2: Waiting for table metadata lock }
  - kill_query: con2
  - reap: con2
    error: ER_QUERY_INTERRUPTED
  - con1: COMMIT
expect:
  - outcome: completed
`,
          "t.yaml",
        ),
        { seed },
      );
      expect(art.report.outcome).toBe("completed");
      expect(failed(art)).toEqual([]);
    });
  }
});
