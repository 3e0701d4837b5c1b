/**
 * User-level locks: GET_LOCK(), RELEASE_LOCK(), RELEASE_ALL_LOCKS(), IS_FREE_LOCK(),
 * IS_USED_LOCK() wherever an expression is evaluated (a SELECT's list and WHERE, DO, SET @v).
 *
 * 5.7.35 / 8.0 (sql/item_func.cc): each lock is an MDL ticket, MDL_key::USER_LEVEL_LOCK, type
 * MDL_EXCLUSIVE, duration MDL_EXPLICIT, kept in thd->ull_hash as User_level_lock {ticket, refs}:
 * a session can hold many, GET_LOCK of one it holds only counts (refs++), RELEASE_LOCK releases
 * the ticket when refs reaches 0, the session's end releases them all. The MDL wait state is
 * "User lock"; a deadlock the detector resolves by choosing the waiter is ER_USER_LOCK_DEADLOCK
 * (User_level_lock_wait_error_handler turns ER_LOCK_DEADLOCK into it; no transaction rollback),
 * a timeout is the value 0 (the handler swallows ER_LOCK_WAIT_TIMEOUT).
 * 5.6 (no MDL for them; modelled with the same ticket): one lock per session, GET_LOCK releases
 * the one held first; RELEASE_ALL_LOCKS does not exist.
 *
 * The evaluator (sql/expr.ts) is synchronous and a GET_LOCK may have to wait, so evaluation is
 * replayed: every user-lock call's value is recorded in order; a call that must wait throws
 * PendingCall, the statement's generator does the wait, and the evaluation runs again from the
 * start with the recorded values (row order and short-circuit are the evaluator's, so the same
 * calls come in the same order). User variables set before the wait are restored for the replay.
 */
import type { Effect, SimThread } from "../../kernel/thread.js";
import { mysqlError } from "../errors.js";
import type { Server } from "../server.js";
import type { Value } from "../sql/expr.js";
import type { Thd } from "../thd.js";

/** The user-level lock functions (upper case, as the evaluator names functions). */
export const ULL_FUNCTIONS: ReadonlySet<string> = new Set(["GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "IS_FREE_LOCK", "IS_USED_LOCK"]);

/** A call's value cannot be given without waiting (or a sync point): the generator must run. */
export const ULL_WAIT: unique symbol = Symbol("ULL_WAIT");

/** What the locking model provides (server.ext.userLocks). */
export interface UserLockService {
  /** The call's value when it needs no wait; ULL_WAIT otherwise. undefined: not a function of this version. */
  call(t: SimThread, thd: Thd, name: string, args: Value[]): Value | typeof ULL_WAIT | undefined;
  /** IS_USED_LOCK(name): the owner's connection id, or NULL (no session needed: any evaluation can ask). */
  isUsed(name: Value): Value;
  /** The waiting part of a call that returned ULL_WAIT. */
  wait(t: SimThread, thd: Thd, name: string, args: Value[]): Generator<Effect, Value, unknown>;
}

export function userLockService(server: Server): UserLockService | undefined {
  return server.ext.userLocks as UserLockService | undefined;
}

/** NAME_CHAR_LEN: the MDL key's name limit (5.7+). */
const NAME_CHAR_LEN = 64;

/**
 * item_func.cc check_and_convert_ull_name(): the name as the MDL key holds it, lower case (names
 * are case-insensitive though MDL compares keys as bytes); empty, NULL or longer than 64
 * characters is ER_USER_LOCK_WRONG_NAME. 5.6 had no limit and no error (NULL gives NULL): null.
 */
export function ullName(v: Value, line: string): string | null {
  if (v === null) {
    if (line === "5.6") return null;
    throw mysqlError("ER_USER_LOCK_WRONG_NAME", "NULL");
  }
  const s = String(v);
  if (line === "5.6") return s.toLowerCase();
  if (s.length === 0 || [...s].length > NAME_CHAR_LEN) throw mysqlError("ER_USER_LOCK_WRONG_NAME", s);
  return s.toLowerCase();
}

/**
 * Item_func_get_lock::val_int(): the timeout in seconds, as val_int() rounds it; negative or
 * beyond INT_MAX32 is INT_MAX32 ("robust, infinite wait").
 */
export function ullTimeoutS(v: Value): number {
  const n = v === null ? 0 : Math.round(typeof v === "number" ? v : Number(/^\s*[+-]?\d*\.?\d*/.exec(v)?.[0]) || 0);
  return n < 0 || n > 2147483647 ? 2147483647 : n;
}

class PendingCall {
  constructor(
    readonly name: string,
    readonly args: Value[],
  ) {}
}

/**
 * Runs `compute` with a call hook for the user-lock functions, doing the waits it needs: the
 * replay described at the top. Without the locking model (no service) the hook passes.
 */
export function* withUserLocks<T>(t: SimThread, server: Server, thd: Thd, compute: (hook: (name: string, args: Value[]) => Value | undefined) => T): Generator<Effect, T, unknown> {
  const svc = userLockService(server);
  const done: Value[] = [];
  for (;;) {
    const vars = new Map(thd.userVars);
    let i = 0;
    const hook = (name: string, args: Value[]): Value | undefined => {
      if (!svc || !ULL_FUNCTIONS.has(name)) return undefined;
      if (i < done.length) return done[i++]!;
      const v = svc.call(t, thd, name, args);
      if (v === undefined) return undefined;
      if (v === ULL_WAIT) throw new PendingCall(name, args);
      done.push(v);
      i++;
      return v;
    };
    try {
      return compute(hook);
    } catch (e) {
      if (!(e instanceof PendingCall)) throw e;
      thd.userVars.clear();
      for (const [k, v] of vars) thd.userVars.set(k, v);
      done.push(yield* svc!.wait(t, thd, e.name, e.args));
    }
  }
}
