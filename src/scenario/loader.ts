import { readFileSync } from "node:fs";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import { z, type ZodError } from "zod";
import { parseDuration, SEC, type Ns } from "../kernel/time.js";
import { errorDef } from "../mysql/errors.js";
import { parseMysqldumpArgs, type ProgramName } from "../mysql/programs/mysqldump.js";
import { parseStatement, SqlError, type Statement } from "../mysql/sql/parse.js";
import { parseDebugSyncAction } from "../mysql/sql/execute.js";
import { reaches, syncPoint, SYNC_POINTS } from "../mysql/sql/sync-points.js";
import { MysqlError } from "../mysql/errors.js";
import { checkValue, sysvar, SYSTEM_VARIABLES, type SysVarValue } from "../mysql/sysvars.js";
import { parseInjectExpression } from "../machine/fs/strace.js";
import { reachableStates } from "../mysql/thread-states.js";
import { quotaPercentOrNull } from "./quota.js";
import { MAX_REPEAT, ScenarioSchema, type ExpectationInput, type ScenarioInput, type StepInput } from "./schema.js";

/**
 * A problem in a scenario file, with where it is: "file:line:column: what was wrong, what was
 * expected". The loader reports every problem it finds in one go: `all` holds them in file
 * order (this one first), and the message has one line per problem.
 */
export class ScenarioError extends Error {
  readonly all: readonly ScenarioError[];
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
    more: readonly ScenarioError[] = [],
  ) {
    super([`${file}:${line}:${column}: ${problem}`, ...more.map((e) => `${e.file}:${e.line}:${e.column}: ${e.problem}`)].join("\n"));
    this.name = "ScenarioError";
    this.all = [this, ...more];
  }

  /** One error carrying several, sorted by position; one per position (a step in a repeat fails once, not per iteration). */
  static of(errors: readonly ScenarioError[]): ScenarioError {
    const seen = new Set<string>();
    const list = [...errors].sort((a, b) => a.line - b.line || a.column - b.column).filter((e) => !seen.has(`${e.line}:${e.column}`) && seen.add(`${e.line}:${e.column}`));
    const [first, ...rest] = list;
    return new ScenarioError(first!.file, first!.line, first!.column, first!.problem, rest);
  }
}

/** How deeply mappings and lists may nest; bundled scenarios need 7. */
export const MAX_NESTING = 64;
/** Keys that would reach a JavaScript object's prototype machinery, never scenario keys. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

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
  | { kind: "connect"; conn: string }
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

const STEP_ACTIONS = ["reap", "wait_state", "sleep", "debug_sync", "kill", "kill_query", "connect", "set", "select", "comment", "repeat"] as const;
const STEP_MODIFIERS = new Set(["error", "timeout"]);
const RESERVED = new Set<string>([...STEP_ACTIONS, ...STEP_MODIFIERS]);

export function loadScenarioFile(file: string): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ScenarioError(file, 1, 1, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return loadScenario(decodeUtf8(bytes, file), file);
}

/** The file's text; a byte sequence that is not UTF-8 is an error at its position, not a silent U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, bad));
    const lines = before.split("\n");
    const hex = [...bytes.subarray(bad, bad + 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new ScenarioError(file, lines.length, lines.at(-1)!.length + 1, `invalid UTF-8 (bytes ${hex} at byte offset ${bad}); expected the file saved as UTF-8`);
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    // overlong three-byte forms, UTF-16 surrogates, and code points past U+10FFFF
    if ((c === 0xe0 && b[i + 1]! < 0xa0) || (c === 0xed && b[i + 1]! >= 0xa0) || (c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! >= 0x90)) return i;
    i += n + 1;
  }
  return b.length;
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
    const message = e.message.split("\n")[0]!;
    if (/call stack/i.test(message)) throw at(e.pos[0], `nesting too deep for the YAML parser; expected at most ${MAX_NESTING} levels of mappings and lists`);
    throw at(e.pos[0], `YAML syntax: ${message}`);
  }
  const shapeErrors = checkShape(doc, at);
  if (shapeErrors.length) throw ScenarioError.of(shapeErrors);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw at(firstAlias(doc), `aliases expand to too much data (more than ${MAX_ALIAS_EXPANSIONS} expansions of *aliases, as in a YAML "billion laughs"); expected a plain scenario`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw at(0, "expected a mapping with at least `name:` at the top level");
  const parsed = ScenarioSchema.safeParse(raw);
  if (parsed.success) return new Compiler(parsed.data, doc, at, file).compile();
  // the structure is wrong somewhere: the parts that are right are still compiled, so one run
  // reports the structure errors and the meaning errors (statements, variables, states) together
  const errors = zodToScenarioErrors(parsed.error, doc, at);
  const partial = partialInput(raw as Record<string, unknown>);
  try {
    new Compiler(partial.input, doc, at, file, partial.pruned).compile();
  } catch (e) {
    if (e instanceof ScenarioError) errors.push(...e.all);
    // anything else: a consequence of the parts left out; the structure errors say what to fix
  }
  throw ScenarioError.of(errors);
}

/** What partialInput left out, so that compiling the rest does not report its consequences. */
interface Pruned {
  /** connections named in steps that were left out: their send/reap pairing is unknown */
  connections: Set<string>;
  /** threads left out (expectations may still name them) */
  threads: string[];
  /** a top-level key the schema does not know (a misspelt `steps:` would leave the scenario empty) */
  unknownKeys?: boolean;
}

