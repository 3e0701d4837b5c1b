/**
 * mysqlsim mtr speed (issue 19): wall time of running a mysqltest file to its end with
 * --continue, for MySQL 5.7's kill, flush_read_lock and mdl_sync tests (../shared/mtr, when
 * present; the acceptance bound is 10 s each) and the project's own test/mtr files. Prints, per
 * file, the median of ROUNDS runs: wall seconds, simulation steps per second, mysqltest commands
 * per second, and the result lines matching MySQL's recorded .result.
 *
 *   node dist/bench/mtr.js [ROUNDS=3]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { compareResults } from "../src/mtr/compare.js";
import { runMtr, versionFromPath } from "../src/mtr/run.js";

const ROUNDS = Number(process.argv[2] ?? 3);
const SHARED = "../shared/mtr/mysql-5.7.35";
const files: { test: string; result: string | null; basedir: string }[] = [];
for (const n of ["kill", "flush_read_lock", "mdl_sync"]) {
  if (existsSync(`${SHARED}/t/${n}.test`)) files.push({ test: `${SHARED}/t/${n}.test`, result: `${SHARED}/r/${n}.result`, basedir: SHARED });
}
if (!files.length) console.log(`(${SHARED} is absent: only the project's own test files)`);
for (const f of readdirSync("test/mtr/t").sort()) files.push({ test: `test/mtr/t/${f}`, result: existsSync(`test/mtr/r/${f.replace(/\.test$/, ".result")}`) ? `test/mtr/r/${f.replace(/\.test$/, ".result")}` : null, basedir: "test/mtr" });

const read = (p: string): string | null => (existsSync(p) && statSync(p).isFile() ? readFileSync(p, "utf8") : null);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

console.log(`mtr benchmark: median of ${ROUNDS} runs per file, --continue`);
console.log(`${"file".padEnd(52)} ${"wall s".padStart(8)} ${"steps/s".padStart(11)} ${"cmds/s".padStart(10)}  matching lines`);
for (const f of files) {
  const walls: number[] = [];
  let last: ReturnType<typeof runMtr> | null = null;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    last = runMtr({ file: resolve(f.test), basedir: resolve(f.basedir), version: versionFromPath(resolve(f.test)), continueOnError: true, readFile: read, resolve, dirname });
    walls.push((performance.now() - t0) / 1000);
  }
  const w = median(walls);
  const cmp = f.result && last ? compareResults(readFileSync(f.result, "utf8"), last.output) : null;
  const match = cmp ? `${cmp.matching} / ${cmp.total} (${((100 * cmp.matching) / cmp.total).toFixed(1)} %)` : "-";
  console.log(`${join(f.test).padEnd(52)} ${w.toFixed(3).padStart(8)} ${Math.round(last!.steps / w).toLocaleString("en-US").padStart(11)} ${Math.round(last!.commands / w).toLocaleString("en-US").padStart(10)}  ${match}`);
}
