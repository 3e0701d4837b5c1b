/**
 * Parameter grids: `--set name=v1,v2,...` axes, their cartesian product, the seed of every
 * (point, seed index) and the deterministic run list that shards slice.
 *
 * An axis is either a system variable (checked with its type and range, as `run --set` does) or a
 * scenario key given as a dotted path (`version`, `duration`, `machine.cpu_quota`,
 * `threads.sysbench.count`), which is written into the scenario's YAML and checked by the loader.
 */
import { createHash } from "node:crypto";
import { checkValue, sysvar, type SysVarValue } from "../mysql/sysvars.js";
import { ScenarioSchema } from "../scenario/schema.js";

/** A problem with the sweep's input: the CLI prints it and exits 2. */
export class SweepInputError extends Error {
  override readonly name = "SweepInputError";
}

export interface Axis {
  /** the variable's canonical name, or the scenario key path as given */
  name: string;
  kind: "sysvar" | "scenario";
  /** canonical value texts, in the order given (ON/OFF for booleans, upper case for enums) */
  values: string[];
}

/** One grid point: axis name -> canonical value text, in axis order. */
export type Point = [name: string, value: string][];

export interface Run {
  /** index in the full (unsharded) run list */
  run: number;
  point: Point;
  /** the point's canonical string (see pointKey) */
  key: string;
  seedIndex: number;
  seed: number;
}

/** Parses `--set` arguments: each `name=v1,v2,...` is an axis (a single value is an axis of one). */
export function parseAxes(sets: readonly string[] | undefined): Axis[] {
  const axes: Axis[] = [];
  for (const s of sets ?? []) {
    const m = /^([A-Za-z_][\w.]*)=(.*)$/s.exec(s);
    if (!m) throw new SweepInputError(`--set ${s}: expected name=value[,value...]`);
    const rawName = m[1]!;
    const texts = m[2]!.split(",").map((v) => v.trim());
    if (texts.some((v) => v === "")) throw new SweepInputError(`--set ${s}: an empty value in the list; expected name=v1,v2,...`);
    const def = sysvar(rawName);
    let axis: Axis;
    if (def) {
      axis = {
        name: def.name,
        kind: "sysvar",
        values: texts.map((t) => {
          const r = checkValue(def, t);
          if ("error" in r) throw new SweepInputError(`--set ${s}: ${r.error}`);
          // 2^64-1 as MySQL prints it, not as the nearest double
          return def.maxText !== undefined && r.value === def.max ? def.maxText : valueText(r.value);
        }),
      };
    } else if (isScenarioPath(rawName)) {
      axis = { name: rawName, kind: "scenario", values: texts };
    } else {
      throw new SweepInputError(
        `--set ${s}: unknown variable "${rawName}"; \`mysqlsim list --variables\` shows the modelled ones ` +
          `(a scenario key is a dotted path such as machine.cpu_quota or threads.<name>.count)`,
      );
    }
    if (axes.some((a) => a.name === axis.name)) throw new SweepInputError(`--set ${s}: ${axis.name} is already an axis; give all its values in one --set`);
    const seen = new Set<string>();
    for (const v of axis.values) {
      if (seen.has(v)) throw new SweepInputError(`--set ${s}: the value ${v} appears twice`);
      seen.add(v);
    }
    axes.push(axis);
  }
  return axes;
}

/** The canonical text of a checked variable value: ON/OFF, decimal integers, enum names. */
export function valueText(v: SysVarValue): string {
  if (typeof v === "boolean") return v ? "ON" : "OFF";
  return String(v);
}

const SCENARIO_KEYS = new Set(Object.keys(ScenarioSchema.shape).filter((k) => !["name", "description", "steps", "setup", "expect", "explore", "connections"].includes(k)));

/** A dotted scenario key that --set may override (machine.cpu_quota, threads.<name>.count, duration ...). */
export function isScenarioPath(name: string): boolean {
  const [head, ...rest] = name.split(".");
  if (!SCENARIO_KEYS.has(head!)) return false;
  if (rest.some((p) => p === "")) return false;
  // a mapping (machine, threads, variables) needs a key under it
  return ["version", "duration", "hang_after"].includes(head!) ? rest.length === 0 : rest.length > 0;
}

/** Every point of the grid: the first axis varies slowest. No axes: one empty point. */
export function expandGrid(axes: readonly Axis[]): Point[] {
  let points: Point[] = [[]];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v): Point => [...p, [a.name, v]]));
  return points;
}

/**
 * The point's canonical string: `name=value` pairs sorted by name, joined by `;`. It does not
 * depend on the order of the --set options, so neither does a run's seed.
 */
export function pointKey(point: Point): string {
  return [...point]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join(";");
}

/**
 * The seed of one run: the first 4 bytes (big-endian, unsigned) of
 * sha256("mysqlsim-sweep/1\n" + pointKey + "\n" + baseSeed + "\n" + seedIndex).
 * A pure function of (point, base seed, seed index): independent of run order, worker count and
 * sharding, and `mysqlsim run FILE --seed <seed> --set ...` reproduces the run on its own.
 */
export function deriveSeed(key: string, baseSeed: number, seedIndex: number): number {
  const h = createHash("sha256").update(`mysqlsim-sweep/1\n${key}\n${baseSeed}\n${seedIndex}`).digest();
  return h.readUInt32BE(0);
}

/** The full run list: points in grid order, seed indices 0..seeds-1 inside each point. */
export function runList(axes: readonly Axis[], seeds: number, baseSeed: number): Run[] {
  const runs: Run[] = [];
  for (const point of expandGrid(axes)) {
    const key = pointKey(point);
    for (let s = 0; s < seeds; s++) runs.push({ run: runs.length, point, key, seedIndex: s, seed: deriveSeed(key, baseSeed, s) });
  }
  return runs;
}

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

/** `--shard i/n`, 1 <= i <= n. */
export function parseShard(s: string | undefined): Shard | null {
  if (s === undefined) return null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (!m) throw new SweepInputError(`--shard ${s}: expected i/n, e.g. --shard 1/4 (1 <= i <= n)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new SweepInputError(`--shard ${s}: expected 1 <= i <= n (the first shard is 1/${Math.max(count, 1)})`);
  return { index, count };
}

/** The i-th of n slices: every n-th run starting at i-1, so each slice holds some of every point. */
export function shardOf<T extends { run: number }>(runs: readonly T[], shard: Shard | null): T[] {
  if (!shard) return [...runs];
  return runs.filter((r) => r.run % shard.count === shard.index - 1);
}

/** Point value as JSON: a number when the text is a plain decimal number, else the text. */
export function pointJson(point: Point): Record<string, string | number> {
  const o: Record<string, string | number> = {};
  for (const [n, v] of point) o[n] = /^-?(0|[1-9]\d*)(\.\d+)?$/.test(v) && String(Number(v)) === v ? Number(v) : v;
  return o;
}
