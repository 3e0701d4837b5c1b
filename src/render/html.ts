import { createHash } from "node:crypto";
import type { TraceRecord } from "../trace/record.js";
import { narrative } from "./narrative.js";
import { drawTimeline, esc, plotWidth, renderWaitForGraph, type SvgOptions } from "./svg.js";
import { fmtDuration, fmtTime, preemptText, TimelineBuilder, waitClass, type Ending } from "./timeline.js";

/**
 * The HTML report: one self-contained file (no network: inline CSS and JS, and a Content Security
 * Policy that allows only the page's own script, by hash). It shows the scenario, the SVG timeline
 * (zoom with buttons or Ctrl+wheel, hover for details, click to choose a moment), a step-through
 * (previous / next event, with every thread's statement, state, wait and held locks at that
 * moment), the processlist and the metadata_locks rows at that moment, the wait-for graph of a
 * hang or deadlock, and the narrative.
 *
 * Everything taken from the trace is escaped (HTML text and attributes with `esc`, the embedded
 * data as JSON with `<`, `>` and `&` as \u escapes; the page's script writes it with textContent
 * only), so a statement such as `<script>...</script>` stays text.
 */
export interface HtmlOptions extends SvgOptions {
  /** events the step-through covers (default 5000); later events still shape the timeline */
  maxSteps?: number;
  /** records kept for the narrative (default 50000) */
  maxNarrativeRecords?: number;
  /** narrative lines shown (default 3000) */
  maxNarrativeLines?: number;
}

/** One row of `information_schema.processlist` at a moment, derived from stmt / state records. */
export interface ProcesslistRow {
  id: number;
  conn: string;
  command: "Query" | "Sleep";
  /** seconds in the current command at the moment asked */
  time: number;
  state: string;
  info: string | null;
}

/** One row of `performance_schema.metadata_locks`, derived from mdl.* records. */
export interface MetadataLockRow {
  OBJECT_TYPE: string;
  OBJECT_SCHEMA: string | null;
  OBJECT_NAME: string | null;
  LOCK_TYPE: string;
  LOCK_DURATION: string;
  LOCK_STATUS: string;
  OWNER: string;
}

/** A state change of one thread, replayed by the page's script (and by `momentAt`). */
type Delta =
  | [th: number, op: "i", info: string | null, since: number]
  | [th: number, op: "s", state: string]
  | [th: number, op: "w", object: string | null, since: number]
  | [th: number, op: "h" | "u", object: string]
  | [th: number, op: "m+", row: number, cells: (string | null)[]]
  | [th: number, op: "ms", row: number, value: string]
  | [th: number, op: "m-", row: number];

/** One event of the step-through: what happened, and the state changes up to and including it. */
interface Step {
  t: number;
  th: number;
  x: string;
  d: Delta[];
  j?: string;
}

interface Ticket {
  row: number;
  key: string;
  type: string;
  duration: string;
  status: string;
  /** a pending upgrade request (its row goes when it is granted and merged) */
  upgrade?: boolean;
}

const TXN_END = /^\s*(COMMIT|ROLLBACK)\b/i;
const TXN_BEGIN = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const IMPLICIT_COMMIT = /^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|LOCK\s+TABLES|UNLOCK\s+TABLES|FLUSH)\b/i;
const EXPLICIT_END = /^\s*(UNLOCK\s+TABLES|UNLOCK\s+INSTANCE|HANDLER\b.*\bCLOSE|SELECT\s+RELEASE_(ALL_)?LOCKS?)\b/i;

/**
 * Replays records into the moment state: per thread its statement (Info), State, what it waits
 * on and the locks it holds; the MDL tickets. Each record gives the deltas it caused; notable
 * records become steps (the others' deltas ride on the next step).
 *
 * MDL rows come from mdl.request / mdl.upgrade / mdl.wait_end, and mdl.release when the trace
 * has it, shown as performance_schema.metadata_locks shows them. Without mdl.release, releases are inferred from statement ends, as MySQL releases
 * tickets: STATEMENT duration at the statement's end, TRANSACTION duration at COMMIT / ROLLBACK /
 * implicit commit / an autocommit statement outside BEGIN, EXPLICIT at UNLOCK TABLES and the like
 * (the COMMIT lock's IX at the end of its COMMIT).
 */
