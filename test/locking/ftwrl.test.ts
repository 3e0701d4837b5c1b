// FLUSH TABLES WITH READ LOCK as a property under random schedules: while a connection holds the
// global read lock and the commit lock (from the moment its FTWRL returns until its UNLOCK TABLES
// starts), no other connection gets GLOBAL IX (which every write needs), no write statement runs
// start to finish, and no transaction with changes commits (the locking model's trx.commit record,
// written once COMMIT IX is held). Writers in and out of transactions, a long reader and the backup
// loop run under RandomScheduler over many seeds; the trace is checked record by record.
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/kernel/random.js";
import { RandomScheduler } from "../../src/kernel/scheduler.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import type { TraceRecord } from "../../src/trace/record.js";

const SCENARIO = `
name: FTWRL property workload
version: "8.0"
setup:
  - CREATE TABLE t1 (id INT PRIMARY KEY)
  - CREATE TABLE t2 (id INT PRIMARY KEY)
threads:
  trx_writer: { count: 3, loop: [BEGIN, "INSERT INTO t1 VALUES (?)", { think: 2ms }, "UPDATE t2 SET id = ? WHERE id = 1", COMMIT, { think: 1ms }] }
  autocommit_writer: { count: 2, loop: ["INSERT INTO t2 VALUES (?)", { think: 1ms }, "DELETE FROM t1 WHERE id = ?"] }
  reader: { loop: ["SELECT SLEEP(0.004) FROM t1", { think: 3ms }] }
  backup: { loop: [{ think: 5ms }, FLUSH TABLES WITH READ LOCK, { think: 3ms }, UNLOCK TABLES] }
duration: 150ms
expect:
  - outcome: completed
`;

const WRITE = /^(INSERT|UPDATE|DELETE)\b/i;

interface Violation {
  at: number;
  what: string;
}

/** Intervals (in trace order) during which the backup holds FTWRL, and the violations inside them. */
function check(records: TraceRecord[]): { holds: number; violations: Violation[] } {
  const violations: Violation[] = [];
  let holding = false;
  let holdStart = -1;
  let holds = 0;
  const started = new Map<string, number>(); // thread -> index of its current statement's start
  records.forEach((r, i) => {
    const sql = (r.d?.sql as string | undefined) ?? "";
    if (r.th === "backup" && r.k === "stmt_end" && /^FLUSH TABLES WITH READ LOCK/i.test(sql) && !r.d?.error) {
      holding = true;
      holdStart = i;
      holds++;
      return;
    }
    if (r.th === "backup" && r.k === "stmt" && /^UNLOCK TABLES/i.test(sql)) {
      holding = false;
      return;
    }
    if (r.k === "stmt") started.set(r.th, i);
    if (!holding || r.th === "backup") return;
    const granted = (r.k === "mdl.request" && r.d?.status === "GRANTED") || (r.k === "mdl.wait_end" && r.d?.status === "GRANTED");
    if (granted && r.o === "GLOBAL") violations.push({ at: r.t, what: `${r.th} got GLOBAL ${String(r.d?.type ?? "")}` });
    if (r.k === "trx.commit") violations.push({ at: r.t, what: `${r.th} committed a transaction with changes` });
    if (r.k === "stmt_end" && WRITE.test(sql) && !r.d?.error) {
      const s = started.get(r.th);
      // a write that started after FTWRL returned and finished before UNLOCK TABLES
      if (s !== undefined && s > holdStart) violations.push({ at: r.t, what: `${r.th} ran "${sql}" start to finish` });
    }
  });
  return { holds, violations };
}

describe("FTWRL: no write completes and no transaction with changes commits while the global read lock and commit lock are held", () => {
  const sc = loadScenario(SCENARIO, "ftwrl-property.yaml");
  const SEEDS = 25;

  it(`holds under RandomScheduler for ${SEEDS} seeds`, () => {
    let totalHolds = 0;
    let blockedWrites = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const art = runScenario(sc, { seed, scheduler: new RandomScheduler(new RandomStream(seed, "scheduler")), keepRecords: 1_000_000 });
      const records = art.trace!.records;
      expect(art.trace!.dropped, "the whole trace is kept").toBe(0);
      const { holds, violations } = check(records);
      expect(violations, `seed ${seed}: reproduce with runScenario(sc, { seed: ${seed}, scheduler: new RandomScheduler(new RandomStream(${seed}, "scheduler")) })`).toEqual([]);
      expect(art.report.outcome, `seed ${seed}`).toBe("completed");
      totalHolds += holds;
      blockedWrites += records.filter((r) => r.k === "mdl.wait_end" && r.o === "GLOBAL" && r.th !== "backup").length;
    }
    // the property is not vacuous: FTWRL was held many times and writers did wait for it
    expect(totalHolds).toBeGreaterThan(SEEDS * 5);
    expect(blockedWrites).toBeGreaterThan(SEEDS);
  });

  it("the check catches a violation (a commit record inside a hold)", () => {
    const records: TraceRecord[] = [
      { t: 1, th: "backup", k: "stmt_end", d: { sql: "FLUSH TABLES WITH READ LOCK" } },
      { t: 2, th: "trx_writer1", k: "trx.commit", o: "trx_writer1" },
      { t: 3, th: "backup", k: "stmt", d: { sql: "UNLOCK TABLES" } },
      { t: 4, th: "trx_writer2", k: "trx.commit", o: "trx_writer2" },
    ];
    expect(check(records).violations).toEqual([{ at: 2, what: "trx_writer1 committed a transaction with changes" }]);
  });
});
