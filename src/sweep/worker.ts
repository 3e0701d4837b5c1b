/**
 * A sweep worker thread: loads the scenario file itself, then runs the jobs the pool posts, one
 * reply per job. Started by pool.ts from the compiled dist/ tree.
 */
import { PointRunner, type Job, type RunnerSpec } from "./execute.js";
import { serveJobs } from "./pool.js";

serveJobs((spec: RunnerSpec) => {
  const runner = new PointRunner(spec);
  return (job: Job) => runner.run(job);
});
