/** CPUQuota as systemd writes it: "100%" (of one CPU), or a number of percent; null if it is neither. */
export function quotaPercentOrNull(q: string | number): number | null {
  if (typeof q === "number") return Number.isFinite(q) ? q : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(q);
  return m ? Number(m[1]) : null;
}
