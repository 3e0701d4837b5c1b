/**
 * `npm run bench`: runs the quick benchmarks in bench/ in turn, each in its own process (each
 * prints its own figures; bench/harness.ts). `npm run bench -- NAME [ARGS...]` runs those whose
 * file name contains NAME, including the long ones: explore-strategies (~30 min), binlog-window
 * (~15 min) and binlog-time-to-hang (hours), left out of the default run. ARGS go to each bench: its own
 * positional arguments and the harness's options (--pairs N, --warmup N, --warmup-runs N,
 * --runs N, --pin CPUS, --json FILE).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const LONG = ["explore-strategies", "binlog-time-to-hang", "binlog-window", "seed001-accept"];
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args[0] !== undefined && !args[0].startsWith("--") ? args.shift() : undefined;
const benches = readdirSync(here)
  .sort()
  .filter((f) => f.endsWith(".js") && !f.startsWith("run-all") && !f.startsWith("harness"))
  .filter((f) => (only ? f.includes(only) : !LONG.some((l) => f.startsWith(l))));
if (benches.length === 0) {
  console.error(`no bench in bench/ matches ${only}`);
  process.exit(2);
}
let failed = 0;
for (const f of benches) {
  console.log(`\n== bench/${f.replace(/\.js$/, ".ts")}`);
  const r = spawnSync(process.execPath, [join(here, f), ...args], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
