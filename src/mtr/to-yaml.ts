/**
 * `mysqlsim mtr FILE --to-yaml`: a mysqltest file as a scenario (docs/scenario-format.md) for
 * `explore`. The test is run once and what it did is recorded, so loops come out unrolled,
 * variables substituted and includes expanded: each statement on its connection (a `send` as
 * `{ send: ... }`, its `reap` with the error it gave), `--echo` as a comment, `sleep` as sleep,
 * `disconnect` as `kill` (the session ends and releases its locks, which is what a disconnect does
 * to locks), KILL [QUERY] of a connection id as `kill`/`kill_query` of that connection, and
 * include/wait_condition.inc on information_schema.processlist's state and info as `wait_state`.
 * Statements outside the modelled subset become comments (listed as warnings).
 */
import { stringify } from "yaml";
import { errorDef } from "../mysql/errors.js";
import { parseStatement } from "../mysql/sql/parse.js";
import { sysvar } from "../mysql/sysvars.js";
import type { MtrHost, StatementOutcome } from "./host.js";
import type { Recorder } from "./interpreter.js";
import { MTR_SERVER_VARIABLES, runMtr } from "./run.js";
import type { Version } from "../scenario/loader.js";

export interface ToYamlOptions {
  file: string;
  version: Version;
  basedir: string;
  readFile: (p: string) => string | null;
  resolve: (...p: string[]) => string;
  dirname: (p: string) => string;
  displayName?: (p: string) => string;
}

type Step = Record<string, unknown>;

class YamlRecorder implements Recorder {
  readonly steps: Step[] = [];
  readonly warnings: string[] = [];
  /** connection -> the statement it has sent and not reaped */
  private readonly sent = new Map<string, string>();
  /** every connection a step names, in order of first use */
  readonly connections = new Set<string>();
  constructor(private readonly host: MtrHost) {}

