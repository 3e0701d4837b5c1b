import type { RunResult } from "../kernel/kernel.js";
import { firstWords as firstWordsOf } from "../mysql/sql/parse.js";
import type { Thd } from "../mysql/thd.js";
import type { Scenario } from "./loader.js";
import type { RunReport, StatementRecord } from "./run.js";

export interface ExpectationResult {
  text: string;
  ok: boolean;
  /** what was found instead, when not ok */
  actual?: string;
}

export interface RunFacts {
  outcome: RunReport["outcome"];
  statements: StatementRecord[];
  finalState(conn: string): string;
  thds: Thd[];
  result: RunResult;
  metrics: Record<string, number>;
}

/** firstWords, remembered: an exploration checks the same statement texts after every run */
const FIRST_WORDS = new Map<string, string>();
function firstWords(sql: string, n: number): string {
  const k = `${n} ${sql}`;
  let w = FIRST_WORDS.get(k);
  if (w === undefined) {
    w = firstWordsOf(sql, n);
    if (FIRST_WORDS.size < 20_000) FIRST_WORDS.set(k, w);
  }
  return w;
}

/**
 * The connections whose statement records checkExpectations reads: those named by `order` and
 * `error` expectations. (The script's own connections need theirs for `error:` on a step too;
 * run.ts adds them.) A lean run keeps no records of any other connection.
 */
export function recordedConnections(sc: Scenario): Set<string> {
  const out = new Set<string>();
  for (const e of sc.expect) {
    if ("order" in e) for (const label of e.order) {
      const { conn } = parseLabel(label);
      if (conn !== undefined) out.add(conn);
    } else if ("error" in e) for (const c of Object.keys(e.error)) out.add(c);
  }
  return out;
}

/** Checks a scenario's `expect` list against what happened. */
export function checkExpectations(sc: Scenario, f: RunFacts): ExpectationResult[] {
  return sc.expect.map((e): ExpectationResult => {
    if ("outcome" in e) return verdict(e.text, f.outcome === e.outcome, `outcome was ${f.outcome}`);
    if ("order" in e) {
      const times = e.order.map((label) => {
        const { conn, n, prefix } = parseLabel(label);
        const s = f.statements.find((x) => x.conn === conn && (prefix === "" || firstWords(x.sql, n) === prefix));
        return { label, end: s ? s.endNs : null };
      });
      const missing = times.filter((t) => t.end === null).map((t) => t.label);
      if (missing.length) return verdict(e.text, false, `never completed: ${missing.join(", ")}`);
      const ok = times.every((t, i) => i === 0 || t.end! > times[i - 1]!.end! || (t.end === times[i - 1]!.end && completionIndex(f, t.label) > completionIndex(f, times[i - 1]!.label)));
      if (ok) return { text: e.text, ok };
      const actual = [...times].sort((a, b) => a.end! - b.end!).map((t) => t.label).join(" before ");
      return verdict(e.text, ok, `actual order: ${actual}`);
    }
    if ("state" in e) {
      const wrong = Object.entries(e.state).filter(([c, s]) => f.finalState(c) !== s);
      return verdict(e.text, wrong.length === 0, wrong.map(([c]) => `${c} is in state "${f.finalState(c)}"`).join(", "));
    }
    if ("error" in e) {
      const lastError = (c: string): string | null => {
        const list = f.statements.filter((s) => s.conn === c);
        const withErr = list.filter((s) => s.error);
        return withErr.length ? withErr[withErr.length - 1]!.error : null;
      };
      const wrong = Object.entries(e.error).filter(([c, err]) => lastError(c) !== err);
      return verdict(e.text, wrong.length === 0, wrong.map(([c]) => `${c}: ${lastError(c) ?? "no error"}`).join(", "));
    }
    if ("metric" in e) {
      const bad: string[] = [];
      for (const [name, b] of Object.entries(e.metric)) {
        const v = f.metrics[name];
        if (v === undefined) {
          bad.push(`${name} was not measured (measured: ${Object.keys(f.metrics).join(", ")})`);
          continue;
        }
        const ok =
          (!b.between || (v >= b.between[0] && v <= b.between[1])) &&
          (b.min === undefined || v >= b.min) &&
          (b.max === undefined || v <= b.max) &&
          (b.equals === undefined || v === b.equals);
        if (!ok) bad.push(`${name} = ${v}`);
      }
      return verdict(e.text, bad.length === 0, bad.join(", "));
    }
    // wait_for
    const nodes = f.result.waitFor ?? [];
    const bad: string[] = [];
    for (const [th, w] of Object.entries(e.wait_for)) {
      const n = nodes.find((x) => x.thread === th);
      if (!n) {
        bad.push(`${th} is not in the wait-for graph (outcome ${f.outcome})`);
        continue;
      }
      if (w.on && n.waitingOn?.name !== w.on) bad.push(`${th} waits on ${n.waitingOn?.name ?? "nothing"}`);
      if (w.holds) for (const h of w.holds) if (!n.holds.includes(h)) bad.push(`${th} does not hold ${h} (holds ${n.holds.join(", ") || "nothing"})`);
      if (w.lost_signal_by) {
        const lost = (n.waitingOn?.detail as { last_lost_signal?: { by: string } } | undefined)?.last_lost_signal;
        if (lost?.by !== w.lost_signal_by) bad.push(`${th}'s condvar had ${lost ? `a lost signal by ${lost.by}` : "no lost signal"}`);
      }
    }
    return verdict(e.text, bad.length === 0, bad.join("; "));
  });
}

function completionIndex(f: RunFacts, label: string): number {
  const { conn, n, prefix } = parseLabel(label);
  return f.statements.findIndex((x) => x.conn === conn && (n === 0 || firstWords(x.sql, n) === prefix));
}

/** An `order` label "conn [FIRST WORDS]": the connection, how many words, the words in upper case (remembered) */
function parseLabel(label: string): { conn: string | undefined; n: number; prefix: string } {
  let p = LABELS.get(label);
  if (!p) {
    const [conn, ...words] = label.split(/\s+/);
    p = { conn, n: words.length, prefix: words.join(" ").toUpperCase() };
    if (LABELS.size < 20_000) LABELS.set(label, p);
  }
  return p;
}
const LABELS = new Map<string, { conn: string | undefined; n: number; prefix: string }>();

function verdict(text: string, ok: boolean, actual: string): ExpectationResult {
  return ok ? { text, ok } : { text, ok, actual };
}
