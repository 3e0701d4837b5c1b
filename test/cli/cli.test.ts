// The real compiled binary, in a child process (vitest's globalSetup builds dist/ first).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "dist/src/cli/main.js";
function mysqlsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-cli-"));
const SCEN = "scenarios/examples/sleep-and-send.yaml";

describe("mysqlsim CLI", () => {
  it("run --json prints the DESIGN section 4 object and exits 0", () => {
    const r = mysqlsim("run", SCEN, "--json", "--seed", "3");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ["scenario", "version", "seed", "outcome", "virtual_time_ns", "events", "trace_sha256", "expectations", "metrics", "connections"]) expect(j).toHaveProperty(k);
    expect(j.seed).toBe(3);
    expect(j.trace_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(j.expectations.every((e: { ok: boolean }) => e.ok)).toBe(true);
  });

  it("run prints a narrative and the replay command", () => {
    const r = mysqlsim("run", SCEN);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("> SELECT SLEEP(2)");
    expect(r.stdout).toMatch(/reproduce: npx mysqlsim replay .* --seed 1 --schedule s2\./);
  });

  it("--trace writes a JSONL trace whose hash matches trace_sha256, and replay reproduces it", () => {
    const trace = join(tmp, "t.jsonl");
    const j = JSON.parse(mysqlsim("run", SCEN, "--json", "--trace", trace).stdout);
    expect(existsSync(trace)).toBe(true);
    expect(createHash("sha256").update(readFileSync(trace)).digest("hex")).toBe(j.trace_sha256);
    const again = JSON.parse(mysqlsim("replay", SCEN, "--json", "--seed", "1", "--schedule", j.schedule).stdout);
    expect(again.trace_sha256).toBe(j.trace_sha256);
  });

  it("a failing expectation exits 1", () => {
    const f = join(tmp, "fail.yaml");
    writeFileSync(f, "name: fails\nsteps:\n  - con1: SELECT SLEEP(1)\nexpect:\n  - outcome: hang\n");
    const r = mysqlsim("run", f, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).expectations[0]).toMatchObject({ ok: false, actual: "outcome was completed" });
  });

  it("-q prints the outcome line, only failed expectations, and the verdict", () => {
    const f = join(tmp, "fail-quiet.yaml");
    writeFileSync(f, "name: fails\nsteps:\n  - con1: SELECT SLEEP(1)\nexpect:\n  - outcome: completed\n  - outcome: hang\n");
    const r = mysqlsim("run", f, "-q");
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^outcome: completed/);
    expect(lines.slice(1, -1)).toEqual([expect.stringMatching(/✗ outcome is hang/)]);
    expect(lines.at(-1)).toBe("1 expectation(s) failed");
  });

  it("bad input exits 2 with file:line:column and no stack trace, and writes no trace file", () => {
    const f = join(tmp, "bad.yaml");
    writeFileSync(f, "name: bad\nsteps:\n  - con1: FROB THE TABLE\n");
    const trace = join(tmp, "never.jsonl");
    const r = mysqlsim("run", f, "--trace", trace);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: statement not in the modelled subset/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(trace)).toBe(false);
  });

  it("an output path that cannot be written is bad input (exit 2), said before anything runs", () => {
    const missing = join(tmp, "no-such-dir");
    for (const args of [
      ["run", SCEN, "--trace", join(missing, "t.jsonl")],
      ["run", SCEN, "--report", tmp],
      ["sweep", SCEN, "--seeds", "1", "--out", join(missing, "r.jsonl")],
      ["render", join(tmp, "whatever.jsonl"), "-o", join(missing, "x.svg")],
      ["merge", join(missing, "m.jsonl"), join(tmp, "a.jsonl")],
    ]) {
      const r = mysqlsim(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/does not exist|is a directory/);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it("--set checks the variable and its range", () => {
    const r = mysqlsim("run", SCEN, "--set", "innodb_flush_log_at_trx_commit=7");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/range 0 to 2/);
    expect(mysqlsim("run", SCEN, "--set", "nope=1").stderr).toMatch(/unknown variable "nope"/);
  });

  it("validate: 0 for good files, 2 with positions for bad ones", () => {
    expect(mysqlsim("validate", SCEN).code).toBe(0);
    const f = join(tmp, "bad2.yaml");
    writeFileSync(f, "name: x\nsteps:\n  - reap: con1\n");
    const r = mysqlsim("validate", SCEN, f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad2\.yaml:3:\d+: unknown connection "con1"/);
  });

  it("list shows bundled scenarios; list --variables the modelled variables", () => {
    expect(mysqlsim("list").stdout).toContain("sleep-and-send.yaml");
    expect(mysqlsim("list", "--variables").stdout).toMatch(/max_write_lock_count\s+1\.8446744073709552e\+19|max_write_lock_count/);
  });

  it("usage errors exit 2; --help has examples", () => {
    expect(mysqlsim("frobnicate").code).toBe(2);
    expect(mysqlsim().code).toBe(2);
    const h = mysqlsim("explore", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Examples:/);
  });

  it("replay rejects a malformed schedule string with exit 2", () => {
    const r = mysqlsim("replay", SCEN, "--schedule", "garbage");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/starts with "s2\./);
  });

  it("explore --json reports runs, strategy, failing_runs, first_failure, runs_per_second", () => {
    const r = mysqlsim("explore", SCEN, "--strategy", "random", "--runs", "20", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ runs: 20, strategy: "random", failing_runs: 0, first_failure: null });
    expect(j.runs_per_second).toBeGreaterThan(0);
  });

  it("explore finds bug #68569, --shrink shortens its schedule, and replay of the shrunk schedule still hangs", () => {
    const file = "scenarios/binlog/bug68569-explore.yaml";
    // --shrink also reduces the scenario: the failing run is then one of the smaller file
    const small = join(mkdtempSync(join(tmpdir(), "mysqlsim-cli-shrink-")), "small.yaml");
    const r = mysqlsim("explore", file, "--strategy", "random", "--runs", "2000", "--shrink", "--shrink-to", small, "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.first_failure.outcome).toBe("hang");
    expect(j.shrink.shrunk_length).toBeLessThanOrEqual(j.shrink.original_length);
    const again = mysqlsim("replay", j.shrink.scenario ? small : file, "--seed", String(j.first_failure.seed), "--schedule", j.first_failure.schedule, "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).outcome).toBe("hang");
  });
});
