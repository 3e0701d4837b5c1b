/**
 * The one SQL expression and SELECT evaluator, for the model (SELECT values, row data of INSERT /
 * UPDATE / DELETE, stored function RETURN values, KILL @id) and for mtr (SHOW STATUS/VARIABLES,
 * `let $x= query_get_value(...)`, backtick queries, via src/mysql/sql/session-eval.ts). Enough for
 * the queries lock tests run to look at the server: information_schema.processlist in
 * wait_condition.inc, SELECT count(*) FROM t, user variables, CONNECTION_ID(), @@variables.
 * It computes values with MySQL's rules for what the tests need: NULL propagation, numbers compared
 * as numbers, strings compared case-insensitively as the default collations do, 1/0 for truth,
 * integer division with div_precision_increment (4) digits, the item text (or the bare column
 * name) as column name as Item::set_name() keeps it. It takes no locks: the locking model does that
 * from the statement's tables before the evaluation runs. Anything it cannot read throws ExprError.
 */
import { mysqlError } from "../errors.js";

export type Value = string | number | null;

type Tok = { t: "num" | "str" | "id" | "qid" | "op" | "var" | "sysvar" | "end"; v: string; pos: number; end: number };

/** What the evaluator cannot read (a statement outside its subset): the caller reports it. */
export class ExprError extends Error {}

