// Issue 21: what a new user meets first. The compiled binary, in a child process.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "dist/src/cli/main.js";
function mysqlsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), "mysqlsim-trust-"));
const SCEN = "scenarios/examples/sleep-and-send.yaml";
const HANG = "scenarios/binlog/bug68569-explore.yaml";

/** 256 clients committing for a virtual day: minutes of wall time unless bounded. */
const LONG = join(tmp, "long.yaml");
writeFileSync(LONG, `name: long
duration: 100000s
threads:
  committer: { count: 256, loop: [BEGIN, "INSERT INTO t VALUES (?)", COMMIT] }
`);

function write(name: string, text: string): string {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
}

describe("bad input is exit 2 with a position, never an internal error", () => {
  const cases: [string, string, RegExp][] = [
    ["alias bomb", "name: x\na: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nsteps:\n  - con1: BEGIN\n", /:3:\d+: aliases expand to too much data/],
    ["undefined alias", "name: x\nsteps:\n  - con1: *nothere\n", /:3:11: \*nothere refers to no anchor/],
    ["deep flow nesting", `name: x\ndescription: ${"[".repeat(5000)}${"]".repeat(5000)}\nsteps:\n  - con1: BEGIN\n`, /:2:\d+: nesting too deep/],
    ["nesting past the limit", `name: x\ndescription: ${"[".repeat(70)}${"]".repeat(70)}\nsteps:\n  - con1: BEGIN\n`, /:2:\d+: nesting too deep: more than 64 levels/],
    ["cpu_quota", 'name: x\nmachine: { cpus: 2, cpu_quota: "0x7fffffff%" }\nworkload: { sysbench: { test: oltp_update_index, threads: 2, time: 1s } }\n', /:2:32: cpu_quota "0x7fffffff%": expected a percentage/],
    ["setup INSERT into a missing table", "name: x\nsetup:\n  - INSERT INTO t VALUES (1)\nsteps:\n  - con1: BEGIN\n", /:3:5: INSERT into test\.t, which setup has not created/],
    ["__proto__ key", "name: x\n__proto__: { a: 1 }\nsteps:\n  - con1: BEGIN\n", /:2:1: key `__proto__` is reserved/],
    ["constructor key", "name: x\nsteps:\n  - con1: BEGIN\n    constructor: 1\n", /:4:5: key `constructor` is reserved/],
    ["a list for a mapping", "name: x\nvariables: [1]\nsteps:\n  - con1: BEGIN\n", /:2:12: `variables` is a list; expected a mapping \(key: value\)/],
    [".nan for a duration", "name: x\nduration: .nan\nsteps:\n  - con1: BEGIN\n", /:2:11: `duration` is not a number \(\.nan\); expected a string or a number/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const r = mysqlsim("validate", write(`${what.replace(/\W+/g, "-")}.yaml`, text));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error|Maximum call stack/);
    });
  }

  it("invalid UTF-8 is reported at its line and column", () => {
    const f = join(tmp, "latin1.yaml");
    writeFileSync(f, Buffer.concat([Buffer.from("name: x\ndescription: caf"), Buffer.from([0xe9]), Buffer.from("\nsteps:\n  - con1: BEGIN\n")]));
    const r = mysqlsim("validate", f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/latin1\.yaml:2:17: invalid UTF-8 \(bytes e9/);
  });
});

describe("validate reports every mistake in one run, with did-you-mean", () => {
  it("meaning errors: all of them, in file order", () => {
    const f = write("many.yaml", "name: x\nduration: 10 parsecs\nvariables: { max_write_lock_cnt: 3 }\nsteps:\n  - con1: BEGIN\n  - con1: INSTALL PLUGIN p SONAME 'p.so'\n  - reap: con3\n");
    const r = mysqlsim("validate", f);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/many\.yaml:2:11: "10 parsecs" is not a duration/);
    expect(lines[1]).toMatch(/many\.yaml:3:14: unknown variable "max_write_lock_cnt".*did you mean max_write_lock_count/);
    expect(lines[2]).toMatch(/many\.yaml:6:11: statement not in the modelled subset/);
    expect(lines[3]).toMatch(/many\.yaml:7:11: unknown connection "con3"/);
  });
  it("structure errors: all of them, misspelt keys and values with a guess", () => {
    const f = write("keys.yaml", "name: x\nstepz: []\nsteps:\n  - con2: { sned: SELECT 1 }\nexpect:\n  - outcome: hung\n");
    const r = mysqlsim("validate", f, "--json");
    expect(r.code).toBe(2);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(j.files[0].errors.map((e: { line: number; problem: string }) => [e.line, e.problem.replace(/;.*/, "")])).toEqual([
      [2, "unknown key `stepz` in the top level (did you mean `steps`?)"],
      [4, "unknown key `sned` in `steps.0.con2` (did you mean `send`?)"],
      [6, '`expect.0.outcome`: "hung" is not allowed (did you mean "hang"?)'],
    ]);
  });
  it("--set names get a guess too", () => {
    const r = mysqlsim("run", SCEN, "--set", "max_write_lock_cnt=3");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown variable "max_write_lock_cnt" \(did you mean max_write_lock_count\?\)/);
  });
});

