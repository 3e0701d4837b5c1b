/**
 * The mysqltest language (client/mysqltest.cc of MySQL 5.7), run as the "mysqltest" thread of a
 * simulation: each command is interpreted as mysqltest's main loop does, statements go to the
 * simulated connections (src/mtr/host.ts), and the output is the .result text mysqltest writes.
 *
 * Followed from mysqltest.cc: the block stack of do_block()/do_done() (a false block skips its
 * commands, `while` jumps back to its condition), expected errors saved by `--error` for the
 * next command (do_get_errcodes, handle_error, handle_no_error), variables and do_eval() ($var,
 * `\$` escapes), var_query_set() (a backtick query's first row, columns joined by tabs),
 * query_get_value(), properties with ONCE (set_property/revert_properties), run_query() and
 * run_query_normal() (query echo, send/reap, result set with its heading, Warnings: block,
 * $mysql_errno), connect logging (connect_n_handle_errors, select_connection_name,
 * do_close_connection), replace_result/replace_regex/replace_column for the next command,
 * open_file() (a sourced file relative to the current file's directory first, then the base
 * directory).
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import { SEC } from "../kernel/time.js";
import { mtrError, mtrErrorDef } from "./errors.js";
import type { MtrConnection, MtrHost, StatementOutcome } from "./host.js";
import { readCommands, type Command, MtrSyntaxError } from "./lexer.js";

/** mysqltest aborts the test (die()): a failure of the test. */
export class MtrDie extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** A command or statement mysqlsim does not model: bad input for a run without --continue. */
export class MtrUnsupported extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Marker {
  file: string;
  line: number;
  /** unsupported | failure | hang */
  type: "unsupported" | "failure" | "hang";
  kind: string;
  message: string;
}

/** Receives what the script does, in order (mtr --to-yaml turns it into scenario steps). */
export interface Recorder {
  /** a statement sent (send) or run to its result (send false) on a connection, with what it gave */
  statement(conn: string, sql: string, send: boolean, outcome: StatementOutcome | null): void;
  reap(conn: string, sql: string, outcome: StatementOutcome): void;
  sleep(ns: number): void;
  comment(text: string): void;
  disconnect(conn: string): void;
  /** a connection gets a new session: `connect` (a name used before), or the client's reconnect */
  connect(conn: string): void;
  /** a statement that hung was killed (KILL QUERY) so the run could go on; outcome: what it gave then */
  killedAfterHang(conn: string, sql: string, outcome: StatementOutcome): void;
  /** a sourced file starts (true: the recorder takes it as a whole, e.g. wait_condition.inc) or ends */
  source(name: string, vars: (name: string) => string, ended: boolean): boolean;
}

export interface InterpreterOptions {
  /** records the run for --to-yaml */
  recorder?: Recorder;
  /** the .test file's path (as given) */
  file: string;
  /** the suite's base directory (the parent of t/): `--source include/x.inc` resolves there */
  basedir: string;
  /** go on after an unsupported command, a test failure or a hang, with a marker line */
  continueOnError: boolean;
  /** reads a file (null when it does not exist) */
  readFile: (path: string) => string | null;
  /** joins and normalises paths */
  resolve: (...parts: string[]) => string;
  dirname: (p: string) => string;
  /** virtual seconds a statement may take before mysqltest gives up on it (MTR's --testcase-timeout, 15 min) */
  statementTimeoutS?: number;
  /** the file name shown in messages (relative as given) */
  displayName?: (p: string) => string;
}

/** Includes that only check how the server was built or started: skipped, as they would pass. */
export const BUILD_OPTION_INCLUDE = /^(have_[\w.-]+|not_[\w.-]+|big_test|no_valgrind_without_big|master-slave)\.inc$/;

interface ExpectedError {
  type: "errno" | "sqlstate";
  errno: number;
  sqlstate: string;
}

type Prop = "query" | "result" | "warnings" | "info" | "connect" | "abort" | "metadata" | "ps" | "session_track";
/** the property's value means "disabled" for these (disable_query_log sets it) */
const PROP_ENV: Record<Prop, string> = {
  query: "ENABLED_QUERY_LOG",
  result: "ENABLED_RESULT_LOG",
  warnings: "ENABLED_WARNINGS",
  info: "ENABLED_INFO",
  connect: "ENABLED_CONNECT_LOG",
  abort: "ENABLED_ABORT_ON_ERROR",
  metadata: "ENABLED_METADATA",
  ps: "ENABLED_PS_PROTOCOL",
  session_track: "ENABLED_SESSION_TRACK",
};

/** a --continue run stops when one command fails this often (a wait loop around a failing query) */
const MAX_REPEATS = 2000;
/** commands one run may execute (while loops are bounded by this) */
const MAX_COMMANDS = 2_000_000;

const SEND = 1;
const REAP = 2;

export class Interpreter {
  /** the .result text so far */
  out = "";
  readonly markers: Marker[] = [];
  /** every command run, by type (for the summary) */
  commandsRun = 0;
  private readonly vars = new Map<string, string>();
  /** property -> enabled (true: queries logged, results logged, warnings shown ...) */
  private readonly enabled: Record<Prop, boolean> = { query: true, result: true, warnings: true, info: false, connect: false, abort: true, metadata: false, ps: false, session_track: false };
  private once: Partial<Record<Prop, boolean>> | null = null;
  private savedErrors: ExpectedError[] = [];
  private replace: [string, string][] | null = null;
  private replaceRegex: [RegExp, string][] | null = null;
  private replaceColumn: Map<number, string> | null = null;
  private sorted = false;
  private lower = false;
  private vertical = false;
  private sendFlag = false;
  private parsingDisabled = false;
  private executed = 0;
  private exitFlag = false;
  private cur!: MtrConnection;
  /** a file's commands, by path and the delimiter it starts with */
  private readonly parsed = new Map<string, Command[]>();
  /** the delimiter in force at the end of each parsed file (a sourced file can change it) */
  private readonly endDelimiter = new Map<string, string>();
  private delimiter = ";";
  private depth = 0;
  private readonly timeoutNs: number;
  /** the command being run (for messages) */
  private at: Command | null = null;

