/**
 * The kernel's event queues (issue 20). Three structures that together give events in one strict
 * total order, (time, priority, sequence) with a unique sequence number per queued event:
 *
 * - `EventHeap`, a binary min-heap that records each event's position in it (`pos`), so an event
 *   can be moved to a new key in place (Kernel.rearmFire) instead of being superseded by a new
 *   one: the CPU model re-arms a CPU's timer on every burst, preemption and slice, and before this
 *   the superseded timers stayed in the heap until their time (about 99 % of the heap's entries
 *   in the 64-thread sysbench load: ~700 beside ~6 live ones).
 * - `EventLane`, a FIFO ring of events that arrive already in order (those due within 1 ns of
 *   being queued, see Kernel.push).
 * - `TimeHeap`, a min-heap of plain times: the "ghosts" of events moved in place. The event at
 *   its old time would have been taken off the queue as a no-op (a stale timer), and that still
 *   counts as a queue event and still stops the clock there (the stall check of `hang_after`
 *   looks at the clock at every queue event), so the kernel takes ghosts in turn with the events.
 *
 * Because the order is total, any correct heap gives the same sequence as any other, so this one
 * gives the order fastpriorityqueue gave before (the explore fixture and every bundled
 * scenario's `run --json` are unchanged); test/kernel/event-lane.test.ts checks the lane and the
 * moved timers against the heap alone.
 */
import type { Ns } from "./time.js";

export interface HeapEvent {
  time: Ns;
  prio: number;
  seq: number;
  /** index in the EventHeap holding it; -1 when in none */
  pos: number;
}

/** a sorts before b in (time, priority, sequence) order */
export function before(a: HeapEvent, b: HeapEvent): boolean {
  return a.time < b.time || (a.time === b.time && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq)));
}

export class EventHeap<T extends HeapEvent> {
  private readonly a: (T | null)[] = [];
  size = 0;

  peek(): T | undefined {
    return this.size > 0 ? this.a[0]! : undefined;
  }

  add(e: T): void {
    this.up(e, this.size++);
  }

  poll(): T {
    const a = this.a;
    const top = a[0]!;
    top.pos = -1;
    const n = --this.size;
    const last = a[n]!;
    a[n] = null;
    if (n > 0) this.down(last, 0);
    return top;
  }

  /** Restores the heap after `e`'s key changed (e must be in this heap). */
  update(e: T): void {
    const i = e.pos;
    if (i > 0 && before(e, this.a[(i - 1) >> 1]!)) this.up(e, i);
    else this.down(e, i);
  }

  private up(e: T, i: number): void {
    const a = this.a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p]!;
      if (!before(e, pe)) break;
      a[i] = pe;
      pe.pos = i;
      i = p;
    }
    a[i] = e;
    e.pos = i;
  }

  private down(e: T, i: number): void {
    const a = this.a;
    const n = this.size;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ce = a[c]!;
      if (c + 1 < n) {
        const r = a[c + 1]!;
        if (before(r, ce)) {
          c++;
          ce = r;
        }
      }
      if (!before(ce, e)) break;
      a[i] = ce;
      ce.pos = i;
      i = c;
    }
    a[i] = e;
    e.pos = i;
  }
}

/** A FIFO ring; the caller appends only events that sort after its last one. */
export class EventLane<T> {
  private buf: (T | null)[] = new Array<T | null>(64).fill(null);
  private mask = 63;
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  peek(): T | undefined {
    return this.head < this.tail ? this.buf[this.head & this.mask]! : undefined;
  }

  last(): T | undefined {
    return this.head < this.tail ? this.buf[(this.tail - 1) & this.mask]! : undefined;
  }

  push(e: T): void {
    if (this.tail - this.head > this.mask) this.grow();
    this.buf[this.tail++ & this.mask] = e;
  }

  shift(): T {
    const i = this.head++ & this.mask;
    const e = this.buf[i]!;
    this.buf[i] = null;
    if (this.head === this.tail) this.head = this.tail = 0;
    return e;
  }

  private grow(): void {
    const n = this.buf.length;
    const next = new Array<T | null>(2 * n).fill(null);
    for (let k = 0; k < n; k++) next[k] = this.buf[(this.head + k) & this.mask]!;
    this.buf = next;
    this.mask = 2 * n - 1;
    this.tail -= this.head;
    this.head = 0;
  }
}

/** A min-heap of times (the ghosts of events moved in place). */
export class TimeHeap {
  private a = new Float64Array(64);
  size = 0;

  /** the least time, or Infinity when empty */
  min(): Ns {
    return this.size > 0 ? this.a[0]! : Infinity;
  }

  add(x: Ns): void {
    if (this.size === this.a.length) {
      const next = new Float64Array(2 * this.a.length);
      next.set(this.a);
      this.a = next;
    }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }

  poll(): Ns {
    const a = this.a;
    const top = a[0]!;
    const n = --this.size;
    const x = a[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1]! < a[c]!) c++;
      if (a[c]! >= x) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = x;
    return top;
  }
}
