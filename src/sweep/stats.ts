/**
 * The sweep summary: per grid point and metric, n, mean, median, p90 and a 95% confidence
 * interval of the mean over seeds; per point, the share of runs per outcome.
 *
 * - median and p90: linear interpolation between order statistics (numpy's default, "type 7").
 * - 95% CI of the mean: mean ± t(0.975, n-1) · s / √n, with s the sample standard deviation and t
 *   the Student t quantile (@stdlib/stats-base-dists-t-quantile). It
 *   assumes the per-seed values are independent, which they are (one seed per run), and roughly
 *   normal means, which holds for moderate n. n = 1 gives no interval (null).
 * - `p_<outcome>` (p_hang, p_deadlock, ...) and `p_failed` (an expectation failed) are shares of
 *   runs; their interval is the Wilson score interval (z = 1.96), which stays inside [0, 1] and is
 *   not degenerate when every run hangs or none does.
 */
import studentTQuantile from "@stdlib/stats-base-dists-t-quantile";
import { OUTCOMES, type Outcome, type RunRecord } from "./execute.js";

export interface MetricSummary {
  n: number;
  mean: number;
  median: number;
  p90: number;
  /** 95% confidence interval of the mean; null with fewer than 2 values */
  ci95: [number, number] | null;
}

export interface PointSummary {
  point: Record<string, string | number>;
  n: number;
  outcomes: Record<Outcome, number>;
  metrics: Record<string, MetricSummary>;
}

/** Metrics derived from outcomes rather than reported by a run. */
export const SHARE_METRICS = [...OUTCOMES.map((o) => `p_${o}`), "p_failed"];

export function summarisePoint(point: Record<string, string | number>, records: readonly RunRecord[], metrics: readonly string[] | null): PointSummary {
  const n = records.length;
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, n ? records.filter((r) => r.outcome === o).length / n : 0])) as Record<Outcome, number>;
  const names = metrics ?? [...new Set(records.flatMap((r) => Object.keys(r.metrics))), "p_hang"];
  const out: Record<string, MetricSummary> = {};
  for (const m of names) {
    if (SHARE_METRICS.includes(m)) {
      const k = records.filter((r) => (m === "p_failed" ? !r.ok : `p_${r.outcome}` === m)).length;
      out[m] = shareSummary(k, n);
      continue;
    }
    const values = records.map((r) => r.metrics[m]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (values.length) out[m] = describe(values);
  }
  return { point, n, outcomes, metrics: out };
}

export function describe(values: readonly number[]): MetricSummary {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let ci95: [number, number] | null = null;
  if (n >= 2) {
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
    const half = tQuantile(0.975, n - 1) * Math.sqrt(variance / n);
    ci95 = [mean - half, mean + half];
  }
  return { n, mean, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), ci95 };
}

function shareSummary(k: number, n: number): MetricSummary {
  const p = n ? k / n : 0;
  const zero = Array.from({ length: n }, (_, i) => (i < n - k ? 0 : 1));
  return { n, mean: p, median: quantile(zero, 0.5), p90: quantile(zero, 0.9), ci95: n ? wilson(k, n) : null };
}

/** Linear interpolation between order statistics of sorted values (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Wilson score interval for k successes in n trials, 95%. */
export function wilson(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/**
 * The p-quantile of Student's t distribution with df degrees of freedom (0.5 < p < 1), from
 * @stdlib (it replaced a hand-written inverse of the regularized incomplete beta function: the
 * same values to 3e-13, 4x faster; see the closing note of issue 21).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile(${p}, ${df})`);
  return studentTQuantile(p, df);
}

/** Four significant digits, no exponent for ordinary magnitudes. */
export function num(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  if (x === 0) return "0";
  const ax = Math.abs(x);
  if (ax >= 1000) return x.toFixed(0);
  if (ax >= 1e-3) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}
