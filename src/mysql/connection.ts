/**
 * A client connection's server side, one implementation for the scenario runner and for mtr:
 * the connection thread of one_thread_per_connection (sql/conn_handler/connection_handler_per_thread.cc
 * handle_connection()), which loops in do_command(): the `before_do_command_net_read` sync point,
 * then the wait for the client's next command, then the statement. A closed or killed session ends
 * with THD::release_resources() (sql/sql_class.cc): the transaction is rolled back, every lock is
 * released, and debug_sync_end_thread() has the `thread_end` point; the THD leaves the thread list
 * (processlist) after that (remove_thd()).
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Effect, SimThread } from "../kernel/thread.js";
import { debugSync } from "../sync/debug-sync.js";
import { Watch } from "../sync/watch.js";
import type { Server } from "./server.js";
import { MysqlError } from "./errors.js";
import { executeStatement, models, rollbackTransaction } from "./sql/execute.js";
import type { Statement } from "./sql/parse.js";
import type { Thd } from "./thd.js";

/** The command that tells a connection thread to close its session (disconnect, KILL of an idle connection). */
const CLOSE = "\u0000close";

/** One client connection and the server thread serving it. */
export class ClientConnection {
  /** the session served now (a reconnect gives the same thread a new one) */
  thd!: Thd;
  thread!: SimThread;
  /** the command the client sent and the thread has not taken yet */
  posted: string | null = null;
  /** a statement or close is being served: what a reap waits for */
  busy = false;
  readonly mailbox: Watch;
  readonly done: Watch;
  /** what the connection thread waits for (one closure per connection, not per command) */
  readonly hasPosted = (): boolean => this.posted !== null;
  constructor(readonly name: string) {
    this.mailbox = new Watch(`mailbox ${name}`, "mailbox", () => null);
    this.done = new Watch(`result of ${name}`, "reap", () => (this.busy ? this.thread : null));
  }
}

/** What the connection thread does with a statement; the callers differ only in what they record. */
export type StatementHandler = StatementRunner | StatementRecorder;

/** runs one statement on the session (dispatch_command) as a generator of its own */
export interface StatementRunner {
  statement(t: SimThread, thd: Thd, sql: string): Generator<Effect, void, unknown>;
  /** the client sent a statement on a session that has ended: CR_SERVER_LOST */
  lost(thd: Thd, sql: string): void;
}

/**
 * The statement is executeStatement() run by the connection thread itself, with what the caller
 * records before and after it as plain functions: no generator level of the caller's between the
 * connection and the statement (issue 20: every step of a statement resumes each level once).
 */
export interface StatementRecorder {
  /** the statement starts: what the caller notes, and the parsed statement to execute */
  begin(t: SimThread, thd: Thd, sql: string): Statement;
  /** it ended, with the MySQL error it raised (null: success) */
  end(t: SimThread, thd: Thd, error: MysqlError | null): void;
  lost(thd: Thd, sql: string): void;
}

/** Starts the connection's thread and its first session. */
export function openConnection<C extends ClientConnection>(server: Server, c: C, handler: StatementHandler): C {
  c.thread = server.kernel.spawn(c.name, (t) => handleConnection(t, server, c, handler), { daemon: true });
  c.thd = server.connect(c.name, c.thread);
  return c;
}

/** A new session on the connection's thread once the old one ended (the client library's reconnect). */
export function reconnect(server: Server, c: ClientConnection): void {
  c.thd = server.connect(c.name, c.thread);
}

function* handleConnection(t: SimThread, server: Server, c: ClientConnection, handler: StatementHandler): Generator<Effect, void, unknown> {
  const kernel = server.kernel;
  for (;;) {
    // do_command(): DEBUG_SYNC before reading the next command from the client
    if (!c.thd.ext.disconnected && c.posted === null) yield* debugSync(t, "before_do_command_net_read");
    kernel.setDaemon(t, true);
    yield t.acquire(c.mailbox, c.hasPosted);
    // KILL QUERY of an idle connection ends its wait for a command, with nothing posted
    if (c.posted === null) continue;
    kernel.setDaemon(t, false);
    const sql = c.posted;
    c.posted = null;
    const thd = c.thd;
    if (sql === CLOSE) yield* releaseResources(t, thd, server);
    else if (thd.ext.disconnected) {
      yield* releaseResources(t, thd, server);
      handler.lost(thd, sql);
    } else {
      if ("begin" in handler) {
        const stmt = handler.begin(t, thd, sql);
        let error: MysqlError | null = null;
        try {
          yield* executeStatement(t, thd, stmt, server);
        } catch (e) {
          if (!(e instanceof MysqlError)) throw e;
          error = e;
        }
        handler.end(t, thd, error);
      } else yield* handler.statement(t, thd, sql);
      if (thd.ext.disconnected) yield* releaseResources(t, thd, server);
    }
    c.busy = false;
    c.done.poke(kernel);
  }
}

/** THD::release_resources(): roll back, release every lock, debug_sync_end_thread() (`thread_end`), leave the processlist. */
function* releaseResources(t: SimThread, thd: Thd, server: Server): Generator<Effect, void, unknown> {
  if (thd.ext.released) return;
  thd.ext.released = true;
  t.trace("disconnect", thd.name);
  // the kill that ended the session does not interrupt its clean-up
  thd.killed = false;
  if (thd.trx.active) yield* rollbackTransaction(t, thd, server);
  for (const m of models(server)) if (m.disconnect) yield* m.disconnect(t, thd, server);
  thd.command = "Killed";
  yield* debugSync(t, "thread_end");
  thd.ext.gone = true;
}

/** The client sends a statement (the connection must be idle). */
export function postStatement(kernel: Kernel, c: ClientConnection, sql: string): void {
  c.busy = true;
  c.thd.killed = false;
  c.posted = sql;
  c.mailbox.poke(kernel);
}

/** The client closes the connection (mysqltest's `disconnect`): the session ends once its thread gets to it. */
export function closeConnection(kernel: Kernel, c: ClientConnection): void {
  if (c.thd.ext.disconnected) return;
  c.thd.ext.disconnected = true;
  if (!c.busy) {
    c.busy = true;
    c.posted = CLOSE;
    c.mailbox.poke(kernel);
  } else kernel.interrupt(c.thread, "killed");
}

/** The connection KILL names (kill_one_thread() looks the id up among live THDs): by name or thread id. */
export function findConnection<C extends ClientConnection>(conns: Iterable<C>, target: string): C | undefined {
  for (const c of conns) if ((c.name === target || String(c.thd.id) === target) && !c.thd.ext.released) return c;
  return undefined;
}

/**
 * KILL [QUERY|CONNECTION] (sql_kill() -> kill_one_thread() -> THD::awake()): the victim's kill flag
 * is set and its wait ends; KILL CONNECTION also ends its session. Killing one's own connection
 * leaves the KILL to fail with ER_QUERY_INTERRUPTED (its own statement sees the flag), and then the
 * connection closes.
 */
export function killConnection(kernel: Kernel, victim: ClientConnection, query: boolean, by: SimThread): void {
  by.trace("kill", victim.name, { query });
  victim.thd.killed = true;
  if (victim.thread === by) {
    if (!query) victim.thd.ext.disconnected = true;
    return;
  }
  kernel.interrupt(victim.thread, "killed");
  if (query || victim.thd.ext.disconnected) return;
  victim.thd.ext.disconnected = true;
  if (!victim.busy) {
    victim.busy = true;
    victim.posted = CLOSE;
    victim.mailbox.poke(kernel);
  }
}
