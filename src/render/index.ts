/**
 * Renderers: trace records in, one picture or text out. They read trace records only
 * (docs/trace-format.md) and ignore kinds they do not know.
 *
 *   renderTrace(records: Iterable<TraceRecord>, format: RenderFormat | string, opts?: RenderOptions): string
 *   renderTraceStream(records: AsyncIterable<TraceRecord> | Iterable<TraceRecord>, format, opts?): Promise<string>
 *
 * format:
 *   "text"     the narrative (src/render/narrative.ts), verbose
 *   "svg"      timeline, one lane per thread (src/render/svg.ts)
 *   "chrome"   Chrome trace event JSON for Perfetto / chrome://tracing (src/render/chrome.ts)
 *   "mermaid"  Mermaid sequenceDiagram of a small run (src/render/mermaid.ts)
 *   "html"     self-contained report: timeline, step-through, processlist, metadata_locks,
 *              wait-for graph, narrative (src/render/html.ts)
 * opts: RenderOptions, the union of each format's options (width, maxSpansPerLayer, maxSteps,
 * maxMessages ...); a format ignores the ones that are not its own. An unknown format throws.
 *
 * Every renderer except "text" is an incremental consumer (push one record, finish once) with
 * memory bounded by its options, so `renderTraceStream(readTrace(file), "svg")` draws a long
 * trace without holding it. Output is deterministic: same records and options, same bytes.
 */
import type { TraceRecord } from "../trace/record.js";
import { ChromeTraceRenderer } from "./chrome.js";
import { HtmlRenderer, type HtmlOptions } from "./html.js";
import { MermaidRenderer, type MermaidOptions } from "./mermaid.js";
import { narrative } from "./narrative.js";
import { SvgRenderer, type SvgOptions } from "./svg.js";

export const RENDER_FORMATS = ["text", "svg", "chrome", "mermaid", "html"] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export type RenderOptions = SvgOptions & MermaidOptions & HtmlOptions;

/** What every incremental renderer is. */
export interface TraceRenderer {
  push(r: TraceRecord): void;
  finish(): string;
}

/** An incremental renderer for a format. */
export function createRenderer(format: RenderFormat | string, opts: RenderOptions = {}): TraceRenderer {
  switch (format) {
    case "text": {
      // The narrative reads the whole run (it is for people, and capped by maxLines there).
      const kept: TraceRecord[] = [];
      return { push: (r) => void kept.push(r), finish: () => narrative(kept, { verbose: true }).join("\n") + "\n" };
    }
    case "svg":
      return new SvgRenderer(opts);
    case "chrome":
      return new ChromeTraceRenderer();
    case "mermaid":
      return new MermaidRenderer(opts);
    case "html":
      return new HtmlRenderer(opts);
    default:
      throw new Error(`unknown render format "${format}"; expected one of ${RENDER_FORMATS.join(", ")}`);
  }
}

/** Renders trace records (in memory, or any iterable) in one of the output formats. */
export function renderTrace(records: Iterable<TraceRecord>, format: RenderFormat | string, opts: RenderOptions = {}): string {
  const r = createRenderer(format, opts);
  for (const rec of records) r.push(rec);
  return r.finish();
}

/** Renders records as they stream in (e.g. from `readTrace(file)`), one at a time. */
export async function renderTraceStream(records: AsyncIterable<TraceRecord> | Iterable<TraceRecord>, format: RenderFormat | string, opts: RenderOptions = {}): Promise<string> {
  const r = createRenderer(format, opts);
  for await (const rec of records) r.push(rec);
  return r.finish();
}

export { narrative } from "./narrative.js";
export { renderSvg, renderWaitForGraph } from "./svg.js";
export { renderChromeTrace } from "./chrome.js";
export { renderMermaid } from "./mermaid.js";
export { renderHtml, momentAt, type ProcesslistRow, type MetadataLockRow } from "./html.js";
export { buildTimeline, TimelineBuilder, type Timeline } from "./timeline.js";
