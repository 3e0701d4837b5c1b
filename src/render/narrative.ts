import type { TraceRecord } from "../trace/record.js";
import { preemptText } from "./timeline.js";

/**
 * The narrative a person reads after `mysqlsim run`: each connection's statements, the waits with
 * their processlist state and what they wait on, who woke whom, errors, and for a hang or
 * deadlock the wait-for graph in words. Reads trace records only.
 */
export interface NarrativeOptions {
  /** also show lock/unlock/signal of internal mutexes (default: only waits and model events) */
  verbose?: boolean;
  /** show at most this many lines: the first and the last half, with a line saying how many were left out between */
  maxLines?: number;
}

const fmtT = (ns: number): string => (ns / 1e9).toFixed(6).padStart(12);
const fmtDur = (ns: number): string => (ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns} ns`);

export function narrative(records: Iterable<TraceRecord>, opts: NarrativeOptions = {}): string[] {
  const lines: string[] = [];
  const max = opts.maxLines ?? Infinity;
  const headMax = Math.ceil(max / 2);
  const tailMax = Math.floor(max / 2);
  // the tail is a ring buffer, so memory stays bounded however long the run
  const tail: string[] = [];
  let omitted = 0;
  const state = new Map<string, string>();
  /** each thread's last preemption, for the hang report: the window it opened */
  const preempted = new Map<string, Preemption>();
  const push = (r: TraceRecord, text: string): void => {
    const line = `${fmtT(r.t)}  ${r.th.padEnd(10)} ${text}`;
    if (lines.length < headMax) lines.push(line);
    else {
      tail.push(line);
      if (tail.length > tailMax) {
        tail.shift();
        omitted++;
      }
    }
  };
  for (const r of records) {
    const d = (r.d ?? {}) as Record<string, unknown>;
    switch (r.k) {
      case "scenario":
        lines.push(`scenario: ${r.o}  (MySQL ${d.version}, seed ${d.seed})`);
        break;
      case "stmt":
        push(r, `> ${d.sql}`);
        break;
      case "stmt_end":
        push(r, d.error ? `< ${d.text}  (${fmtDur(d.ns as number)})` : `< ok: ${d.sql}  (${fmtDur(d.ns as number)})`);
        break;
      case "state":
        state.set(r.th, String(d.state ?? ""));
        break;
      case "wait":
        if (opts.verbose || d.kind !== "mailbox") {
          if (d.kind === "mailbox" || d.kind === "reap") break;
          const st = d.state ? `"${d.state}" ` : "";
          push(r, `waits ${st}on ${r.o} (${d.kind})${d.timeout_ns !== undefined ? `, timeout ${fmtDur(d.timeout_ns as number)}` : ""}`);
        }
        break;
      case "wake":
        if (String(r.o ?? "").startsWith("mailbox") || String(r.o ?? "").startsWith("result of")) break;
        push(r, `${d.reason === "granted" ? "gets" : String(d.reason)} ${r.o} after ${fmtDur(d.waited_ns as number)}${d.by && d.by !== r.th ? `, woken by ${d.by}` : ""}`);
        break;
      case "timeout":
        push(r, `wait on ${r.o} timed out after ${fmtDur(d.waited_ns as number)}`);
        break;
      case "preempt":
      case "cpu.preempt": {
        // a delay of the delay strategy always; an OS preemption where the model marked the code
        // (the interesting windows), or with --verbose
        if (r.k === "cpu.preempt" && !opts.verbose && d.after === undefined) break;
        const p = preemption(r, d);
        preempted.set(r.th, p);
        push(r, p.text);
        break;
      }
      case "lost_signal":
        // usually harmless (a broadcast with no followers); the hang report names the one that matters
        if (opts.verbose) push(r, `${d.op} on ${r.o} found no waiter`);
        break;
      case "signal":
        if (opts.verbose) push(r, `signals ${r.o}, waking ${d.woke}`);
        break;
      case "lock":
      case "unlock":
        if (opts.verbose) push(r, `${r.k}s ${r.o}`);
        break;
      case "sync_point":
        if (opts.verbose) push(r, `reaches sync point ${r.o}`);
        break;
      case "debug_sync_signal":
        push(r, `DEBUG_SYNC signal ${r.o}`);
        break;
      case "kill":
        push(r, `KILL ${d.query ? "QUERY" : "CONNECTION"} ${r.o}`);
        break;
      case "set_var":
        push(r, `SET ${d.scope} ${r.o} = ${d.value}`);
        break;
      case "comment":
        push(r, `# ${d.text}`);
        break;
      case "select":
        push(r, `SELECT FROM ${r.o}: ${(d.rows as unknown[]).length} row(s)`);
        for (const row of d.rows as Record<string, unknown>[]) push(r, `    ${Object.entries(row).map(([k, v]) => `${k}=${v === null ? "NULL" : v}`).join(" ")}`);
        break;
      case "step":
      case "note":
        push(r, String(d.text ?? r.o ?? ""));
        break;
      case "invariant":
      case "error":
        push(r, `!! ${r.k}: ${d.message}`);
        break;
      case "deadlock":
      case "hang":
        (tail.length || lines.length >= headMax ? tail : lines).push("", ...waitForInWords(r.k, d, preempted));
        break;
      default:
        if (opts.verbose) push(r, `${r.k}${r.o ? ` ${r.o}` : ""}${r.d ? ` ${JSON.stringify(r.d)}` : ""}`);
    }
  }
  if (omitted > 0) lines.push(`... ${omitted} line(s) not shown ...`);
  return lines.concat(tail);
}

