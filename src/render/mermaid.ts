import type { TraceRecord } from "../trace/record.js";
import { fmtDuration, waitClass } from "./timeline.js";

/**
 * A Mermaid sequenceDiagram of a small run, for slides and docs: connections first, then the
 * objects they wait on (mutexes, condvars, MDL keys) as participants. A statement is a note over
 * its connection; a wait is an arrow to the object (with the processlist state); a wake-up is an
 * arrow back, saying who woke it; taking and releasing a mutex, and a signal, are arrows to the
 * object; a lost signal and the final hang or deadlock are notes. Client-side idle waits
 * (mailbox, reap, wait_state), CPU and I/O are left out. Past `maxMessages` lines the rest is
 * summarised in one note (the run's ending is always shown). Reads trace records only; output is
 * deterministic.
 */
export interface MermaidOptions {
  /** diagram lines before the rest is summarised (default 150) */
  maxMessages?: number;
  /** characters of SQL / object names kept in a message (default 48) */
  maxLabel?: number;
  /** show mutex / rwlock lock and unlock as arrows (default true) */
  locks?: boolean;
}

type Line = { text: string } | { all: string };

const RESERVED = new Set(["end", "participant", "actor", "loop", "alt", "else", "opt", "par", "and", "rect", "note", "over", "activate", "deactivate", "autonumber", "box", "critical", "break", "title", "left", "right", "of", "as", "create", "destroy", "links", "link", "properties", "details"]);

/** Text that Mermaid shows as it is: its own entity codes for the characters it would parse. */
export function mermaidText(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ").replace(/[#;<>]/g, (c) => ({ "#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;" })[c]!);
}

export class MermaidRenderer {
  private readonly lines: Line[] = [];
  private readonly ids = new Map<string, string>();
  private readonly usedIds = new Set<string>();
  private readonly threads: string[] = [];
  private readonly objects: string[] = [];
  private readonly waits = new Map<string, { o: string; cls: string; t: number }>();
  /** connections whose current statement waited (their end is worth a line) */
  private readonly waited = new Set<string>();
  private omitted = 0;
  private ending: Line[] = [];
  private readonly max: number;
  private readonly maxLabel: number;
  private title = "";
  private readonly locks: boolean;

  constructor(opts: MermaidOptions = {}) {
    this.max = opts.maxMessages ?? 150;
    this.maxLabel = opts.maxLabel ?? 48;
    this.locks = opts.locks ?? true;
  }

  push(r: TraceRecord): void {
    const d = (r.d ?? {}) as Record<string, unknown>;
    const o = String(r.o ?? "");
    switch (r.k) {
      case "scenario":
        this.title = o;
        return;
      case "comment":
        if (d.text) this.add({ all: this.cut(String(d.text), 120) });
        return;
      case "hang":
      case "deadlock":
        this.end(r.k, d);
        return;
    }
    if (r.th === "kernel" || r.th === "mysqltest") return;
    switch (r.k) {
      case "stmt":
        this.waited.delete(r.th);
        this.add({ text: `Note over ${this.thread(r.th)}: ${mermaidText(this.cut(String(d.sql ?? "")))}` });
        break;
      case "stmt_end": {
        const failed = d.error !== undefined && d.error !== null && d.error !== false;
        if (failed) {
          const msg = typeof d.text === "string" && d.text.startsWith("ERROR") ? d.text : `${d.code !== undefined ? `ERROR ${String(d.code)}` : String(d.error)}${d.text ? ` ${String(d.text)}` : ""}`;
          this.add({ text: `Note over ${this.thread(r.th)}: ✗ ${mermaidText(this.cut(msg, 70))}` });
        }
        else if (this.waited.has(r.th)) this.add({ text: `Note over ${this.thread(r.th)}: ✓ done after ${fmtDuration(Number(d.ns ?? 0))}` });
        this.waited.delete(r.th);
        break;
      }
      case "wait": {
        const kind = String(d.kind ?? "");
        const state = String(d.state ?? "");
        const cls = waitClass(kind, o, state);
        this.waits.set(r.th, { o, cls, t: r.t });
        if (cls === "idle" || cls === "throttle") break;
        this.waited.add(r.th);
        const th = this.thread(r.th);
        this.add({ text: `${th}-)${this.object(o)}: waits${state ? ` (${mermaidText(state)})` : ` (${mermaidText(kind)})`}` });
        break;
      }
      case "wake":
      case "timeout": {
        const w = this.waits.get(r.th);
        this.waits.delete(r.th);
        if (!w || w.cls === "idle" || w.cls === "throttle") break;
        const by = typeof d.by === "string" && d.by !== r.th && d.by !== "kernel" ? d.by : "";
        const after = fmtDuration(Number(d.waited_ns ?? r.t - w.t));
        const obj = this.object(w.o);
        const th = this.thread(r.th);
        if (r.k === "timeout") this.add({ text: `${obj}--x${th}: timeout after ${after}` });
        else if (d.reason === "victim") this.add({ text: `${obj}--x${th}: deadlock victim after ${after}` });
        else this.add({ text: `${obj}-->>${th}: ${mermaidText(String(d.reason ?? "woken"))} after ${after}${by ? `, woken by ${mermaidText(by)}` : ""}` });
        break;
      }
      case "lock":
      case "unlock":
        if (this.locks) this.add({ text: `${this.thread(r.th)}->>${this.object(o)}: ${r.k === "lock" ? "takes" : "releases"}${d.mode !== undefined ? ` (${mermaidText(String(d.mode))})` : ""}` });
        break;
      case "signal":
      case "broadcast":
      case "event_set": {
        const woke = Array.isArray(d.woke) ? (d.woke as unknown[]).map(String) : d.woke !== undefined ? [String(d.woke)] : [];
        if (woke.length === 0 && r.k === "event_set") break;
        this.add({ text: `${this.thread(r.th)}-)${this.object(o)}: ${r.k === "event_set" ? "set" : r.k}${woke.length ? ` (wakes ${mermaidText(this.cut(woke.join(", "), 40))})` : ""}` });
        break;
      }
      case "lost_signal": {
        const th = this.thread(r.th);
        const obj = this.object(o);
        this.add({ text: `${th}-)${obj}: ${mermaidText(String(d.op ?? "signal"))}, nobody waits` });
        this.add({ text: `Note over ${obj}: ⚠ lost wake-up` });
        break;
      }
      case "kill":
        if (o) this.add({ text: `Note over ${this.thread(o)}: KILL ${d.query ? "QUERY" : "CONNECTION"}` });
        break;
      case "debug_sync_signal":
        this.add({ text: `Note over ${this.thread(r.th)}: DEBUG_SYNC signal ${mermaidText(this.cut(o, 40))}` });
        break;
      case "invariant":
      case "error":
        this.add({ text: `Note over ${this.thread(r.th)}: ⚠ ${mermaidText(this.cut(`${r.k}: ${String(d.message ?? "")}`, 70))}` });
        break;
    }
  }

