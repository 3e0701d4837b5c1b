/**
 * The simulated server mysqltest talks to: one mysqld (the models of src/mysql), and a client
 * connection per `connect`, each a simulated thread that runs the statements sent to it on its
 * session, as a connection thread of MySQL does (do_command(): the `before_do_command_net_read`
 * sync point, then the wait for the next command; a killed or closed session ends with
 * THD::release_resources(), where debug_sync_end_thread() has the `thread_end` point).
 * A statement sent on one connection can block on a lock while the script goes on with the others.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import { MysqlError } from "../mysql/errors.js";
import type { Server } from "../mysql/server.js";
import { executeStatement } from "../mysql/sql/execute.js";
import { firstWords, parseStatement, SqlError, type Statement } from "../mysql/sql/parse.js";
import { sysvar } from "../mysql/sysvars.js";
import type { ResultSet, SqlWarning, Thd } from "../mysql/thd.js";
import { mtrError } from "./errors.js";
import { ExprError } from "../mysql/sql/expr.js";
import { selectValues } from "../mysql/sql/query.js";
import { evaluateSessionStatement, threadsConnected } from "../mysql/sql/session-eval.js";
import { ClientConnection, closeConnection, findConnection, killConnection, openConnection, postStatement, reconnect } from "../mysql/connection.js";

/** What a statement gave the client. */
export interface StatementOutcome {
  error: MysqlError | null;
  resultSet: ResultSet | null;
  affectedRows: number;
  warnings: SqlWarning[];
  /** the statement (or its values) is outside what mysqlsim models: kind and why */
  unsupported: { kind: string; message: string } | null;
}

/** One client connection (mysqltest's st_connection) and the server thread serving it. */
export class MtrConnection extends ClientConnection {
  /** mysqltest: a statement was sent and not reaped */
  pending = false;
  /** the SQL text of the pending statement */
  pendingSql = "";
  /** MYSQL_OPT_RECONNECT (off by default in libmysqlclient) */
  reconnect = false;
  /** the client has seen the connection drop (the next statement reconnects or fails with 2006) */
  broken = false;
  /** `disconnect` was done */
  closed = false;
  /** a statement of this connection hung (reported): nothing more can be sent on it */
  stuck = false;
  outcome: StatementOutcome = emptyOutcome();
}

function emptyOutcome(): StatementOutcome {
  return { error: null, resultSet: null, affectedRows: 0, warnings: [], unsupported: null };
}

export class MtrHost {
  readonly connections = new Map<string, MtrConnection>();
  /** statements outside the model, by kind */
  readonly unsupported = new Map<string, number>();

  constructor(
    readonly kernel: Kernel,
    readonly server: Server,
  ) {
    server.kill = MtrHost.prototype.killOne.bind(this);
  }

  /** `connect`: a new session on a new connection thread. */
  connect(name: string): MtrConnection {
    const c = new MtrConnection(name);
    openConnection(this.server, c, {
      statement: (t, thd, sql) => this.runStatement(t, c, thd, sql),
      // the client's statement met a closed connection: CR_SERVER_LOST, and the client knows it now
      lost: () => {
        c.outcome = { ...emptyOutcome(), error: mtrError("CR_SERVER_LOST") };
        c.broken = true;
      },
    });
    this.connections.set(name, c);
    return c;
  }

  /** A new session for a connection whose session ended (the client library's reconnect). */
  reconnect(c: MtrConnection): void {
    reconnect(this.server, c);
    c.broken = false;
  }

  /** Hands a statement to the connection's thread. */
  post(c: MtrConnection, sql: string): void {
    postStatement(this.kernel, c, sql);
  }

  /** `disconnect`: the session ends (its locks released) once its thread gets to it. */
  close(c: MtrConnection): void {
    c.closed = true;
    closeConnection(this.kernel, c);
  }

  /** Threads_connected: the sessions not yet ended (Global_THD_manager's count). */
  threadsConnected(): number {
    return threadsConnected(this.server);
  }

