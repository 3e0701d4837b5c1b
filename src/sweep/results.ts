/**
 * Results files: JSONL (one record per line) or CSV (a header, then one row per run). Records are
 * appended whole, one write per line, so a killed sweep leaves every finished run readable; at
 * most the last line is cut short, and reading (resume, merge) drops it.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { extname } from "node:path";
import { OUTCOMES, type Outcome, type RunRecord } from "./execute.js";
import { SweepInputError } from "./grid.js";

export type Format = "jsonl" | "csv";

export function formatOf(file: string): Format {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new SweepInputError(`${file}: results files end in .jsonl (one JSON object per run) or .csv`);
}

/** The identity of a run: its point and seed. */
export function recordKey(r: Pick<RunRecord, "point" | "seed">): string {
  return `${Object.entries(r.point)
    .map(([n, v]) => `${n}=${v}`)
    .sort()
    .join(";")}#${r.seed}`;
}

// ---- JSONL

/** A record as one JSON line, keys in a fixed order (so equal runs give equal bytes). */
export function jsonLine(r: RunRecord): string {
  const o: Record<string, unknown> = {
    point: r.point,
    seed_index: r.seed_index,
    seed: r.seed,
    run: r.run,
    runs: r.runs,
    outcome: r.outcome,
    ok: r.ok,
    virtual_time_ns: r.virtual_time_ns,
    metrics: r.metrics,
  };
  if (r.message !== undefined) o.message = r.message;
  return `${JSON.stringify(o)}\n`;
}

function parseJsonRecord(line: string): RunRecord | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!o || typeof o !== "object") return null;
  const r = o as RunRecord;
  if (typeof r.point !== "object" || typeof r.seed !== "number" || typeof r.seed_index !== "number" || typeof r.run !== "number" || !OUTCOMES.includes(r.outcome)) return null;
  return r;
}

// ---- CSV

const FIXED = ["seed_index", "seed", "run", "runs", "outcome", "ok", "virtual_time_ns"] as const;
/** how many columns a CSV header has between the axes and the metrics */
export const CSV_FIXED_COLUMNS = FIXED.length;

