import { scaleBand, scaleLinear, type ScaleLinear } from "d3-scale";
import type { TraceRecord } from "../trace/record.js";
import { fmtTime, SPAN_CLASSES, spanLabel, TimelineBuilder, waitClass, type Ending, type Lane, type Timeline, type TimelineOptions } from "./timeline.js";

/**
 * The SVG timeline: one lane per thread (d3-scale's scaleBand), time across (scaleLinear). In each
 * lane: statements as labelled bars on top, running / waiting in the middle (coloured by what is
 * waited on), holding a lock as a thin bar below; arrows from the waker to the woken; marks for
 * lost signals, errors, deadlock victims, timeouts and kills; a red line where the run hung or
 * deadlocked. Every shape carries a <title> (hover text). The output is a string (no DOM) and is
 * deterministic: same records, same bytes.
 */
export interface SvgOptions extends TimelineOptions {
  /** total width in px (default 1200) */
  width?: number;
  /** lane height when few lanes; it shrinks down to 8 px as lanes grow (default 40) */
  laneHeight?: number;
  /** height the lanes should fit in when there are many (default 720) */
  maxLanesHeight?: number;
  /** id of the root <svg> element (the HTML report uses it) */
  id?: string;
  /** leave out the title line (the HTML report has its own) */
  noTitle?: boolean;
}

/** The incremental SVG renderer: push records in trace order, then finish once. */
export class SvgRenderer {
  private readonly timeline: TimelineBuilder;
  constructor(private readonly opts: SvgOptions = {}) {
    this.timeline = new TimelineBuilder(opts);
  }
  push(r: TraceRecord): void {
    this.timeline.push(r);
  }
  finish(): string {
    return drawTimeline(this.timeline.finish(plotWidth(this.opts)), this.opts);
  }
}

/** Renders records (in memory) as an SVG timeline. */
export function renderSvg(records: Iterable<TraceRecord>, opts: SvgOptions = {}): string {
  const r = new SvgRenderer(opts);
  for (const rec of records) r.push(rec);
  return r.finish();
}

const MARGIN_LEFT = 150;
const MARGIN_RIGHT = 24;
const MIN_LANE = 8;

/** The width in pixels of the time axis (the resolution spans are merged to). */
export function plotWidth(opts: SvgOptions = {}): number {
  return (opts.width ?? 1200) - MARGIN_LEFT - MARGIN_RIGHT;
}

/** Escapes text for XML/HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A coordinate rounded to 2 decimals: deterministic and short. */
const n2 = (x: number): string => String(Math.round(x * 100) / 100 || 0);

function truncate(s: string, chars: number): string {
  if (chars <= 1) return "";
  return s.length <= chars ? s : s.slice(0, Math.max(1, chars - 1)) + "…";
}

/** The time unit that reads best for a domain of `ns`. */
function timeUnit(ns: number): { div: number; name: string } {
  if (ns >= 2e9) return { div: 1e9, name: "s" };
  if (ns >= 2e6) return { div: 1e6, name: "ms" };
  if (ns >= 2e3) return { div: 1e3, name: "µs" };
  return { div: 1, name: "ns" };
}

