import { Kernel, type RunResult, type WaitForNode } from "../kernel/kernel.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { encodeSchedule } from "../kernel/schedule-string.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import { MS } from "../kernel/time.js";
import { NO_EFFECTS, type Effects } from "../kernel/no-effects.js";
import { MysqlError, mysqlError } from "../mysql/errors.js";
import { installModels } from "../mysql/models.js";
import { PROGRAMS } from "../mysql/programs/mysqldump.js";
import { Server } from "../mysql/server.js";
import { executeStatement, rollbackTransaction, setDebugSync } from "../mysql/sql/execute.js";
import { firstWords, oneLine, parseStatement, type Statement } from "../mysql/sql/parse.js";
import type { SysVarValue } from "../mysql/sysvars.js";
import type { Thd } from "../mysql/thd.js";
import type { ResultSet, SqlWarning } from "../mysql/sql/result.js";
import { StreamingTrace, NO_TRACE, type TraceSink } from "../trace/sink.js";
import { checkExpectations, recordedConnections, type ExpectationResult } from "./expect.js";
import { versionFamily, type Scenario, type Step, type ThreadDef } from "./loader.js";
import { applySetup, applyVariables, restoreSetup, restoreVariables, setupSnapshot } from "./setup-snapshot.js";
import { snapshotTable, compareRows } from "./tables.js";
import { quotaPercent, runSysbenchScenario } from "./workload.js";
import { CpuMachine, IDLE_STATE_TABLES, systemdCpuQuota } from "../machine/cpu/index.js";
import { installCodePathCosts } from "../mysql/costs.js";
import { parseDuration } from "../kernel/time.js";
import { STAGE_STARTING } from "../mysql/thread-states.js";
import { Watch } from "../sync/watch.js";
import { ClientConnection, findConnection, killConnection, openConnection, postStatement, reconnect, type StatementRecorder } from "../mysql/connection.js";

export interface RunOptions {
  seed?: number;
  scheduler?: Scheduler;
  /** --set name=value overrides, applied after the scenario's variables */
  set?: [string, SysVarValue][];
  /** write the JSONL trace here */
  traceFile?: string;
  /** keep this many trace records in memory for the narrative (default 200000) */
  keepRecords?: number;
  /**
   * apply the scenario's variables, --set values and setup statements in this run, instead of
   * restoring the snapshot of them made once per scenario (src/scenario/setup-snapshot.ts); the
   * result is the same (tests compare the two)
   */
  fromScratch?: boolean;
  /**
   * only what explore's verdict needs (outcome, expectations, steps, schedule): metrics only when
   * an expectation reads them (then without the CPU model's), no per-connection report
   */
  lean?: boolean;
  /** no trace formatting at all (fastest; trace_sha256 is then empty) */
  noTrace?: boolean;
  /** stop the run after this many steps, with outcome `limit` (default 50 M) */
  maxSteps?: number;
  /**
   * Called every few tens of thousands of steps with how far the run got: return `{ stop }` to end
   * it with outcome `limit` and that message, "pause" (runScenarioAsync only) to let the event loop
   * run before resuming.
   */
  tick?: (p: { virtualNs: number; steps: number }) => "pause" | { stop: string } | void;
}

/** The run was interrupted (a signal) before it ended; its trace file, if any, was removed. */
export class RunInterrupted extends Error {
  constructor(
    readonly virtualNs: number,
    readonly steps: number,
  ) {
    super(`interrupted at ${virtualNs} ns virtual after ${steps} steps`);
  }
}

/** One completed statement, for `order` expectations and the report. */
export interface StatementRecord {
  conn: string;
  sql: string;
  startNs: number;
  endNs: number;
  error: string | null;
  /** the result set the client got, if any (not in the trace) */
  result?: ResultSet | null;
  /** the warnings the statement left (SHOW WARNINGS), if any */
  warnings?: SqlWarning[];
}

export interface ConnectionReport {
  state: string;
  error: string | null;
  error_text: string | null;
  statements: number;
}

