import type { TraceRecord } from "../trace/record.js";
import { waitClass } from "./timeline.js";

/**
 * Chrome's trace event format (the JSON Object Format: `{"traceEvents": [...]}`), which Perfetto
 * (ui.perfetto.dev, "Open trace file") and chrome://tracing open:
 *
 * - `M` metadata: the process is the scenario, one thread per simulated thread (name and order);
 * - `X` complete events: statements (cat `statement`), waits (cat `wait.<class>`, the class as in
 *   the SVG legend), cpu / io / sleep (cat `cpu`, `io`, `sleep`), cgroup throttling;
 * - `b` / `e` async events (cat `hold`): a mutex or rwlock held from lock to unlock; async because
 *   holding overlaps waits and statements without nesting in them;
 * - `i` instants: lost signals, errors, deadlock victims, timeouts, kills (thread scope), and the
 *   run's hang or deadlock (global scope, with the wait-for graph in args);
 * - `s` / `f` flow events (cat `wake`): an arrow from the thread that woke another to the woken one.
 *
 * Timestamps are microseconds (virtual ns / 1000). Output is deterministic: ids are counters.
 */
export interface ChromeTraceEvent {
  name: string;
  cat?: string;
  ph: "X" | "B" | "E" | "i" | "s" | "f" | "M" | "b" | "e";
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: "t" | "p" | "g";
  id?: number | string;
  bp?: "e";
  args?: Record<string, unknown>;
}

const PID = 1;
const us = (ns: number): number => ns / 1000;

interface Open {
  stmt: { t: number; sql: string } | null;
  wait: { t: number; o: string; kind: string; state: string } | null;
  holds: Map<string, { t: number; depth: number; id: number; mode: string }>;
}

/** The incremental Chrome-trace renderer: push records in trace order, then finish once. */
export class ChromeTraceRenderer {
  private readonly events: string[] = [];
  private readonly tids = new Map<string, number>();
  private readonly open = new Map<string, Open>();
  private readonly throttles = new Map<string, number>();
  private flowId = 0;
  private holdId = 0;
  private last = 0;
  private scenario = "mysqlsim";
  private meta: Record<string, unknown> = {};

  push(r: TraceRecord): void {
    if (r.t > this.last) this.last = r.t;
    const d = (r.d ?? {}) as Record<string, unknown>;
    switch (r.k) {
      case "scenario":
        this.scenario = String(r.o ?? "mysqlsim");
        this.meta = { scenario: this.scenario, version: d.version, seed: d.seed, variables: d.variables };
        return;
      case "end_of_run":
        this.meta.outcome = d.outcome;
        this.emit({ name: `end of run: ${String(d.outcome ?? "")}`, cat: "run", ph: "i", s: "g", ts: us(r.t), pid: PID, tid: 0, args: d });
        return;
      case "hang":
      case "deadlock": {
        const cycle = (d.cycle ?? []) as string[];
        this.emit({ name: r.k === "deadlock" ? `DEADLOCK ${cycle.join(" -> ")}` : "HANG", cat: "run", ph: "i", s: "g", ts: us(r.t), pid: PID, tid: 0, args: d });
        return;
      }
    }
    if (r.th === "kernel") return;
    const tid = this.tid(r.th);
    const o = this.state(r.th);
    switch (r.k) {
      case "stmt":
        if (o.stmt) this.closeStmt(r.th, o, r.t, {});
        o.stmt = { t: r.t, sql: String(d.sql ?? "") };
        break;
      case "stmt_end": {
        if (!o.stmt) o.stmt = { t: r.t - Number(d.ns ?? 0), sql: String(d.sql ?? "") };
        const failed = d.error !== undefined && d.error !== null && d.error !== false;
        this.closeStmt(r.th, o, r.t, failed ? { error: d.error, code: d.code, text: d.text } : {});
        if (failed) this.emit({ name: `error: ${String(d.error)}`, cat: "error", ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: { sql: d.sql, code: d.code, text: d.text } });
        break;
      }
      case "wait":
        if (o.wait) this.closeWait(r.th, o, r.t, { reason: "superseded" });
        o.wait = { t: r.t, o: String(r.o ?? ""), kind: String(d.kind ?? ""), state: String(d.state ?? "") };
        break;
      case "wake": {
        const by = typeof d.by === "string" ? d.by : "";
        const cls = o.wait ? waitClass(o.wait.kind, o.wait.o, o.wait.state) : "other";
        this.closeWait(r.th, o, r.t, { reason: d.reason, by: d.by });
        if (by && by !== r.th && by !== "kernel" && cls !== "idle") {
          const id = ++this.flowId;
          const name = `wake: ${String(r.o ?? "")}`;
          this.emit({ name, cat: "wake", ph: "s", id, ts: us(r.t), pid: PID, tid: this.tid(by) });
          this.emit({ name, cat: "wake", ph: "f", bp: "e", id, ts: us(r.t), pid: PID, tid });
        }
        if (d.reason === "victim") this.emit({ name: "deadlock victim", cat: "victim", ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: { object: r.o } });
        break;
      }
      case "timeout":
        this.closeWait(r.th, o, r.t, { reason: "timeout" });
        this.emit({ name: `timeout: ${String(r.o ?? "")}`, cat: "timeout", ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: d });
        break;
      case "cpu":
      case "io":
      case "sleep": {
        const ns = Number(d.ns ?? 0);
        if (ns > 0) this.emit({ name: r.o ? `${r.k}: ${r.o}` : r.k, cat: r.k, ph: "X", ts: us(r.t), dur: us(ns), pid: PID, tid });
        break;
      }
      case "lock": {
        const key = String(r.o ?? "");
        const h = o.holds.get(key);
        if (h) h.depth++;
        else {
          const id = ++this.holdId;
          o.holds.set(key, { t: r.t, depth: 1, id, mode: d.mode === undefined ? "" : String(d.mode) });
          this.emit({ name: `holds ${key}`, cat: "hold", ph: "b", id, ts: us(r.t), pid: PID, tid, ...(d.mode !== undefined ? { args: { mode: d.mode } } : {}) });
        }
        break;
      }
      case "unlock": {
        const key = String(r.o ?? "");
        const h = o.holds.get(key);
        if (h && --h.depth === 0) {
          o.holds.delete(key);
          this.emit({ name: `holds ${key}`, cat: "hold", ph: "e", id: h.id, ts: us(r.t), pid: PID, tid });
        }
        break;
      }
      case "lost_signal":
        this.emit({ name: `lost ${String(d.op ?? "signal")}: ${String(r.o ?? "")}`, cat: "lost_signal", ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: { object: r.o, op: d.op, meaning: "found no waiter: the wake-up is lost" } });
        break;
      case "kill":
        this.emit({ name: `KILL ${String(r.o ?? "")}`, cat: "kill", ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: d });
        break;
      case "invariant":
      case "error":
        this.emit({ name: `${r.k}: ${String(d.message ?? "")}`, cat: r.k, ph: "i", s: "t", ts: us(r.t), pid: PID, tid, args: d });
        break;
      case "cpu.throttle":
        this.throttles.set(`${r.th}\u0000${r.o ?? ""}`, r.t);
        break;
      case "cpu.unthrottle": {
        const key = `${r.th}\u0000${r.o ?? ""}`;
        const since = this.throttles.get(key);
        if (since !== undefined) {
          this.throttles.delete(key);
          this.emit({ name: `throttled: ${String(r.o ?? "")}`, cat: "cpu.throttle", ph: "X", ts: us(since), dur: us(r.t - since), pid: PID, tid, args: d });
        }
        break;
      }
      case "end":
        if (o.stmt) this.closeStmt(r.th, o, r.t, { note: "thread ended" });
        if (o.wait) this.closeWait(r.th, o, r.t, { reason: "thread ended" });
        break;
    }
  }