interface GraphNode {
  thread: string;
  state: string;
  waitingOn: { name: string; kind: string; detail?: { last_lost_signal?: { at: number; by: string; op: string } } } | null;
  since: number;
  holds: string[];
  blockedBy: string[];
}

/** A thread taken off its CPU: by the delay strategy (`preempt`) or the CPU model (`cpu.preempt`). */
export interface Preemption {
  at: number;
  text: string;
}

function preemption(r: TraceRecord, d: Record<string, unknown>): Preemption {
  return { at: r.t, text: preemptText(r.k, r.k === "cpu.preempt" ? { ...d, in: r.o } : d) };
}

/**
 * The wait-for graph of a hang or deadlock, one sentence per thread. In a hang, the root cause is
 * the thread waiting on a condition whose wake-up was lost and behind which the most threads are
 * stuck (the rotator on m_prep_xids_cond in bug #68569): it is named first; the other condition
 * waiters (group-commit followers waiting for their leader) are shown as waiting behind it, since
 * the signal they need would come once it moves. With the run's preemptions, a lost wake-up names
 * the one that opened its window: the waiter was off its CPU between its check and its wait.
 */
export function waitForInWords(kind: string, d: Record<string, unknown>, preempted?: ReadonlyMap<string, Preemption>): string[] {
  const nodes = (d.threads ?? []) as GraphNode[];
  const cycle = (d.cycle ?? []) as string[];
  const root = kind === "hang" ? hangRoot(nodes) : null;
  const out = [kind === "deadlock" ? `DEADLOCK: ${cycle.join(" -> ")} -> ${cycle[0]}` : "HANG: every thread waits, and nothing that runs or will run can wake them"];
  if (root) {
    const lost = root.waitingOn!.detail!.last_lost_signal!;
    out.push(`  root cause: ${root.thread} waits on ${root.waitingOn!.name}, whose last ${lost.op} (from ${lost.by} at ${(lost.at / 1e9).toFixed(6)}) found nobody waiting: the one lost wake-up`);
  }
  for (const n of nodes) {
    // idle connections waiting for their next statement are not part of the story
    if (!n.waitingOn || n.waitingOn.kind === "mailbox") continue;
    let s = `  ${n.thread}${n.state ? ` ("${n.state}")` : ""} waits on ${n.waitingOn.name} (${n.waitingOn.kind}) since ${(n.since / 1e9).toFixed(6)}`;
    if (n.holds.length) s += `, holding ${n.holds.join(", ")}`;
    if (n.blockedBy.length) s += `; held by ${n.blockedBy.join(", ")}`;
    else if (n.waitingOn.kind === "cond" && root && n !== root) s += `; waits behind ${root.thread}: what would signal it is stuck until ${root.thread} moves`;
    else if (n.waitingOn.kind === "cond") s += "; nobody is left to signal it";
    const lost = n.waitingOn.detail?.last_lost_signal;
    if (lost && (!root || n === root)) {
      s += `; its last ${lost.op} came from ${lost.by} at ${(lost.at / 1e9).toFixed(6)}, when nobody was waiting: ${root ? "the" : "a"} lost wake-up`;
      const p = preempted?.get(n.thread);
      // the signal landed after the thread was stopped and before it began to wait: that stop was the window
      if (p && p.at <= lost.at && lost.at <= n.since) s += ` (the window: ${n.thread} was ${p.text.replace(/^preempted/, "preempted at " + (p.at / 1e9).toFixed(6))})`;
    }
    out.push(s);
  }
  return out;
}

/**
 * The condition waiter whose lost wake-up holds the hang: blocked by no holder, with a lost
 * signal, and with the most threads stuck behind it (through what it holds); null if none has
 * anyone behind it (then every cond waiter is its own story).
 */
function hangRoot(nodes: readonly GraphNode[]): GraphNode | null {
  const behind = (t: string): number => {
    const seen = new Set<string>([t]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const n of nodes) if (!seen.has(n.thread) && n.blockedBy.some((b) => seen.has(b))) grew = seen.add(n.thread) !== undefined;
    }
    return seen.size - 1;
  };
  let best: GraphNode | null = null;
  let most = 0;
  for (const n of nodes) {
    if (n.waitingOn?.kind !== "cond" || n.blockedBy.length || !n.waitingOn.detail?.last_lost_signal) continue;
    const b = behind(n.thread);
    if (b > most) [best, most] = [n, b];
  }
  return best;
}
