// Sweeps in-process (workers: 1): results files, resume after a kill, shards and merge, exit codes.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { mergeCli, sweepCli, type CliIo } from "../../src/sweep/cli.js";
import { readResults } from "../../src/sweep/results.js";
import { runSweep } from "../../src/sweep/sweep.js";

const FIX = "test/sweep/fixtures/tiny-load.yaml";
const SETS = ["max_write_lock_count=1,100", "autocommit=ON,OFF"];
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-sweep-"));
let n = 0;
const fresh = (ext: string): string => join(tmp, `r${n++}.${ext}`);
const sortedLines = (f: string): string[] => readFileSync(f, "utf8").split("\n").filter(Boolean).sort();

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), tty: false };
}

describe("sweep (in-process)", () => {
  it("streams one JSONL record per run; every record reruns alone with `run --seed`", async () => {
    const out = fresh("jsonl");
    const r = await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, out });
    expect(r.runs).toBe(12);
    expect(r.ran).toBe(12);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(12);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(["point", "seed_index", "seed", "run", "runs", "outcome", "ok", "virtual_time_ns", "metrics"]);
    expect(first.point).toEqual({ max_write_lock_count: 1, autocommit: "ON" });
    // the record is a plain `run` of that seed with those --set values
    const alone = runScenario(loadScenarioFile(FIX), { seed: first.seed, set: [["max_write_lock_count", 1], ["autocommit", true]], noTrace: true }).report;
    expect(alone.metrics).toEqual(first.metrics);
    expect(alone.outcome).toBe(first.outcome);
    // seeds differ per seed index, so the metric varies: the summary has a real interval
    const tps = r.summary[0]!.metrics.tps!;
    expect(tps.n).toBe(3);
    expect(tps.ci95![0]).toBeLessThan(tps.ci95![1]);
    expect(r.summary[0]!.metrics.p_hang!.mean).toBe(0);
  });

  it("writes CSV: a header, then one row per run; it reads back as the same records", async () => {
    const csv = fresh("csv");
    const jsonl = fresh("jsonl");
    await runSweep({ file: FIX, sets: SETS, seeds: 2, workers: 1, out: csv });
    await runSweep({ file: FIX, sets: SETS, seeds: 2, workers: 1, out: jsonl });
    const text = readFileSync(csv, "utf8").split("\n");
    // metric columns: those the grid's first run reported
    const firstMetrics = Object.keys(readResults(jsonl).records.find((r) => r.run === 0)!.metrics);
    expect(firstMetrics).toContain("tps");
    expect(text[0]).toBe(["max_write_lock_count,autocommit,seed_index,seed,run,runs,outcome,ok,virtual_time_ns", ...firstMetrics, "message"].join(","));
    expect(text).toHaveLength(1 + 8 + 1);
    expect(readResults(csv).records).toEqual(readResults(jsonl).records);
  });

  it("CSV with --metric keeps just those columns", async () => {
    const csv = fresh("csv");
    await runSweep({ file: FIX, sets: SETS, seeds: 1, workers: 1, out: csv, metrics: ["tps", "p_hang"] });
    expect(readFileSync(csv, "utf8").split("\n")[0]).toBe("max_write_lock_count,autocommit,seed_index,seed,run,runs,outcome,ok,virtual_time_ns,tps,message");
  });

  for (const ext of ["jsonl", "csv"]) {
    it(`a killed sweep resumes (${ext}): finished runs are skipped, a cut-short last line is repaired`, async () => {
      const whole = fresh(ext);
      await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, out: whole });
      const text = readFileSync(whole, "utf8");
      const lines = text.split("\n");
      const keep = ext === "csv" ? 6 : 5; // csv: header + 5 records
      const k = 5;
      const killed = fresh(ext);
      // k whole records, then half of the next one
      const cut = lines.slice(0, keep).join("\n").length + 1 + Math.floor(lines[keep]!.length / 2);
      writeFileSync(killed, text.slice(0, cut));
      expect(readResults(killed)).toMatchObject({ torn: true });
      expect(readResults(killed).records).toHaveLength(k);
      const again = await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, out: killed });
      expect(again.resumed).toBe(k);
      expect(again.ran).toBe(12 - k);
      expect(sortedLines(killed)).toEqual(sortedLines(whole));
      expect(readFileSync(killed, "utf8").endsWith("\n")).toBe(true);
      // a third time: nothing left to run
      const third = await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, out: killed });
      expect([third.resumed, third.ran]).toEqual([12, 0]);
      expect(third.summary).toEqual(again.summary);
    });
  }

  it("resumes into a larger grid: only the new points and seeds run", async () => {
    const out = fresh("jsonl");
    await runSweep({ file: FIX, sets: ["max_write_lock_count=1,100"], seeds: 2, workers: 1, out });
    const r = await runSweep({ file: FIX, sets: ["max_write_lock_count=1,10,100"], seeds: 3, workers: 1, out });
    expect([r.resumed, r.ran]).toEqual([4, 5]);
  });

  it("refuses a results file from a sweep over other axes", async () => {
    const out = fresh("jsonl");
    await runSweep({ file: FIX, sets: ["sync_binlog=0,1"], seeds: 1, workers: 1, out });
    const c = io();
    expect(await sweepCli({ file: FIX, set: ["autocommit=ON,OFF"], seeds: 1, workers: 1, out }, c)).toBe(2);
    expect(c.stderr.join("\n")).toMatch(/holds results of a sweep over \(sync_binlog\), not \(autocommit\)/);
  });

  it("one writer per results file: a live sweep's lock is refused, a dead one's taken over", async () => {
    const out = fresh("jsonl");
    writeFileSync(`${out}.lock`, `${process.ppid}\n`);
    const c = io();
    expect(await sweepCli({ file: FIX, set: ["sync_binlog=0,1"], seeds: 1, workers: 1, out }, c)).toBe(2);
    expect(c.stderr.join("\n")).toMatch(/another sweep \(pid \d+\) is writing it/);
    writeFileSync(`${out}.lock`, "2147483646\n");
    expect(await sweepCli({ file: FIX, set: ["sync_binlog=0,1"], seeds: 1, workers: 1, out, quiet: true }, io())).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(readFileSync(out, "utf8").trimEnd().split("\n")).toHaveLength(2);
  });

  it("shards merge to the unsharded result; merge finds missing and duplicated runs", async () => {
    const whole = fresh("jsonl");
    await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, out: whole });
    const shards = [1, 2, 3].map(() => fresh("jsonl"));
    for (const [i, f] of shards.entries()) {
      const r = await runSweep({ file: FIX, sets: SETS, seeds: 3, workers: 1, shard: `${i + 1}/3`, out: f });
      expect(r.runs).toBe(4);
    }
    const merged = fresh("jsonl");
    const c = io();
    expect(await mergeCli({ out: merged, files: shards }, c)).toBe(0);
    expect(c.stdout.join("")).toMatch(/merged 12 run\(s\) from 3 file\(s\)/);
    expect(sortedLines(merged)).toEqual(sortedLines(whole));

    const missing = io();
    const m2 = fresh("jsonl");
    expect(await mergeCli({ out: m2, files: shards.slice(0, 2) }, missing)).toBe(2);
    expect(missing.stderr.join("\n")).toMatch(/missing: 4 of 12 runs \(run indices 2, 5, 8, 11\)/);
    expect(existsSync(m2)).toBe(false);

    const dup = io();
    expect(await mergeCli({ out: fresh("jsonl"), files: [...shards, shards[0]!] }, dup)).toBe(2);
    expect(dup.stderr.join("\n")).toMatch(/duplicate: max_write_lock_count=1 autocommit=ON seed #0 \(\d+\) is in .* and /);

    // a shard whose last record was cut short is incomplete: merge says which runs are missing
    const torn = fresh("jsonl");
    writeFileSync(torn, readFileSync(shards[2]!, "utf8").slice(0, -10));
    const t = io();
    expect(await mergeCli({ out: fresh("jsonl"), files: [shards[0]!, shards[1]!, torn] }, t)).toBe(2);
    expect(t.stderr.join("\n")).toMatch(/missing: 1 of 12 runs/);
  });

  it("CSV shards merge into CSV identical to the unsharded CSV", async () => {
    const whole = fresh("csv");
    await runSweep({ file: FIX, sets: SETS, seeds: 2, workers: 1, out: whole });
    const shards = [fresh("csv"), fresh("csv")];
    await runSweep({ file: FIX, sets: SETS, seeds: 2, workers: 1, shard: "1/2", out: shards[0] });
    await runSweep({ file: FIX, sets: SETS, seeds: 2, workers: 1, shard: "2/2", out: shards[1] });
    const merged = fresh("csv");
    expect(await mergeCli({ out: merged, files: shards }, io())).toBe(0);
    expect(readFileSync(merged, "utf8")).toBe(readFileSync(whole, "utf8"));
  });

  it("scenario keys are axes too (dotted paths), checked by the loader", async () => {
    const r = await runSweep({ file: FIX, sets: ["threads.writer.count=1,3", "duration=20ms"], seeds: 2, workers: 1 });
    expect(r.summary.map((s) => s.point)).toEqual([{ "threads.writer.count": 1, duration: "20ms" }, { "threads.writer.count": 3, duration: "20ms" }]);
    expect(r.records.every((x) => x.virtual_time_ns === 20_000_000)).toBe(true);
    expect(r.summary[1]!.metrics.transactions!.mean).toBeGreaterThan(r.summary[0]!.metrics.transactions!.mean);
    const c = io();
    expect(await sweepCli({ file: FIX, set: ["threads.writer.count=1,0"], workers: 1 }, c)).toBe(2);
    expect(c.stderr.join("\n")).toMatch(/--set threads\.writer\.count=0: the scenario rejects it: .*threads\.writer\.count/);
  });

  it("bad input: exit 2 with a message, and no results file", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ set: ["innodb_log_spin_cpu_pct_hwm=8,16,500"] }, /--set innodb_log_spin_cpu_pct_hwm=8,16,500: Variable 'innodb_log_spin_cpu_pct_hwm' can't be set to the value of '500' \(range 0 to 100\)/],
      [{ set: ["autocommit=ON,maybe"] }, /expected ON or OFF/],
      [{ set: ["nope=1,2"] }, /unknown variable "nope"/],
      [{ seeds: 0 }, /--seeds 0: expected a whole number/],
      [{ workers: 0 }, /--workers 0/],
      [{ shard: "3/2" }, /--shard 3\/2/],
      [{ out: join(tmp, "x.txt") }, /\.jsonl .* or \.csv/],
      [{ file: join(tmp, "missing.yaml") }, /missing\.yaml:1:1: cannot read the file/],
    ];
    for (const [extra, re] of cases) {
      const c = io();
      const out = fresh("jsonl");
      expect(await sweepCli({ file: FIX, out, workers: 1, ...extra }, c)).toBe(2);
      expect(c.stderr.join("\n")).toMatch(re);
      if (!extra.out) expect(existsSync(out)).toBe(false);
    }
  });

  it("--json prints the summary; a failing expectation makes the exit code 1", async () => {
    const f = join(tmp, "expect-hang.yaml");
    writeFileSync(f, readFileSync(FIX, "utf8").replace("outcome: completed", "outcome: hang"));
    const c = io();
    expect(await sweepCli({ file: f, set: ["sync_binlog=0,1"], seeds: 2, workers: 1, json: true }, c)).toBe(1);
    const j = JSON.parse(c.stdout.join("\n"));
    expect(j).toMatchObject({ runs: 4, ran: 4, failed_runs: 4, axes: { sync_binlog: ["0", "1"] }, seeds: 2, base_seed: 1 });
    expect(j.points).toHaveLength(2);
    expect(Object.keys(j.points[0].metrics)).toContain("p_hang");
    expect(j.points[0].outcomes.completed).toBe(1);

    const t = io();
    expect(await sweepCli({ file: FIX, set: ["sync_binlog=0,1"], seeds: 2, workers: 1, metric: ["tps"] }, t)).toBe(0);
    const text = t.stdout.join("\n");
    expect(text).toMatch(/2 point\(s\) x 2 seed\(s\) = 4 run\(s\)/);
    expect(text).toMatch(/outcomes \(share of runs\)/);
    expect(text).toMatch(/tps {2}\(95% CI of the mean: Student t\)\n {2}sync_binlog\s+n\s+mean\s+median\s+p90\s+95% CI/);
    expect(text).not.toMatch(/statement_latency/);
  });

  it("--report writes a self-contained HTML page with an SVG chart per metric and axis", async () => {
    const html = join(tmp, "report.html");
    expect(await sweepCli({ file: FIX, set: SETS, seeds: 2, workers: 1, metric: ["tps", "p_hang"], report: html, quiet: true }, io())).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page.match(/<svg /g)).toHaveLength(4);
    expect(page).toContain("autocommit=OFF");
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