/** A column no FROM table has: ER_BAD_FIELD_ERROR where a statement's values are computed. */
export class UnknownColumn extends ExprError {
  constructor(
    readonly column: string,
    readonly clause: "field list" | "where clause" = "field list",
  ) {
    super(`Unknown column '${column}' in '${clause}'`);
  }
}

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (sql.startsWith("/*", i)) {
      const e = sql.indexOf("*/", i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === "#" || (sql.startsWith("--", i) && /\s/.test(sql[i + 2] ?? " "))) {
      const e = sql.indexOf("\n", i);
      i = e < 0 ? n : e + 1;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)/.exec(sql.slice(i))!;
      i += m[0].length;
      out.push({ t: "num", v: m[0], pos: start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= n) throw new ExprError("unterminated string");
        const d = sql[i]!;
        if (d === "\\" && i + 1 < n) {
          const e = sql[i + 1]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
          i += 2;
        } else if (d === c && sql[i + 1] === c) {
          s += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ t: "str", v: s, pos: start, end: i });
      continue;
    }
    if (c === "`") {
      const j = sql.indexOf("`", i + 1);
      if (j < 0) throw new ExprError("unterminated identifier");
      out.push({ t: "qid", v: sql.slice(i + 1, j), pos: start, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (c === "@" && sql[i + 1] === "@") {
      const m = /^@@(?:(global|session|local)\.)?([A-Za-z_$][\w$]*)/i.exec(sql.slice(i));
      if (!m) throw new ExprError(`bad system variable at ${i}`);
      // the scope as written: "" when none (a session value, or the global one for a global-only variable)
      const scope = (m[1] ?? "").toLowerCase();
      out.push({ t: "sysvar", v: `${scope === "local" ? "session" : scope}.${m[2]!.toLowerCase()}`, pos: start, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (c === "@") {
      const m = /^@(?:([A-Za-z0-9_$.]+)|`([^`]*)`|'([^']*)')/.exec(sql.slice(i));
      if (!m) throw new ExprError(`bad user variable at ${i}`);
      out.push({ t: "var", v: (m[1] ?? m[2] ?? m[3] ?? "").toLowerCase(), pos: start, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(sql.slice(i))!;
      out.push({ t: "id", v: m[0], pos: start, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    const op = /^(:=|<=>|<>|!=|<=|>=|\|\||&&|[=<>+\-*/%(),.!;])/.exec(sql.slice(i));
    if (!op) throw new ExprError(`unexpected character '${c}'`);
    out.push({ t: "op", v: op[0], pos: start, end: i + op[0].length });
    i += op[0].length;
  }
  out.push({ t: "end", v: "", pos: n, end: n });
  return out;
}

export type Expr =
  | { k: "lit"; v: Value }
  | { k: "col"; table?: string; name: string }
  | { k: "var"; name: string }
  | { k: "sysvar"; scope: string; name: string }
  | { k: "assign"; name: string; e: Expr }
  | { k: "un"; op: "-" | "NOT"; e: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "fn"; name: string; args: Expr[]; star?: boolean; distinct?: boolean }
  | { k: "in"; e: Expr; list: Expr[]; not: boolean }
  | { k: "is"; e: Expr; not: boolean; what: "null" | "true" | "false" }
  | { k: "between"; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: "like"; e: Expr; pat: Expr; not: boolean }
  | { k: "sub"; q: SelectQuery };

export interface SelectItem {
  /** `*` (every column of the FROM tables) */
  star: boolean;
  e: Expr | null;
  /** the column header: the alias, the bare column name, or the item's text as written */
  name: string;
}

export interface SelectQuery {
  items: SelectItem[];
  distinct: boolean;
  from: { db?: string; name: string; alias?: string }[];
  where: Expr | null;
  orderBy: { e: Expr; desc: boolean }[];
  offset: number;
  limit: number | null;
}

/** words that end a select item or a FROM table (no alias) */
const CLAUSE_WORDS = new Set(["FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "FOR", "LOCK", "INTO", "UNION", "JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "STRAIGHT_JOIN", "ON", "USING", "AND", "OR", "NATURAL", "PROCEDURE", "WINDOW"]);

/** A parser over one token list: parseSelect() or parseExpr(). */
export class ExprParser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  static of(sql: string): ExprParser {
    return new ExprParser(tokenize(sql), sql);
  }

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Tok {
    return this.toks[Math.min(this.i++, this.toks.length - 1)]!;
  }
  private isKw(w: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "id" && t.v.toUpperCase() === w;
  }
  private eatKw(w: string): boolean {
    if (!this.isKw(w)) return false;
    this.i++;
    return true;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }
  eatOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.i++;
    return true;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== "op" || t.v !== v) throw new ExprError(`expected '${v}' at "${this.src.slice(t.pos, t.pos + 20)}"`);
  }
  private aliasFollows(): boolean {
    const t = this.peek();
    return t.t === "qid" || t.t === "str" || (t.t === "id" && !CLAUSE_WORDS.has(t.v.toUpperCase()));
  }
  /** the next token, a name (user variable, system variable or identifier) for a SET target */
  nextToken(): { t: Tok["t"]; v: string } {
    const t = this.next();
    return { t: t.t, v: t.v };
  }
  peekToken(): { t: Tok["t"]; v: string } {
    const t = this.peek();
    return { t: t.t, v: t.v };
  }
  /** end of the text (trailing ';' allowed) */
  atEnd(): boolean {
    while (this.isOp(";")) this.i++;
    return this.peek().t === "end";
  }
  /** where the parser stopped, for an error message */
  rest(): string {
    return this.src.slice(this.peek().pos, this.peek().pos + 30);
  }

  parseSelect(): SelectQuery {
    if (!this.eatKw("SELECT")) throw new ExprError("expected SELECT");
    let distinct = false;
    for (;;) {
      if (this.eatKw("DISTINCT") || this.eatKw("DISTINCTROW")) distinct = true;
      else if (!(this.eatKw("SQL_NO_CACHE") || this.eatKw("SQL_CACHE") || this.eatKw("SQL_CALC_FOUND_ROWS") || this.eatKw("ALL") || this.eatKw("HIGH_PRIORITY") || this.eatKw("STRAIGHT_JOIN"))) break;
    }
    const items: SelectItem[] = [];
    do {
      if (this.eatOp("*")) {
        items.push({ star: true, e: null, name: "*" });
        continue;
      }
      const first = this.peek();
      const e = this.parseExpr();
      const last = this.toks[this.i - 1]!;
      // Item::set_name(): a string literal's value, a column's own name, else the text as written
      let name = first === last && first.t === "str" ? first.v : this.src.slice(first.pos, last.end);
      if (e.k === "col") name = e.name;
      if (this.eatKw("AS") || this.aliasFollows()) name = this.next().v;
      items.push({ star: false, e, name });
    } while (this.eatOp(","));
    const from: SelectQuery["from"] = [];
    if (this.eatKw("FROM")) {
      do {
        if (this.isOp("(")) throw new ExprError("derived tables are not evaluated");
        const a = this.next();
        if (a.t !== "id" && a.t !== "qid") throw new ExprError(`FROM what? at "${this.src.slice(a.pos, a.pos + 20)}"`);
        let db: string | undefined;
        let name = a.v;
        if (this.eatOp(".")) {
          db = name;
          name = this.next().v;
        }
        let alias: string | undefined;
        if (this.eatKw("AS") || (this.peek().t !== "str" && this.aliasFollows())) alias = this.next().v;
        from.push({ ...(db ? { db } : {}), name, ...(alias ? { alias } : {}) });
        if (this.isKw("JOIN") || this.isKw("LEFT") || this.isKw("RIGHT") || this.isKw("INNER") || this.isKw("CROSS") || this.isKw("STRAIGHT_JOIN") || this.isKw("NATURAL")) throw new ExprError("JOIN is not evaluated");
      } while (this.eatOp(","));
    }
    const where = this.eatKw("WHERE") ? this.parseExpr() : null;
    if (this.isKw("GROUP") || this.isKw("HAVING")) throw new ExprError("GROUP BY / HAVING are not evaluated");
    const orderBy: SelectQuery["orderBy"] = [];
    if (this.eatKw("ORDER")) {
      if (!this.eatKw("BY")) throw new ExprError("ORDER without BY");
      do {
        const e = this.parseExpr();
        const desc = this.eatKw("DESC");
        if (!desc) this.eatKw("ASC");
        orderBy.push({ e, desc });
      } while (this.eatOp(","));
    }
    let offset = 0;
    let limit: number | null = null;
    if (this.eatKw("LIMIT")) {
      const a = this.next();
      if (a.t !== "num") throw new ExprError("LIMIT takes a number");
      limit = Number(a.v);
      if (this.eatOp(",")) {
        offset = limit;
        limit = Number(this.next().v);
      } else if (this.eatKw("OFFSET")) offset = Number(this.next().v);
    }
    // FOR UPDATE / LOCK IN SHARE MODE: the lock model took the locks; the values are the same
    if (this.isKw("FOR") || this.isKw("LOCK")) while (!this.atEnd() && !this.isOp(")")) this.next();
    return { items, distinct, from, where, orderBy, offset, limit };
  }

  parseExpr(): Expr {
    return this.parseAssign();
  }

  private parseAssign(): Expr {
    if (this.peek().t === "var" && this.peek(1).t === "op" && this.peek(1).v === ":=") {
      const name = this.next().v;
      this.next();
      return { k: "assign", name, e: this.parseAssign() };
    }
    return this.parseOr();
  }

  private parseOr(): Expr {
    let a = this.parseXor();
    while (this.eatKw("OR") || this.eatOp("||")) a = { k: "bin", op: "OR", a, b: this.parseXor() };
    return a;
  }

  private parseXor(): Expr {
    let a = this.parseAnd();
    while (this.eatKw("XOR")) a = { k: "bin", op: "XOR", a, b: this.parseAnd() };
    return a;
  }

  private parseAnd(): Expr {
    let a = this.parseNot();
    while (this.eatKw("AND") || this.eatOp("&&")) a = { k: "bin", op: "AND", a, b: this.parseNot() };
    return a;
  }

  private parseNot(): Expr {
    if (this.eatKw("NOT")) return { k: "un", op: "NOT", e: this.parseNot() };
    return this.parseCmp();
  }

  private parseCmp(): Expr {
    let a = this.parseAdd();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && ["=", "<>", "!=", "<", ">", "<=", ">=", "<=>"].includes(t.v)) {
        this.next();
        a = { k: "bin", op: t.v === "!=" ? "<>" : t.v, a, b: this.parseAdd() };
        continue;
      }
      if (this.eatKw("IS")) {
        const not = this.eatKw("NOT");
        const w = this.next().v.toUpperCase();
        if (w !== "NULL" && w !== "TRUE" && w !== "FALSE") throw new ExprError(`IS ${w} is not evaluated`);
        a = { k: "is", e: a, not, what: w.toLowerCase() as "null" };
        continue;
      }
      const not = this.isKw("NOT") && (this.isKw("LIKE", 1) || this.isKw("IN", 1) || this.isKw("BETWEEN", 1));
      if (not) this.next();
      if (this.eatKw("LIKE")) {
        a = { k: "like", e: a, pat: this.parseAdd(), not };
        continue;
      }
      if (this.eatKw("IN")) {
        this.expectOp("(");
        const list: Expr[] = [];
        if (this.isKw("SELECT")) list.push({ k: "sub", q: this.parseSelect() });
        else
          do list.push(this.parseExpr());
          while (this.eatOp(","));
        this.expectOp(")");
        a = { k: "in", e: a, list, not };
        continue;
      }
      if (this.eatKw("BETWEEN")) {
        const lo = this.parseAdd();
        if (!this.eatKw("AND")) throw new ExprError("expected AND in BETWEEN");
        a = { k: "between", e: a, lo, hi: this.parseAdd(), not };
        continue;
      }
      return a;
    }
  }

  private parseAdd(): Expr {
    let a = this.parseMul();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next().v;
      a = { k: "bin", op, a, b: this.parseMul() };
    }
    return a;
  }

  private parseMul(): Expr {
    let a = this.parseUnary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%") || this.isKw("DIV") || this.isKw("MOD")) {
      const op = this.next().v.toUpperCase();
      a = { k: "bin", op: op === "MOD" ? "%" : op, a, b: this.parseUnary() };
    }
    return a;
  }

  private parseUnary(): Expr {
    if (this.eatOp("-")) return { k: "un", op: "-", e: this.parseUnary() };
    if (this.eatOp("+")) return this.parseUnary();
    if (this.eatOp("!")) return { k: "un", op: "NOT", e: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.t) {
      case "num":
        return { k: "lit", v: Number(t.v) };
      case "str":
        return { k: "lit", v: t.v };
      case "var":
        return { k: "var", name: t.v };
      case "sysvar": {
        const [scope, name] = t.v.split(".");
        return { k: "sysvar", scope: scope!, name: name! };
      }
      case "op":
        if (t.v === "(") {
          if (this.isKw("SELECT")) {
            const q = this.parseSelect();
            this.expectOp(")");
            return { k: "sub", q };
          }
          const e = this.parseExpr();
          this.expectOp(")");
          return e;
        }
        throw new ExprError(`unexpected '${t.v}' at ${t.pos}`);
      case "id":
      case "qid": {
        const u = t.v.toUpperCase();
        if (t.t === "id" && u === "NULL") return { k: "lit", v: null };
        if (t.t === "id" && u === "TRUE") return { k: "lit", v: 1 };
        if (t.t === "id" && u === "FALSE") return { k: "lit", v: 0 };
        if (t.t === "id" && this.eatOp("(")) {
          const args: Expr[] = [];
          let star = false;
          const distinct = this.eatKw("DISTINCT");
          if (this.eatOp("*")) star = true;
          else if (!this.isOp(")"))
            do args.push(this.parseExpr());
            while (this.eatOp(","));
          this.expectOp(")");
          return { k: "fn", name: u, args, ...(star ? { star } : {}), ...(distinct ? { distinct } : {}) };
        }
        if (this.eatOp(".")) return { k: "col", table: t.v, name: this.next().v };
        return { k: "col", name: t.v };
      }
      default:
        throw new ExprError("unexpected end of expression");
    }
  }
}

/** What an evaluation can look up: rows of a table, variables, functions the server provides. */
export interface EvalEnv {
  /** the rows of a FROM table (column names lower case), or an error thrown by the caller */
  rows(db: string | undefined, name: string): { columns: string[]; rows: Value[][] };
  userVar(name: string): Value;
  setUserVar(name: string, v: Value): void;
  /** scope "global", "session" or "" (as written) */
  sysVar(scope: string, name: string): Value;
  /** a function the evaluator does not know itself (CONNECTION_ID, SLEEP, stored functions ...) */
  call(name: string, args: Value[]): Value;
}

type Row = Map<string, Value>;

const num = (v: Value): number => {
  if (v === null) return 0;
  if (typeof v === "number") return v;
  // a string's leading number, as MySQL converts '12abc' (0 when none)
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(v);
  return m ? Number(m[0]) : 0;
};
const truth = (v: Value): boolean | null => (v === null ? null : num(v) !== 0);
const bool = (b: boolean | null): Value => (b === null ? null : b ? 1 : 0);

function cmp(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (typeof a === "number" || typeof b === "number") return Math.sign(num(a) - num(b));
  // MySQL's default collations compare case-insensitively and ignore trailing spaces
  const x = a.toLowerCase().replace(/ +$/, "");
  const y = b.toLowerCase().replace(/ +$/, "");
  return x < y ? -1 : x > y ? 1 : 0;
}

function like(s: string, pat: string): boolean {
  let re = "^";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === "\\" && i + 1 < pat.length) re += pat[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (c === "%") re += "[\\s\\S]*";
    else if (c === "_") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(re + "$", "i").test(s);
}

/** LIKE's pattern as a RegExp (SHOW ... LIKE 'pattern') */
export function likePattern(pat: string): (s: string) => boolean {
  return (s) => like(s, pat);
}

const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);

function hasAggregate(e: Expr): boolean {
  switch (e.k) {
    case "fn":
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case "bin":
      return hasAggregate(e.a) || hasAggregate(e.b);
    case "un":
    case "assign":
    case "is":
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

/** A DECIMAL result of `/` and AVG over integers: div_precision_increment (4) more digits. */
const decimal = (x: number): string => x.toFixed(4);

/** Evaluates an expression for one row (or, with `group`, over a group of rows for aggregates). */
export function evaluate(e: Expr, env: EvalEnv, row: Row | null = null, group: Row[] | null = null): Value {
  const ev = (x: Expr): Value => evaluate(x, env, row, group);
  switch (e.k) {
    case "lit":
      return e.v;
    case "col": {
      const name = e.name.toLowerCase();
      const k = e.table ? `${e.table.toLowerCase()}.${name}` : name;
      if (row && row.has(k)) return row.get(k)!;
      if (row && row.has(name)) return row.get(name)!;
      throw new UnknownColumn(e.table ? `${e.table}.${e.name}` : e.name);
    }
    case "var":
      return env.userVar(e.name);
    case "sysvar":
      return env.sysVar(e.scope, e.name);
    case "assign": {
      const v = ev(e.e);
      env.setUserVar(e.name, v);
      return v;
    }
    case "un": {
      const v = ev(e.e);
      if (e.op === "-") return v === null ? null : -num(v);
      const t = truth(v);
      return bool(t === null ? null : !t);
    }
    case "is": {
      const v = ev(e.e);
      const r = e.what === "null" ? v === null : e.what === "true" ? truth(v) === true : truth(v) === false;
      return bool(e.not ? !r : r);
    }
    case "like": {
      const v = ev(e.e);
      const p = ev(e.pat);
      if (v === null || p === null) return null;
      const r = like(String(formatValue(v)), String(formatValue(p)));
      return bool(e.not ? !r : r);
    }
    case "bin": {
      if (e.op === "AND") {
        const a = truth(ev(e.a));
        if (a === false) return 0;
        const b = truth(ev(e.b));
        if (b === false) return 0;
        return a === null || b === null ? null : 1;
      }
      if (e.op === "OR") {
        const a = truth(ev(e.a));
        if (a === true) return 1;
        const b = truth(ev(e.b));
        if (b === true) return 1;
        return a === null || b === null ? null : 0;
      }
      const a = ev(e.a);
      const b = ev(e.b);
      if (e.op === "<=>") return a === null || b === null ? bool(a === b) : bool(cmp(a, b) === 0);
      if (e.op === "XOR") return a === null || b === null ? null : bool(truth(a) !== truth(b));
      if (a === null || b === null) return null;
      switch (e.op) {
        case "=":
          return bool(cmp(a, b) === 0);
        case "<>":
          return bool(cmp(a, b) !== 0);
        case "<":
          return bool(cmp(a, b)! < 0);
        case ">":
          return bool(cmp(a, b)! > 0);
        case "<=":
          return bool(cmp(a, b)! <= 0);
        case ">=":
          return bool(cmp(a, b)! >= 0);
        case "+":
          return num(a) + num(b);
        case "-":
          return num(a) - num(b);
        case "*":
          return num(a) * num(b);
        case "/": {
          const y = num(b);
          if (y === 0) return null;
          const q = num(a) / y;
          return Number.isInteger(num(a)) && Number.isInteger(y) ? decimal(q) : q;
        }
        case "DIV":
          return num(b) === 0 ? null : Math.trunc(num(a) / num(b));
        case "%":
          return num(b) === 0 ? null : num(a) % num(b);
      }
      throw new ExprError(`operator ${e.op}`);
    }
    case "in": {
      const v = ev(e.e);
      if (v === null) return null;
      const vals = e.list.flatMap((x) => (x.k === "sub" ? runSelect(x.q, env, row).rows.map((r) => r[0] ?? null) : [ev(x)]));
      let sawNull = false;
      for (const x of vals) {
        const c = cmp(v, x);
        if (c === null) sawNull = true;
        else if (c === 0) return bool(!e.not);
      }
      return sawNull ? null : bool(e.not);
    }
    case "between": {
      const v = ev(e.e);
      const lo = cmp(v, ev(e.lo));
      const hi = cmp(v, ev(e.hi));
      if (lo === null || hi === null) return null;
      const r = lo >= 0 && hi <= 0;
      return bool(e.not ? !r : r);
    }
    case "sub": {
      const r = runSelect(e.q, env, row);
      if (r.rows.length > 1) throw mysqlError("ER_SUBQUERY_NO_1_ROW");
      if (r.columns.length !== 1) throw mysqlError("ER_OPERAND_COLUMNS", 1);
      return r.rows[0]?.[0] ?? null;
    }
    case "fn": {
      if (AGGREGATES.has(e.name)) {
        const rows = group ?? (row ? [row] : []);
        if (e.name === "COUNT") {
          if (e.star) return rows.length;
          const vals = rows.map((r) => evaluate(e.args[0]!, env, r)).filter((v) => v !== null);
          return e.distinct ? new Set(vals.map((v) => String(v).toLowerCase())).size : vals.length;
        }
        const vals = rows.map((r) => evaluate(e.args[0]!, env, r)).filter((v): v is string | number => v !== null);
        if (vals.length === 0) return null;
        if (e.name === "SUM") return vals.reduce((s: number, v) => s + num(v), 0);
        if (e.name === "AVG") return decimal(vals.reduce((s: number, v) => s + num(v), 0) / vals.length);
        return vals.reduce((m, v) => ((cmp(v, m) ?? 0) * (e.name === "MIN" ? -1 : 1) > 0 ? v : m));
      }
      const args = e.args.map(ev);
      const a0 = args[0] ?? null;
      const text = (v: Value): string => String(formatValue(v));
      switch (e.name) {
        case "CONCAT":
          return args.some((a) => a === null) ? null : args.map(text).join("");
        case "REPLACE":
          return args.some((a) => a === null) ? null : text(a0).split(text(args[1]!)).join(text(args[2]!));
        case "IF":
          return truth(a0) ? (args[1] ?? null) : (args[2] ?? null);
        case "IFNULL":
        case "COALESCE":
          return args.find((a) => a !== null) ?? null;
        case "UPPER":
        case "UCASE":
          return a0 === null ? null : text(a0).toUpperCase();
        case "LOWER":
        case "LCASE":
          return a0 === null ? null : text(a0).toLowerCase();
        case "LENGTH":
          // bytes, as LENGTH() counts them (utf8)
          return a0 === null ? null : Buffer.byteLength(text(a0));
        case "ABS":
          return a0 === null ? null : Math.abs(num(a0));
        case "ACOS":
          return a0 === null || Math.abs(num(a0)) > 1 ? null : Math.acos(num(a0));
        case "ISNULL":
          return bool(a0 === null);
        default:
          return env.call(e.name, args);
      }
    }
  }
}

/** Joins are evaluated as cross products; bigger ones are not evaluated (the statement still runs, taking its time). */
export const MAX_JOIN_ROWS = 100_000;

/** Runs a SELECT over the environment's tables: its columns and rows of values. */
export function runSelect(q: SelectQuery, env: EvalEnv, outer: Row | null = null): { columns: string[]; rows: Value[][] } {
  // a correlated subquery sees the outer row (and a routine's parameters) under its own columns
  let rows: Row[] = [new Map(outer ?? [])];
  const sources: { alias: string; columns: string[] }[] = [];
  for (const f of q.from) {
    const t = env.rows(f.db, f.name);
    const alias = (f.alias ?? f.name).toLowerCase();
    sources.push({ alias, columns: t.columns });
    if (rows.length * t.rows.length > MAX_JOIN_ROWS) throw new ExprError(`a join of more than ${MAX_JOIN_ROWS} rows is not evaluated`);
    const bare = t.columns.map((c) => c.toLowerCase());
    const qualified = bare.map((c) => `${alias}.${c}`);
    const next: Row[] = [];
    for (const base of rows) {
      for (const r of t.rows) {
        const m = new Map(base);
        for (let i = 0; i < bare.length; i++) {
          m.set(bare[i]!, r[i] ?? null);
          m.set(qualified[i]!, r[i] ?? null);
        }
        next.push(m);
      }
    }
    rows = next;
  }
  if (q.where) {
    try {
      rows = rows.filter((r) => truth(evaluate(q.where!, env, r)) === true);
    } catch (e) {
      throw e instanceof UnknownColumn ? new UnknownColumn(e.column, "where clause") : e;
    }
  }
  const columns: string[] = [];
  for (const it of q.items) {
    if (it.star) for (const s of sources) columns.push(...s.columns);
    else columns.push(it.name);
  }
  const project = (r: Row | null, group: Row[] | null): Value[] => {
    const out: Value[] = [];
    for (const it of q.items) {
      if (it.star) {
        if (r) for (const s of sources) for (const c of s.columns) out.push(r.get(`${s.alias}.${c.toLowerCase()}`) ?? null);
      } else out.push(evaluate(it.e!, env, r, group));
    }
    return out;
  };
  const aggregate = q.items.some((it) => it.e && hasAggregate(it.e));
  let out: Value[][];
  if (aggregate) out = [project(rows[0] ?? (q.from.length ? null : new Map(outer ?? [])), rows)];
  else {
    if (q.orderBy.length) {
      rows = [...rows].sort((x, y) => {
        for (const o of q.orderBy) {
          const c = cmp(evaluate(o.e, env, x), evaluate(o.e, env, y)) ?? 0;
          if (c) return o.desc ? -c : c;
        }
        return 0;
      });
    }
    out = rows.map((r) => project(q.from.length ? r : (outer ?? new Map()), null));
  }
  if (q.distinct) {
    const seen = new Set<string>();
    out = out.filter((r) => {
      const k = JSON.stringify(r.map((v) => (typeof v === "string" ? v.toLowerCase() : v)));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (q.offset || q.limit !== null) out = out.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
  return { columns, rows: out };
}

/** How the text protocol sends a value: NULL stays null, numbers in their shortest form. */
export function formatValue(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === "number") return String(v);
  return v;
}
