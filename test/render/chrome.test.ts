// The Chrome trace output against the trace event format's required fields (a zod schema of the
// phases we emit), plus the structural rules Perfetto and chrome://tracing rely on: flows paired,
// async begin/end paired, complete events on one thread nested, not crossing.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { renderTrace } from "../../src/render/index.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import type { TraceRecord } from "../../src/trace/record.js";
import { lostWakeupTrace, mdlVictimTrace, mutexDeadlockTrace } from "./fixtures.js";

const common = { name: z.string().min(1), ts: z.number().nonnegative(), pid: z.number().int(), tid: z.number().int().nonnegative(), cat: z.string().optional(), args: z.record(z.string(), z.unknown()).optional() };
const Event = z.discriminatedUnion("ph", [
  z.object({ ...common, ph: z.literal("X"), dur: z.number().nonnegative() }).strict(),
  z.object({ ...common, ph: z.literal("i"), s: z.enum(["t", "p", "g"]) }).strict(),
  z.object({ ...common, ph: z.literal("s"), id: z.number().int(), cat: z.string() }).strict(),
  z.object({ ...common, ph: z.literal("f"), id: z.number().int(), cat: z.string(), bp: z.literal("e") }).strict(),
  z.object({ ...common, ph: z.literal("b"), id: z.number().int(), cat: z.string() }).strict(),
  z.object({ ...common, ph: z.literal("e"), id: z.number().int(), cat: z.string() }).strict(),
  z.object({ ...common, ph: z.literal("M"), name: z.enum(["process_name", "thread_name", "thread_sort_index"]), args: z.union([z.object({ name: z.string() }), z.object({ sort_index: z.number() })]) }).strict(),
]);
const ChromeTrace = z.object({ traceEvents: z.array(Event), displayTimeUnit: z.enum(["ms", "ns"]), otherData: z.record(z.string(), z.unknown()) }).strict();
type Ev = z.infer<typeof Event>;

function check(records: TraceRecord[]): Ev[] {
  const text = renderTrace(records, "chrome");
  const parsed = ChromeTrace.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  const events = parsed.data.traceEvents;
  // every thread that has events is named
  const named = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.tid));
  for (const e of events) if (e.ph !== "M" && e.tid !== 0) expect(named.has(e.tid), `tid ${e.tid} has no thread_name`).toBe(true);
  // flows and async events pair up
  const pairs = (a: string, b: string): void => {
    const open = new Map<string, Ev>();
    for (const e of events.filter((x) => x.ph === a || x.ph === b)) {
      const key = `${e.cat}:${(e as { id: number }).id}`;
      if (e.ph === a) open.set(key, e);
      else {
        expect(open.has(key), `${b} without ${a}: ${key}`).toBe(true);
        expect(e.ts).toBeGreaterThanOrEqual(open.get(key)!.ts);
        open.delete(key);
      }
    }
    expect([...open.keys()], `unclosed ${a}`).toEqual([]);
  };
  pairs("s", "f");
  pairs("b", "e");
  // complete events on one thread nest (integer ns to avoid float noise)
  const byTid = new Map<number, [number, number, string][]>();
  for (const e of events) if (e.ph === "X") (byTid.get(e.tid) ?? byTid.set(e.tid, []).get(e.tid)!).push([Math.round(e.ts * 1000), Math.round((e.ts + e.dur) * 1000), e.name]);
  for (const [tid, xs] of byTid) {
    xs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const stack: [number, number, string][] = [];
    for (const x of xs) {
      while (stack.length && stack[stack.length - 1]![1] <= x[0]) stack.pop();
      const top = stack[stack.length - 1];
      if (top) expect(x[1] <= top[1], `tid ${tid}: "${x[2]}" [${x[0]},${x[1]}] crosses "${top[2]}" [${top[0]},${top[1]}]`).toBe(true);
      stack.push(x);
    }
  }
  return events;
}

describe("Chrome trace event format", () => {
  it("the lost wake-up: statements, waits, a wake flow, the lost signal, the hang", () => {
    const ev = check(lostWakeupTrace());
    expect(ev.find((e) => e.ph === "M" && e.name === "process_name")!.args).toEqual({ name: "binlog rotate lost wake-up (hand-built)" });
    expect(ev.some((e) => e.ph === "X" && e.cat === "statement" && e.name === "COMMIT")).toBe(true);
    expect(ev.some((e) => e.ph === "X" && e.cat === "wait.mutex")).toBe(true);
    const cond = ev.find((e) => e.ph === "X" && e.cat === "wait.cond")!;
    expect(cond.args).toMatchObject({ object: "m_prep_xids_cond", state: "Waiting for prepared transactions to commit" });
    expect(ev.filter((e) => e.ph === "s")).toHaveLength(1);
    expect(ev.some((e) => e.ph === "i" && e.cat === "lost_signal")).toBe(true);
    expect(ev.some((e) => e.ph === "i" && e.s === "g" && e.name === "HANG")).toBe(true);
    // ts is microseconds: con2's wait on LOCK_log is 2000 ns -> 21000 ns
    const w = ev.find((e) => e.ph === "X" && e.cat === "wait.mutex" && e.tid === 2)! as { ts: number; dur: number };
    expect([w.ts, w.dur]).toEqual([2, 19]);
  });

  it("the MDL victim trace: errors, victim, timeout, kill, commit lock", () => {
    const ev = check(mdlVictimTrace());
    for (const cat of ["error", "victim", "timeout", "kill"]) expect(ev.some((e) => e.ph === "i" && e.cat === cat), cat).toBe(true);
    expect(ev.some((e) => e.ph === "X" && e.cat === "wait.commit")).toBe(true);
  });

  it("the mutex deadlock: holds as async events, the cycle as a global instant", () => {
    const ev = check(mutexDeadlockTrace());
    expect(ev.filter((e) => e.ph === "b" && e.cat === "hold")).toHaveLength(2);
    expect(ev.some((e) => e.ph === "i" && e.name === "DEADLOCK writer -> rotator")).toBe(true);
  });

  it("a real run (scenarios/mdl/fk-alter-starvation.yaml) is valid", () => {
    const { trace } = runScenario(loadScenarioFile("scenarios/mdl/fk-alter-starvation.yaml"), { seed: 1 });
    const ev = check(trace!.records);
    expect(ev.some((e) => e.ph === "X" && e.cat === "wait.mdl")).toBe(true);
  });

  it("is deterministic and one event per line", () => {
    const a = renderTrace(mdlVictimTrace(), "chrome");
    expect(renderTrace(mdlVictimTrace(), "chrome")).toBe(a);
    expect(a.split("\n").length).toBeGreaterThan(JSON.parse(a).traceEvents.length);
  });
});
