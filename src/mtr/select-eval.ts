/**
 * The values a client sees for the statements a lock test uses to look around, which the lock
 * models do not compute: table-less SELECTs (`SELECT 1`, `SELECT @id := CONNECTION_ID()`,
 * `SELECT @id != CONNECTION_ID()`), queries on information_schema.processlist (wait_condition.inc),
 * `SELECT ... FROM t` over the catalog's rows, `SET @var = expr`, `SHOW [GLOBAL] STATUS|VARIABLES
 * LIKE '...'` (count_sessions.inc, have_debug_sync.inc). A small expression evaluator with MySQL's
 * rules for what the tests need (NULL propagation, numbers compared as numbers, strings compared
 * case-insensitively as the default collations do, 1/0 for truth, the item text as column name as
 * Item::set_name() keeps it). Anything else throws Unsupported: the caller reports the statement.
 */
import { debugValue } from "../mysql/debug-keywords.js";
import type { Server } from "../mysql/server.js";
import { sysvar } from "../mysql/sysvars.js";
import type { ResultSet, Thd } from "../mysql/thd.js";
import { mtrError } from "./errors.js";

export class Unsupported extends Error {}

export type Value = null | number | string;

export interface EvalContext {
  thd: Thd;
  server: Server;
  now: number;
  /** session values of variables the models do not know (sql_mode ...), set by SET */
  localVars: Map<string, Value>;
  /** the server's Threads_connected */
  threadsConnected: () => number;
}

// ---------------------------------------------------------------- tokens