/** The `run --json` object (DESIGN section 4), plus what renderers and tests need. */
export interface RunReport {
  scenario: string;
  version: string;
  seed: number;
  /** limit: stopped by a step, wall-time or trace-size limit before it ended (see `message`) */
  outcome: "completed" | "deadlock" | "hang" | "timeout" | "error" | "limit";
  virtual_time_ns: number;
  events: number;
  trace_sha256: string;
  expectations: ExpectationResult[];
  metrics: Record<string, number>;
  connections: Record<string, ConnectionReport>;
  schedule: string;
  steps: number;
  message?: string;
  wait_for?: WaitForNode[];
  cycle?: string[];
  /** DEBUG_SYNC actions armed on a connection and never reached by it (src/sync/debug-sync.ts); absent when none */
  unreached_sync_points?: { point: string; connection: string | null; armed_at_ns: number; end: string; passed_by_anyone: boolean }[];
}

export interface RunArtifacts {
  report: RunReport;
  trace: StreamingTrace | null;
  statements: StatementRecord[];
  kernel: Kernel;
  server: Server;
  result: RunResult;
}

/**
 * A connection the script drives: the shared client connection, how many statements it was sent,
 * and what its thread records around each statement (StatementRecorder: runOne as two plain
 * methods around the connection thread's own executeStatement).
 */
class Connection extends ClientConnection implements StatementRecorder {
  statements = 0;
  /** the statement being served: its text, one-line form and start (runOne's locals) */
  sql = "";
  line = "";
  start = 0;
  /** what a reap waits for (one closure per connection, not per reap) */
  readonly idle = (): boolean => !this.busy;

  constructor(
    name: string,
    private readonly run: ScriptRun,
  ) {
    super(name);
  }

  begin(t: SimThread, thd: Thd, sql: string): Statement {
    const texts = this.run.texts;
    const stmt = texts.parse(sql);
    this.sql = sql;
    this.line = texts.line(sql);
    this.start = this.run.beginStatement(t, thd, this.line);
    return stmt;
  }

  end(t: SimThread, thd: Thd, error: MysqlError | null): void {
    this.run.endStatement(t, thd, this.sql, this.sql, this.line, this.start, error);
  }

  lost(thd: Thd, sql: string): void {
    const e = mysqlError("CR_SERVER_LOST");
    thd.error = e;
    this.run.statements.push({ conn: thd.name, sql: this.run.texts.line(sql), startNs: this.run.kernel.now, endNs: this.run.kernel.now, error: e.def.name });
  }
}

/** a single effect to `yield*` */
function* one(e: Effect): Generator<Effect, void, unknown> {
  yield e;
}

/**
 * What a scenario's statement texts compile to, kept for as long as the scenario (an exploration
 * runs one Scenario object thousands of times): the parsed statement of a text the script posts
 * or a program sends, its one-line form and its first keyword. Statements are never changed by
 * the models (loop statements were always shared between runs), so sharing them changes nothing.
 */
class StatementTexts {
  private static readonly MAX = 20_000;
  private readonly parsed = new Map<string, Statement>();
  private readonly lines = new Map<string, string>();
  private readonly words = new Map<string, string>();
  private readonly metrics = new Map<string, string>();
  private readonly parts = new Map<string, string[] | null>();

  parse(sql: string): Statement {
    return StatementTexts.memo(this.parsed, sql, parseStatement);
  }

  line(sql: string): string {
    return StatementTexts.memo(this.lines, sql, oneLine);
  }

  word(sql: string): string {
    return StatementTexts.memo(this.words, sql, (s) => firstWords(s));
  }

  /** the statement_latency sample name of a text's statements: stmt:<first keyword> */
  metric(sql: string): string {
    return StatementTexts.memo(this.metrics, sql, (s) => `stmt:${this.word(s)}`);
  }

  /**
   * A loop statement with `?` placeholders, as its one-line form cut at each `?`: a drawn text's
   * one-line form is these parts joined by the drawn numbers (a number has no white space, so
   * drawing then folding to one line gives the same text); null when its first keyword has a `?`.
   */
  lineParts(sql: string): string[] | null {
    return StatementTexts.memo(this.parts, sql, (s) => (this.word(s).includes("?") ? null : oneLine(s).split("?")));
  }

  /** f(sql), remembered for the first MAX texts (a `?` in a loop statement makes many) */
  private static memo<T>(cache: Map<string, T>, sql: string, f: (sql: string) => T): T {
    let v = cache.get(sql);
    if (v === undefined) {
      v = f(sql);
      if (cache.size < StatementTexts.MAX) cache.set(sql, v);
    }
    return v;
  }
}

