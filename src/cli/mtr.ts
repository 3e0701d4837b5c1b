/**
 * `mysqlsim mtr FILE.test`: runs a mysqltest file on the simulated server and writes its .result;
 * with --result, compares it with MySQL's recorded result line by line.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { compareResults, type Comparison } from "../mtr/compare.js";
import { runMtr, versionFromPath, type MtrRunResult } from "../mtr/run.js";
import { testToScenarioYaml } from "../mtr/to-yaml.js";
import { VERSIONS, type Version } from "../scenario/loader.js";
import { checkValue, sysvar, type SysVarValue } from "../mysql/sysvars.js";
import { CliError, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, writeAtomic } from "./common.js";

export interface MtrArgs {
  file: string;
  result?: string;
  record?: boolean;
  version?: string;
  output?: string;
  continue?: boolean;
  basedir?: string;
  json?: boolean;
  diff?: boolean;
  toYaml?: boolean;
  seed?: number;
  maxSteps?: number;
  trace?: string;
  mysqld?: string[];
}

/** The suite's base directory: the parent of the test's t/ directory, else the test's own directory. */
export function suiteBasedir(file: string): string {
  const dir = dirname(resolve(file));
  return basename(dir) === "t" ? dirname(dir) : dir;
}

export function mtrCommand(a: MtrArgs): void {
  const file = a.file;
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`${file}: no such test file`);
  const basedir = a.basedir ? resolve(a.basedir) : suiteBasedir(file);
  if (a.basedir && !existsSync(basedir)) throw new CliError(`--basedir ${a.basedir}: no such directory`);
  let version: Version;
  if (a.version !== undefined) {
    if (!VERSIONS.includes(a.version as Version)) throw new CliError(`--version ${a.version}: expected one of ${VERSIONS.join(", ")}`);
    version = a.version as Version;
  } else version = versionFromPath(resolve(file));
  if (a.result && !a.record && !existsSync(a.result)) throw new CliError(`--result ${a.result}: no such file (use --record to write it)`);
  const cwd = process.cwd();
  const display = (p: string): string => {
    const r = relative(cwd, p);
    return r.startsWith("..") && r.split("/").filter((x) => x === "..").length > 3 ? p : r || p;
  };
  const files = new Map<string, string | null>();
  const readFile = (p: string): string | null => {
    if (!files.has(p)) files.set(p, existsSync(p) && statSync(p).isFile() ? readFileSync(p, "utf8") : null);
    return files.get(p)!;
  };

  if (a.toYaml) {
    const r = testToScenarioYaml(readFileSync(file, "utf8"), { file: display(resolve(file)), version, basedir, readFile, resolve, dirname });
    if (a.output) writeAtomic(a.output, r.yaml);
    else process.stdout.write(r.yaml);
    for (const w of r.warnings) process.stderr.write(`${w}\n`);
    process.exitCode = EXIT_OK;
    return;
  }

  const variables = mysqldOptions(file, readFile(resolve(file)) ?? "", a.mysqld ?? [], readFile);
  const t0 = performance.now();
  const run = runMtr({
    variables,
    file: resolve(file),
    basedir,
    version,
    continueOnError: !!a.continue,
    readFile,
    resolve,
    dirname,
    displayName: (p) => display(p),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.maxSteps !== undefined ? { maxSteps: a.maxSteps } : {}),
    ...(a.trace ? { traceFile: a.trace } : {}),
  });
  const wallMs = performance.now() - t0;

  const recordTo = a.record ? (a.result ?? join(basedir, "r", `${basename(file).replace(/\.test$/, "")}.result`)) : null;
  let cmp: Comparison | null = null;
  if (a.result && !a.record) cmp = compareResults(readFileSync(a.result, "utf8"), run.output);
  if (recordTo) {
    if (run.outcome !== "completed" || run.markers.length) throw new CliError(`--record: not writing ${recordTo}: the run did not complete cleanly (${run.stop?.message ?? `${run.markers.length} marker lines`})`, EXIT_FAILED);
    writeAtomic(recordTo, run.output);
  }
  if (a.output) writeAtomic(a.output, run.output);
  const resultOnStdout = !a.output && !a.result && !a.record && !a.json;
  if (resultOnStdout) process.stdout.write(run.output);

  if (run.outcome === "unsupported" || (run.outcome === "failed" && run.stop?.kind === "syntax")) {
    const s = run.stop!;
    throw new CliError(`${display(s.file)}:${s.line}: ${s.kind === "syntax" ? "" : `unsupported ${s.kind}: `}${s.message.replace(/^.*?: \d+: /, "")}${run.outcome === "unsupported" ? " (--continue marks it in the output and goes on)" : ""}`, EXIT_BAD_INPUT);
  }

  const summary = summarize(run, cmp, wallMs, display(resolve(file)), a.result ? display(resolve(a.result)) : null, recordTo);
  if (a.json) {
    process.stdout.write(`${JSON.stringify({
      file: display(resolve(file)),
      version: run.version,
      outcome: run.outcome,
      ...(run.stop ? { stop: { ...run.stop, file: display(run.stop.file) } } : {}),
      ...(cmp ? { matching_lines: cmp.matching, total_lines: cmp.total, output_lines: cmp.produced, match_pct: pct(cmp.matching, cmp.total) } : {}),
      unsupported: run.unsupported,
      failures: run.markers.filter((m) => m.type === "failure").length,
      hangs: run.markers.filter((m) => m.type === "hang").length,
      markers: run.markers.map((m) => ({ ...m, file: display(m.file) })),
      unreached_sync_points: run.unreachedSyncPoints,
      virtual_time_ns: run.virtualNs,
      steps: run.steps,
      commands: run.commands,
      wall_ms: Math.round(wallMs),
      ...(resultOnStdout || a.output || a.result ? {} : {}),
      ...(!a.output && !a.result && !a.record ? { output: run.output } : {}),
    })}\n`);
  } else (resultOnStdout ? process.stderr : process.stdout).write(summary);
  if (a.diff && cmp) process.stdout.write(formatDiff(cmp));

  const clean = run.outcome === "completed" && run.markers.length === 0;
  const matches = !cmp || (cmp.matching === cmp.total && cmp.produced === cmp.total);
  process.exitCode = run.outcome === "error" ? 3 : clean && matches ? EXIT_OK : EXIT_FAILED;
}

