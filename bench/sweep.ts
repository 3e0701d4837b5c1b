/**
 * Sweep throughput: runs per second of a small scenario's grid on 1 worker (in-process) and on
 * 2 worker threads, and the scaling between them. Wall-clock time is measured here only.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/sweep.js [scenario] [seeds per point]
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { runSweep } from "../src/sweep/sweep.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const file = process.argv[2] && existsSync(process.argv[2]) ? process.argv[2] : join(root, "scenarios/mdl/fk-alter-starvation.yaml");
const seeds = Number(process.argv[3] ?? 100);
const sets = ["max_write_lock_count=1,10,100,1000"];
const counts = [...new Set([1, 2, availableParallelism()])].filter((w) => w <= Math.max(2, availableParallelism()));

console.log(`${file.replace(`${root}/`, "")}: ${sets.join(" ")} x ${seeds} seeds, ${availableParallelism()} core(s)`);
let base = 0;
let reference = "";
for (const workers of counts) {
  const t0 = performance.now();
  const r = await runSweep({ file, sets, seeds, workers });
  const wall = (performance.now() - t0) / 1000;
  const rate = r.ran / wall;
  if (workers === 1) base = rate;
  // the summary must not depend on the worker count
  const summary = JSON.stringify(r.summary);
  if (!reference) reference = summary;
  else if (summary !== reference) throw new Error(`the summary on ${workers} workers differs from 1 worker`);
  console.log(`${String(workers).padStart(2)} worker(s): ${r.ran} runs in ${wall.toFixed(2)} s wall => ${rate.toFixed(0).padStart(5)} runs/s` + (workers > 1 ? `  (x${(rate / base).toFixed(2)} vs 1 worker, worker start-up included)` : ""));
}