  constructor(
    private readonly host: MtrHost,
    private readonly kernel: Kernel,
    private readonly opts: InterpreterOptions,
  ) {
    this.timeoutNs = (opts.statementTimeoutS ?? 900) * SEC;
    for (const p of Object.keys(PROP_ENV) as Prop[]) this.vars.set(PROP_ENV[p], this.enabled[p] ? "1" : "0");
    this.vars.set("mysql_errno", "-1");
    this.vars.set("mysql_errname", "");
    this.vars.set("MYSQLTEST_VARDIR", "var");
    this.vars.set("MYSQL_TEST_DIR", ".");
    this.vars.set("MYSQLD_DATADIR", "var/mysqld.1/data/");
  }

  /** The whole test: connect "default", run the file. */
  *main(t: SimThread): Generator<Effect, void, unknown> {
    this.cur = this.host.connect("default");
    this.setCurrent(this.cur);
    try {
      yield* this.runFile(t, this.opts.file);
    } catch (e) {
      if (e instanceof ExitSignal) return;
      throw e;
    }
  }

  // ---------------------------------------------------------------- files and blocks

  private commandsOf(path: string): Command[] {
    const key = `${path}\u0000${this.delimiter}`;
    let cmds = this.parsed.get(key);
    if (!cmds) {
      const text = this.opts.readFile(path);
      if (text === null) throw new MtrDie(this.at?.file ?? path, this.at?.line ?? 0, `Could not open '${path}' for reading`);
      const r = readCommands(text, this.name(path), this.delimiter);
      cmds = r.commands;
      this.parsed.set(key, cmds);
      this.endDelimiter.set(key, r.delimiter);
    }
    return cmds;
  }

  private name(path: string): string {
    return this.opts.displayName ? this.opts.displayName(path) : path;
  }

  private *runFile(t: SimThread, path: string): Generator<Effect, void, unknown> {
    if (++this.depth > 16) throw this.die("Source directives are nesting too deep");
    const key = `${path}\u0000${this.delimiter}`;
    const cmds = this.commandsOf(path);
    const endDelimiter = this.endDelimiter.get(key)!;
    try {
      yield* this.runList(t, cmds, path);
    } finally {
      this.depth--;
    }
    this.delimiter = endDelimiter;
  }

  private *runList(t: SimThread, cmds: Command[], path: string): Generator<Effect, void, unknown> {
    const blocks: { type: string; ok: boolean; pc: number }[] = [];
    let pc = 0;
    while (pc < cmds.length) {
      const c = cmds[pc]!;
      this.at = c;
      let type = c.type;
      if (this.parsingDisabled && type !== "enable_parsing" && type !== "disable_parsing") type = "comment";
      const ok = blocks.every((b) => b.ok);
      if (type === "while" || type === "if") {
        blocks.push({ type, ok: ok ? yield* this.condition(t, c) : false, pc });
        pc++;
        continue;
      }
      if (type === "end_block" || type === "end") {
        const b = blocks.pop();
        if (!b) throw this.die(c.text.startsWith("}") ? "Stray '}' - end of block before beginning" : "Stray 'end' command - end of block before beginning");
        pc = b.ok && b.type === "while" ? b.pc : pc + 1;
        continue;
      }
      if (ok) {
        const expected = type === "error" ? [] : this.savedErrors;
        if (++this.commandsRun > MAX_COMMANDS) throw new MtrDie(c.file, c.line, `giving up after ${MAX_COMMANDS} commands (an endless while loop?)`);
        yield* this.guarded(t, c, type, expected, path);
        if (this.exitFlag) throw new ExitSignal();
      }
      if (type !== "error" && type !== "comment") this.savedErrors = [];
      if (this.executed !== this.lastExecuted) {
        this.replace = null;
        this.replaceRegex = null;
        this.replaceColumn = null;
        this.sorted = false;
        this.lower = false;
      }
      this.lastExecuted = this.executed;
      pc++;
    }
    if (blocks.length) throw this.die("Missing end of block");
  }
  private lastExecuted = 0;
  private readonly marked = new Map<string, number>();
  /** inside a sourced file the recorder takes as a whole */
  private muted = 0;

  private recording(): boolean {
    return !!this.opts.recorder && this.muted === 0;
  }

  /** Runs one command; with --continue an unsupported command, a failure or a hang becomes a marker line. */
  private *guarded(t: SimThread, c: Command, type: string, expected: ExpectedError[], path: string): Generator<Effect, void, unknown> {
    try {
      yield* this.execute(t, c, type, expected, path);
    } catch (e) {
      if (!this.opts.continueOnError) throw e;
      if (e instanceof MtrUnsupported) this.mark({ file: e.file, line: e.line, type: "unsupported", kind: e.kind, message: e.message });
      else if (e instanceof MtrDie) this.mark({ file: e.file, line: e.line, type: e instanceof MtrHang ? "hang" : "failure", kind: e instanceof MtrHang ? "hang" : "failure", message: e.message });
      else if (e instanceof MtrSyntaxError) this.mark({ file: e.file, line: e.line, type: "failure", kind: "syntax", message: e.message });
      else throw e;
    }
  }