/**
 * The parts of a scenario that fit the schema: each list item, record entry and top-level value
 * checked on its own; a list keeps its length (an item left out is a hole, which the compiler's
 * forEach/flatMap skip), so every position still points into the file.
 */
function partialInput(raw: Record<string, unknown>): { input: ScenarioInput; pruned: Pruned } {
  const shape = ScenarioSchema.shape as Record<string, z.ZodType>;
  const pruned: Pruned = { connections: new Set(), threads: [] };
  const input: Record<string, unknown> = {};
  const inner = (t: z.ZodType): z.ZodType => (t instanceof z.ZodOptional ? (t.unwrap() as z.ZodType) : t);
  for (const [key, value] of Object.entries(raw)) {
    const field = shape[key];
    if (!field) {
      pruned.unknownKeys = true;
      continue;
    }
    const t = inner(field);
    if (t instanceof z.ZodArray && Array.isArray(value)) {
      const list: unknown[] = new Array(value.length);
      value.forEach((item, n) => {
        const r = (t.element as z.ZodType).safeParse(item);
        if (r.success) list[n] = r.data;
        else if (key === "steps") for (const c of stepConnections(item)) pruned.connections.add(c);
      });
      input[key] = list;
    } else if (t instanceof z.ZodRecord && value && typeof value === "object" && !Array.isArray(value)) {
      const rec: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = (t.valueType as z.ZodType).safeParse(v);
        if (r.success) rec[k] = r.data;
        else if (key === "threads") pruned.threads.push(k);
      }
      input[key] = rec;
    } else {
      const r = field.safeParse(value);
      if (r.success) input[key] = r.data;
    }
  }
  if (typeof input.name !== "string") input.name = "";
  return { input: input as unknown as ScenarioInput, pruned };
}

/** The connection names a step (and any repeat inside it) runs statements on. */
function stepConnections(step: unknown): string[] {
  if (!step || typeof step !== "object" || Array.isArray(step)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(step)) {
    if (k === "repeat" && v && typeof v === "object" && Array.isArray((v as { steps?: unknown }).steps)) out.push(...(v as { steps: unknown[] }).steps.flatMap(stepConnections));
    else if (!RESERVED.has(k)) out.push(k);
  }
  return out;
}

/** yaml's own limit on alias expansion; its default too. */
const MAX_ALIAS_EXPANSIONS = 100;

/**
 * What the YAML parser accepts but a scenario must not have, each at its position: nesting past
 * MAX_NESTING (checked before anything recursive walks the tree), an *alias with no &anchor,
 * reserved JavaScript keys (they would be dropped or reach the prototype), keys that are not
 * plain scalars. Walks the tree with its own stack, so depth cannot overflow the call stack.
 */
