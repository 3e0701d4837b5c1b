/**
 * Sweep throughput: runs per second of a small scenario's grid on 1 worker (in-process) and on
 * 2 worker threads, and the scaling between them. Then the machine's own ceiling: the same grid
 * as two shards in two separate processes at once, which share nothing but the hardware. When
 * the pool scales no better than that, the limit is the machine, not the pool. Wall-clock time
 * is measured here only.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/sweep.js [scenario] [seeds per point]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { runSweep } from "../src/sweep/sweep.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const file = process.argv[2] && existsSync(process.argv[2]) ? process.argv[2] : join(root, "scenarios/mdl/fk-alter-starvation.yaml");
const seeds = Number(process.argv[3] ?? 1000);
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

// the ceiling: two processes, one shard each, started together (process start-up included, as
// worker start-up is above)
const cli = join(root, "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "mysqlsim-sweep-bench-"));
const shard = (i: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const args = [cli, "sweep", file, ...sets.flatMap((x) => ["--set", x]), "--seeds", String(seeds), "--workers", "1", "--shard", `${i}/2`, "--out", join(dir, `shard${i}.jsonl`), "--quiet"];
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    child.on("error", reject);
    // exit 1 only says some run broke an expectation (some grid points are meant to)
    child.on("exit", (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`shard ${i}/2 exited with ${code}`))));
  });
const t0 = performance.now();
await Promise.all([shard(1), shard(2)]);
const wall = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });
const runs = sets.reduce((n, axis) => n * axis.split("=")[1]!.split(",").length, seeds);
console.log(` 2 processes (shards 1/2, 2/2): ${runs} runs in ${wall.toFixed(2)} s wall => ${(runs / wall).toFixed(0).padStart(5)} runs/s  (x${(runs / wall / base).toFixed(2)} vs 1 worker; two processes share only the hardware, start-up included)`);
