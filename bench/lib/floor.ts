/**
 * The kernel floor (bench/kernel.ts, bench/explore.ts): 64 workers loop { acquire a 4-slot
 * semaphore; hold 1 + U(0,1) ms; release; think U(0,5) ms } over 200,000 ms of virtual time,
 * hand-rolled with nothing but a generator per worker and a heap. Returns the steps it took.
 */
import FastPriorityQueue from "fastpriorityqueue";
import { MS, RandomStream } from "../../src/kernel/index.js";

export const WORKERS = 64;
export const SLOTS = 4;
export const HORIZON = 200_000 * MS;

export function floor(): number {
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

