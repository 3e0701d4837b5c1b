// Two tables say which metadata locks a statement takes: the pure plans of src/mysql/mdl/
// statements.ts (statementLocks, used by the MDL unit tests and docs/mdl.md) and the running
// integration of src/mysql/locking/ (what scenarios do). This runs each statement alone in a
// scenario, reads the mdl.request / mdl.upgrade records of its connection from the trace, and
// holds them to the plan, so the two cannot drift apart unnoticed. Where the integration
// deliberately simplifies, the plan is normalised by a named rule, each one documented in
// docs/mdl.md ("What the model simplifies").
import { describe, expect, it } from "vitest";
import { type LockStep, statementLocks, type StatementKind, type StatementParams } from "../../src/mysql/mdl/statements.js";
import { describeKey, enum_mdl_duration, enum_mdl_type, MDL_DURATION_PFS_NAME, MDL_TYPE_PFS_NAME } from "../../src/mysql/mdl/types.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

type Rule = "create_takes_x_at_once" | "handler_explicit_at_once" | "inplace_without_prepare_x";

/** The integration's simplifications, as rewrites of the plan's steps. */
const RULES: Record<Rule, (steps: LockStep[]) => LockStep[]> = {
  // CREATE TABLE: open_table() takes S and upgrades to X when the table does not exist; the
  // integration asks for X at once (the same locks held while the table is created)
  create_takes_x_at_once: (steps) =>
    steps.flatMap((s, i) => {
      const next = steps[i + 1];
      if (s.op === "acquire" && s.type === enum_mdl_type.MDL_SHARED && next?.op === "upgrade" && next.to === enum_mdl_type.MDL_EXCLUSIVE) return [{ ...s, type: enum_mdl_type.MDL_EXCLUSIVE }];
      if (s.op === "upgrade" && steps[i - 1]?.op === "acquire" && (steps[i - 1] as { type: enum_mdl_type }).type === enum_mdl_type.MDL_SHARED) return [];
      return [s];
    }),
  // HANDLER OPEN: acquire then set_lock_duration(EXPLICIT); the integration acquires EXPLICIT
  handler_explicit_at_once: (steps) => steps.map((s) => (s.op === "acquire" ? { ...s, duration: enum_mdl_duration.MDL_EXPLICIT } : s)),
  // ALTER ... ALGORITHM=INPLACE: the brief X of the prepare phase and the downgrade after it are
  // left out; the integration goes SU -> X before commit
  inplace_without_prepare_x: (steps) => {
    const firstUpgrade = steps.findIndex((s) => s.op === "upgrade");
    return steps.filter((s, i) => i !== firstUpgrade && s.op !== "downgrade");
  },
};

interface Case {
  sql: string;
  kind: StatementKind;
  params?: StatementParams;
  rules?: Rule[];
  /** run inside BEGIN, so an autocommit COMMIT (its own COMMIT IX) is not part of the statement */
  inTransaction?: boolean;
}

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
  { sql: "ALTER TABLE t1 ADD INDEX i (id), ALGORITHM=INPLACE", kind: "ALTER_TABLE", params: { algorithm: "INPLACE" }, rules: ["inplace_without_prepare_x"] },
  { sql: "CREATE TABLE t9 (id INT)", kind: "CREATE_TABLE", params: { table: "t9" }, rules: ["create_takes_x_at_once"] },
  { sql: "DROP TABLE t1", kind: "DROP_TABLE" },
  { sql: "TRUNCATE TABLE t1", kind: "TRUNCATE_TABLE" },
  { sql: "RENAME TABLE t1 TO t1_new", kind: "RENAME_TABLE" },
  { sql: "HANDLER t1 OPEN", kind: "HANDLER_OPEN", rules: ["handler_explicit_at_once"] },
  { sql: "SELECT GET_LOCK('lock', 10)", kind: "GET_LOCK" },
  { sql: "FLUSH TABLES WITH READ LOCK", kind: "FTWRL" },
  { sql: "LOCK INSTANCE FOR BACKUP", kind: "LOCK_INSTANCE_FOR_BACKUP" },
];

function describeStep(s: LockStep): string | null {
  if (s.op === "acquire") return `acquire ${describeKey(s.key)} ${MDL_TYPE_PFS_NAME[s.type]} ${MDL_DURATION_PFS_NAME[s.duration]}`;
  if (s.op === "upgrade") return `upgrade ${describeKey(s.key)} ${MDL_TYPE_PFS_NAME[s.to]}`;
  return null; // duration changes, weights and work phases leave no request in the trace
}

function planned(c: Case, version: string): string[] {
  let steps = statementLocks(c.kind, { backupLock: version === "8.0", ...c.params }).steps;
  for (const r of c.rules ?? []) steps = RULES[r](steps);
  return steps.map(describeStep).filter((x): x is string => x !== null);
}

function ran(c: Case, version: string): string[] {
  const steps = [...(c.inTransaction ? ["  - con1: BEGIN"] : []), `  - con1: "${c.sql}"`];
  const yaml = `name: plan check\nversion: "${version}"\nsetup:\n  - CREATE TABLE t1 (id INT PRIMARY KEY)\nsteps:\n${steps.join("\n")}\n`;
  const { trace } = runScenario(loadScenario(yaml, "plan-check.yaml"), { seed: 1 });
  const records = trace!.records;
  const from = records.findIndex((r) => r.k === "stmt" && r.th === "con1" && (r.d as { sql: string }).sql === c.sql);
  expect(from, `the statement ran: ${c.sql}`).toBeGreaterThanOrEqual(0);
  const to = records.findIndex((r, i) => i > from && r.k === "stmt_end" && r.th === "con1");
  return records
    .slice(from, to)
    .filter((r) => r.th === "con1" && (r.k === "mdl.request" || r.k === "mdl.upgrade"))
    .map((r) => {
      const d = r.d as { type: string; duration?: string };
      return r.k === "mdl.request" ? `acquire ${r.o} ${d.type} ${d.duration}` : `upgrade ${r.o} ${d.type}`;
    });
}

describe("the statement lock plans (statements.ts) and the running integration agree", () => {
  for (const version of ["5.7", "8.0"]) {
    for (const c of CASES) {
      it(`${version}: ${c.sql}${c.rules ? ` (after ${c.rules.join(", ")})` : ""}`, () => {
        expect(ran(c, version)).toEqual(planned(c, version));
      });
    }
  }
});
