import { describe, expect, it } from "vitest";
import { waitForInWords } from "../../src/render/narrative.js";

const lost = (by: string, at: number, op = "signal") => ({ last_lost_signal: { at, by, op } });

// bug #68569 as explore finds it: the rotator lost m_prep_xids_cond's signal while holding
// LOCK_log; the flush leader waits for LOCK_log; the followers wait for the leader on m_cond_done,
// whose last (stale) broadcast also found nobody waiting.
const threads = [
  { thread: "committer1", state: "query end", waitingOn: { name: "LOCK_log", kind: "mutex" }, since: 1072e3, holds: [], blockedBy: ["rotator"] },
  { thread: "committer2", state: "query end", waitingOn: { name: "Stage_manager::m_cond_done", kind: "cond", detail: lost("committer2", 1071e3, "broadcast") }, since: 1146e3, holds: [], blockedBy: [] },
  { thread: "committer3", state: "query end", waitingOn: { name: "Stage_manager::m_cond_done", kind: "cond", detail: lost("committer2", 1071e3, "broadcast") }, since: 1084e3, holds: [], blockedBy: [] },
  { thread: "rotator", state: "starting", waitingOn: { name: "m_prep_xids_cond", kind: "cond", detail: lost("committer2", 1071e3) }, since: 1071e3, holds: ["LOCK_log"], blockedBy: [] },
];

describe("hang diagnosis names the root cause", () => {
  it("the one lost signal is singled out; followers wait behind it", () => {
    const lines = waitForInWords("hang", { threads, cycle: [] });
    expect(lines[1]).toBe("  root cause: rotator waits on m_prep_xids_cond, whose last signal (from committer2 at 0.001071) found nobody waiting: the one lost wake-up");
    expect(lines.filter((l) => /lost wake-up/.test(l))).toHaveLength(2);
    for (const f of ["committer2", "committer3"]) {
      const line = lines.find((l) => l.startsWith(`  ${f} `))!;
      expect(line).toMatch(/waits behind rotator/);
      expect(line).not.toMatch(/lost wake-up/);
    }
  });
  it("with nobody behind any waiter, no root is claimed", () => {
    const lines = waitForInWords("hang", { threads: threads.slice(1, 3), cycle: [] });
    expect(lines.some((l) => l.includes("root cause"))).toBe(false);
    expect(lines.filter((l) => /a lost wake-up/.test(l))).toHaveLength(2);
  });
});
