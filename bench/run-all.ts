/** `npm run bench`: runs every benchmark in bench/ in turn (each prints its own figures). */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const f of readdirSync(here).sort()) {
  if (!f.endsWith(".js") || f.startsWith("run-all") || (only && !f.includes(only))) continue;
  console.log(`\n== bench/${f.replace(/\.js$/, ".ts")}`);
  await import(pathToFileURL(join(here, f)).href);
}