describe("--json is one line", () => {
  it("run, explore, validate, list print one JSON line each", () => {
    for (const args of [["run", SCEN], ["explore", SCEN, "--strategy", "random", "--runs", "3"], ["validate", SCEN], ["list"], ["list", "--variables"]]) {
      const r = mysqlsim(...args, "--json");
      const lines = r.stdout.trim().split("\n");
      expect(lines, args.join(" ")).toHaveLength(1);
      JSON.parse(lines[0]!);
    }
  });
  it("bad input under --json: a JSON error object on stdout, the message on stderr", () => {
    const r = mysqlsim("run", SCEN, "--json", "--set", "nope=1");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: expect.stringMatching(/unknown variable "nope"/), exit_code: 2 });
    expect(r.stderr).toMatch(/unknown variable "nope"/);
    const u = mysqlsim("run", "--json");
    expect(u.code).toBe(2);
    expect(JSON.parse(u.stdout).exit_code).toBe(2);
  });
});

describe("bounded runs", () => {
  it("--max-steps stops a long run with outcome limit and exit 1", () => {
    const r = mysqlsim("run", LONG, "--max-steps", "200000", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe("limit");
    expect(j.message).toMatch(/stopped by the step limit \(--max-steps 200000\)/);
  });
  it("--max-wall stops it after about that long", () => {
    const t0 = Date.now();
    const r = mysqlsim("run", LONG, "--max-wall", "1s", "-q");
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stdout).toMatch(/^outcome: limit/);
    expect(r.stdout).toMatch(/stopped by --max-wall 1s after \d+\.\d s of wall time/);
  });
  it("--trace-max stops it when the trace reaches the size, keeping a valid trace up to there", () => {
    const trace = join(tmp, "capped.jsonl");
    const r = mysqlsim("run", LONG, "--trace", trace, "--trace-max", "2MB", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).message).toMatch(/stopped by --trace-max 2MB: the trace reached \d/);
    const size = readFileSync(trace).length;
    expect(size).toBeGreaterThan(2 << 20);
    expect(size).toBeLessThan(64 << 20);
  });
  it("bad limits are bad input", () => {
    expect(mysqlsim("run", SCEN, "--max-wall", "soon").code).toBe(2);
    expect(mysqlsim("run", SCEN, "--trace-max", "big").code).toBe(2);
  });
});

