/**
 * `npm run bench`: runs the quick benchmarks in bench/ in turn (each prints its own figures).
 * `npm run bench -- NAME` runs those whose file name contains NAME, including the long ones:
 * explore-strategies (~30 min), binlog-window (~15 min) and binlog-time-to-hang (hours), left out
 * of the default run.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const LONG = ["explore-strategies", "binlog-time-to-hang", "binlog-window"];
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const f of readdirSync(here).sort()) {
  if (!f.endsWith(".js") || f.startsWith("run-all")) continue;
  if (only ? !f.includes(only) : LONG.some((l) => f.startsWith(l))) continue;
  console.log(`\n== bench/${f.replace(/\.js$/, ".ts")}`);
  await import(pathToFileURL(join(here, f)).href);
}