/** Draws a finished timeline. Exported for the HTML report, which reuses the timeline it built. */
export function drawTimeline(tl: Timeline, opts: SvgOptions = {}): string {
  const width = opts.width ?? 1200;
  const lanes = tl.lanes;
  const titleH = opts.noTitle ? 0 : 22;
  const axisH = 22;
  const endingH = tl.ending ? 14 : 0;
  const top = titleH + endingH + axisH;
  const laneH = lanes.length <= 1 ? (opts.laneHeight ?? 40) : Math.max(MIN_LANE, Math.min(opts.laneHeight ?? 40, Math.floor((opts.maxLanesHeight ?? 720) / lanes.length)));
  const lanesH = Math.max(1, lanes.length) * laneH;
  const legendH = 34;
  const height = top + lanesH + 10 + legendH;
  const t0 = tl.start;
  const t1 = tl.end > tl.start ? tl.end : tl.start + 1;
  const x = scaleLinear().domain([t0, t1]).range([MARGIN_LEFT, width - MARGIN_RIGHT]);
  const y = scaleBand<string>()
    .domain(lanes.map((l) => l.name))
    .range([top, top + lanesH])
    .paddingInner(0.14);
  const bw = y.bandwidth();
  const fs = Math.max(6, Math.min(12, bw * 0.7));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg"${opts.id ? ` id="${esc(opts.id)}"` : ""} class="mysqlsim-timeline" width="${width}" height="${n2(height)}" viewBox="0 0 ${width} ${n2(height)}" font-family="sans-serif" font-size="${n2(fs)}" data-t0="${t0}" data-t1="${t1}" data-x0="${MARGIN_LEFT}" data-x1="${width - MARGIN_RIGHT}" data-lanes="${lanes.length}">`,
  );
  out.push(`<style>${SPAN_CLASSES.map((c) => `.c-${c.cls}{fill:${c.fill}}`).join("")}.lane-bg{fill:#fafafa}.lane-bg.odd{fill:#f2f2f2}.stmt-text{fill:#0d2a4a}.axis{stroke:#999;stroke-width:.5}.wake{stroke:#1a237e;stroke-width:1;opacity:.55}.ending-line{stroke:#c62828;stroke-width:1.5;stroke-dasharray:4 3}.mk-lost_signal{fill:#d50000;stroke:#fff;stroke-width:.5}.mk-lost_signal.minor{fill:#fff;stroke:#d50000;stroke-width:1}.mk-error{stroke:#b71c1c;stroke-width:2}.mk-victim{fill:#ff6f00;stroke:#000;stroke-width:.5}.mk-timeout{fill:none;stroke:#4e342e;stroke-width:1.2}.mk-kill{fill:#c51162}.mk-invariant{fill:#000}.mk-preempt{fill:#6a1b9a;stroke:#fff;stroke-width:.5}</style>`);
  out.push(`<defs><marker id="wake-head" viewBox="0 0 6 6" refX="5.5" refY="3" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L6,3L0,6z" fill="#1a237e"/></marker></defs>`);
  if (!opts.noTitle) {
    const title = `${tl.scenario || "trace"}${tl.version ? `  (MySQL ${tl.version}, seed ${tl.seed})` : ""}${tl.outcome ? `  outcome: ${tl.outcome}` : ""}${drawnText(tl)}`;
    out.push(`<text x="8" y="15" font-size="13" font-weight="bold">${esc(title)}</text>`);
  }
  // lanes
  const labelChars = Math.floor((MARGIN_LEFT - 12) / (fs * 0.6));
  out.push(`<g class="lane-bgs">`);
  lanes.forEach((lane, i) => out.push(`<rect class="lane-bg${i % 2 ? " odd" : ""}" x="${MARGIN_LEFT}" y="${n2(y(lane.name)!)}" width="${width - MARGIN_LEFT - MARGIN_RIGHT}" height="${n2(bw)}"/>`));
  out.push(`</g>`);
  // time axis
  const unit = timeUnit(t1 - t0);
  out.push(`<g class="x-axis">`);
  for (const tick of x.ticks(Math.max(2, Math.floor((width - MARGIN_LEFT) / 110)))) {
    const xx = n2(x(tick));
    out.push(`<line class="axis" x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${n2(top + lanesH)}"/><text x="${xx}" y="${top - 7}" text-anchor="middle" font-size="10">${esc(trimNum(tick / unit.div))} ${unit.name}</text>`);
  }
  out.push(`</g>`);
  out.push(`<g class="lanes">`);
  lanes.forEach((lane) => {
    const ly = y(lane.name)!;
    out.push(`<g class="lane" data-thread="${esc(lane.name)}">`);
    out.push(`<text x="${MARGIN_LEFT - 6}" y="${n2(ly + bw / 2 + fs * 0.35)}" text-anchor="end"><title>${esc(lane.name)}</title>${esc(truncate(lane.name, labelChars))}</text>`);
    drawLayer(out, lane, "stmt", x, ly, bw * 0.34, bw * 0.02);
    drawLayer(out, lane, "act", x, ly, bw * 0.42, bw * 0.4);
    drawLayer(out, lane, "hold", x, ly, Math.max(1, bw * 0.12), bw * 0.85);
    out.push(`</g>`);
  });
  out.push(`</g>`);
  // wake-up arrows: from the waker's lane to the woken one, at the instant of the wake
  const laneIndex = new Set(lanes.map((l) => l.name));
  out.push(`<g class="wakes">`);
  for (const a of tl.arrows) {
    if (!laneIndex.has(a.from) || !laneIndex.has(a.to) || a.t > t1 || a.t < t0) continue;
    const ax = n2(x(a.t));
    const yFrom = y(a.from)! + bw / 2;
    const yTo = y(a.to)! + bw / 2;
    const toward = yTo > yFrom ? -bw * 0.3 : bw * 0.3;
    out.push(`<line class="wake" x1="${ax}" y1="${n2(yFrom)}" x2="${ax}" y2="${n2(yTo + toward)}" marker-end="url(#wake-head)"><title>${esc(`${fmtTime(a.t)}: ${a.from} woke ${a.to} (${a.reason} ${a.object})${a.n > 1 ? `, ${a.n} wake-ups here` : ""}`)}</title></line>`);
  }
  out.push(`</g>`);
  // marks
  const fatalLost = new Set<string>();
  for (const n of tl.ending?.threads ?? []) {
    const lost = n.waitingOn?.detail?.last_lost_signal as { at?: number; by?: string } | undefined;
    if (lost) fatalLost.add(`${lost.at}\u0000${lost.by}\u0000${n.waitingOn!.name}`);
  }
  out.push(`<g class="marks">`);
  const r = Math.max(2.5, Math.min(6, bw * 0.3));
  for (const m of tl.marks) {
    if (!laneIndex.has(m.th) || m.t > t1 || m.t < t0) continue;
    const mx = x(m.t);
    const my = y(m.th)! + bw / 2;
    const title = `<title>${esc(`${fmtTime(m.t)} ${m.th}: ${m.text}`)}</title>`;
    switch (m.kind) {
      case "lost_signal": {
        // The lost signal a stuck thread still waits for is the one that matters; a signal nobody
        // waited for and nobody waits for later is usually harmless, and drawn small and hollow.
        const fatal = fatalLost.has(`${m.t}\u0000${m.th}\u0000${m.object ?? ""}`);
        const rr = fatal ? r * 1.3 : r * 0.7;
        const t2 = fatal ? `<title>${esc(`${fmtTime(m.t)} ${m.th}: ${m.text}; a thread still waits for it: the lost wake-up`)}</title>` : title;
        out.push(`<path class="mk-lost_signal${fatal ? "" : " minor"}" data-mark="lost_signal" d="M${n2(mx)},${n2(my - rr * 1.4)}L${n2(mx + rr)},${n2(my)}L${n2(mx)},${n2(my + rr * 1.4)}L${n2(mx - rr)},${n2(my)}z">${t2}</path>`);
        break;
      }
      case "error":
        out.push(`<path class="mk-error" data-mark="error" d="M${n2(mx - r)},${n2(my - r)}L${n2(mx + r)},${n2(my + r)}M${n2(mx - r)},${n2(my + r)}L${n2(mx + r)},${n2(my - r)}">${title}</path>`);
        break;
      case "victim":
        out.push(`<path class="mk-victim" data-mark="victim" d="M${n2(mx)},${n2(my + r)}L${n2(mx - r)},${n2(my - r)}L${n2(mx + r)},${n2(my - r)}z">${title}</path>`);
        break;
      case "timeout":
        out.push(`<circle class="mk-timeout" data-mark="timeout" cx="${n2(mx)}" cy="${n2(my)}" r="${n2(r * 0.8)}">${title}</circle>`);
        break;
      default:
        out.push(`<rect class="mk-${m.kind}" data-mark="${m.kind}" x="${n2(mx - r * 0.6)}" y="${n2(my - r * 0.6)}" width="${n2(r * 1.2)}" height="${n2(r * 1.2)}">${title}</rect>`);
    }
  }
  out.push(`</g>`);
  if (tl.ending) drawEnding(out, tl.ending, (t) => x(Math.min(t, t1)), y, bw, top, lanesH, laneIndex, tl.ending.t > t1);
  // legend
  const ly = top + lanesH + 12;
  out.push(`<g class="legend" font-size="10">`);
  let lx = 8;
  let row = 0;
  for (const c of SPAN_CLASSES) {
    const w = 14 + c.legend.length * 5.6 + 12;
    if (lx + w > width - 4) {
      lx = 8;
      row++;
    }
    out.push(`<rect class="c-${c.cls}" x="${n2(lx)}" y="${n2(ly + row * 14)}" width="10" height="9"/><text x="${n2(lx + 14)}" y="${n2(ly + row * 14 + 8.5)}">${esc(c.legend)}</text>`);
    lx += w;
  }
  const omitted = Object.entries(tl.omitted);
  if (omitted.length) out.push(`<text x="${width - 8}" y="${n2(ly + 8.5)}" text-anchor="end">${esc(`not drawn: ${omitted.map(([k, v]) => `${v} ${k}`).join(", ")}`)}</text>`);
  out.push(`</g>`);
  out.push(`</svg>`);
  // The legend can take a second row: grow the height to fit (the root element is first).
  const svg = out.join("\n") + "\n";
  if (row === 0) return svg;
  const h2 = n2(height + row * 14);
  return svg.replace(`height="${n2(height)}" viewBox="0 0 ${width} ${n2(height)}"`, `height="${h2}" viewBox="0 0 ${width} ${h2}"`);
}

