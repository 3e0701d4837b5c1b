// The one SELECT evaluator (src/mysql/sql/expr.ts): what the model's and mtr's evaluators each
// could do, now in one, with MySQL's rules for column names, NULL, truth and division.
import { describe, expect, it } from "vitest";
import { ExprError, ExprParser, runSelect, UnknownColumn, type EvalEnv, type Value } from "../../src/mysql/sql/expr.js";
import { MysqlError } from "../../src/mysql/errors.js";

const T: Record<string, { columns: string[]; rows: Value[][] }> = {
  t: { columns: ["a", "b"], rows: [[1, "x"], [2, "y"], [3, "x"], [null, "Z"]] },
  u: { columns: ["a"], rows: [[2], [3]] },
};
const vars = new Map<string, Value>();
const env: EvalEnv = {
  rows: (_db, name) => {
    const t = T[name.toLowerCase()];
    if (!t) throw new ExprError(`no table ${name}`);
    return t;
  },
  userVar: (n) => vars.get(n) ?? null,
  setUserVar: (n, v) => void vars.set(n, v),
  sysVar: (scope, name) => `${scope || "-"}:${name}`,
  call: (name) => (name === "CONNECTION_ID" ? 7 : null),
};
const q = (sql: string) => runSelect(ExprParser.of(sql).parseSelect(), env);

describe("the SELECT evaluator", () => {
  it("names columns as Item::set_name(): a string's value, a column's bare name, the text as written, the alias", () => {
    expect(q("SELECT 'abc', t.a, 1 + 2, b AS `B b`, CONNECTION_ID() id FROM t LIMIT 1").columns).toEqual(["abc", "a", "1 + 2", "B b", "id"]);
  });

  it("DISTINCT, ORDER BY ... DESC, LIMIT offset, count and LIMIT n OFFSET m", () => {
    expect(q("SELECT DISTINCT b FROM t ORDER BY b DESC").rows).toEqual([["Z"], ["y"], ["x"]]);
    expect(q("SELECT a FROM t WHERE a IS NOT NULL ORDER BY a DESC LIMIT 1, 2").rows).toEqual([[2], [1]]);
    expect(q("SELECT a FROM t WHERE a IS NOT NULL ORDER BY a LIMIT 1 OFFSET 2").rows).toEqual([[3]]);
  });

  it("integer division and AVG give div_precision_increment decimals; x/0 is NULL", () => {
    expect(q("SELECT 1/2, 7 DIV 2, 5/0, AVG(a) FROM t").rows).toEqual([["0.5000", 3, null, "2.0000"]]);
  });

  it("IS TRUE / IS FALSE / IS NULL, NOT LIKE, IN with a subquery, NULL in IN", () => {
    expect(q("SELECT 2 IS TRUE, 0 IS FALSE, NULL IS NULL, 'abc' NOT LIKE 'a%', 3 IN (SELECT a FROM u), 1 IN (2, NULL)").rows).toEqual([[1, 1, 1, 0, 1, null]]);
  });

  it("a scalar subquery of more than one row is ER_SUBQUERY_NO_1_ROW; an unknown column names its clause", () => {
    expect(() => q("SELECT (SELECT a FROM u)")).toThrow(MysqlError);
    expect(() => q("SELECT (SELECT a FROM u)")).toThrow(/more than 1 row/);
    expect(() => q("SELECT nope FROM t")).toThrow(UnknownColumn);
    try {
      q("SELECT a FROM t WHERE nope = 1");
    } catch (e) {
      expect((e as UnknownColumn).clause).toBe("where clause");
    }
  });

  it("comments, backquoted names, LENGTH in bytes, COUNT(DISTINCT), user and system variables", () => {
    expect(q("SELECT /* c */ COUNT(DISTINCT `b`) FROM t -- tail\n").rows).toEqual([[3]]);
    expect(q("SELECT LENGTH('é'), @x := 5, @x + 1, @@global.debug, @@lock_wait_timeout").rows).toEqual([[2, 5, 6, "global:debug", "-:lock_wait_timeout"]]);
  });

  it("what it cannot read is an ExprError: JOIN, GROUP BY, derived tables", () => {
    for (const s of ["SELECT * FROM t JOIN u", "SELECT b, COUNT(*) FROM t GROUP BY b", "SELECT * FROM (SELECT 1) x"]) expect(() => q(s)).toThrow(ExprError);
  });
});