  finish(): string {
    const out: string[] = ["sequenceDiagram"];
    if (this.title) out.push(`  %% ${this.title.replace(/[\r\n]+/g, " ")}`);
    for (const name of [...this.threads, ...this.objects]) {
      const id = this.ids.get(name)!;
      out.push(id === name ? `  participant ${id}` : `  participant ${id} as ${mermaidText(name)}`);
    }
    const first = this.ids.get(this.threads[0] ?? this.objects[0] ?? "") ?? "";
    const all = [...this.threads, ...this.objects];
    const last = this.ids.get(all[all.length - 1] ?? "") ?? first;
    const span = first === last ? first : `${first},${last}`;
    if (this.omitted > 0) this.lines.push({ all: `… ${this.omitted} more event(s) not shown: this picture is for small runs (try --format html)` });
    for (const l of [...this.lines, ...this.ending]) {
      if ("text" in l) out.push(`  ${l.text}`);
      else if (span) out.push(`  Note over ${span}: ${mermaidText(l.all)}`);
    }
    return out.join("\n") + "\n";
  }

  private end(kind: string, d: Record<string, unknown>): void {
    const cycle = ((d.cycle ?? []) as unknown[]).map(String);
    const nodes = (d.threads ?? []) as { thread: string; state?: string; waitingOn: { name: string; kind: string; detail?: Record<string, unknown> } | null; holds?: string[]; blockedBy?: string[] }[];
    const lines: Line[] = [{ all: kind === "deadlock" ? `DEADLOCK: ${cycle.join(" → ")} → ${cycle[0] ?? ""}` : "HANG: every thread waits, and nothing that runs can wake them" }];
    for (const n of nodes) {
      if (!n.waitingOn || n.thread === "mysqltest" || waitClass(n.waitingOn.kind, n.waitingOn.name) === "idle") continue;
      const holds = n.holds?.length ? `, holding ${n.holds.join(", ")}` : "";
      const held = n.blockedBy?.length ? ` (held by ${n.blockedBy.join(", ")})` : n.waitingOn.kind === "cond" ? ": nobody is left to signal it" : "";
      lines.push({ text: `Note over ${this.thread(n.thread)}: ${mermaidText(this.cut(`waits on ${n.waitingOn.name}${held}${holds}`, 90))}` });
    }
    this.ending = lines;
  }

  private add(l: Line): void {
    if (this.lines.length >= this.max) this.omitted++;
    else this.lines.push(l);
  }

  private cut(s: string, n = this.maxLabel): string {
    return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
  }

  private thread(name: string): string {
    return this.participant(name, this.threads);
  }

  private object(name: string): string {
    return this.participant(name, this.objects);
  }

  private participant(name: string, list: string[]): string {
    let id = this.ids.get(name);
    if (id === undefined) {
      let base = name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || "p";
      if (/^[0-9]/.test(base) || RESERVED.has(base.toLowerCase())) base = `p_${base}`;
      id = base;
      for (let i = 2; this.usedIds.has(id); i++) id = `${base}_${i}`;
      this.usedIds.add(id);
      this.ids.set(name, id);
      list.push(name);
    }
    return id;
  }
}

/** Renders records (in memory) as a Mermaid sequence diagram. */
export function renderMermaid(records: Iterable<TraceRecord>, opts: MermaidOptions = {}): string {
  const r = new MermaidRenderer(opts);
  for (const rec of records) r.push(rec);
  return r.finish();
}