/**
 * Spans a pixel wide or more are rects with their own hover title; in a busy layer (over 50
 * spans) the narrower ones go into one path per class, with one title saying how many there are:
 * a fraction of the bytes, the same picture.
 */
/** What part of the run is drawn, when not all of it: "(drawn from 4.9 s to 5.1 s; the run ends at 6 s)". */
function drawnText(tl: Timeline): string {
  if (tl.start <= 0 && tl.runEnd <= tl.end) return "";
  return `  (drawn ${tl.start > 0 ? `from ${fmtTime(tl.start)} ` : ""}to ${fmtTime(tl.end)}; the run ends at ${fmtTime(tl.runEnd)})`;
}

function drawLayer(out: string[], lane: Lane, layer: "stmt" | "act" | "hold", x: ScaleLinear<number, number>, laneY: number, h: number, dy: number): void {
  const y0 = laneY + dy;
  const yy = n2(y0);
  const hh = n2(h);
  const textFs = Math.min(10, h * 0.9);
  const slivers = new Map<string, { d: string[]; n: number }>();
  const many = lane[layer].length > 50;
  const [xmin, xmax] = x.range() as [number, number];
  for (const s of lane[layer]) {
    // a drawing that starts after 0 cuts what began before it at its left edge
    const x0 = Math.max(xmin, x(s.start));
    if (x0 > xmax || x(s.end) < xmin) continue;
    const w = Math.max(0.4, Math.min(x(s.end), xmax) - x0);
    if (w < 1 && many) {
      const p = slivers.get(s.cls) ?? slivers.set(s.cls, { d: [], n: 0 }).get(s.cls)!;
      p.d.push(`M${n2(x0)},${yy}h${n2(w)}v${hh}h-${n2(w)}z`);
      p.n += s.n;
      continue;
    }
    let text = "";
    if (layer === "stmt" && s.text && s.n === 1 && textFs >= 6 && w > 24) {
      const chars = Math.floor((w - 4) / (textFs * 0.58));
      const t = truncate(s.text, chars);
      if (t) text = `<text class="stmt-text" x="${n2(x0 + 2)}" y="${n2(y0 + h * 0.8)}" font-size="${n2(textFs)}">${esc(t)}</text>`;
    }
    out.push(`<rect class="c-${s.cls}" x="${n2(x0)}" y="${yy}" width="${n2(w)}" height="${hh}"><title>${esc(`${fmtTime(s.start)} ${lane.name}: ${spanLabel(s)}`)}</title></rect>${text}`);
  }
  for (const [cls, p] of slivers) out.push(`<path class="c-${cls}" d="${p.d.join("")}"><title>${esc(`${lane.name}: ${p.n} short spans, mostly ${cls} (under a pixel each: zoom in, or see the step-through)`)}</title></path>`);
}

