/**
 * Compile once, run many (issue 20): the server state a scenario's runs start from, computed once
 * per scenario and `--set` list and restored into each run's new server, instead of validating
 * the variables and applying the `setup` statements again in every run of an exploration.
 *
 * A run builds its server in two stages, and the snapshot keeps the state after each:
 * - `vars`: the variables after the scenario's `variables:` and the `--set` overrides (checked
 *   here, once), which is what the models see when they are installed;
 * - `afterSetup`: the variables and the catalog after the `setup` statements, which run after
 *   the models are installed (no locks, no time: the catalog as it is when time starts).
 * runScenario's `fromScratch` option takes the old path (every run applies them itself); the
 * two give byte-identical traces (test/scenario/setup-snapshot.test.ts).
 */
import type { Server, TableDef } from "../mysql/server.js";
import type { Statement } from "../mysql/sql/parse.js";
import { checkValue, sysvar, SystemVariables, type SysVarValue } from "../mysql/sysvars.js";
import { versionFamily, type Scenario } from "./loader.js";

export interface SetupSnapshot {
  /** the variables whose value after `variables:` and `--set` is not the version's default */
  vars: [string, SysVarValue][];
  /** the variables SET by `setup` statements, in order */
  setupVars: [string, SysVarValue][];
  /** the catalog after `setup`, in creation order (each run gets its own copies) */
  tables: TableDef[];
}

/** The scenario's `variables:` then the `--set` overrides, onto a server's variables (throws on a bad --set). */
export function applyVariables(vars: SystemVariables, sc: Scenario, sets: readonly [string, SysVarValue][]): void {
  for (const [n, v] of sc.variables) vars.set(n, v);
  for (const [n, v] of sets) {
    const def = sysvar(n);
    if (!def) throw new Error(`unknown variable ${n}`);
    const r = checkValue(def, v);
    if ("error" in r) throw new Error(r.error);
    vars.set(def.name, r.value);
  }
}

/** Setup statements change the catalog before time starts: no locks, no time. */
export function applySetup(server: Pick<Server, "addTable" | "table" | "vars">, stmt: Statement): void {
  if (stmt.kind === "create_table") {
    server.addTable({ db: stmt.table.db, name: stmt.table.name, columns: stmt.columns, parents: stmt.parents, rows: [], keys: stmt.keys ?? [], engine: stmt.engine ?? String(server.vars.get("default_storage_engine")) });
  } else if (stmt.kind === "insert") {
    const t = server.table(stmt.table.db, stmt.table.name);
    if (!t) throw new Error(`setup: INSERT into ${stmt.table.db}.${stmt.table.name}, which setup has not created`);
    t.rows.push(...stmt.rows);
  } else if (stmt.kind === "set_var") {
    const r = checkValue(sysvar(stmt.name)!, stmt.value);
    if (!("error" in r)) server.vars.set(sysvar(stmt.name)!.name, r.value);
  }
}

const SNAPSHOTS = new WeakMap<Scenario, Map<string, SetupSnapshot>>();

/** The snapshot of a scenario with these --set values (made on first use, then kept with the scenario). */
export function setupSnapshot(sc: Scenario, sets: readonly [string, SysVarValue][] = []): SetupSnapshot {
  let bySets = SNAPSHOTS.get(sc);
  if (!bySets) SNAPSHOTS.set(sc, (bySets = new Map()));
  const key = JSON.stringify(sets);
  let snap = bySets.get(key);
  if (!snap) {
    snap = makeSnapshot(sc, sets);
    bySets.set(key, snap);
  }
  return snap;
}

function makeSnapshot(sc: Scenario, sets: readonly [string, SysVarValue][]): SetupSnapshot {
  const family = versionFamily(sc.version);
  const defaults = new Map(new SystemVariables(family).entries());
  const vars = new SystemVariables(family);
  applyVariables(vars, sc, sets);
  const before = vars.entries().filter(([n, v]) => defaults.get(n) !== v);
  // the setup statements on a catalog of their own: what they set and create
  const tables = new Map<string, TableDef>();
  const setupVars: [string, SysVarValue][] = [];
  const catalog = {
    vars: {
      set: (n: string, v: SysVarValue) => void setupVars.push([n, v]),
      // what a setup statement reads (CREATE TABLE's default_storage_engine): its own SETs first
      get: (n: string) => [...setupVars].reverse().find(([m]) => m === n)?.[1] ?? vars.get(n),
    } as unknown as SystemVariables,
    addTable: (def: TableDef) => void tables.set(`${def.db}.${def.name}`.toLowerCase(), def),
    table: (db: string, name: string) => tables.get(`${db}.${name}`.toLowerCase()),
  };
  for (const { stmt } of sc.setup) applySetup(catalog, stmt);
  return { vars: before, setupVars, tables: [...tables.values()] };
}

/** First stage: the variables as `variables:` and `--set` leave them. */
export function restoreVariables(server: Server, snap: SetupSnapshot): void {
  for (const [n, v] of snap.vars) server.vars.set(n, v);
}

/** Second stage (after the models are installed): what `setup` did. */
export function restoreSetup(server: Server, snap: SetupSnapshot): void {
  // a run changes its tables in place (rows inserted, updated and deleted, ALTER's columns and
  // keys): each run gets its own copy, the snapshot's stays as setup left it
  for (const def of snap.tables) {
    server.addTable({
      ...def,
      columns: [...def.columns],
      parents: [...def.parents],
      rows: def.rows.map((r) => [...r]),
      ...(def.keys ? { keys: def.keys.map((k) => ({ ...k, columns: [...k.columns] })) } : {}),
    });
  }
  for (const [n, v] of snap.setupVars) server.vars.set(n, v);
}