/** Starts the binary, waits until `ready` holds, sends `signal`, and resolves with the result. */
function interrupt(args: string[], signal: NodeJS.Signals, ready: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const started = Date.now();
    const poll = setInterval(() => {
      if (ready() || Date.now() - started > 15_000) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("interrupts are clean", () => {
  it("SIGINT on run --trace removes the temporary file, exits 130 with a one-line summary", async () => {
    const dir = mkdtempSync(join(tmp, "sigint-"));
    const trace = join(dir, "x.jsonl");
    const r = await interrupt(["run", LONG, "--trace", trace], "SIGINT", () => readdirSync(dir).some((f) => f.includes(".tmp-")));
    expect(r.code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^interrupted by SIGINT at .* virtual of 100000 s, [\d,]+ steps; no trace written/);
  });
  it("SIGTERM exits 143", async () => {
    const dir = mkdtempSync(join(tmp, "sigterm-"));
    const r = await interrupt(["run", LONG, "--trace", join(dir, "x.jsonl"), "--report", join(dir, "r.html")], "SIGTERM", () => readdirSync(dir).length > 0);
    expect(r.code).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  });
  it("Ctrl-C on explore prints the counts so far", async () => {
    const t0 = Date.now();
    const r = await interrupt(["explore", SCEN, "--strategy", "random", "--runs", "100000000"], "SIGINT", () => Date.now() - t0 > 4000);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^random: \d+ of 100000000 run\(s\) \(interrupted by SIGINT\) in [\d.]+ s .*, 0 failing\nno failing run found so far/);
  });
});

describe("explore prints a summary and the replay line", () => {
  it("by default no narrative; --narrative adds it", () => {
    const short = mysqlsim("explore", HANG, "--strategy", "random", "--runs", "2000");
    expect(short.code).toBe(1);
    expect(short.stdout.trim().split("\n").length).toBeLessThan(8);
    expect(short.stdout).toMatch(/reproduce: npx mysqlsim replay \S+ --seed \d+ --schedule s2\.\S+\n/);
    const long = mysqlsim("explore", HANG, "--strategy", "random", "--runs", "2000", "--narrative");
    expect(long.stdout.split("\n").length).toBeGreaterThan(30);
  });
});

describe("one convention for outputs", () => {
  it("explore --report writes the failing run's report, and its pasted replay line writes it again", () => {
    const report = join(tmp, "explore.html");
    const r = mysqlsim("explore", HANG, "--strategy", "random", "--runs", "2000", "--report", report);
    expect(r.code).toBe(1);
    const first = readFileSync(report, "utf8");
    const line = /reproduce: npx mysqlsim (replay .*)$/m.exec(r.stdout)![1]!;
    expect(line).toContain(`--report ${report}`);
    writeFileSync(report, "");
    const again = mysqlsim(...line.split(" "));
    expect(again.code).toBe(1);
    expect(readFileSync(report, "utf8")).toBe(first);
  });
  it("replay takes --report and --trace, and its reproduce line carries them", () => {
    const first = JSON.parse(mysqlsim("run", SCEN, "--json").stdout);
    const report = join(tmp, "replay.html");
    const trace = join(tmp, "replay.jsonl");
    const r = mysqlsim("replay", SCEN, "--schedule", first.schedule, "--report", report, "--trace", trace);
    expect(r.code).toBe(0);
    expect(readFileSync(report, "utf8")).toMatch(/^<!doctype html>/i);
    expect(existsSync(trace)).toBe(true);
    expect(r.stdout).toContain(`--trace ${trace} --report ${report}`);
  });
  it("sweep -o / --output (--out still works), merge -o", () => {
    const a = join(tmp, "a.jsonl");
    const b = join(tmp, "b.jsonl");
    expect(mysqlsim("sweep", SCEN, "--seeds", "2", "--shard", "1/2", "-o", a, "-q").code).toBe(0);
    expect(mysqlsim("sweep", SCEN, "--seeds", "2", "--shard", "2/2", "--out", b, "-q").code).toBe(0);
    const m = join(tmp, "m.jsonl");
    expect(mysqlsim("merge", a, b, "-o", m).code).toBe(0);
    expect(readFileSync(m, "utf8").trim().split("\n")).toHaveLength(2);
  });
});

describe("run --set takes scenario keys, as sweep prints them", () => {
  it("machine.cpu_quota and duration are accepted; a bad value is bad input naming the key", () => {
    const f = write("cpu.yaml", "name: cpu\nmachine: { cpus: 2 }\nsteps:\n  - con1: SELECT SLEEP(1)\n");
    expect(mysqlsim("run", f, "--set", "machine.cpu_quota=150%", "--set", "duration=5s", "-q").code).toBe(0);
    const bad = mysqlsim("run", f, "--set", "machine.cpu_quota=0x7fffffff%");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--set machine\.cpu_quota=0x7fffffff%: the scenario rejects it: cpu_quota/);
  });
});

describe("--help", () => {
  it("examples never wrap inside a path, and every option has a description", () => {
    expect(mysqlsim("sweep", "--help").stdout).toContain("mysqlsim sweep scenarios/mdl/fk-alter-starvation.yaml --set max_write_lock_count=1,10,100 --seeds 5");
    expect(mysqlsim("explore", "--help").stdout).toContain("mysqlsim explore scenarios/binlog/bug68569-explore.yaml --strategy random --runs 500 --shrink");
    for (const cmd of ["run", "explore", "replay", "validate", "list", "render", "sweep", "merge"]) {
      const h = mysqlsim(cmd, "--help").stdout;
      for (const line of h.split("\n")) {
        if (/^\s+mysqlsim \w+ .*\//.test(line)) expect(line, `${cmd}: ${line}`).toMatch(/(\.ya?ml|\.jsonl|shard-\*\.jsonl)\b/);
        const opt = /^\s+(-\w, )?--[\w-]+(, --[\w-]+)*\s*(.*)$/.exec(line);
        if (opt) expect(opt[3]!.replace(/\[[^\]]*\]/g, "").trim(), `${cmd}: ${line}`).not.toBe("");
      }
    }
  });
});

describe("list --variables", () => {
  it("prints exact 64-bit defaults, units and per-version defaults", () => {
    const text = mysqlsim("list", "--variables").stdout;
    expect(text).toMatch(/max_write_lock_count\s+18446744073709551615\s/);
    expect(text).toMatch(/table_open_cache\s+4000 \(5\.6: 2000, 5\.7: 2000\)/);
    expect(text).toMatch(/lock_wait_timeout\s+31536000\s+s\s+dynamic/);
    const j = JSON.parse(mysqlsim("list", "--variables", "--json").stdout) as { name: string; default: string; max?: string }[];
    expect(j.find((v) => v.name === "max_write_lock_count")).toMatchObject({ default: "18446744073709551615", max: "18446744073709551615" });
  });
});
