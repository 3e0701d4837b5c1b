import type { TraceRecord } from "../../src/trace/record.js";

/**
 * Hand-built traces for the renderer tests. They follow docs/trace-format.md, not any model's
 * current output, so golden files change only when a renderer changes.
 */

/** A statement that would run script if a renderer let it through as markup. */
export const XSS_SQL = `SELECT '<script>window.__xss=1</script>' FROM t WHERE a = "<img src=x onerror=window.__xss=2>" -- </script><b>&amp;`;

type D = Record<string, unknown>;
const rec = (t: number, th: string, k: string, o?: string, d?: D): TraceRecord => ({ t, th, k, ...(o !== undefined ? { o } : {}), ...(d !== undefined ? { d } : {}) });

/**
 * Bug #68569 in miniature: con1's COMMIT leads the group, decides to rotate, reads
 * prep_xids = 1 and is preempted; con2 commits, decrements prep_xids to 0 and signals
 * m_prep_xids_cond with nobody waiting; con1 then waits on it forever, holding LOCK_log. con3's
 * COMMIT waits on LOCK_log. `sql3` lets a test inject text into a statement.
 */
export function lostWakeupTrace(sql3 = "COMMIT"): TraceRecord[] {
  return [
    rec(0, "mysqltest", "scenario", "binlog rotate lost wake-up (hand-built)", { version: "5.6.11", seed: 7, variables: { binlog_order_commits: 0 } }),
    rec(0, "con1", "spawn"),
    rec(0, "con2", "spawn"),
    rec(0, "con3", "spawn"),
    rec(0, "con1", "stmt", undefined, { sql: "COMMIT", conn: "con1" }),
    rec(0, "con1", "state", undefined, { state: "starting" }),
    rec(1000, "con1", "lock", "LOCK_log"),
    rec(1000, "con1", "cpu", "flush stage", { ns: 20000 }),
    rec(2000, "con2", "stmt", undefined, { sql: "COMMIT", conn: "con2" }),
    rec(2000, "con2", "wait", "LOCK_log", { kind: "mutex" }),
    rec(21000, "con1", "unlock", "LOCK_log"),
    rec(21000, "con2", "wake", "LOCK_log", { reason: "granted", by: "con1", waited_ns: 19000 }),
    rec(21000, "con2", "lock", "LOCK_log"),
    rec(21000, "con2", "cpu", "flush stage", { ns: 5000 }),
    rec(26000, "con2", "unlock", "LOCK_log"),
    rec(26000, "con1", "lock", "LOCK_log"),
    rec(26000, "con1", "lock", "LOCK_commit"),
    rec(26000, "con1", "cpu", "get_prep_xids", { ns: 1000 }),
    rec(27000, "con2", "cpu", "ha_commit_low", { ns: 3000 }),
    rec(30000, "con2", "lost_signal", "m_prep_xids_cond", { op: "signal" }),
    rec(30000, "con2", "stmt_end", undefined, { sql: "COMMIT", conn: "con2", ns: 28000 }),
    rec(31000, "con1", "unlock", "LOCK_commit"),
    rec(31000, "con1", "wait", "m_prep_xids_cond", { kind: "cond", state: "Waiting for prepared transactions to commit" }),
    rec(32000, "con3", "stmt", undefined, { sql: sql3, conn: "con3" }),
    rec(32000, "con3", "wait", "LOCK_log", { kind: "mutex" }),
    rec(40_000, "kernel", "hang", undefined, {
      cycle: [],
      threads: [
        {
          thread: "con1",
          state: "Waiting for prepared transactions to commit",
          waitingOn: { name: "m_prep_xids_cond", kind: "cond", detail: { last_lost_signal: { at: 30000, by: "con2", op: "signal" } } },
          since: 31000,
          holds: ["LOCK_log"],
          blockedBy: [],
        },
        { thread: "con3", state: "", waitingOn: { name: "LOCK_log", kind: "mutex" }, since: 32000, holds: [], blockedBy: ["con1"] },
      ],
    }),
    rec(40_000, "mysqltest", "end_of_run", undefined, { outcome: "hang", expectations_failed: 0 }),
  ];
}

