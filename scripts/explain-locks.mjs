#!/usr/bin/env node
// Explain-style output of the statement-to-lock rule table (src/mysql/mdl/rules.ts), from the
// build in dist/:
//   node scripts/explain-locks.mjs                      the whole table, 5.7 and 8.0 (Markdown)
//   node scripts/explain-locks.mjs 8.0 DELETE parent    one statement's plan, with the catalog's FKs
// A FOREIGN KEY can be given as child:parent[:ON DELETE action] after the table, e.g.
//   node scripts/explain-locks.mjs 8.0 ALTER_TABLE parent child:parent:CASCADE
import { explainLockRules, formatPlan, statementLocks } from "../dist/src/mysql/mdl/index.js";

const [version, kind, table, ...fks] = process.argv.slice(2);
if (!version) {
  process.stdout.write(explainLockRules() + "\n");
} else {
  if (version !== "5.7" && version !== "8.0") throw new Error(`version: 5.7 or 8.0, not ${version}`);
  if (!kind) throw new Error("statement kind: SELECT, INSERT, UPDATE, DELETE, LOCK_TABLES_READ, LOCK_TABLES_WRITE, ALTER_TABLE, ...");
  const foreignKeys = fks.map((f) => {
    const [child, parent, action = "RESTRICT"] = f.split(":");
    return { child: { db: "test", name: child }, parent: { db: "test", name: parent }, onDelete: action, onUpdate: "RESTRICT" };
  });
  const plan = statementLocks(kind, { version, ...(table ? { table } : {}), foreignKeys, algorithm: kind === "ALTER_TABLE" ? "INPLACE" : undefined });
  process.stdout.write(`${kind} on ${version}:\n${formatPlan(plan).map((l) => `  ${l}`).join("\n")}\n  taken by: ${plan.basis.join("; ")}\n`);
}
