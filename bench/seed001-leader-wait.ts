/**
 * Where a flush-stage leader's log_write_up_to wait goes, seed 001 (64 threads, 6 CPUs,
 * CPUQuota=100%, log_bin ON, glibc 2.33): each leader's log_wait_for_flush is split into the
 * time until the log writer's write covering its lsn starts, that write, the time until the
 * flusher's fsync covering it starts, the fsync, and the time until the leader is back; with the
 * leader's spin CPU beside it. A diagnostic for issue 22 (docs/cpu-and-redo.md, "Where a leader's
 * spin goes"): it wraps RedoLog's generator methods to timestamp them and changes nothing they do.
 * Prints figures only.
 *
 *   node dist/bench/seed001-leader-wait.js [--seed 1] [--time 5] [--cpuidle none|skx] [--gate open|default]
 */
import { SEC as NS_PER_SEC } from "../src/kernel/time.js";
import { RedoLog } from "../src/mysql/innodb/redo.js";
import { runSysbench } from "../src/mysql/workload/sysbench.js";
import { IDLE_STATE_TABLES, type CpuMachine } from "../src/machine/cpu/index.js";
import type { Kernel } from "../src/kernel/kernel.js";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const seed = Number(arg("seed", "1"));
const seconds = Number(arg("time", "5"));
const cpuidle = arg("cpuidle", "none");
// open: innodb_log_spin_cpu_abs_lwm=0, so the leaders spin as in the seed's state (a diagnostic)
const gateOpen = arg("gate", "open") === "open";
const warmupNs = 2 * NS_PER_SEC;

type Gen = Generator<unknown, unknown, unknown>;
type Span = [start: number, end: number, upTo: number];
const writes: Span[] = [];
const flushes: Span[] = [];
const leaders: [start: number, end: number, lsn: number, spunNs: number][] = [];
const proto = RedoLog.prototype as unknown as Record<string, (...a: unknown[]) => Gen>;
function timed(name: string, pre: (log: any, a: unknown[]) => unknown, post: (log: any, s: number, e: number, a: unknown[], p: unknown) => void): void {
  const orig = proto[name]!;
  proto[name] = function* (this: any, ...a: unknown[]): Gen {
    const s = this.kernel.now as number;
    const p = pre(this, a);
    const r = yield* orig.apply(this, a);
    if (s >= warmupNs) post(this, s, this.kernel.now, a, p);
    return r;
  };
}
timed("writeBuffer", () => null, (_l, s, e, a) => writes.push([s, e, a[1] as number]));
timed("flushLow", (l) => l.writeLsn, (_l, s, e, _a, upTo) => flushes.push([s, e, upTo as number]));
timed("waitForFlush", (l) => l.stats.userSpinNs, (l, s, e, a, spun0) => leaders.push([s, e, a[1] as number, l.stats.userSpinNs - (spun0 as number)]));

let kernel: Kernel | null = null;
const r = runSysbench({
  prepare: (k) => {
    kernel = k;
  },
  seed, threads: 64, cpus: 6, cpuQuotaPct: 100, durationNs: seconds * NS_PER_SEC, warmupNs, exactPercentiles: false, glibc: "2.33",
  idleStates: IDLE_STATE_TABLES[cpuidle],
  sysvars: { log_bin: true, ...(gateOpen ? { innodb_log_spin_cpu_abs_lwm: 0 } : {}) },
});

const phases: number[][] = [[], [], [], [], [], [], []];
for (const [s, e, lsn, spun] of leaders) {
  const w = writes.find((x) => x[2] >= lsn && x[1] >= s);
  const f = flushes.find((x) => x[2] >= lsn && x[1] >= s);
  if (!w || !f) continue;
  [Math.max(0, w[0] - s), w[1] - w[0], Math.max(0, f[0] - w[1]), f[1] - f[0], Math.max(0, e - f[1]), e - s, spun].forEach((v, i) => phases[i]!.push(v));
}
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? 0;
const us = (ns: number): string => (ns / 1000).toFixed(1).padStart(8);
console.log(`seed ${seed}, ${seconds} s after 2 s, cpuidle ${cpuidle}, gate ${gateOpen ? "forced open" : "default"}: ${Math.round(r.tps)} TPS, user spin ${(r.spin.user_fraction * 100).toFixed(1)}%, binlog group ${r.commit.avg_group_size.toFixed(1)}, ${leaders.length} leader waits`);
console.log(`${"phase (µs)".padEnd(28)}    mean     p50     p90     p99`);
["call -> write starts", "the write", "write end -> fsync starts", "the fsync", "fsync end -> leader back", "whole wait", "leader's spin CPU"].forEach((name, i) => {
  const xs = phases[i]!;
  console.log(`${name.padEnd(28)}${us(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length))}${us(q(xs, 0.5))}${us(q(xs, 0.9))}${us(q(xs, 0.99))}`);
});

// the log threads' run delay per timeslice and their preemptions, beside the connection threads'
const k = kernel! as Kernel;
const m = k.cpuModel as CpuMachine;
const row = (name: string, ts: typeof k.threads): void => {
  let delay = 0;
  let slices = 0;
  let involuntary = 0;
  for (const t of ts) {
    const st = m.schedstat(t);
    delay += st.runDelayNs;
    slices += st.timeslices;
    involuntary += m.ctxSwitches(t).involuntary;
  }
  console.log(`${name.padEnd(28)} run delay ${us(delay / Math.max(1, slices))} µs a timeslice, ${slices} timeslices, ${involuntary} preempted (whole run)`);
};
row("log_writer", k.threads.filter((t) => t.name === "log_writer"));
row("log_flusher", k.threads.filter((t) => t.name === "log_flusher"));
row("connections", k.threads.filter((t) => t.name.startsWith("sbtest") || t.name.startsWith("conn")));
