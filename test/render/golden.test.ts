// Golden files for the SVG timeline and the Mermaid sequence diagram of small hand-built traces.
// Regenerate after an intended change: UPDATE_GOLDEN=1 npx vitest run test/render
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderTrace } from "../../src/render/index.js";
import { lostWakeupTrace, mdlVictimTrace, mutexDeadlockTrace } from "./fixtures.js";

const GOLDEN = join("test", "render", "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`${path} is missing; create it with: UPDATE_GOLDEN=1 npx vitest run test/render`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual, `${path} differs; if the change is intended: UPDATE_GOLDEN=1 npx vitest run test/render`).toBe(readFileSync(path, "utf8"));
}

const traces = {
  "lost-wakeup": lostWakeupTrace,
  "mdl-victim": mdlVictimTrace,
  "mutex-deadlock": mutexDeadlockTrace,
};

describe("golden SVG and Mermaid", () => {
  for (const [name, make] of Object.entries(traces)) {
    it(`${name}.svg`, () => {
      const svg = renderTrace(make(), "svg");
      expect(renderTrace(make(), "svg")).toBe(svg);
      golden(`${name}.svg`, svg);
    });
    it(`${name}.mmd`, () => {
      const mmd = renderTrace(make(), "mermaid");
      expect(mmd.startsWith("sequenceDiagram\n")).toBe(true);
      golden(`${name}.mmd`, mmd);
    });
  }
});

describe("what the SVG shows", () => {
  it("lanes, wait classes, a wake arrow, the lost signal and the hang", () => {
    const svg = renderTrace(lostWakeupTrace(), "svg");
    for (const lane of ["con1", "con2", "con3"]) expect(svg).toContain(`data-thread="${lane}"`);
    expect(svg).not.toContain(`data-thread="kernel"`);
    expect(svg).toMatch(/class="c-mutex"/);
    expect(svg).toMatch(/class="c-cond"/);
    expect(svg).toMatch(/class="c-hold"/);
    expect(svg).toMatch(/class="wake"[^>]*><title>[^<]*con1 woke con2/);
    expect(svg).toContain(`data-mark="lost_signal"`);
    expect(svg).toContain(`data-ending="hang"`);
  });

  it("a hang noticed long after the last step: drawn to the last activity, the ending at the edge", () => {
    const late = lostWakeupTrace().map((r) => (r.k === "hang" || r.k === "end_of_run" ? { ...r, t: 6_000_000_000 } : r));
    const svg = renderTrace(late, "svg");
    expect(svg).toMatch(/drawn to 0\.000033 s; the run ends at 6\.000000 s/);
    expect(svg).toContain("HANG (noticed at 6.000000 s)");
    expect(Number(/data-t1="(\d+)"/.exec(svg)![1])).toBeLessThan(40_000);
    expect(renderTrace(late, "svg", { focus: false })).toContain(`data-t1="6000000000"`);
  });

  it("victims, errors, timeouts, kills and the commit-lock class", () => {
    const svg = renderTrace(mdlVictimTrace(), "svg");
    expect(svg).toContain(`data-mark="victim"`);
    expect(svg).toContain(`data-mark="error"`);
    expect(svg).toContain(`data-mark="timeout"`);
    expect(svg).toContain(`data-mark="kill"`);
    expect(svg).toMatch(/class="c-commit"/);
    expect(svg).toMatch(/class="c-mdl"/);
    expect(svg).toMatch(/class="c-stmt_error"/);
  });

  it("the deadlock cycle is named on the picture", () => {
    const svg = renderTrace(mutexDeadlockTrace(), "svg");
    expect(svg).toContain(`data-ending="deadlock"`);
    expect(svg).toContain("DEADLOCK writer → rotator → writer");
  });

  it("lane height adapts: 3 lanes are tall, 64 lanes fit", () => {
    const few = renderTrace(mutexDeadlockTrace(), "svg");
    const h = (svg: string): number => Number(/height="([\d.]+)"/.exec(svg)![1]);
    expect(h(few)).toBeLessThan(300);
  });

  it("ignores kinds it does not know and survives an empty trace", () => {
    const svg = renderTrace([{ t: 0, th: "x", k: "future.kind", d: { a: 1 } }], "svg");
    expect(svg).toContain("<svg");
    expect(renderTrace([], "svg")).toContain("</svg>");
    expect(renderTrace([], "mermaid")).toBe("sequenceDiagram\n");
  });
});

describe("Mermaid", () => {
  it("shows who woke whom, the lost wake-up and the hang", () => {
    const mmd = renderTrace(lostWakeupTrace(), "mermaid");
    expect(mmd).toContain("LOCK_log-->>con2: granted after 19 µs, woken by con1");
    expect(mmd).toContain("con2-)m_prep_xids_cond: signal, nobody waits");
    expect(mmd).toContain("Note over m_prep_xids_cond: ⚠ lost wake-up");
    expect(mmd).toMatch(/Note over con1,m_prep_xids_cond: HANG/);
    expect(mmd).toContain("Note over con3: waits on LOCK_log (held by con1)");
  });

  it("keeps statement text from breaking the diagram", () => {
    const mmd = renderTrace(lostWakeupTrace("SELECT '#x'; DROP TABLE t -- <b>"), "mermaid");
    expect(mmd).toContain("SELECT '#35;x'#59; DROP TABLE t -- #lt;b#gt;");
  });

  it("summarises a long run past maxMessages and still shows the ending", () => {
    const mmd = renderTrace(lostWakeupTrace(), "mermaid", { maxMessages: 3 });
    expect(mmd).toMatch(/more event\(s\) not shown/);
    expect(mmd).toMatch(/HANG/);
  });
});