  private mark(m: Marker): void {
    this.markers.push(m);
    // a marker line once per place and kind (a wait loop would print the same one hundreds of times)
    const key = `${m.file}:${m.line}:${m.type}:${m.kind}`;
    const n = (this.marked.get(key) ?? 0) + 1;
    this.marked.set(key, n);
    if (n > MAX_REPEATS) throw new MtrDie(m.file, m.line, `giving up: the same ${m.type} repeated ${MAX_REPEATS} times (${m.message})`);
    if (n > 1) return;
    if (this.recording()) this.opts.recorder!.comment(`mysqlsim: ${m.file}:${m.line}: ${m.message}`);
    this.out += `## mysqlsim: ${m.file}:${m.line}: ${m.type === "unsupported" ? `unsupported ${m.kind}: ` : m.type === "hang" ? "" : "mysqltest would stop here: "}${m.message}\n`;
  }

  /** if (...) / while (...): do_block() */
  private *condition(t: SimThread, c: Command): Generator<Effect, boolean, unknown> {
    const cmd = c.type;
    const open = c.arg.indexOf("(");
    if (open < 0) throw this.die(`missing '(' in ${cmd}`);
    let expr = c.arg.slice(open + 1);
    const close = expr.lastIndexOf(")");
    if (close < 0) throw this.die(`missing ')' in ${cmd}`);
    const after = expr.slice(close + 1).trim();
    if (after && after !== "{") throw this.die(`Missing '{' after ${cmd}. Found "${after}"`);
    expr = expr.slice(0, close).trim();
    let not = false;
    if (expr.startsWith("!")) {
      not = true;
      expr = expr.slice(1).trim();
    }
    let value: string;
    let isInt: boolean | null = null;
    let intVal = 0;
    if (expr.startsWith("$")) {
      const m = /^\$([A-Za-z0-9_]+)\s*(.*)$/s.exec(expr);
      if (!m) throw this.die(`Unsupported variable name: ${expr}`);
      value = this.getVar(m[1]!);
      const rest = m[2]!.trim();
      if (rest) {
        const op = /^(==|!=|>=|<=|>|<)\s*(.*)$/s.exec(rest);
        if (!op) throw this.die(`Found junk '${rest}' after $variable in condition`);
        if (not) throw this.die("Negation and comparison should not be combined, please rewrite");
        let rhs = op[2]!.trim();
        if (!rhs) throw this.die("Missing right operand in comparison");
        if (rhs.startsWith("'") || rhs.startsWith('"')) {
          if (!rhs.endsWith(rhs[0]!)) throw this.die("Unterminated string value");
          rhs = rhs.slice(1, -1);
        }
        const r = yield* this.evalExpr(t, rhs);
        const li = intOf(value);
        const ri = intOf(r);
        const o = op[1]!;
        if (o !== "==" && o !== "!=" && !(li !== null && ri !== null)) throw this.die("Only == and != are supported for string values");
        let res: boolean;
        switch (o) {
          case "==":
            res = li !== null ? ri !== null && li === ri : value === r;
            break;
          case "!=":
            res = li !== null ? !(ri !== null && li === ri) : value !== r;
            break;
          case "<":
            res = li! < ri!;
            break;
          case "<=":
            res = li! <= ri!;
            break;
          case ">":
            res = li! > ri!;
            break;
          default:
            res = li! >= ri!;
        }
        return res;
      }
    } else {
      if (!expr.startsWith("`") && !/^[0-9]/.test(expr)) throw this.die("Expression in if/while must beging with $, ` or a number");
      value = yield* this.evalExpr(t, expr);
    }
    const iv = intOf(value);
    if (iv !== null) {
      isInt = true;
      intVal = iv;
    }
    let ok: boolean;
    if (isInt) ok = intVal !== 0;
    else {
      const s = value.replace(/^[\s+-]+/, "");
      ok = s !== "" && s[0] !== "0";
    }
    return not ? !ok : ok;
  }

  // ---------------------------------------------------------------- commands