interface Tok {
  t: "num" | "str" | "id" | "qid" | "uvar" | "svar" | "op" | "end";
  v: string;
  start: number;
  end: number;
}

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (s.startsWith("/*", i)) {
      const e = s.indexOf("*/", i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === "#" || (s.startsWith("--", i) && /\s/.test(s[i + 2] ?? " "))) {
      const e = s.indexOf("\n", i);
      i = e < 0 ? n : e + 1;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(s[i + 1] ?? ""))) {
      const m = /^(\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)/.exec(s.slice(i))!;
      i += m[0].length;
      out.push({ t: "num", v: m[0], start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= n) throw new Unsupported("unterminated string");
        const d = s[i]!;
        if (d === "\\" && i + 1 < n) {
          const e = s[i + 1]!;
          v += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
          i += 2;
        } else if (d === c && s[i + 1] === c) {
          v += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: "str", v, start, end: i });
      continue;
    }
    if (c === "`") {
      const e = s.indexOf("`", i + 1);
      if (e < 0) throw new Unsupported("unterminated identifier");
      out.push({ t: "qid", v: s.slice(i + 1, e), start, end: e + 1 });
      i = e + 1;
      continue;
    }
    if (c === "@") {
      if (s[i + 1] === "@") {
        const m = /^@@(?:(global|session|local)\.)?([A-Za-z_][\w$]*)/i.exec(s.slice(i));
        if (!m) throw new Unsupported("bad system variable");
        i += m[0].length;
        out.push({ t: "svar", v: `${(m[1] ?? "").toLowerCase()}.${m[2]!.toLowerCase()}`, start, end: i });
        continue;
      }
      const m = /^@(?:([A-Za-z0-9_$.]+)|`([^`]*)`|'([^']*)')/.exec(s.slice(i));
      if (!m) throw new Unsupported("bad user variable");
      i += m[0].length;
      out.push({ t: "uvar", v: (m[1] ?? m[2] ?? m[3] ?? "").toLowerCase(), start, end: i });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(s.slice(i))!;
      i += m[0].length;
      out.push({ t: "id", v: m[0], start, end: i });
      continue;
    }
    const op = [":=", "<=>", "<>", "!=", ">=", "<=", "||", "&&"].find((o) => s.startsWith(o, i)) ?? c;
    if (!/^(:=|<=>|<>|!=|>=|<=|\|\||&&|[=<>+\-*/%(),.!;])$/.test(op)) throw new Unsupported(`unexpected "${c}"`);
    i += op.length;
    out.push({ t: "op", v: op, start, end: i });
  }
  out.push({ t: "end", v: "", start: n, end: n });
  return out;
}

// ---------------------------------------------------------------- syntax

type Expr =
  | { k: "lit"; v: Value }
  | { k: "uvar"; name: string }
  | { k: "assign"; name: string; e: Expr }
  | { k: "svar"; name: string; scope: string }
  | { k: "col"; table: string | null; name: string }
  | { k: "fn"; name: string; args: Expr[]; star: boolean; distinct: boolean }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "not"; e: Expr }
  | { k: "neg"; e: Expr }
  | { k: "is"; e: Expr; not: boolean; what: "null" | "true" | "false" }
  | { k: "in"; e: Expr; list: Expr[]; not: boolean }
  | { k: "between"; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: "like"; e: Expr; pat: Expr; not: boolean }
  | { k: "subq"; q: Select };

interface SelectItem {
  star: boolean;
  e: Expr | null;
  name: string;
}
interface Source {
  db: string | null;
  table: string;
  alias: string;
}
interface Select {
  items: SelectItem[];
  from: Source[];
  where: Expr | null;
  order: { e: Expr; desc: boolean }[];
  limit: number | null;
}

const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);
const FUNCTIONS = new Set(["CONNECTION_ID", "DATABASE", "SCHEMA", "USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "VERSION", "ACOS", "ABS", "CONCAT", "REPLACE", "LOWER", "LCASE", "UPPER", "UCASE", "LENGTH", "IF", "IFNULL", "COALESCE", "SLEEP", "GET_LOCK", "RELEASE_LOCK", "IS_FREE_LOCK", "IS_USED_LOCK"]);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  next(): Tok {
    return this.toks[this.i++]!;
  }
  isKw(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.t === "id" && t.v.toUpperCase() === w;
  }
  eatKw(w: string): boolean {
    if (this.isKw(w)) {
      this.i++;
      return true;
    }
    return false;
  }
  isOp(o: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === o;
  }
  eatOp(o: string): boolean {
    if (this.isOp(o)) {
      this.i++;
      return true;
    }
    return false;
  }
  expectOp(o: string): void {
    if (!this.eatOp(o)) throw new Unsupported(`expected "${o}" at "${this.src.slice(this.peek().start, this.peek().start + 20)}"`);
  }
  atEnd(): boolean {
    while (this.isOp(";")) this.i++;
    return this.peek().t === "end";
  }

  select(): Select {
    if (!this.eatKw("SELECT")) throw new Unsupported("not a SELECT");
    while (this.eatKw("SQL_NO_CACHE") || this.eatKw("SQL_CACHE") || this.eatKw("ALL") || this.eatKw("HIGH_PRIORITY") || this.eatKw("STRAIGHT_JOIN")) {
      /* no effect on values */
    }
    if (this.isKw("DISTINCT")) throw new Unsupported("DISTINCT");
    const items: SelectItem[] = [];
    do {
      if (this.isOp("*")) {
        this.next();
        items.push({ star: true, e: null, name: "*" });
        continue;
      }
      const startTok = this.peek();
      const e = this.expr();
      const endTok = this.toks[this.i - 1]!;
      let name = startTok === endTok && startTok.t === "str" ? startTok.v : this.src.slice(startTok.start, endTok.end);
      if (startTok === endTok && (startTok.t === "id" || startTok.t === "qid")) name = startTok.v;
      if (e.k === "col") name = e.name;
      if (this.eatKw("AS") || this.peek().t === "qid" || (this.peek().t === "id" && !isClauseWord(this.peek().v)) || this.peek().t === "str") {
        const a = this.next();
        name = a.v;
      }
      items.push({ star: false, e, name });
    } while (this.eatOp(","));
    const from: Source[] = [];
    let where: Expr | null = null;
    const order: { e: Expr; desc: boolean }[] = [];
    let limit: number | null = null;
    if (this.eatKw("FROM")) {
      do {
        if (this.isOp("(")) throw new Unsupported("derived table");
        const a = this.next();
        if (a.t !== "id" && a.t !== "qid") throw new Unsupported("FROM what?");
        let db: string | null = null;
        let table = a.v;
        if (this.eatOp(".")) {
          db = table;
          table = this.next().v;
        }
        let alias = table;
        if (this.eatKw("AS") || (this.peek().t === "id" && !isClauseWord(this.peek().v)) || this.peek().t === "qid") alias = this.next().v;
        from.push({ db, table, alias });
        if (this.isKw("JOIN") || this.isKw("LEFT") || this.isKw("INNER") || this.isKw("STRAIGHT_JOIN")) throw new Unsupported("JOIN");
      } while (this.eatOp(","));
    }
    if (this.eatKw("WHERE")) where = this.expr();
    if (this.isKw("GROUP") || this.isKw("HAVING")) throw new Unsupported("GROUP BY / HAVING");
    if (this.eatKw("ORDER")) {
      if (!this.eatKw("BY")) throw new Unsupported("ORDER without BY");
      do {
        const e = this.expr();
        const desc = this.eatKw("DESC");
        if (!desc) this.eatKw("ASC");
        order.push({ e, desc });
      } while (this.eatOp(","));
    }
    if (this.eatKw("LIMIT")) {
      const t = this.next();
      if (t.t !== "num") throw new Unsupported("LIMIT");
      limit = Number(t.v);
    }
    if (this.isKw("FOR") || this.isKw("LOCK")) {
      // FOR UPDATE / LOCK IN SHARE MODE: the lock model took the locks; values are the same
      while (!this.atEnd() && !this.isOp(")")) this.next();
    }
    return { items, from, where, order, limit };
  }

  expr(): Expr {
    return this.or();
  }
  or(): Expr {
    let a = this.xor();
    while (this.eatKw("OR") || this.eatOp("||")) a = { k: "bin", op: "OR", a, b: this.xor() };
    return a;
  }
  xor(): Expr {
    let a = this.and();
    while (this.eatKw("XOR")) a = { k: "bin", op: "XOR", a, b: this.and() };
    return a;
  }
  and(): Expr {
    let a = this.not();
    while (this.eatKw("AND") || this.eatOp("&&")) a = { k: "bin", op: "AND", a, b: this.not() };
    return a;
  }
  not(): Expr {
    if (this.eatKw("NOT")) return { k: "not", e: this.not() };
    return this.cmp();
  }
  cmp(): Expr {
    let a = this.add();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && ["=", "<=>", "<>", "!=", ">=", "<=", "<", ">"].includes(t.v)) {
        this.next();
        a = { k: "bin", op: t.v === "<>" ? "!=" : t.v, a, b: this.add() };
        continue;
      }
      if (this.isKw("IS")) {
        this.next();
        const not = this.eatKw("NOT");
        const w = this.next().v.toUpperCase();
        if (w !== "NULL" && w !== "TRUE" && w !== "FALSE") throw new Unsupported(`IS ${w}`);
        a = { k: "is", e: a, not, what: w.toLowerCase() as "null" };
        continue;
      }
      const not = this.isKw("NOT") && (this.isKw("IN", 1) || this.isKw("LIKE", 1) || this.isKw("BETWEEN", 1));
      if (not) this.next();
      if (this.eatKw("IN")) {
        this.expectOp("(");
        if (this.isKw("SELECT")) throw new Unsupported("IN (subquery)");
        const list: Expr[] = [];
        do list.push(this.expr());
        while (this.eatOp(","));
        this.expectOp(")");
        a = { k: "in", e: a, list, not };
        continue;
      }
      if (this.eatKw("LIKE")) {
        a = { k: "like", e: a, pat: this.add(), not };
        continue;
      }
      if (this.eatKw("BETWEEN")) {
        const lo = this.add();
        if (!this.eatKw("AND")) throw new Unsupported("BETWEEN without AND");
        a = { k: "between", e: a, lo, hi: this.add(), not };
        continue;
      }
      return a;
    }
  }
  add(): Expr {
    let a = this.mul();
    for (;;) {
      if (this.eatOp("+")) a = { k: "bin", op: "+", a, b: this.mul() };
      else if (this.eatOp("-")) a = { k: "bin", op: "-", a, b: this.mul() };
      else return a;
    }
  }
  mul(): Expr {
    let a = this.unary();
    for (;;) {
      if (this.eatOp("*")) a = { k: "bin", op: "*", a, b: this.unary() };
      else if (this.eatOp("/")) a = { k: "bin", op: "/", a, b: this.unary() };
      else if (this.eatOp("%") || this.eatKw("MOD")) a = { k: "bin", op: "%", a, b: this.unary() };
      else if (this.eatKw("DIV")) a = { k: "bin", op: "DIV", a, b: this.unary() };
      else return a;
    }
  }
  unary(): Expr {
    if (this.eatOp("-")) return { k: "neg", e: this.unary() };
    if (this.eatOp("+")) return this.unary();
    if (this.eatOp("!")) return { k: "not", e: this.unary() };
    return this.primary();
  }
  primary(): Expr {
    const t = this.next();
    switch (t.t) {
      case "num":
        return { k: "lit", v: Number(t.v) };
      case "str":
        return { k: "lit", v: t.v };
      case "uvar":
        if (this.eatOp(":=")) return { k: "assign", name: t.v, e: this.expr() };
        return { k: "uvar", name: t.v };
      case "svar": {
        const [scope, name] = t.v.split(".") as [string, string];
        return { k: "svar", name, scope };
      }
      case "op":
        if (t.v === "(") {
          if (this.isKw("SELECT")) {
            const q = this.select();
            this.expectOp(")");
            return { k: "subq", q };
          }
          const e = this.expr();
          this.expectOp(")");
          return e;
        }
        throw new Unsupported(`unexpected "${t.v}"`);
      case "id":
      case "qid": {
        const u = t.v.toUpperCase();
        if (t.t === "id" && u === "NULL") return { k: "lit", v: null };
        if (t.t === "id" && u === "TRUE") return { k: "lit", v: 1 };
        if (t.t === "id" && u === "FALSE") return { k: "lit", v: 0 };
        if (this.isOp("(") && t.t === "id") {
          this.next();
          const args: Expr[] = [];
          let star = false;
          const distinct = this.eatKw("DISTINCT");
          if (this.eatOp("*")) star = true;
          else if (!this.isOp(")")) {
            do args.push(this.expr());
            while (this.eatOp(","));
          }
          this.expectOp(")");
          // a function the evaluator does not know (a stored function, ...) makes the statement unsupported, even when no row would call it
          if (!AGGREGATES.has(u) && !FUNCTIONS.has(u)) throw new Unsupported(`function ${t.v}()`);
          return { k: "fn", name: u, args, star, distinct };
        }
        if (this.eatOp(".")) {
          const c = this.next();
          return { k: "col", table: t.v, name: c.v };
        }
        return { k: "col", table: null, name: t.v };
      }
      default:
        throw new Unsupported("unexpected end of statement");
    }
  }
}

const CLAUSE_WORDS = new Set(["FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "FOR", "LOCK", "INTO", "UNION", "JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "STRAIGHT_JOIN", "ON", "USING", "AND", "OR", "NATURAL", "PROCEDURE", "WINDOW"]);
function isClauseWord(w: string): boolean {
  return CLAUSE_WORDS.has(w.toUpperCase());
}

// ---------------------------------------------------------------- values

type Row = Map<string, Value>;

function truth(v: Value): boolean | null {
  if (v === null) return null;
  if (typeof v === "number") return v !== 0;
  return toNumber(v) !== 0;
}

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(v);
  return m ? Number(m[0]) : 0;
}

function bool(b: boolean | null): Value {
  return b === null ? null : b ? 1 : 0;
}

function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (typeof a === "number" || typeof b === "number") {
    const x = toNumber(a);
    const y = toNumber(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = a.toLowerCase().replace(/\s+$/, "");
  const y = b.toLowerCase().replace(/\s+$/, "");
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeToRegExp(p: string): RegExp {
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) re += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (c === "%") re += "[\\s\\S]*";
    else if (c === "_") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/** A value as the text protocol sends it. */
export function formatValue(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return String(v);
}

class Evaluator {
  constructor(private readonly ctx: EvalContext) {}

  eval(e: Expr, row: Row | null, group: Row[] | null): Value {
    switch (e.k) {
      case "lit":
        return e.v;
      case "uvar":
        return this.ctx.thd.userVars.has(e.name) ? fromText(this.ctx.thd.userVars.get(e.name)!) : null;
      case "assign": {
        const v = this.eval(e.e, row, group);
        this.ctx.thd.userVars.set(e.name, v === null ? null : String(formatValue(v)));
        return v;
      }
      case "svar":
        return this.sysvar(e.name, e.scope);
      case "col": {
        if (!row) throw mtrError("ER_BAD_FIELD_ERROR", e.name, "field list");
        const key = e.table ? `${e.table}.${e.name}`.toLowerCase() : e.name.toLowerCase();
        if (!row.has(key)) throw mtrError("ER_BAD_FIELD_ERROR", e.table ? `${e.table}.${e.name}` : e.name, "where clause");
        return row.get(key)!;
      }
      case "not":
        return bool(negate(truth(this.eval(e.e, row, group))));
      case "neg": {
        const v = this.eval(e.e, row, group);
        return v === null ? null : -toNumber(v);
      }
      case "is": {
        const v = this.eval(e.e, row, group);
        const r = e.what === "null" ? v === null : e.what === "true" ? truth(v) === true : truth(v) === false;
        return bool(e.not ? !r : r);
      }
      case "in": {
        const v = this.eval(e.e, row, group);
        if (v === null) return null;
        let sawNull = false;
        for (const x of e.list) {
          const c = compare(v, this.eval(x, row, group));
          if (c === null) sawNull = true;
          else if (c === 0) return bool(!e.not);
        }
        return sawNull ? null : bool(e.not);
      }
      case "between": {
        const v = this.eval(e.e, row, group);
        const lo = compare(v, this.eval(e.lo, row, group));
        const hi = compare(v, this.eval(e.hi, row, group));
        if (lo === null || hi === null) return null;
        const r = lo >= 0 && hi <= 0;
        return bool(e.not ? !r : r);
      }
      case "like": {
        const v = this.eval(e.e, row, group);
        const p = this.eval(e.pat, row, group);
        if (v === null || p === null) return null;
        const r = likeToRegExp(String(formatValue(p))).test(String(formatValue(v)));
        return bool(e.not ? !r : r);
      }
      case "bin":
        return this.binary(e.op, e.a, e.b, row, group);
      case "subq": {
        const rs = this.run(e.q);
        if (rs.rows.length > 1) throw mtrError("ER_SUBQUERY_NO_1_ROW");
        if (rs.columns.length !== 1) throw mtrError("ER_OPERAND_COLUMNS", 1);
        return rs.rows.length ? fromText(rs.rows[0]![0]!) : null;
      }
      case "fn":
        return this.fn(e, row, group);
    }
  }

  private binary(op: string, ae: Expr, be: Expr, row: Row | null, group: Row[] | null): Value {
    if (op === "AND") {
      const a = truth(this.eval(ae, row, group));
      if (a === false) return 0;
      const b = truth(this.eval(be, row, group));
      if (b === false) return 0;
      return a === null || b === null ? null : 1;
    }
    if (op === "OR") {
      const a = truth(this.eval(ae, row, group));
      if (a === true) return 1;
      const b = truth(this.eval(be, row, group));
      if (b === true) return 1;
      return a === null || b === null ? null : 0;
    }
    const a = this.eval(ae, row, group);
    const b = this.eval(be, row, group);
    if (op === "<=>") return a === null || b === null ? bool(a === b) : bool(compare(a, b) === 0);
    if (op === "XOR") return a === null || b === null ? null : bool(truth(a) !== truth(b));
    if (a === null || b === null) return null;
    switch (op) {
      case "=":
        return bool(compare(a, b) === 0);
      case "!=":
        return bool(compare(a, b) !== 0);
      case "<":
        return bool(compare(a, b)! < 0);
      case "<=":
        return bool(compare(a, b)! <= 0);
      case ">":
        return bool(compare(a, b)! > 0);
      case ">=":
        return bool(compare(a, b)! >= 0);
      case "+":
        return toNumber(a) + toNumber(b);
      case "-":
        return toNumber(a) - toNumber(b);
      case "*":
        return toNumber(a) * toNumber(b);
      case "/": {
        const y = toNumber(b);
        if (y === 0) return null;
        const q = toNumber(a) / y;
        // integer operands: a DECIMAL with div_precision_increment (4) more digits
        return Number.isInteger(toNumber(a)) && Number.isInteger(y) ? q.toFixed(4) : q;
      }
      case "DIV": {
        const y = toNumber(b);
        return y === 0 ? null : Math.trunc(toNumber(a) / y);
      }
      case "%": {
        const y = toNumber(b);
        return y === 0 ? null : toNumber(a) % y;
      }
    }
    throw new Unsupported(`operator ${op}`);
  }

  private fn(e: Extract<Expr, { k: "fn" }>, row: Row | null, group: Row[] | null): Value {
    if (AGGREGATES.has(e.name)) {
      const rows = group ?? (row ? [row] : []);
      if (e.name === "COUNT") return e.star ? rows.length : rows.filter((r) => this.eval(e.args[0]!, r, null) !== null).length;
      const vals = rows.map((r) => this.eval(e.args[0]!, r, null)).filter((v): v is number | string => v !== null);
      if (vals.length === 0) return null;
      if (e.name === "SUM") return vals.reduce<number>((s, v) => s + toNumber(v), 0);
      if (e.name === "AVG") return (vals.reduce<number>((s, v) => s + toNumber(v), 0) / vals.length).toFixed(4);
      return vals.reduce((m, v) => ((e.name === "MIN" ? compare(v, m)! < 0 : compare(v, m)! > 0) ? v : m));
    }
    const args = e.args.map((a) => this.eval(a, row, group));
    const a0 = args[0] ?? null;
    switch (e.name) {
      case "CONNECTION_ID":
        return this.ctx.thd.id;
      case "DATABASE":
      case "SCHEMA":
        return "test";
      case "USER":
      case "CURRENT_USER":
      case "SESSION_USER":
      case "SYSTEM_USER":
        return "root@localhost";
      case "VERSION":
        return `${this.ctx.server.version}-debug-log`;
      case "ACOS":
        return a0 === null ? null : Math.abs(toNumber(a0)) > 1 ? null : Math.acos(toNumber(a0));
      case "ABS":
        return a0 === null ? null : Math.abs(toNumber(a0));
      case "CONCAT":
        return args.some((a) => a === null) ? null : args.map((a) => formatValue(a)).join("");
      case "REPLACE":
        return args.some((a) => a === null) ? null : String(formatValue(a0)).split(String(formatValue(args[1]!))).join(String(formatValue(args[2]!)));
      case "LOWER":
      case "LCASE":
        return a0 === null ? null : String(formatValue(a0)).toLowerCase();
      case "UPPER":
      case "UCASE":
        return a0 === null ? null : String(formatValue(a0)).toUpperCase();
      case "LENGTH":
        return a0 === null ? null : Buffer.byteLength(String(formatValue(a0)));
      case "IF":
        return truth(a0) ? args[1]! : args[2]!;
      case "IFNULL":
        return a0 ?? args[1]!;
      case "COALESCE":
        return args.find((a) => a !== null) ?? null;
      case "SLEEP":
        // the lock model spent the time; SLEEP returns 0 (1 when interrupted, then the statement is killed)
        return 0;
      case "GET_LOCK":
      case "RELEASE_LOCK":
        return 1;
      case "IS_FREE_LOCK":
        return 1;
      case "IS_USED_LOCK":
        return null;
    }
    throw new Unsupported(`function ${e.name}()`);
  }

  sysvar(name: string, scope: string): Value {
    if (name === "debug_sync") return "ON - current signal: ''";
    if (name === "debug") return debugValue(this.ctx.server, this.ctx.thd, scope === "global" ? "GLOBAL" : "SESSION");
    if (name === "version") return `${this.ctx.server.version}-debug-log`;
    if (this.ctx.localVars.has(name) && scope !== "global") return this.ctx.localVars.get(name)!;
    const def = sysvar(name);
    if (def) {
      const v = scope === "global" ? this.ctx.server.vars.get(def.name) : this.ctx.server.sessionVar(this.ctx.thd, def.name);
      return typeof v === "boolean" ? (v ? 1 : 0) : v;
    }
    const known = UNMODELLED_DEFAULTS[name];
    if (known !== undefined) return known;
    throw mtrError("ER_UNKNOWN_SYSTEM_VARIABLE", name);
  }

  /** Runs a SELECT: its result set. */
  run(q: Select): ResultSet {
    const sources = q.from.map((s) => this.source(s));
    let rows: Row[] = [new Map()];
    let total = 1;
    for (const s of sources) total *= Math.max(1, s.rows.length);
    if (total > 100_000) throw new Unsupported(`a join of ${total} rows`);
    const colsOf: { alias: string; cols: string[] }[] = [];
    for (const s of sources) {
      colsOf.push({ alias: s.alias, cols: s.columns });
      const bare = s.columns.map((c) => c.toLowerCase());
      const qualified = s.columns.map((c) => `${s.alias}.${c}`.toLowerCase());
      const next: Row[] = [];
      for (const r of rows) {
        for (const sr of s.rows) {
          const m = new Map(r);
          for (let i = 0; i < bare.length; i++) {
            const v = sr[i] ?? null;
            m.set(bare[i]!, v);
            m.set(qualified[i]!, v);
          }
          next.push(m);
        }
      }
      rows = next;
    }
    if (q.where) rows = rows.filter((r) => truth(this.eval(q.where!, r, null)) === true);
    const aggregate = q.items.some((it) => it.e && hasAggregate(it.e));
    const columns: string[] = [];
    for (const it of q.items) {
      if (it.star) for (const s of colsOf) columns.push(...s.cols);
      else columns.push(it.name);
    }
    const project = (r: Row | null, group: Row[] | null): (string | null)[] => {
      const out: (string | null)[] = [];
      for (const it of q.items) {
        if (it.star) {
          if (!r) continue;
          for (const s of colsOf) for (const c of s.cols) out.push(formatValue(r.get(`${s.alias}.${c}`.toLowerCase()) ?? null));
        } else out.push(formatValue(this.eval(it.e!, r, group)));
      }
      return out;
    };
    let out: (string | null)[][];
    if (aggregate) out = [project(rows[0] ?? (sources.length ? null : new Map()), rows)];
    else {
      if (q.order.length) {
        rows = [...rows].sort((x, y) => {
          for (const o of q.order) {
            const c = compare(this.eval(o.e, x, null), this.eval(o.e, y, null)) ?? 0;
            if (c) return o.desc ? -c : c;
          }
          return 0;
        });
      }
      out = rows.map((r) => project(sources.length ? r : null, null));
    }
    if (q.limit !== null) out = out.slice(0, q.limit);
    return { columns, rows: out };
  }

  private source(s: Source): { alias: string; columns: string[]; rows: Value[][] } {
    const db = (s.db ?? "test").toLowerCase();
    const table = s.table.toLowerCase();
    if (db === "information_schema" && table === "processlist") {
      const cols = ["ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"];
      const rows = this.ctx.server.processlist(this.ctx.now).map((p) => cols.map((c) => (p as unknown as Record<string, Value>)[c] ?? null));
      return { alias: s.alias, columns: cols, rows };
    }
    if (db === "information_schema" || db === "performance_schema" || db === "mysql") throw new Unsupported(`${db}.${table}`);
    const def = this.ctx.server.table(db, table);
    if (!def) throw mtrError("ER_NO_SUCH_TABLE", `${db}.${s.table}`);
    return { alias: s.alias, columns: def.columns, rows: def.rows.map((r) => r.map((v) => (/^null$/i.test(v) ? null : v))) };
  }
}

function negate(b: boolean | null): boolean | null {
  return b === null ? null : !b;
}

function fromText(v: string | null): Value {
  if (v === null) return null;
  return /^-?\d+(\.\d+)?$/.test(v) && !/^-?0\d/.test(v) ? Number(v) : v;
}

function hasAggregate(e: Expr): boolean {
  switch (e.k) {
    case "fn":
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case "bin":
      return hasAggregate(e.a) || hasAggregate(e.b);
    case "not":
    case "neg":
    case "is":
      return hasAggregate(e.e);
    case "assign":
      return hasAggregate(e.e);
    case "in":
      return hasAggregate(e.e) || e.list.some(hasAggregate);
    case "between":
      return hasAggregate(e.e) || hasAggregate(e.lo) || hasAggregate(e.hi);
    case "like":
      return hasAggregate(e.e) || hasAggregate(e.pat);
    default:
      return false;
  }
}

/** Session variables mtr's includes read or set that no model uses (their values have no lock effect). */
const UNMODELLED_DEFAULTS: Record<string, Value> = {
  sql_mode: "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
  optimizer_search_depth: 62,
  default_storage_engine: "InnoDB",
  default_tmp_storage_engine: "InnoDB",
  storage_engine: "InnoDB",
  have_debug_sync: "YES",
  innodb_autoinc_lock_mode: 1,
  concurrent_insert: "AUTO",
  low_priority_updates: 0,
  max_connections: 151,
  big_tables: 0,
  general_log: 0,
  log_output: "FILE",
  sql_log_off: 0,
  datadir: "/var/lib/mysql/",
  slow_query_log: 0,
  query_cache_type: "OFF",
  old_alter_table: 0,
  character_set_client: "latin1",
  collation_connection: "latin1_swedish_ci",
  tx_isolation: "REPEATABLE-READ",
  transaction_isolation: "REPEATABLE-READ",
  innodb_strict_mode: 1,
};

/** Whether a session variable is one mtr accepts without a model (SET sql_mode=... and the like). */
export function isUnmodelledVariable(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(UNMODELLED_DEFAULTS, name.toLowerCase());
}

// ---------------------------------------------------------------- statements

/** A result set for a SELECT the models ran (or that touches no table). Throws Unsupported or MysqlError. */
export function evaluateSelect(sql: string, ctx: EvalContext): ResultSet {
  let q = PARSED.get(sql);
  if (!q) {
    const p = new Parser(tokenize(sql), sql);
    q = p.select();
    if (!p.atEnd()) throw new Unsupported(`cannot read past "${sql.slice(p.peek().start, p.peek().start + 30)}"`);
    // a polling loop sends the same text hundreds of times; the parse of a text never changes
    if (PARSED.size < 10_000) PARSED.set(sql, q);
  }
  return new Evaluator(ctx).run(q);
}
const PARSED = new Map<string, Select>();

/**
 * Statements that only read or set session state: `SET @a = expr[, ...]`, `SET var = expr` for a
 * variable no model knows, `SHOW [GLOBAL|SESSION] STATUS|VARIABLES [LIKE 'pattern']`, `DO expr`.
 * Returns null when the statement is none of these.
 */
export function evaluateSessionStatement(sql: string, ctx: EvalContext): { resultSet: ResultSet | null } | null {
  const text = sql.trim().replace(/;\s*$/, "");
  let m: RegExpExecArray | null;
  if ((m = /^SHOW\s+(?:(GLOBAL|SESSION)\s+)?(STATUS|VARIABLES)(?:\s+LIKE\s+(['"])(.*)\3)?\s*$/is.exec(text))) {
    const pat = m[4] !== undefined ? likeToRegExp(m[4]) : /^/;
    const rows: [string, string][] = [];
    if (m[2]!.toUpperCase() === "STATUS") {
      const status: [string, string][] = [
        ["Threads_connected", String(ctx.threadsConnected())],
        ["Threads_running", String(ctx.server.thds.filter((t) => t.command === "Query").length)],
      ];
      for (const r of status) if (pat.test(r[0])) rows.push(r);
    } else {
      const names = new Set<string>(["debug", "debug_sync", "version", ...Object.keys(UNMODELLED_DEFAULTS)]);
      for (const [n] of ctx.server.vars.entries()) names.add(n);
      const ev = new Evaluator(ctx);
      for (const n of [...names].sort()) {
        if (!pat.test(n)) continue;
        const v = ev.sysvar(n, "");
        rows.push([n, String(formatValue(v) ?? "")]);
      }
    }
    return { resultSet: { columns: ["Variable_name", "Value"], rows } };
  }
  if (/^DO\s/i.test(text)) {
    const p = new Parser(tokenize(text.replace(/^DO\s+/i, "")), text);
    const ev = new Evaluator(ctx);
    do ev.eval(p.expr(), null, null);
    while (p.eatOp(","));
    if (!p.atEnd()) throw new Unsupported("DO");
    return { resultSet: null };
  }
  if (/^SET\s/i.test(text)) {
    const body = text.replace(/^SET\s+/i, "");
    const p = new Parser(tokenize(body), body);
    const ev = new Evaluator(ctx);
    const assigns: (() => void)[] = [];
    do {
      const t = p.next();
      let target: { kind: "user"; name: string } | { kind: "sys"; name: string };
      if (t.t === "uvar") target = { kind: "user", name: t.v };
      else if (t.t === "svar") target = { kind: "sys", name: t.v.split(".")[1]! };
      else if (t.t === "id") {
        let name = t.v.toLowerCase();
        if ((name === "session" || name === "local") && p.peek().t === "id") name = p.next().v.toLowerCase();
        else if (name === "global") return null;
        target = { kind: "sys", name };
      } else return null;
      if (target.kind === "sys" && (sysvar(target.name) || !isUnmodelledVariable(target.name))) return null;
      if (!p.eatOp("=") && !p.eatOp(":=")) return null;
      const e = p.expr();
      const tgt = target;
      assigns.push(() => {
        const v = ev.eval(e, null, null);
        if (tgt.kind === "user") ctx.thd.userVars.set(tgt.name, v === null ? null : String(formatValue(v)));
        else ctx.localVars.set(tgt.name, v);
      });
    } while (p.eatOp(","));
    if (!p.atEnd()) return null;
    for (const a of assigns) a();
    return { resultSet: null };
  }
  return null;
}

