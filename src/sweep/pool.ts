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
import { parentPort, Worker, workerData } from "node:worker_threads";
import { PointRunner, type Job, type RunnerSpec, type RunRecord } from "./execute.js";
import { SweepInputError } from "./grid.js";

/**
 * Jobs kept in flight per worker: one running, one queued, to hide the message round trip. A new
 * worker gets one job only until its first reply: it is still loading modules and compiling, so a
 * second job queued on it would wait there while this (warm) thread could have run it.
 */
const IN_FLIGHT = 2;

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * A compiled worker script, `rel` under src/ (default the sweep worker). From dist/ (the CLI) it
 * sits in the dist/src tree beside this module's directory; under vitest this module is TypeScript
 * source, so use the compiled copy in dist/ (globalSetup builds it).
 */
export function workerScript(rel = "sweep/worker.js"): string {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), "..", rel);
  if (here.endsWith(".js") && existsSync(beside)) return beside;
  let dir = dirname(here);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "dist", "src", rel);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the compiled worker ${rel} (under ${join(dirname(here), "..")} or dist/src/); run \`npm run build\``);
}

/** What a worker thread posts back for one job. */
export type FromWorker<R> = { record: R } | { error: string; input: boolean };

/**
 * The body of a worker thread: builds its runner from workerData once, then answers every posted
 * job with one reply. An error named SweepInputError is bad input (exit 2), any other a failure.
 */
export function serveJobs<S, J, R>(makeRunner: (spec: S) => (job: J) => R): void {
  const port = parentPort;
  if (!port) throw new Error("a worker script runs only as a worker thread (see src/sweep/pool.ts)");
  const run = makeRunner(workerData as S);
  port.on("message", (m: { job: J }) => {
    let reply: FromWorker<R>;
    try {
      reply = { record: run(m.job) };
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e), input: e instanceof Error && e.name === "SweepInputError" };
    }
    port.postMessage(reply);
  });
}

export interface PoolOptions {
  spec: RunnerSpec;
  workers: number;
  /** called once per finished run, in completion order */
  onRecord: (r: RunRecord) => void;
  /** an existing runner for in-process runs (it caches scenario variants) */
  runner?: PointRunner;
}

/** Runs sweep jobs on the pool (see runPool). */
export async function runJobs(jobs: readonly Job[], o: PoolOptions): Promise<void> {
  const runner = o.runner ?? (jobs.length ? new PointRunner(o.spec) : null);
  await runPool(jobs, { workers: o.workers, script: "sweep/worker.js", workerData: o.spec, runLocal: (j) => runner!.run(j), onResult: o.onRecord, name: "sweep" });
}

export interface GenericPoolOptions<J, R> {
  workers: number;
  /** the worker script, relative to src/ (see workerScript) */
  script: string;
  /** what each worker thread builds its runner from */
  workerData: unknown;
  /** runs one job on this thread */
  runLocal: (job: J) => R;
  /** called once per finished job, in completion order */
  onResult: (r: R) => void;
  /** asked before a job is handed out: true stops handing out this job and every later one */
  stopBefore?: (job: J) => boolean;
  /** for error messages */
  name?: string;
}

/**
 * Runs the jobs on `workers` threads of execution: this thread plus workers-1 worker threads. This
 * thread takes jobs too, between handling the workers' replies, so it is never idle while they
 * start (loading the modules and the scenario takes a few hundred milliseconds per thread). Jobs
 * are handed out in order; once `stopBefore` says so, no later job starts and the pool ends when
 * the jobs already handed out are finished.
 */
export async function runPool<J, R>(jobs: readonly J[], o: GenericPoolOptions<J, R>): Promise<void> {
  if (jobs.length === 0) return;
  const name = o.name ?? "pool";
  const workers = Math.max(1, Math.min(o.workers, jobs.length));
  const threads = workers - 1;
  const script = threads > 0 ? workerScript(o.script) : "";
  let next = 0;
  let limit = jobs.length;
  let done = 0;
  let failure: Error | null = null;
  const pool: Worker[] = [];
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const accept = (r: R): void => {
    o.onResult(r);
    done++;
  };
  /** the next job to start, or undefined when none is left or the caller stopped */
  const take = (): J | undefined => {
    if (failure || next >= limit) return undefined;
    const job = jobs[next]!;
    if (o.stopBefore?.(job)) {
      limit = next;
      return undefined;
    }
    next++;
    return job;
  };
  const inFlight = new Map<Worker, number>();
  const feed = (w: Worker): void => {
    const job = take();
    if (job === undefined) return;
    inFlight.set(w, (inFlight.get(w) ?? 0) + 1);
    w.postMessage({ job });
  };
  const fail = (e: Error): void => {
    failure ??= e;
    poke();
  };
  try {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(script, { workerData: o.workerData, execArgv: [] });
      pool.push(w);
      w.on("message", (m: FromWorker<R>) => {
        if (failure) return;
        if ("error" in m) return fail(m.input ? new SweepInputError(m.error) : new Error(`${name} worker: ${m.error}`));
        inFlight.set(w, inFlight.get(w)! - 1);
        try {
          accept(m.record);
        } catch (e) {
          return fail(e as Error);
        }
        // a worker that has answered is warm: top it up to IN_FLIGHT
        while (inFlight.get(w)! < IN_FLIGHT && !failure && next < limit) {
          const before = next;
          feed(w);
          if (next === before) break;
        }
        poke();
      });
      w.on("error", (e) => fail(e));
      w.on("exit", (code) => {
        if (done < next) fail(new Error(`${name} worker exited (code ${code}) with ${next - done} job(s) unfinished`));
      });
      feed(w);
    }
    while (!failure && (done < next || next < limit)) {
      const job = take();
      if (job !== undefined) {
        accept(o.runLocal(job));
        // let worker replies, progress redraws and signals in between runs
        await new Promise<void>((r) => setImmediate(r));
      } else if (done < next) {
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