const TEXTS = new WeakMap<Scenario, StatementTexts>();

/**
 * What a lean run (explore) keeps, per scenario: the statement records only of the connections
 * the verdict reads (the script's, and those `order` / `error` expectations name), and the
 * statement latency samples only when a `metric` expectation makes the run compute metrics. The
 * rest is never read in a lean run: a free-running load's many statements cost nothing to keep.
 */
interface LeanKeep {
  records: Set<string>;
  samples: boolean;
}
const LEAN = new WeakMap<Scenario, LeanKeep>();
function leanKeep(sc: Scenario): LeanKeep {
  let k = LEAN.get(sc);
  if (!k) {
    const records = recordedConnections(sc);
    for (const c of sc.connections) records.add(c);
    LEAN.set(sc, (k = { records, samples: sc.expect.some((e) => "metric" in e) }));
  }
  return k;
}
function textsOf(sc: Scenario): StatementTexts {
  let t = TEXTS.get(sc);
  if (!t) TEXTS.set(sc, (t = new StatementTexts()));
  return t;
}

/** Runs a scenario once: builds the server, the script and the clients, runs, checks expectations. */
export function runScenario(sc: Scenario, opts: RunOptions = {}): RunArtifacts {
  const run = startRun(sc, opts);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
  }
}

/**
 * runScenario that gives the event loop a turn whenever `tick` says "pause", so a signal handler
 * can set `interrupted`; then the run ends at once, its trace file removed, with RunInterrupted.
 */
export async function runScenarioAsync(sc: Scenario, opts: RunOptions, interrupted: () => boolean): Promise<RunArtifacts> {
  const run = startRun(sc, opts);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setImmediate(resolve));
    if (interrupted()) {
      const p = r.value;
      run.return(undefined as never);
      throw new RunInterrupted(p.virtualNs, p.steps);
    }
  }
}

type Paused = { virtualNs: number; steps: number };

function* startRun(sc: Scenario, opts: RunOptions): Generator<Paused, RunArtifacts, void> {
  const seed = opts.seed ?? 1;
  const trace: StreamingTrace | null = opts.noTrace ? null : new StreamingTrace({ file: opts.traceFile, keep: opts.keepRecords ?? 200_000 });
  const sink: TraceSink = trace ?? NO_TRACE;
  const kernel = new Kernel({ seed, scheduler: opts.scheduler, trace: sink, stallNs: sc.hangAfterNs, maxSteps: opts.maxSteps ?? 50_000_000 });
  let finished = false;
  try {
    if (sc.workload) {
      const { report, kernel: k, result } = yield* runSysbenchScenario(sc, opts, trace, seed);
      finished = true;
      return { report, trace, statements: [], kernel: k, server: new Server(k, sc.version, versionFamily(sc.version)), result };
    }
    const art = yield* runOn(sc, kernel, trace, seed, opts);
    finished = true;
    return art;
  } finally {
    // an exception, or the caller abandoning the run (an interrupt): no half-written trace is left
    if (!finished) trace?.abort();
  }
}

/** The kernel's tick, from RunOptions.tick: a stop ends the run with outcome `limit`. */
export function kernelTick(kernel: Kernel, opts: RunOptions): (() => "pause" | void) | null {
  const tick = opts.tick;
  if (!tick) return null;
  return () => {
    const r = tick({ virtualNs: kernel.now, steps: kernel.steps });
    if (r === "pause") return "pause";
    if (r) kernel.stop("step_limit", r.stop);
  };
}