  private *execute(t: SimThread, c: Command, type: string, expected: ExpectedError[], path: string): Generator<Effect, void, unknown> {
    const arg = c.arg;
    switch (type) {
      case "comment":
      case "empty":
      case "delimiter":
        return;
      case "query":
      case "eval":
      case "query_vertical":
      case "query_horizontal": {
        const oldVertical = this.vertical;
        if (type === "query_vertical") this.vertical = true;
        if (type === "query_horizontal") this.vertical = false;
        let flags = SEND | REAP;
        if (this.sendFlag) {
          flags = SEND;
          this.sendFlag = false;
        }
        const text = type === "query" ? c.text : arg;
        try {
          yield* this.runQuery(t, this.cur, c, type === "query" ? text : this.doEval(text), flags, expected);
        } finally {
          this.vertical = oldVertical;
        }
        this.executed++;
        return;
      }
      case "reap": {
        yield* this.runQuery(t, this.cur, c, "", REAP, expected);
        this.executed++;
        return;
      }
      case "send":
      case "send_eval":
        if (!arg.trim()) {
          this.sendFlag = true;
          return;
        }
        yield* this.runQuery(t, this.cur, c, type === "send_eval" ? this.doEval(arg) : arg, SEND, expected);
        this.executed++;
        return;
      case "error":
        this.savedErrors = this.parseErrors(arg);
        return;
      case "echo":
        this.out += `${this.doEval(arg)}\n`;
        if (this.recording()) this.opts.recorder!.comment(this.doEval(arg));
        this.executed++;
        return;
      case "let":
        yield* this.doLet(t, arg, expected);
        this.revert();
        return;
      case "inc":
      case "dec": {
        const m = /^\$([A-Za-z0-9_]+)\s*$/.exec(arg.trim());
        if (!arg.trim()) throw this.die(`Missing argument to ${type}`);
        if (!m) throw this.die(`The argument to ${type} must be a variable (start with $)`);
        const v = intOf(this.getVar(m[1]!));
        if (v === null) throw this.die("Cannot perform inc/dec on a non-numeric value");
        this.vars.set(m[1]!, String(type === "inc" ? v + 1 : v - 1));
        return;
      }
      case "sleep":
      case "real_sleep": {
        const a = this.doEval(arg).trim();
        if (!a) throw this.die(`Missing argument to ${type}`);
        if (!/^[0-9]/.test(a) || !/^\d*\.?\d+(e[+-]?\d+)?$/i.test(a)) throw this.die(`Invalid argument to ${type} "${a}"`);
        const s = Number(a);
        if (s > 0) yield t.sleep(Math.round(s * SEC));
        if (s > 0 && this.recording()) this.opts.recorder!.sleep(Math.round(s * SEC));
        return;
      }
      case "source": {
        const name = this.doEval(firstArg(arg));
        if (!name) throw this.die("Missing required argument 'filename' to command 'source'");
        const base = name.split(/[\\/]/).pop()!;
        if (BUILD_OPTION_INCLUDE.test(base)) return;
        const here = this.opts.resolve(this.opts.dirname(path), name);
        const file = this.opts.readFile(here) !== null ? here : this.opts.resolve(this.opts.basedir, name);
        if (this.opts.readFile(file) === null) throw this.die(`Could not open '${name}' for reading (looked in ${this.name(this.opts.dirname(path))} and ${this.name(this.opts.basedir)})`);
        const rec = this.opts.recorder;
        const whole = rec ? rec.source(base, (n) => this.getVar(n), false) : false;
        if (whole) this.muted++;
        try {
          yield* this.runFile(t, file);
        } finally {
          if (whole) this.muted--;
        }
        if (rec && whole) rec.source(base, (n) => this.getVar(n), true);
        return;
      }
      case "connect":
        yield* this.doConnect(t, c, expected);
        return;
      case "connection": {
        const name = this.doEval(firstArg(arg));
        const con = this.host.connections.get(name);
        if (!con || con.closed) throw this.die(`connection '${name}' not found in connection pool`);
        this.setCurrent(con);
        if (this.enabled.connect && this.enabled.query) this.out += `connection ${this.applyReplace(name)};\n`;
        return;
      }
      case "disconnect":
      case "dirty_close": {
        const name = this.doEval(firstArg(arg));
        const con = this.host.connections.get(name);
        if (!con || con.closed) throw this.die(`connection '${name}' not found in connection pool`);
        this.host.close(con);
        this.host.connections.delete(name);
        if (this.recording()) this.opts.recorder!.disconnect(name);
        if (con === this.cur) this.vars.set("CURRENT_CONNECTION", "-closed_connection-");
        if (this.enabled.connect && this.enabled.query) this.out += `disconnect ${this.applyReplace(name)};\n`;
        yield t.yield();
        return;
      }
      case "enable_query_log":
      case "disable_query_log":
      case "enable_result_log":
      case "disable_result_log":
      case "enable_warnings":
      case "disable_warnings":
      case "enable_info":
      case "disable_info":
      case "enable_connect_log":
      case "disable_connect_log":
      case "enable_abort_on_error":
      case "disable_abort_on_error":
      case "enable_metadata":
      case "disable_metadata":
      case "enable_ps_protocol":
      case "disable_ps_protocol":
      case "enable_session_track_info":
      case "disable_session_track_info": {
        const on = type.startsWith("enable_");
        const what = type.replace(/^(enable|disable)_/, "").replace(/_log$/, "").replace(/_on_error$/, "").replace(/_protocol$/, "").replace(/_info$/, "") as string;
        const prop = (what === "session_track" ? "session_track" : what) as Prop;
        this.setProperty(prop, on, arg.trim() === "ONCE");
        return;
      }
      case "enable_reconnect":
      case "disable_reconnect":
        this.cur.reconnect = type === "enable_reconnect";
        return;
      case "vertical_results":
        this.vertical = true;
        return;
      case "horizontal_results":
        this.vertical = false;
        return;
      case "sorted_result":
        this.sorted = true;
        return;
      case "lowercase_result":
        this.lower = true;
        return;
      case "replace_result": {
        const words = splitArgs(arg).map((w) => (w.quoted ? w.text : this.doEval(w.text)));
        if (words.length === 0) throw this.die(`Missing argument in ${c.text}`);
        if (words.length % 2) throw this.die(`Wrong number of arguments to replace_result in '${c.text}'`);
        const pairs: [string, string][] = [];
        for (let i = 0; i < words.length; i += 2) pairs.push([words[i]!, words[i + 1]!]);
        this.replace = pairs;
        return;
      }
      case "replace_regex":
        this.replaceRegex = this.parseRegexes(this.doEval(arg));
        return;
      case "replace_column": {
        const words = splitArgs(arg).map((w) => (w.quoted ? w.text : this.doEval(w.text)));
        if (words.length % 2) throw this.die(`Wrong number of arguments to replace_column in '${c.text}'`);
        const m = new Map<number, string>();
        for (let i = 0; i < words.length; i += 2) {
          const col = Number(words[i]);
          if (!Number.isInteger(col) || col < 1) throw this.die(`Wrong column number to replace_column in '${c.text}'`);
          m.set(col - 1, words[i + 1]!);
        }
        this.replaceColumn = m;
        return;
      }
      case "disable_parsing":
        if (this.parsingDisabled) throw this.die("Parsing is already disabled");
        this.parsingDisabled = true;
        return;
      case "enable_parsing":
        if (!this.parsingDisabled) throw this.die("Parsing is already enabled");
        this.parsingDisabled = false;
        return;
      case "die":
        throw this.die(arg || "die");
      case "exit":
        this.exitFlag = true;
        return;
      case "skip":
        this.out += `## mysqlsim: skipped: ${this.doEval(arg)}\n`;
        this.exitFlag = true;
        return;
      case "ping":
      case "start_timer":
      case "end_timer":
      case "character_set":
      case "result_format":
        if (type === "result_format" && this.doEval(arg).trim() !== "1") throw this.unsupported(c, "result_format", "only result format 1 (the default) is written");
        return;
      case "reset_connection":
        this.cur.thd.userVars.clear();
        return;
      default:
        throw this.unsupported(c, type, `the mysqltest command "${type}" is not supported by mysqlsim mtr (docs/mtr.md lists the commands it runs)`);
    }
  }

