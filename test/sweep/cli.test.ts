// The compiled binary in a child process (vitest's globalSetup builds dist/): worker threads,
// 1 vs 2 workers, sharding with merge, exit codes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "dist/src/cli/main.js";
const FIX = "test/sweep/fixtures/tiny-load.yaml";
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-sweep-cli-"));
function mysqlsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const sorted = (f: string): string => readFileSync(f, "utf8").split("\n").filter(Boolean).sort().join("\n");
const GRID = ["--set", "max_write_lock_count=1,10,100", "--set", "autocommit=ON,OFF", "--seeds", "4"];

describe("mysqlsim sweep (binary)", () => {
  for (const ext of ["jsonl", "csv"]) {
    it(`1 worker and 2 workers give byte-identical ${ext} results (sorted)`, () => {
      const one = join(tmp, `one.${ext}`);
      const two = join(tmp, `two.${ext}`);
      const a = mysqlsim("sweep", FIX, ...GRID, "--workers", "1", "--out", one, "-q");
      const b = mysqlsim("sweep", FIX, ...GRID, "--workers", "2", "--out", two, "-q");
      expect(a.stderr).toBe("");
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(b.stdout).toMatch(/ran 24 .* on 2 worker\(s\)/);
      expect(sorted(two)).toBe(sorted(one));
      expect(readFileSync(one, "utf8").split("\n").filter(Boolean)).toHaveLength(ext === "csv" ? 25 : 24);
    });
  }

  it("the same summary (--json) whatever the worker count", () => {
    const j = (w: string): unknown => {
      const r = mysqlsim("sweep", FIX, ...GRID, "--workers", w, "--json");
      expect(r.code).toBe(0);
      const o = JSON.parse(r.stdout) as Record<string, unknown>;
      delete o.runs_per_second;
      return o;
    };
    expect(j("2")).toEqual(j("1"));
  });

  it("shards on 2 workers merge to the 1-worker unsharded result", () => {
    const whole = join(tmp, "whole.jsonl");
    expect(mysqlsim("sweep", FIX, ...GRID, "--workers", "1", "--out", whole, "-q").code).toBe(0);
    const shards = [1, 2, 3].map((i) => join(tmp, `shard-${i}.jsonl`));
    shards.forEach((f, i) => expect(mysqlsim("sweep", FIX, ...GRID, "--workers", "2", "--shard", `${i + 1}/3`, "--out", f, "-q").code).toBe(0));
    const merged = join(tmp, "merged.jsonl");
    const m = mysqlsim("merge", merged, ...shards);
    expect(m.code).toBe(0);
    expect(sorted(merged)).toBe(sorted(whole));
    const bad = mysqlsim("merge", join(tmp, "bad.jsonl"), shards[0]!, shards[2]!);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing: 8 of 24 runs/);
  });

  it("bad --set values exit 2 with the variable's range", () => {
    const r = mysqlsim("sweep", FIX, "--set", "innodb_log_spin_cpu_pct_hwm=8,16,101", "--seeds", "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set innodb_log_spin_cpu_pct_hwm=8,16,101: .*range 0 to 100/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
