// Grid expansion, seed derivation, shard slicing and the summary statistics (pure functions).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deriveSeed, expandGrid, parseAxes, parseShard, pointKey, runList, shardOf, SweepInputError } from "../../src/sweep/grid.js";
import { describe as describeValues, quantile, summarisePoint, tQuantile, wilson } from "../../src/sweep/stats.js";
import type { RunRecord } from "../../src/sweep/execute.js";

describe("grid", () => {
  it("expands the cartesian product, first axis slowest, with canonical values", () => {
    const axes = parseAxes(["max_write_lock_count=1,10,100", "autocommit=on,0"]);
    expect(axes.map((a) => [a.name, a.kind, a.values])).toEqual([
      ["max_write_lock_count", "sysvar", ["1", "10", "100"]],
      ["autocommit", "sysvar", ["ON", "OFF"]],
    ]);
    const grid = expandGrid(axes);
    expect(grid).toHaveLength(6);
    expect(grid[0]).toEqual([["max_write_lock_count", "1"], ["autocommit", "ON"]]);
    expect(grid[1]).toEqual([["max_write_lock_count", "1"], ["autocommit", "OFF"]]);
    expect(grid[5]).toEqual([["max_write_lock_count", "100"], ["autocommit", "OFF"]]);
    expect(expandGrid([])).toEqual([[]]);
    expect(parseAxes(["max_write_lock_count=1,18446744073709551615"])[0]!.values).toEqual(["1", "18446744073709551615"]);
  });

  it("accepts scenario keys as dotted paths", () => {
    const axes = parseAxes(["threads.writer.count=1,2", "duration=10ms,20ms", "version=5.7,8.0"]);
    expect(axes.map((a) => a.kind)).toEqual(["scenario", "scenario", "scenario"]);
    expect(axes[2]!.values).toEqual(["5.7", "8.0"]);
  });

  it("rejects bad values with the variable's own range and type, and malformed axes", () => {
    const msg = (s: string[]): string => {
      try {
        parseAxes(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SweepInputError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(msg(["innodb_log_spin_cpu_pct_hwm=8,16,500"])).toMatch(/--set innodb_log_spin_cpu_pct_hwm=8,16,500: .*'500' \(range 0 to 100\)/);
    expect(msg(["autocommit=ON,MAYBE"])).toMatch(/expected ON or OFF/);
    expect(msg(["sync_binlog=1,x"])).toMatch(/expected an integer/);
    expect(msg(["no_such_var=1"])).toMatch(/unknown variable "no_such_var"/);
    expect(msg(["sync_binlog"])).toMatch(/expected name=value/);
    expect(msg(["sync_binlog=1,,2"])).toMatch(/empty value/);
    expect(msg(["sync_binlog=1,01"])).toMatch(/appears twice/);
    expect(msg(["sync_binlog=1", "sync_binlog=2"])).toMatch(/already an axis/);
    expect(msg(["machine=1"])).toMatch(/unknown variable/);
  });

  it("derives each run's seed from the point and seed index only, whatever the axis order", () => {
    const a = runList(parseAxes(["sync_binlog=0,1", "autocommit=ON,OFF"]), 3, 7);
    const b = runList(parseAxes(["autocommit=ON,OFF", "sync_binlog=0,1"]), 3, 7);
    const seedsOf = (rs: typeof a): Map<string, number> => new Map(rs.map((r) => [`${r.key}#${r.seedIndex}`, r.seed]));
    expect(seedsOf(a)).toEqual(seedsOf(b));
    expect(pointKey([["sync_binlog", "1"], ["autocommit", "ON"]])).toBe("autocommit=ON;sync_binlog=1");
    expect(deriveSeed("", 1, 0)).not.toBe(deriveSeed("", 1, 1));
    expect(deriveSeed("", 1, 0)).not.toBe(deriveSeed("", 2, 0));
    expect(new Set(a.map((r) => r.seed)).size).toBe(a.length);
    expect(a.map((r) => r.run)).toEqual([...Array(12).keys()]);
  });

  it("is the documented formula: sha256 of the point, base seed and index (docs/sweep.md)", async () => {
    const { createHash } = await import("node:crypto");
    const h = createHash("sha256").update("mysqlsim-sweep/1\nautocommit=ON;sync_binlog=1\n1\n0").digest();
    expect(deriveSeed("autocommit=ON;sync_binlog=1", 1, 0)).toBe(h.readUInt32BE(0));
  });

  it("shards partition the run list (every run in exactly one shard)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), (len, n) => {
        const runs = Array.from({ length: len }, (_, run) => ({ run }));
        const parts = Array.from({ length: n }, (_, i) => shardOf(runs, { index: i + 1, count: n }).map((r) => r.run));
        expect(parts.flat().sort((x, y) => x - y)).toEqual(runs.map((r) => r.run));
      }),
    );
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(() => parseShard("0/4")).toThrow(/1 <= i <= n/);
    expect(() => parseShard("5/4")).toThrow(/1 <= i <= n/);
    expect(() => parseShard("a/b")).toThrow(/expected i\/n/);
  });
});

describe("summary statistics", () => {
  it("t quantiles match the tables", () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.975, 19)).toBeCloseTo(2.093, 3);
    expect(tQuantile(0.975, 1000)).toBeCloseTo(1.962, 3);
  });

  it("mean, median, p90 and the t interval", () => {
    const s = describeValues([1, 2, 3, 4, 5]);
    expect(s).toMatchObject({ n: 5, mean: 3, median: 3 });
    expect(s.p90).toBeCloseTo(4.6, 10);
    // s = sqrt(2.5), half width = 2.776 * sqrt(2.5/5)
    expect(s.ci95![1] - 3).toBeCloseTo(2.7764451 * Math.sqrt(0.5), 5);
    expect(describeValues([7]).ci95).toBeNull();
    expect(quantile([10, 20], 0.5)).toBe(15);
  });

  it("outcome shares: p_hang with a Wilson interval", () => {
    const rec = (outcome: RunRecord["outcome"]): RunRecord => ({ point: {}, seed_index: 0, seed: 0, run: 0, runs: 4, outcome, ok: outcome === "completed", virtual_time_ns: 0, metrics: { tps: 1 } });
    const s = summarisePoint({}, [rec("completed"), rec("hang"), rec("hang"), rec("completed")], null);
    expect(s.outcomes).toMatchObject({ completed: 0.5, hang: 0.5, deadlock: 0 });
    expect(s.metrics.p_hang!.mean).toBe(0.5);
    const [lo, hi] = wilson(2, 4);
    expect(s.metrics.p_hang!.ci95).toEqual([lo, hi]);
    expect(lo).toBeCloseTo(0.15, 2);
    expect(hi).toBeCloseTo(0.85, 2);
    expect(wilson(0, 10)[0]).toBe(0);
  });
});
