import type { TraceRecord } from "../trace/record.js";

/**
 * The timeline every picture is drawn from: one lane per thread, each with three layers of spans
 * (statements; running / waiting; holding a lock), wake-up arrows (who woke whom), point marks
 * (lost signals, errors, deadlock victims, timeouts, kills) and the run's stuck ending.
 *
 * Built by an incremental consumer (`push` one record at a time, `finish` once), so a trace can be
 * streamed from `readTrace` with memory bounded by the options, not by the trace length: each
 * layer keeps at most `maxSpansPerLayer` spans, and when it would hold more, spans shorter than the
 * layer's merge quantum are folded into aggregates (the quantum doubles each time). `finish(px)`
 * does a last pass at the drawing's resolution: adjacent spans below one pixel become one.
 *
 * Reads trace records only (docs/trace-format.md); unknown kinds are ignored.
 */

/** What a running / waiting span is, for colour. */
export type SpanClass =
  | "cpu"
  | "io"
  | "sleep"
  | "mutex"
  | "cond"
  | "mdl"
  | "flush"
  | "commit"
  | "throttle"
  | "idle"
  | "other"
  | "stmt"
  | "stmt_error"
  | "hold"
  | "preempted";

/** Colours and legend text of each span class (shared by the SVG and the HTML report). */
export const SPAN_CLASSES: ReadonlyArray<{ cls: SpanClass; fill: string; legend: string }> = [
  { cls: "stmt", fill: "#90caf9", legend: "statement" },
  { cls: "stmt_error", fill: "#ef9a9a", legend: "statement (error)" },
  { cls: "cpu", fill: "#43a047", legend: "running (cpu)" },
  { cls: "io", fill: "#8d6e63", legend: "io" },
  { cls: "sleep", fill: "#b0bec5", legend: "sleep" },
  { cls: "mutex", fill: "#e53935", legend: "wait: mutex / rwlock" },
  { cls: "cond", fill: "#fb8c00", legend: "wait: cond / event" },
  { cls: "mdl", fill: "#8e24aa", legend: "wait: MDL" },
  { cls: "flush", fill: "#00897b", legend: "wait: table flush / debug_sync" },
  { cls: "commit", fill: "#3949ab", legend: "wait: commit lock" },
  { cls: "throttle", fill: "#fdd835", legend: "cpu throttled / run queue" },
  { cls: "idle", fill: "#e0e0e0", legend: "idle (client)" },
  { cls: "other", fill: "#757575", legend: "wait: other" },
  { cls: "hold", fill: "#37474f", legend: "holding a lock" },
  { cls: "preempted", fill: "#ce93d8", legend: "held off its CPU (delay)" },
];

/** "preempted for 2.088 ms (delay) after get_prep_xids() = 1, before acquire m_prep_xids_cond" */
export function preemptText(kind: string, d: Record<string, unknown>): string {
  const where = [d.after ? `after ${String(d.after)}` : "", d.before ? `before ${String(d.before)}` : ""].filter(Boolean).join(", ");
  if (kind === "preempt") return `preempted for ${fmtDuration(Number(d.ns ?? 0))} (delay)${where ? ` ${where}` : ""}`;
  const why = d.reason === "wakeup" ? `woken ${String(d.by)} runs` : d.reason === "slice" ? "time slice used up" : "cgroup quota spent";
  return `preempted on cpu ${String(d.cpu)} (${why})${d.in ? ` in ${String(d.in)}` : ""}${where ? `, ${where}` : ""}`;
}

/** Which colour a wait gets: by what is waited on (the wait record's `d.kind`, object and state). */
export function waitClass(kind: string, object: string, state = ""): SpanClass {
  if (object.includes("COMMIT") || /commit lock/i.test(state)) return "commit";
  if (kind === "cpu" || /throttl/i.test(object)) return "throttle";
  if (kind === "debug_sync" || kind === "table_flush" || /table flush/i.test(state)) return "flush";
  if (kind === "mdl") return "mdl";
  if (kind === "mutex" || kind === "rwlock") return "mutex";
  if (kind === "cond" || kind === "event") return "cond";
  if (kind === "mailbox" || kind === "reap" || kind === "wait_state" || kind === "thread") return "idle";
  if (kind === "io") return "io";
  return "other";
}

