/**
 * `mysqlsim merge OUT SHARD...`: joins the results files of the shards of one sweep and checks that
 * every run of the grid is there exactly once. Each record carries its index in the full run list
 * (`run`) and the list's length (`runs`), so a missing shard is found even when whole points or
 * seeds are missing from every file.
 */
import type { RunRecord } from "./execute.js";
import { SweepInputError } from "./grid.js";
import { formatOf, formatResults, readResults, recordKey } from "./results.js";

export interface MergeResult {
  out: string;
  records: number;
  files: { file: string; records: number; torn: boolean }[];
  text: string;
}

/** Reads, checks and joins shard files; returns the merged file's content (the caller writes it). */
export function mergeResults(out: string, files: readonly string[]): MergeResult {
  const format = formatOf(out);
  if (files.length === 0) throw new SweepInputError("merge: name the shard results files to join");
  const all: { rec: RunRecord; file: string }[] = [];
  const metricColumns: string[] = [];
  const info: MergeResult["files"] = [];
  for (const f of files) {
    let content;
    try {
      content = readResults(f);
    } catch (e) {
      if (e instanceof SweepInputError) throw e;
      throw new SweepInputError(`${f}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    info.push({ file: f, records: content.records.length, torn: content.torn });
    const cols = content.header ? content.header.slice(content.header.indexOf("virtual_time_ns") + 1, -1) : content.records.flatMap((r) => Object.keys(r.metrics));
    for (const c of cols) if (!metricColumns.includes(c)) metricColumns.push(c);
    for (const rec of content.records) all.push({ rec, file: f });
  }
  if (all.length === 0) throw new SweepInputError(`merge: no records in ${files.join(", ")}`);

  const axes = Object.keys(all[0]!.rec.point);
  const axesKey = [...axes].sort().join(", ");
  const total = all[0]!.rec.runs;
  const problems: string[] = [];
  const byRun = new Map<number, { rec: RunRecord; file: string }>();
  const byKey = new Map<string, string>();
  for (const x of all) {
    const { rec, file } = x;
    const where = `${file}: run ${rec.run} (${describeRun(rec)})`;
    if (Object.keys(rec.point).sort().join(", ") !== axesKey) problems.push(`${where} sweeps other axes than (${axesKey}): not a shard of the same sweep`);
    else if (rec.runs !== total) problems.push(`${where} belongs to a grid of ${rec.runs} runs, the others to ${total}: not a shard of the same sweep`);
    else if (!(rec.run >= 0 && rec.run < total)) problems.push(`${where}: run index outside 0..${total - 1}`);
    const k = recordKey(rec);
    const dupOf = byKey.get(k);
    if (dupOf !== undefined) problems.push(`duplicate: ${describeRun(rec)} is in ${dupOf} and ${file}`);
    else {
      byKey.set(k, file);
      const other = byRun.get(rec.run);
      if (other) problems.push(`duplicate: run ${rec.run} is ${describeRun(other.rec)} in ${other.file} and ${describeRun(rec)} in ${file}`);
      else byRun.set(rec.run, x);
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!byRun.has(i)) missing.push(i);
  if (missing.length) {
    problems.push(`missing: ${missing.length} of ${total} runs (run indices ${ranges(missing)}); a shard file is absent or unfinished: rerun that shard with the same --out (it resumes), then merge again`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 12);
    throw new SweepInputError(`merge: the files are not one complete sweep:\n  ${shown.join("\n  ")}${problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : ""}`);
  }
  const records = [...byRun.values()].map((x) => x.rec).sort((a, b) => a.run - b.run);
  return { out, records: records.length, files: info, text: formatResults(format, axes, records, metricColumns) };
}

function describeRun(r: RunRecord): string {
  const p = Object.entries(r.point).map(([n, v]) => `${n}=${v}`).join(" ");
  return `${p ? `${p} ` : ""}seed #${r.seed_index} (${r.seed})`;
}

/** 1,2,3,7,9,10 -> "1-3, 7, 9-10" (at most 20 ranges). */
function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.length > 20 ? `${out.slice(0, 20).join(", ")}, ...` : out.join(", ");
}
