import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { ABSENT, type BatchFormatter, type ByteSink, makeBatchFormatter, SHAPE_NONE, SHAPE_NS, SHAPE_RAW, SHAPE_WAIT, SHAPE_WAKE, SLOTS_PER_RECORD } from "./batch.js";
import { TraceWriterThread } from "./offload.js";
import { formatDetail, parseRecord, type TraceRecord } from "./record.js";

/**
 * Where trace records go. The kernel checks `enabled` before building a record, so a run with
 * tracing off pays nothing for it. The emitNs/emitWake/emitWait forms carry the details the
 * kernel writes on every step without building a detail object, and take the thread, the kind
 * and the waker as handles from `ref`, which the kernel keeps, so the hot path looks up no
 * strings.
 */
export interface TraceSink {
  readonly enabled: boolean;
  emit(t: number, th: string, k: string, o?: string, d?: unknown): void;
  /** a handle for a string that recurs on every step: a thread's name, a kind */
  ref(s: string): number;
  /** a record whose detail is {"ns": ns} (sleep, io, cpu) */
  emitNs(t: number, th: number, k: number, o: string | undefined, ns: number): void;
  /** a "wake" record: {"reason", "by", "waited_ns"} */
  emitWake(t: number, th: number, o: string | undefined, reason: string, by: number, waitedNs: number): void;
  /** a "wait" record: {"kind", "state" unless empty, "timeout_ns" unless negative} */
  emitWait(t: number, th: number, o: string, kind: string, state: string, timeoutNs: number): void;
}

/** Tracing off: no formatting, no hashing. */
export const NO_TRACE: TraceSink = { enabled: false, emit() {}, ref: () => -1, emitNs() {}, emitWake() {}, emitWait() {} };

export interface StreamingTraceOptions {
  /** write the JSONL trace here (via a temporary file renamed on close) */
  file?: string;
  /** keep up to this many records in memory for the narrative and renderers (default 0) */
  keep?: number;
  /**
   * Hand formatting, hashing and writing to a writer thread once this many bytes of trace have
   * been made and every kept record is in memory (default 4 MiB; Infinity: never). Short runs
   * never pay for starting the thread. The bytes are the same either way.
   */
  offloadAfterBytes?: number;
}

const RECORDS_PER_BATCH = 4096;
const DEFAULT_OFFLOAD_AFTER = 4 << 20;
/** Interned strings are thread names, kinds, objects; beyond this many, strings go inline. */
const MAX_INTERNED = 1 << 16;
/** Longer strings are written inline; interned ones size every record's room (batch.ts). */
const MAX_INTERNED_QUOTED = 256;

/**
 * Records every event, formats it as JSONL, hashes the bytes (trace_sha256) and optionally
 * streams them to a file, so memory stays flat however long the run. Optionally keeps the first
 * `keep` records in memory.
 *
 * Records are written as numbers into a batch (batch.ts) and formatted a batch at a time. For a
 * long run the batches go to a writer thread (offload.ts) that formats, hashes and writes while
 * the simulation goes on. Until then, formatted bytes are written at once but hashed only when
 * the run turns out short (close) or when the writer thread takes over (it hashes them first).
 */
export class StreamingTrace implements TraceSink {
  readonly enabled = true;
  count = 0;
  private readonly keep: number;
  private readonly offloadAfter: number;
  /** kept lines, parsed only when `records` is read (most runs never read them) */
  private readonly lines: string[] = [];
  private parsed: TraceRecord[] | null = null;

  private buf = new Float64Array(RECORDS_PER_BATCH * SLOTS_PER_RECORD);
  private n = 0;
  private extras: string[] = [];
  private readonly ids = new Map<string, number>();
  /** JSON-quoted interned strings, by id, and the length of the longest (it sizes a record's room) */
  private readonly strs: string[] = [];
  private longestQuoted = 0;
  private readonly refWake = this.ref("wake");
  private readonly refWait = this.ref("wait");
  /** this thread's formatter and its output buffer, made on first use */
  private format: BatchFormatter | null = null;
  private bytes: ByteSink | null = null;
  /** how many of `strs` the writer thread has */
  private strsSent = 0;

  /** formatted bytes not yet hashed, and whether hashing has started on this thread */
  private unhashed: Buffer[] = [];
  private unhashedBytes = 0;
  private hash: Hash | null = null;
  private writer: TraceWriterThread | null = null;

  private fd: number | null = null;
  private readonly file?: string;
  private readonly tmp?: string;
  private digest?: string;

  constructor(opts: StreamingTraceOptions = {}) {
    this.keep = opts.keep ?? 0;
    this.offloadAfter = opts.offloadAfterBytes ?? DEFAULT_OFFLOAD_AFTER;
    if (opts.file) {
      this.file = opts.file;
      this.tmp = `${opts.file}.tmp-${process.pid}`;
      this.fd = openSync(this.tmp, "w");
    }
  }

  /** records dropped from memory because `keep` was reached */
  get dropped(): number {
    return this.keep > 0 ? Math.max(0, this.count - this.keep) : 0;
  }

  emit(t: number, th: string, k: string, o?: string, d?: unknown): void {
    const i = this.start(t, th, k, o);
    if (d === undefined) this.buf[i + 4] = SHAPE_NONE;
    else {
      this.buf[i + 4] = SHAPE_RAW;
      this.buf[i + 5] = this.inline(formatDetail(d));
    }
    this.end();
  }

  /** Interned whatever its length or the table's size: the few strings the kernel keeps handles of. */
  ref(s: string): number {
    const id = this.ids.get(s);
    return id !== undefined ? id : this.add(s, JSON.stringify(s));
  }

