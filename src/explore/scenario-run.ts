/** One exploration run of a scenario: what explore, its worker threads and the CLI share. */
import type { Schedule } from "../kernel/schedule-string.js";
import type { SysVarValue } from "../mysql/sysvars.js";
import type { Scenario } from "../scenario/loader.js";
import { runScenario, type RunReport } from "../scenario/run.js";
import type { RunFn, RunSummary } from "./explore.js";
import type { RunResult } from "../kernel/kernel.js";

/** Whether a run counts as failing for explore: an expectation failed, or it hung or broke. */
export function runFailed(r: RunReport): boolean {
  return r.expectations.some((e) => !e.ok) || (r.expectations.length === 0 && ["deadlock", "hang", "error"].includes(r.outcome));
}

/**
 * What a failing run failed on, without its numbers: the outcome and each failed expectation with
 * the kind of mismatch ("tps = #" is not "tps was not measured"). A smaller scenario that fails
 * with the same signature fails the same way.
 */
export function failureSignature(r: RunReport): string {
  const failed = r.expectations.filter((e) => !e.ok).map((e) => `${e.text}: ${(e.actual ?? "").replace(/\(measured: [^)]*\)/g, "").replace(/\d+(\.\d+)?/g, "#")}`);
  return [r.outcome, ...failed].join("\n");
}

/** The RunFn of a scenario: a lean run without a trace (the failing one is re-run with it for the report). */
export function scenarioRunFn(sc: Scenario, sets: [string, SysVarValue][] = [], opts: { maxSteps?: number } = {}): RunFn {
  return (scheduler, seed) => {
    const { report, result } = runScenario(sc, { seed, scheduler, set: sets, noTrace: true, lean: true, ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}) });
    return new ScenarioRunSummary(report, result);
  };
}

/**
 * A run's summary for explore. Its schedule and signature are made only when asked for (a
 * failure, the pct probe): most runs pass and nobody looks. A class with getters, not an object
 * literal's getters: those are closures made per run, and a per-run closure that escapes keeps
 * the run alive across minor GCs (issue 20; src/scenario/run.ts ScriptRun).
 */
class ScenarioRunSummary implements RunSummary {
  readonly failed: boolean;
  readonly outcome: string;
  readonly steps: number;
  private decoded: Schedule | null = null;

  constructor(
    private readonly report: RunReport,
    private readonly result: RunResult,
  ) {
    this.failed = runFailed(report);
    this.outcome = report.outcome;
    this.steps = report.steps;
  }

  get schedule(): Schedule {
    return (this.decoded ??= this.result.choiceLog.toSchedule());
  }

  get signature(): string {
    return failureSignature(this.report);
  }
}
