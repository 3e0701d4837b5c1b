/**
 * The sweep summary: per grid point and metric, n, mean, median, p90 and a 95% confidence
 * interval of the mean over seeds; per point, the share of runs per outcome.
 *
 * - median and p90: linear interpolation between order statistics (numpy's default, "type 7").
 * - 95% CI of the mean: mean ± t(0.975, n-1) · s / √n, with s the sample standard deviation and t
 *   the Student t quantile (computed here from the regularized incomplete beta function). It
 *   assumes the per-seed values are independent, which they are (one seed per run), and roughly
 *   normal means, which holds for moderate n. n = 1 gives no interval (null).
 * - `p_<outcome>` (p_hang, p_deadlock, ...) and `p_failed` (an expectation failed) are shares of
 *   runs; their interval is the Wilson score interval (z = 1.96), which stays inside [0, 1] and is
 *   not degenerate when every run hangs or none does.
 */
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

/** The p-quantile of Student's t distribution with df degrees of freedom (0.5 < p < 1). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile(${p}, ${df})`);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T <= t) for t >= 0. */
function tCdf(t: number, df: number): number {
  return 1 - 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The regularized incomplete beta function I_x(a, b) (continued fraction, modified Lentz). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    let num: number;
    if (i === 0) num = 1;
    else if (i % 2 === 0) num = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    else num = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-15) break;
  }
  return (front * (f - 1)) / a;
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9). */
function logGamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
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
