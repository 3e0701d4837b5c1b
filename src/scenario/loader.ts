import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import type { ZodError } from "zod";
import { parseDuration, SEC, type Ns } from "../kernel/time.js";
import { errorDef } from "../mysql/errors.js";
import { parseMysqldumpArgs, type ProgramName } from "../mysql/programs/mysqldump.js";
import { parseStatement, SqlError, type Statement } from "../mysql/sql/parse.js";
import { checkValue, sysvar, SYSTEM_VARIABLES, type SysVarValue } from "../mysql/sysvars.js";
import { ScenarioSchema, type ExpectationInput, type ScenarioInput, type StepInput } from "./schema.js";

/** A problem in a scenario file, with where it is: "file:line:column: what was wrong, what was expected". */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${column}: ${problem}`);
    this.name = "ScenarioError";
  }
}

export const VERSIONS = ["5.6.10", "5.6.11", "5.6.12", "5.7", "8.0"] as const;
export type Version = (typeof VERSIONS)[number];

/** The version family whose system-variable defaults apply. */
export function versionFamily(v: Version): "5.6" | "5.7" | "8.0" {
  return v.startsWith("5.6") ? "5.6" : (v as "5.7" | "8.0");
}

export type Step = { line: number; index: number } & (
  | { kind: "stmt"; conn: string; sql: string; stmt: Statement; send: boolean; error?: string | null }
  | { kind: "reap"; conn: string; error?: string | null }
  | { kind: "wait_state"; conn: string; state: string; timeoutNs: Ns }
  | { kind: "sleep"; ns: Ns }
  | { kind: "debug_sync"; action: string }
  | { kind: "kill"; conn: string; query: boolean }
  | { kind: "set"; vars: [string, SysVarValue][] }
  | { kind: "select"; from: "processlist" | "metadata_locks"; where: Record<string, unknown>; columns?: string[]; rows: Record<string, unknown>[] }
  | { kind: "comment"; text: string }
);

export type LoopItem = { kind: "stmt"; sql: string; stmt: Statement } | { kind: "sleep"; ns: Ns } | { kind: "think"; meanNs: Ns };

export interface ThreadDef {
  name: string;
  count: number;
  loop: LoopItem[];
  /** a built-in client program run instead of `loop` (once per iteration) */
  program?: { name: ProgramName; args: string[] };
  startNs: Ns;
  iterations: number;
  randomRange: number;
}

export type Expectation = { text: string; line: number } & ExpectationInput;

export interface Scenario {
  file: string;
  name: string;
  description: string;
  version: Version;
  variables: [string, SysVarValue][];
  setup: { sql: string; stmt: Statement }[];
  connections: string[];
  steps: Step[];
  threads: ThreadDef[];
  durationNs: Ns;
  hangAfterNs: Ns;
  expect: Expectation[];
  explore: ScenarioInput["explore"];
  machine: NonNullable<ScenarioInput["machine"]>;
  workload: { sysbench: { test: string; threads: number; timeNs: Ns; warmupNs: Ns } } | null;
}

const STEP_ACTIONS = ["reap", "wait_state", "sleep", "debug_sync", "kill", "kill_query", "set", "select", "comment"] as const;
const STEP_MODIFIERS = new Set(["error", "timeout"]);
const RESERVED = new Set<string>([...STEP_ACTIONS, ...STEP_MODIFIERS]);

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError(file, 1, 1, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return loadScenario(text, file);
}

/** Parses, validates and compiles a scenario; throws ScenarioError with a position for any mistake. */
export function loadScenario(text: string, file = "<scenario>"): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, problem: string): ScenarioError => {
    const p = lc.linePos(offset);
    return new ScenarioError(file, p.line, p.col, problem);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw at(e.pos[0], `YAML syntax: ${e.message.split("\n")[0]}`);
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw at(0, "expected a mapping with at least `name:` at the top level");
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw zodToScenarioError(parsed.error, doc, at);
  return new Compiler(parsed.data, doc, at, file).compile();
}

type At = (offset: number, problem: string) => ScenarioError;

function nodeAt(doc: Document, path: readonly PropertyKey[]): YamlNode | undefined {
  return doc.getIn(path as (string | number)[], true) as YamlNode | undefined;
}

function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  for (let i = path.length; i >= 0; i--) {
    const n = nodeAt(doc, path.slice(0, i));
    if (n && n.range) return n.range[0];
  }
  return 0;
}

/** The position of a key in a mapping (for "unknown key" errors). */
function keyOffset(doc: Document, path: readonly PropertyKey[], key: string): number {
  const map = path.length === 0 ? doc.contents : nodeAt(doc, path);
  if (map && isMap(map)) {
    for (const pair of map.items) if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return pair.key.range[0];
  }
  return offsetOf(doc, path);
}

function zodToScenarioError(err: ZodError, doc: Document, at: At): ScenarioError {
  // prefer the most specific issue: unions report their branches' issues
  const issues = err.issues.flatMap((i) => ("errors" in i && Array.isArray(i.errors) ? (i.errors as ZodError["issues"][]).flat().map((x) => ({ ...x, path: [...i.path, ...x.path] })) : [i]));
  const issue = issues.sort((a, b) => b.path.length - a.path.length)[0] ?? err.issues[0]!;
  const where = issue.path.length ? `\`${issue.path.join(".")}\`` : "the top level";
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    return at(keyOffset(doc, issue.path, key), `unknown key \`${key}\` in ${where}; expected one of: ${allowedKeys(issue.path)}`);
  }
  if (issue.code === "invalid_type") {
    const got = describe(valueAt(doc, issue.path));
    return at(offsetOf(doc, issue.path), `${where} is ${got}; expected ${issue.expected}`);
  }
  if (issue.code === "invalid_value") {
    return at(offsetOf(doc, issue.path), `${where}: ${JSON.stringify(valueAt(doc, issue.path))} is not allowed; expected one of: ${issue.values.map(String).join(", ")}`);
  }
  if (issue.code === "invalid_union") {
    return at(offsetOf(doc, issue.path), `${where} does not match any allowed form (${describe(valueAt(doc, issue.path))}); see docs/scenario-format.md`);
  }
  return at(offsetOf(doc, issue.path), `${where}: ${issue.message}`);
}