  emitNs(t: number, th: number, k: number, o: string | undefined, ns: number): void {
    const i = this.startRef(t, th, k, o);
    this.buf[i + 4] = SHAPE_NS;
    this.buf[i + 5] = ns;
    this.end();
  }

  emitWake(t: number, th: number, o: string | undefined, reason: string, by: number, waitedNs: number): void {
    const i = this.startRef(t, th, this.refWake, o);
    const b = this.buf;
    b[i + 4] = SHAPE_WAKE;
    b[i + 5] = this.intern(reason);
    b[i + 6] = by;
    b[i + 7] = waitedNs;
    this.end();
  }

  emitWait(t: number, th: number, o: string, kind: string, state: string, timeoutNs: number): void {
    const i = this.startRef(t, th, this.refWait, o);
    const b = this.buf;
    b[i + 4] = SHAPE_WAIT;
    b[i + 5] = this.intern(kind);
    b[i + 6] = state ? this.intern(state) : ABSENT;
    b[i + 7] = timeoutNs;
    this.end();
  }

  /** The kept records (the first `keep` of the run). */
  get records(): TraceRecord[] {
    if (this.writer === null) this.formatHere();
    if (this.parsed === null || this.parsed.length !== this.lines.length) this.parsed = this.lines.map(parseRecord);
    return this.parsed;
  }

  /** Finishes the hash and, with a file, renames the temporary file into place. */
  close(): string {
    if (this.digest !== undefined) return this.digest;
    try {
      if (this.writer !== null) {
        this.sendBatch();
        this.digest = this.writer.close();
        this.writer = null;
      } else {
        this.formatHere(false);
        this.hashHere();
        this.digest = this.hash!.digest("hex");
      }
    } catch (e) {
      this.abort();
      throw e;
    }
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.tmp!, this.file!);
    }
    return this.digest;
  }

  /** Abandons a file being written (bad input or a crash): no half-written output is left. */
  abort(): void {
    if (this.writer !== null) {
      this.writer.abort();
      this.writer = null;
    }
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

  /** Fills the record's common slots and returns its index in the batch. */
  private start(t: number, th: string, k: string, o: string | undefined): number {
    return this.startRef(t, this.intern(th), this.intern(k), o);
  }

  private startRef(t: number, th: number, k: number, o: string | undefined): number {
    const i = this.n * SLOTS_PER_RECORD;
    const b = this.buf;
    b[i] = t;
    b[i + 1] = th;
    b[i + 2] = k;
    b[i + 3] = o === undefined || o === "" ? ABSENT : this.intern(o);
    return i;
  }

  private end(): void {
    this.count++;
    if (++this.n === RECORDS_PER_BATCH) {
      if (this.writer !== null) this.sendBatch();
      else this.formatHere();
    }
  }

  /** A string reference: an interned id, or an inline fragment of this batch. */
  private intern(s: string): number {
    const id = this.ids.get(s);
    if (id !== undefined) return id;
    const quoted = JSON.stringify(s);
    if (this.strs.length >= MAX_INTERNED || quoted.length > MAX_INTERNED_QUOTED) return this.inline(quoted);
    return this.add(s, quoted);
  }

  private add(s: string, quoted: string): number {
    this.ids.set(s, this.strs.length);
    this.strs.push(quoted);
    this.longestQuoted = Math.max(this.longestQuoted, quoted.length);
    return this.strs.length - 1;
  }

  /** A JSON fragment used once (a detail, a long or rare string). */
  private inline(json: string): number {
    this.extras.push(json);
    return -2 - (this.extras.length - 1);
  }

  /**
   * Formats the batch on this thread, writes it, and decides whether to hand over to a writer
   * thread (never at close: the run is over, and the bytes are hashed here).
   */
  private formatHere(mayHandOver = true): void {
    if (this.n === 0) return;
    this.format ??= makeBatchFormatter();
    this.bytes ??= { out: new Uint8Array(1 << 19) };
    const length = this.format(this.buf, this.n, this.strs, this.longestQuoted, this.extras, this.bytes, this.lines, this.keep);
    const chunk = this.bytes.out.subarray(0, length);
    this.n = 0;
    this.extras = [];
    if (this.fd !== null) writeSync(this.fd, chunk);
    if (this.hash !== null) {
      this.hash.update(chunk);
      return;
    }
    this.unhashed.push(Buffer.from(chunk)); // a copy: the byte buffer is reused
    this.unhashedBytes += chunk.length;
    if (!mayHandOver || this.lines.length < this.keep) return; // held back at most as long as records are kept
    if (!Number.isFinite(this.offloadAfter)) this.hashHere();
    else if (this.unhashedBytes >= this.offloadAfter) {
      this.writer = new TraceWriterThread(this.fd ?? -1);
      this.writer.hashPrefix(this.unhashed);
      this.unhashed = [];
      this.unhashedBytes = 0;
    }
  }

  /** Hashes the bytes made so far on this thread; from then on every chunk is hashed as made. */
  private hashHere(): void {
    this.hash ??= createHash("sha256");
    for (const c of this.unhashed) this.hash.update(c);
    this.unhashed = [];
    this.unhashedBytes = 0;
  }

  private sendBatch(): void {
    if (this.n === 0) return;
    const newStrs = this.strs.length > this.strsSent ? this.strs.slice(this.strsSent) : undefined;
    this.strsSent = this.strs.length;
    this.writer!.postBatch(this.buf, this.n, this.extras, newStrs, this.longestQuoted);
    this.buf = this.writer!.recycled() ?? new Float64Array(RECORDS_PER_BATCH * SLOTS_PER_RECORD);
    this.n = 0;
    this.extras = [];
  }
}
