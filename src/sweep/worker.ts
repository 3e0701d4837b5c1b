/**
 * A sweep worker thread: loads the scenario file itself, then runs the jobs the pool posts, one
 * reply per job. Started by pool.ts from the compiled dist/ tree.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PointRunner, type Job, type RunnerSpec } from "./execute.js";

export type ToWorker = { job: Job };
export type FromWorker = { record: ReturnType<PointRunner["run"]> } | { error: string; input: boolean };

const port = parentPort;
if (!port) throw new Error("src/sweep/worker.js runs only as a worker thread (see pool.ts)");
const runner = new PointRunner(workerData as RunnerSpec);
port.on("message", (m: ToWorker) => {
  let reply: FromWorker;
  try {
    reply = { record: runner.run(m.job) };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e), input: e instanceof Error && e.name === "SweepInputError" };
  }
  port.postMessage(reply);
});