export type Layer = "stmt" | "act" | "hold";
export const LAYERS: readonly Layer[] = ["stmt", "act", "hold"];

export interface Span {
  start: number;
  end: number;
  cls: SpanClass;
  /** what it is, for hover text (`spanLabel` adds the duration, or summarises an aggregate) */
  label: string;
  /** how many trace spans this one stands for (1 = itself; more = an aggregate) */
  n: number;
  /** short text drawn on the bar (the SQL of a statement) */
  text?: string;
  /** per-class nanoseconds inside an aggregate of mixed classes */
  mix?: Partial<Record<SpanClass, number>>;
}

export interface WakeArrow {
  t: number;
  /** the waker */
  from: string;
  /** the woken */
  to: string;
  object: string;
  reason: string;
  /** how many wake-ups this arrow stands for (> 1 once arrows are thinned) */
  n: number;
}

export type MarkKind = "lost_signal" | "error" | "victim" | "timeout" | "kill" | "invariant" | "preempt";

export interface Mark {
  t: number;
  th: string;
  kind: MarkKind;
  text: string;
  /** the object (a lost signal's condvar) */
  object?: string;
}

/** A node of the wait-for graph carried by a `hang` / `deadlock` record. */
export interface WaitForNode {
  thread: string;
  state?: string;
  waitingOn: { name: string; kind: string; detail?: Record<string, unknown> } | null;
  since?: number;
  holds?: string[];
  blockedBy?: string[];
}

export interface Ending {
  t: number;
  kind: "hang" | "deadlock";
  cycle: string[];
  threads: WaitForNode[];
}

export interface Lane {
  name: string;
  stmt: Span[];
  act: Span[];
  hold: Span[];
}

export interface Timeline {
  scenario: string;
  version: string;
  seed: string;
  outcome: string;
  /** the start of the drawing: 0, or just before the first activity when `focus` and it comes late */
  start: number;
  /** the end of the drawing: the last activity (plus a margin) when `focus`, else the last record */
  end: number;
  /** the time of the last record (the run's end) */
  runEnd: number;
  lanes: Lane[];
  arrows: WakeArrow[];
  marks: Mark[];
  /** marks and arrows left out once their budget was reached, by kind */
  omitted: Record<string, number>;
  ending: Ending | null;
  records: number;
}

export interface TimelineOptions {
  /** spans kept per lane and layer while streaming before small ones are merged (default 4000) */
  maxSpansPerLayer?: number;
  /** wake arrows kept before they are thinned (default 4000) */
  maxArrows?: number;
  /** with `finish(pixels)`: more arrows than this (after thinning to a pixel) are not drawn (default 400) */
  maxDrawnArrows?: number;
  /** marks kept per kind (default 1000); the rest are counted in `omitted` */
  maxMarksPerKind?: number;
  /** keep client-side idle waits (mailbox, reap, wait_state) as spans (default true) */
  idle?: boolean;
  /** end the drawing at the last activity, not at a hang noticed much later (default true) */
  focus?: boolean;
}

/** Records that do not extend the drawing: a daemon's periodic sleep, the run's ending. */
const QUIET = new Set(["sleep", "hang", "deadlock", "end_of_run", "end", "scenario"]);

/** Threads that are not lanes: the kernel speaks for the whole run. */
const NOT_A_LANE = new Set(["kernel"]);

/** How many pixels an aggregate of sub-pixel spans may grow to before a new one starts. */
const AGGREGATE_PX = 4;

/** One layer of one lane: spans in arrival order, merged under a quantum that only grows. */
class LayerSpans {
  spans: Span[] = [];
  quantum = 0;

