/**
 * Statements that only read or set session state, evaluated with the one evaluator (expr.ts) in
 * the session's environment (query.ts evalEnv): `SET @a = expr[, ...]`, `SET var = expr` for a
 * variable no model knows, `SHOW [GLOBAL|SESSION] STATUS|VARIABLES [LIKE 'pattern']`, `DO expr`.
 * mtr's host runs a statement here when the SQL front end does not parse it as a modelled one
 * (count_sessions.inc, have_debug_sync.inc, SET sql_mode=...).
 */
import type { Server } from "../server.js";
import { sysvar } from "../sysvars.js";
import type { Thd } from "../thd.js";
import { evaluate, ExprError, ExprParser, formatValue, likePattern, type Expr } from "./expr.js";
import { evalEnv } from "./query.js";
import type { ResultSet } from "./result.js";
import { isUnmodelledVariable, localVars, sysVarValue, variableNames } from "./session-vars.js";

/** Threads_connected: the sessions not yet ended (Global_THD_manager's count). */
export function threadsConnected(server: Server): number {
  return server.thds.filter((thd) => !thd.ext.gone).length;
}

/**
 * The statement's result when it is one of these (null result set for SET and DO), or null when
 * it is none of them. Throws ExprError for what the evaluator cannot read, MysqlError for errors.
 */
export function evaluateSessionStatement(server: Server, thd: Thd, sql: string, now: number): { resultSet: ResultSet | null } | null {
  const text = sql.trim().replace(/;\s*$/, "");
  let m: RegExpExecArray | null;
  if ((m = /^SHOW\s+(?:(GLOBAL|SESSION)\s+)?(STATUS|VARIABLES)(?:\s+LIKE\s+(['"])(.*)\3)?\s*$/is.exec(text))) {
    const matches = m[4] !== undefined ? likePattern(m[4]) : () => true;
    const global = (m[1] ?? "").toUpperCase() === "GLOBAL";
    const rows: [string, string][] = [];
    if (m[2]!.toUpperCase() === "STATUS") {
      const status: [string, string][] = [
        ["Threads_connected", String(threadsConnected(server))],
        ["Threads_running", String(server.thds.filter((t) => t.command === "Query").length)],
      ];
      for (const r of status) if (matches(r[0])) rows.push(r);
    } else {
      for (const n of variableNames(server)) if (matches(n)) rows.push([n, String(formatValue(sysVarValue(server, thd, global ? "global" : "", n)) ?? "")]);
    }
    return { resultSet: { columns: ["Variable_name", "Value"], rows } };
  }
  const env = evalEnv(server, thd, now);
  if (/^DO\s/i.test(text)) {
    const p = ExprParser.of(text.replace(/^DO\s+/i, ""));
    do evaluate(p.parseExpr(), env);
    while (p.eatOp(","));
    if (!p.atEnd()) throw new ExprError(`DO: cannot read past "${p.rest()}"`);
    return { resultSet: null };
  }
  if (/^SET\s/i.test(text)) {
    const p = ExprParser.of(text.replace(/^SET\s+/i, ""));
    const assigns: { target: { user: boolean; name: string }; e: Expr }[] = [];
    do {
      const t = p.nextToken();
      let target: { user: boolean; name: string };
      if (t.t === "var") target = { user: true, name: t.v };
      else if (t.t === "sysvar") target = { user: false, name: t.v.split(".")[1]! };
      else if (t.t === "id") {
        let name = t.v.toLowerCase();
        if ((name === "session" || name === "local") && p.peekToken().t === "id") name = p.nextToken().v.toLowerCase();
        else if (name === "global") return null;
        target = { user: false, name };
      } else return null;
      if (!target.user && (sysvar(target.name) || !isUnmodelledVariable(target.name))) return null;
      if (!p.eatOp("=") && !p.eatOp(":=")) return null;
      assigns.push({ target, e: p.parseExpr() });
    } while (p.eatOp(","));
    if (!p.atEnd()) return null;
    for (const { target, e } of assigns) {
      const v = evaluate(e, env);
      if (target.user) thd.userVars.set(target.name, v === null ? null : String(formatValue(v)));
      else localVars(thd).set(target.name, v);
    }
    return { resultSet: null };
  }
  return null;
}
