// Issue 21 items 3 and 4, where they were missing: the bounds of a run hold for a sysbench
// workload too, and Ctrl-C on the exhaustive strategy prints the counts so far and the first failure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "dist/src/cli/main.js";
const SYSBENCH = "scenarios/cpu/cfs-spin.yaml";
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-bounds-"));

function mysqlsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the binary, sends `signal` once `ready` holds (or after 15 s), resolves with the result. */
function interrupt(args: string[], signal: NodeJS.Signals, ready: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const started = Date.now();
    const poll = setInterval(() => {
      if (ready() || Date.now() - started > 15_000) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("bounded runs: a sysbench workload honours the limits", () => {
  it("--max-steps: outcome limit, exit 1, the step-limit message", () => {
    const r = mysqlsim("run", SYSBENCH, "--max-steps", "100000", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe("limit");
    expect(j.events).toBeLessThanOrEqual(100_001);
    expect(j.message).toMatch(/stopped by the step limit \(--max-steps 100000\)/);
  });
  it("--trace-max: stopped when the trace reaches the size, of the workload's own length", () => {
    const trace = join(tmp, "sb.jsonl");
    const r = mysqlsim("run", SYSBENCH, "--trace", trace, "--trace-max", "1MB", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).message).toMatch(/stopped by --trace-max 1MB: the trace reached .* virtual of 7 s; it holds the run up to there/);
    expect(statSync(trace).size).toBeLessThan(32 << 20);
  });
  it("--max-wall: a long workload stops after about that long", () => {
    const long = join(tmp, "long-sysbench.yaml");
    writeFileSync(long, "name: long sysbench\nmachine: { cpus: 6, cpu_quota: 100% }\nworkload:\n  sysbench: { test: oltp_update_index, threads: 64, time: 100000s }\n");
    const t0 = Date.now();
    const r = mysqlsim("run", long, "--max-wall", "1s", "-q");
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stdout).toMatch(/^outcome: limit/);
    expect(r.stdout).toMatch(/stopped by --max-wall 1s after \d+\.\d s of wall time, at .* virtual of 100002 s/);
  });
  it("SIGINT: exit 130, the temporary trace removed, a one-line summary", async () => {
    const dir = mkdtempSync(join(tmp, "sb-sigint-"));
    const long = join(tmp, "long-sysbench-2.yaml");
    writeFileSync(long, "name: long sysbench\nmachine: { cpus: 6, cpu_quota: 100% }\nworkload:\n  sysbench: { test: oltp_update_index, threads: 64, time: 100000s }\n");
    const r = await interrupt(["run", long, "--trace", join(dir, "x.jsonl")], "SIGINT", () => existsSync(dir) && readdirSync(dir).some((f) => f.includes(".tmp-")));
    expect(r.code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^interrupted by SIGINT at .* virtual of 100002 s, [\d,]+ steps; no trace written/);
  });
});

describe("Ctrl-C on explore --strategy exhaustive", () => {
  it("prints the runs so far and the first failure, exit 130", async () => {
    // every run fails (the expectation says deadlock; the runs complete), so --all keeps counting
    const every = join(tmp, "every.yaml");
    writeFileSync(every, 'name: every run fails\nsetup:\n  - CREATE TABLE t (id INT PRIMARY KEY)\nthreads:\n  w: { count: 3, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT], iterations: 30 }\nexpect:\n  - outcome: deadlock\n');
    const t0 = Date.now();
    const r = await interrupt(["explore", every, "--strategy", "exhaustive", "--all", "--runs", "100000000"], "SIGINT", () => Date.now() - t0 > 4000);
    expect(r.code).toBe(130);
    const m = /^exhaustive: (\d+) of 100000000 run\(s\) \(interrupted by SIGINT\) in [\d.]+ s .*, (\d+) failing\n/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(m![2]).toBe(m![1]);
    expect(r.stdout).toMatch(/first failing run: #1, seed 1, outcome completed\n/);
    expect(r.stdout).toMatch(/reproduce: npx mysqlsim replay \S+ --seed 1 --schedule s2\.\S+\n/);
  });
});

describe("a long run shows its progress on a terminal", () => {
  it("virtual time reached of the duration, steps per second, an ETA, how to stop it", async () => {
    const { runControl } = await import("../../src/cli/control.js");
    const { loadScenario } = await import("../../src/scenario/loader.js");
    const { runScenarioAsync, RunInterrupted } = await import("../../src/scenario/run.js");
    const sc = loadScenario('name: long\nduration: 100000s\nthreads:\n  committer: { count: 64, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT] }\n', "long.yaml");
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string | Uint8Array) => (written.push(String(s)), true)) as typeof process.stderr.write;
    try {
      // Stopped once the first progress line is drawn (not after a fixed wall time, which a busy
      // machine can pass before the first line is due); --max-wall is only the backstop.
      const control = runControl({ maxWall: "60s" }, { durationNs: sc.durationNs, progress: true, interruptible: true });
      const drawnOnce = (): boolean => written.some((s) => s.includes("(Ctrl-C stops)"));
      await expect(runScenarioAsync(sc, { seed: 1, noTrace: true, ...control.opts }, drawnOnce)).rejects.toThrow(RunInterrupted);
      control.done();
    } finally {
      process.stderr.write = write;
    }
    expect(written.join("")).toMatch(/\r\x1b\[K {2}[\d.]+ \S+ of 100000 s virtual, [\d,]+ steps \([\d,]+\/s\), eta .+ {2}\(Ctrl-C stops\)/);
    // the line is cleared at the end, so the summary starts on a clean line
    expect(written.at(-1)).toBe("\r\x1b[K");
  });
});
