/**
 * Runs a mysqltest file on the simulated server: the kernel, the server with its models, the
 * "mysqltest" thread running the interpreter, and the connections it opens. A statement that can
 * never finish (every thread waits) is reported and, with --continue, the script goes on.
 */
import { Kernel } from "../kernel/kernel.js";
import type { Effect } from "../kernel/thread.js";
import { installCodePathCosts } from "../mysql/costs.js";
import { installModels } from "../mysql/models.js";
import { Server } from "../mysql/server.js";
import type { SysVarValue } from "../mysql/sysvars.js";
import { versionFamily, VERSIONS, type Version } from "../scenario/loader.js";
import { installMachine } from "../scenario/run.js";
import { NO_TRACE, StreamingTrace } from "../trace/sink.js";
import { MtrHost } from "./host.js";
import { Interpreter, MtrDie, MtrHang, MtrUnsupported, type InterpreterOptions, type Marker, type Recorder } from "./interpreter.js";
import { MtrSyntaxError } from "./lexer.js";

export interface MtrRunOptions extends InterpreterOptions {
  version: Version;
  /** mysqld options of the test (<test>-master.opt, include/force_myisam_default.inc, --mysqld), already checked */
  variables?: [string, SysVarValue][];
  seed?: number;
  maxSteps?: number;
  /** write the JSONL trace here */
  traceFile?: string;
  /** records the run (mtr --to-yaml); gets the host to resolve connection ids */
  makeRecorder?: (host: MtrHost) => Recorder;
}

export interface UnreachedSyncPoint {
  point: string;
  connection: string | null;
  armedAtNs: number;
  /** how the action ended: still armed at the end, replaced, RESET */
  end: string;
  /** some thread passed the point (armed by another session or after this action ended) */
  passedByAnyone: boolean;
}

export interface MtrRunResult {
  /** the .result text */
  output: string;
  /** completed: the file ran to its end; failed: mysqltest would have stopped (a die, an unexpected error, a hang); unsupported: a command or statement outside the model (without --continue); error: a bug in mysqlsim */
  outcome: "completed" | "failed" | "unsupported" | "limit" | "error";
  /** where and why it stopped (failed, unsupported, error, limit) */
  stop?: { file: string; line: number; message: string; kind?: string };
  markers: Marker[];
  /** statements (and commands) outside the model, by kind, with counts */
  unsupported: Record<string, number>;
  unreachedSyncPoints: UnreachedSyncPoint[];
  virtualNs: number;
  steps: number;
  commands: number;
  version: string;
}

/** The MySQL version a test path names (…/mysql-5.7.35/…), else 8.0. */
export function versionFromPath(path: string): Version {
  const m = /mysql-(\d+)\.(\d+)(?:\.(\d+))?/.exec(path);
  if (m) {
    const full = `${m[1]}.${m[2]}.${m[3] ?? ""}`.replace(/\.$/, "");
    const exact = VERSIONS.find((v) => v === full);
    if (exact) return exact;
    const fam = `${m[1]}.${m[2]}`;
    if (fam === "5.7" || fam === "8.0") return fam;
    if (fam === "5.6") return "5.6.12";
  }
  return "8.0";
}

/**
 * mysql-test-run's server, where it differs from a scenario's defaults: log-bin=master-bin
 * (include/default_my.cnf) and the binlog format its combinations pick for the given files
 * (have_binlog_format_mixed_or_statement.inc: STATEMENT). `--mysqld` options override them;
 * `--to-yaml` writes them as the scenario's variables.
 */
export const MTR_SERVER_VARIABLES: readonly (readonly [string, string])[] = [
  ["log_bin_basename", "master-bin"],
  ["binlog_format", "STATEMENT"],
];

export function runMtr(opts: MtrRunOptions): MtrRunResult {
  const trace = opts.traceFile ? new StreamingTrace({ file: opts.traceFile, keep: 0 }) : null;
  const kernel = new Kernel({ seed: opts.seed ?? 1, trace: trace ?? NO_TRACE, maxSteps: opts.maxSteps ?? 20_000_000 });
  const server = new Server(kernel, opts.version, versionFamily(opts.version));
  for (const [n, v] of MTR_SERVER_VARIABLES) server.vars.set(n, v);
  server.ext.serverVersionText = `${opts.version}-debug-log`;
  for (const [n, v] of opts.variables ?? []) server.vars.set(n, v);
  // the first trace record, as a scenario run writes it (renderers read the name and version)
  if (kernel.trace.enabled) kernel.trace.emit(0, "mysqltest", "scenario", (opts.displayName ?? ((p: string) => p))(opts.file), { version: opts.version, seed: opts.seed ?? 1, variables: {} });
  server.ext.machine = {};
  installMachine(kernel, {});
  installCodePathCosts(kernel);
  installModels(server);
  const host = new MtrHost(kernel, server);
  const interp = new Interpreter(host, kernel, opts.makeRecorder ? { ...opts, recorder: opts.makeRecorder(host) } : opts);
  let done = false;
  let stop: MtrRunResult["stop"];
  let outcome: MtrRunResult["outcome"] = "completed";
  const mysqltest = kernel.spawn("mysqltest", function* (t): Generator<Effect, void, unknown> {
    try {
      yield* interp.main(t);
    } catch (e) {
      if (e instanceof MtrUnsupported) {
        outcome = "unsupported";
        stop = { file: e.file, line: e.line, message: e.message, kind: e.kind };
      } else if (e instanceof MtrDie) {
        outcome = "failed";
        stop = { file: e.file, line: e.line, message: e instanceof MtrHang ? e.message : `mysqltest: At line ${e.line}: ${e.message}`, kind: e instanceof MtrHang ? "hang" : "failure" };
      } else if (e instanceof MtrSyntaxError) {
        outcome = "unsupported";
        stop = { file: e.file, line: e.line, message: e.message, kind: "syntax" };
      } else throw e;
    } finally {
      done = true;
      // mysqltest exits: statements still running on other connections are abandoned
      kernel.stop("stopped");
    }
  });
  for (;;) {
    const r = kernel.run();
    if (done) break;
    if ((r.outcome === "hang" || r.outcome === "deadlock") && mysqltest.status === "parked") {
      // every thread waits: the reap mysqltest is in can never complete; it reports that
      kernel.interrupt(mysqltest, "killed");
      continue;
    }
    if (r.outcome === "step_limit") {
      outcome = "limit";
      stop = { file: opts.file, line: 0, message: `stopped after ${r.steps} steps (${r.message ?? "step limit"})` };
    } else {
      outcome = "error";
      stop = { file: opts.file, line: 0, message: `internal error: ${r.message ?? r.outcome}` };
    }
    break;
  }
  trace?.close();
  const conName = (thread?: string): string | null => thread ?? null;
  return {
    output: interp.out,
    outcome,
    ...(stop ? { stop } : {}),
    markers: interp.markers,
    unsupported: Object.fromEntries([...countMarkers(interp.markers)].sort((a, b) => b[1] - a[1])),
    unreachedSyncPoints: server.debugSync.unreached().map((u) => ({ point: u.point, connection: conName(u.thread), armedAtNs: u.armedAt, end: u.end, passedByAnyone: u.passedByAnyone })),
    virtualNs: kernel.now,
    steps: kernel.steps,
    commands: interp.commandsRun,
    version: opts.version,
  };
}

function countMarkers(markers: Marker[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of markers) if (k.type === "unsupported") m.set(k.kind, (m.get(k.kind) ?? 0) + 1);
  return m;
}
