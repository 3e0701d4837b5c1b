// Issue 21, item 13: sweep outputs a reader can trust.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sweepCli, type CliIo } from "../../src/sweep/cli.js";

const FIX = "test/sweep/fixtures/tiny-load.yaml";
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-sweep-fixes-"));

async function sweep(args: Record<string, unknown>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), tty: false };
  const code = await sweepCli({ file: FIX, seeds: 2, workers: 2, ...args }, io);
  return { code, out, err };
}

describe("sweep reports", () => {
  it("CSV and JSONL rows are in grid order, whatever order the workers finished in", async () => {
    for (const ext of ["csv", "jsonl"]) {
      const f = join(tmp, `order.${ext}`);
      expect((await sweep({ set: ["max_write_lock_count=1,10,100", "autocommit=ON,OFF"], seeds: 3, out: f, quiet: true })).code).toBe(0);
      const lines = readFileSync(f, "utf8").trim().split("\n");
      const runs = ext === "csv" ? lines.slice(1).map((l) => Number(l.split(",")[4])) : lines.map((l) => JSON.parse(l).run as number);
      expect(runs).toEqual([...Array(18).keys()]);
    }
  });

  it("legends are not cut and the end points are inside the plot", async () => {
    const report = join(tmp, "r.html");
    expect((await sweep({ set: ["max_write_lock_count=1,100", "innodb_lock_wait_timeout=5,50"], report, quiet: true })).code).toBe(0);
    const html = readFileSync(report, "utf8");
    for (const svg of html.match(/<svg[^>]*>[\s\S]*?<\/svg>/g)!) {
      const width = Number(/width="(\d+)"/.exec(svg)![1]);
      const left = Number(/translate\((\d+),/.exec(svg)![1]);
      for (const m of svg.matchAll(/<g transform="translate\(([\d.]+),[\d.]+\)"><line[^>]*\/><text x="22"[^>]*>([^<]*)<\/text>/g)) {
        expect(left + Number(m[1]) + 22 + m[2]!.length * 6.2, m[2]).toBeLessThanOrEqual(width);
      }
      const xs = [...svg.matchAll(/<circle cx="([\d.-]+)"/g)].map((m) => Number(m[1]));
      expect(Math.min(...xs)).toBeGreaterThan(6);
    }
  });

  it("--no-expect: a what-if that breaks the scenario's own expectations is not a failure", async () => {
    const f = join(tmp, "strict.yaml");
    writeFileSync(f, `${readFileSync(FIX, "utf8").replace(/\nexpect:[\s\S]*$/, "")}\nexpect:\n  - metric: { tps: { max: 0 } }\n`);
    expect((await sweep({ file: f, seeds: 1 })).code).toBe(1);
    const r = await sweep({ file: f, seeds: 1, expect: false });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/expectations not checked \(--no-expect\)/);
  });

  it("comma-separated --metric gives no false warning", async () => {
    const r = await sweep({ seeds: 1, metric: ["tps,transactions"] });
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/no run reported/);
  });

  it("the printed reproduce command is accepted by run, scenario keys included", async () => {
    const f = join(tmp, "fails.yaml");
    writeFileSync(f, `${readFileSync(FIX, "utf8").replace(/\nexpect:[\s\S]*$/, "")}\nexpect:\n  - metric: { tps: { max: 0 } }\n`);
    const r = await sweep({ file: f, seeds: 1, set: ["duration=1s,2s", "max_write_lock_count=1"] });
    const cmd = /the first: npx mysqlsim (run .*)$/m.exec(r.out)![1]!;
    expect(cmd).toMatch(/--set duration=1s/);
    const run = spawnSync(process.execPath, ["dist/src/cli/main.js", ...cmd.split(" ").slice(0), "-q"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
  });
});