  constructor(private readonly budget: number) {}

  add(s: Span): void {
    absorbOrPush(this.spans, s, this.quantum);
    if (this.spans.length > this.budget) this.coarsen();
  }

  /** Doubles the merge quantum (or starts it at span-length / budget) until under budget. */
  private coarsen(): void {
    const first = this.spans[0]!;
    const last = this.spans[this.spans.length - 1]!;
    let q = Math.max(1, this.quantum * 2, Math.ceil((last.end - first.start) / this.budget));
    for (let round = 0; round < 64; round++) {
      const merged = remerge(this.spans, q);
      if (merged.length <= this.budget * 0.75) {
        this.spans = merged;
        this.quantum = q;
        return;
      }
      q *= 2;
    }
    this.quantum = q;
  }
}

/**
 * Merges `s` into the last span when both are small (below `q`) and close, up to AGGREGATE_PX
 * quanta; a completed aggregate is folded into the one before it when both have the same
 * dominant class (run-length), so uniform activity costs one span however long it lasts.
 */
function absorbOrPush(spans: Span[], s: Span, q: number): void {
  const last = spans[spans.length - 1];
  if (q > 0 && last !== undefined) {
    const small = s.n > 1 || s.end - s.start < q;
    const lastSmall = last.n > 1 || last.end - last.start < q;
    if (small && lastSmall && s.start - last.end < q && s.end - last.start <= AGGREGATE_PX * q) {
      absorb(last, s);
      return;
    }
    const before = spans[spans.length - 2];
    if (before !== undefined && before.n > 1 && last.n > 1 && before.cls === last.cls && last.start - before.end < q) {
      absorb(before, last);
      spans.pop();
    }
  }
  spans.push(s);
}

function absorb(into: Span, s: Span): void {
  const mix = into.mix ?? { [into.cls]: into.end - into.start };
  if (s.mix) for (const c in s.mix) mix[c as SpanClass] = (mix[c as SpanClass] ?? 0) + s.mix[c as SpanClass]!;
  else mix[s.cls] = (mix[s.cls] ?? 0) + (s.end - s.start);
  into.mix = mix;
  into.n += s.n;
  if (s.start < into.start) into.start = s.start;
  if (s.end > into.end) into.end = s.end;
  into.text = undefined;
  let best: SpanClass = into.cls;
  let bestNs = -1;
  for (const c in mix) {
    const ns = mix[c as SpanClass]!;
    if (ns > bestNs) {
      best = c as SpanClass;
      bestNs = ns;
    }
  }
  into.cls = best;
  into.label = "";
}

/** The hover text of a span; for an aggregate, how many spans it stands for and their classes. */
export function spanLabel(s: Span): string {
  if (s.n <= 1 || !s.mix) return `${s.label} (${fmtDuration(s.end - s.start)})`;
  const parts: string[] = [];
  for (const c in s.mix) if (s.mix[c as SpanClass]! > 0) parts.push(`${c} ${fmtDuration(s.mix[c as SpanClass]!)}`);
  return `${s.n} spans merged over ${fmtDuration(s.end - s.start)}: ${parts.join(", ")}`;
}

function remerge(spans: readonly Span[], q: number): Span[] {
  const out: Span[] = [];
  for (const s of spans) absorbOrPush(out, s.mix ? { ...s, mix: { ...s.mix } } : s.n > 1 ? { ...s } : s, q);
  // the last aggregate is complete too
  absorbOrPush(out, { start: Infinity, end: Infinity, cls: "other", label: "", n: 1 }, q);
  out.pop();
  return out;
}

interface OpenWait {
  t: number;
  object: string;
  kind: string;
  state: string;
}

interface ThreadState {
  lane: LaneBuilder;
  stmt: { t: number; sql: string } | null;
  wait: OpenWait | null;
  holds: Map<string, { t: number; depth: number; mode: string }>;
}