export function csvHeader(axes: readonly string[], metrics: readonly string[]): string[] {
  return [...axes, ...FIXED, ...metrics, "message"];
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(",")}\n`;
}

export function csvRow(header: readonly string[], r: RunRecord): string {
  const fixed: Record<string, string> = {
    seed_index: String(r.seed_index),
    seed: String(r.seed),
    run: String(r.run),
    runs: String(r.runs),
    outcome: r.outcome,
    ok: r.ok ? "true" : "false",
    virtual_time_ns: String(r.virtual_time_ns),
    message: r.message ?? "",
  };
  const split = header.indexOf("seed_index");
  return csvLine(header.map((h, i) => (i < split ? String(r.point[h] ?? "") : h in fixed ? fixed[h]! : r.metrics[h] !== undefined ? String(r.metrics[h]) : "")));
}

/** One CSV line into its cells; null if the quoting is broken (a cut-short line). */
export function parseCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else v += line[i++];
      }
      cells.push(v);
    } else {
      const j = line.indexOf(",", i);
      cells.push(j < 0 ? line.slice(i) : line.slice(i, j));
      i = j < 0 ? line.length : j;
    }
    if (i >= line.length) return cells;
    if (line[i] !== ",") return null;
    i++;
  }
}

function csvRecord(header: readonly string[], cells: readonly string[]): RunRecord | null {
  if (cells.length !== header.length) return null;
  const split = header.indexOf("seed_index");
  const at = (name: string): string => cells[header.indexOf(name)]!;
  const num = (s: string): number => (s.trim() === "" ? NaN : Number(s));
  const point: Record<string, string | number> = {};
  for (let i = 0; i < split; i++) {
    const v = cells[i]!;
    point[header[i]!] = /^-?(0|[1-9]\d*)(\.\d+)?$/.test(v) && String(Number(v)) === v ? Number(v) : v;
  }
  const metrics: Record<string, number> = {};
  const firstMetric = header.indexOf("virtual_time_ns") + 1;
  for (let i = firstMetric; i < header.length - 1; i++) if (cells[i] !== "") metrics[header[i]!] = Number(cells[i]);
  const outcome = at("outcome") as Outcome;
  const r: RunRecord = {
    point,
    seed_index: num(at("seed_index")),
    seed: num(at("seed")),
    run: num(at("run")),
    runs: num(at("runs")),
    outcome,
    ok: at("ok") === "true",
    virtual_time_ns: num(at("virtual_time_ns")),
    metrics,
  };
  if (at("message") !== "") r.message = at("message");
  if (!OUTCOMES.includes(outcome) || [r.seed_index, r.seed, r.run, r.runs].some((n) => !Number.isInteger(n))) return null;
  return r;
}

// ---- reading

export interface ResultsContent {
  format: Format;
  /** CSV only: the header's columns */
  header: string[] | null;
  records: RunRecord[];
  /** bytes that hold whole records (and the header); anything after is a cut-short last line */
  validBytes: number;
  /** whether a cut-short last line was found */
  torn: boolean;
}

/** Reads a results file, tolerating a cut-short last line (a killed sweep); any other bad line is an error. */
export function readResults(file: string): ResultsContent {
  const format = formatOf(file);
  const buf = readFileSync(file);
  const text = buf.toString("utf8");
  const lastNl = text.lastIndexOf("\n");
  const complete = lastNl < 0 ? "" : text.slice(0, lastNl + 1);
  const torn = complete.length < text.length;
  const lines = complete.split("\n").slice(0, -1);
  const records: RunRecord[] = [];
  let header: string[] | null = null;
  lines.forEach((line, i) => {
    if (format === "csv" && i === 0) {
      header = parseCsvLine(line);
      if (!header || !header.includes("seed_index") || !header.includes("virtual_time_ns") || header[header.length - 1] !== "message") {
        throw new SweepInputError(`${file}:1: not a mysqlsim sweep CSV header (expected axes, ${FIXED.join(", ")}, metrics, message)`);
      }
      return;
    }
    if (line.trim() === "") return;
    const r = format === "csv" ? (() => {
      const cells = parseCsvLine(line);
      return cells ? csvRecord(header!, cells) : null;
    })() : parseJsonRecord(line);
    if (!r) throw new SweepInputError(`${file}:${i + 1}: not a sweep record; expected ${format === "csv" ? "a CSV row matching the header" : "one JSON object per line with point, seed, run, outcome, metrics"}`);
    records.push(r);
  });
  return { format, header, records, validBytes: Buffer.byteLength(complete), torn };
}

// ---- appending

/** An open results file that whole records are appended to. */
export class ResultsWriter {
  private fd: number;

  private constructor(
    readonly file: string,
    readonly format: Format,
    readonly header: string[] | null,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens a results file for appending. An existing file is kept (resume): a cut-short last line
   * is cut off first. A new (or empty) CSV file gets `header()` as its first line.
   */
  static open(file: string, existing: ResultsContent | null, header: () => string[]): ResultsWriter {
    const format = formatOf(file);
    if (existsSync(file) && !existing) throw new Error(`${file} exists: read it (readResults) before appending, or it would be truncated`);
    takeLock(file);
    try {
      const fd = openSync(file, existsSync(file) ? "r+" : "w");
      try {
        ftruncateSync(fd, existing?.validBytes ?? 0);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      releaseLock(file);
      throw e;
    }
    let afd = -1;
    try {
      afd = openSync(file, "a");
      let hdr = existing?.header ?? null;
      if (format === "csv" && !hdr) {
        hdr = header();
        writeAll(afd, csvLine(hdr));
      }
      return new ResultsWriter(file, format, hdr, afd);
    } catch (e) {
      if (afd >= 0) closeSync(afd);
      releaseLock(file);
      throw e;
    }
  }

  append(r: RunRecord): void {
    writeAll(this.fd, this.format === "csv" ? csvRow(this.header!, r) : jsonLine(r));
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    releaseLock(this.file);
  }
}

/** One whole record per write call; loops in the (rare) case of a short write. */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * `FILE.lock` (holding the pid) while a sweep appends to FILE: two sweeps writing one results file
 * would interleave records. A lock left by a process that is gone is taken over.
 */
function takeLock(file: string): void {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new SweepInputError(`${file}: another sweep (pid ${pid}) is writing it; wait for it, or remove ${lock} if that is wrong`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new SweepInputError(`${file}: cannot take ${lock}`);
}

function releaseLock(file: string): void {
  rmSync(`${file}.lock`, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** All records of a set of records as a whole file in the given format (merge). */
export function formatResults(format: Format, axes: readonly string[], records: readonly RunRecord[], metricColumns: readonly string[]): string {
  if (format === "jsonl") return records.map(jsonLine).join("");
  const header = csvHeader(axes, metricColumns);
  return csvLine(header) + records.map((r) => csvRow(header, r)).join("");
}