  private setCurrent(c: MtrConnection): void {
    this.cur = c;
    this.vars.set("CURRENT_CONNECTION", c.name);
    this.vars.set("mysql_get_server_version", versionNumber(this.host.server.version));
  }

  private setProperty(p: Prop, enabled: boolean, once: boolean): void {
    if (once) {
      this.once ??= {};
      if (!(p in this.once)) this.once[p] = this.enabled[p];
    }
    this.enabled[p] = enabled;
    this.vars.set(PROP_ENV[p], enabled ? "1" : "0");
  }

  /** revert_properties(): ONCE properties back to what they were, after the next statement */
  private revert(): void {
    if (!this.once) return;
    for (const [p, v] of Object.entries(this.once) as [Prop, boolean][]) {
      this.enabled[p] = v;
      this.vars.set(PROP_ENV[p], v ? "1" : "0");
    }
    this.once = null;
  }

  private *doConnect(t: SimThread, c: Command, expected: ExpectedError[]): Generator<Effect, void, unknown> {
    let a = c.arg.trim();
    let logged = c.text;
    if (a.startsWith("(")) {
      if (!a.endsWith(")")) throw this.die(`connect - argument list started with '(' must be ended with ')'`);
      a = a.slice(1, -1);
      // strip_parentheses(): the '(' becomes a space in the logged command
      const i = logged.indexOf("(");
      logged = `${logged.slice(0, i)} ${logged.slice(i + 1).replace(/\)\s*$/, "")}`;
    }
    const parts = a.split(",").map((s) => this.doEval(s.trim()));
    const name = parts[0];
    if (!name) throw this.die("Missing required argument 'connection name' to command 'connect'");
    const existing = this.host.connections.get(name);
    if (existing && !existing.closed) throw this.die(`Connection ${name} already exists`);
    if (expected.length && this.enabled.query) this.out += `connect(${parts[1] ?? ""},${parts[2] ?? ""},${parts[3] ?? ""},${parts[4] ?? ""},MASTER_PORT,MASTER_SOCKET)${this.delimiter}\n`;
    if (this.enabled.connect && this.enabled.query) this.out += `${this.applyReplace(logged)};\n`;
    const db = parts[4];
    if (db && !/^(test|mysql|information_schema|performance_schema)?$/i.test(db)) throw this.unsupported(c, "connect to a database", `a connection to database '${db}' (mysqlsim's sessions use test)`);
    const con = this.host.connect(name);
    if (this.recording()) this.opts.recorder!.connect(name);
    this.setCurrent(con);
    this.vars.set("mysql_errno", "0");
    this.checkNoError(c, expected, logged);
    this.revert();
    yield t.yield();
  }

  // ---------------------------------------------------------------- queries

  /** run_query(): echo, send and/or reap, the result, the expected error. */
  private *runQuery(t: SimThread, con: MtrConnection, c: Command, query: string, flags: number, expected: ExpectedError[]): Generator<Effect, void, unknown> {
    if (con.pending && flags & SEND) throw this.die("Cannot run query on connection between send and reap");
    if (!(flags & SEND) && !con.pending) throw this.die("Cannot reap on a connection without pending send");
    if (this.enabled.query && flags & SEND) this.out += `${this.applyReplace(query)}${c.delimiter}\n`;
    if (flags & SEND) {
      const sent = this.send(con, query);
      if (!(flags & REAP)) {
        con.pending = true;
        con.pendingSql = query;
        if (this.recording()) this.opts.recorder!.statement(con.name, query, true, null);
        return;
      }
      if (!sent) return this.finish(c, con, query, expected, con.outcome);
    }
    const sql = flags & SEND ? query : con.pendingSql;
    const outcome = yield* this.wait(t, con, c, flags & SEND ? "query" : "reap", sql);
    con.pending = false;
    if (this.recording()) {
      if (flags & SEND) this.opts.recorder!.statement(con.name, sql, false, outcome);
      else this.opts.recorder!.reap(con.name, sql, outcome);
    }
    this.finish(c, con, sql, expected, outcome);
  }

  /** Hands a statement to the connection; false when the client library fails it at once (a broken connection without reconnect). */
  private send(con: MtrConnection, sql: string): boolean {
    if (con.closed) {
      // mysql_close()d: the handle has no server any more (what include/wait_until_disconnected.inc waits for)
      con.outcome = { error: mtrError("CR_SERVER_GONE_ERROR"), resultSet: null, affectedRows: 0, warnings: [], unsupported: null };
      return false;
    }
    if (con.stuck) throw this.die(`connection '${con.name}' still waits for its earlier statement (a hang reported above)`);
    if (con.broken) {
      if (!con.reconnect) {
        con.outcome = { error: mtrError("CR_SERVER_GONE_ERROR"), resultSet: null, affectedRows: 0, warnings: [], unsupported: null };
        return false;
      }
      this.host.reconnect(con);
      if (this.recording()) this.opts.recorder!.connect(con.name);
    }
    this.host.post(con, sql);
    return true;
  }

