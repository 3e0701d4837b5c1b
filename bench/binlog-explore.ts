/**
 * How many runs and how much wall time `random` and `pct` need to find bug #68569 in
 * scenarios/binlog/bug68569-explore.yaml, over 20 different starting seeds each (issue 5).
 * Each strategy runs in its own process (bench/harness.ts); prints mean/median/max runs to the
 * first hang (deterministic) and the strategies' runs per second relative to `random`.
 * About 5 minutes a round, so one round by default: `--pairs 3` for a spread.
 *
 *   npm run bench -- binlog-explore [scenario] [starting seeds, 20] [--pairs N]
 */
import { decodeSchedule } from "../src/kernel/schedule-string.js";
import { explore, type RunFn, type Strategy } from "../src/explore/explore.js";
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";
import { type CaseDef, type RunResult, runBench } from "./harness.js";

const fileOf = (args: string[]): string => args[0] ?? "scenarios/binlog/bug68569-explore.yaml";
const seedsOf = (args: string[]): number => Number(args[1] ?? 20);
const LIMIT = 5000;

function search(args: string[], strategy: Strategy, depth: number | undefined): RunResult {
  const sc = loadScenarioFile(fileOf(args));
  const run: RunFn = (scheduler, seed) => {
    const { report } = runScenario(sc, { seed, scheduler, noTrace: true });
    return { failed: report.outcome !== "completed", outcome: report.outcome, choices: decodeSchedule(report.schedule) };
  };
  const found: number[] = [];
  let ran = 0;
  const seeds = seedsOf(args);
  for (let i = 0; i < seeds; i++) {
    const r = explore(run, { strategy, runs: LIMIT, seed: 1 + i * 100_000, depth });
    ran += r.runs;
    if (r.firstFailure) found.push(r.firstFailure.run);
  }
  found.sort((a, b) => a - b);
  const mean = found.reduce((a, b) => a + b, 0) / Math.max(1, found.length);
  return {
    work: ran,
    info: { found: `${found.length}/${seeds}`, "runs to first hang mean": Math.round(mean), median: found[found.length >> 1] ?? "-", max: found[found.length - 1] ?? "-" },
  };
}

const strategy = (id: string, s: Strategy, depth?: number): CaseDef => ({ id, label: depth ? `${s} (d=${depth})` : s, unit: "runs", run: (args) => search(args, s, depth) });
await runBench({
  name: "binlog-explore",
  title: (args) => `bug #68569 exploration: ${fileOf(args)}, ${seedsOf(args)} starting seeds per strategy, at most ${LIMIT} runs each`,
  cases: [strategy("pct3", "pct", 3), strategy("random", "random"), strategy("pct2", "pct", 2)],
  ratios: [
    { id: "pct3", label: "pct (d=3) / random, runs per second", a: "pct3", b: "random", clock: "cpu" },
    { id: "pct2", label: "pct (d=2) / random, runs per second", a: "pct2", b: "random", clock: "cpu" },
  ],
  pairs: 1,
  warmup: 0,
  warmupRuns: 0,
});
