// Issue 21 item 9: shrinking removes threads, clients, loop iterations, loop items and steps the
// failure does not need (delta debugging over the scenario), not only schedule choices.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FifoScheduler } from "../../src/kernel/scheduler.js";
import { scenarioRunFn } from "../../src/explore/scenario-run.js";
import { shrinkScenario } from "../../src/explore/shrink-scenario.js";
import { loadScenario } from "../../src/scenario/loader.js";

const LOOPS = `name: writers stuck behind a LOCK TABLES that sleeps
setup:
  - CREATE TABLE t1 (id INT PRIMARY KEY)
threads:
  holder: { loop: [LOCK TABLES t1 WRITE, { sleep: 100s }] }
  writer: { count: 3, loop: [BEGIN, "INSERT INTO t1 VALUES (?)", COMMIT], iterations: 10 }
  reader: { count: 2, loop: ["SELECT * FROM t1", { sleep: 1ms }], start: 2s }
duration: 1s
expect:
  - metric: { stmt_INSERT_ms: { max: 100 } }
`;

const STEPS = `name: a forgotten UNLOCK TABLES, among noise
setup:
  - CREATE TABLE t1 (id INT PRIMARY KEY)
  - CREATE TABLE t2 (id INT PRIMARY KEY)
steps:
  - con3: SELECT * FROM t2
  - con1: LOCK TABLES t1 WRITE
  - con3: INSERT INTO t2 VALUES (1)
  - con3: INSERT INTO t2 VALUES (2)
  - comment: the reader arrives
  - con2: { send: SELECT * FROM t1 }
  - con3: SELECT * FROM t2
  - reap: con2
threads:
  noise: { count: 4, loop: [BEGIN, "INSERT INTO t2 VALUES (?)", COMMIT, { sleep: 1ms }], iterations: 50 }
duration: 10s
expect:
  - outcome: completed
`;

function shrink(text: string) {
  const sc = loadScenario(text, "s.yaml");
  const first = scenarioRunFn(sc)(new FifoScheduler(), 1);
  expect(first.failed).toBe(true);
  return shrinkScenario({ text, load: (t) => loadScenario(t, "s.yaml"), runFn: (s) => scenarioRunFn(s), strategy: "fifo", seed: 1, schedule: first.schedule });
}

describe("scenario shrinking (delta debugging)", () => {
  it("free-running threads: removes the thread not needed, lowers counts and iterations, drops loop items", () => {
    const r = shrink(LOOPS);
    expect(r.changes).toContain("thread reader removed");
    expect(r.changes).toContain("writer: count 3 -> 1");
    expect(r.changes).toContain("writer: iterations 10 -> 1");
    expect(r.changes).toContain("holder: iterations until the duration -> 1");
    const sc = r.scenario;
    expect(sc.threads.map((t) => [t.name, t.count, t.iterations])).toEqual([["holder", 1, 1], ["writer", 1, 1]]);
    // it still fails the same way: the INSERT waits (not "was not measured", which a scenario without writers would give)
    const again = scenarioRunFn(loadScenario(r.text, "s.yaml"))(new FifoScheduler(), r.seed);
    expect(again.failed).toBe(true);
    expect(again.signature).toMatch(/stmt_INSERT_ms = #/);
  });
  it("a script: removes the steps and the thread the hang does not need, keeps the file's lines", () => {
    const r = shrink(STEPS);
    expect(r.scenario.steps.map((s) => s.kind)).toEqual(["stmt", "stmt", "reap"]);
    expect(r.scenario.threads).toEqual([]);
    expect(r.text).toContain("  - con1: LOCK TABLES t1 WRITE\n  - con2: { send: SELECT * FROM t1 }\n  - reap: con2\n");
    expect(r.text).not.toMatch(/threads:|con3/);
  });
  it("explore --shrink writes the smaller scenario, and its printed replay line reproduces the failure", () => {
    const dir = mkdtempSync(join(tmpdir(), "mysqlsim-shrink-"));
    const file = join(dir, "noise.yaml");
    const to = join(dir, "small.yaml");
    writeFileSync(file, STEPS);
    const r = spawnSync(process.execPath, ["dist/src/cli/main.js", "explore", file, "--strategy", "fifo", "--runs", "3", "--shrink", "--shrink-to", to], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/scenario shrunk \(\d+ runs\): thread noise removed; .*written to \S+small\.yaml/);
    expect(readFileSync(to, "utf8")).toContain("reap: con2");
    const line = /reproduce: npx mysqlsim (.*)\n/.exec(r.stdout)![1]!;
    expect(line).toContain("small.yaml");
    const again = spawnSync(process.execPath, ["dist/src/cli/main.js", ...line.split(" "), "-q"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/outcome: timeout/);
  });
});