function* runOn(sc: Scenario, kernel: Kernel, trace: StreamingTrace | null, seed: number, opts: RunOptions): Generator<Paused, RunArtifacts, void> {
  const server = new Server(kernel, sc.version, versionFamily(sc.version));
  // the state after `variables:`, --set and `setup`: kept with the scenario, restored here
  const snap = opts.fromScratch ? null : setupSnapshot(sc, opts.set ?? []);
  if (snap) restoreVariables(server, snap);
  else applyVariables(server.vars, sc, opts.set ?? []);
  // the first trace record, before any model spawns its threads
  if (kernel.trace.enabled) kernel.trace.emit(0, "mysqltest", "scenario", sc.name, { version: sc.version, seed, variables: Object.fromEntries(server.vars.entries().filter(([n]) => sc.variables.some(([m]) => m === n) || opts.set?.some(([m]) => m === n))) });
  server.ext.machine = sc.machine;
  const machine = installMachine(kernel, sc.machine);
  server.ext.cpu = machine;
  installCodePathCosts(kernel);
  installModels(server);
  if (snap) restoreSetup(server, snap);
  else for (const { stmt } of sc.setup) applySetup(server, stmt);

  const run = new ScriptRun(sc, kernel, server, textsOf(sc), opts.lean === true ? leanKeep(sc) : null);
  const { statements, conns, stepFailures } = run;
  kernel.stateHook = run.pokeWatches;
  run.start();

  kernel.tick = kernelTick(kernel, opts);
  let result = kernel.run(sc.durationNs);
  while (result.outcome === "paused") {
    yield { virtualNs: kernel.now, steps: kernel.steps };
    result = kernel.run(sc.durationNs);
  }
  kernel.tick = null;
  kernel.stateHook = null;
  const outcome = mapOutcome(result, run.scriptDone);
  const finalState = (name: string): string => conns.get(name)?.thd.state ?? server.thds.find((d) => d.name === name)?.state ?? "";
  // a lean run computes the metrics only when an expectation reads them
  const lean = opts.lean === true;
  const modelMetrics = lean && !sc.expect.some((e) => "metric" in e) ? {} : metricsOf(server, kernel.now);
  const expectations = checkExpectations(sc, { outcome, statements, finalState, thds: server.thds, result, metrics: { ...modelMetrics } });
  for (const f of stepFailures) expectations.push({ text: f, ok: false });
  const connections: Record<string, ConnectionReport> = {};
  if (!lean) {
    const perConn = new Map<string, number>();
    for (const s of statements) perConn.set(s.conn, (perConn.get(s.conn) ?? 0) + 1);
    for (const thd of server.thds) {
      connections[thd.name] = { state: thd.state, error: thd.error?.def.name ?? null, error_text: thd.error?.clientText ?? null, statements: perConn.get(thd.name) ?? 0 };
    }
  }
  const metrics = modelMetrics;
  if (!lean) Object.assign(metrics, cpuMetrics(machine, kernel));
  if (result.waitFor && !lean) {
    // when the first thread of the hang or deadlock started waiting: "time to hang"
    const since = result.waitFor.filter((n) => n.waitingOn && n.waitingOn.kind !== "mailbox").map((n) => n.since);
    if (since.length) metrics.stuck_since_s = Math.min(...since) / 1e9;
  }
  const report: RunReport = {
    scenario: sc.name,
    version: sc.version,
    seed,
    outcome,
    virtual_time_ns: kernel.now,
    events: kernel.steps,
    trace_sha256: "",
    expectations,
    metrics,
    connections,
    schedule: "", // its place among the keys; the accessor below replaces it
    steps: result.steps,
    ...(result.message ? { message: result.message } : {}),
    ...(result.waitFor ? { wait_for: result.waitFor } : {}),
    ...(result.cycle ? { cycle: result.cycle } : {}),
  };
  // the schedule string is built when read (JSON output, a failure's report): explore's runs
  // mostly pass and nobody reads theirs
  Object.defineProperty(report, "schedule", scheduleAccessor(result));

  const unreached = server.debugSync.unreached();
  if (unreached.length) report.unreached_sync_points = unreached.map((u) => ({ point: u.point, connection: u.thread ?? null, armed_at_ns: u.armedAt, end: u.end, passed_by_anyone: u.passedByAnyone }));
  if (kernel.trace.enabled) kernel.trace.emit(kernel.now, "mysqltest", "end_of_run", undefined, { outcome, expectations_failed: expectations.filter((e) => !e.ok).length });
  report.trace_sha256 = trace ? trace.close() : "";
  return { report, trace, statements, kernel, server, result };
}

/**
 * One run's script, its connections and its free-running clients: what runOn's closure held, as
 * an object with methods (issue 20). A generator function made per run (a nested `function*`, a
 * `function*` passed to spawn) gets its own V8 map the first time it is called; that map lives in
 * the old generation and points to the closure, whose context holds the whole run, so every run
 * survived each minor GC until the next full one. Methods are made once, with the class. So does
 * a function literal assigned to a property (`server.kill = (...) => ...`: V8 allocates it old);
 * test/perf/young-generation.test.ts lists the shapes and finds them.
 */