  /** Waits for the connection's statement; a statement that can never finish becomes a hang report. */
  private *wait(t: SimThread, con: MtrConnection, c: Command, what: string, sql: string): Generator<Effect, StatementOutcome, unknown> {
    if (con.busy) {
      const r = yield t.acquire(con.done, () => !con.busy, this.timeoutNs);
      if (r === "timeout" || r === "killed") {
        const why = r === "timeout" ? `did not complete in ${this.timeoutNs / SEC} s of virtual time (MTR's --testcase-timeout)` : "can never complete: every thread waits";
        const waits = describeWaits(this.kernel, con);
        con.pending = false;
        let after = "";
        if (this.opts.continueOnError) {
          // to go on, the statement is killed (KILL QUERY) and its result dropped
          con.thd.killed = true;
          this.kernel.interrupt(con.thread, "killed");
          const r2 = yield t.acquire(con.done, () => !con.busy, SEC);
          if (r2 === "timeout" || r2 === "killed") con.stuck = true;
          else if (this.recording()) this.opts.recorder!.killedAfterHang(con.name, sql, con.outcome);
          after = con.stuck ? " (it could not be killed: the connection is left out of the rest of the test)" : " (mysqlsim killed it to go on)";
        } else con.stuck = true;
        throw new MtrHang(c.file, c.line, `${what} on connection '${con.name}' ("${oneLine(sql).slice(0, 80)}") ${why}; ${waits}${after}`);
      }
    }
    return con.outcome;
  }

  /** run_query_normal()'s end: the result set, warnings, handle_error()/handle_no_error(), $mysql_errno. */
  private finish(c: Command, con: MtrConnection, sql: string, expected: ExpectedError[], o: StatementOutcome): void {
    if (o.unsupported) {
      this.vars.set("mysql_errno", "0");
      this.revert();
      throw this.unsupported(c, o.unsupported.kind, `${o.unsupported.message}: "${oneLine(sql).slice(0, 100)}"`);
    }
    if (o.error) {
      this.vars.set("mysql_errno", String(o.error.code));
      this.vars.set("mysql_errname", o.error.def.name);
      this.handleError(c, sql, expected, o.error.code, o.error.def.sqlstate, o.error.message);
      return;
    }
    let text = "";
    if (this.enabled.result) {
      if (o.resultSet) {
        const rs = o.resultSet;
        const rows = rs.rows.map((r) => r.map((v, i) => this.replaceColumn?.get(i) ?? (v === null ? "NULL" : v)));
        if (this.vertical) {
          for (const r of rows) for (let i = 0; i < rs.columns.length; i++) text += `${rs.columns[i]}\t${this.applyReplace(r[i]!)}\n`;
        } else {
          const head = `${rs.columns.map((h) => this.applyReplace(h)).join("\t")}\n`;
          let body = rows.map((r) => `${r.map((v) => this.applyReplace(v)).join("\t")}\n`);
          if (this.sorted) body = [...body].sort();
          text += head + body.join("");
        }
      }
      if (this.enabled.info) text += `affected rows: ${o.affectedRows}\n`;
      if (this.enabled.warnings && o.warnings.length) {
        text += "Warnings:\n";
        for (const w of o.warnings) text += `${w.level}\t${w.code}\t${this.applyReplace(w.message)}\n`;
      }
    }
    if (this.lower) text = text.toLowerCase();
    this.out += text;
    this.vars.set("mysql_errno", "0");
    this.vars.set("mysql_errname", "");
    this.checkNoError(c, expected, sql);
    this.revert();
  }

  private handleError(c: Command, sql: string, expected: ExpectedError[], errno: number, sqlstate: string, message: string): void {
    const i = expected.findIndex((e) => (e.type === "errno" ? e.errno === errno : e.sqlstate === sqlstate));
    if (i >= 0) {
      if (this.enabled.result) {
        if (expected.length === 1) this.out += `ERROR ${sqlstate}: ${this.applyReplace(message)}\n`;
        else if (expected[0]!.type === "sqlstate" || expected[0]!.errno !== 0) this.out += "Got one of the listed errors\n";
      }
      this.revert();
      return;
    }
    if (expected.length === 0 && this.enabled.abort) {
      this.revert();
      throw new MtrDie(c.file, c.line, `query '${oneLine(sql)}' failed: ${errno}: ${message}`);
    }
    if (this.enabled.result) this.out += `ERROR ${sqlstate}: ${this.applyReplace(message)}\n`;
    this.revert();
    if (expected.length) {
      const e0 = expected[0]!;
      if (e0.type === "errno") throw new MtrDie(c.file, c.line, `query '${oneLine(sql)}' failed with wrong errno ${errno}: '${message}', instead of ${e0.errno}...`);
      throw new MtrDie(c.file, c.line, `query '${oneLine(sql)}' failed with wrong sqlstate ${sqlstate}: '${message}', instead of ${e0.sqlstate}...`);
    }
  }

  private checkNoError(c: Command, expected: ExpectedError[], sql: string): void {
    const e0 = expected[0];
    if (e0 && e0.type === "errno" && e0.errno !== 0) throw new MtrDie(c.file, c.line, `query '${oneLine(sql)}' succeeded - should have failed with errno ${e0.errno}...`);
    if (e0 && e0.type === "sqlstate" && e0.sqlstate !== "00000") throw new MtrDie(c.file, c.line, `query '${oneLine(sql)}' succeeded - should have failed with sqlstate ${e0.sqlstate}...`);
  }

