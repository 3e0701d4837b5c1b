/**
 * Kernel benchmark (issue 3): 64 workers loop { acquire a 4-slot semaphore; hold 1 + U(0,1) ms;
 * release; think U(0,5) ms } over 200,000 ms of virtual time, three ways:
 *   (a) a bare floor: a minimal generator + fastpriorityqueue loop, no tracing, no scheduler hooks
 *   (b) the mysqlsim kernel with the trace off
 *   (c) the mysqlsim kernel with the trace streaming to a file
 * Prints the two kernel cases' ratios to the floor (steps per second, the median of per-round
 * ratios; bench/harness.ts) and each case's absolute rate and peak RSS. Wall time is measured
 * here only, never inside a simulation.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import FastPriorityQueue from "fastpriorityqueue";
import { Kernel, MS, RandomStream } from "../src/kernel/index.js";
import { Semaphore } from "../src/sync/index.js";
import { StreamingTrace } from "../src/trace/index.js";
import { type RunResult, runBench } from "./harness.js";

const WORKERS = 64;
const SLOTS = 4;
const HORIZON = 200_000 * MS;

/** (a) the floor: same model, hand-rolled, nothing but a generator per worker and a heap. */
function floor(): number {
  type Ev = { time: number; seq: number; w: number };
  const q = new FastPriorityQueue<Ev>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  const rng = new RandomStream(1, "workload");
  let seq = 0;
  let free = SLOTS;
  const waiting: number[] = [];
  let events = 0;
  let now = 0;
  // each worker's generator yields the delay until its next step; -1 means "wants a slot"
  function* worker(): Generator<number, void, void> {
    for (;;) {
      yield -1;
      yield Math.round((1 + rng.next()) * MS);
      free++;
      if (waiting.length > 0) {
        free--;
        q.add({ time: now, seq: seq++, w: waiting.shift()! });
      }
      yield 0; // the release is a step of its own on the kernel too
      yield Math.round(rng.uniform(0, 5) * MS);
    }
  }
  const gens = Array.from({ length: WORKERS }, () => worker());
  for (let w = 0; w < WORKERS; w++) q.add({ time: 0, seq: seq++, w });
  while (!q.isEmpty()) {
    const ev = q.poll()!;
    if (ev.time > HORIZON) break;
    now = ev.time;
    events++;
    const d = gens[ev.w]!.next().value as number;
    if (d === -1) {
      if (free > 0) {
        free--;
        q.add({ time: now, seq: seq++, w: ev.w });
      } else waiting.push(ev.w);
    } else q.add({ time: now + d, seq: seq++, w: ev.w });
  }
  return events;
}

/** (b)/(c) the same model on the kernel. */
function onKernel(trace?: StreamingTrace): number {
  const k = new Kernel({ seed: 1, trace });
  const sem = new Semaphore(k, "slots", SLOTS);
  for (let i = 0; i < WORKERS; i++) {
    k.spawn(`w${i}`, function* (t) {
      const rng = t.rng("workload");
      for (;;) {
        yield t.acquire(sem);
        yield t.sleep(Math.round((1 + rng.next()) * MS));
        yield t.release(sem);
        yield t.sleep(Math.round(rng.uniform(0, 5) * MS));
      }
    });
  }
  const r = k.run(HORIZON);
  trace?.close();
  return r.steps;
}

const dir = mkdtempSync(join(tmpdir(), "mysqlsim-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const steps = (n: number): RunResult => ({ work: n, digest: `${n} steps` });

/**
 * Each case in its own process (the harness): fastpriorityqueue's code is shared by the floor and
 * the kernel, and once the kernel's events have gone through it its inline caches are
 * polymorphic and the floor runs 30-50% slower. The floor sits between the two kernel cases in
 * the round, so each ratio comes from two processes run back to back.
 */
await runBench({
  name: "kernel",
  title: () => `kernel benchmark: ${WORKERS} workers, ${SLOTS}-slot semaphore, ${HORIZON / MS} ms virtual`,
  cases: [
    { id: "off", label: "kernel, trace off", unit: "steps", run: () => steps(onKernel()) },
    { id: "floor", label: "floor (generator + fastpriorityqueue)", unit: "steps", run: () => steps(floor()) },
    { id: "stream", label: "kernel, trace streaming to a file", unit: "steps", run: () => steps(onKernel(new StreamingTrace({ file: join(dir, "trace.jsonl") }))) },
  ],
  ratios: [
    { id: "off", label: "kernel, trace off / floor", a: "off", b: "floor", clock: "cpu" },
    // by wall: the writer thread's point is the second core; what the trace costs in CPU, beside it
    { id: "stream", label: "kernel, trace streaming / floor", a: "stream", b: "floor", show: ["process"] },
  ],
  // five timed runs in each process (its figure is their median) after one warm-up run: the start-up
  // and the JIT's first-run compiling, which an outside timer of the whole process also counts, are
  // then a small part of the process's time
  pairs: 8,
  runs: 5,
});