function allowedKeys(path: readonly PropertyKey[]): string {
  if (path.length === 0) return Object.keys(ScenarioSchema.shape).join(", ");
  if (path[0] === "expect") return "outcome, order, state, error, metric, wait_for (one per item)";
  if (path[0] === "threads") return "count, loop, program, args, start, iterations, random_range";
  if (path[0] === "explore") return "strategy, runs, depth, max_depth";
  if (path[0] === "steps") return "send (or, in select: from, where, columns, rows)";
  return "see docs/scenario-format.md";
}

function valueAt(doc: Document, path: readonly PropertyKey[]): unknown {
  const n = nodeAt(doc, path);
  if (n === undefined) return undefined;
  return isScalar(n) ? n.value : (n as { toJSON(): unknown }).toJSON();
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "empty (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

class Compiler {
  private readonly usedConnections = new Set<string>();

  constructor(
    private readonly input: ScenarioInput,
    private readonly doc: Document,
    private readonly at: At,
    private readonly file: string,
  ) {}

  compile(): Scenario {
    const i = this.input;
    const version = (i.version ?? "8.0") as Version;
    if (!VERSIONS.includes(version)) this.fail(["version"], `unknown version "${i.version}"; expected one of: ${VERSIONS.join(", ")}`);
    const variables = Object.entries(i.variables ?? {}).map(([name, value]) => this.variable(["variables", name], name, value));
    const setup = (i.setup ?? []).map((sql, n) => {
      const stmt = this.statement(["setup", n], sql);
      if (!["create_table", "insert", "set_var"].includes(stmt.kind)) this.fail(["setup", n], `setup runs before time starts and takes CREATE TABLE, INSERT or SET GLOBAL; got "${sql}"`);
      return { sql, stmt };
    });
    const declared = i.connections;
    const steps = this.steps(i.steps ?? [], declared);
    const threads = Object.entries(i.threads ?? {}).map(([name, def]) => {
      if (declared?.includes(name) || this.usedConnections.has(name)) this.fail(["threads", name], `thread name "${name}" is also a connection; expected a distinct name`);
      if ((def.loop === undefined) === (def.program === undefined)) this.fail(["threads", name], "a thread takes `loop:` (statements) or `program:` (mysqldump), one of the two");
      if (def.args !== undefined && def.program === undefined) this.fail(["threads", name, "args"], "`args:` goes with `program:`");
      const args = (def.args ?? "").split(/\s+/).filter(Boolean);
      if (def.program) {
        try {
          parseMysqldumpArgs(args);
        } catch (e) {
          this.fail(["threads", name, "args"], (e as Error).message);
        }
      }
      return {
        name,
        count: def.count ?? 1,
        ...(def.program ? { program: { name: def.program, args } } : {}),
        loop: (def.loop ?? []).map((item, n): LoopItem => {
          if (typeof item === "string") return { kind: "stmt", sql: item, stmt: this.statement(["threads", name, "loop", n], item) };
          if ("sleep" in item) return { kind: "sleep", ns: this.duration(["threads", name, "loop", n, "sleep"], item.sleep) };
          return { kind: "think", meanNs: this.duration(["threads", name, "loop", n, "think"], item.think) };
        }),
        startNs: def.start === undefined ? 0 : this.duration(["threads", name, "start"], def.start),
        iterations: def.iterations ?? (def.program ? 1 : Number.MAX_SAFE_INTEGER),
        randomRange: def.random_range ?? 1_000_000,
      };
    });
    const wl = i.workload?.sysbench;
    if (steps.length === 0 && threads.length === 0 && !wl) this.fail([], "a scenario needs `steps:`, `threads:` or a `workload:`");
    if (wl && (steps.length > 0 || threads.length > 0)) this.fail(["workload"], "a built-in `workload:` runs on its own; expected no `steps:` or `threads:` beside it");
    if (wl && !i.machine?.cpus) this.fail(["workload"], "the sysbench workload runs on the CPU model; expected `machine: { cpus: N }` (and usually cpu_quota)");
    const expect = (i.expect ?? []).map((e, n) => this.expectation(e, n, declared));
    return {
      file: this.file,
      name: i.name,
      description: i.description ?? "",
      version,
      variables,
      setup,
      connections: declared ?? [...this.usedConnections],
      steps,
      threads,
      durationNs: i.duration === undefined ? 60 * SEC : this.duration(["duration"], i.duration),
      hangAfterNs: i.hang_after === undefined ? 5 * SEC : this.duration(["hang_after"], i.hang_after),
      expect,
      explore: i.explore,
      machine: i.machine ?? {},
      workload: wl
        ? { sysbench: { test: wl.test, threads: wl.threads, timeNs: this.duration(["workload", "sysbench", "time"], wl.time), warmupNs: wl.warmup === undefined ? 2 * SEC : this.duration(["workload", "sysbench", "warmup"], wl.warmup) } }
        : null,
    };
  }

  private steps(input: StepInput[], declared: string[] | undefined): Step[] {
    const inFlight = new Set<string>();
    const known = new Set(declared ?? []);
    // connections are the keys that carry statements, unless declared
    if (!declared) for (const s of input) for (const k of Object.keys(s)) if (!RESERVED.has(k)) known.add(k);
    const conn = (path: PropertyKey[], name: string): string => {
      if (!known.has(name)) this.fail(path, `unknown connection "${name}"; expected one of: ${[...known].join(", ") || "(none: no step runs a statement)"}`);
      return name;
    };
    return input.map((s, index): Step => {
      const base = ["steps", index];
      const line = this.line(base);
      const keys = Object.keys(s).filter((k) => !STEP_MODIFIERS.has(k));
      if (keys.length !== 1) {
        this.fail(base, keys.length === 0 ? "a step needs one action (a connection name with a statement, reap, wait_state, sleep, debug_sync, kill, kill_query, set, select, comment)" : `a step takes one action, got ${keys.join(" and ")}`);
      }
      const key = keys[0]!;
      const errorName = s.error === undefined ? undefined : s.error === null ? null : this.errorName([...base, "error"], s.error);
      if (errorName !== undefined && !(key === "reap" || !RESERVED.has(key))) this.fail([...base, "error"], "`error:` goes on a statement step or a reap step");
      if (s.timeout !== undefined && key !== "wait_state") this.fail([...base, "timeout"], "`timeout:` goes on a wait_state step");
      const common = { line, index };
      switch (key) {
        case "reap": {
          const c = conn([...base, "reap"], s.reap!);
          if (!inFlight.delete(c)) this.fail([...base, "reap"], `reap of ${c}, which has no statement sent; expected a \`${c}: { send: ... }\` step before it`);
          return { ...common, kind: "reap", conn: c, ...(errorName !== undefined ? { error: errorName } : {}) };
        }
        case "wait_state": {
          const entries = Object.entries(s.wait_state!);
          if (entries.length !== 1) this.fail([...base, "wait_state"], "wait_state takes one connection: { con2: Waiting for table metadata lock }");
          const [c, state] = entries[0]!;
          return { ...common, kind: "wait_state", conn: conn([...base, "wait_state", c], c), state, timeoutNs: s.timeout === undefined ? 30 * SEC : this.duration([...base, "timeout"], s.timeout) };
        }
        case "sleep":
          return { ...common, kind: "sleep", ns: this.duration([...base, "sleep"], s.sleep!) };
        case "debug_sync": {
          const action = s.debug_sync!;
          if (!/^now\s+(SIGNAL|WAIT_FOR)\s+\w+/i.test(action) && !/^RESET$/i.test(action)) {
            this.fail([...base, "debug_sync"], `the script's debug_sync takes "now SIGNAL <name>", "now WAIT_FOR <name>" or "RESET"; to arm a point, run SET DEBUG_SYNC='<point> ...' on the connection that should stop there`);
          }
          return { ...common, kind: "debug_sync", action };
        }
        case "kill":
        case "kill_query":
          return { ...common, kind: "kill", conn: conn([...base, key], (s as Record<string, string>)[key]!), query: key === "kill_query" };
        case "set":
          return { ...common, kind: "set", vars: Object.entries(s.set!).map(([n, v]) => this.variable([...base, "set", n], n, v)) };
        case "select": {
          const sel = s.select!;
          return { ...common, kind: "select", from: sel.from, where: sel.where ?? {}, ...(sel.columns ? { columns: sel.columns } : {}), rows: sel.rows };
        }
        case "comment":
          return { ...common, kind: "comment", text: s.comment! };
        default: {
          const c = conn([...base, key], key);
          this.usedConnections.add(c);
          const spec = (s as Record<string, unknown>)[key] as string | { send: string };
          const send = typeof spec !== "string";
          const sql = typeof spec === "string" ? spec : spec.send;
          if (inFlight.has(c)) this.fail([...base, key], `${c} still has a statement in flight; expected \`reap: ${c}\` before its next statement`);
          if (send) inFlight.add(c);
          const stmt = this.statement(send ? [...base, key, "send"] : [...base, key], sql);
          return { ...common, kind: "stmt", conn: c, sql, stmt, send, ...(errorName !== undefined ? { error: errorName } : {}) };
        }
      }
    });
  }

  private expectation(e: ExpectationInput, n: number, declared: string[] | undefined): Expectation {
    const path = ["expect", n];
    const line = this.line(path);
    const known = new Set([...(declared ?? []), ...this.usedConnections, ...(this.input.threads ? Object.keys(this.input.threads) : [])]);
    const checkConn = (p: PropertyKey[], c: string): void => {
      if (!known.has(c) && !/^\w+\d+$/.test(c)) this.fail(p, `unknown connection or thread "${c}"; expected one of: ${[...known].join(", ")}`);
    };
    let text: string;
    if ("outcome" in e) text = `outcome is ${e.outcome}`;
    else if ("order" in e) {
      e.order.forEach((o, k) => {
        const c = o.split(/\s+/)[0]!;
        checkConn([...path, "order", k], c);
      });
      text = `completion order: ${e.order.join(" before ")}`;
    } else if ("state" in e) {
      for (const c of Object.keys(e.state)) checkConn([...path, "state", c], c);
      text = Object.entries(e.state).map(([c, s]) => `${c} is in state "${s}"`).join(", ");
    } else if ("error" in e) {
      for (const [c, err] of Object.entries(e.error)) {
        checkConn([...path, "error", c], c);
        if (err !== null) this.errorName([...path, "error", c], err);
      }
      text = Object.entries(e.error).map(([c, err]) => (err ? `${c} failed with ${err}` : `${c} had no error`)).join(", ");
    } else if ("metric" in e) {
      text = Object.entries(e.metric).map(([m, b]) => `${m} ${boundsText(b)}`).join(", ");
    } else {
      text = Object.entries(e.wait_for).map(([th, w]) => `${th} waits${w.on ? ` on ${w.on}` : ""}${w.holds ? ` holding ${w.holds.join(", ")}` : ""}${w.lost_signal_by ? ` after a signal lost by ${w.lost_signal_by}` : ""}`).join(", ");
    }
    return { ...e, text, line };
  }

  private variable(path: PropertyKey[], name: string, value: unknown): [string, SysVarValue] {
    const def = sysvar(name);
    if (!def) {
      const close = SYSTEM_VARIABLES.filter((v) => v.name.includes(name.toLowerCase().slice(0, 6))).map((v) => v.name);
      this.fail(path, `unknown variable "${name}"; expected a modelled system variable${close.length ? ` (did you mean ${close.join(", ")}?)` : ""}; \`mysqlsim list --variables\` shows them all`, true);
    }
    const r = checkValue(def!, value);
    if ("error" in r) this.fail(path, r.error);
    return [def!.name, (r as { value: SysVarValue }).value];
  }

  private statement(path: PropertyKey[], sql: string): Statement {
    try {
      const stmt = parseStatement(sql);
      if (stmt.kind === "set_var" && !sysvar(stmt.name)) this.fail(path, `unknown variable "${stmt.name}"; expected a modelled system variable`);
      if (stmt.kind === "set_var") {
        const r = checkValue(sysvar(stmt.name)!, stmt.value);
        if ("error" in r) this.fail(path, r.error);
      }
      return stmt;
    } catch (e) {
      if (e instanceof SqlError) this.fail(path, e.message);
      throw e;
    }
  }

  private errorName(path: PropertyKey[], name: string): string {
    if (!errorDef(name)) this.fail(path, `unknown error name "${name}"; expected a MySQL error name such as ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_QUERY_INTERRUPTED, or null`);
    return name;
  }

  private duration(path: PropertyKey[], v: string | number): Ns {
    const ns = parseDuration(v);
    if (ns === null) this.fail(path, `"${v}" is not a duration; expected a number of seconds or a number with a unit (ns, us, ms, s, m, h), e.g. "250ms"`);
    return ns!;
  }

  private line(path: PropertyKey[]): number {
    const off = offsetOf(this.doc, path);
    return this.at(off, "").line;
  }

  private fail(path: PropertyKey[], problem: string, atKey = false): never {
    const parent = path.slice(0, -1);
    const last = path[path.length - 1];
    const off = atKey && typeof last === "string" ? keyOffset(this.doc, parent, last) : offsetOf(this.doc, path);
    throw this.at(off, problem);
  }
}

function boundsText(b: { between?: [number, number]; min?: number; max?: number; equals?: number }): string {
  if (b.between) return `between ${b.between[0]} and ${b.between[1]}`;
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  if (b.equals !== undefined) parts.push(`= ${b.equals}`);
  return parts.join(" and ");
}
