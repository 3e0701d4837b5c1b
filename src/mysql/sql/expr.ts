/**
 * A small SQL expression and SELECT evaluator: enough for the queries lock tests run to look at
 * the server (information_schema.processlist in wait_condition.inc, SELECT count(*) FROM t,
 * user variables, CONNECTION_ID(), @@variables). It computes values; it takes no locks (the
 * locking model does that from the statement's tables before the evaluation runs).
 */

export type Value = string | number | null;

type Tok = { t: "num" | "str" | "id" | "op" | "var" | "sysvar" | "end"; v: string; pos: number };

export class ExprError extends Error {}

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?/i.exec(sql.slice(i))!;
      out.push({ t: "num", v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let s = "";
      i++;
      while (i < sql.length) {
        const d = sql[i]!;
        if (d === "\\" && i + 1 < sql.length) {
          const e = sql[i + 1]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += d;
        i++;
      }
      out.push({ t: "str", v: s, pos: start });
      continue;
    }
    if (c === "`") {
      const j = sql.indexOf("`", i + 1);
      out.push({ t: "id", v: sql.slice(i + 1, j < 0 ? sql.length : j), pos: start });
      i = j < 0 ? sql.length : j + 1;
      continue;
    }
    if (c === "@" && sql[i + 1] === "@") {
      const m = /^@@(?:(global|session|local)\.)?([A-Za-z0-9_$]+)/i.exec(sql.slice(i));
      if (!m) throw new ExprError(`bad system variable at ${i}`);
      out.push({ t: "sysvar", v: `${(m[1] ?? "session").toLowerCase()}.${m[2]!.toLowerCase()}`, pos: start });
      i += m[0].length;
      continue;
    }
    if (c === "@") {
      const m = /^@(`[^`]*`|'[^']*'|[A-Za-z0-9_$.]+)/.exec(sql.slice(i));
      if (!m) throw new ExprError(`bad user variable at ${i}`);
      out.push({ t: "var", v: m[1]!.replace(/^[`']|[`']$/g, "").toLowerCase(), pos: start });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(sql.slice(i))!;
      out.push({ t: "id", v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    const op = /^(:=|<=>|<>|!=|<=|>=|\|\||&&|[=<>+\-*/%(),.!;])/.exec(sql.slice(i));
    if (!op) throw new ExprError(`unexpected character '${c}'`);
    out.push({ t: "op", v: op[0], pos: start });
    i += op[0].length;
  }
  out.push({ t: "end", v: "", pos: sql.length });
  return out;
}

export type Expr =
  | { k: "lit"; v: Value }
  | { k: "col"; table?: string; name: string }
  | { k: "var"; name: string }
  | { k: "sysvar"; scope: string; name: string }
  | { k: "assign"; name: string; e: Expr }
  | { k: "un"; op: string; e: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "fn"; name: string; args: Expr[]; star?: boolean; distinct?: boolean }
  | { k: "in"; e: Expr; list: Expr[]; not: boolean }
  | { k: "isnull"; e: Expr; not: boolean }
  | { k: "between"; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: "sub"; q: SelectQuery };

export interface SelectItem {
  e: Expr;
  /** the column header: the alias, or the item's text as written */
  name: string;
}

export interface SelectQuery {
  items: SelectItem[] | "*";
  from: { db?: string; name: string; alias?: string }[];
  where: Expr | null;
  limit: number | null;
  orderBy: Expr[];
}