  finish(): string {
    const end = this.last;
    for (const [th, o] of this.open) {
      if (o.stmt) this.closeStmt(th, o, end, { note: "still running at the end of the trace" });
      if (o.wait) this.closeWait(th, o, end, { reason: "still waiting at the end of the trace" });
      for (const [key, h] of o.holds) this.emit({ name: `holds ${key}`, cat: "hold", ph: "e", id: h.id, ts: us(end), pid: PID, tid: this.tid(th) });
      o.holds.clear();
    }
    for (const [key, since] of this.throttles) {
      const th = key.split("\u0000")[0]!;
      this.emit({ name: "throttled", cat: "cpu.throttle", ph: "X", ts: us(since), dur: us(end - since), pid: PID, tid: this.tid(th) });
    }
    this.throttles.clear();
    const meta: string[] = [JSON.stringify({ name: "process_name", ph: "M", ts: 0, pid: PID, tid: 0, args: { name: this.scenario } })];
    for (const [th, tid] of this.tids) {
      meta.push(JSON.stringify({ name: "thread_name", ph: "M", ts: 0, pid: PID, tid, args: { name: th } }));
      meta.push(JSON.stringify({ name: "thread_sort_index", ph: "M", ts: 0, pid: PID, tid, args: { sort_index: tid } }));
    }
    const all = [...meta, ...this.events];
    // One event per line: compact, and a diff of two traces reads event by event.
    return `{"displayTimeUnit":"ns","otherData":${JSON.stringify(this.meta)},"traceEvents":[\n${all.join(",\n")}\n]}\n`;
  }

  private tid(th: string): number {
    let id = this.tids.get(th);
    if (id === undefined) {
      id = this.tids.size + 1;
      this.tids.set(th, id);
    }
    return id;
  }

  private state(th: string): Open {
    let o = this.open.get(th);
    if (!o) {
      o = { stmt: null, wait: null, holds: new Map() };
      this.open.set(th, o);
    }
    return o;
  }

  private closeStmt(th: string, o: Open, t: number, args: Record<string, unknown>): void {
    const s = o.stmt!;
    o.stmt = null;
    this.emit({ name: s.sql.length > 80 ? `${s.sql.slice(0, 79)}…` : s.sql, cat: "statement", ph: "X", ts: us(s.t), dur: us(t - s.t), pid: PID, tid: this.tid(th), args: { sql: s.sql, ...args } });
  }

  private closeWait(th: string, o: Open, t: number, args: Record<string, unknown>): void {
    const w = o.wait;
    if (!w) return;
    o.wait = null;
    const cls = waitClass(w.kind, w.o, w.state);
    this.emit({
      name: w.state ? `${w.state}: ${w.o}` : `wait ${w.kind}: ${w.o}`,
      cat: `wait.${cls}`,
      ph: "X",
      ts: us(w.t),
      dur: us(t - w.t),
      pid: PID,
      tid: this.tid(th),
      args: { object: w.o, kind: w.kind, ...(w.state ? { state: w.state } : {}), ...args },
    });
  }

  private emit(e: ChromeTraceEvent): void {
    this.events.push(JSON.stringify(e));
  }
}

/** Renders records (in memory) as a Chrome trace JSON string. */
export function renderChromeTrace(records: Iterable<TraceRecord>): string {
  const r = new ChromeTraceRenderer();
  for (const rec of records) r.push(rec);
  return r.finish();
}
