// A DEBUG_SYNC action armed on a connection that never reaches the point is reported at the end of the run.
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

describe("DEBUG_SYNC armed but never reached", () => {
  it("is in the run report with its connection, and a reached one is not", () => {
    const yaml = [
      "name: unreached",
      "steps:",
      "  - con1: SET DEBUG_SYNC='mdl_acquire_lock_wait SIGNAL x'",
      "  - con1: SET DEBUG_SYNC='execute_command_after_close_tables SIGNAL y'",
      "  - con1: SELECT 1",
      "expect:",
      "  - outcome: completed",
    ].join("\n");
    const r = runScenario(loadScenario(yaml, "u.yaml"), { seed: 1 });
    expect(r.report.outcome).toBe("completed");
    expect(r.report.unreached_sync_points).toEqual([{ point: "mdl_acquire_lock_wait", connection: "con1", armed_at_ns: expect.any(Number), end: "armed", passed_by_anyone: false }]);
  });

  it("is absent when every armed point was reached", () => {
    const yaml = "name: reached\nsteps:\n  - con1: SET DEBUG_SYNC='execute_command_after_close_tables SIGNAL y'\n  - con1: SELECT 1\n";
    expect(runScenario(loadScenario(yaml, "r.yaml"), { seed: 1 }).report.unreached_sync_points).toBeUndefined();
  });
});
