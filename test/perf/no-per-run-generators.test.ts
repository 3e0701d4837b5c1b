/**
 * Issue 20: no generator function is made per run. On Node 20 (V8 11.3) a generator function
 * object gets its own map the first time it is called; the map lives in the old generation and
 * points to the function, whose context holds what the enclosing function captured (the server,
 * the kernel, every model): the whole run then survives each minor GC until the next full one.
 * Module-level `function*` and class generator methods are made once. This test finds, with the
 * TypeScript parser, every generator that is neither: a nested `function*`, a `function*`
 * expression inside a function, a generator method of an object literal made inside a function.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");

/**
 * Generators made once per long run (a sysbench run of 60 s virtual, one mtr file): one retained
 * map per run is nothing against the run. Each entry: file, function name (or "(anonymous)").
 */
const ALLOWED: readonly string[] = [
  "mtr/run.ts (anonymous)", // the mysqltest thread of one .test file
  "mysql/workload/sysbench.ts (anonymous)", // a sysbench connection of one 60 s workload run
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** "file:line name" of each generator made per call of its enclosing function */
export function perCallGenerators(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node, insideFunction: boolean): void => {
    const generator = (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined;
    // made once unless some function encloses it (a class's methods are made with the class)
    if (generator && insideFunction) {
      const line = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      found.push(`${file}:${line} ${n.name?.getText(sf) ?? "(anonymous)"}`);
    }
    const fn = ts.isFunctionLike(n) && !ts.isClassLike(n);
    ts.forEachChild(n, (c) => visit(c, insideFunction || fn));
  };
  visit(sf, false);
  return found;
}

describe("no generator function made per run (issue 20: V8 map retention)", () => {
  it("finds the kinds it must find", () => {
    const bad = [
      "function outer() { function* a() {} return a; }",
      "export function outer() { return { *b() {} }; }",
      "function outer() { spawn(function* () {}); }",
      "class C { m() { const g = function* () {}; } }",
      "function outer() { return class { *m() {} }; }",
    ];
    for (const text of bad) expect(perCallGenerators("x.ts", text)).toHaveLength(1);
    const good = "function* top() {}\nclass C { *m() {} static *s() {} }\nexport const o = { *lit() {} };";
    expect(perCallGenerators("x.ts", good)).toEqual([]);
  });

  it("src/ has none outside the allowed long-run ones", () => {
    const found = tsFiles(SRC).flatMap((p) => perCallGenerators(relative(SRC, p), readFileSync(p, "utf8")));
    const unexpected = found.filter((f) => !ALLOWED.includes(f.replace(/:\d+ /, " ")));
    expect(unexpected).toEqual([]);
  });
});