/**
 * An MDL deadlock resolved by a victim, then a commit-lock wait: con1 and con2 each hold a
 * table and want the other's; con2 is the victim (ER_LOCK_DEADLOCK); FTWRL in con3 makes con1's
 * COMMIT wait for the commit lock. Carries mdl.* records, a timeout and a KILL.
 */
export function mdlVictimTrace(): TraceRecord[] {
  const r: TraceRecord[] = [
    rec(0, "mysqltest", "scenario", "MDL deadlock with a victim (hand-built)", { version: "8.0", seed: 1, variables: {} }),
    rec(0, "con1", "stmt", undefined, { sql: "BEGIN", conn: "con1" }),
    rec(0, "con1", "stmt_end", undefined, { sql: "BEGIN", conn: "con1", ns: 0 }),
    rec(0, "con2", "stmt", undefined, { sql: "BEGIN", conn: "con2" }),
    rec(0, "con2", "stmt_end", undefined, { sql: "BEGIN", conn: "con2", ns: 0 }),
    rec(10_000, "con1", "stmt", undefined, { sql: "SELECT * FROM t1", conn: "con1" }),
    rec(10_000, "con1", "mdl.request", "TABLE test.t1", { type: "SHARED_READ", duration: "TRANSACTION", status: "GRANTED" }),
    rec(10_000, "con1", "cpu", "execute", { ns: 40_000 }),
    rec(50_000, "con1", "stmt_end", undefined, { sql: "SELECT * FROM t1", conn: "con1", ns: 40_000 }),
    rec(60_000, "con2", "stmt", undefined, { sql: "SELECT * FROM t2", conn: "con2" }),
    rec(60_000, "con2", "mdl.request", "TABLE test.t2", { type: "SHARED_READ", duration: "TRANSACTION", status: "GRANTED" }),
    rec(60_000, "con2", "cpu", "execute", { ns: 40_000 }),
    rec(100_000, "con2", "stmt_end", undefined, { sql: "SELECT * FROM t2", conn: "con2", ns: 40_000 }),
    rec(110_000, "con1", "stmt", undefined, { sql: "UPDATE t2 SET a = 1", conn: "con1" }),
    rec(110_000, "con1", "mdl.request", "GLOBAL", { type: "INTENTION_EXCLUSIVE", duration: "STATEMENT", status: "GRANTED" }),
    rec(110_000, "con1", "mdl.request", "TABLE test.t2", { type: "SHARED_WRITE", duration: "TRANSACTION", status: "GRANTED" }),
    rec(110_000, "con1", "cpu", "execute", { ns: 30_000 }),
    rec(140_000, "con1", "stmt_end", undefined, { sql: "UPDATE t2 SET a = 1", conn: "con1", ns: 30_000 }),
    rec(150_000, "con3", "stmt", undefined, { sql: "ALTER TABLE t2 ADD COLUMN b INT", conn: "con3" }),
    rec(150_000, "con3", "mdl.request", "TABLE test.t2", { type: "SHARED_UPGRADABLE", duration: "TRANSACTION", status: "GRANTED" }),
    rec(150_000, "con3", "mdl.upgrade", "TABLE test.t2", { type: "EXCLUSIVE", status: "PENDING" }),
    rec(150_000, "con3", "state", undefined, { state: "Waiting for table metadata lock" }),
    rec(150_000, "con3", "wait", "MDL TABLE test.t2", { kind: "mdl", state: "Waiting for table metadata lock", timeout_ns: 200_000 }),
    rec(200_000, "con2", "stmt", undefined, { sql: "UPDATE t1 SET a = 2", conn: "con2" }),
    rec(200_000, "con2", "mdl.request", "TABLE test.t1", { type: "SHARED_WRITE", duration: "TRANSACTION", status: "GRANTED" }),
    rec(200_000, "con2", "cpu", "execute", { ns: 10_000 }),
    rec(210_000, "con2", "stmt_end", undefined, { sql: "UPDATE t1 SET a = 2", conn: "con2", ns: 10_000 }),
    rec(300_000, "con1", "stmt", undefined, { sql: "LOCK TABLES t1 WRITE", conn: "con1" }),
    rec(300_000, "con1", "mdl.request", "TABLE test.t1", { type: "SHARED_NO_READ_WRITE", duration: "TRANSACTION", status: "PENDING" }),
    rec(300_000, "con1", "state", undefined, { state: "Waiting for table metadata lock" }),
    rec(300_000, "con1", "wait", "MDL TABLE test.t1", { kind: "mdl", state: "Waiting for table metadata lock" }),
    rec(350_000, "con3", "timeout", "MDL TABLE test.t2", { waited_ns: 200_000 }),
    rec(350_000, "con3", "mdl.wait_end", "TABLE test.t2", { status: "TIMEOUT" }),
    rec(350_000, "con3", "state", undefined, { state: "" }),
    rec(350_000, "con3", "stmt_end", undefined, { sql: "ALTER TABLE t2 ADD COLUMN b INT", conn: "con3", ns: 200_000, error: "ER_LOCK_WAIT_TIMEOUT", code: 1205, text: "Lock wait timeout exceeded; try restarting transaction" }),
    rec(400_000, "con2", "stmt", undefined, { sql: "LOCK TABLES t2 WRITE", conn: "con2" }),
    rec(400_000, "con2", "mdl.request", "TABLE test.t2", { type: "SHARED_NO_READ_WRITE", duration: "TRANSACTION", status: "PENDING" }),
    rec(400_000, "con2", "state", undefined, { state: "Waiting for table metadata lock" }),
    rec(400_000, "con2", "wait", "MDL TABLE test.t2", { kind: "mdl", state: "Waiting for table metadata lock" }),
    rec(400_000, "con2", "wake", "MDL TABLE test.t2", { reason: "victim", by: "con2", waited_ns: 0 }),
    rec(400_000, "con2", "mdl.wait_end", "TABLE test.t2", { status: "VICTIM" }),
    rec(400_000, "con2", "state", undefined, { state: "" }),
    rec(400_000, "con2", "stmt_end", undefined, { sql: "LOCK TABLES t2 WRITE", conn: "con2", ns: 0, error: "ER_LOCK_DEADLOCK", code: 1213, text: "Deadlock found when trying to get lock; try restarting transaction" }),
    rec(400_000, "con1", "wake", "MDL TABLE test.t1", { reason: "granted", by: "con2", waited_ns: 100_000 }),
    rec(400_000, "con1", "mdl.wait_end", "TABLE test.t1", { status: "GRANTED" }),
    rec(400_000, "con1", "state", undefined, { state: "" }),
    rec(400_000, "con1", "stmt_end", undefined, { sql: "LOCK TABLES t1 WRITE", conn: "con1", ns: 100_000 }),
    rec(450_000, "con3", "stmt", undefined, { sql: "FLUSH TABLES WITH READ LOCK", conn: "con3" }),
    rec(450_000, "con3", "mdl.request", "GLOBAL", { type: "SHARED", duration: "EXPLICIT", status: "GRANTED" }),
    rec(450_000, "con3", "mdl.request", "COMMIT", { type: "SHARED", duration: "EXPLICIT", status: "GRANTED" }),
    rec(450_000, "con3", "stmt_end", undefined, { sql: "FLUSH TABLES WITH READ LOCK", conn: "con3", ns: 0 }),
    rec(500_000, "con1", "stmt", undefined, { sql: "COMMIT", conn: "con1" }),
    rec(500_000, "con1", "mdl.request", "COMMIT", { type: "INTENTION_EXCLUSIVE", duration: "EXPLICIT", status: "PENDING" }),
    rec(500_000, "con1", "state", undefined, { state: "Waiting for commit lock" }),
    rec(500_000, "con1", "wait", "MDL COMMIT", { kind: "mdl", state: "Waiting for commit lock" }),
    rec(600_000, "mysqltest", "kill", "con1", { query: false }),
    rec(600_000, "con1", "wake", "MDL COMMIT", { reason: "killed", by: "mysqltest", waited_ns: 100_000 }),
    rec(600_000, "con1", "mdl.wait_end", "COMMIT", { status: "KILLED" }),
    rec(600_000, "con1", "state", undefined, { state: "" }),
    rec(600_000, "con1", "stmt_end", undefined, { sql: "COMMIT", conn: "con1", ns: 100_000, error: "ER_QUERY_INTERRUPTED", code: 1317, text: "Query execution was interrupted" }),
    rec(600_000, "con1", "end"),
    rec(600_000, "mysqltest", "end_of_run", undefined, { outcome: "completed", expectations_failed: 0 }),
  ];
  return r;
}

