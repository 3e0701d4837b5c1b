/**
 * Sweep throughput: runs per second of a small scenario's grid on 1 worker (in-process) and on
 * 2 worker threads, and the scaling between them. Then the machine's own ceiling: the same grid
 * as two shards in two separate processes at once, which share nothing but the hardware. When
 * the pool scales no better than that, the limit is the machine, not the pool. Each case runs in
 * its own process (bench/harness.ts), start-up of workers and processes included; wall-clock
 * time is measured here only.
 *
 *   npm run bench -- sweep [scenario] [seeds per point] [--pairs N]
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSweep } from "../src/sweep/sweep.js";
import { type CaseDef, type RatioDef, type RunResult, runBench } from "./harness.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fileOf = (args: string[]): string => (args[0] && existsSync(args[0]) ? args[0] : join(root, "scenarios/mdl/fk-alter-starvation.yaml"));
const seedsOf = (args: string[]): number => Number(args[1] ?? 1000);
const sets = ["max_write_lock_count=1,10,100,1000"];

/** n workers in this process; the summary (its digest) must not depend on the worker count */
const pool = async (workers: number, args: string[]): Promise<RunResult> => {
  const r = await runSweep({ file: fileOf(args), sets, seeds: seedsOf(args), workers });
  return { work: r.ran, digest: createHash("sha256").update(JSON.stringify(r.summary)).digest("hex").slice(0, 16) };
};

/** the ceiling: two processes, one shard each, started together (process start-up included) */
const cli = join(root, "dist", "src", "cli", "main.js");
const shards = async (args: string[]): Promise<RunResult> => {
  const dir = mkdtempSync(join(tmpdir(), "mysqlsim-sweep-bench-"));
  const shard = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const argv = [cli, "sweep", fileOf(args), ...sets.flatMap((x) => ["--set", x]), "--seeds", String(seedsOf(args)), "--workers", "1", "--shard", `${i}/2`, "--out", join(dir, `shard${i}.jsonl`), "--quiet"];
      const child = spawn(process.execPath, argv, { stdio: "ignore" });
      child.on("error", reject);
      // exit 1 only says some run broke an expectation (some grid points are meant to)
      child.on("exit", (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`shard ${i}/2 exited with ${code}`))));
    });
  await Promise.all([shard(1), shard(2)]);
  rmSync(dir, { recursive: true, force: true });
  return { work: sets.reduce((n, axis) => n * axis.split("=")[1]!.split(",").length, seedsOf(args)) };
};

const counts = [...new Set([2, availableParallelism()])].filter((w) => w > 1);
const poolCase = (w: number): CaseDef => ({ id: `w${w}`, label: `${w} worker${w > 1 ? " threads" : ", in-process"}`, unit: "runs", run: (args) => pool(w, args) });
const ratio = (id: string, label: string): RatioDef => ({ id, label: `${label} / 1 worker`, a: id, b: "w1" });
// each ratio's two cases next to each other in a round: w2 w1 p2 (then reversed)
await runBench({
  name: "sweep",
  title: (args) => `sweep: ${fileOf(args).replace(`${root}/`, "")}: ${sets.join(" ")} x ${seedsOf(args)} seeds, ${availableParallelism()} core(s)`,
  cases: [...counts.map(poolCase).reverse(), poolCase(1), { id: "p2", label: "2 processes (shards 1/2, 2/2)", unit: "runs", run: shards }],
  ratios: [...counts.map((w) => ratio(`w${w}`, `${w} worker threads`)), ratio("p2", "2 processes")],
  pairs: 5,
  warmupRuns: 0,
});