export class MomentState {
  readonly threads: string[] = [];
  private readonly index = new Map<string, number>();
  readonly conns: string[] = [];
  private readonly tickets = new Map<number, Ticket[]>();
  private readonly inTrx = new Set<number>();
  private readonly autocommitOff = new Set<number>();
  private readonly sql = new Map<number, string>();
  private nextRow = 1;
  private explicitReleases = false;
  private pending: Delta[] = [];

  /** Applies a record; returns the step it makes, or null when it only changes state. */
  apply(r: TraceRecord): Step | null {
    const d = (r.d ?? {}) as Record<string, unknown>;
    const o = String(r.o ?? "");
    const th = r.th === "kernel" ? -1 : this.thread(r.th);
    const out = this.pending;
    let text: string | null = null;
    let detail: unknown;
    switch (r.k) {
      case "scenario":
        text = `scenario: ${o}`;
        break;
      case "stmt": {
        const sql = String(d.sql ?? "");
        if (!this.conns.includes(r.th)) this.conns.push(r.th);
        this.sql.set(th, sql);
        out.push([th, "i", sql, r.t]);
        text = `> ${sql}`;
        if (TXN_BEGIN.test(sql)) this.inTrx.add(th);
        break;
      }
      case "stmt_end": {
        const sql = String(d.sql ?? this.sql.get(th) ?? "");
        const failed = d.error !== undefined && d.error !== null && d.error !== false;
        out.push([th, "i", null, r.t]);
        text = failed ? `< ${String(d.error)}${d.code !== undefined ? ` (${String(d.code)})` : ""}: ${String(d.text ?? "")}` : `< ok: ${sql} (${fmtDuration(Number(d.ns ?? 0))})`;
        if (!this.explicitReleases) this.inferReleases(th, sql, out);
        break;
      }
      case "state":
        out.push([th, "s", String(d.state ?? "")]);
        break;
      case "wait": {
        // A client's idle waits (its mailbox, mysqltest's reap) are not "waiting on" anything a DBA would see.
        const kind = String(d.kind ?? "");
        if (waitClass(kind, o, String(d.state ?? "")) !== "idle") {
          out.push([th, "w", `${o} (${kind})`, r.t]);
          text = `waits${d.state ? ` "${String(d.state)}"` : ""} on ${o} (${kind})`;
        }
        break;
      }
      case "wake":
      case "timeout": {
        out.push([th, "w", null, r.t]);
        if (!o.startsWith("mailbox") && !o.startsWith("result of") && !o.startsWith("state of"))
          text = r.k === "timeout" ? `wait on ${o} timed out after ${fmtDuration(Number(d.waited_ns ?? 0))}` : `${d.reason === "granted" ? "gets" : String(d.reason ?? "woken")} ${o} after ${fmtDuration(Number(d.waited_ns ?? 0))}${d.by && d.by !== r.th ? `, woken by ${String(d.by)}` : ""}`;
        break;
      }
      case "lock":
        out.push([th, "h", o]);
        break;
      case "unlock":
        out.push([th, "u", o]);
        break;
      case "signal":
      case "broadcast":
        text = `${r.k}s ${o}${d.woke !== undefined ? `, waking ${String(d.woke)}` : ""}`;
        break;
      case "lost_signal":
        text = `!! ${String(d.op ?? "signal")} on ${o} found no waiter: the wake-up is lost`;
        break;
      case "preempt":
      case "cpu.preempt":
        if (r.k === "preempt" || d.after !== undefined) text = preemptText(r.k, d);
        break;
      case "mdl.request": {
        const row = this.nextRow++;
        const tk: Ticket = { row, key: o, type: String(d.type ?? ""), duration: String(d.duration ?? ""), status: String(d.status ?? "") };
        if (tk.status === "GRANTED" || tk.status === "PENDING") {
          this.ticketsOf(th).push(tk);
          out.push([th, "m+", row, mdlCells(tk)]);
        }
        text = `MDL request ${tk.type} on ${o} (${tk.duration}): ${tk.status}`;
        break;
      }
      case "mdl.upgrade": {
        // As performance_schema shows it: LOCK_TYPE is fixed when a ticket is created, and a
        // pending upgrade is a separate request (a PENDING row of the new type) merged into the
        // original ticket once granted (docs/mdl.md, "P_S mapping").
        const type = String(d.type ?? "");
        const status = String(d.status ?? "");
        const orig = this.findTicket(th, o, "GRANTED");
        if (status === "PENDING") {
          const tk: Ticket = { row: this.nextRow++, key: o, type, duration: "TRANSACTION", status, upgrade: true };
          this.ticketsOf(th).push(tk);
          out.push([th, "m+", tk.row, mdlCells(tk)]);
        }
        text = `MDL upgrade on ${o}${orig ? ` from ${orig.type}` : ""} to ${type}: ${status}`;
        break;
      }
      case "mdl.wait_end": {
        const tk = this.findTicket(th, o, "PENDING");
        const status = String(d.status ?? "");
        if (tk) {
          if (status === "GRANTED" && !tk.upgrade) {
            tk.status = status;
            out.push([th, "ms", tk.row, status]);
          } else this.drop(th, tk, out);
        }
        text = `MDL wait on ${o} ends: ${status}`;
        break;
      }
      case "mdl.release": {
        this.explicitReleases = true;
        const type = d.type === undefined ? null : String(d.type);
        for (const tk of [...this.ticketsOf(th)]) if (tk.key === o && (type === null || tk.type === type)) this.drop(th, tk, out);
        text = `MDL release on ${o}${type ? ` (${type})` : ""}`;
        break;
      }
      case "set_var":
        if (o === "autocommit") {
          const off = d.value === 0 || d.value === false || /^(0|off|false)$/i.test(String(d.value));
          if (off) this.autocommitOff.add(th);
          else this.autocommitOff.delete(th);
        }
        text = `SET ${String(d.scope ?? "")} ${o} = ${String(d.value)}`;
        break;
      case "select":
        text = `SELECT FROM ${o}: ${Array.isArray(d.rows) ? d.rows.length : 0} row(s)`;
        detail = d.rows;
        break;
      case "comment":
        text = `# ${String(d.text ?? "")}`;
        break;
      case "kill":
        text = `KILL ${d.query ? "QUERY" : "CONNECTION"} ${o}`;
        break;
      case "debug_sync_signal":
        text = `DEBUG_SYNC signal ${o}`;
        break;
      case "cpu.throttle":
        text = `cgroup ${o} throttled`;
        break;
      case "cpu.unthrottle":
        text = `cgroup ${o} unthrottled`;
        break;
      case "invariant":
      case "error":
        text = `!! ${r.k}: ${String(d.message ?? "")}`;
        break;
      case "hang":
      case "deadlock":
        text = r.k === "deadlock" ? `DEADLOCK: ${((d.cycle ?? []) as string[]).join(" -> ")}` : "HANG: every thread waits, and nothing that runs can wake them";
        detail = d.threads;
        break;
      case "end_of_run":
        text = `end of run: ${String(d.outcome ?? "")}`;
        break;
      case "end":
        for (const tk of [...this.ticketsOf(th)]) this.drop(th, tk, out);
        break;
    }
    if (text === null) return null;
    this.pending = [];
    const step: Step = { t: r.t, th, x: text, d: out };
    if (detail !== undefined) step.j = JSON.stringify(detail, null, 1).slice(0, 4000);
    return step;
  }