function checkShape(doc: Document, at: At): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const offset = (n: unknown): number => (n as { range?: [number, number] } | null)?.range?.[0] ?? 0;
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0 && errors.length < 20) {
    const [node, depth] = stack.pop()!;
    if (isAlias(node)) {
      if (!node.resolve(doc)) errors.push(at(offset(node), `*${node.source} refers to no anchor; expected \`&${node.source}\` on a value earlier in the file`));
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_NESTING) {
      errors.push(at(offset(node), `nesting too deep: more than ${MAX_NESTING} levels of mappings and lists; a scenario needs fewer than 10`));
      continue;
    }
    for (const item of node.items) {
      if (isPair(item)) {
        if (item.key !== null && !isScalar(item.key)) errors.push(at(offset(item.key), "a key must be a plain name; expected `name: value`, not a list or mapping as the key"));
        else if (isScalar(item.key) && RESERVED_KEYS.has(String(item.key.value))) errors.push(at(offset(item.key), `key \`${String(item.key.value)}\` is reserved (it names JavaScript object internals); expected a scenario key or a connection name`));
        stack.push([item.value, depth + 1]);
      } else stack.push([item, depth + 1]);
    }
  }
  return errors;
}

function firstAlias(doc: Document): number {
  let off = 0;
  visit(doc, {
    Alias(_, node) {
      off = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return off;
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

type Issue = ZodError["issues"][number];

/** One positioned error per top-level schema issue; within a union, the branch that got furthest. */
function zodToScenarioErrors(err: ZodError, doc: Document, at: At): ScenarioError[] {
  return err.issues.map((i) => issueToError(i, doc, at));
}

function branchIssues(issue: Issue): Issue[][] {
  if (issue.code !== "invalid_union" || !Array.isArray(issue.errors)) return [];
  return (issue.errors as Issue[][]).map((branch) => branch.map((x) => ({ ...x, path: [...issue.path, ...x.path] }) as Issue));
}

/** How far into the value an issue got: deeper paths first, then a wrong key or value over a wrong type. */
function specificity(i: Issue): number {
  return i.path.length * 10 + (i.code === "unrecognized_keys" ? 15 : i.code === "invalid_value" ? 2 : i.code === "invalid_type" ? 0 : 1);
}

function issueToError(issue: Issue, doc: Document, at: At): ScenarioError {
  const where = issue.path.length ? `\`${issue.path.join(".")}\`` : "the top level";
  const value = valueAt(doc, issue.path);
  if (issue.code === "invalid_union") {
    const branches = branchIssues(issue).filter((b) => b.length > 0);
    // no branch fits the value's type at all: say which types would
    if (branches.length && branches.every((b) => b.length === 1 && b[0]!.code === "invalid_type" && b[0]!.path.length === issue.path.length)) {
      const expected = [...new Set(branches.map((b) => typeName((b[0] as { expected: string }).expected)))];
      return at(offsetOf(doc, issue.path), `${where} is ${describe(value)}; expected ${expected.join(" or ")}`);
    }
    // the branch that fits the value best: its type, then fewest keys it does not know
    const misfit = (b: Issue[]): number =>
      b.reduce((n, i) => n + (i.path.length === issue.path.length ? (i.code === "invalid_type" ? 1000 : i.code === "unrecognized_keys" ? 10 * i.keys.length : 0) : 0), 0);
    const branch = [...branches].sort((a, b) => misfit(a) - misfit(b))[0] ?? [];
    const best = [...branch].sort((a, b) => specificity(b) - specificity(a))[0];
    if (best && specificity(best) > issue.path.length * 10) return issueToError(best, doc, at);
    return at(offsetOf(doc, issue.path), `${where} does not match any allowed form (it is ${describe(value)}); see docs/scenario-format.md`);
  }
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const allowed = allowedKeys(issue.path, value);
    const guess = didYouMean(key, allowed.filter((k) => k !== key));
    return at(keyOffset(doc, issue.path, key), `unknown key \`${key}\` in ${where}${guess ? ` (did you mean \`${guess}\`?)` : ""}; expected one of: ${allowed.length ? allowed.join(", ") : "see docs/scenario-format.md"}`);
  }
  if (issue.code === "invalid_type") return at(offsetOf(doc, issue.path), `${where} is ${describe(value)}; expected ${typeName(issue.expected)}`);
  if (issue.code === "invalid_value") {
    const guess = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : null;
    return at(offsetOf(doc, issue.path), `${where}: ${JSON.stringify(value)} is not allowed${guess ? ` (did you mean "${guess}"?)` : ""}; expected one of: ${issue.values.map(String).join(", ")}`);
  }
  if (issue.code === "too_small" || issue.code === "too_big") {
    const small = issue.code === "too_small";
    const bound = Number((issue as { minimum?: unknown; maximum?: unknown })[small ? "minimum" : "maximum"]);
    const what = Array.isArray(value) ? `a list of ${value.length}` : describe(value);
    const unit = issue.origin === "array" ? (small ? ` item${bound === 1 ? "" : "s"}` : " items") : "";
    return at(offsetOf(doc, issue.path), `${where} is ${what}; expected ${small ? "at least" : "at most"} ${bound}${unit}`);
  }
  if (issue.code === "invalid_format" || issue.message.includes("integer")) return at(offsetOf(doc, issue.path), `${where} is ${describe(value)}; expected an integer`);
  return at(offsetOf(doc, issue.path), `${where}: ${issue.message}`);
}

/** zod's type names in the words of a YAML file. */
function typeName(t: string): string {
  const names: Record<string, string> = { record: "a mapping (key: value)", object: "a mapping", map: "a mapping", array: "a list", tuple: "a list", string: "a string", number: "a number", int: "an integer", boolean: "true or false", null: "null" };
  return names[t] ?? t;
}

/** The keys a mapping at `path` may have, read from the schema (for a union, the branch sharing most keys with the value). */
function allowedKeys(path: readonly PropertyKey[], value: unknown): string[] {
  let schema: unknown = ScenarioSchema;
  for (const step of path) schema = childSchema(schema, step, value);
  const shape = objectShape(schema, value);
  return shape ? Object.keys(shape) : [];
}

type ZodLike = { _zod: { def: { type: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown; innerType?: unknown; options?: unknown[]; catchall?: unknown } } };

function unwrap(s: unknown): ZodLike["_zod"]["def"] | null {
  let d = (s as ZodLike | undefined)?._zod?.def;
  while (d && (d.type === "optional" || d.type === "nullable" || d.type === "default")) d = (d.innerType as ZodLike)._zod.def;
  return d ?? null;
}

function childSchema(s: unknown, step: PropertyKey, value: unknown): unknown {
  const d = unwrap(s);
  if (!d) return undefined;
  if (d.type === "array") return d.element;
  if (d.type === "record") return d.valueType;
  if (d.type === "object") return d.shape?.[String(step)] ?? d.catchall;
  if (d.type === "union") {
    for (const o of d.options ?? []) {
      const c = childSchema(o, step, value);
      if (c) return c;
    }
  }
  return undefined;
}

function objectShape(s: unknown, value: unknown): Record<string, unknown> | null {
  const d = unwrap(s);
  if (!d) return null;
  if (d.type === "object") return d.shape ?? null;
  if (d.type === "union") {
    const keys = value && typeof value === "object" ? Object.keys(value) : [];
    const shapes = (d.options ?? []).map((o) => objectShape(o, value)).filter((x): x is Record<string, unknown> => x !== null);
    shapes.sort((a, b) => keys.filter((k) => k in b).length - keys.filter((k) => k in a).length);
    if (shapes.length > 1 && !keys.some((k) => k in shapes[0]!)) return Object.fromEntries(shapes.flatMap((x) => Object.entries(x)));
    return shapes[0] ?? null;
  }
  return null;
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(Math.min(word.length, best.length) / 3)) ? best : null;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters, as in `sned`, is one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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
  if (typeof v === "number") return Number.isNaN(v) ? "not a number (.nan)" : Number.isFinite(v) ? `the number ${v}` : `${v < 0 ? "minus " : ""}infinity`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

class Compiler {
  private readonly usedConnections = new Set<string>();

  constructor(
    private readonly input: ScenarioInput,
    private readonly doc: Document,
    private readonly at: At,
    private readonly file: string,
    /** what was left out of `input` for not fitting the schema (errors already reported) */
    private readonly pruned: Pruned = { connections: new Set(), threads: [] },
  ) {}

  /** the scenario's version (compile() sets it first): which thread states the models reach */
  private version: Version = "8.0";

  /** every problem found so far; compile() throws them together */
  private readonly errors: ScenarioError[] = [];

  /** Runs one independent part of the compilation; a mistake in it is recorded and the rest still checked. */
  private attempt<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      this.errors.push(...e.all);
      return fallback;
    }
  }

  compile(): Scenario {
    const i = this.input;
    const version = (i.version ?? "8.0") as Version;
    this.version = version;
    this.attempt(() => {
      if (!VERSIONS.includes(version)) this.fail(["version"], `unknown version "${i.version}"${hint(didYouMean(String(i.version), VERSIONS))}; expected one of: ${VERSIONS.join(", ")}`);
    }, undefined);
    const variables = Object.entries(i.variables ?? {}).flatMap(([name, value]) => this.attempt(() => [this.variable(["variables", name], name, value)], []));
    const tables = new Set<string>();
    const setup = (i.setup ?? []).flatMap((sql, n) =>
      this.attempt(() => {
        const stmt = this.statement(["setup", n], sql);
        if (!["create_table", "insert", "set_var"].includes(stmt.kind)) this.fail(["setup", n], `setup runs before time starts and takes CREATE TABLE, INSERT or SET GLOBAL; got "${sql}"`);
        if (stmt.kind === "create_table") tables.add(`${stmt.table.db}.${stmt.table.name}`);
        if (stmt.kind === "insert" && !tables.has(`${stmt.table.db}.${stmt.table.name}`)) {
          this.fail(["setup", n], `INSERT into ${stmt.table.db}.${stmt.table.name}, which setup has not created; expected a CREATE TABLE ${stmt.table.name} line before it${tables.size ? ` (setup creates ${[...tables].join(", ")})` : ""}`);
        }
        return [{ sql, stmt }];
      }, []),
    );
    const declared = i.connections;
    const steps = this.steps(i.steps ?? [], declared);
    const threads = Object.entries(i.threads ?? {}).flatMap(([name, def]) => this.attempt(() => [this.thread(name, def, declared)], []));
    const wl = i.workload?.sysbench;
    this.attempt(() => {
      if ((i.steps ?? []).length === 0 && Object.keys(i.threads ?? {}).length === 0 && this.pruned.threads.length === 0 && !this.pruned.unknownKeys && !wl) this.fail([], "a scenario needs `steps:`, `threads:` or a `workload:`");
      if (wl && (steps.length > 0 || threads.length > 0)) this.fail(["workload"], "a built-in `workload:` runs on its own; expected no `steps:` or `threads:` beside it");
      if (wl && !i.machine?.cpus) this.fail(["workload"], "the sysbench workload runs on the CPU model; expected `machine: { cpus: N }` (and usually cpu_quota)");
    }, undefined);
    this.attempt(() => this.machine(i.machine ?? {}, version), undefined);
    const expect = (i.expect ?? []).flatMap((e, n) => this.attempt(() => [this.expectation(e, n, declared)], []));

    const hangAfterNs = i.hang_after === undefined ? 5 * SEC : this.attempt(() => this.duration(["hang_after"], i.hang_after!), 0);
    const workload = wl
      ? this.attempt(() => ({ sysbench: { test: wl.test, threads: wl.threads, timeNs: this.duration(["workload", "sysbench", "time"], wl.time), warmupNs: wl.warmup === undefined ? 2 * SEC : this.duration(["workload", "sysbench", "warmup"], wl.warmup) } }), null)
      : null;
    // a workload runs for its warm-up and measured time (that is the run's length progress shows)
    const durationNs = i.duration !== undefined ? this.attempt(() => this.duration(["duration"], i.duration!), 0) : workload ? workload.sysbench.warmupNs + workload.sysbench.timeNs : 60 * SEC;
    if (this.errors.length) throw ScenarioError.of(this.errors);
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
      durationNs,
      hangAfterNs,
      expect,
      explore: i.explore,
      machine: i.machine ?? {},
      workload,
    };
  }

  private thread(name: string, def: NonNullable<ScenarioInput["threads"]>[string], declared: string[] | undefined): ThreadDef {
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
  }

  /** The machine block's values that the CPU and file models would otherwise reject mid-run. */
  private machine(m: NonNullable<ScenarioInput["machine"]>, version: Version): void {
    if (m.cpu_quota !== undefined) {
      const pct = quotaPercentOrNull(m.cpu_quota);
      const most = (m.cpus ?? 256) * 100;
      if (pct === null || pct <= 0 || pct > most) {
        this.attempt(() => this.fail(["machine", "cpu_quota"], `cpu_quota ${JSON.stringify(m.cpu_quota)}: expected a percentage above 0 and at most ${most}% (${m.cpus ?? 256} CPUs), as systemd's CPUQuota, e.g. "150%"`), undefined);
      }
    }
    if (m.host_cpus !== undefined && m.host_cpus < (m.cpus ?? 4)) {
      this.attempt(() => this.fail(["machine", "host_cpus"], `host_cpus ${m.host_cpus}: expected at least the cpuset's ${m.cpus ?? 4} CPUs (the host's online CPUs include mysqld's cpuset)`), undefined);
    }
    if (m.cpu_period !== undefined) {
      this.attempt(() => {
        const ns = this.duration(["machine", "cpu_period"], m.cpu_period!);
        if (ns < 1000 * 1000 || ns > 1000 * SEC) this.fail(["machine", "cpu_period"], `cpu_period ${JSON.stringify(m.cpu_period)}: expected 1ms to 1000s, as the kernel's cpu.cfs_period_us`);
      }, undefined);
    }
    (m.inject ?? []).forEach((r, n) =>
      this.attempt(() => {
        try {
          parseInjectExpression(`${r.syscall}:error=${r.error}${r.when === undefined ? "" : `:when=${String(r.when)}`}`);
        } catch (e) {
          this.fail(["machine", "inject", n], (e as Error).message);
        }
      }, undefined),
    );
    const filesModel = m.filesystem !== undefined || (m.inject?.length ?? 0) > 0 || (m.other_processes?.length ?? 0) > 0;
    if (filesModel && !(version === "5.7" || version === "8.0")) {
      this.attempt(() => this.fail(["machine"], `the InnoDB file-lock model (machine: filesystem/inject/other_processes) covers MySQL 5.7 and 8.0; expected version "5.7" or "8.0", not "${version}"`), undefined);
    }
  }

  private steps(input: StepInput[], declared: string[] | undefined): Step[] {
    const flat = this.attempt(() => this.expand(input, ["steps"], {}), []);
    const inFlight = new Set<string>();
    const known = new Set(declared ?? []);
    // connections are the keys that carry statements, unless declared
    if (!declared) for (const { s } of flat) for (const k of Object.keys(s)) if (!RESERVED.has(k)) known.add(k);
    if (!declared) for (const c of this.pruned.connections) known.add(c);
    const conn = (path: PropertyKey[], name: string): string => {
      if (!known.has(name)) this.fail(path, `unknown connection "${name}"; expected one of: ${[...known].join(", ") || "(none: no step runs a statement)"}`);
      return name;
    };
    const errorsBefore = this.errors.length;
    const steps: Step[] = [];
    for (const [index, { s, path }] of flat.entries()) {
      steps.push(...this.attempt(() => [this.step(s, path, index, conn, inFlight)], []));
      // a mistake inside a repeat would be reported once per iteration: once is enough
      if (this.errors.length > errorsBefore + 20) break;
    }
    this.attempt(() => this.checkSyncPoints(steps, flat), undefined);
    return steps;
  }

  /**
   * A DEBUG_SYNC point armed on a connection (SET DEBUG_SYNC='point ...') that none of the
   * connection's later statements can reach is a mistake: the run would only time out somewhere
   * else. Which statements pass which point is the table of src/mysql/sql/sync-points.ts.
   */
  private checkSyncPoints(steps: Step[], flat: { path: PropertyKey[] }[]): void {
    const armed = new Map<string, { point: string; path: PropertyKey[]; reached: boolean }[]>();
    const settle = (list: { point: string; path: PropertyKey[]; reached: boolean }[], conn: string): void => {
      for (const a of list) {
        if (a.reached) continue;
        const def = syncPoint(a.point)!;
        const by = def.reachedBy === "any" ? "every statement" : def.reachedBy.filter((k) => k !== "execute").join(", ");
        this.fail(a.path, `DEBUG_SYNC point "${a.point}" is armed on ${conn}, but no later statement of ${conn} can reach it: it is in ${def.mysql}, on the path of ${by}`);
      }
    };
    for (const step of steps) {
      if (step.kind === "debug_sync" && /^RESET$/i.test(step.action.trim())) {
        for (const [c, list] of armed) settle(list, c);
        armed.clear();
        continue;
      }
      if (step.kind !== "stmt") continue;
      const list = armed.get(step.conn) ?? [];
      for (const a of list) if (reaches(a.point, step.stmt.kind)) a.reached = true;
      if (step.stmt.kind !== "set_debug_sync") continue;
      const path = [...flat[step.index]!.path, step.conn];
      let action: ReturnType<typeof parseDebugSyncAction>;
      try {
        action = parseDebugSyncAction(step.stmt.action);
      } catch (e) {
        if (e instanceof MysqlError) this.fail(path, `SET DEBUG_SYNC: ${e.message}`);
        throw e;
      }
      if (action.kind === "reset") {
        settle(list, step.conn);
        armed.set(step.conn, []);
        continue;
      }
      if (action.point.toLowerCase() === "now" || action.kind === "test") continue;
      const def = syncPoint(action.point);
      if (!def) this.fail(path, `no modelled code reaches DEBUG_SYNC point "${action.point}"; the modelled points: ${SYNC_POINTS.map((p) => p.point).join(", ")}`);
      const same = list.filter((a) => a.point === action.point);
      settle(same, step.conn);
      const rest = list.filter((a) => a.point !== action.point);
      if (action.kind === "set" && def.reachedBy !== "any") rest.push({ point: action.point, path, reached: false });
      armed.set(step.conn, rest);
    }
    for (const [c, list] of armed) settle(list, c);
  }

  /**
   * Steps with every `repeat:` unrolled, each with the path of the step as written (errors point
   * there) and $var replaced by the iteration number in its text.
   */
  private expand(input: StepInput[], at: PropertyKey[], vars: Record<string, number>): { s: StepInput; path: PropertyKey[] }[] {
    const out: { s: StepInput; path: PropertyKey[] }[] = [];
    input.forEach((s, n) => {
      const path = [...at, n];
      if (s.repeat === undefined) {
        out.push({ s: Object.keys(vars).length ? substitute(s, vars) : s, path });
        return;
      }
      const keys = Object.keys(s).filter((k) => k !== "repeat");
      if (keys.length) this.fail([...path, keys[0]!], `a repeat step takes only \`repeat: { times, steps }\`; got ${keys.join(", ")} beside it`);
      const name = s.repeat.var ?? "i";
      if (name in vars) this.fail([...path, "repeat", "var"], `the counter $${name} is already the counter of an enclosing repeat; expected another name (var: j)`);
      for (let k = 1; k <= s.repeat.times; k++) {
        out.push(...this.expand(s.repeat.steps, [...path, "repeat", "steps"], { ...vars, [name]: k }));
        if (out.length > MAX_REPEAT) this.fail([...path, "repeat", "times"], `repeat unrolls to more than ${MAX_REPEAT} steps; expected fewer (or a \`threads:\` loop)`);
      }
    });
    return out;
  }

  private step(s: StepInput, base: PropertyKey[], index: number, conn: (path: PropertyKey[], name: string) => string, inFlight: Set<string>): Step {
    {
      const line = this.line(base);
      const keys = Object.keys(s).filter((k) => !STEP_MODIFIERS.has(k));
      if (keys.length !== 1) {
        this.fail(base, keys.length === 0 ? "a step needs one action (a connection name with a statement, reap, wait_state, sleep, debug_sync, kill, kill_query, connect, set, select, comment)" : `a step takes one action, got ${keys.join(" and ")}`);
      }
      const key = keys[0]!;
      const errorName = s.error === undefined ? undefined : s.error === null ? null : this.errorName([...base, "error"], s.error);
      if (errorName !== undefined && !(key === "reap" || !RESERVED.has(key))) this.fail([...base, "error"], "`error:` goes on a statement step or a reap step");
      if (s.timeout !== undefined && key !== "wait_state") this.fail([...base, "timeout"], "`timeout:` goes on a wait_state step");
      const common = { line, index };
      switch (key) {
        case "reap": {
          const c = conn([...base, "reap"], s.reap!);
          if (!inFlight.delete(c) && !this.pruned.connections.has(c)) this.fail([...base, "reap"], `reap of ${c}, which has no statement sent; expected a \`${c}: { send: ... }\` step before it`);
          return { ...common, kind: "reap", conn: c, ...(errorName !== undefined ? { error: errorName } : {}) };
        }
        case "wait_state": {
          const entries = Object.entries(s.wait_state!);
          if (entries.length !== 1) this.fail([...base, "wait_state"], "wait_state takes one connection: { con2: Waiting for table metadata lock }");
          const [c, state] = entries[0]!;
          const waiter = conn([...base, "wait_state", c], c);
          this.attempt(() => this.threadState([...base, "wait_state", c], state), undefined);
          return { ...common, kind: "wait_state", conn: waiter, state, timeoutNs: s.timeout === undefined ? 30 * SEC : this.duration([...base, "timeout"], s.timeout) };
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
        case "connect":
          return { ...common, kind: "connect", conn: conn([...base, key], s.connect!) };
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
          if (inFlight.has(c) && !this.pruned.connections.has(c)) this.fail([...base, key], `${c} still has a statement in flight; expected \`reap: ${c}\` before its next statement`);
          if (send) inFlight.add(c);
          const stmt = this.statement(send ? [...base, key, "send"] : [...base, key], sql);
          return { ...common, kind: "stmt", conn: c, sql, stmt, send, ...(errorName !== undefined ? { error: errorName } : {}) };
        }
      }
    }
  }

  private expectation(e: ExpectationInput, n: number, declared: string[] | undefined): Expectation {
    const path = ["expect", n];
    const line = this.line(path);
    const known = new Set([...(declared ?? []), ...this.usedConnections, ...this.pruned.connections, ...this.pruned.threads, ...(this.input.threads ? Object.keys(this.input.threads) : [])]);
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
      for (const [c, st] of Object.entries(e.state)) {
        this.attempt(() => checkConn([...path, "state", c], c), undefined);
        this.threadState([...path, "state", c], st);
      }
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

  /** A processlist STATE some model sets in this version; otherwise an error with a guess. */
  private threadState(path: PropertyKey[], state: string): void {
    const reachable = reachableStates(this.version).map((r) => r.state);
    if (reachable.includes(state)) return;
    const other = VERSIONS.find((v) => reachableStates(v).some((r) => r.state === state));
    if (other) {
      const here = didYouMean(state, reachable) ?? reachable.find((r) => reachableStates(other).every((o) => o.state !== r));
      this.fail(path, `state "${state}" is what MySQL ${other} shows, not ${this.version}${here ? ` (${this.version} shows "${here}" there)` : ""}; expected a state MySQL ${this.version} reaches`);
    }
    const guess = didYouMean(state, reachable) ?? reachable.find((r) => r.toLowerCase() === state.toLowerCase()) ?? null;
    const list = guess ? "see docs/scenario-format.md for the list" : `expected one of: ${reachable.filter(Boolean).map((r) => `"${r}"`).join(", ")} (or "" for an idle connection)`;
    this.fail(path, `state "${state}" is not one any model reaches in MySQL ${this.version}${hint(guess)}; ${list}`);
  }

  private variable(path: PropertyKey[], name: string, value: unknown): [string, SysVarValue] {
    const def = sysvar(name);
    if (!def) {
      const guess = didYouMean(name, SYSTEM_VARIABLES.map((v) => v.name));
      const close = guess ? [guess] : SYSTEM_VARIABLES.filter((v) => v.name.includes(name.toLowerCase().slice(0, 6))).map((v) => v.name).slice(0, 5);
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

/** A step with $name replaced by its counter's value in every key and string. */
function substitute<T>(v: T, vars: Record<string, number>): T {
  const text = (t: string): string => t.replace(/\$(\w+)/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  if (typeof v === "string") return text(v) as T;
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), substitute(x, vars)])) as T;
  return v;
}

function hint(guess: string | null): string {
  return guess ? ` (did you mean "${guess}"?)` : "";
}

function boundsText(b: { between?: [number, number]; min?: number; max?: number; equals?: number }): string {
  if (b.between) return `between ${b.between[0]} and ${b.between[1]}`;
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  if (b.equals !== undefined) parts.push(`= ${b.equals}`);
  return parts.join(" and ");
}