const KW_END = new Set(["FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "FOR", "LOCK", "UNION", "INTO", "PROCEDURE"]);

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
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== "op" || t.v !== v) throw new ExprError(`expected '${v}' at ${t.pos}, got '${t.v}'`);
  }
  atEnd(): boolean {
    return this.peek().t === "end" || this.isOp(";");
  }

  parseSelect(): SelectQuery {
    if (!this.isKw("SELECT")) throw new ExprError("expected SELECT");
    this.next();
    while (this.isKw("DISTINCT") || this.isKw("SQL_NO_CACHE") || this.isKw("SQL_CALC_FOUND_ROWS") || this.isKw("STRAIGHT_JOIN") || this.isKw("HIGH_PRIORITY")) this.next();
    let items: SelectItem[] | "*";
    if (this.isOp("*")) {
      this.next();
      items = "*";
    } else {
      items = [];
      for (;;) {
        const start = this.peek().pos;
        const e = this.parseExpr();
        const end = this.peek().pos;
        let name = this.src.slice(start, end).trim();
        if (this.isKw("AS")) {
          this.next();
          name = this.next().v;
        } else if (this.peek().t === "id" && !KW_END.has(this.peek().v.toUpperCase())) name = this.next().v;
        else if (this.peek().t === "str") name = this.next().v;
        items.push({ e, name });
        if (!this.isOp(",")) break;
        this.next();
      }
    }
    const from: SelectQuery["from"] = [];
    if (this.isKw("FROM")) {
      this.next();
      for (;;) {
        if (this.isOp("(")) throw new ExprError("derived tables are not evaluated");
        const a = this.next().v;
        let db: string | undefined;
        let name = a;
        if (this.isOp(".")) {
          this.next();
          db = a;
          name = this.next().v;
        }
        let alias: string | undefined;
        if (this.isKw("AS")) this.next();
        if (this.peek().t === "id" && !KW_END.has(this.peek().v.toUpperCase()) && !["JOIN", "INNER", "LEFT", "CROSS", "ON", "NATURAL"].includes(this.peek().v.toUpperCase())) alias = this.next().v;
        from.push({ ...(db ? { db } : {}), name, ...(alias ? { alias } : {}) });
        if (!this.isOp(",")) break;
        this.next();
      }
    }
    let where: Expr | null = null;
    if (this.isKw("WHERE")) {
      this.next();
      where = this.parseExpr();
    }
    const orderBy: Expr[] = [];
    let limit: number | null = null;
    while (!this.atEnd() && !this.isOp(")")) {
      if (this.isKw("GROUP") || this.isKw("ORDER")) {
        const order = this.isKw("ORDER");
        this.next();
        if (this.isKw("BY")) this.next();
        for (;;) {
          const e = this.parseExpr();
          if (order) orderBy.push(e);
          if (this.isKw("ASC") || this.isKw("DESC")) this.next();
          if (!this.isOp(",")) break;
          this.next();
        }
      } else if (this.isKw("LIMIT")) {
        this.next();
        limit = Number(this.next().v);
        if (this.isOp(",")) {
          this.next();
          limit = Number(this.next().v);
        }
      } else this.next(); // FOR UPDATE, LOCK IN SHARE MODE, HAVING ...: locks come from the statement kind
    }
    return { items, from, where, limit, orderBy };
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
    let a = this.parseAnd();
    while (this.isKw("OR") || this.isOp("||") || this.isKw("XOR")) {
      const op = this.next().v.toUpperCase() === "XOR" ? "XOR" : "OR";
      a = { k: "bin", op, a, b: this.parseAnd() };
    }
    return a;
  }

  private parseAnd(): Expr {
    let a = this.parseNot();
    while (this.isKw("AND") || this.isOp("&&")) {
      this.next();
      a = { k: "bin", op: "AND", a, b: this.parseNot() };
    }
    return a;
  }

  private parseNot(): Expr {
    if (this.isKw("NOT")) {
      this.next();
      return { k: "un", op: "NOT", e: this.parseNot() };
    }
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
      const not = this.isKw("NOT") && (this.isKw("LIKE", 1) || this.isKw("IN", 1) || this.isKw("BETWEEN", 1));
      if (not) this.next();
      if (this.isKw("LIKE")) {
        this.next();
        const e: Expr = { k: "bin", op: "LIKE", a, b: this.parseAdd() };
        a = not ? { k: "un", op: "NOT", e } : e;
        continue;
      }
      if (this.isKw("IN")) {
        this.next();
        this.expectOp("(");
        const list: Expr[] = [];
        if (this.isKw("SELECT")) list.push({ k: "sub", q: this.parseSelect() });
        else
          for (;;) {
            list.push(this.parseExpr());
            if (!this.isOp(",")) break;
            this.next();
          }
        this.expectOp(")");
        a = { k: "in", e: a, list, not };
        continue;
      }
      if (this.isKw("BETWEEN")) {
        this.next();
        const lo = this.parseAdd();
        if (!this.isKw("AND")) throw new ExprError("expected AND in BETWEEN");
        this.next();
        a = { k: "between", e: a, lo, hi: this.parseAdd(), not };
        continue;
      }
      if (this.isKw("IS")) {
        this.next();
        const n = this.isKw("NOT");
        if (n) this.next();
        if (!this.isKw("NULL")) throw new ExprError("expected NULL after IS");
        this.next();
        a = { k: "isnull", e: a, not: n };
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
    if (this.isOp("-")) {
      this.next();
      return { k: "un", op: "-", e: this.parseUnary() };
    }
    if (this.isOp("+")) {
      this.next();
      return this.parseUnary();
    }
    if (this.isOp("!")) {
      this.next();
      return { k: "un", op: "NOT", e: this.parseUnary() };
    }
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
      case "id": {
        const u = t.v.toUpperCase();
        if (u === "NULL") return { k: "lit", v: null };
        if (u === "TRUE") return { k: "lit", v: 1 };
        if (u === "FALSE") return { k: "lit", v: 0 };
        if (this.isOp("(")) {
          this.next();
          const args: Expr[] = [];
          let star = false;
          let distinct = false;
          if (this.isOp("*")) {
            this.next();
            star = true;
          } else if (!this.isOp(")")) {
            if (this.isKw("DISTINCT")) {
              this.next();
              distinct = true;
            }
            for (;;) {
              args.push(this.parseExpr());
              if (!this.isOp(",")) break;
              this.next();
            }
          }
          this.expectOp(")");
          return { k: "fn", name: u, args, ...(star ? { star } : {}), ...(distinct ? { distinct } : {}) };
        }
        if (this.isOp(".")) {
          this.next();
          const n = this.next();
          return { k: "col", table: t.v, name: n.v };
        }
        return { k: "col", name: t.v };
      }
      default:
        throw new ExprError(`unexpected end of expression`);
    }
  }
}

