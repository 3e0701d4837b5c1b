// A bench with two cases that say their own seconds, for harness.test.ts: each child appends its
// case id to the log file named by the first argument, so the test can read the order of the rounds.
import { appendFileSync } from "node:fs";
import { runBench } from "../../dist/bench/harness.js";

const seconds = { slow: 2, fast: 0.5 };
const step = (id) => (args) => {
  appendFileSync(args[0], `${id}\n`);
  return { work: 100, seconds: seconds[id], digest: "same work", info: { note: id } };
};
await runBench({
  name: "fixture",
  title: (args) => `fixture ${args.length} arg(s)`,
  cases: [
    { id: "slow", label: "slow case", unit: "items", run: step("slow") },
    { id: "fast", label: "fast case", unit: "items", run: step("fast") },
  ],
  ratios: [{ id: "slow", label: "slow / fast", a: "slow", b: "fast" }],
  pairs: 3,
  warmupRuns: 0,
});
