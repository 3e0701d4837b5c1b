// Long, wide runs: 64 threads of many events render within a size bound because spans below a
// pixel are merged, memory stays bounded while streaming, and streaming gives the same bytes.
import { describe, expect, it } from "vitest";
import { createRenderer, renderTrace, renderTraceStream } from "../../src/render/index.js";
import { TimelineBuilder } from "../../src/render/timeline.js";
import type { TraceRecord } from "../../src/trace/record.js";
import { manyThreadsTrace } from "./fixtures.js";

async function* asAsync<T>(it: Iterable<T>): AsyncGenerator<T> {
  for (const x of it) yield x;
}

describe("64 threads x many events", () => {
  it("the SVG stays under a size bound, with aggregates and lane height adapted", () => {
    // 64 threads x 1500 iterations over 60 s: ~770k records, 96k statements
    const r = createRenderer("svg");
    let n = 0;
    for (const rec of manyThreadsTrace(64, 1500, 60)) {
      r.push(rec);
      n++;
    }
    const svg = r.finish();
    expect(n).toBeGreaterThan(750_000);
    expect(svg.length).toBeLessThan(500_000);
    expect(svg).toContain(`data-lanes="64"`);
    expect(svg).toMatch(/spans merged over /);
    expect((svg.match(/<rect /g) ?? []).length).toBeLessThan(64 * 3 * 50);
    expect(svg).toMatch(/not drawn: \d+ wake-up arrows/);
    expect(Number(/height="([\d.]+)"/.exec(svg)![1])).toBeLessThan(900);
  });

  it("the span builder keeps at most its budget per layer while streaming", () => {
    const b = new TimelineBuilder({ maxSpansPerLayer: 500, maxArrows: 300, maxDrawnArrows: Infinity });
    let maxKept = 0;
    let i = 0;
    for (const rec of manyThreadsTrace(8, 3000, 60)) {
      b.push(rec);
      if (++i % 5000 === 0) {
        const lanes = (b as unknown as { lanes: { layers: Record<string, { spans: unknown[] }> }[] }).lanes;
        for (const l of lanes) for (const layer of Object.values(l.layers)) maxKept = Math.max(maxKept, layer.spans.length);
        const arrows = (b as unknown as { arrows: Map<string, unknown> }).arrows;
        expect(arrows.size).toBeLessThanOrEqual(301);
      }
    }
    expect(maxKept).toBeLessThanOrEqual(501);
    const tl = b.finish(1000);
    expect(tl.lanes).toHaveLength(8);
    for (const l of tl.lanes) expect(l.act.length).toBeLessThan(2000);
    expect(tl.arrows.reduce((s, a) => s + a.n, 0)).toBe(8 * 3000);
  });

  it("the HTML report of a wide run stays bounded (step-through capped)", () => {
    const html = renderTrace(manyThreadsTrace(64, 200, 60), "html", { maxSteps: 2000, maxNarrativeRecords: 5000, maxNarrativeLines: 500 });
    expect(html.length).toBeLessThan(2_000_000);
    expect(html).toMatch(/The step-through covers the first 2000 events/);
  });

  it("streaming from an async iterator gives the same bytes as an array", async () => {
    const records: TraceRecord[] = [...manyThreadsTrace(4, 50, 1)];
    for (const format of ["svg", "chrome", "mermaid", "html", "text"]) {
      expect(await renderTraceStream(asAsync(records), format), format).toBe(renderTrace(records, format));
    }
  });

  it("an unknown format is an error that names the formats", () => {
    expect(() => renderTrace([], "png")).toThrow(/unknown render format "png"; expected one of text, svg, chrome, mermaid, html/);
  });
});