/** What an evaluation can look up: rows of a table, variables, functions the server provides. */
export interface EvalEnv {
  /** the rows of a FROM table (column names lower case), or an error thrown by the caller */
  rows(db: string | undefined, name: string): { columns: string[]; rows: Value[][] };
  userVar(name: string): Value;
  setUserVar(name: string, v: Value): void;
  sysVar(scope: string, name: string): Value;
  /** a function the evaluator does not know itself (CONNECTION_ID, SLEEP, stored functions ...) */
  call(name: string, args: Value[]): Value;
}

type Row = Map<string, Value>;

const truth = (v: Value): boolean | null => (v === null ? null : typeof v === "number" ? v !== 0 : Number.parseFloat(v) !== 0 && !Number.isNaN(Number.parseFloat(v)));
const bool = (b: boolean | null): Value => (b === null ? null : b ? 1 : 0);
const num = (v: Value): number => (v === null ? 0 : typeof v === "number" ? v : Number.parseFloat(v) || 0);

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

const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);

function hasAggregate(e: Expr): boolean {
  switch (e.k) {
    case "fn":
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case "bin":
      return hasAggregate(e.a) || hasAggregate(e.b);
    case "un":
    case "assign":
    case "isnull":
      return hasAggregate(e.e);
    case "in":
      return hasAggregate(e.e) || e.list.some(hasAggregate);
    case "between":
      return hasAggregate(e.e) || hasAggregate(e.lo) || hasAggregate(e.hi);
    default:
      return false;
  }
}

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
      throw new ExprError(`Unknown column '${e.table ? `${e.table}.` : ""}${e.name}'`);
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
    case "bin": {
      if (e.op === "AND") {
        const a = truth(ev(e.a));
        if (a === false) return 0;
        const b = truth(ev(e.b));
        return bool(a === null || b === null ? (b === false ? false : null) : a && b);
      }
      if (e.op === "OR") {
        const a = truth(ev(e.a));
        if (a === true) return 1;
        const b = truth(ev(e.b));
        return bool(b === true ? true : a === null || b === null ? null : false);
      }
      if (e.op === "XOR") {
        const a = truth(ev(e.a));
        const b = truth(ev(e.b));
        return bool(a === null || b === null ? null : a !== b);
      }
      const a = ev(e.a);
      const b = ev(e.b);
      switch (e.op) {
        case "=":
          return bool(cmp(a, b) === null ? null : cmp(a, b) === 0);
        case "<=>":
          return bool(a === null || b === null ? a === b : cmp(a, b) === 0);
        case "<>":
          return bool(cmp(a, b) === null ? null : cmp(a, b) !== 0);
        case "<":
          return bool(cmp(a, b) === null ? null : cmp(a, b)! < 0);
        case ">":
          return bool(cmp(a, b) === null ? null : cmp(a, b)! > 0);
        case "<=":
          return bool(cmp(a, b) === null ? null : cmp(a, b)! <= 0);
        case ">=":
          return bool(cmp(a, b) === null ? null : cmp(a, b)! >= 0);
        case "LIKE":
          return a === null || b === null ? null : bool(like(String(a), String(b)));
      }
      if (a === null || b === null) return null;
      switch (e.op) {
        case "+":
          return num(a) + num(b);
        case "-":
          return num(a) - num(b);
        case "*":
          return num(a) * num(b);
        case "/":
          return num(b) === 0 ? null : num(a) / num(b);
        case "DIV":
          return num(b) === 0 ? null : Math.trunc(num(a) / num(b));
        case "%":
          return num(b) === 0 ? null : num(a) % num(b);
      }
      throw new ExprError(`operator ${e.op}`);
    }
    case "isnull": {
      const v = ev(e.e);
      return bool(e.not ? v !== null : v === null);
    }
    case "in": {
      const v = ev(e.e);
      if (v === null) return null;
      const vals = e.list.flatMap((x) => (x.k === "sub" ? runSelect(x.q, env, row).rows.map((r) => r[0] ?? null) : [ev(x)]));
      const hit = vals.some((x) => cmp(v, x) === 0);
      return bool(e.not ? !hit : hit);
    }
    case "between": {
      const v = ev(e.e);
      const r = cmp(v, ev(e.lo)) !== null && cmp(v, ev(e.lo))! >= 0 && cmp(v, ev(e.hi))! <= 0;
      return bool(e.not ? !r : r);
    }
    case "sub": {
      const r = runSelect(e.q, env, row);
      return r.rows[0]?.[0] ?? null;
    }
    case "fn": {
      if (AGGREGATES.has(e.name)) {
        const rows = group ?? (row ? [row] : []);
        if (e.name === "COUNT") return e.star ? rows.length : rows.filter((r) => evaluate(e.args[0]!, env, r) !== null).length;
        const vals = rows.map((r) => evaluate(e.args[0]!, env, r)).filter((v): v is string | number => v !== null);
        if (vals.length === 0) return null;
        if (e.name === "SUM") return vals.reduce((s: number, v) => s + num(v), 0);
        if (e.name === "AVG") return vals.reduce((s: number, v) => s + num(v), 0) / vals.length;
        return vals.reduce((m, v) => ((cmp(v, m) ?? 0) * (e.name === "MIN" ? -1 : 1) > 0 ? v : m));
      }
      const args = e.args.map(ev);
      switch (e.name) {
        case "CONCAT":
          return args.some((a) => a === null) ? null : args.map(String).join("");
        case "IF":
          return truth(args[0] ?? null) ? args[1] ?? null : args[2] ?? null;
        case "IFNULL":
        case "COALESCE":
          return args.find((a) => a !== null) ?? null;
        case "UPPER":
        case "UCASE":
          return args[0] === null ? null : String(args[0]).toUpperCase();
        case "LOWER":
        case "LCASE":
          return args[0] === null ? null : String(args[0]).toLowerCase();
        case "LENGTH":
          return args[0] === null ? null : String(args[0]).length;
        case "ABS":
          return args[0] === null ? null : Math.abs(num(args[0]!));
        case "ACOS":
          return args[0] === null ? null : Math.acos(num(args[0]!));
        case "ISNULL":
          return bool(args[0] === null);
        default:
          return env.call(e.name, args);
      }
    }
  }
}