class LaneBuilder {
  readonly layers: Record<Layer, LayerSpans>;
  constructor(
    readonly name: string,
    budget: number,
  ) {
    this.layers = { stmt: new LayerSpans(budget), act: new LayerSpans(budget), hold: new LayerSpans(budget) };
  }
}

/** The incremental consumer: push records in trace order, then finish once. */
export class TimelineBuilder {
  private readonly opts: Required<TimelineOptions>;
  private readonly threads = new Map<string, ThreadState>();
  private readonly lanes: LaneBuilder[] = [];
  private arrows = new Map<string, WakeArrow>();
  private arrowQuantum = 0;
  private readonly marks: Mark[] = [];
  private readonly markCounts = new Map<string, number>();
  private readonly omitted: Record<string, number> = {};
  private readonly throttles = new Map<string, number>();
  private scenario = "";
  private version = "";
  private seed = "";
  private outcome = "";
  private first = Infinity;
  private last = 0;
  /** the last record's time: when the run ended (a sleep still going at the end is not) */
  private lastRecord = 0;
  /** the last instant something other than a daemon's sleep or the run's ending happened */
  private lastActivity = -1;
  /** the first such instant (a run whose clients start late opens on them, not on an empty axis) */
  private firstActivity = Infinity;
  private ending: Ending | null = null;
  private count = 0;

  constructor(opts: TimelineOptions = {}) {
    this.opts = {
      maxSpansPerLayer: opts.maxSpansPerLayer ?? 4000,
      maxArrows: opts.maxArrows ?? 4000,
      maxDrawnArrows: opts.maxDrawnArrows ?? 400,
      maxMarksPerKind: opts.maxMarksPerKind ?? 1000,
      idle: opts.idle ?? true,
      focus: opts.focus ?? true,
    };
  }

