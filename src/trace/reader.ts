import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseRecord, type TraceRecord } from "./record.js";

/** Streams the records of a JSONL trace file, one at a time (memory flat). */
export async function* readTrace(file: string): AsyncGenerator<TraceRecord> {
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") yield parseRecord(line);
}

/** Reads a whole (small) trace file into memory. */
export function readTraceSync(file: string): TraceRecord[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(parseRecord);
}
