import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { buildTimeline, fmtTime } from "../../src/render/timeline.js";
import { renderTrace } from "../../src/render/index.js";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { renderSvg } from "../../src/render/svg.js";
import type { TraceRecord } from "../../src/trace/record.js";

// A hang whose story is the first 1.1 ms; srv_master_thread flushes the redo log at 1 s and is
// asleep until 3 s when the hang is reported at 2.000643 s.
const records: TraceRecord[] = [
  { t: 0, th: "mysqltest", k: "scenario", o: "zoom", d: { version: "5.6.10", seed: 1 } },
  { t: 0, th: "committer1", k: "stmt", d: { sql: "COMMIT", conn: "committer1" } },
  { t: 0, th: "committer1", k: "cpu", d: { ns: 70_000 } },
  { t: 1_071_000, th: "rotator", k: "wait", o: "m_prep_xids_cond", d: { kind: "cond" } },
  { t: 1_100_000, th: "committer1", k: "wait", o: "LOCK_log", d: { kind: "mutex" } },
  { t: 1_000_000_000, th: "srv_master_thread", k: "io", o: "redo fsync", d: { ns: 605_896 } },
  { t: 1_000_643_385, th: "srv_master_thread", k: "sleep", d: { ns: 1_000_000_000 } },
  { t: 2_000_643_385, th: "srv_master_thread", k: "sleep", d: { ns: 1_000_000_000 } },
  {
    t: 2_000_643_385, th: "kernel", k: "hang",
    d: { cycle: [], threads: [
      { thread: "rotator", state: "", waitingOn: { name: "m_prep_xids_cond", kind: "cond" }, since: 1_071_000, holds: ["LOCK_log"], blockedBy: [] },
      { thread: "committer1", state: "query end", waitingOn: { name: "LOCK_log", kind: "mutex" }, since: 1_100_000, holds: [], blockedBy: ["rotator"] },
      { thread: "srv_master_thread", state: "", waitingOn: null, since: 2_000_643_385, holds: [], blockedBy: [] },
    ] },
  },
  { t: 2_000_643_385, th: "mysqltest", k: "end_of_run", d: { outcome: "hang", expectations_failed: 1 } },
];

describe("timelines open on the activity and agree on the end time", () => {
  it("a hang is drawn up to the moment the last thread got stuck, not a daemon's later tick", () => {
    const tl = buildTimeline(records, 1000);
    expect(tl.end).toBeGreaterThanOrEqual(1_100_000);
    expect(tl.end).toBeLessThan(1_200_000);
  });
  it("the run ends at the last record (the hang report), not at the end of a sleep still going", () => {
    expect(buildTimeline(records).runEnd).toBe(2_000_643_385);
    const svg = renderSvg(records);
    expect(svg).toContain("the run ends at 2.000643 s");
    expect(svg).not.toContain("3.000643");
  });
});

// A run whose clients start at 5 s: the first 5 s are sleeps only; the activity is 7 ms after them.
describe("a run whose activity starts late opens on it", () => {
  const sc = loadScenario('name: late\nsetup:\n  - CREATE TABLE t (id INT PRIMARY KEY)\nthreads:\n  w: { count: 2, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT], iterations: 5, start: 5s }\nduration: 6s\n', "late.yaml");
  const art = runScenario(sc, { seed: 1 });
  const recs = art.trace!.records;
  it("the timeline starts just before the first activity, not at 0", () => {
    const tl = buildTimeline(recs, 1000);
    expect(tl.start).toBeGreaterThan(4_990_000_000);
    expect(tl.start).toBeLessThanOrEqual(5_000_000_000);
    expect(tl.end - tl.start).toBeLessThan(20_000_000);
  });
  it("the SVG axis starts at 5000 ms, says what it draws, and draws nothing left of its plot", () => {
    const svg = renderSvg(recs);
    expect(svg).toMatch(/>5000 ms</);
    expect(svg).not.toMatch(/>0 ms</);
    expect(svg).toMatch(/drawn from 4\.99\d+ s to 5\.00\d+ s; the run ends at 5\.00\d+ s/);
    const plotLeft = Number(/data-x0="([\d.]+)"/.exec(svg)![1]);
    const lanes = svg.slice(svg.indexOf('<g class="lanes">'), svg.indexOf('<g class="wakes">'));
    const xs = [...lanes.matchAll(/<rect class="c-[^"]*" x="([-\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs.length).toBeGreaterThan(10);
    for (const x of xs) expect(x).toBeGreaterThanOrEqual(plotLeft);
  });
  it("the CLI, the HTML report and the SVG print the same end time", () => {
    const cli = fmtTime(art.report.virtual_time_ns);
    const html = renderTrace(recs, "html");
    expect(html).toContain(`virtual time ${cli}`);
    expect(html).toContain(`the run ends at ${cli}`);
    expect(renderSvg(recs)).toContain(`the run ends at ${cli}`);
  });
  it("so does a hang noticed long after its last step (bug68569-lost-wakeup)", () => {
    const hang = runScenario(loadScenario(readFileSync("scenarios/binlog/bug68569-lost-wakeup.yaml", "utf8"), "lw.yaml"), { seed: 1 });
    const cli = fmtTime(hang.report.virtual_time_ns);
    const html = renderTrace(hang.trace!.records, "html");
    expect(html).toContain(`virtual time ${cli}`);
    expect(html).toMatch(/Drawn to 0\.00\d+ s, where things happen; the run ends at /);
    expect(html).toContain(`the run ends at ${cli}`);
    expect(renderSvg(hang.trace!.records)).toContain(`the run ends at ${cli}`);
  });
});