  /** The deltas not yet carried by a step (records after the last notable one). */
  flush(): Delta[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  private inferReleases(th: number, sql: string, out: Delta[]): void {
    const endsTrx = TXN_END.test(sql) || IMPLICIT_COMMIT.test(sql) || (!this.inTrx.has(th) && !this.autocommitOff.has(th));
    if (TXN_END.test(sql) || IMPLICIT_COMMIT.test(sql)) this.inTrx.delete(th);
    const endsExplicit = EXPLICIT_END.test(sql);
    for (const tk of [...this.ticketsOf(th)]) {
      const release =
        tk.duration === "STATEMENT" ||
        (tk.duration === "TRANSACTION" && endsTrx) ||
        (tk.duration === "EXPLICIT" && (endsExplicit || (tk.key === "COMMIT" && tk.type === "INTENTION_EXCLUSIVE")));
      if (release) this.drop(th, tk, out);
    }
  }

  private drop(th: number, tk: Ticket, out: Delta[]): void {
    const list = this.ticketsOf(th);
    list.splice(list.indexOf(tk), 1);
    out.push([th, "m-", tk.row]);
  }

  private ticketsOf(th: number): Ticket[] {
    let l = this.tickets.get(th);
    if (!l) {
      l = [];
      this.tickets.set(th, l);
    }
    return l;
  }

  private findTicket(th: number, key: string, status: string | null): Ticket | undefined {
    const l = this.ticketsOf(th);
    for (let i = l.length - 1; i >= 0; i--) if (l[i]!.key === key && (status === null || l[i]!.status === status)) return l[i];
    return undefined;
  }

  private thread(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.threads.length;
      this.threads.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

/** OBJECT_TYPE, OBJECT_SCHEMA, OBJECT_NAME, LOCK_TYPE, LOCK_DURATION, LOCK_STATUS from a ticket. */
function mdlCells(tk: Ticket): (string | null)[] {
  const sp = tk.key.indexOf(" ");
  const ns = sp < 0 ? tk.key : tk.key.slice(0, sp);
  const rest = sp < 0 ? "" : tk.key.slice(sp + 1);
  let schema: string | null = null;
  let name: string | null = null;
  if (rest) {
    const dot = rest.indexOf(".");
    if (ns === "SCHEMA" || dot < 0) schema = rest;
    else {
      schema = rest.slice(0, dot);
      name = rest.slice(dot + 1);
    }
  }
  return [ns, schema, name, tk.type, tk.duration, tk.status];
}

/** The processlist and metadata_locks at virtual time `t` (the state after every record at or before t). */
export function momentAt(records: Iterable<TraceRecord>, t: number): { processlist: ProcesslistRow[]; metadataLocks: MetadataLockRow[] } {
  const m = new MomentState();
  const deltas: Delta[] = [];
  for (const r of records) {
    if (r.t > t) break;
    const s = m.apply(r);
    if (s) deltas.push(...s.d);
  }
  deltas.push(...m.flush());
  const info = new Map<number, { info: string | null; since: number; state: string }>();
  const rows = new Map<number, { owner: number; cells: (string | null)[] }>();
  for (const d of deltas) {
    const th = d[0];
    const cur = info.get(th) ?? { info: null, since: 0, state: "" };
    info.set(th, cur);
    switch (d[1]) {
      case "i":
        cur.info = d[2];
        cur.since = d[3];
        break;
      case "s":
        cur.state = d[2];
        break;
      case "m+":
        rows.set(d[2], { owner: th, cells: [...d[3]] });
        break;
      case "ms":
        rows.get(d[2])!.cells[5] = d[3];
        break;
      case "m-":
        rows.delete(d[2]);
        break;
    }
  }
  const processlist = m.conns.map((conn, i) => {
    const cur = info.get(m.threads.indexOf(conn)) ?? { info: null, since: 0, state: "" };
    return { id: i + 1, conn, command: cur.info === null ? "Sleep" : "Query", time: Math.floor((t - cur.since) / 1e9), state: cur.state, info: cur.info } as ProcesslistRow;
  });
  const metadataLocks = [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, r]) => ({ OBJECT_TYPE: r.cells[0]!, OBJECT_SCHEMA: r.cells[1]!, OBJECT_NAME: r.cells[2]!, LOCK_TYPE: r.cells[3]!, LOCK_DURATION: r.cells[4]!, LOCK_STATUS: r.cells[5]!, OWNER: m.threads[r.owner]! }));
  return { processlist, metadataLocks };
}

/** The incremental HTML renderer: push records in trace order, then finish once. */
export class HtmlRenderer {
  private readonly timeline: TimelineBuilder;
  private readonly moment = new MomentState();
  private readonly steps: Step[] = [];
  private stepsOmitted = 0;
  private readonly kept: TraceRecord[] = [];
  private keptOmitted = 0;
  private readonly maxSteps: number;
  private readonly maxKept: number;
  private hasMdl = false;
  private ending: Ending | null = null;
  private scenario = "";
  private version = "";
  private seed = "";
  private outcome = "";
  private last = 0;
  private count = 0;

