// Mutated bundled scenarios, loaded and run in-process the way the CLI does: every one is a clean
// exit (0, 1) or bad input (2, a positioned ScenarioError), never an internal error (3) or a run
// that ends in outcome "error" (a model threw).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadScenario, ScenarioError } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { MS } from "../../src/kernel/time.js";

function bundled(dir = "scenarios"): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...bundled(p));
    else if (e.endsWith(".yaml")) out.push(p);
  }
  return out;
}

/** What the CLI would exit with for this text; "internal: ..." for what would be exit 3. */
export function exitCodeOf(text: string): number | string {
  let sc;
  try {
    sc = loadScenario(text, "fuzz.yaml");
  } catch (e) {
    // every mistake of the file in one message, each on a line of its own with its position
    if (e instanceof ScenarioError) return e.message.split("\n").every((l) => /^fuzz\.yaml:\d+:\d+: \S/.test(l)) && e.all.length === e.message.split("\n").length ? 2 : `internal: unpositioned ${e.message}`;
    return `internal (load): ${(e as Error).stack}`;
  }
  // bounded, as --max-steps would: a mutation may ask for 4096 looping threads for a day
  sc.durationNs = Math.min(sc.durationNs, 200 * MS);
  sc.hangAfterNs = Math.min(sc.hangAfterNs, 50 * MS);
  if (sc.workload) {
    sc.workload.sysbench.timeNs = Math.min(sc.workload.sysbench.timeNs, 20 * MS);
    sc.workload.sysbench.warmupNs = Math.min(sc.workload.sysbench.warmupNs, 5 * MS);
    sc.workload.sysbench.threads = Math.min(sc.workload.sysbench.threads, 8);
  }
  for (const t of sc.threads) t.count = Math.min(t.count, 8);
  try {
    const { report } = runScenario(sc, { seed: 1, noTrace: true, maxSteps: 20_000 });
    if (report.outcome === "error") return `internal (run): outcome error: ${report.message}`;
    return report.expectations.every((e) => e.ok) ? 0 : 1;
  } catch (e) {
    return `internal (run): ${(e as Error).stack}`;
  }
}

const INTERESTING: unknown[] = [
  0, -1, 1, 2, 4096, 4097, 1e308, -1e308, 0.5, "", " ", "0", "-1", "1e999", "0x7fffffff%", "100%", "0%", "-5%", "1ms", "100000s", "0s", "-1s", "1 parsec",
  null, true, false, [], {}, [null], { a: 1 }, "BEGIN", "COMMIT", "INSERT INTO nope VALUES (1)", "SELECT SLEEP(1)", "FLUSH BINARY LOGS", "ER_LOCK_DEADLOCK",
  "Waiting for table metadata lock", "Waiting for table metdata lock", "query end", "waiting for handler commit", "User lock", "con1", "con9", "__proto__", "constructor", "now SIGNAL go", "x".repeat(300), "é\u0000\u202e", "5.6.12", "9.9",
];
const KEYS = ["sned", "send", "stepz", "loop", "count", "iterations", "error", "timeout", "cpu_quota", "cpus", "con1", "con2", "reap", "sleep", "wait_state", "state", "outcome", "threads", "__proto__", "constructor", "repeat", "workload"];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into a value, for picking a place to mutate. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) paths(v[k]!, [...at, k], out);
  return out;
}

function mutate(root: Json, op: number, where: number, pick: number): Json {
  const all = paths(root);
  const path = all[where % all.length]!;
  if (path.length === 0) return root;
  const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1]!;
  const value = INTERESTING[pick % INTERESTING.length] as Json;
  switch (op % 6) {
    case 0: // delete
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Record<string, Json>)[key];
      break;
    case 1: // replace with an interesting value
      (parent as Record<string | number, Json>)[key] = structuredClone(value);
      break;
    case 2: // duplicate a list item, or copy a value under a new key
      if (Array.isArray(parent)) parent.splice(Number(key), 0, structuredClone(parent[Number(key)]!));
      else (parent as Record<string, Json>)[KEYS[pick % KEYS.length]!] = structuredClone((parent as Record<string, Json>)[key]!);
      break;
    case 3: // rename a key
      if (!Array.isArray(parent)) {
        const v = (parent as Record<string, Json>)[key]!;
        delete (parent as Record<string, Json>)[key];
        (parent as Record<string, Json>)[KEYS[pick % KEYS.length]!] = v;
      }
      break;
    case 4: // wrap the value in a list or a mapping
      (parent as Record<string | number, Json>)[key] = pick % 2 ? [(parent as Record<string | number, Json>)[key]!] : { [KEYS[pick % KEYS.length]!]: (parent as Record<string | number, Json>)[key]! };
      break;
    default: // a number pushed to an extreme
      if (typeof (parent as Record<string | number, Json>)[key] === "number") (parent as Record<string | number, Json>)[key] = [0, -1, 2 ** 31, 2 ** 53, 4096][pick % 5]!;
      else (parent as Record<string | number, Json>)[key] = structuredClone(value);
  }
  return root;
}

/** Damage YAML structure itself, which object mutations cannot reach. */
const TEXT_ATTACKS: ((t: string) => string)[] = [
  (t) => t,
  (t) => `${t}\nx: &a [1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
  (t) => `${t}\ndescription: ${"[".repeat(3000)}${"]".repeat(3000)}\n`,
  (t) => `${t}\ndescription: ${"[".repeat(80)}${"]".repeat(80)}\n`,
  (t) => t.replace(/: (\w+)/, ": *undefined_anchor"),
  (t) => `${t}\n__proto__: { polluted: 1 }\n`,
  (t) => t.replace("name:", "name: \udc00"),
  (t) => t.slice(0, Math.floor(t.length / 2)),
];

describe("fuzz: mutated scenarios, loaded and run, exit 0, 1 or 2", () => {
  const sources = bundled().map((f) => parse(readFileSync(f, "utf8")) as Json);
  it("no mutation gives an internal error", () => {
    const counts = { 0: 0, 1: 0, 2: 0 } as Record<number, number>;
    fc.assert(
      fc.property(
        fc.nat(sources.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 2 }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(TEXT_ATTACKS.length - 1) }),
        (which, edits, attack) => {
          let doc = structuredClone(sources[which]!);
          for (const [op, where, pick] of edits) doc = mutate(doc, op, where, pick);
          const text = TEXT_ATTACKS[attack]!(stringify(doc));
          const code = exitCodeOf(text);
          if (typeof code === "string") throw new Error(`${code}\n--- scenario ---\n${text.slice(0, 3000)}`);
          counts[code]!++;
          if (process.env.FUZZ_COUNTS) console.log(code);
          expect([0, 1, 2]).toContain(code);
        },
      ),
      { numRuns: 400, seed: 21 },
    );
    // the mutations reach both the loader's errors and the runner
    expect(counts[2]).toBeGreaterThan(50);
    expect(counts[0]! + counts[1]!).toBeGreaterThan(40);
  });

  it("invalid UTF-8 bytes are a positioned error, not replaced silently", async () => {
    const { decodeUtf8 } = await import("../../src/scenario/loader.js");
    const bytes = Buffer.concat([Buffer.from("name: x\ndescription: ab"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]);
    expect(() => decodeUtf8(bytes, "u.yaml")).toThrow(/^u\.yaml:2:16: invalid UTF-8 \(bytes ff fe/);
    expect(decodeUtf8(Buffer.from("name: é\n"), "u.yaml")).toBe("name: é\n");
  });
});
