// Golden narratives: the text a person reads after `mysqlsim run`, for two small scenarios.
// Regenerate after an intended change with UPDATE_GOLDEN=1 npx vitest run test/scenario/narrative-golden.test.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { narrative } from "../../src/render/narrative.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

const cases = [
  ["scenarios/examples/sleep-and-send.yaml", "test/scenario/golden/sleep-and-send.txt"],
  ["scenarios/binlog/bug68569-lost-wakeup.yaml", "test/scenario/golden/bug68569-lost-wakeup.txt"],
] as const;

describe("golden narratives", () => {
  for (const [scenario, golden] of cases) {
    it(scenario, () => {
      const art = runScenario(loadScenarioFile(scenario), { seed: 1 });
      const text = narrative(art.trace!.records).join("\n") + "\n";
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }
});