  statement(conn: string, sql: string, send: boolean, outcome: StatementOutcome | null): void {
    const text = sql.trim().replace(/;\s*$/, "").trim();
    this.connections.add(conn);
    const kill = /^KILL\s+(QUERY\s+|CONNECTION\s+)?(\S+)\s*$/i.exec(text);
    if (kill) {
      const victim = this.victim(conn, kill[2]!);
      if (victim) {
        this.connections.add(victim);
        this.steps.push({ [/QUERY/i.test(kill[1] ?? "") ? "kill_query" : "kill"]: victim });
        return;
      }
    }
    if (outcome?.unsupported || !this.parses(text)) return this.skip(conn, text, outcome?.unsupported?.message ?? "outside the modelled subset");
    const lifecycle = /DEBUG_SYNC\s*=\s*['"]\s*(before_do_command_net_read|thread_end)\b/i.exec(text)?.[1];
    if (lifecycle) this.warnings.push(`${conn}: "${oneLine(text).slice(0, 80)}": a scenario run's connections have no ${lifecycle} sync point (mtr's do); a WAIT_FOR on its signal waits for debug_sync_timeout`);
    if (send) {
      this.sent.set(conn, text);
      this.steps.push({ [conn]: { send: text } });
      return;
    }
    const step: Step = { [conn]: text };
    if (!this.withError(step, outcome)) return this.skip(conn, text, `its error ${outcome!.error!.def.name} has no scenario name`);
    this.steps.push(step);
  }

  killedAfterHang(conn: string, sql: string, outcome: StatementOutcome): void {
    if (!this.sent.has(conn)) {
      this.steps.push({ comment: `mtr killed the statement on ${conn} that never completed: ${oneLine(sql).slice(0, 200)}` });
      return;
    }
    this.steps.push({ comment: `the statement on ${conn} never completed; mtr killed it (KILL QUERY) to go on` });
    this.steps.push({ kill_query: conn });
    this.reap(conn, sql, outcome);
  }

  reap(conn: string, sql: string, outcome: StatementOutcome): void {
    if (!this.sent.has(conn)) return;
    this.sent.delete(conn);
    const step: Step = { reap: conn };
    if (!this.withError(step, outcome)) {
      this.warnings.push(`reap of "${oneLine(sql)}" on ${conn}: its error ${outcome.error!.def.name} has no scenario name; the reap expects success`);
    }
    this.steps.push(step);
  }

  sleep(ns: number): void {
    this.steps.push({ sleep: `${ns / 1e6}ms` });
  }

  comment(text: string): void {
    this.steps.push({ comment: text === "" ? "-" : text });
  }

  connect(conn: string): void {
    // a name the scenario has used before: its session ended (disconnect, KILL), a new one starts
    if (this.connections.has(conn)) this.steps.push({ connect: conn });
  }

  disconnect(conn: string): void {
    this.connections.add(conn);
    this.steps.push({ comment: `disconnect ${conn}` });
    this.steps.push({ kill: conn });
  }

  source(name: string, vars: (n: string) => string, ended: boolean): boolean {
    if (name !== "wait_condition.inc") return false;
    if (!ended) return true;
    const cond = vars("wait_condition");
    const state = /state\s*=\s*(['"])(.*?)\1/i.exec(cond)?.[2];
    const info = /info\s*=\s*(['"])(.*?)\1/is.exec(cond)?.[2];
    const conn = info !== undefined ? [...this.sent.entries()].find(([, s]) => oneLine(s).toLowerCase() === oneLine(info).toLowerCase())?.[0] : undefined;
    if (state && conn && /information_schema\.processlist/i.test(cond)) this.steps.push({ wait_state: { [conn]: state } });
    else {
      this.steps.push({ comment: `wait_condition.inc: ${oneLine(cond)}` });
      this.warnings.push(`wait_condition.inc for "${oneLine(cond).slice(0, 80)}" is not a processlist state wait of a sent statement: kept as a comment`);
    }
    return true;
  }

  private victim(conn: string, target: string): string | null {
    let id = target;
    if (id.startsWith("@")) id = this.host.connections.get(conn)?.thd.userVars.get(id.slice(1).toLowerCase()) ?? "";
    for (const c of this.host.connections.values()) if (String(c.thd.id) === id) return c.name;
    return null;
  }

  /** the scenario loader takes it: the modelled subset, and SET of a modelled variable only */
  private parses(sql: string): boolean {
    try {
      const st = parseStatement(sql);
      return st.kind !== "set_var" || sysvar(st.name) !== undefined;
    } catch {
      return false;
    }
  }

  private withError(step: Step, outcome: StatementOutcome | null): boolean {
    const e = outcome?.error;
    if (!e) return true;
    if (!errorDef(e.def.name)) return false;
    step.error = e.def.name;
    return true;
  }

  private skip(conn: string, sql: string, why: string): void {
    this.steps.push({ comment: `skipped on ${conn} (${why}): ${oneLine(sql).slice(0, 200)}` });
    this.warnings.push(`${conn}: "${oneLine(sql).slice(0, 80)}" skipped: ${why}`);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

export function testToScenarioYaml(_text: string, opts: ToYamlOptions): { yaml: string; warnings: string[] } {
  let rec!: YamlRecorder;
  const run = runMtr({
    file: opts.resolve(opts.file),
    basedir: opts.basedir,
    version: opts.version,
    continueOnError: true,
    readFile: opts.readFile,
    resolve: opts.resolve,
    dirname: opts.dirname,
    ...(opts.displayName ? { displayName: opts.displayName } : {}),
    makeRecorder: (host) => (rec = new YamlRecorder(host)),
  });
  const name = opts.file.split(/[\\/]/).pop()!.replace(/\.test$/, "");
  const doc = {
    name: `${name} (converted from ${opts.file})`,
    description: `Converted by mysqlsim mtr --to-yaml from ${opts.file}: the statements the test ran, in order, on their connections (loops unrolled, includes expanded).`,
    version: opts.version,
    variables: Object.fromEntries(MTR_SERVER_VARIABLES),
    connections: ["default", ...[...rec.connections].filter((c) => c !== "default")],
    steps: rec.steps,
    // room for the waits the test's own run took (sync point and lock wait timeouts run in virtual
    // time), and for each WAIT_FOR to time out once (debug_sync_timeout) where the scenario run
    // lacks a sync point the mtr run has
    duration: `${Math.ceil((2 * run.virtualNs) / 1e9) + 60 + 300 * rec.steps.filter((st) => Object.values(st).some((v) => typeof v === "string" && /WAIT_FOR/i.test(v))).length}s`,
    expect: [{ outcome: "completed" }],
  };
  const warnings = [...rec.warnings];
  if (run.outcome !== "completed") warnings.push(`the test did not run to its end (${run.stop?.message ?? run.outcome}): the scenario stops there`);
  return { yaml: stringify(doc, { lineWidth: 0 }), warnings: warnings.map((w) => `--to-yaml: ${w}`) };
}
