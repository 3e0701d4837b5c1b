import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { didYouMean, loadScenario, loadScenarioFile, ScenarioError, type Scenario } from "../scenario/loader.js";
import { checkValue, sysvar, SYSTEM_VARIABLES, type SysVarValue } from "../mysql/sysvars.js";
import { scenarioWithKeys } from "../sweep/execute.js";
import { isScenarioPath, SweepInputError } from "../sweep/grid.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** 128 + the signal's number, as shells report a process a signal ended */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/** An error meant for the user: printed without a stack trace, with an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_BAD_INPUT,
  ) {
    super(message);
  }
}

/**
 * Loads a scenario; `--set` values that name scenario keys (machine.cpu_quota=150%,
 * threads.committer.count=8, duration=5s) are written into it first, as sweep does.
 */
export function loadOrFail(file: string, sets?: string[]): Scenario {
  const keys = scenarioKeySets(sets);
  try {
    if (keys.length === 0) return loadScenarioFile(file);
    const sc = loadScenarioFile(file);
    return scenarioWithKeys(readFileSync(file, "utf8"), sc.file, keys);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof SweepInputError) throw new CliError(e.message);
    throw e;
  }
}

/** A scenario's text compiled as loadOrFail compiles its file (throws ScenarioError for a bad text). */
export function loadScenarioText(text: string, file: string, sets?: string[]): Scenario {
  const keys = scenarioKeySets(sets);
  return keys.length ? scenarioWithKeys(text, file, keys) : loadScenario(text, file);
}

const SET_FORM = /^([A-Za-z_][\w.]*)=(.*)$/s;

/** The --set values that name a scenario key rather than a system variable. */
function scenarioKeySets(sets: string[] | undefined): [string, string][] {
  return (sets ?? []).flatMap((s): [string, string][] => {
    const m = SET_FORM.exec(s);
    return m && !sysvar(m[1]!) && isScenarioPath(m[1]!) ? [[m[1]!, m[2]!]] : [];
  });
}

/** --set name=value for system variables, checked against the variable's type and range (scenario keys: see loadOrFail). */
export function parseSets(sets: string[] | undefined): [string, SysVarValue][] {
  return (sets ?? []).flatMap((s): [string, SysVarValue][] => {
    const m = SET_FORM.exec(s);
    if (!m) throw new CliError(`--set ${s}: expected name=value`);
    const def = sysvar(m[1]!);
    if (!def) {
      if (isScenarioPath(m[1]!)) return [];
      const guess = didYouMean(m[1]!, SYSTEM_VARIABLES.map((v) => v.name));
      throw new CliError(
        `--set ${s}: unknown variable "${m[1]}"${guess ? ` (did you mean ${guess}?)` : ""}; \`mysqlsim list --variables\` shows the modelled ones ` +
          `(a scenario key is a dotted path such as machine.cpu_quota or threads.<name>.count)`,
      );
    }
    const r = checkValue(def, m[2]);
    if ("error" in r) throw new CliError(`--set ${s}: ${r.error}`);
    return [[def.name, r.value]];
  });
}

/** Writes a whole file via a temporary file and a rename: never a half-written output. */
/** Writes a file via a temporary one renamed into place; FILE.gz is written gzip-compressed. */
export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, file.endsWith(".gz") ? gzipSync(content) : content);
  renameSync(tmp, file);
}

/** Compresses `src` into `dest` (gzip), via a temporary file renamed into place. */
export async function gzipFileAtomic(src: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    await pipeline(createReadStream(src), createGzip(), createWriteStream(tmp));
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "scenarios"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function bundledScenarios(): string[] {
  const root = join(packageRoot(), "scenarios");
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) out.push(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

export function displayPath(p: string): string {
  const rel = relative(process.cwd(), resolve(p));
  return rel.startsWith("..") ? p : rel;
}

const useColour = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const colour = {
  green: (s: string): string => (useColour() ? `\x1b[32m${s}\x1b[0m` : s),
  red: (s: string): string => (useColour() ? `\x1b[31m${s}\x1b[0m` : s),
  bold: (s: string): string => (useColour() ? `\x1b[1m${s}\x1b[0m` : s),
  dim: (s: string): string => (useColour() ? `\x1b[2m${s}\x1b[0m` : s),
};

export function out(s = ""): void {
  process.stdout.write(`${s}\n`);
}

/**
 * An output file must be creatable: its directory exists and it is not itself a directory.
 * Checked before any run starts, so a typo in a path is bad input (exit 2), said at once, rather
 * than a failure after minutes of simulation.
 */
export function checkOutputPath(option: string, path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new CliError(`${option} ${path}: the directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new CliError(`${option} ${path}: ${dir} is not a directory`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new CliError(`${option} ${path}: is a directory; expected a file name`);
}
