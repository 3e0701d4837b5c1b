// The bench harness's logic: argument parsing, the order of the rounds, the median of per-round
// ratios, the JSON file, and (through a fixture bench whose cases report their own seconds) the
// child-process protocol. Nothing here times anything.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFigures, mergeJson, pairRatios, parseArgs, roundOrder, sampleSeconds, type Sample, spread, summarize } from "../../bench/harness.js";

const sample = (c: string, seconds: number, more: Partial<Sample> = {}): Sample => ({ case: c, work: 1000, seconds: [seconds], cpu: [seconds], mainOnCpu: [], mainWaiting: [], maxRssMiB: 50, ...more });
const meta = { title: "t", date: "d", node: "v20", cpus: 2, warmup: 1, warmupRuns: 1, runs: 1 };
const def = {
  cases: [
    { id: "a", label: "case a", unit: "steps", run: () => ({ work: 0 }) },
    { id: "b", label: "case b", unit: "steps", run: () => ({ work: 0 }) },
  ],
  ratios: [{ id: "a", label: "a / b", a: "a", b: "b" }],
};

describe("parseArgs", () => {
  it("takes the defaults, then the bench's, then the command line's", () => {
    expect(parseArgs([])).toEqual({ pairs: 9, warmup: 1, warmupRuns: 1, runs: 1, rest: [] });
    expect(parseArgs([], { pairs: 5, warmupRuns: 0 })).toMatchObject({ pairs: 5, warmupRuns: 0 });
    expect(parseArgs(["--pairs", "20", "--warmup=2", "--runs", "3", "--warmup-runs", "0"], { pairs: 5 })).toMatchObject({ pairs: 20, warmup: 2, runs: 3, warmupRuns: 0 });
  });
  it("keeps the bench's own arguments in order and reads the string options", () => {
    const o = parseArgs(["30", "--json", "out.json", "x.yaml", "--case=floor", "--pin", "0", "--verbose", "constructor"]);
    expect(o.rest).toEqual(["30", "x.yaml", "--verbose", "constructor"]);
    expect(o).toMatchObject({ json: "out.json", case: "floor", pin: "0" });
  });
  it("refuses missing and out-of-range values", () => {
    expect(() => parseArgs(["--pairs"])).toThrow(/needs a value/);
    expect(() => parseArgs(["--pairs", "0"])).toThrow(/>= 1/);
    expect(() => parseArgs(["--warmup", "-1"])).toThrow(/>= 0/);
    expect(() => parseArgs(["--runs", "1.5"])).toThrow(/integer/);
    expect(parseArgs(["--warmup", "0"]).warmup).toBe(0);
  });
});

