import { closeSync, createReadStream, openSync, readFileSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip, gunzipSync } from "node:zlib";
import { parseRecord, type TraceRecord } from "./record.js";

/** Whether a file starts with gzip's magic bytes (a trace written as FILE.jsonl.gz). */
export function isGzip(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Streams the records of a JSONL trace file, plain or gzip-compressed, one at a time (memory flat). */
export async function* readTrace(file: string): AsyncGenerator<TraceRecord> {
  const raw = createReadStream(file);
  const input = isGzip(file) ? raw.pipe(createGunzip()) : raw;
  input.setEncoding("utf8");
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") yield parseRecord(line);
}

/** Reads a whole (small) trace file into memory. */
export function readTraceSync(file: string): TraceRecord[] {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes)
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(parseRecord);
}