  push(r: TraceRecord): void {
    this.count++;
    if (r.t < this.first) this.first = r.t;
    if (r.t > this.last) this.last = r.t;
    if (r.t > this.lastRecord) this.lastRecord = r.t;
    if (r.t > this.lastActivity && !QUIET.has(r.k)) this.lastActivity = r.t;
    if (r.t < this.firstActivity && !QUIET.has(r.k) && r.k !== "spawn") this.firstActivity = r.t;
    const d = (r.d ?? {}) as Record<string, unknown>;
    switch (r.k) {
      case "scenario":
        this.scenario = String(r.o ?? "");
        this.version = String(d.version ?? "");
        this.seed = String(d.seed ?? "");
        return;
      case "end_of_run":
        this.outcome = String(d.outcome ?? "");
        return;
      case "hang":
      case "deadlock":
        this.ending = { t: r.t, kind: r.k, cycle: ((d.cycle ?? []) as unknown[]).map(String), threads: (d.threads ?? []) as WaitForNode[] };
        return;
    }
    if (NOT_A_LANE.has(r.th)) return;
    const th = this.thread(r.th);
    switch (r.k) {
      case "stmt":
        if (th.stmt) this.closeStmt(th, r.t, String(th.stmt.sql), false);
        th.stmt = { t: r.t, sql: String(d.sql ?? "") };
        break;
      case "stmt_end": {
        const sql = String(d.sql ?? th.stmt?.sql ?? "");
        const error = d.error !== undefined && d.error !== null && d.error !== false;
        if (!th.stmt) th.stmt = { t: r.t - Number(d.ns ?? 0), sql };
        this.closeStmt(th, r.t, sql, error, error ? errorText(d) : undefined);
        if (error) this.mark({ t: r.t, th: r.th, kind: "error", text: `${sql}: ${errorText(d)}` });
        break;
      }
      case "wait":
        if (th.wait) this.closeWait(th, r.t, "");
        th.wait = { t: r.t, object: String(r.o ?? ""), kind: String(d.kind ?? ""), state: String(d.state ?? "") };
        break;
      case "wake": {
        const by = String(d.by ?? "");
        const reason = String(d.reason ?? "");
        const cls = th.wait ? waitClass(th.wait.kind, th.wait.object, th.wait.state) : "other";
        this.closeWait(th, r.t, `${reason}${by && by !== r.th ? ` by ${by}` : ""}`);
        if (by && by !== r.th && !NOT_A_LANE.has(by) && cls !== "idle") this.arrow({ t: r.t, from: by, to: r.th, object: String(r.o ?? ""), reason, n: 1 });
        if (reason === "victim") this.mark({ t: r.t, th: r.th, kind: "victim", text: `chosen as deadlock victim while waiting on ${r.o ?? "?"}` });
        break;
      }
      case "timeout":
        this.closeWait(th, r.t, "timed out");
        this.mark({ t: r.t, th: r.th, kind: "timeout", text: `wait on ${r.o ?? "?"} timed out after ${fmtDuration(Number(d.waited_ns ?? 0))}` });
        break;
      case "cpu":
      case "io":
      case "sleep": {
        const ns = Number(d.ns ?? 0);
        if (ns > 0) this.add(th, "act", { start: r.t, end: r.t + ns, cls: r.k as SpanClass, label: r.o ? `${r.k} ${r.o}` : r.k, n: 1 });
        if (r.t + ns > this.last) this.last = r.t + ns;
        if (r.k !== "sleep" && r.t + ns > this.lastActivity) this.lastActivity = r.t + ns;
        break;
      }
      case "lock": {
        const o = String(r.o ?? "");
        const h = th.holds.get(o);
        if (h) h.depth++;
        else th.holds.set(o, { t: r.t, depth: 1, mode: d.mode === undefined ? "" : String(d.mode) });
        break;
      }
      case "unlock": {
        const o = String(r.o ?? "");
        const h = th.holds.get(o);
        if (h && --h.depth === 0) {
          th.holds.delete(o);
          this.add(th, "hold", { start: h.t, end: r.t, cls: "hold", label: h.mode ? `holds ${o} (${h.mode})` : `holds ${o}`, n: 1 });
        }
        break;
      }
      case "lost_signal":
        this.mark({ t: r.t, th: r.th, kind: "lost_signal", object: String(r.o ?? ""), text: `${String(d.op ?? "signal")} on ${r.o ?? "?"} found no waiter: the wake-up is lost` });
        break;
      case "preempt":
      case "cpu.preempt": {
        // the delay strategy's holds are spans of their own; an OS preemption is marked where the
        // model named the code point (the windows that matter)
        if (r.k === "cpu.preempt" && d.after === undefined) break;
        const ns = Number(d.ns ?? 0);
        if (ns > 0) this.add(th, "act", { start: r.t, end: r.t + ns, cls: "preempted", label: `held off its CPU ${fmtDuration(ns)}`, n: 1 });
        this.mark({ t: r.t, th: r.th, kind: "preempt", text: preemptText(r.k, d) });
        break;
      }
      case "kill":
        this.mark({ t: r.t, th: r.th, kind: "kill", text: `KILL ${d.query ? "QUERY" : "CONNECTION"} ${r.o ?? ""}` });
        break;
      case "invariant":
      case "error":
        this.mark({ t: r.t, th: r.th, kind: "invariant", text: `${r.k}: ${String(d.message ?? "")}` });
        break;
      case "cpu.throttle":
        this.throttles.set(`${r.th}\u0000${r.o ?? ""}`, r.t);
        break;
      case "cpu.unthrottle": {
        const key = `${r.th}\u0000${r.o ?? ""}`;
        const since = this.throttles.get(key);
        if (since !== undefined) {
          this.throttles.delete(key);
          this.add(th, "act", { start: since, end: r.t, cls: "throttle", label: `cgroup ${r.o ?? ""} throttled`, n: 1 });
        }
        break;
      }
      case "end":
        if (th.stmt) this.closeStmt(th, r.t, th.stmt.sql, false);
        if (th.wait) this.closeWait(th, r.t, "thread ended");
        break;
    }
  }