  private *runStatement(t: SimThread, c: MtrConnection, thd: Thd, sql: string): Generator<Effect, void, unknown> {
    const out = emptyOutcome();
    // CLIENT_MULTI_STATEMENTS: the statement ends at its ';' (dispatch_command sets thd->query() to
    // the text before it), so the processlist's Info of "rename table t1 to t2;" has no ';'
    const text = sql.trim().replace(/;\s*$/, "").trim();
    thd.resultSet = null;
    thd.affectedRows = 0;
    thd.warnings = [];
    thd.error = null;
    thd.command = "Query";
    thd.info = text;
    thd.commandStart = this.kernel.now;
    thd.state = "starting";
    const tracing = this.kernel.trace.enabled;
    if (tracing) t.trace("stmt", undefined, { sql: text.replace(/\s+/g, " "), conn: thd.name });
    let stmt: Statement | null = null;
    let parseError: SqlError | null = null;
    try {
      stmt = parseStatement(text);
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      parseError = e;
    }
    try {
      if (stmt && stmt.kind === "set_var" && !sysvar(stmt.name)) stmt = null;
      if (stmt) {
        yield* executeStatement(t, thd, stmt, this.server);
        if (!thd.resultSet) thd.resultSet = this.valuesOf(thd, stmt, text, out);
      } else {
        yield t.cpu(1000, "dispatch_command");
        const killTarget = /^KILL\s+(QUERY\s+|CONNECTION\s+)?(.+)$/is.exec(text);
        if (killTarget && /\(\s*SELECT\b/i.test(killTarget[2]!)) throw mtrError("ER_NOT_SUPPORTED_YET", "Usage of subqueries or stored function calls as part of this statement");
        const r = this.session(thd, text, out);
        // SET debug with a keyword no model has: the parser's reason (src/mysql/debug-keywords.ts)
        if (!r && parseError && /^SET\s.*\bdebug\s*:?=/is.test(text) && !/debug_sync/i.test(text)) out.unsupported = { kind: "SET debug", message: parseError.message };
        else if (r) thd.resultSet = r.resultSet;
        else out.unsupported = { kind: statementKind(text), message: /^SET\s/i.test(text) ? (/^SET\s+(SESSION\s+)?debug_sync\b/i.test(text) ? "a form of SET DEBUG_SYNC the SQL front end does not accept" : "a variable mysqlsim does not model") : "a statement outside the modelled subset" };
      }
    } catch (e) {
      if (!(e instanceof MysqlError)) throw e;
      out.error = e;
    }
    thd.error = out.error;
    thd.command = thd.ext.disconnected ? "Killed" : "Sleep";
    thd.info = null;
    thd.state = "";
    out.resultSet = out.error || out.unsupported ? null : thd.resultSet;
    out.affectedRows = thd.affectedRows;
    out.warnings = thd.warnings;
    if (out.unsupported) this.unsupported.set(out.unsupported.kind, (this.unsupported.get(out.unsupported.kind) ?? 0) + 1);
    if (tracing) t.trace("stmt_end", undefined, { sql: text.replace(/\s+/g, " "), conn: thd.name, ns: this.kernel.now - thd.commandStart, ...(out.error ? { error: out.error.def.name, code: out.error.code, text: out.error.clientText } : {}), ...(out.unsupported ? { unsupported: out.unsupported.kind } : {}) });
    c.outcome = out;
  }

  /** The result set of a statement the models ran but whose values they do not compute. */
  private valuesOf(thd: Thd, stmt: Statement, text: string, out: StatementOutcome): ResultSet | null {
    try {
      switch (stmt.kind) {
        case "select":
        case "get_lock":
        case "release_lock":
          // the model computed no values: the evaluator's reason is the unsupported marker's
          return selectValues(this.server, thd, text, this.kernel.now);
        case "show":
          return evaluateSessionStatement(this.server, thd, text, this.kernel.now)?.resultSet ?? null;
        case "do":
        case "set_user_var":
          // the model's evaluator could not compute the values: its reason is the marker's
          if (typeof thd.ext.unevaluated === "string") throw new ExprError(thd.ext.unevaluated);
          return null;
        case "show_processlist":
          return {
            columns: ["Id", "User", "Host", "db", "Command", "Time", "State", "Info"],
            rows: this.server.processlist(this.kernel.now).map((p) => [String(p.ID), p.USER, p.HOST, p.DB, p.COMMAND, String(p.TIME), p.STATE, p.INFO]),
          };
        default:
          return null;
      }
    } catch (e) {
      if (e instanceof ExprError) {
        out.unsupported = { kind: `${firstWords(text)} values`, message: `the values of this statement: ${e.message}` };
        return null;
      }
      throw e;
    }
  }

  private session(thd: Thd, text: string, out: StatementOutcome): { resultSet: ResultSet | null } | null {
    try {
      return evaluateSessionStatement(this.server, thd, text, this.kernel.now);
    } catch (e) {
      if (e instanceof ExprError) {
        out.unsupported = { kind: statementKind(text), message: e.message };
        return { resultSet: null };
      }
      throw e;
    }
  }

  /** KILL [QUERY|CONNECTION] id, for the KILL statement and a stored function's KILL. */
  private killOne(by: Thd, target: string, query: boolean): boolean {
    const victim = findConnection(this.connections.values(), target);
    if (!victim) {
      by.thread.trace("kill", target, { query });
      return false;
    }
    killConnection(this.kernel, victim, query, by.thread);
    return true;
  }
}

/** How the unsupported-statement summary names a statement: its first two words ("CREATE FUNCTION"). */
export function statementKind(sql: string): string {
  const text = sql.replace(/\/\*[\s\S]*?\*\//g, " ").trim().replace(/;+$/, "");
  const set = /^SET\s+(?:GLOBAL\s+|SESSION\s+|LOCAL\s+)?(?:@@(?:global|session|local)\.)?(@?\w+)/i.exec(text);
  if (set) return `SET ${set[1]!.toLowerCase()}`;
  const w = text.split(/[\s(]+/).filter(Boolean).slice(0, 2).map((x) => x.toUpperCase());
  if (w[0] && ["SELECT", "KILL", "DO", "EXECUTE", "PREPARE", "CALL", "INSERT", "UPDATE", "DELETE", "REPLACE", "HANDLER", "CHECK", "ANALYZE", "OPTIMIZE", "REPAIR", "USE"].includes(w[0])) return w[0];
  return w.join(" ");
}
