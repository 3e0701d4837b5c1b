/**
 * Trace records in batches: the kernel's hot path writes a record as eight numbers into a
 * Float64Array instead of building a string, and `formatBatch` turns a whole batch into JSONL
 * later, either on the simulation's thread or on the trace writer thread (offload.ts). One
 * function does both, so the bytes, and trace_sha256, cannot depend on where they were made.
 *
 * A record's slots: [t, th, k, o, shape, a, b, c]. th, k and o (and a, b for string fields) are
 * string references: an id >= 0 into the table of interned JSON-quoted strings, or -2 - i for
 * the batch's i-th extra fragment (strings not worth interning, and pre-serialised details);
 * -1 means absent. The shapes are the details the kernel writes on every step:
 *   0 none                                   (no "d")
 *   1 raw: a is a ready JSON object           ,"d":<a>
 *   2 ns: a is a number                      ,"d":{"ns":a}            sleep, io, cpu
 *   3 wake: a reason, b by, c waited_ns      ,"d":{"reason":a,"by":b,"waited_ns":c}
 *   4 wait: a kind, b state (-1: none), c timeout_ns (< 0: none)
 * The output is byte-identical to formatRecord's for the same record (tested).
 */

export const SLOTS_PER_RECORD = 8;
export const SHAPE_NONE = 0;
export const SHAPE_RAW = 1;
export const SHAPE_NS = 2;
export const SHAPE_WAKE = 3;
export const SHAPE_WAIT = 4;
export const ABSENT = -1;

/** Where formatBatch writes: a byte buffer it grows (replacing `out`) when a batch needs more. */
export interface ByteSink {
  out: Uint8Array;
}

/**
 * Formats the first `n` records of `buf` as JSONL bytes into `sink.out` and returns how many
 * bytes it wrote. `strs` holds the trace's interned strings, JSON-quoted, by id (a formatter
 * belongs to one trace: it caches their bytes); `longestQuoted` is the length of the longest.
 * While `keep.length < keepLimit` each line is also pushed onto `keep` as a string (the records
 * kept in memory for the narrative).
 */
export type BatchFormatter = (
  buf: Float64Array,
  n: number,
  strs: readonly string[],
  longestQuoted: number,
  extras: readonly string[],
  sink: ByteSink,
  keep: string[] | null,
  keepLimit: number,
) => number;

/**
 * Makes a BatchFormatter for one trace. Most records differ from an earlier one only in their
 * numbers, so the bytes between the time and the detail's number ("th", "k", "o" and the
 * detail's strings) are cached as one template per combination of string ids and copied with
 * TypedArray.set: copying byte by byte in JavaScript, or building a string and encoding it,
 * costs twice as much (measured, docs/kernel.md). Self-contained on purpose: the trace writer
 * thread builds its formatter from this function's source text, so it may use nothing from
 * outside its own body but globals.
 */