class ScriptRun {
  readonly statements: StatementRecord[] = [];
  readonly conns = new Map<string, Connection>();
  readonly stepFailures: string[] = [];
  readonly watches: Watch[] = [];
  scriptDone: boolean;

  constructor(
    readonly sc: Scenario,
    readonly kernel: Kernel,
    readonly server: Server,
    readonly texts: StatementTexts,
    readonly keep: LeanKeep | null,
  ) {
    this.scriptDone = sc.steps.length === 0;
  }

  /** the kernel's stateHook: every wait_state watch looks again */
  readonly pokeWatches = (): void => {
    for (const w of this.watches) w.poke(this.kernel);
  };

  /** the script's connections, KILL, the script (mysqltest) and the free-running clients */
  start(): void {
    const { sc, kernel, server, conns } = this;
    // ---- client connections driven by the script
    for (const name of sc.connections) {
      const c = new Connection(name, this);
      conns.set(name, openConnection(server, c, c));
    }
    // bound, not an arrow: a function literal assigned to a property is allocated old (see above)
    server.kill = ScriptRun.prototype.kill.bind(this);
    // ---- the test script (mysqltest)
    if (sc.steps.length > 0) kernel.spawn("mysqltest", (t) => this.script(t));
    // ---- free-running clients
    for (const def of sc.threads) this.spawnClients(def);
  }

  /** KILL [QUERY] id from a statement or a stored function (sql_parse.cc sql_kill -> kill_one_thread) */
  private kill(by: Thd, target: string, query: boolean): boolean {
    const victim = findConnection(this.conns.values(), target);
    if (!victim) return false;
    killConnection(this.kernel, victim, query, by.thread);
    return true;
  }

  /**
   * `template`: the loop statement a `?` statement was drawn from (its texts are cached, not each
   * drawn text); `drawnLine`: the drawn statement's one-line form, when the caller built it
   */
  *runOne(t: SimThread, thd: Thd, sql: string, stmt: Statement, template = sql, drawnLine?: string): Generator<Effect, void, unknown> {
    const line = sql === template ? this.texts.line(sql) : (drawnLine ?? oneLine(sql));
    const start = this.beginStatement(t, thd, line);
    let error: MysqlError | null = null;
    try {
      yield* executeStatement(t, thd, stmt, this.server);
    } catch (e) {
      if (!(e instanceof MysqlError)) throw e;
      error = e;
    }
    this.endStatement(t, thd, sql, template, line, start, error);
  }

  /** what runOne does before the statement; returns its start time */
  beginStatement(t: SimThread, thd: Thd, line: string): number {
    const start = this.kernel.now;
    thd.command = "Query";
    thd.info = line;
    thd.commandStart = start;
    thd.error = null;
    thd.state = STAGE_STARTING;
    if (this.kernel.trace.enabled) t.trace("stmt", undefined, { sql: line, conn: thd.name });
    return start;
  }

  /** what runOne does after the statement: the record, the latency samples, the error counters */
  endStatement(t: SimThread, thd: Thd, sql: string, template: string, line: string, start: number, error: MysqlError | null): void {
    const { kernel, server, keep } = this;
    thd.error = error;
    thd.command = thd.killed && !error ? "Killed" : "Sleep";
    thd.info = null;
    thd.state = "";
    const end = kernel.now;
    if (keep === null || keep.records.has(thd.name)) {
      // the optional keys set after the others (same key order as a literal with spreads, without their objects)
      const rec: StatementRecord = { conn: thd.name, sql: line, startNs: start, endNs: end, error: error?.def.name ?? null };
      if (thd.resultSet) rec.result = thd.resultSet;
      if (thd.warnings.length) rec.warnings = thd.warnings;
      this.statements.push(rec);
    }
    if (keep === null || keep.samples) {
      server.metrics.sample("statement_latency_ns", end - start);
      const word = this.texts.word(template);
      server.metrics.sample(word.includes("?") ? `stmt:${firstWords(sql)}` : this.texts.metric(template), end - start);
    }
    if (error) {
      server.metrics.add("statement_errors");
      server.metrics.add(`errors.${error.def.name}`);
    }
    if (kernel.trace.enabled) t.trace("stmt_end", undefined, { sql: line, conn: thd.name, ns: end - start, ...(error ? { error: error.def.name, code: error.code, text: error.clientText } : {}) });
  }

