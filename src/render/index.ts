import type { TraceRecord } from "../trace/record.js";
import { narrative } from "./narrative.js";

/** Renders trace records in one of the output formats. */
export function renderTrace(records: TraceRecord[], format: string): string {
  switch (format) {
    case "text":
      return narrative(records, { verbose: true }).join("\n") + "\n";
    default:
      throw new Error(`format ${format} is not available yet`);
  }
}