describe("rounds and ratios", () => {
  it("reverses the order every other round", () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(["a", "b", "c"], r).join(""))).toEqual(["abc", "cba", "abc", "cba"]);
  });
  it("takes the median of an odd or even count, with min and max", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow();
  });
  it("pairs the two samples of the same round, and reports the median of those ratios", () => {
    // the machine slows down by 2x and 4x in rounds 2 and 3: a's rate is always half of b's
    const rounds = [
      { a: sample("a", 2), b: sample("b", 1) },
      { a: sample("a", 4), b: sample("b", 2) },
      { a: sample("a", 8), b: sample("b", 4) },
    ];
    expect(pairRatios(rounds, { a: "a", b: "b" })).toEqual([0.5, 0.5, 0.5]);
    const f = summarize(def, rounds, meta);
    expect(f.ratios.a).toMatchObject({ median: 0.5, min: 0.5, max: 0.5, all: [0.5, 0.5, 0.5], clock: "wall" });
    expect(f.cases.a!.seconds).toMatchObject({ median: 4, min: 2, max: 8 });
    expect(f.cases.b!.rate).toMatchObject({ median: 500, min: 250, max: 1000 });
    expect(f.pairs).toBe(3);
    expect(f.order).toEqual(["a", "b"]);
  });
  it("does not pair across rounds: the median of ratios is not the ratio of the medians", () => {
    const rounds = [
      { a: sample("a", 1), b: sample("b", 1) },
      { a: sample("a", 3), b: sample("b", 1) },
      { a: sample("a", 2), b: sample("b", 5) },
    ];
    expect(pairRatios(rounds, { a: "a", b: "b" })).toEqual([1, 1 / 3, 2.5]);
    expect(summarize(def, rounds, meta).ratios.a!.median).toBe(1);
  });
  it("times a cpu ratio by the main thread's CPU seconds, by the process's where there are none", () => {
    const withMain = sample("a", 9, { cpu: [7], mainOnCpu: [1, 3, 2] });
    expect(sampleSeconds(withMain)).toBe(9);
    expect(sampleSeconds(withMain, "cpu")).toBe(2);
    expect(sampleSeconds(sample("a", 9, { cpu: [7] }), "cpu")).toBe(7);
    expect(sampleSeconds(withMain, "process")).toBe(7);
    const rounds = [{ a: sample("a", 10, { mainOnCpu: [2] }), b: sample("b", 1, { mainOnCpu: [1] }) }];
    const f = summarize({ ...def, ratios: [{ ...def.ratios[0]!, clock: "cpu" as const }] }, rounds, meta);
    expect(f.ratios.a).toMatchObject({ median: 0.5, clock: "cpu", show: ["wall"] });
    expect(f.ratios.a!.byClock.wall.median).toBeCloseTo(0.1);
  });
  it("refuses cases that did different work", () => {
    const rounds = [{ a: sample("a", 1, { digest: "x" }), b: sample("b", 1, { digest: "y" }) }];
    expect(() => summarize(def, rounds, meta)).toThrow(/different work/);
    expect(() => pairRatios([{ a: sample("a", 1) }], { a: "a", b: "b" })).toThrow(/lacks case b/);
  });
  it("prints the ratio first and the absolute figures after it", () => {
    const text = formatFigures(summarize(def, [{ a: sample("a", 2), b: sample("b", 1) }], meta));
    expect(text).toMatch(/a \/ b +0\.50 \(0\.50-0\.50\) by wall/);
    expect(text.indexOf("a / b")).toBeLessThan(text.indexOf("case a"));
    expect(text).toMatch(/case a +1,000 steps +wall 2\.00 \(2\.00-2\.00\) s = 500 \(500-500\) steps\/s/);
  });
});

describe("the JSON file", () => {
  it("keeps one entry per bench", () => {
    const one = mergeJson(undefined, "kernel", { x: 1 });
    const two = mergeJson(one, "cpu", { y: 2 });
    expect(JSON.parse(mergeJson(two, "kernel", { x: 3 }))).toEqual({ kernel: { x: 3 }, cpu: { y: 2 } });
  });
});

describe("a bench run through its child processes", () => {
  it("runs every case in its own process, interleaved and reversed, and writes the figures", () => {
    const dir = mkdtempSync(join(tmpdir(), "mysqlsim-harness-"));
    const log = join(dir, "order.log");
    const json = join(dir, "figures.json");
    writeFileSync(json, JSON.stringify({ other: { kept: true } }));
    const out = execFileSync(process.execPath, ["test/bench/fixture-bench.mjs", log, "--json", json], { encoding: "utf8" });
    // one warm-up round, then three counted rounds
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["slow", "fast", "fast", "slow", "slow", "fast", "fast", "slow"]);
    const figures = JSON.parse(readFileSync(json, "utf8"));
    expect(figures.other).toEqual({ kept: true });
    expect(figures.fixture.ratios.slow).toMatchObject({ median: 0.25, min: 0.25, max: 0.25, clock: "wall" });
    expect(figures.fixture).toMatchObject({ pairs: 3, warmup: 1, warmupRuns: 0, runs: 1, title: "fixture 1 arg(s)" });
    expect(figures.fixture.rounds).toHaveLength(3);
    expect(figures.fixture.cases.fast.info).toEqual({ note: "fast" });
    expect(out).toMatch(/slow \/ fast +0\.25/);
  });
  it("runs one case by hand and prints its sample", () => {
    const dir = mkdtempSync(join(tmpdir(), "mysqlsim-harness-"));
    const out = execFileSync(process.execPath, ["test/bench/fixture-bench.mjs", join(dir, "log"), "--case", "fast", "--runs", "2"], { encoding: "utf8" });
    expect(JSON.parse(out)).toMatchObject({ case: "fast", work: 100, seconds: [0.5, 0.5], digest: "same work" });
  });
});