  /** the script (mysqltest): its steps in order */
  *script(t: SimThread): Generator<Effect, void, unknown> {
    const { conns, statements } = this;
    for (const step of this.sc.steps) {
      // a statement and a reap (most steps) wait right here, with no generator of their own
      if (step.kind === "stmt") {
        const c = conns.get(step.conn)!;
        const before = statements.length;
        c.statements++;
        postStatement(this.kernel, c, step.sql);
        if (step.send) continue;
        if (c.busy) yield t.acquire(c.done, c.idle);
        this.checkStmtError(step, c, before);
      } else if (step.kind === "reap") {
        const c = conns.get(step.conn)!;
        if (c.busy) yield t.acquire(c.done, c.idle);
        this.checkStepError(step, c.thd.error?.def.name ?? null);
      } else {
        const e = this.runStep(t, step);
        if (e !== NO_EFFECTS) yield* e;
      }
    }
    this.scriptDone = true;
  }

  /**
   * One script step other than a statement or a reap (the script's loop runs those inline): a
   * plain function that does at once what cannot wait (a `select`, a `comment`) and hands back the
   * generator only of a step that waits (issue 20: a generator per step holding every case's
   * registers was most of the script's garbage).
   */
  runStep(t: SimThread, step: Exclude<Step, { kind: "stmt" | "reap" }>): Effects {
    const { kernel, server, conns } = this;
    switch (step.kind) {
      case "wait_state":
        return this.waitStateStep(t, step);
      case "sleep":
        return one(t.sleep(step.ns));
      case "debug_sync":
        return setDebugSync(t, null, step.action, server);
      case "kill":
        killConnection(kernel, conns.get(step.conn)!, step.query, t);
        return one(t.yield());
      case "connect":
        return this.connectStep(t, step);
      case "set":
        for (const [n, v] of step.vars) {
          server.vars.set(n, v);
          t.trace("set_var", n, { scope: "GLOBAL", value: v });
        }
        return one(t.yield());
      case "select": {
        const rows = snapshotTable(server, step.from, kernel.now, step.where, step.columns);
        const diff = compareRows(rows, step.rows);
        t.trace("select", step.from, { rows });
        if (diff) this.stepFailures.push(`step ${step.index + 1} (line ${step.line}): select from ${step.from}: ${diff}`);
        return NO_EFFECTS;
      }
      case "comment":
        t.trace("comment", undefined, { text: step.text });
        return NO_EFFECTS;
    }
  }

  /** a statement step's error check, once its statement ended: its own record's error (records from `before` on) */
  checkStmtError(step: Extract<Step, { kind: "stmt" }>, c: Connection, before: number): void {
    const { statements } = this;
    let own: StatementRecord | undefined;
    for (let i = before; i < statements.length && !own; i++) if (statements[i]!.conn === c.name) own = statements[i];
    this.checkStepError(step, own?.error ?? c.thd.error?.def.name ?? null);
  }

  *waitStateStep(t: SimThread, step: Extract<Step, { kind: "wait_state" }>): Generator<Effect, void, unknown> {
    const c = this.conns.get(step.conn)!;
    const w = new Watch(`state of ${c.name} = "${step.state}"`, "wait_state", () => c.thread);
    this.watches.push(w);
    const r = yield t.acquire(w, () => c.thd.state === step.state, step.timeoutNs);
    this.watches.splice(this.watches.indexOf(w), 1);
    if (r === "timeout") this.stepFailures.push(`step ${step.index + 1} (line ${step.line}): ${c.name} never reached state "${step.state}" (it is "${c.thd.state}")`);
  }

  *connectStep(t: SimThread, step: Extract<Step, { kind: "connect" }>): Generator<Effect, void, unknown> {
    // a new session once the old one has ended (a reconnect): the same connection thread serves it
    const c = this.conns.get(step.conn)!;
    if (c.thd.ext.disconnected) {
      if (c.busy) yield t.acquire(c.done, c.idle);
      reconnect(this.server, c);
    }
    yield t.yield();
  }

