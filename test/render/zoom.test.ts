import { describe, expect, it } from "vitest";
import { buildTimeline } from "../../src/render/timeline.js";
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