  /** do_get_errcodes(): numbers, ER_/CR_ names, Sxxxxx SQLSTATEs, $variables, comma separated. */
  private parseErrors(arg: string): ExpectedError[] {
    const a = arg.trim();
    if (!a) throw this.die("Missing argument(s) to 'error'");
    const out: ExpectedError[] = [];
    for (let part of a.split(",")) {
      part = part.trim().split(/\s+/)[0] ?? "";
      if (part.startsWith("$")) part = this.doEval(part);
      if (!part) continue;
      if (part.startsWith("S")) {
        const st = part.slice(1);
        if (st.length !== 5) throw this.die("The sqlstate must be exactly 5 chars long");
        if (!/^[0-9A-Z]+$/.test(st)) throw this.die("The sqlstate may only consist of digits[0-9] and _uppercase_ letters");
        out.push({ type: "sqlstate", errno: 0, sqlstate: st });
      } else if (part.startsWith("s")) throw this.die("The sqlstate definition must start with an uppercase S");
      else if (part.startsWith("E") || part.startsWith("C")) {
        const def = mtrErrorDef(part);
        if (!def) throw this.die(`Unknown SQL error name '${part}'`);
        out.push({ type: "errno", errno: def.code, sqlstate: def.sqlstate });
      } else if (part.startsWith("e")) throw this.die("The error name definition must start with an uppercase E");
      else {
        if (!/^\d+$/.test(part)) throw this.die(`Invalid argument to error: '${arg}' - the errno may only consist of digits[0-9]`);
        out.push({ type: "errno", errno: Number(part), sqlstate: "" });
      }
    }
    if (out.length > 20) throw this.die("Too many errorcodes specified");
    return out;
  }

  // ---------------------------------------------------------------- variables

  private getVar(name: string): string {
    return this.vars.get(name) ?? "";
  }

  /** do_eval(): $variables replaced, `\$`, `\\` and `\"` unescaped. */
  private doEval(s: string): string {
    let out = "";
    let escaped = false;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === "$") {
        if (escaped) {
          escaped = false;
          out += ch;
          continue;
        }
        const m = /^\$([A-Za-z0-9_]+)/.exec(s.slice(i));
        if (!m) throw this.die("Empty variable");
        out += this.getVar(m[1]!);
        i += m[0].length - 1;
      } else if (ch === "\\") {
        const next = s[i + 1];
        if (escaped) {
          escaped = false;
          out += ch;
        } else if (next === "\\" || next === "$" || next === '"') escaped = true;
        else out += ch;
      } else {
        escaped = false;
        out += ch;
      }
    }
    return out;
  }

  /** do_let(): let $name = value (evaluated: a backtick query, query_get_value(), a $variable). */
  private *doLet(t: SimThread, arg: string, expected: ExpectedError[]): Generator<Effect, void, unknown> {
    const m = /^([^=\s]*)\s*(=?)\s*([\s\S]*)$/.exec(arg);
    if (!m || !m[1] || m[1] === "$") throw this.die(arg ? "Missing variable name in let" : "Missing arguments to let");
    if (!m[2]) throw this.die("Missing assignment operator in let");
    const rhs = this.doEval(m[3]!);
    const value = yield* this.evalExpr(t, rhs, expected);
    const name = m[1].startsWith("$") ? m[1].slice(1) : m[1];
    this.vars.set(name, value);
  }

  /** eval_expr(): a backtick query (var_query_set), query_get_value(q, col, row), or the text. */
  private *evalExpr(t: SimThread, p: string, expected: ExpectedError[] = []): Generator<Effect, string, unknown> {
    if (p.startsWith("$")) {
      const m = /^\$([A-Za-z0-9_]+)/.exec(p)!;
      if (!m) throw this.die(`Unsupported variable name: ${p}`);
      return this.getVar(m[1]!);
    }
    if (p.startsWith("`")) {
      const end = p.lastIndexOf("`");
      if (end <= 0) throw this.die("Syntax error in query, missing '`'");
      if (!/^[\s)]*$/.test(p.slice(end + 1))) throw this.die("Spurious text after `query` expression");
      const q = this.doEval(p.slice(1, end));
      const o = yield* this.utilQuery(t, q, expected);
      if (!o) return "";
      if (!o.resultSet) throw this.die(`Query '${q}' didn't return a result set`);
      const row = o.resultSet.rows[0];
      if (!row || row[0] === null) return "";
      return row.map((v) => (v === null ? "" : this.applyReplace(v))).join("\t");
    }
    if (p.startsWith("query_get_value")) {
      const inner = p.slice("query_get_value".length).trim();
      if (!inner.startsWith("(") || !inner.endsWith(")")) throw this.die("query_get_value - argument list started with '(' must be ended with ')'");
      const body = inner.slice(1, -1);
      const last = body.lastIndexOf(",");
      const mid = body.lastIndexOf(",", last - 1);
      if (last < 0 || mid < 0) throw this.die("Missing required argument to query_get_value");
      let q = body.slice(0, mid).trim();
      const col = body.slice(mid + 1, last).trim();
      const rowNo = Number(body.slice(last + 1).trim());
      if (!Number.isInteger(rowNo)) throw this.die(`Invalid row number: '${body.slice(last + 1).trim()}'`);
      if (q.startsWith('"') && q.endsWith('"')) q = q.slice(1, -1);
      const o = yield* this.utilQuery(t, q, expected);
      if (!o) return "";
      if (!o.resultSet) throw this.die(`Query '${q}' didn't return a result set`);
      const ci = o.resultSet.columns.indexOf(col);
      if (ci < 0) throw this.die(`Could not find column '${col}' in the result of '${q}'`);
      const r = o.resultSet.rows[rowNo - 1];
      if (!r) return "No such row";
      return r[ci] ?? "NULL";
    }
    return p;
  }

  /** A query of the script itself (backticks, query_get_value): no echo; its error goes through handle_error. */
  private *utilQuery(t: SimThread, q: string, expected: ExpectedError[]): Generator<Effect, StatementOutcome | null, unknown> {
    const c = this.at!;
    if (this.cur.pending) throw this.die("Cannot run query on connection between send and reap");
    const sent = this.send(this.cur, q);
    const o = sent ? yield* this.wait(t, this.cur, c, "query", q) : this.cur.outcome;
    if (this.recording()) this.opts.recorder!.statement(this.cur.name, q, false, o);
    if (o.unsupported) throw this.unsupported(c, o.unsupported.kind, `${o.unsupported.message}: "${oneLine(q).slice(0, 100)}"`);
    if (o.error) {
      this.vars.set("mysql_errno", String(o.error.code));
      this.handleError(c, q, expected, o.error.code, o.error.def.sqlstate, o.error.message);
      return null;
    }
    this.vars.set("mysql_errno", "0");
    return o;
  }

  // ---------------------------------------------------------------- replace

  private applyReplace(s: string): string {
    let out = s;
    if (this.replaceRegex) for (const [re, to] of this.replaceRegex) out = out.replace(re, to);
    if (this.replace && this.replace.length) {
      let r = "";
      let i = 0;
      while (i < out.length) {
        let best: [string, string] | null = null;
        for (const p of this.replace) if (p[0] && out.startsWith(p[0], i) && (!best || p[0].length > best[0].length)) best = p;
        if (best) {
          r += best[1];
          i += best[0].length;
        } else r += out[i++];
      }
      out = r;
    }
    return out;
  }

  private parseRegexes(arg: string): [RegExp, string][] {
    const out: [RegExp, string][] = [];
    let s = arg.trim();
    while (s) {
      const d = s[0]!;
      const parts: string[] = [];
      let i = 1;
      let cur = "";
      while (i < s.length && parts.length < 2) {
        if (s[i] === "\\" && s[i + 1] === d) {
          cur += d;
          i += 2;
          continue;
        }
        if (s[i] === d) {
          parts.push(cur);
          cur = "";
          i++;
          continue;
        }
        cur += s[i++];
      }
      if (parts.length < 2) throw this.die(`Error parsing replace_regex "${arg}"`);
      let flags = "g";
      if (s[i] === "i") {
        flags += "i";
        i++;
      }
      out.push([new RegExp(parts[0]!.replace(/\[\[:space:\]\]/g, "\\s").replace(/\[\[:digit:\]\]/g, "\\d").replace(/\[\[:alpha:\]\]/g, "[A-Za-z]"), flags), parts[1]!.replace(/\\(\d)/g, "$$$1")]);
      s = s.slice(i).trim();
    }
    return out;
  }

  // ---------------------------------------------------------------- errors

  private die(message: string): MtrDie {
    return new MtrDie(this.at?.file ?? this.opts.file, this.at?.line ?? 0, message);
  }

  private unsupported(c: Command, kind: string, message: string): MtrUnsupported {
    return new MtrUnsupported(c.file, c.line, kind, message);
  }
}

