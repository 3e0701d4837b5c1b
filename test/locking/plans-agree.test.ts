// One table says which metadata locks a statement takes: LOCK_RULES in src/mysql/mdl/rules.ts.
// The pure plans of statements.ts (statementLocks, for the MDL unit tests) and the running
// integration of src/mysql/locking/ (what scenarios do) both build on it, and each adds the
// procedural steps (ALTER's upgrades and downgrades). This runs each statement alone in a
// scenario, reads the mdl.request / mdl.upgrade / mdl.downgrade records of its connection from
// the trace, and holds them to the plan, so the two executions cannot drift apart.
import { describe, expect, it } from "vitest";
import type { ForeignKeyDef } from "../../src/mysql/mdl/rules.js";
import { type LockStep, statementLocks, type StatementKind, type StatementParams } from "../../src/mysql/mdl/statements.js";
import { describeKey, MDL_DURATION_PFS_NAME, MDL_TYPE_PFS_NAME } from "../../src/mysql/mdl/types.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";


interface Case {
  sql: string;
  kind: StatementKind;
  params?: StatementParams;
  /** run inside BEGIN, so an autocommit COMMIT (its own COMMIT IX) is not part of the statement */
  inTransaction?: boolean;
}

const FKS: ForeignKeyDef[] = [{ child: { db: "test", name: "fkc" }, parent: { db: "test", name: "fkp" }, onDelete: "CASCADE", onUpdate: "RESTRICT" }];

const CASES: Case[] = [
  { sql: "SELECT * FROM t1", kind: "SELECT" },
  { sql: "SELECT * FROM t1 FOR UPDATE", kind: "SELECT_FOR_UPDATE" },
  { sql: "SELECT * FROM t1 LOCK IN SHARE MODE", kind: "SELECT_FOR_SHARE" },
  { sql: "INSERT INTO t1 VALUES (1)", kind: "INSERT", inTransaction: true },
  { sql: "UPDATE t1 SET id = 2", kind: "UPDATE", inTransaction: true },
  { sql: "DELETE FROM t1", kind: "DELETE", inTransaction: true },
  { sql: "LOCK TABLES t1 READ", kind: "LOCK_TABLES_READ" },
  { sql: "LOCK TABLES t1 WRITE", kind: "LOCK_TABLES_WRITE" },
  // ALGORITHM=DEFAULT runs as COPY in the integration (docs/mdl.md)
  { sql: "ALTER TABLE t1 ADD COLUMN c INT", kind: "ALTER_TABLE", params: { algorithm: "COPY" } },
  { sql: "ALTER TABLE t1 ADD COLUMN c INT, ALGORITHM=COPY", kind: "ALTER_TABLE", params: { algorithm: "COPY" } },
  { sql: "ALTER TABLE t1 ADD COLUMN c INT, ALGORITHM=COPY, LOCK=EXCLUSIVE", kind: "ALTER_TABLE", params: { algorithm: "COPY", lock: "EXCLUSIVE" } },
  { sql: "ALTER TABLE t1 ADD INDEX i (id), ALGORITHM=INPLACE", kind: "ALTER_TABLE", params: { algorithm: "INPLACE" } },
  { sql: "CREATE TABLE t9 (id INT)", kind: "CREATE_TABLE", params: { table: "t9" } },
  { sql: "DROP TABLE t1", kind: "DROP_TABLE" },
  { sql: "TRUNCATE TABLE t1", kind: "TRUNCATE_TABLE" },
  { sql: "RENAME TABLE t1 TO t1_new", kind: "RENAME_TABLE" },
  { sql: "HANDLER t1 OPEN", kind: "HANDLER_OPEN" },
  // foreign keys (the setup's fkp <- fkc ON DELETE CASCADE): 8.0 process_table_fks, ALTER's FK locks
  { sql: "INSERT INTO fkc VALUES (1, 1)", kind: "INSERT", params: { table: "fkc", foreignKeys: FKS }, inTransaction: true },
  { sql: "UPDATE fkp SET id = 2", kind: "UPDATE", params: { table: "fkp", foreignKeys: FKS }, inTransaction: true },
  { sql: "DELETE FROM fkp", kind: "DELETE", params: { table: "fkp", foreignKeys: FKS }, inTransaction: true },
  { sql: "DELETE FROM fkc", kind: "DELETE", params: { table: "fkc", foreignKeys: FKS }, inTransaction: true },
  { sql: "ALTER TABLE fkc ADD COLUMN c INT, ALGORITHM=COPY", kind: "ALTER_TABLE", params: { table: "fkc", algorithm: "COPY", foreignKeys: FKS } },
  { sql: "ALTER TABLE fkc ADD COLUMN c INT, ALGORITHM=INPLACE", kind: "ALTER_TABLE", params: { table: "fkc", algorithm: "INPLACE", foreignKeys: FKS } },
  { sql: "ALTER TABLE fkp ADD COLUMN c INT, ALGORITHM=INPLACE", kind: "ALTER_TABLE", params: { table: "fkp", algorithm: "INPLACE", foreignKeys: FKS } },
  { sql: "LOCK TABLES fkc WRITE", kind: "LOCK_TABLES_WRITE", params: { table: "fkc", foreignKeys: FKS } },
  { sql: "SELECT GET_LOCK('lock', 10)", kind: "GET_LOCK" },
  { sql: "FLUSH TABLES WITH READ LOCK", kind: "FTWRL" },
  { sql: "LOCK INSTANCE FOR BACKUP", kind: "LOCK_INSTANCE_FOR_BACKUP" },
];

