import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { formatRecord, StreamingTrace } from "../../src/trace/index.js";

/**
 * The batched trace (batch.ts) and its writer thread (offload.ts) must give exactly the bytes
 * formatRecord gives, one record at a time, wherever the formatting happened.
 */

type Op =
  | { f: "emit"; t: number; th: string; k: string; o?: string; d?: Record<string, unknown> }
  | { f: "ns"; t: number; th: string; k: string; o: string | undefined; ns: number }
  | { f: "wake"; t: number; th: string; o: string | undefined; reason: string; by: string; waited: number }
  | { f: "wait"; t: number; th: string; o: string; kind: string; state: string; timeout: number };

function reference(op: Op): string {
  switch (op.f) {
    case "emit":
      return formatRecord(op.t, op.th, op.k, op.o, op.d);
    case "ns":
      return formatRecord(op.t, op.th, op.k, op.o || undefined, { ns: op.ns });
    case "wake":
      return formatRecord(op.t, op.th, "wake", op.o, { reason: op.reason, by: op.by, waited_ns: op.waited });
    case "wait":
      return formatRecord(op.t, op.th, "wait", op.o, { kind: op.kind, ...(op.state ? { state: op.state } : {}), ...(op.timeout >= 0 ? { timeout_ns: op.timeout } : {}) });
  }
}

function apply(tr: StreamingTrace, op: Op): void {
  switch (op.f) {
    case "emit":
      return tr.emit(op.t, op.th, op.k, op.o, op.d);
    case "ns":
      return tr.emitNs(op.t, tr.ref(op.th), tr.ref(op.k), op.o, op.ns);
    case "wake":
      return tr.emitWake(op.t, tr.ref(op.th), op.o, op.reason, tr.ref(op.by), op.waited);
    case "wait":
      return tr.emitWait(op.t, tr.ref(op.th), op.o, op.kind, op.state, op.timeout);
  }
}

const dir = mkdtempSync(join(tmpdir(), "mysqlsim-trace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

/** Runs ops through a StreamingTrace with a file; returns the file's bytes, the hash and the kept records. */
function through(ops: Op[], offloadAfterBytes: number, keep = 0): { bytes: string; hash: string; kept: unknown[] } {
  const file = join(dir, `t${fileNo++}.jsonl`);
  const tr = new StreamingTrace({ file, keep, offloadAfterBytes });
  for (const op of ops) apply(tr, op);
  const hash = tr.close();
  return { bytes: readFileSync(file, "utf8"), hash, kept: tr.records };
}

const name = fc.oneof(fc.constantFrom("w1", "kernel", "LOCK_log", "Waiting for table flush", ""), fc.string(), fc.string({ minLength: 129, maxLength: 140 }));
const num = fc.oneof(fc.nat(), fc.integer({ min: -5, max: 5 }), fc.constant(2 ** 52), fc.double({ noNaN: false }));
const detail = fc.dictionary(
  fc.string().filter((k) => /^[A-Za-z_]\w*$/.test(k)),
  fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(undefined), fc.array(fc.integer())),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ f: fc.constant("emit" as const), t: fc.nat(), th: name, k: name, o: fc.option(name, { nil: undefined }), d: fc.option(detail, { nil: undefined }) }),
  fc.record({ f: fc.constant("ns" as const), t: fc.nat(), th: name, k: fc.constantFrom("sleep", "io", "cpu"), o: fc.option(name, { nil: undefined }), ns: num }),
  fc.record({ f: fc.constant("wake" as const), t: fc.nat(), th: name, o: fc.option(name, { nil: undefined }), reason: fc.constantFrom("granted", "signaled", "timeout"), by: name, waited: num }),
  fc.record({ f: fc.constant("wait" as const), t: fc.nat(), th: name, o: name, kind: name, state: name, timeout: num }),
);
/** A template repeated so that runs cross the 4,096-record batch boundary. */
const run = fc.tuple(fc.array(op, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })).map(([ops, times]) => Array.from({ length: times }, () => ops).flat());

describe("StreamingTrace batches", () => {
  it("formatted on the simulation's thread: the same bytes as formatRecord, the hash of those bytes, the kept records", () => {
    fc.assert(
      fc.property(run, fc.integer({ min: 0, max: 50 }), (ops, keep) => {
        const want = ops.map(reference).join("");
        const got = through(ops, Infinity, keep);
        expect(got.bytes).toBe(want);
        expect(got.hash).toBe(createHash("sha256").update(want, "utf8").digest("hex"));
        expect(got.kept).toEqual(want.split("\n").slice(0, Math.min(keep, ops.length)).map((l) => JSON.parse(l)));
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it("handed to the writer thread from the first batch: byte-identical file and hash", () => {
    fc.assert(
      fc.property(run, (ops) => {
        const want = ops.map(reference).join("");
        const got = through(ops, 0);
        expect(got.bytes).toBe(want);
        expect(got.hash).toBe(createHash("sha256").update(want, "utf8").digest("hex"));
      }),
      { numRuns: 25, seed: 12 },
    );
  });

  it("hands over mid-run (bytes made here are hashed there first) and keeps records until the hand-over", () => {
    const ops: Op[] = [];
    for (let i = 0; i < 60_000; i++) ops.push({ f: "ns", t: i * 1000, th: `w${i % 64}`, k: "sleep", o: undefined, ns: 1000 + i });
    const inThread = through(ops, Infinity, 100);
    const offloaded = through(ops, 1 << 20, 100);
    expect(offloaded.bytes).toBe(inThread.bytes);
    expect(offloaded.hash).toBe(inThread.hash);
    expect(offloaded.kept).toEqual(inThread.kept);
    expect(offloaded.kept).toHaveLength(100);
  });

  it("more distinct strings than the intern table holds still format exactly", () => {
    const ops: Op[] = [];
    for (let i = 0; i < 70_000; i++) ops.push({ f: "wait", t: i, th: "w", o: `./test/t${i}.ibd`, kind: "mutex", state: i % 2 ? "" : `state ${i}`, timeout: i % 3 ? -1 : i });
    const want = ops.map(reference).join("");
    expect(through(ops, Infinity).bytes).toBe(want);
    expect(through(ops, 0).bytes).toBe(want);
  });

  it("handles of very long names (a thread named by a 3,000-character string) still fit their records", () => {
    const long = "é".repeat(3000);
    const ops: Op[] = [];
    for (let i = 0; i < 9000; i++) ops.push({ f: "wake", t: i, th: i % 2 ? long : "w", o: i % 3 ? long : undefined, reason: "granted", by: long, waited: i });
    const want = ops.map(reference).join("");
    expect(through(ops, Infinity).bytes).toBe(want);
    expect(through(ops, 0).bytes).toBe(want);
  });

  it("abort with the writer thread running leaves no file behind", () => {
    const sub = mkdtempSync(join(dir, "abort-"));
    const tr = new StreamingTrace({ file: join(sub, "x.jsonl"), offloadAfterBytes: 0 });
    for (let i = 0; i < 20_000; i++) tr.emitNs(i, tr.ref("w"), tr.ref("sleep"), undefined, i);
    tr.abort();
    expect(readdirSync(sub)).toEqual([]);
    expect(existsSync(join(sub, "x.jsonl"))).toBe(false);
  });
});
