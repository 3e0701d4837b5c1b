import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";

const ok = `name: ok
steps:
  - con1: BEGIN
  - con2: { send: SELECT SLEEP(1) }
  - reap: con2
expect:
  - outcome: completed
`;

function errorOf(text: string): ScenarioError {
  try {
    loadScenario(text, "x.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error("expected a ScenarioError");
}

describe("scenario loader: one error kind per test, each with file:line:column", () => {
  it("accepts a valid scenario", () => {
    expect(loadScenario(ok, "x.yaml").steps).toHaveLength(3);
  });
  it("YAML syntax", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: [unclosed\n");
    expect(e.message).toMatch(/^x\.yaml:\d+:\d+: YAML syntax/);
  });
  it("unknown top-level key, pointing at the key", () => {
    const e = errorOf("name: x\nstepz: []\n");
    expect(e.message).toMatch(/^x\.yaml:2:1: unknown key `stepz`/);
    expect(e.message).toMatch(/expected one of: name, description/);
  });
  it("wrong type", () => {
    const e = errorOf("name: x\nduration: [1]\nsteps:\n  - con1: BEGIN\n");
    expect(e.message).toMatch(/^x\.yaml:2:\d+: .*duration/);
  });
  it("unknown variable", () => {
    const e = errorOf("name: x\nvariables: { max_write_lock_cnt: 3 }\nsteps:\n  - con1: BEGIN\n");
    expect(e.message).toMatch(/^x\.yaml:2:\d+: unknown variable "max_write_lock_cnt".*did you mean max_write_lock_count/);
  });
  it("out-of-range value, with MySQL's range", () => {
    const e = errorOf("name: x\nvariables: { innodb_flush_log_at_trx_commit: 3 }\nsteps:\n  - con1: BEGIN\n");
    expect(e.message).toMatch(/^x\.yaml:2:\d+: .*range 0 to 2/);
  });
  it("unknown connection", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: BEGIN\n  - wait_state: { con9: Sleeping }\n");
    expect(e.message).toMatch(/^x\.yaml:4:\d+: unknown connection "con9"/);
  });
  it("reap without send", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: BEGIN\n  - reap: con1\n");
    expect(e.message).toMatch(/^x\.yaml:4:\d+: reap of con1, which has no statement sent/);
  });
  it("unknown error name", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: BEGIN\n    error: ER_NOPE\n");
    expect(e.message).toMatch(/^x\.yaml:4:\d+: unknown error name "ER_NOPE"/);
  });
  it("statement outside the modelled subset, naming what is supported", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: INSTALL PLUGIN x SONAME 'x.so'\n");
    expect(e.message).toMatch(/^x\.yaml:3:\d+: statement not in the modelled subset: "INSTALL PLUGIN x SONAME 'x.so'"; supported: BEGIN/);
  });
  it("bad duration", () => {
    const e = errorOf("name: x\nduration: 10 parsecs\nsteps:\n  - con1: BEGIN\n");
    expect(e.message).toMatch(/^x\.yaml:2:\d+: "10 parsecs" is not a duration/);
  });
  it("two actions in one step", () => {
    const e = errorOf("name: x\nsteps:\n  - con1: BEGIN\n    sleep: 1s\n");
    expect(e.message).toMatch(/^x\.yaml:3:\d+: a step takes one action/);
  });
  it("unknown version", () => {
    const e = errorOf('name: x\nversion: "9.9"\nsteps:\n  - con1: BEGIN\n');
    expect(e.message).toMatch(/^x\.yaml:2:\d+: unknown version "9.9"/);
  });
});

function bundled(dir = "scenarios"): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...bundled(p));
    else if (e.endsWith(".yaml")) out.push(p);
  }
  return out;
}

describe("fuzz: mutated bundled scenarios never crash the loader", () => {
  const texts = bundled().map((f) => readFileSync(f, "utf8"));
  it("each mutation gives a valid scenario or a positioned ScenarioError", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: texts.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("delete", "insert", "dup", "swap")), { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 6 }), (which, edits, junk) => {
        let t = texts[which]!;
        for (const [a, b, op] of edits) {
          const i = a % (t.length + 1);
          const n = 1 + (b % 12);
          if (op === "delete") t = t.slice(0, i) + t.slice(i + n);
          else if (op === "insert") t = t.slice(0, i) + junk + t.slice(i);
          else if (op === "dup") t = t.slice(0, i) + t.slice(i, i + n) + t.slice(i);
          else {
            const lines = t.split("\n");
            const x = a % lines.length;
            const y = b % lines.length;
            [lines[x], lines[y]] = [lines[y]!, lines[x]!];
            t = lines.join("\n");
          }
        }
        try {
          loadScenario(t, "fuzz.yaml");
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          expect(e.message).toMatch(/^fuzz\.yaml:\d+:\d+: \S/);
        }
      }),
      { numRuns: 1500, seed: 42 },
    );
  });
});

describe("JSON Schema for editors", () => {
  it("the committed schema/scenario.schema.json is the one generated from the zod schema", async () => {
    const { scenarioJsonSchema } = await import("../../src/scenario/schema.js");
    const committed = JSON.parse(readFileSync("schema/scenario.schema.json", "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
    expect(committed.properties.steps).toBeDefined();
  });
});