function drawEnding(out: string[], e: Ending, x: (t: number) => number, y: (s: string) => number | undefined, bw: number, top: number, lanesH: number, lanes: Set<string>, detectedLater: boolean): void {
  const ex = n2(x(e.t));
  const what = `${e.kind === "deadlock" ? `DEADLOCK ${e.cycle.join(" → ")}${e.cycle.length ? ` → ${e.cycle[0]}` : ""}` : "HANG"}${detectedLater ? ` (noticed at ${fmtTime(e.t)})` : ""}`;
  out.push(`<g class="run-ending" data-ending="${e.kind}"><line class="ending-line" x1="${ex}" x2="${ex}" y1="${top - 20}" y2="${n2(top + lanesH)}"><title>${esc(`${fmtTime(e.t)}: ${what}`)}</title></line>`);
  out.push(`<text x="${n2(x(e.t) - 4)}" y="${top - 24}" text-anchor="end" fill="#c62828" font-weight="bold" font-size="11">${esc(what)}</text>`);
  for (const n of e.threads) {
    if (!n.waitingOn || !lanes.has(n.thread) || waitClass(n.waitingOn.kind, n.waitingOn.name) === "idle") continue;
    const ly = y(n.thread)!;
    const text = `${n.thread} waits on ${n.waitingOn.name} (${n.waitingOn.kind})${n.holds?.length ? `, holding ${n.holds.join(", ")}` : ""}${n.blockedBy?.length ? `; held by ${n.blockedBy.join(", ")}` : ""}`;
    out.push(`<rect x="${n2(x(e.t) - 3)}" y="${n2(ly + bw * 0.25)}" width="6" height="${n2(bw * 0.5)}" fill="#c62828"><title>${esc(text)}</title></rect>`);
  }
  out.push(`</g>`);
}

