/**
 * `sweep --report FILE.html`: one chart per metric and axis — the metric's mean (with its 95%
 * confidence interval as error bars) against the axis's values, one line per combination of the
 * other axes' values — drawn with d3-scale into inline SVG. Self-contained: no script, no fetch.
 */
import { scaleLinear, scaleLog, scalePoint } from "d3-scale";
import type { Axis } from "./grid.js";
import { num, SHARE_METRICS, type PointSummary } from "./stats.js";
import type { SweepResult } from "./sweep.js";

const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const W = 640;
const H = 340;
const M = { top: 20, right: 190, bottom: 46, left: 70 };
/** The first and last x values sit this far inside the plot, so their points and error bars are whole. */
const X_PAD = 16;
/** Width of a legend character at 11px (system-ui, generous so a label is never cut). */
const CHAR_W = 6.6;

export function renderReport(r: SweepResult): string {
  const metrics = [...new Set(r.summary.flatMap((s) => Object.keys(s.metrics)))];
  const varying = r.axes.filter((a) => a.values.length > 1);
  const sections: string[] = [];
  for (const m of metrics) {
    const charts = varying.map((a) => chart(r, m, a)).join("\n");
    sections.push(`<section><h2>${esc(m)}${SHARE_METRICS.includes(m) ? " <small>(share of runs, Wilson 95% CI)</small>" : " <small>(mean, Student-t 95% CI over seeds)</small>"}</h2>\n${charts || "<p>No axis has more than one value: see the table.</p>"}\n${metricTable(r, m)}</section>`);
  }
  const title = `Sweep: ${r.scenario}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 32px; } small { color: #666; font-weight: normal; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: right; } th { background: #f4f4f4; }
svg text { font: 11px system-ui, sans-serif; fill: #333; } .grid line { stroke: #eee; } .axis line, .axis path { stroke: #888; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(r.file)} — ${r.summary.length} point(s) x ${r.seeds} seed(s) (base seed ${r.baseSeed})${r.shard ? `, shard ${r.shard.index}/${r.shard.count} only` : ""}; axes: ${r.axes.map((a) => `<code>${esc(a.name)}</code> = ${a.values.map(esc).join(", ")}`).join("; ") || "none"}.</p>
${sections.join("\n")}
</body></html>
`;
}

