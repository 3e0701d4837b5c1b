// Makes the compiled CLI entry executable, so `npx mysqlsim` works straight after `npm install`.
import { chmodSync, existsSync } from "node:fs";
const bin = "dist/src/cli/main.js";
if (existsSync(bin)) chmodSync(bin, 0o755);