  constructor(private readonly opts: HtmlOptions = {}) {
    this.timeline = new TimelineBuilder(opts);
    this.maxSteps = opts.maxSteps ?? 5000;
    this.maxKept = opts.maxNarrativeRecords ?? 50_000;
  }

  push(r: TraceRecord): void {
    this.count++;
    if (r.t > this.last) this.last = r.t;
    this.timeline.push(r);
    if (this.kept.length < this.maxKept) this.kept.push(r);
    else this.keptOmitted++;
    const d = (r.d ?? {}) as Record<string, unknown>;
    if (r.k === "scenario") {
      this.scenario = String(r.o ?? "");
      this.version = String(d.version ?? "");
      this.seed = String(d.seed ?? "");
    } else if (r.k === "end_of_run") this.outcome = String(d.outcome ?? "");
    else if (r.k === "hang" || r.k === "deadlock") this.ending = { t: r.t, kind: r.k, cycle: ((d.cycle ?? []) as unknown[]).map(String), threads: (d.threads ?? []) as Ending["threads"] };
    if (r.k.startsWith("mdl.")) this.hasMdl = true;
    if (this.steps.length >= this.maxSteps) {
      this.stepsOmitted++;
      return;
    }
    const step = this.moment.apply(r);
    if (step) this.steps.push(step);
  }