/** Joins are evaluated as cross products; bigger ones are not evaluated (the statement still runs, taking its time). */
export const MAX_JOIN_ROWS = 100_000;

/** Runs a SELECT over the environment's tables: a result set of printable values. */
export function runSelect(q: SelectQuery, env: EvalEnv, outer: Row | null = null): { columns: string[]; rows: Value[][] } {
  // a correlated subquery sees the outer row (and a routine's parameters) under its own columns
  let rows: Row[] = [new Map(outer ?? [])];
  const allCols: string[] = [];
  for (const f of q.from) {
    const t = env.rows(f.db, f.name);
    allCols.push(...t.columns);
    const alias = (f.alias ?? f.name).toLowerCase();
    if (rows.length * t.rows.length > MAX_JOIN_ROWS) throw new ExprError(`a join of more than ${MAX_JOIN_ROWS} rows is not evaluated`);
    const next: Row[] = [];
    for (const base of rows) {
      for (const r of t.rows) {
        const m = new Map(base);
        t.columns.forEach((c, i) => {
          m.set(c, r[i] ?? null);
          m.set(`${alias}.${c}`, r[i] ?? null);
        });
        next.push(m);
      }
    }
    rows = next;
  }
  if (q.where) rows = rows.filter((r) => truth(evaluate(q.where!, env, r)) === true);
  if (q.orderBy.length) {
    rows = [...rows].sort((a, b) => {
      for (const o of q.orderBy) {
        const c = cmp(evaluate(o, env, a), evaluate(o, env, b)) ?? 0;
        if (c) return c;
      }
      return 0;
    });
  }
  if (q.items === "*") {
    const out = rows.map((r) => allCols.map((c) => r.get(c) ?? null));
    return { columns: allCols, rows: q.limit !== null ? out.slice(0, q.limit) : out };
  }
  const items = q.items;
  const aggregate = items.some((it) => hasAggregate(it.e));
  if (aggregate) return { columns: items.map((i) => i.name), rows: [items.map((it) => evaluate(it.e, env, rows[0] ?? null, rows))] };
  if (q.from.length === 0) return { columns: items.map((i) => i.name), rows: [items.map((it) => evaluate(it.e, env, outer))] };
  const out = rows.map((r) => items.map((it) => evaluate(it.e, env, r)));
  return { columns: items.map((i) => i.name), rows: q.limit !== null ? out.slice(0, q.limit) : out };
}

/** How mysqltest prints a value: numbers without trailing zeros noise, NULL as NULL. */
export function formatValue(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === "number") return String(v);
  return v;
}
