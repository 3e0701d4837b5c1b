// The HTML report: self-contained, everything from the trace escaped, the processlist and
// metadata_locks derived at a moment, the wait-for graph of a hang.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { momentAt, renderTrace } from "../../src/render/index.js";
import { jsonForScript } from "../../src/render/html.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { runScenario } from "../../src/scenario/run.js";
import { lostWakeupTrace, mdlVictimTrace, mutexDeadlockTrace, XSS_SQL } from "./fixtures.js";

describe("HTML report", () => {
  it("escapes a statement carrying <script>: it stays text", () => {
    const html = renderTrace(lostWakeupTrace(XSS_SQL), "html");
    expect(html).not.toContain("<script>window.__xss");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>&amp;");
    // only the page's own two script elements (the data and the code)
    expect(html.match(/<script/g)).toHaveLength(2);
    // the text is there, escaped, in the narrative and the SVG titles
    expect(html).toContain("&lt;script&gt;window.__xss=1&lt;/script&gt;");
    // the embedded data cannot close its <script> element
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toMatch(/[<>]/);
    expect(JSON.stringify(JSON.parse(data))).toContain("<script>window.__xss=1</script>");
  });

  it("escapes thread names and scenario names too", () => {
    const recs = mutexDeadlockTrace().map((r) => ({ ...r, th: r.th === "writer" ? `<i onmouseover="x">w` : r.th, ...(r.k === "scenario" ? { o: "<h1>name</h1>" } : {}) }));
    const html = renderTrace(recs, "html");
    expect(html).not.toContain(`<i onmouseover`);
    expect(html).not.toContain(`<h1>name</h1>`);
    expect(html).toContain(`&lt;h1&gt;name&lt;/h1&gt;`);
  });

  it("is self-contained: no network, and only its own script may run", () => {
    const html = renderTrace(mdlVictimTrace(), "html");
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link\b/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    const code = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(csp).toContain(`'sha256-${createHash("sha256").update(code, "utf8").digest("base64")}'`);
  });

  it("has the scenario name, the timeline, the step-through, the processlist, metadata_locks and the narrative", () => {
    const html = renderTrace(mdlVictimTrace(), "html");
    expect(html).toContain(`<h1 id="scenario-name">MDL deadlock with a victim (hand-built)</h1>`);
    for (const id of ["timeline", "step-prev", "step-next", "processlist", "metadata-locks", "narrative", "threads"]) expect(html).toContain(`id="${id}"`);
    expect(html).toContain("&gt; LOCK TABLES t1 WRITE"); // narrative line
    expect(html).toContain(`id="no-wait-for"`);
  });

  it("draws the wait-for graph of a hang and of a deadlock", () => {
    const hang = renderTrace(lostWakeupTrace(), "html");
    expect(hang).toMatch(/<svg[^>]*id="wait-for-graph"/);
    expect(hang).toContain(`data-thread="con1"`);
    expect(hang).toContain("last signal lost (from con2)");
    const dl = renderTrace(mutexDeadlockTrace(), "html");
    expect(dl).toContain("Deadlock: writer → rotator → writer");
  });

  it("says so when the trace has no MDL records", () => {
    expect(renderTrace(lostWakeupTrace(), "html")).toContain(`id="no-mdl"`);
    expect(renderTrace(mdlVictimTrace(), "html")).not.toContain(`id="no-mdl"`);
  });

  it("jsonForScript escapes what could end a script element", () => {
    expect(jsonForScript({ a: "</script><!--&\u2028" })).toBe(`{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"}`);
  });
});

describe("processlist and metadata_locks at a moment", () => {
  it("shows each connection's statement and state, and the MDL tickets", () => {
    const m = momentAt(mdlVictimTrace(), 320_000);
    expect(m.processlist).toEqual([
      { id: 1, conn: "con1", command: "Query", time: 0, state: "Waiting for table metadata lock", info: "LOCK TABLES t1 WRITE" },
      { id: 2, conn: "con2", command: "Sleep", time: 0, state: "", info: null },
      { id: 3, conn: "con3", command: "Query", time: 0, state: "Waiting for table metadata lock", info: "ALTER TABLE t2 ADD COLUMN b INT" },
    ]);
    expect(m.metadataLocks.map((r) => `${r.OWNER} ${r.OBJECT_TYPE} ${r.OBJECT_SCHEMA}.${r.OBJECT_NAME} ${r.LOCK_TYPE} ${r.LOCK_STATUS}`)).toEqual([
      "con1 TABLE test.t1 SHARED_READ GRANTED",
      "con2 TABLE test.t2 SHARED_READ GRANTED",
      // con1's statement-duration GLOBAL IX went at the end of its UPDATE
      "con1 TABLE test.t2 SHARED_WRITE GRANTED",
      // the ALTER's SU, and its upgrade to X as a separate PENDING request (as P_S shows it)
      "con3 TABLE test.t2 SHARED_UPGRADABLE GRANTED",
      "con3 TABLE test.t2 EXCLUSIVE PENDING",
      "con2 TABLE test.t1 SHARED_WRITE GRANTED",
      "con1 TABLE test.t1 SHARED_NO_READ_WRITE PENDING",
    ]);
  });

  it("drops tickets whose wait failed, and the FTWRL locks stay until UNLOCK TABLES", () => {
    const m = momentAt(mdlVictimTrace(), 550_000);
    const rows = m.metadataLocks.map((r) => `${r.OWNER} ${r.OBJECT_TYPE} ${r.OBJECT_NAME ?? "-"} ${r.LOCK_TYPE} ${r.LOCK_STATUS}`);
    expect(rows).toContain("con3 GLOBAL - SHARED GRANTED");
    expect(rows).toContain("con3 COMMIT - SHARED GRANTED");
    expect(rows).toContain("con1 COMMIT - INTENTION_EXCLUSIVE PENDING");
    expect(rows.filter((r) => r.startsWith("con3 TABLE"))).toEqual([]); // the ALTER timed out; its SU went with the statement (DDL)
    expect(rows.filter((r) => r.startsWith("con2"))).toEqual([]); // LOCK TABLES commits implicitly, and its own request was the victim
    expect(m.processlist.find((p) => p.conn === "con1")!.state).toBe("Waiting for commit lock");
  });

  it("matches the select metadata_locks step of a real run (scenarios/mdl/fk-alter-starvation.yaml)", () => {
    const { trace } = runScenario(loadScenarioFile("scenarios/mdl/fk-alter-starvation.yaml"), { seed: 1 });
    const records = trace!.records;
    const sel = records.find((r) => r.k === "select" && r.o === "metadata_locks");
    if (!sel) return; // the scenario no longer selects: nothing to compare
    const expected = ((sel.d as { rows: Record<string, unknown>[] }).rows)
      .filter((r) => r.OBJECT_NAME !== undefined)
      .map((r) => `${r.OBJECT_NAME} ${r.LOCK_TYPE} ${r.LOCK_STATUS}`)
      .sort();
    const got = momentAt(records, sel.t)
      .metadataLocks.filter((r) => r.OBJECT_TYPE === "TABLE")
      .map((r) => `${r.OBJECT_NAME} ${r.LOCK_TYPE} ${r.LOCK_STATUS}`)
      .sort();
    expect(got).toEqual(expected);
  });
});