  checkStepError(step: Step & { error?: string | null }, got: string | null): void {
    // as in mysqltest, a statement without `error:` must succeed
    const want = step.error ?? null;
    if (want !== got) this.stepFailures.push(`step ${step.index + 1} (line ${step.line}): expected ${want ?? "success"}, got ${got ?? "success"}`);
  }

  spawnClients(def: ThreadDef): void {
    for (let i = 1; i <= def.count; i++) {
      const name = def.count === 1 ? def.name : `${def.name}${i}`;
      this.kernel.spawn(name, (t) => this.client(t, def, name));
    }
  }

  /** one free-running client: its program and loop, `iterations` times */
  *client(t: SimThread, def: ThreadDef, name: string): Generator<Effect, void, unknown> {
    const { server, texts } = this;
    const thd = server.connect(name, t);
    // a load generator: its `?` values are placeholders, so its rows are not kept (no row counts, no duplicate keys)
    thd.ext.loadClient = true;
    const rng = t.rng(`workload/${name}`);
    if (def.startNs > 0) yield t.sleep(def.startNs);
    for (let it = 0; it < def.iterations; it++) {
      if (def.program) yield* this.runProgram(t, thd, def.program);
      for (const item of def.loop) {
        if (item.kind === "sleep") yield t.sleep(item.ns);
        else if (item.kind === "think") yield t.sleep(Math.round(rng.exponential(item.meanNs)));
        else {
          const parts = item.sql.includes("?") ? texts.lineParts(item.sql) : null;
          if (parts !== null) {
            // the drawn text is only ever shown in its one-line form: build that at once
            let line = parts[0]!;
            for (let p = 1; p < parts.length; p++) line += String(1 + rng.int(def.randomRange)) + parts[p]!;
            yield* this.runOne(t, thd, line, item.stmt, item.sql, line);
          } else {
            const sql = item.sql.includes("?") ? item.sql.replace(/\?/g, () => String(1 + rng.int(def.randomRange))) : item.sql;
            yield* this.runOne(t, thd, sql, item.stmt, item.sql);
          }
          if (thd.error && thd.trx.active) yield* rollbackTransaction(t, thd, server);
        }
      }
    }
  }

  /** A built-in client program (mysqldump): each statement it sends, until it ends or one fails. */
  *runProgram(t: SimThread, thd: Thd, p: NonNullable<ThreadDef["program"]>): Generator<Effect, void, unknown> {
    const prog = PROGRAMS[p.name](this.server, p.args);
    for (let r = prog.next(null); !r.done; r = prog.next(thd.error)) yield* this.runOne(t, thd, r.value, this.texts.parse(r.value));
    if (thd.trx.active) yield* rollbackTransaction(t, thd, this.server);
  }
}

/**
 * RunReport.schedule as an accessor that encodes the run's schedule when first read. Made here,
 * not as getters in runOn's object literal: an accessor pair lives in V8's old generation, and a
 * getter closed over runOn's variables kept the whole run (server, kernel, models) alive across
 * every minor GC until the next full one (issue 20). This one holds the run's result only.
 */
function scheduleAccessor(result: RunResult): PropertyDescriptor {
  let schedule: string | undefined;
  return {
    get: (): string => (schedule ??= encodeSchedule(result.choiceLog)),
    set: (v: string): void => {
      schedule = v;
    },
    enumerable: true,
    configurable: true,
  };
}

function mapOutcome(r: RunResult, scriptDone: boolean): RunReport["outcome"] {
  switch (r.outcome) {
    case "finished":
    case "stopped":
      return scriptDone ? "completed" : "timeout";
    case "time_limit":
      return scriptDone ? "completed" : "timeout";
    case "deadlock":
      return "deadlock";
    case "hang":
      return "hang";
    case "step_limit":
      return "limit";
    default:
      return "error";
  }
}

/** CPUs in a scenario that declares none: a small server, no quota (docs/scenario-format.md). */
export const DEFAULT_CPUS = 4;
const DEFAULT_CPU_PERIOD_NS = 100 * MS;

