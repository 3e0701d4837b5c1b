// Issue 21 item 14: outputs small enough to mail. FILE.gz is written gzip-compressed (the same
// records and trace_sha256), render reads it, and run prints the size of each file written.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BIN = "dist/src/cli/main.js";
const SCEN = "scenarios/mdl/fk-alter-starvation.yaml";
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-outputs-"));

function mysqlsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("outputs small enough to mail", () => {
  const plain = join(tmp, "t.jsonl");
  const gz = join(tmp, "t.jsonl.gz");
  const reportGz = join(tmp, "r.html.gz");
  const a = mysqlsim("run", SCEN, "--trace", plain, "--json");
  const b = mysqlsim("run", SCEN, "--trace", gz, "--report", reportGz, "-q");
  it("--trace FILE.gz is gzip of the same JSONL; trace_sha256 is the hash of the records", () => {
    expect(a.code).toBe(b.code);
    const bytes = readFileSync(gz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const jsonl = gunzipSync(bytes);
    expect(jsonl.equals(readFileSync(plain))).toBe(true);
    expect(createHash("sha256").update(jsonl).digest("hex")).toBe(JSON.parse(a.stdout).trace_sha256);
    expect(bytes.length * 4).toBeLessThan(jsonl.length);
  });
  it("the report as FILE.html.gz is the gzip of the HTML report", () => {
    const html = gunzipSync(readFileSync(reportGz)).toString("utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('id="timeline"');
  });
  it("render reads a compressed trace as it reads a plain one", () => {
    const s1 = join(tmp, "a.svg");
    const s2 = join(tmp, "b.svg");
    expect(mysqlsim("render", plain, "--format", "svg", "-o", s1).code).toBe(0);
    expect(mysqlsim("render", gz, "--format", "svg", "-o", s2).code).toBe(0);
    expect(readFileSync(s2, "utf8")).toBe(readFileSync(s1, "utf8"));
  });
  it("run prints the size of each file written", () => {
    expect(b.stdout).toMatch(/\ntrace: \S+t\.jsonl\.gz, [\d.]+ (KiB|MiB|B) \([\d.]+ (KiB|MiB) uncompressed\)\n/);
    expect(b.stdout).toMatch(/\nreport: \S+r\.html\.gz, [\d.]+ (KiB|MiB|B)\n/);
  });
});