function pct(a: number, b: number): number {
  return b === 0 ? 100 : Math.round((a / b) * 1000) / 10;
}

function summarize(run: MtrRunResult, cmp: Comparison | null, wallMs: number, file: string, resultFile: string | null, recordTo: string | null): string {
  const lines: string[] = [];
  const how = run.outcome === "completed" ? "ran to the end" : run.outcome === "failed" ? "stopped (mysqltest would fail here)" : run.outcome === "limit" ? "stopped at a limit" : "stopped with an internal error";
  lines.push(`mtr: ${file} ${how} in ${(wallMs / 1000).toFixed(2)} s wall, ${(run.virtualNs / 1e9).toFixed(3)} s virtual, ${run.steps} steps, ${run.commands} commands (MySQL ${run.version} model)`);
  if (run.stop && run.outcome !== "completed") lines.push(`  ${run.stop.message}${run.stop.line ? ` (${run.stop.file}:${run.stop.line})` : ""}`);
  if (cmp) lines.push(`result: ${cmp.matching} of ${cmp.total} lines match ${resultFile} (${pct(cmp.matching, cmp.total)} %); the output has ${cmp.produced} lines, ${cmp.produced - cmp.matching} not in the recorded result`);
  if (recordTo) lines.push(`recorded: ${recordTo}`);
  const kinds = Object.entries(run.unsupported);
  if (kinds.length) lines.push(`unsupported statements by kind: ${kinds.map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  const failures = run.markers.filter((m) => m.type === "failure");
  const hangs = run.markers.filter((m) => m.type === "hang");
  if (failures.length) lines.push(`failures mysqltest would stop at: ${failures.length} (first: ${failures[0]!.file}:${failures[0]!.line}: ${failures[0]!.message})`);
  if (hangs.length) lines.push(`statements that never completed: ${hangs.length} (first: ${hangs[0]!.file}:${hangs[0]!.line}: ${hangs[0]!.message})`);
  if (run.unreachedSyncPoints.length) {
    const by = new Map<string, { n: number; ex: (typeof run.unreachedSyncPoints)[number] }>();
    for (const u of run.unreachedSyncPoints) {
      const k = `${u.point}${u.connection ? ` (${u.connection})` : ""}`;
      const e = by.get(k);
      if (e) e.n++;
      else by.set(k, { n: 1, ex: u });
    }
    lines.push(`DEBUG_SYNC points armed but never reached: ${run.unreachedSyncPoints.length}`);
    for (const [k, { n, ex }] of by) lines.push(`  ${k}${n > 1 ? ` ×${n}` : ""}: armed at ${(ex.armedAtNs / 1e9).toFixed(6)} s, ${ex.end === "armed" ? "still armed at the end" : ex.end === "reset" ? "cleared by RESET" : "replaced"}; ${ex.passedByAnyone ? "other sessions passed it" : "no thread passed this point in the run (not modelled on this path?)"}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatDiff(cmp: Comparison): string {
  let s = "";
  for (const h of cmp.hunks) {
    s += `@@ result line ${h.expectedLine}, output line ${h.actualLine} @@\n`;
    for (const l of h.removed) s += `-${l}\n`;
    for (const l of h.added) s += `+${l}\n`;
  }
  return s;
}

/**
 * The server options mysql-test-run.pl would start mysqld with for this test, as far as the
 * models read them: the test's <name>-master.opt next to it (--default-storage-engine=MyISAM for
 * mdl_sync), include/force_myisam_default.inc (mtr_cases.pm: MyISAM as default engine and
 * temporary engine), then --mysqld name=value options.
 */
function mysqldOptions(file: string, text: string, given: string[], readFile: (p: string) => string | null): [string, SysVarValue][] {
  const out: [string, SysVarValue][] = [];
  const add = (name: string, value: string, where: string): void => {
    const def = sysvar(name.replace(/-/g, "_"));
    if (!def) throw new CliError(`${where}: unknown variable "${name}"; see mysqlsim list --variables`, EXIT_BAD_INPUT);
    const r = checkValue(def, value);
    if ("error" in r) throw new CliError(`${where}: ${r.error}`, EXIT_BAD_INPUT);
    out.push([def.name, r.value]);
  };
  if (/^\s*--source\s+include\/force_myisam_default\.inc\s*$/m.test(text)) {
    add("default_storage_engine", "MYISAM", "include/force_myisam_default.inc");
    add("default_tmp_storage_engine", "MYISAM", "include/force_myisam_default.inc");
  }
  const opt = file.replace(/\.test$/, "-master.opt");
  const optText = readFile(opt);
  if (optText !== null) {
    for (const m of optText.matchAll(/--(?:loose-)?([A-Za-z0-9_-]+)=(\S+)/g)) if (sysvar(m[1]!.replace(/-/g, "_"))) add(m[1]!, m[2]!, opt);
  }
  for (const g of given) {
    const m = /^([A-Za-z0-9_-]+)=(.*)$/.exec(g.replace(/^--/, ""));
    if (!m) throw new CliError(`--mysqld ${g}: expected name=value`, EXIT_BAD_INPUT);
    add(m[1]!, m[2]!, `--mysqld ${g}`);
  }
  return out;
}