/** Two threads take two mutexes in opposite orders: the kernel reports the cycle. */
export function mutexDeadlockTrace(): TraceRecord[] {
  return [
    rec(0, "mysqltest", "scenario", "AB-BA mutex deadlock (hand-built)", { version: "8.0", seed: 3, variables: {} }),
    rec(0, "writer", "spawn"),
    rec(0, "rotator", "spawn"),
    rec(0, "writer", "lock", "LOCK_log"),
    rec(0, "writer", "cpu", "write", { ns: 5000 }),
    rec(1000, "rotator", "lock", "LOCK_index"),
    rec(1000, "rotator", "cpu", "rotate", { ns: 2000 }),
    rec(3000, "rotator", "wait", "LOCK_log", { kind: "mutex" }),
    rec(5000, "writer", "wait", "LOCK_index", { kind: "mutex" }),
    rec(5000, "kernel", "deadlock", undefined, {
      cycle: ["writer", "rotator"],
      threads: [
        { thread: "writer", state: "", waitingOn: { name: "LOCK_index", kind: "mutex" }, since: 5000, holds: ["LOCK_log"], blockedBy: ["rotator"] },
        { thread: "rotator", state: "", waitingOn: { name: "LOCK_log", kind: "mutex" }, since: 3000, holds: ["LOCK_index"], blockedBy: ["writer"] },
      ],
    }),
    rec(5000, "mysqltest", "end_of_run", undefined, { outcome: "deadlock", expectations_failed: 1 }),
  ];
}

