/**
 * Strategy x scenario: how many runs, and how much wall time, each exploration strategy needs to
 * find the failure of each free-running explore scenario (docs/kernel.md, "Exploration over
 * time"). For every cell, `SEEDS` searches from different starting seeds, each stopped at the
 * first failing run or after `LIMIT` runs; printed: searches that found it, the median and max
 * runs to the first failure, the median wall seconds to it. Then the fixed twins of the binlog
 * scenarios under the delay strategy, which must stay clean for `FIXED_RUNS` runs.
 *
 *   node dist/bench/explore-strategies.js [SEEDS=20] [LIMIT=1000] [FIXED_RUNS=10000]
 */
import { decodeSchedule } from "../src/kernel/schedule-string.js";
import { explore, type RunFn, type Strategy } from "../src/explore/explore.js";
import { runFailed } from "../src/cli/commands.js";
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";

const SEEDS = Number(process.argv[2] ?? 20);
const LIMIT = Number(process.argv[3] ?? 1000);
const FIXED_RUNS = Number(process.argv[4] ?? 10_000);

const SCENARIOS = [
  "scenarios/binlog/bug68569-explore.yaml",
  "scenarios/binlog/bug68569-explore-durable.yaml",
  "scenarios/mdl/upgrade-deadlock-explore.yaml",
  "scenarios/ftwrl/backup-stall-explore.yaml",
];
const FIXED = ["scenarios/binlog/bug68569-explore-fixed.yaml", "scenarios/binlog/bug68569-explore-durable-fixed.yaml", "scenarios/binlog/bug68569-order-commits-on.yaml"];
const STRATEGIES: Strategy[] = ["fifo", "random", "pct", "delay"];

function runner(file: string): RunFn {
  const sc = loadScenarioFile(file);
  return (scheduler, seed) => {
    const { report } = runScenario(sc, { seed, scheduler, noTrace: true });
    return { failed: runFailed(report), outcome: report.outcome, schedule: decodeSchedule(report.schedule), steps: report.steps };
  };
}

const median = (xs: number[]): number | null => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]! : null);

console.log(`exploration strategies: ${SEEDS} searches per cell from different seeds, at most ${LIMIT} runs each`);
console.log("| scenario | strategy | found | runs to first failure: median (max) | wall to first failure: median |");
console.log("|---|---|---|---|---|");
for (const file of SCENARIOS) {
  const run = runner(file);
  const depth = loadScenarioFile(file).explore?.depth;
  for (const strategy of STRATEGIES) {
    const runs: number[] = [];
    const secs: number[] = [];
    for (let i = 0; i < SEEDS; i++) {
      const t0 = performance.now();
      const r = explore(run, { strategy, runs: LIMIT, seed: 1 + i * 100_000, depth });
      if (r.firstFailure) {
        runs.push(r.firstFailure.run);
        secs.push((performance.now() - t0) / 1000);
      }
    }
    const m = median(runs);
    const s = median(secs);
    console.log(`| ${file.split("/").pop()} | ${strategy} | ${runs.length}/${SEEDS} | ${m === null ? "-" : `${m} (${Math.max(...runs)})`} | ${s === null ? "-" : `${s.toFixed(2)} s`} |`);
  }
}
console.log(`\nfixed versions under the delay strategy, ${FIXED_RUNS} runs each:`);
for (const file of FIXED) {
  const t0 = performance.now();
  const depth = loadScenarioFile(file).explore?.depth ?? 3;
  const r = explore(runner(file), { strategy: "delay", runs: FIXED_RUNS, seed: 1, depth, all: true });
  console.log(`  ${file.split("/").pop()}: ${r.failingRuns} failing of ${r.runs} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
