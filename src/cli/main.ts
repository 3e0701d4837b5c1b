#!/usr/bin/env node
/**
 * The mysqlsim command line: the only module that touches argv, stdout and exit codes.
 * Exit codes: 0 every expectation held, 1 an expectation failed or exploration found a failure,
 * 2 bad input or usage.
 */
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { checkOutputPath, CliError, EXIT_BAD_INPUT } from "./common.js";
import { exploreCommand, listCommand, renderCommand, replayCommand, runCommand, sweepCommand, validateCommand } from "./commands.js";

// `mysqlsim run ... | head` closes our stdout early: that is not an error
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const cli = yargs(hideBin(process.argv))
  .scriptName("mysqlsim")
  .usage("$0 <command> [options]\n\nA deterministic simulator of MySQL's locking and commit internals.")
  .option("json", { type: "boolean", describe: "print one JSON object instead of text" })
  .option("quiet", { alias: "q", type: "boolean", describe: "print only the outcome, any failed expectation and the verdict" })
  .command("run <file>", "run a scenario once and check its expectations", (y: Argv) => runOptions(y)
    .option("strategy", { choices: ["fifo", "random", "pct", "delay"] as const, default: "fifo" as const, describe: "scheduling strategy, seeded by --seed (delay: hold threads off their CPU at a few points)" })
    .option("report", { type: "string", describe: "also write the self-contained HTML report of the run to this file" })
    .example("$0 run scenarios/binlog/bug68569-lost-wakeup.yaml --report hang.html", "the run and its HTML report in one go")
    .example("$0 run scenarios/binlog/bug68569-lost-wakeup.yaml --seed 7", "run with seed 7 and print the narrative")
    .example("$0 run scenarios/mdl/fk-alter-starvation.yaml --set max_write_lock_count=10 --json", "what-if, as JSON"), (a) => runCommand(a as never))
  .command("explore <file>", "run a scenario many times under a scheduling strategy, looking for a failing run", (y: Argv) => runOptions(y)
    .option("strategy", { choices: ["fifo", "random", "pct", "delay", "exhaustive"] as const, describe: "scheduling strategy (default: the scenario's explore.strategy, else pct); fifo: only the seeded timing jitter varies; delay: up to --depth threads held off their CPU per run, 1 µs to 50 ms each" })
    .option("runs", { type: "number", describe: "how many runs (default: the scenario's explore.runs, else 1000)" })
    .option("depth", { type: "number", describe: "pct: bug depth d; delay: delays per run (default 3)" })
    .option("workers", { type: "number", describe: "worker threads (default: every core); the first failure is the one a single worker finds" })
    .option("shard", { type: "string", describe: "i/n: run only every n-th run from the i-th (a cluster job array); join the --json results with `merge`" })
    .option("max-depth", { type: "number", describe: "exhaustive: choice points to enumerate (default 1000)" })
    .option("all", { type: "boolean", describe: "do not stop at the first failure; count them" })
    .option("shrink", { type: "boolean", describe: "reduce the failing schedule to a minimal one" })
    .example("$0 explore scenarios/binlog/bug68569-explore.yaml --strategy pct --runs 20000", "find the lost wake-up")
    .example("$0 explore scenarios/binlog/bug68569-explore.yaml --strategy random --runs 500 --shrink", "and shrink its schedule")
    .example("$0 explore scenarios/binlog/bug68569-explore-durable.yaml --strategy delay --shrink", "find the window a preemption opens"), (a) => exploreCommand(a as never))
  .command("replay <file>", "replay one run from its seed and schedule string", (y: Argv) => runOptions(y)
    .option("schedule", { type: "string", demandOption: true, describe: "schedule string printed by run or explore (s2....)" })
    .example("$0 replay scenarios/binlog/bug68569-explore.yaml --seed 12 --schedule s1.AQE", "reproduce a failure exactly"), (a) => replayCommand(a as never))
  .command("validate <files..>", "check scenario files without running them", (y: Argv) => y
    .positional("files", { type: "string", array: true, describe: "scenario files" })
    .example("$0 validate scenarios/**/*.yaml", "check every bundled scenario"), (a) => validateCommand(a as never))
  .command("list", "list the bundled scenarios, one line each", (y: Argv) => y
    .option("variables", { type: "boolean", describe: "list the modelled system variables instead" })
    .example("$0 list", "what scenarios ship with mysqlsim"), (a) => listCommand(a as never))
  .command("render <trace>", "draw a trace (JSONL) as text, svg, chrome, mermaid or html", (y: Argv) => y
    .positional("trace", { type: "string", describe: "a trace written by run --trace" })
    .option("format", { choices: ["text", "svg", "chrome", "mermaid", "html"] as const, default: "text" as const })
    .option("o", { alias: "output", type: "string", describe: "output file (default: stdout)" })
    .example("$0 render trace.jsonl --format html -o report.html", "a self-contained HTML report"), (a) => renderCommand(a as never))
  .command("sweep <file>", "run a grid of variable settings x seeds and summarise a metric", (y: Argv) => y
    .positional("file", { type: "string" })
    .option("set", { type: "string", array: true, describe: "name=v1,v2,... (an axis per variable)" })
    .option("seeds", { type: "number", default: 5 })
    .option("seed", { type: "number", default: 1, describe: "base seed" })
    .option("metric", { type: "string", array: true, describe: "metrics to summarise (default: all)" })
    .option("workers", { type: "number", describe: "parallel workers (default: CPU count)" })
    .option("shard", { type: "string", describe: "i/n: run only the i-th of n slices of the grid" })
    .option("out", { type: "string", describe: "results file (.jsonl or .csv); resumable" })
    .option("report", { type: "string", describe: "also write an HTML report (metric vs each axis, inline SVG)" })
    .example("$0 sweep scenarios/mdl/fk-alter-starvation.yaml --set max_write_lock_count=1,10,100 --seeds 5", "ALTER latency vs max_write_lock_count"), (a) => sweepCommand(a as never))
  .command("merge <out> <files..>", "join the results files of a sharded sweep (or the --json results of a sharded explore, OUT.json), checking every run is there once", (y: Argv) => y
    .positional("out", { type: "string", describe: "merged results file (.jsonl or .csv)" })
    .positional("files", { type: "string", array: true, describe: "the shards' results files" })
    .example("$0 merge results.jsonl shard-*.jsonl", "join the shards of `sweep --shard i/n`"), async (a) => {
    const { mergeCli } = await import("../sweep/cli.js");
    process.exitCode = await mergeCli(a as never);
  })
  .middleware((a) => {
    // every option that names a file to write (merge's <out> too)
    for (const [key, option] of [["trace", "--trace"], ["report", "--report"], ["out", "--out"], ["output", "-o"]] as const) {
      const v = a[key];
      if (typeof v === "string" && v !== "") checkOutputPath(option, v);
    }
  })
  .demandCommand(1, "name a command: run, explore, replay, validate, list, render or sweep")
  .strict()
  .recommendCommands()
  .help()
  .version()
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg, err, y) => {
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (err) throw err;
    process.stderr.write(`${msg}\n\n`);
    y.showHelp((s: string) => process.stderr.write(`${s}\n`));
    process.exit(EXIT_BAD_INPUT);
  });

function runOptions(y: Argv): Argv {
  return y
    .positional("file", { type: "string", describe: "scenario file (YAML)" })
    .option("seed", { type: "number", default: 1, describe: "run seed (explore: the first seed)" })
    .option("set", { type: "string", array: true, describe: "override a variable: name=value (repeatable)" })
    .option("trace", { type: "string", describe: "write the JSONL trace to this file" })
    .option("verbose", { alias: "v", type: "boolean", describe: "narrate every mutex operation too" });
}

try {
  await cli.parseAsync();
} catch (e) {
  if (e instanceof CliError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(e.exitCode);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mysqlsim: internal error: ${msg}\n(this is a bug in mysqlsim; please report it with the command line you ran)\n`);
  process.exit(3);
}
