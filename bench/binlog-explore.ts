/**
 * How many runs and how much wall time `random` and `pct` need to find bug #68569 in
 * scenarios/binlog/bug68569-explore.yaml, over 20 different starting seeds each (issue 5).
 * Prints mean/median/max runs to the first hang and wall seconds per strategy.
 */
import { decodeSchedule } from "../src/kernel/schedule-string.js";
import { explore, type RunFn, type Strategy } from "../src/explore/explore.js";
import { loadScenarioFile } from "../src/scenario/loader.js";
import { runScenario } from "../src/scenario/run.js";

const file = process.argv[2] ?? "scenarios/binlog/bug68569-explore.yaml";
const sc = loadScenarioFile(file);
const run: RunFn = (scheduler, seed) => {
  const { report } = runScenario(sc, { seed, scheduler, noTrace: true });
  return { failed: report.outcome !== "completed", outcome: report.outcome, schedule: decodeSchedule(report.schedule), steps: report.steps };
};
const SEEDS = 20;
const LIMIT = 5000;
console.log(`bug #68569 exploration: ${file}, ${SEEDS} starting seeds per strategy, at most ${LIMIT} runs each`);
for (const [strategy, depth] of [["random", undefined], ["pct", 3], ["pct", 2]] as [Strategy, number | undefined][]) {
  const runs: number[] = [];
  const secs: number[] = [];
  let notFound = 0;
  for (let i = 0; i < SEEDS; i++) {
    const t0 = performance.now();
    const r = explore(run, { strategy, runs: LIMIT, seed: 1 + i * 100_000, depth });
    secs.push((performance.now() - t0) / 1000);
    if (r.firstFailure) runs.push(r.firstFailure.run);
    else notFound++;
  }
  runs.sort((a, b) => a - b);
  const mean = runs.reduce((a, b) => a + b, 0) / Math.max(1, runs.length);
  const label = depth ? `${strategy} (d=${depth})` : strategy;
  console.log(
    `  ${label.padEnd(12)} found in ${runs.length}/${SEEDS}: runs to first hang mean ${mean.toFixed(0)}, median ${runs[Math.floor(runs.length / 2)] ?? "-"}, max ${runs[runs.length - 1] ?? "-"}; wall ${(
      secs.reduce((a, b) => a + b, 0) / SEEDS
    ).toFixed(2)} s mean per search${notFound ? `; ${notFound} searches found nothing in ${LIMIT} runs` : ""}`,
  );
}
