/**
 * Runs sweep jobs on this thread and worker threads (node:worker_threads; one thread per core by
 * default).
 * Each worker loads the scenario file itself and gets jobs one or two at a time, so a slow point
 * never leaves a core idle; records come back in completion order and the caller streams them.
 * Results do not depend on the worker count: a run's record is a function of (point, seed) only.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { PointRunner, type Job, type RunnerSpec, type RunRecord } from "./execute.js";
import { SweepInputError } from "./grid.js";
import type { FromWorker } from "./worker.js";

/** Jobs kept in flight per worker: one running, one queued, to hide the message round trip. */
const IN_FLIGHT = 2;

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * The compiled worker script. From dist/ (the CLI) it sits beside this module; under vitest this
 * module is TypeScript source, so use the compiled copy in dist/ (globalSetup builds it).
 */
export function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), "worker.js");
  if (here.endsWith(".js") && existsSync(beside)) return beside;
  let dir = dirname(here);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "dist", "src", "sweep", "worker.js");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the compiled sweep worker (worker.js beside ${here} or dist/src/sweep/worker.js); run \`npm run build\``);
}

export interface PoolOptions {
  spec: RunnerSpec;
  workers: number;
  /** called once per finished run, in completion order */
  onRecord: (r: RunRecord) => void;
  /** an existing runner for in-process runs (it caches scenario variants) */
  runner?: PointRunner;
}

/**
 * Runs the jobs on `workers` threads of execution: this thread plus workers-1 worker threads. This
 * thread takes jobs too, between handling the workers' replies, so it is never idle while they
 * start (loading the modules and the scenario takes a few hundred milliseconds per thread).
 */
export async function runJobs(jobs: readonly Job[], o: PoolOptions): Promise<void> {
  if (jobs.length === 0) return;
  const workers = Math.max(1, Math.min(o.workers, jobs.length));
  const runner = o.runner ?? new PointRunner(o.spec);
  const threads = workers - 1;
  const script = threads > 0 ? workerScript() : "";
  let next = 0;
  let done = 0;
  let failure: Error | null = null;
  const pool: Worker[] = [];
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const accept = (r: RunRecord): void => {
    o.onRecord(r);
    done++;
  };
  const feed = (w: Worker): void => {
    if (failure || next >= jobs.length) return;
    w.postMessage({ job: jobs[next++] });
  };
  const fail = (e: Error): void => {
    failure ??= e;
    poke();
  };
  try {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(script, { workerData: o.spec, execArgv: [] });
      pool.push(w);
      w.on("message", (m: FromWorker) => {
        if (failure) return;
        if ("error" in m) return fail(m.input ? new SweepInputError(m.error) : new Error(`sweep worker: ${m.error}`));
        try {
          accept(m.record);
        } catch (e) {
          return fail(e as Error);
        }
        feed(w);
        poke();
      });
      w.on("error", (e) => fail(e));
      w.on("exit", (code) => {
        if (done < jobs.length) fail(new Error(`sweep worker exited (code ${code}) with ${jobs.length - done} run(s) unfinished`));
      });
      for (let k = 0; k < IN_FLIGHT; k++) feed(w);
    }
    while (!failure && done < jobs.length) {
      if (next < jobs.length) {
        accept(runner.run(jobs[next++]!));
        // let worker replies, progress redraws and signals in between runs
        await new Promise<void>((r) => setImmediate(r));
      } else {
        // every job is handed out: wait for the workers' last replies
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    }
    if (failure) throw failure;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
