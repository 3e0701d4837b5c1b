import { Kernel, type RunResult, type Scheduler } from "../../src/kernel/index.js";
import { StreamingTrace } from "../../src/trace/index.js";

/** Runs a model built on a fresh kernel; returns the result and the trace hash. */
export function runModel(
  build: (k: Kernel) => void,
  scheduler?: Scheduler,
  seed = 1,
  until?: number,
): { result: RunResult; hash: string; trace: StreamingTrace; kernel: Kernel } {
  const trace = new StreamingTrace({ keep: 10_000 });
  const kernel = new Kernel({ seed, scheduler, trace });
  build(kernel);
  const result = kernel.run(until);
  return { result, hash: trace.close(), trace, kernel };
}
