// Every bundled scenario is run once and its `expect` list checked: one generated test per file.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";

function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...scenarioFiles(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

const files = scenarioFiles("scenarios");

describe("bundled scenarios", () => {
  it("there are bundled scenarios to run", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const sc = loadScenarioFile(file);
      expect(sc.expect.length, `${file} has no expectations`).toBeGreaterThan(0);
      const { report } = runScenario(sc, { seed: 1, keepRecords: 0 });
      const failed = report.expectations.filter((e) => !e.ok).map((e) => `${e.text} -- ${e.actual ?? ""}`);
      expect(failed, `reproduce: npx mysqlsim run ${file} --seed 1`).toEqual([]);
    });
  }
});