  /**
   * Closes what is still open at the last instant and returns the timeline. With `pixels` (the
   * drawing's width), adjacent spans below one pixel are merged.
   */
  finish(pixels = 0): Timeline {
    // A stuck run is noticed long after its last step (daemons sleep on; timeouts expire): draw up
    // to the last activity and a little more, and say when the run ended.
    const first = this.first === Infinity ? 0 : Math.min(this.first, 0);
    // In a hang or deadlock the story ends when the last thread got stuck; background threads
    // ticking on after that (srv_master_thread's redo flush every second) are not the activity.
    const stuck = this.ending ? Math.max(-1, ...this.ending.threads.filter((n) => n.waitingOn && n.waitingOn.kind !== "mailbox").map((n) => n.since ?? -1)) : -1;
    const active = stuck > first ? Math.min(this.lastActivity, stuck) : this.lastActivity;
    // Nothing but sleeps for the first tenth or more of it: the drawing starts just before the activity.
    const lead = this.firstActivity - first;
    const start = this.opts.focus && Number.isFinite(lead) && active > this.firstActivity && lead > (active - first) * 0.1 ? Math.max(first, this.firstActivity - Math.max(1, Math.round((active - this.firstActivity) * 0.03))) : first;
    const end = this.opts.focus && active > start ? Math.min(this.lastRecord, active + Math.max(1, Math.round((active - start) * 0.03))) : this.lastRecord;
    for (const th of this.threads.values()) {
      if (th.stmt) this.closeStmt(th, end, th.stmt.sql, false, "still running at the end of the trace");
      if (th.wait) this.closeWait(th, end, "still waiting at the end of the trace");
      for (const [o, h] of th.holds) this.add(th, "hold", { start: h.t, end, cls: "hold", label: `holds ${o} until the end of the trace`, n: 1 });
      th.holds.clear();
    }
    for (const [key, since] of this.throttles) {
      const lane = this.thread(key.split("\u0000")[0]!);
      this.add(lane, "act", { start: since, end, cls: "throttle", label: "throttled until the end of the trace", n: 1 });
    }
    this.throttles.clear();
    const pxNs = pixels > 0 ? Math.max(1, (end - start) / pixels) : 0;
    const lanes: Lane[] = this.lanes.map((l) => {
      const out: Lane = { name: l.name, stmt: [], act: [], hold: [] };
      for (const layer of LAYERS) {
        const spans = l.layers[layer].spans;
        spans.sort((a, b) => a.start - b.start || a.end - b.end);
        out[layer] = pxNs > 0 ? remerge(spans, Math.max(pxNs, l.layers[layer].quantum)) : spans;
      }
      return out;
    });
    let arrows = [...this.arrows.values()];
    if (pxNs > 0 && pxNs > this.arrowQuantum) arrows = thinArrows(arrows, pxNs);
    // Past a few hundred, arrows hide the lanes they join: say how many instead of drawing them.
    if (pxNs > 0 && arrows.length > this.opts.maxDrawnArrows) {
      this.omitted["wake-up arrows"] = arrows.reduce((n, a) => n + a.n, 0);
      arrows = [];
    }
    const omitted = { ...this.omitted };
    delete this.omitted["wake-up arrows"];
    return {
      scenario: this.scenario,
      version: this.version,
      seed: this.seed,
      outcome: this.outcome || (this.ending ? this.ending.kind : ""),
      start,
      end,
      runEnd: this.lastRecord,
      lanes,
      arrows,
      marks: this.marks,
      omitted,
      ending: this.ending,
      records: this.count,
    };
  }

  private thread(name: string): ThreadState {
    let th = this.threads.get(name);
    if (!th) {
      const lane = new LaneBuilder(name, this.opts.maxSpansPerLayer);
      this.lanes.push(lane);
      th = { lane, stmt: null, wait: null, holds: new Map() };
      this.threads.set(name, th);
    }
    return th;
  }