function chart(r: SweepResult, metric: string, axis: Axis): string {
  const others = r.axes.filter((a) => a !== axis);
  const series = new Map<string, { label: string; pts: { x: string; s: PointSummary }[] }>();
  for (const s of r.summary) {
    if (!s.metrics[metric]) continue;
    const label = others.filter((a) => a.values.length > 1).map((a) => `${a.name}=${s.point[a.name]}`).join(", ") || metric;
    const key = others.map((a) => `${a.name}=${s.point[a.name]}`).join(";");
    if (!series.has(key)) series.set(key, { label, pts: [] });
    series.get(key)!.pts.push({ x: String(s.point[axis.name]), s });
  }
  if (series.size === 0) return "";
  const numeric = axis.values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)));
  const xs = numeric ? axis.values.map(Number) : [];
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  // the legend column is as wide as its longest label: the SVG grows rather than cut a name
  const legend = series.size > 1 || [...series.values()].some((l) => l.label !== metric);
  const width = legend ? Math.max(W, M.left + innerW + 16 + 22 + Math.ceil(Math.max(...[...series.values()].map((l) => l.label.length)) * CHAR_W) + 8) : W;
  let xOf: (v: string) => number;
  let ticks: { v: string; x: number }[];
  if (numeric) {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const log = lo > 0 && hi / lo >= 100;
    const sc = log ? scaleLog().domain([lo, hi]).range([X_PAD, innerW - X_PAD]) : scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).range([X_PAD, innerW - X_PAD]);
    xOf = (v) => sc(Number(v));
    ticks = axis.values.map((v) => ({ v, x: xOf(v) }));
  } else {
    const sc = scalePoint<string>().domain(axis.values).range([0, innerW]).padding(0.5);
    xOf = (v) => sc(v) ?? 0;
    ticks = axis.values.map((v) => ({ v, x: xOf(v) }));
  }
  const ys = [...series.values()].flatMap((l) => l.pts.flatMap(({ s }) => {
    const m = s.metrics[metric]!;
    return m.ci95 ? [m.mean, m.ci95[0], m.ci95[1]] : [m.mean];
  }));
  let yLo = Math.min(...ys);
  let yHi = Math.max(...ys);
  if (SHARE_METRICS.includes(metric)) [yLo, yHi] = [0, 1];
  if (yLo === yHi) [yLo, yHi] = [yLo - Math.abs(yLo || 1) * 0.1, yHi + Math.abs(yHi || 1) * 0.1];
  const y = scaleLinear().domain([yLo, yHi]).range([innerH, 0]).nice();
  const parts: string[] = [];
  for (const t of y.ticks(6)) parts.push(`<g class="grid"><line x1="0" x2="${innerW}" y1="${f(y(t))}" y2="${f(y(t))}"/></g><text x="-8" y="${f(y(t))}" dy="0.32em" text-anchor="end">${esc(num(t))}</text>`);
  parts.push(`<g class="axis"><line x1="0" x2="${innerW}" y1="${innerH}" y2="${innerH}"/><line x1="0" x2="0" y1="0" y2="${innerH}"/></g>`);
  for (const t of ticks) parts.push(`<line x1="${f(t.x)}" x2="${f(t.x)}" y1="${innerH}" y2="${innerH + 5}" stroke="#888"/><text x="${f(t.x)}" y="${innerH + 18}" text-anchor="middle">${esc(t.v)}</text>`);
  parts.push(`<text x="${f(innerW / 2)}" y="${innerH + 38}" text-anchor="middle">${esc(axis.name)}</text>`);
  parts.push(`<text transform="translate(${-M.left + 14},${f(innerH / 2)}) rotate(-90)" text-anchor="middle">${esc(metric)}</text>`);
  let i = 0;
  for (const { label, pts } of series.values()) {
    const colour = PALETTE[i % PALETTE.length]!;
    // series side by side around each x, so error bars at the same x do not hide each other
    const dodge = (i - (series.size - 1) / 2) * Math.min(6, 24 / series.size);
    const sorted = [...pts].sort((a, b) => xOf(a.x) - xOf(b.x));
    const d = sorted.map((p, k) => `${k ? "L" : "M"}${f(xOf(p.x) + dodge)},${f(y(p.s.metrics[metric]!.mean))}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of sorted) {
      const m = p.s.metrics[metric]!;
      const cx = f(xOf(p.x) + dodge);
      if (m.ci95) {
        const [lo, hi] = [f(y(m.ci95[0])), f(y(m.ci95[1]))];
        const [l, r] = [f(xOf(p.x) + dodge - 3), f(xOf(p.x) + dodge + 3)];
        parts.push(`<path d="M${l},${lo}H${r}M${cx},${lo}V${hi}M${l},${hi}H${r}" fill="none" stroke="${colour}" stroke-width="1"/>`);
      }
      const tip = `${label === metric ? "" : `${label}, `}${axis.name}=${p.x}: mean ${num(m.mean)}${m.ci95 ? ` (95% CI ${num(m.ci95[0])} .. ${num(m.ci95[1])})` : ""}, median ${num(m.median)}, p90 ${num(m.p90)}, n ${m.n}`;
      parts.push(`<circle cx="${cx}" cy="${f(y(m.mean))}" r="3.5" fill="${colour}"><title>${esc(tip)}</title></circle>`);
    }
    if (legend) {
      const ly = 10 + i * 16;
      parts.push(`<g transform="translate(${innerW + 16},${ly})"><line x1="0" x2="16" y1="0" y2="0" stroke="${colour}" stroke-width="2"/><text x="22" y="0" dy="0.32em">${esc(label)}</text></g>`);
    }
    i++;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" role="img" aria-label="${esc(`${metric} vs ${axis.name}`)}"><g transform="translate(${M.left},${M.top})">${parts.join("")}</g></svg>`;
}

function metricTable(r: SweepResult, metric: string): string {
  const names = r.axes.map((a) => a.name);
  const head = [...names, "n", "mean", "median", "p90", "95% CI"].map((h) => `<th>${esc(h)}</th>`).join("");
  const rows = r.summary.map((s) => {
    const m = s.metrics[metric];
    const cells = [...names.map((n) => String(s.point[n])), String(m?.n ?? 0), num(m?.mean), num(m?.median), num(m?.p90), m?.ci95 ? `${num(m.ci95[0])} .. ${num(m.ci95[1])}` : "-"];
    return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
  });
  return `<table><tr>${head}</tr>${rows.join("")}</table>`;
}

function f(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
