// After tsc: make the CLI entry executable (so `npx mysqlsim` works straight after `npm install`)
// and write the scenario JSON Schema generated from the zod schema, for editors.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";

const bin = "dist/src/cli/main.js";
if (existsSync(bin)) chmodSync(bin, 0o755);

const { scenarioJsonSchema } = await import("../dist/src/scenario/schema.js");
mkdirSync("schema", { recursive: true });
writeFileSync("schema/scenario.schema.json", JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
