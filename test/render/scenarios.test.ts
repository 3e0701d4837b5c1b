// The bundled scenarios of the workshop, run and rendered in every format: nothing throws, and
// each picture shows what its exercise asks the room to look for.
import { describe, expect, it } from "vitest";
import { RENDER_FORMATS, renderTrace } from "../../src/render/index.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import type { TraceRecord } from "../../src/trace/record.js";

const WORKSHOP: Record<string, (out: Record<string, string>, records: TraceRecord[]) => void> = {
  "scenarios/binlog/bug68569-lost-wakeup.yaml": (out) => {
    expect(out.svg).toContain(`data-ending="hang"`);
    expect(out.svg).toMatch(/<path class="mk-lost_signal" data-mark="lost_signal"[^>]*><title>[^<]*m_prep_xids_cond[^<]*the lost wake-up/);
    expect(out.html).toMatch(/<svg[^>]*id="wait-for-graph"[\s\S]*m_prep_xids_cond[\s\S]*last signal lost/);
    expect(out.mermaid).toMatch(/-\)m_prep_xids_cond: signal, nobody waits/);
  },
  "scenarios/mdl/fk-alter-starvation.yaml": (out) => {
    expect(out.svg).toMatch(/class="c-mdl"/);
    expect(out.mermaid).toMatch(/waits \(Waiting for table metadata lock\)/);
    expect(out.html).not.toContain(`id="no-mdl"`);
  },
  "scenarios/ftwrl/long-select-stall.yaml": (out) => {
    expect(out.svg).toContain("FLUSH TABLES WITH READ LOCK");
    expect(out.svg).toMatch(/class="c-flush"/);
    expect(out.chrome).toContain("Waiting for table flush");
  },
  "scenarios/cpu/cfs-spin.yaml": (out) => {
    expect(out.svg).toMatch(/class="c-cpu"/);
  },
  "scenarios/files/efs-table-241.yaml": (out) => {
    expect(out.svg).toMatch(/data-mark="error"/);
    expect(out.html).toContain("CREATE TABLE");
  },
};

describe("workshop scenarios render in every format", () => {
  for (const [file, check] of Object.entries(WORKSHOP)) {
    it(file, () => {
      const { trace } = runScenario(loadScenarioFile(file), { seed: 1 });
      const records = trace!.records;
      const out: Record<string, string> = {};
      for (const f of RENDER_FORMATS) out[f] = renderTrace(records, f);
      JSON.parse(out.chrome!);
      expect(out.html!.match(/<script/g)).toHaveLength(2);
      check(out, records);
    });
  }
});