  private add(th: ThreadState, layer: Layer, s: Span): void {
    th.lane.layers[layer].add(s);
  }

  private closeStmt(th: ThreadState, t: number, sql: string, error: boolean, note?: string): void {
    const s = th.stmt!;
    th.stmt = null;
    this.add(th, "stmt", {
      start: s.t,
      end: t,
      cls: error ? "stmt_error" : "stmt",
      label: note ? `${sql}: ${note}` : sql,
      text: sql,
      n: 1,
    });
  }

  private closeWait(th: ThreadState, t: number, how: string): void {
    const w = th.wait;
    if (!w) return;
    th.wait = null;
    const cls = waitClass(w.kind, w.object, w.state);
    if (cls === "idle" && !this.opts.idle) return;
    this.add(th, "act", {
      start: w.t,
      end: t,
      cls,
      label: `waits${w.state ? ` "${w.state}"` : ""} on ${w.object} (${w.kind})${how ? `, ${how}` : ""}`,
      n: 1,
    });
  }

  private arrow(a: WakeArrow): void {
    const key = arrowKey(a, this.arrowQuantum);
    const had = this.arrows.get(key);
    if (had) {
      had.n++;
      return;
    }
    this.arrows.set(key, a);
    if (this.arrows.size > this.opts.maxArrows) {
      let q = Math.max(1, this.arrowQuantum * 2, Math.ceil((this.last - Math.min(this.first, this.last)) / this.opts.maxArrows));
      let thinned = thinArrows([...this.arrows.values()], q);
      while (thinned.length > this.opts.maxArrows * 0.75) {
        q *= 2;
        thinned = thinArrows(thinned, q);
      }
      this.arrowQuantum = q;
      this.arrows = new Map(thinned.map((x) => [arrowKey(x, q), x]));
    }
  }

  private mark(m: Mark): void {
    const n = (this.markCounts.get(m.kind) ?? 0) + 1;
    this.markCounts.set(m.kind, n);
    if (n > this.opts.maxMarksPerKind) this.omitted[m.kind] = (this.omitted[m.kind] ?? 0) + 1;
    else this.marks.push(m);
  }
}

function arrowKey(a: WakeArrow, q: number): string {
  return `${a.from}\u0000${a.to}\u0000${q > 0 ? Math.floor(a.t / q) : a.t}`;
}

/** One arrow per (waker, woken, time bucket of `q` ns), counting the wake-ups it stands for. */
function thinArrows(arrows: readonly WakeArrow[], q: number): WakeArrow[] {
  const m = new Map<string, WakeArrow>();
  for (const a of arrows) {
    const key = arrowKey(a, q);
    const had = m.get(key);
    if (had) had.n += a.n;
    else m.set(key, { ...a });
  }
  return [...m.values()];
}

function errorText(d: Record<string, unknown>): string {
  if (typeof d.text === "string" && d.text.startsWith("ERROR")) return d.text;
  const code = d.code !== undefined ? `ERROR ${String(d.code)}` : "ERROR";
  const name = typeof d.error === "string" ? ` (${d.error})` : "";
  return `${code}${name}${d.text ? `: ${String(d.text)}` : ""}`;
}

/** Builds the whole timeline from records already in memory. */
export function buildTimeline(records: Iterable<TraceRecord>, pixels = 0, opts?: TimelineOptions): Timeline {
  const b = new TimelineBuilder(opts);
  for (const r of records) b.push(r);
  return b.finish(pixels);
}

/** A duration in the unit that reads best (ns, µs, ms, s), as the narrative prints it. */
export function fmtDuration(ns: number): string {
  if (ns >= 1e9) return `${trim(ns / 1e9, 3)} s`;
  if (ns >= 1e6) return `${trim(ns / 1e6, 3)} ms`;
  if (ns >= 1e3) return `${trim(ns / 1e3, 1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** A virtual time as seconds with microsecond precision, like the narrative's left column. */
export function fmtTime(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

function trim(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}
