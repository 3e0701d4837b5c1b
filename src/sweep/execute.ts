/**
 * Runs one (point, seed) of a sweep: the same code in a worker thread and in-process, so the
 * record of a run never depends on where it ran.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml, parseDocument } from "yaml";
import { checkValue, sysvar, type SysVarValue } from "../mysql/sysvars.js";
import { loadScenario, ScenarioError, type Scenario } from "../scenario/loader.js";
import { runScenario, type RunReport } from "../scenario/run.js";
import { pointJson, SweepInputError, type Point, type Run } from "./grid.js";

export type Outcome = RunReport["outcome"];
export const OUTCOMES: readonly Outcome[] = ["completed", "deadlock", "hang", "timeout", "error"];

/** One line of a results file. */
export interface RunRecord {
  point: Record<string, string | number>;
  seed_index: number;
  seed: number;
  /** index in the full run list, and its length: `merge` checks every index is there once */
  run: number;
  runs: number;
  outcome: Outcome;
  /** every expectation of the scenario held */
  ok: boolean;
  virtual_time_ns: number;
  metrics: Record<string, number>;
  /** why a run broke (outcome error) */
  message?: string;
}

/** What a worker needs to run jobs: the file (each worker loads it itself) and the run count. */
export interface RunnerSpec {
  file: string;
  runs: number;
}

export type Job = Pick<Run, "run" | "point" | "seedIndex" | "seed">;

/** Loads a scenario file once and runs points of it; scenario-key axes give cached variants. */
export class PointRunner {
  private readonly text: string;
  private readonly variants = new Map<string, Scenario>();

  constructor(readonly spec: RunnerSpec) {
    this.text = readFileSync(spec.file, "utf8");
  }

  /** The scenario with the point's scenario-key values written in; throws SweepInputError if one is rejected. */
  scenarioFor(point: Point): Scenario {
    const keys = point.filter(([n]) => !sysvar(n));
    const cacheKey = keys.map(([n, v]) => `${n}=${v}`).join(";");
    let sc = this.variants.get(cacheKey);
    if (!sc) {
      sc = this.load(keys);
      this.variants.set(cacheKey, sc);
    }
    return sc;
  }

  private load(keys: Point): Scenario {
    return scenarioWithKeys(this.text, this.spec.file, keys);
  }

  static sets(point: Point): [string, SysVarValue][] {
    const out: [string, SysVarValue][] = [];
    for (const [n, v] of point) {
      const def = sysvar(n);
      if (!def) continue;
      const r = checkValue(def, v);
      if ("error" in r) throw new SweepInputError(`--set ${n}=${v}: ${r.error}`);
      out.push([def.name, r.value]);
    }
    return out;
  }

  run(job: Job): RunRecord {
    const base = { point: pointJson(job.point), seed_index: job.seedIndex, seed: job.seed, run: job.run, runs: this.spec.runs };
    try {
      const { report } = runScenario(this.scenarioFor(job.point), { seed: job.seed, set: PointRunner.sets(job.point), noTrace: true });
      return {
        ...base,
        outcome: report.outcome,
        ok: report.expectations.every((e) => e.ok),
        virtual_time_ns: report.virtual_time_ns,
        metrics: report.metrics,
        ...(report.message ? { message: oneLine(report.message) } : {}),
      };
    } catch (e) {
      if (e instanceof SweepInputError) throw e;
      // a model invariant that throws instead of ending the run: recorded, the sweep goes on
      return { ...base, outcome: "error", ok: false, virtual_time_ns: 0, metrics: {}, message: oneLine(e instanceof Error ? e.message : String(e)) };
    }
  }
}

/**
 * The scenario text with dotted scenario keys overridden (machine.cpu_quota=150%), loaded; throws
 * SweepInputError naming the key the scenario rejects. Shared by sweep axes and `run --set`.
 */
export function scenarioWithKeys(text: string, file: string, keys: Point): Scenario {
  const doc = parseDocument(text);
  for (const [path, value] of keys) {
    const segs = path.split(".");
    // a value is read as YAML (64 is a number, 100% a string); if the scenario rejects that, as a string
    let yamlValue: unknown = value;
    try {
      yamlValue = parseYaml(value) as unknown;
    } catch {
      /* not YAML: the text itself */
    }
    doc.setIn(segs, yamlValue);
    try {
      loadScenario(String(doc), file);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      doc.setIn(segs, value);
      try {
        loadScenario(String(doc), file);
      } catch (e2) {
        if (!(e2 instanceof ScenarioError)) throw e2;
        throw new SweepInputError(`--set ${path}=${value}: the scenario rejects it: ${(e2 as ScenarioError).problem}`);
      }
    }
  }
  try {
    return loadScenario(String(doc), file);
  } catch (e) {
    if (e instanceof ScenarioError) throw new SweepInputError(`${keys.map(([n, v]) => `${n}=${v}`).join(", ")}: the scenario rejects this combination: ${e.problem}`);
    throw e;
  }
}

/** Results files hold one record per line. */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ");
}