/**
 * A long, wide run: `threads` sysbench-like threads for `seconds` of virtual time, each looping
 * statement -> cpu -> (contended LOCK_log wait, woken by the previous holder) -> cpu -> end, with
 * a commit-lock wait now and then. A generator: records are made as they are consumed.
 */
export function* manyThreadsTrace(threads: number, iterations: number, seconds: number): Generator<TraceRecord> {
  const period = Math.floor((seconds * 1e9) / iterations);
  yield rec(0, "mysqltest", "scenario", `${threads} threads x ${iterations} iterations (generated)`, { version: "8.0", seed: 1, variables: {} });
  for (let i = 0; i < iterations; i++) {
    const base = i * period;
    const batch: TraceRecord[] = [];
    const add = (r: TraceRecord): void => void batch.push(r);
    for (let k = 0; k < threads; k++) {
      const th = `sysbench${k + 1}`;
      const t = base + k * 1000;
      const cls = (i + k) % 7 === 0;
      add(rec(t, th, "stmt", undefined, { sql: `UPDATE sbtest${(k % 10) + 1} SET k=k+1 WHERE id=${(i * 31 + k) % 100000}`, conn: th }));
      add(rec(t, th, "cpu", "execute", { ns: 40_000 }));
      add(rec(t + 40_000, th, "wait", cls ? "MDL COMMIT" : "LOCK_log", { kind: cls ? "mdl" : "mutex", ...(cls ? { state: "Waiting for commit lock" } : {}) }));
      add(rec(t + 70_000, th, "wake", cls ? "MDL COMMIT" : "LOCK_log", { reason: "granted", by: `sysbench${((k + threads - 1) % threads) + 1}`, waited_ns: 30_000 }));
      add(rec(t + 70_000, th, "lock", "LOCK_log"));
      add(rec(t + 70_000, th, "cpu", "flush", { ns: 10_000 }));
      add(rec(t + 80_000, th, "unlock", "LOCK_log"));
      add(rec(t + 80_000, th, "stmt_end", undefined, { sql: "UPDATE", conn: th, ns: 80_000 }));
    }
    batch.sort((a, b) => a.t - b.t);
    yield* batch;
  }
  yield rec(iterations * period, "mysqltest", "end_of_run", undefined, { outcome: "completed", expectations_failed: 0 });
}