/**
 * Every scenario runs on the CPU model: the scenario's `machine` (cpus, cpu_quota, cpu_period),
 * else DEFAULT_CPUS CPUs and no quota. Threads spend CPU in every code path, queue for a CPU when
 * all are busy and can be preempted inside a code path (tick, wake-up preemption, throttling).
 */
export function installMachine(kernel: Kernel, m: Scenario["machine"]): CpuMachine {
  const period = m.cpu_period !== undefined ? (parseDuration(m.cpu_period) ?? DEFAULT_CPU_PERIOD_NS) : DEFAULT_CPU_PERIOD_NS;
  const pct = quotaPercent(m.cpu_quota);
  return new CpuMachine(kernel, {
    cpus: m.cpus ?? DEFAULT_CPUS,
    hostCpus: m.host_cpus,
    pauseNs: m.pause_ns,
    cpuAccounting: m.cpu_accounting,
    hz: m.hz,
    idleStates: IDLE_STATE_TABLES[m.cpuidle ?? "none"],
    cfsThrottle: m.cfs_throttle,
    group: systemdCpuQuota("mysqld.scope", pct, period),
  }).install();
}

/**
 * What the CPU model saw: context switches as /proc/<tid>/status counts them (voluntary: the
 * thread had nothing more to run; involuntary: taken off its CPU with work left), summed over the
 * server's threads, and per thread as `nonvoluntary_ctxt_switches.<thread>` for every thread that
 * was preempted at least once.
 */
function cpuMetrics(machine: CpuMachine, kernel: Kernel): Record<string, number> {
  let vol = 0;
  let invol = 0;
  const perThread: Record<string, number> = {};
  for (const t of kernel.threads) {
    const c = machine.ctxSwitches(t);
    vol += c.voluntary;
    invol += c.involuntary;
    if (c.involuntary > 0) perThread[`nonvoluntary_ctxt_switches.${t.name}`] = c.involuntary;
  }
  machine.chargeAll();
  const busy = machine.cpuBusyNs().reduce((a, b) => a + b, 0);
  return {
    voluntary_ctxt_switches: vol,
    nonvoluntary_ctxt_switches: invol,
    cpu_busy_pct: kernel.now > 0 ? Math.round((busy / (kernel.now * machine.ncpu)) * 10000) / 100 : 0,
    ...perThread,
  };
}

/** Metrics every run reports, plus what the models counted. */
export function metricsOf(server: Server, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  const secs = now / 1e9;
  for (const [k, v] of server.metrics.counters) out[k] = v;
  for (const provider of (server.ext.metricProviders as (() => Record<string, number>)[] | undefined) ?? []) Object.assign(out, provider());
  out.statement_errors ??= 0;
  const trx = server.metrics.counters.get("transactions") ?? 0;
  out.transactions = trx;
  out.tps = secs > 0 ? Math.round((trx / secs) * 100) / 100 : 0;
  const ms = (x: number): number => Math.round((x / MS) * 1000) / 1000;
  // stmt_<KEYWORD>_ms: the slowest statement with that first keyword (ALTER, FLUSH, INSERT ...); a
  // statement still running at the end counts with its time so far, so a sweep always gets a number
  const longest = new Map<string, number>();
  for (const [k, s] of server.metrics.samples) if (k.startsWith("stmt:")) longest.set(k.slice(5), s.reduce((a, b) => Math.max(a, b), 0));
  for (const thd of server.thds) if (thd.info !== null) longest.set(firstWords(thd.info), Math.max(longest.get(firstWords(thd.info)) ?? 0, now - thd.commandStart));
  for (const [kw, ns] of longest) if (/^[A-Z_]+$/.test(kw)) out[`stmt_${kw}_ms`] = ms(ns);
  for (const [k, s] of server.metrics.samples) {
    if (s.length === 0 || k.startsWith("stmt:")) continue;
    const sorted = [...s].sort((a, b) => a - b);
    const base = k.replace(/_ns$/, "");
    out[`${base}_avg_ms`] = ms(sorted.reduce((a, b) => a + b, 0) / sorted.length);
    out[`${base}_p50_ms`] = ms(sorted[Math.floor(sorted.length * 0.5)]!);
    out[`${base}_p95_ms`] = ms(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!);
    out[`${base}_max_ms`] = ms(sorted[sorted.length - 1]!);
  }
  return out;
}