function trimNum(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/**
 * The wait-for graph of a hang or deadlock as a small SVG: threads on the left, the objects they
 * wait on on the right; an arrow thread -> object ("waits on", labelled with the processlist
 * state) and a dashed arrow object -> holder ("held by"). Edges on the deadlock cycle are red.
 */
export function renderWaitForGraph(e: Ending, opts: { id?: string } = {}): string {
  const threads: string[] = [];
  const objects: string[] = [];
  const addT = (t: string): void => void (threads.includes(t) || threads.push(t));
  // A client's idle wait (its mailbox, mysqltest's reap) and a thread waiting on nothing are not
  // part of the story, unless they hold what another waits for.
  const holders = new Set(e.threads.flatMap((n) => n.blockedBy ?? []));
  e = { ...e, threads: e.threads.filter((n) => holders.has(n.thread) || (n.waitingOn !== null && waitClass(n.waitingOn.kind, n.waitingOn.name) !== "idle")) };
  for (const n of e.threads) {
    addT(n.thread);
    if (n.waitingOn && waitClass(n.waitingOn.kind, n.waitingOn.name) !== "idle" && !objects.includes(n.waitingOn.name)) objects.push(n.waitingOn.name);
    for (const b of n.blockedBy ?? []) addT(b);
  }
  const rowH = 56;
  const w = 760;
  const h = Math.max(threads.length, objects.length, 1) * rowH + 40;
  const tx = 20;
  const tw = 200;
  const ox = 500;
  const ow = 240;
  const ty = (i: number): number => 30 + i * rowH;
  const oy = (i: number): number => 30 + i * rowH + (threads.length - objects.length) * rowH * 0.5 * Number(threads.length > objects.length);
  const inCycle = new Set(e.cycle);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg"${opts.id ? ` id="${esc(opts.id)}"` : ""} class="wait-for-graph" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`);
  out.push(`<defs><marker id="wf-head" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0L8,4L0,8z" fill="#333"/></marker><marker id="wf-head-red" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0L8,4L0,8z" fill="#c62828"/></marker></defs>`);
  out.push(`<text x="8" y="16" font-weight="bold" fill="#c62828">${esc(e.kind === "deadlock" ? `Deadlock: ${e.cycle.join(" → ")}${e.cycle.length ? ` → ${e.cycle[0]}` : ""}` : "Hang: nothing that runs can wake these threads")}</text>`);
  const edges: string[] = [];
  for (const n of e.threads) {
    if (!n.waitingOn || !objects.includes(n.waitingOn.name)) continue;
    const ti = threads.indexOf(n.thread);
    const oi = objects.indexOf(n.waitingOn.name);
    const red = inCycle.has(n.thread);
    const y1 = ty(ti) + 18;
    const y2 = oy(oi) + 18;
    edges.push(
      `<path d="M${tx + tw},${n2(y1)}C${n2((tx + tw + ox) / 2)},${n2(y1)} ${n2((tx + tw + ox) / 2)},${n2(y2)} ${ox},${n2(y2)}" fill="none" stroke="${red ? "#c62828" : "#333"}" stroke-width="1.5" marker-end="url(#${red ? "wf-head-red" : "wf-head"})"><title>${esc(`${n.thread} waits on ${n.waitingOn.name} (${n.waitingOn.kind})${n.state ? `: ${n.state}` : ""}`)}</title></path>`,
    );
    for (const b of n.blockedBy ?? []) {
      const hi = threads.indexOf(b);
      const y3 = ty(hi) + 26;
      const redB = red && inCycle.has(b);
      edges.push(
        `<path d="M${ox},${n2(y2 + 8)}C${n2(ox - 160)},${n2(y2 + 8)} ${n2(tx + tw + 140)},${n2(y3)} ${tx + tw},${n2(y3)}" fill="none" stroke="${redB ? "#c62828" : "#777"}" stroke-width="1.2" stroke-dasharray="5 3" marker-end="url(#${redB ? "wf-head-red" : "wf-head"})"><title>${esc(`${n.waitingOn.name} is held by ${b}`)}</title></path>`,
      );
    }
  }
  out.push(...edges);
  threads.forEach((t, i) => {
    const n = e.threads.find((x) => x.thread === t);
    const sub = n?.state ? truncate(n.state, 30) : n?.waitingOn ? `waits (${n.waitingOn.kind})` : "running";
    out.push(
      `<g class="wf-thread" data-thread="${esc(t)}"><rect x="${tx}" y="${ty(i)}" width="${tw}" height="36" rx="6" fill="${inCycle.has(t) ? "#ffebee" : "#e3f2fd"}" stroke="${inCycle.has(t) ? "#c62828" : "#1565c0"}"/><text x="${tx + 8}" y="${ty(i) + 15}" font-weight="bold">${esc(truncate(t, 28))}</text><text x="${tx + 8}" y="${ty(i) + 30}" font-size="10">${esc(sub)}</text><title>${esc(`${t}${n?.holds?.length ? `, holds ${n.holds.join(", ")}` : ""}`)}</title></g>`,
    );
  });
  objects.forEach((o, i) => {
    const waiter = e.threads.find((x) => x.waitingOn?.name === o);
    const lost = waiter?.waitingOn?.detail?.last_lost_signal as { by?: string; at?: number; op?: string } | undefined;
    const sub = lost ? `last ${lost.op ?? "signal"} lost (from ${lost.by ?? "?"})` : (waiter?.waitingOn?.kind ?? "");
    out.push(
      `<g class="wf-object"><rect x="${ox}" y="${n2(oy(i))}" width="${ow}" height="36" rx="2" fill="#fff8e1" stroke="#ef6c00"/><text x="${ox + 8}" y="${n2(oy(i) + 15)}" font-weight="bold">${esc(truncate(o, 34))}</text><text x="${ox + 8}" y="${n2(oy(i) + 30)}" font-size="10"${lost ? ` fill="#c62828"` : ""}>${esc(truncate(sub, 40))}</text><title>${esc(o)}</title></g>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
