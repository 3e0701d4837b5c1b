/**
 * Issue 20's free-running binlog load (bench/explore.ts, bench/long-loads.ts): 3 committers and
 * FLUSH BINARY LOGS every 5 ms on 5.6.10 for 2 s of virtual time, with nothing fixing the order.
 */
export const BINLOG_LOAD_YAML = `name: free-running binlog load, 2 s
version: "5.6.10"
variables: { binlog_order_commits: OFF, sync_binlog: 0, innodb_flush_log_at_trx_commit: 0 }
setup:
  - CREATE TABLE t (id INT PRIMARY KEY)
threads:
  committer: { count: 3, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT] }
  rotator: { loop: [{ sleep: 5ms }, FLUSH BINARY LOGS] }
duration: 2s
hang_after: 1s
`;