class ExitSignal extends Error {}

/** A statement that can never finish (or did not within the test-case timeout). */
export class MtrHang extends MtrDie {}

/** What the stuck connection and the others wait on, from the kernel's wait-for graph. */
function describeWaits(kernel: Kernel, con: MtrConnection): string {
  const graph = kernel.waitForGraph();
  const lines: string[] = [];
  for (const n of graph) {
    if (!n.waitingOn || n.waitingOn.kind === "mailbox" || n.thread === "mysqltest") continue;
    lines.push(`${n.thread} waits "${n.state}" on ${n.waitingOn.name}${n.blockedBy.length ? ` held by ${n.blockedBy.join(", ")}` : ""}`);
  }
  if (!lines.length) return `${con.name} is not waiting on anything the model knows`;
  return lines.join("; ");
}

function intOf(s: string): number | null {
  // var_check_int(): strtol consumed something, up to the end, a space or a tab
  const m = /^\s*[+-]?\d+/.exec(s);
  if (!m) return null;
  const rest = s.slice(m[0].length);
  if (rest && rest[0] !== " " && rest[0] !== "\t") return null;
  const v = Number(m[0]);
  return Math.trunc(v) | 0;
}

function firstArg(arg: string): string {
  const a = arg.trim();
  if (a.startsWith("'") || a.startsWith('"') || a.startsWith("`")) {
    const e = a.indexOf(a[0]!, 1);
    return e < 0 ? a.slice(1) : a.slice(1, e);
  }
  return a.split(/\s+/)[0] ?? "";
}

function splitArgs(arg: string): { text: string; quoted: boolean }[] {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  const s = arg;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const q = s[i]!;
    if (q === "'" || q === '"' || q === "`") {
      const e = s.indexOf(q, i + 1);
      const end = e < 0 ? s.length : e;
      out.push({ text: s.slice(i + 1, end), quoted: false });
      i = end + 1;
    } else {
      let j = i;
      while (j < s.length && !/\s/.test(s[j]!)) j++;
      out.push({ text: s.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

function versionNumber(v: string): string {
  const [a = "0", b = "0", c = "0"] = v.split(".");
  return String(Number(a) * 10000 + Number(b) * 100 + Number(c === "" ? 0 : c));
}
