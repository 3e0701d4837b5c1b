/**
 * What one lean exploration run costs (issue 20): CPU and wall µs a run of `scenarioRunFn`
 * (explore's run, pct), and the KB a run that survive two minor GCs (what every scavenge copies
 * and promotes: a finished run should leave nothing; docs/sweep.md, "A fourth pass"), with a
 * digest of the runs' steps and verdicts so two builds can be compared run for run:
 *
 *   node dist/bench/run-cost.js [FILE=scenarios/conformance/DL-01.yaml] [N=3000] [DIST]
 *
 * DIST is a build's dist/ directory (default: this one's), e.g. a copy of main's: run the two in
 * alternating processes; the digests must be equal.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const [fileArg, nArg, distArg] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const file = resolve(fileArg ?? join(here, "../../scenarios/conformance/DL-01.yaml"));
const N = Number(nArg ?? 3000);
const dist = resolve(distArg ?? join(here, ".."));
const load = async (p: string): Promise<any> => import(pathToFileURL(join(dist, p)).href);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as (o?: { type: "minor" | "major" }) => void;
const { scenarioRunFn, schedulerFor } = await load("src/explore/index.js");
const { loadScenarioFile } = await load("src/scenario/loader.js");
const run = scenarioRunFn(loadScenarioFile(file));
const once = (i: number): { steps?: number; failed: boolean } => run(schedulerFor("pct", i, { steps: 160 }), i);

for (let i = 0; i < 200; i++) once(i); // warm-up
// kept past minor GCs: a batch of runs, then two scavenges
gc();
gc();
const before = process.memoryUsage().heapUsed;
const batch = Math.min(N, 200);
for (let i = 0; i < batch; i++) once(i);
gc({ type: "minor" });
gc({ type: "minor" });
const keptKb = (process.memoryUsage().heapUsed - before) / batch / 1024;

gc();
let digest = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const r = once(i);
  digest = (Math.imul(digest, 31) + (r.steps ?? 0) + (r.failed ? 7 : 0)) >>> 0;
}
const wallUs = ((performance.now() - t0) * 1000) / N;
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({ file: fileArg ?? "scenarios/conformance/DL-01.yaml", runs: N, cpu_us_per_run: Math.round((c.user + c.system) / N), wall_us_per_run: Math.round(wallUs), runs_per_s: Math.round(1e6 / wallUs), kept_past_minor_gc_kb_per_run: Math.round(keptKb * 10) / 10, digest: digest.toString(16) }),
);