function describeStep(s: LockStep): string | null {
  if (s.op === "acquire") return `acquire ${describeKey(s.key)} ${MDL_TYPE_PFS_NAME[s.type]} ${MDL_DURATION_PFS_NAME[s.duration]}`;
  if (s.op === "upgrade") return `upgrade ${describeKey(s.key)} ${MDL_TYPE_PFS_NAME[s.to]}`;
  if (s.op === "downgrade") return `downgrade ${describeKey(s.key)} ${MDL_TYPE_PFS_NAME[s.to]}`;
  return null; // duration changes, weights and work phases leave no request in the trace
}

function planned(c: Case, version: string): string[] {
  return statementLocks(c.kind, { version: version as "5.7" | "8.0", ...c.params })
    .steps.map(describeStep).filter((x): x is string => x !== null);
}

function ran(c: Case, version: string): string[] {
  const steps = [...(c.inTransaction ? ["  - con1: BEGIN"] : []), `  - con1: "${c.sql}"`];
  const yaml = `name: plan check\nversion: "${version}"\nsetup:\n  - CREATE TABLE t1 (id INT PRIMARY KEY)\n  - CREATE TABLE fkp (id INT PRIMARY KEY)\n  - CREATE TABLE fkc (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES fkp (id) ON DELETE CASCADE)\nsteps:\n${steps.join("\n")}\n`;
  const { trace } = runScenario(loadScenario(yaml, "plan-check.yaml"), { seed: 1 });
  const records = trace!.records;
  const from = records.findIndex((r) => r.k === "stmt" && r.th === "con1" && (r.d as { sql: string }).sql === c.sql);
  expect(from, `the statement ran: ${c.sql}`).toBeGreaterThanOrEqual(0);
  const to = records.findIndex((r, i) => i > from && r.k === "stmt_end" && r.th === "con1");
  return records
    .slice(from, to)
    .filter((r) => r.th === "con1" && (r.k === "mdl.request" || r.k === "mdl.upgrade" || r.k === "mdl.downgrade"))
    .map((r) => {
      const d = r.d as { type: string; duration?: string };
      return r.k === "mdl.request" ? `acquire ${r.o} ${d.type} ${d.duration}` : r.k === "mdl.upgrade" ? `upgrade ${r.o} ${d.type}` : `downgrade ${r.o} ${d.type}`;
    });
}

describe("the statement lock plans (statements.ts) and the running integration agree", () => {
  for (const version of ["5.7", "8.0"]) {
    for (const c of CASES) {
      it(`${version}: ${c.sql}`, () => {
        expect(ran(c, version)).toEqual(planned(c, version));
      });
    }
  }
});
