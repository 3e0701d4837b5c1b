import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { formatRecord, parseRecord, type TraceRecord } from "./record.js";

/**
 * Where trace records go. The kernel calls `enabled` before building a record, so a run with
 * tracing off pays nothing for it.
 */
export interface TraceSink {
  readonly enabled: boolean;
  emit(t: number, th: string, k: string, o?: string, d?: unknown): void;
}

/** Tracing off: no formatting, no hashing. */
export const NO_TRACE: TraceSink = { enabled: false, emit() {} };

export interface StreamingTraceOptions {
  /** write the JSONL trace here (via a temporary file renamed on close) */
  file?: string;
  /** keep up to this many records in memory for the narrative and renderers (default 0) */
  keep?: number;
}

const FLUSH_BYTES = 1 << 16;

/**
 * Formats every record, hashes the bytes (trace_sha256) and optionally streams them to a file
 * in 64 KiB chunks, so memory stays flat however long the run. Optionally keeps the first
 * `keep` records in memory.
 */
export class StreamingTrace implements TraceSink {
  readonly enabled = true;
  /** kept lines, parsed only when `records` is read (most runs never read them) */
  private readonly lines: string[] = [];
  private parsed: TraceRecord[] | null = null;
  /** records dropped from memory because `keep` was reached */
  dropped = 0;
  count = 0;
  private readonly hash: Hash = createHash("sha256");
  private readonly keep: number;
  private fd: number | null = null;
  /** formatted lines not yet hashed (and written): hashing and writing a chunk at a time is far cheaper */
  private pending = "";
  private readonly file?: string;
  private readonly tmp?: string;
  private digest?: string;

  constructor(opts: StreamingTraceOptions = {}) {
    this.keep = opts.keep ?? 0;
    if (opts.file) {
      this.file = opts.file;
      this.tmp = `${opts.file}.tmp-${process.pid}`;
      this.fd = openSync(this.tmp, "w");
    }
  }

  emit(t: number, th: string, k: string, o?: string, d?: unknown): void {
    const line = formatRecord(t, th, k, o, d);
    this.count++;
    if (this.lines.length < this.keep) this.lines.push(line);
    else if (this.keep > 0) this.dropped++;
    this.pending += line;
    if (this.pending.length >= FLUSH_BYTES) this.flush();
  }

  /** The kept records (the first `keep` of the run). */
  get records(): TraceRecord[] {
    if (this.parsed === null || this.parsed.length !== this.lines.length) this.parsed = this.lines.map(parseRecord);
    return this.parsed;
  }

  /** Finishes the hash and, with a file, renames the temporary file into place. */
  close(): string {
    if (this.digest !== undefined) return this.digest;
    this.flush();
    this.digest = this.hash.digest("hex");
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.tmp!, this.file!);
    }
    return this.digest;
  }

  /** Abandons a file being written (bad input or a crash): no half-written output is left. */
  abort(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      try {
        unlinkSync(this.tmp!);
      } catch {
        /* already gone */
      }
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending, "utf8");
    this.pending = "";
    this.hash.update(chunk);
    if (this.fd !== null) writeSync(this.fd, chunk);
  }
}