  finish(): string {
    const rest = this.moment.flush();
    if (rest.length && this.steps.length < this.maxSteps) this.steps.push({ t: this.last, th: -1, x: "end of trace", d: rest });
    const svgOpts: SvgOptions = { ...this.opts, id: "timeline", noTitle: true };
    const tl = this.timeline.finish(plotWidth(svgOpts));
    // the timeline opens on the activity: say which part of the run it shows, with the SVG's times
    const drawn = tl.start > 0 || tl.end < tl.runEnd ? `Drawn ${tl.start > 0 ? `from ${fmtTime(tl.start)} ` : ""}to ${fmtTime(tl.end)}, where things happen; the run ends at ${fmtTime(tl.runEnd)}. ` : "";
    const svg = drawTimeline(tl, svgOpts);
    const outcome = this.outcome || this.ending?.kind || "";
    const lines = narrative(this.kept, { maxLines: this.opts.maxNarrativeLines ?? 3000 });
    if (this.keptOmitted > 0) lines.push(`... the narrative stops here: ${this.keptOmitted} later record(s) were not kept`);
    const data = {
      threads: this.moment.threads,
      conns: this.moment.conns,
      steps: this.steps,
      stepsOmitted: this.stepsOmitted,
      hasMdl: this.hasMdl,
      start: this.ending ? "last" : "first",
    };
    const title = this.scenario || "mysqlsim trace";
    const scriptHash = createHash("sha256").update(PAGE_SCRIPT, "utf8").digest("base64");
    const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
    const waitFor = this.ending
      ? `${renderWaitForGraph(this.ending, { id: "wait-for-graph" })}<p class="note">Arrows: a thread waits on an object (solid); the object is held by a thread (dashed). Red: the deadlock cycle.</p>`
      : `<p class="note" id="no-wait-for">The run did not end in a hang or a deadlock, so there is no final wait-for graph.</p>`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mysqlsim: ${esc(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1 id="scenario-name">${esc(title)}</h1>
<p class="meta">${esc([this.version && `MySQL ${this.version}`, this.seed && `seed ${this.seed}`, outcome && `outcome: ${outcome}`, `virtual time ${fmtTime(this.last)}`, `${this.count} trace records`].filter(Boolean).join(" · "))}</p>
<nav><a href="#timeline-section">Timeline</a> <a href="#step-section">Step through</a> <a href="#processlist-section">Processlist</a> <a href="#mdl-section">metadata_locks</a> <a href="#wait-for-section">Wait-for graph</a> <a href="#narrative-section">Narrative</a></nav>
</header>
<section id="timeline-section">
<h2>Timeline</h2>
<div class="controls"><button id="zoom-out" type="button" title="zoom out">−</button><button id="zoom-in" type="button" title="zoom in">+</button><button id="zoom-fit" type="button">fit</button> <span class="note">${esc(drawn)}Hover a bar for details; click to choose a moment; Ctrl+wheel zooms.</span></div>
<div id="timeline-wrap">
${svg}</div>
<div id="tooltip" role="tooltip" hidden></div>
</section>
<section id="step-section">
<h2>Step through</h2>
<div class="controls"><button id="step-first" type="button">first</button><button id="step-prev" type="button">◀ previous</button><button id="step-next" type="button">next ▶</button><button id="step-last" type="button">last</button><input id="step-range" type="range" min="0" max="${Math.max(0, this.steps.length - 1)}" value="0" aria-label="event"><span id="step-pos"></span></div>
${this.stepsOmitted > 0 ? `<p class="note">The step-through covers the first ${this.steps.length} events; ${this.stepsOmitted} later record(s) are on the timeline only.</p>` : ""}
<div id="step-event" class="event"></div>
<pre id="step-detail" hidden></pre>
<h3>Threads at this moment</h3>
<table id="threads"><thead><tr><th>Thread</th><th>Statement</th><th>State</th><th>Waiting on</th><th>Holds</th></tr></thead><tbody></tbody></table>
</section>
<section id="processlist-section">
<h2>Processlist at <span id="pl-time"></span></h2>
<table id="processlist"><thead><tr><th>Id</th><th>Connection</th><th>Command</th><th>Time</th><th>State</th><th>Info</th></tr></thead><tbody></tbody></table>
</section>
<section id="mdl-section">
<h2>performance_schema.metadata_locks at <span id="mdl-time"></span></h2>
${this.hasMdl ? `<p class="note">Derived from the trace's mdl.* records; where the trace has no mdl.release, releases are inferred from statement ends (STATEMENT: its end; TRANSACTION: COMMIT, ROLLBACK, implicit commit or autocommit; EXPLICIT: UNLOCK TABLES and the like).</p>` : `<p class="note" id="no-mdl">This trace has no mdl.* records: the MDL model was not part of this run.</p>`}
<table id="metadata-locks"><thead><tr><th>OBJECT_TYPE</th><th>OBJECT_SCHEMA</th><th>OBJECT_NAME</th><th>LOCK_TYPE</th><th>LOCK_DURATION</th><th>LOCK_STATUS</th><th>OWNER</th></tr></thead><tbody></tbody></table>
</section>
<section id="wait-for-section">
<h2>Wait-for graph</h2>
${waitFor}</section>
<section id="narrative-section">
<h2>Narrative</h2>
<pre id="narrative">${esc(lines.join("\n"))}</pre>
</section>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
  }
}

/** JSON that cannot end the <script> element it sits in, nor be read as markup. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Renders records (in memory) as a self-contained HTML report. */
export function renderHtml(records: Iterable<TraceRecord>, opts: HtmlOptions = {}): string {
  const r = new HtmlRenderer(opts);
  for (const rec of records) r.push(rec);
  return r.finish();
}

const PAGE_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;padding:0 16px 40px;max-width:1400px;color:#222}
header{border-bottom:1px solid #ddd;margin-bottom:8px}
h1{font-size:20px;margin:12px 0 2px}h2{font-size:16px;margin:20px 0 6px}h3{font-size:14px;margin:12px 0 4px}
.meta,.note{color:#555;font-size:12px}
nav a{margin-right:10px;font-size:12px}
.controls{display:flex;gap:6px;align-items:center;flex-wrap:wrap;margin:4px 0}
button{font:inherit;padding:2px 10px;cursor:pointer}
#timeline-wrap{overflow:auto;border:1px solid #ddd;max-height:80vh;position:relative}
#timeline-wrap svg{display:block;cursor:crosshair}
#tooltip{position:fixed;pointer-events:none;background:#263238;color:#fff;padding:4px 8px;border-radius:3px;font-size:12px;max-width:520px;white-space:pre-wrap;z-index:10}
.event{font-family:ui-monospace,monospace;background:#f5f5f5;padding:6px 8px;border-left:4px solid #1565c0;white-space:pre-wrap}
pre{background:#fafafa;border:1px solid #eee;padding:8px;overflow:auto;max-height:60vh;font-size:12px}
table{border-collapse:collapse;font-size:12px;margin:4px 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;max-width:520px;overflow-wrap:anywhere}
th{background:#eceff1}
tr.current td{background:#e3f2fd}
tr.waiting td:nth-child(4){color:#b71c1c}
td.null{color:#999;font-style:italic}
`;

/**
 * The page's script. It reads the embedded data with JSON.parse and writes trace text with
 * textContent only (never innerHTML), so nothing from the trace is parsed as markup. Its hash is
 * in the page's Content Security Policy; no other script may run.
 */
const PAGE_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var steps = data.steps, threads = data.threads, conns = data.conns;
  var svg = document.getElementById("timeline");
  var wrap = document.getElementById("timeline-wrap");
  var tip = document.getElementById("tooltip");
  var SVGNS = "http://www.w3.org/2000/svg";
  var baseW = svg ? Number(svg.getAttribute("width")) : 0, baseH = svg ? Number(svg.getAttribute("height")) : 0, zoom = 1;
  function setZoom(z) {
    zoom = Math.max(0.25, Math.min(64, z));
    if (!svg) return;
    svg.setAttribute("width", String(baseW * zoom));
    svg.setAttribute("height", String(baseH * zoom));
  }
  document.getElementById("zoom-in").addEventListener("click", function () { setZoom(zoom * 1.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { setZoom(zoom / 1.5); });
  document.getElementById("zoom-fit").addEventListener("click", function () { setZoom(Math.min(1, wrap.clientWidth / baseW)); });
  wrap.addEventListener("wheel", function (e) {
    if (!e.ctrlKey) return;
    e.preventDefault();
    setZoom(zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
  }, { passive: false });
  function fmtT(ns) { return (ns / 1e9).toFixed(6) + " s"; }
  function fmtDur(ns) {
    if (ns >= 1e9) return (ns / 1e9).toFixed(3) + " s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(3) + " ms";
    if (ns >= 1e3) return (ns / 1e3).toFixed(1) + " \\u00b5s";
    return Math.round(ns) + " ns";
  }
  if (svg) {
    svg.addEventListener("mousemove", function (e) {
      var el = e.target, title = null;
      while (el && el !== svg && !title) {
        for (var c = el.firstChild; c; c = c.nextSibling) if (c.nodeName === "title") { title = c; break; }
        el = el.parentNode;
      }
      if (!title) { tip.hidden = true; return; }
      tip.textContent = title.textContent;
      tip.hidden = false;
      tip.style.left = (e.clientX + 14) + "px";
      tip.style.top = (e.clientY + 14) + "px";
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; });
    svg.addEventListener("click", function (e) {
      var pt = svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1), t0 = Number(svg.dataset.t0), t1 = Number(svg.dataset.t1);
      var t = t0 + (p.x - x0) / (x1 - x0) * (t1 - t0);
      var i = 0;
      while (i + 1 < steps.length && steps[i + 1].t <= t) i++;
      show(i);
    });
  }
  var cursor = null;
  if (svg) {
    cursor = document.createElementNS(SVGNS, "line");
    cursor.setAttribute("id", "moment-cursor");
    cursor.setAttribute("stroke", "#1565c0"); cursor.setAttribute("stroke-width", "1.5");
    cursor.setAttribute("y1", "0"); cursor.setAttribute("y2", svg.getAttribute("viewBox").split(" ")[3]);
    cursor.setAttribute("pointer-events", "none");
    svg.appendChild(cursor);
  }
  function stateAt(i) {
    var th = threads.map(function (n) { return { name: n, info: null, since: 0, state: "", wait: null, waitSince: 0, holds: [] }; });
    var rows = {}, order = [];
    for (var s = 0; s <= i && s < steps.length; s++) {
      var ds = steps[s].d;
      for (var k = 0; k < ds.length; k++) {
        var d = ds[k], t = th[d[0]];
        switch (d[1]) {
          case "i": t.info = d[2]; t.since = d[3]; break;
          case "s": t.state = d[2]; break;
          case "w": t.wait = d[2]; t.waitSince = d[3]; break;
          case "h": t.holds.push(d[2]); break;
          case "u": var at = t.holds.lastIndexOf(d[2]); if (at >= 0) t.holds.splice(at, 1); break;
          case "m+": rows[d[2]] = { owner: d[0], cells: d[3].slice() }; order.push(d[2]); break;
          case "ms": if (rows[d[2]]) rows[d[2]].cells[5] = d[3]; break;
          case "m-": delete rows[d[2]]; break;
        }
      }
    }
    return { threads: th, rows: order.filter(function (r) { return rows[r]; }).map(function (r) { return rows[r]; }) };
  }
  function cell(tr, v) {
    var td = document.createElement("td");
    if (v === null || v === undefined) { td.textContent = "NULL"; td.className = "null"; } else td.textContent = String(v);
    tr.appendChild(td);
  }
  function fill(id, rows) {
    var tb = document.querySelector("#" + id + " tbody");
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      if (r.cls) tr.className = r.cls;
      r.cells.forEach(function (v) { cell(tr, v); });
      tb.appendChild(tr);
    });
  }
  var current = 0;
  function show(i) {
    if (!steps.length) return;
    current = Math.max(0, Math.min(steps.length - 1, i));
    var st = steps[current], now = st.t, s = stateAt(current);
    var who = st.th >= 0 ? threads[st.th] : "kernel";
    document.getElementById("step-event").textContent = fmtT(now) + "  " + who + "  " + st.x;
    var det = document.getElementById("step-detail");
    det.hidden = !st.j; det.textContent = st.j || "";
    document.getElementById("step-pos").textContent = "event " + (current + 1) + " of " + steps.length;
    document.getElementById("step-range").value = String(current);
    document.getElementById("pl-time").textContent = fmtT(now);
    document.getElementById("mdl-time").textContent = fmtT(now);
    fill("threads", s.threads.map(function (t, k) {
      return { cls: (k === st.th ? "current" : "") + (t.wait ? " waiting" : ""), cells: [t.name, t.info, t.state, t.wait ? t.wait + " for " + fmtDur(now - t.waitSince) : "", t.holds.join(", ")] };
    }));
    fill("processlist", conns.map(function (c, k) {
      var t = s.threads[threads.indexOf(c)];
      return { cls: threads.indexOf(c) === st.th ? "current" : "", cells: [k + 1, c, t.info === null ? "Sleep" : "Query", Math.floor((now - t.since) / 1e9), t.state, t.info] };
    }));
    fill("metadata-locks", s.rows.map(function (r) { return { cls: "", cells: r.cells.concat([threads[r.owner]]) }; }));
    if (cursor) {
      var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1), t0 = Number(svg.dataset.t0), t1 = Number(svg.dataset.t1);
      var x = x0 + Math.max(0, Math.min(1, (now - t0) / (t1 - t0))) * (x1 - x0);
      cursor.setAttribute("x1", String(x)); cursor.setAttribute("x2", String(x));
    }
  }
  document.getElementById("step-first").addEventListener("click", function () { show(0); });
  document.getElementById("step-prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("step-next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("step-last").addEventListener("click", function () { show(steps.length - 1); });
  document.getElementById("step-range").addEventListener("input", function (e) { show(Number(e.target.value)); });
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.nodeName === "INPUT") return;
    if (e.key === "ArrowRight") show(current + 1);
    else if (e.key === "ArrowLeft") show(current - 1);
  });
  show(data.start === "last" ? steps.length - 1 : 0);
})();
`;