export function makeBatchFormatter(): BatchFormatter {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const bytes = (s: string): Uint8Array => encoder.encode(s);
  const T = bytes('{"t":');
  const TH = bytes(',"th":');
  const K = bytes(',"k":');
  const O = bytes(',"o":');
  const D = bytes(',"d":');
  const END = bytes("}\n");
  const END2 = bytes("}}\n");
  const NS = bytes(',"d":{"ns":');
  const REASON = bytes(',"d":{"reason":');
  const BY = bytes(',"by":');
  const WAITED = bytes(',"waited_ns":');
  const KIND = bytes(',"d":{"kind":');
  const STATE = bytes(',"state":');
  const TIMEOUT = bytes(',"timeout_ns":');
  const NULL = bytes("null");
  /** "00" to "99": integers are written two digits per division */
  const PAIRS = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    PAIRS[2 * i] = 48 + ((i / 10) | 0);
    PAIRS[2 * i + 1] = 48 + (i % 10);
  }
  /** the UTF-8 bytes of interned strings, by id */
  const strBytes: Uint8Array[] = [];
  // templates, by open addressing on the six ids (th, k, o, shape, a, b); -2 marks a free slot
  const SLOTS = 4096;
  const keys = new Int32Array(SLOTS * 6).fill(-2);
  const templates: Uint8Array[] = [];
  let cached = 0;

  function put(out: Uint8Array, pos: number, b: Uint8Array): number {
    const n = b.length;
    if (n > 16) out.set(b, pos); // a call into C++ pays off only beyond a few bytes
    else for (let j = 0; j < n; j++) out[pos + j] = b[j]!;
    return pos + n;
  }
  function ascii(out: Uint8Array, pos: number, s: string): number {
    for (let j = 0; j < s.length; j++) out[pos++] = s.charCodeAt(j);
    return pos;
  }
  /** a number exactly as String(v) writes it; safe integers (times, durations) by hand */
  function raw(out: Uint8Array, pos: number, v: number): number {
    if (!Number.isInteger(v) || v > 9007199254740991 || v < -9007199254740991) return ascii(out, pos, String(v));
    if (v < 0) {
      out[pos++] = 45;
      v = -v;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    const end = pos + digits;
    let j = end;
    while (v >= 4294967296) {
      const q = Math.floor(v / 100);
      const r = v - q * 100;
      out[--j] = PAIRS[2 * r + 1]!;
      out[--j] = PAIRS[2 * r]!;
      v = q;
    }
    v = v >>> 0;
    while (v >= 100) {
      const q = (v / 100) >>> 0;
      const r = v - q * 100;
      out[--j] = PAIRS[2 * r + 1]!;
      out[--j] = PAIRS[2 * r]!;
      v = q;
    }
    if (v >= 10) {
      out[--j] = PAIRS[2 * v + 1]!;
      out[--j] = PAIRS[2 * v]!;
    } else out[--j] = 48 + v;
    return end;
  }
  function num(out: Uint8Array, pos: number, v: number): number {
    return Number.isFinite(v) ? raw(out, pos, v) : put(out, pos, NULL);
  }
  function str(out: Uint8Array, pos: number, x: number, strs: readonly string[], extras: readonly string[]): number {
    if (x >= 0) return put(out, pos, strBytes[x] ?? (strBytes[x] = bytes(strs[x]!)));
    return pos + encoder.encodeInto(extras[-x - 2]!, out.subarray(pos)).written;
  }
  /** the most bytes an inline string can take */
  function inlineRoom(x: number, extras: readonly string[]): number {
    return x < -1 ? extras[-x - 2]!.length * 3 : 0;
  }
  function grow(out: Uint8Array, pos: number, more: number): Uint8Array {
    if (pos + more <= out.length) return out;
    const bigger = new Uint8Array(Math.max(out.length * 2, pos + more));
    bigger.set(out.subarray(0, pos));
    return bigger;
  }
  /**
   * Writes the middle of a record: from ,"th": up to the detail's first number (or to the end
   * of the line when the detail has no number). `a`, `b` are string references or -1.
   */
  function middle(out: Uint8Array, pos: number, th: number, k: number, o: number, shape: number, a: number, b: number, strs: readonly string[], extras: readonly string[]): number {
    pos = put(out, pos, TH);
    pos = str(out, pos, th, strs, extras);
    pos = put(out, pos, K);
    pos = str(out, pos, k, strs, extras);
    if (o !== -1) {
      pos = put(out, pos, O);
      pos = str(out, pos, o, strs, extras);
    }
    if (shape === 0) return put(out, pos, END);
    if (shape === 1) return put(out, str(out, put(out, pos, D), a, strs, extras), END);
    if (shape === 2) return put(out, pos, NS);
    if (shape === 3) {
      pos = str(out, put(out, pos, REASON), a, strs, extras);
      return put(out, str(out, put(out, pos, BY), b, strs, extras), WAITED);
    }
    pos = str(out, put(out, pos, KIND), a, strs, extras);
    return b === -1 ? pos : str(out, put(out, pos, STATE), b, strs, extras);
  }
  /** The home slot of a template in the open-addressing table. */
  function slotOf(th: number, k: number, o: number, shape: number, a: number, b: number): number {
    const h = Math.imul(th, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b) ^ Math.imul(o + 2, 0xc2b2ae35) ^ Math.imul(a + 3, 0x27d4eb2f) ^ Math.imul(b + 4, 0x165667b1) ^ shape;
    return (h ^ (h >>> 15)) & (SLOTS - 1);
  }
  /** The cached middle for these ids, probed from its home slot, made on first use; null when the table is full. */
  function template(home: number, th: number, k: number, o: number, shape: number, a: number, b: number, strs: readonly string[], room: number): Uint8Array | null {
    let h = home;
    for (;;) {
      const x = h * 6;
      if (keys[x] === -2) break;
      if (keys[x] === th && keys[x + 1] === k && keys[x + 2] === o && keys[x + 3] === shape && keys[x + 4] === a && keys[x + 5] === b) return templates[h]!;
      h = (h + 1) & (SLOTS - 1);
    }
    if (cached >= SLOTS / 2) return null;
    const scratch = new Uint8Array(room);
    const t = scratch.slice(0, middle(scratch, 0, th, k, o, shape, a, b, strs, []));
    const x = h * 6;
    keys[x] = th;
    keys[x + 1] = k;
    keys[x + 2] = o;
    keys[x + 3] = shape;
    keys[x + 4] = a;
    keys[x + 5] = b;
    templates[h] = t;
    cached++;
    return t;
  }

  return function formatBatch(buf, n, strs, longestQuoted, extras, sink, keep, keepLimit) {
    const hasInline = extras.length > 0;
    // a record's bytes but its inline strings: fixed text and numbers, and up to five interned
    // strings of at most 3 UTF-8 bytes per UTF-16 unit
    const room = 1024 + 15 * longestQuoted;
    let out = sink.out;
    let pos = 0;
    for (let r = 0, i = 0; r < n; r++, i += 8) {
      const th = buf[i + 1]!;
      const k = buf[i + 2]!;
      const o = buf[i + 3]!;
      const shape = buf[i + 4]!;
      // the detail's string references (its numbers are written after the middle)
      const a = shape === 0 || shape === 2 ? -1 : buf[i + 5]!;
      const b = shape === 3 || shape === 4 ? buf[i + 6]! : -1;
      let inline = false;
      if (pos + room > out.length || hasInline) {
        const more = inlineRoom(th, extras) + inlineRoom(k, extras) + inlineRoom(o, extras) + inlineRoom(a, extras) + inlineRoom(b, extras);
        inline = more > 0;
        out = grow(out, pos, room + more);
      }
      const start = pos;
      pos = put(out, pos, T);
      pos = raw(out, pos, buf[i]!);
      // the template's home slot holds it nearly always: check there before the full lookup
      let t: Uint8Array | null = null;
      if (!inline) {
        const home = slotOf(th, k, o, shape, a, b);
        const x = home * 6;
        t = keys[x] === th && keys[x + 1] === k && keys[x + 2] === o && keys[x + 3] === shape && keys[x + 4] === a && keys[x + 5] === b ? templates[home]! : template(home, th, k, o, shape, a, b, strs, room);
      }
      pos = t !== null ? put(out, pos, t) : middle(out, pos, th, k, o, shape, a, b, strs, extras);
      if (shape === 2) pos = put(out, num(out, pos, buf[i + 5]!), END2);
      else if (shape === 3) pos = put(out, num(out, pos, buf[i + 7]!), END2);
      else if (shape === 4) {
        const c = buf[i + 7]!;
        if (c >= 0) pos = num(out, put(out, pos, TIMEOUT), c);
        pos = put(out, pos, END2);
      }
      if (keep !== null && keep.length < keepLimit) keep.push(decoder.decode(out.subarray(start, pos)));
    }
    sink.out = out;
    return pos;
  };
}
