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

const wantsJson = hideBin(process.argv).includes("--json");

const cli = yargs(hideBin(process.argv))
  .scriptName("mysqlsim")
  .usage("$0 <command> [options]\n\nA deterministic simulator of MySQL's locking and commit internals.")
  .option("json", { type: "boolean", describe: "print one JSON object on one line instead of text (bad input: a JSON error object)" })
  .option("quiet", { alias: "q", type: "boolean", describe: "print only the outcome, any failed expectation and the verdict" })
  .command("run <file>", "run a scenario once and check its expectations", (y: Argv) => oneRunOptions(y)
    .option("strategy", { choices: ["fifo", "random", "pct", "delay"] as const, default: "fifo" as const, describe: "scheduling strategy, seeded by --seed (delay: hold threads off their CPU at a few points)" })
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
    .option("shrink", { type: "boolean", describe: "reduce the failure: threads, clients, iterations and steps it does not need (written to --shrink-to), then the schedule" })
    .option("shrink-to", { type: "string", describe: "with --shrink: where the smaller scenario is written (default: NAME.shrunk.yaml in the current directory)" })
    .option("report", { type: "string", describe: "write the HTML report of the first failing run to this file (its replay line writes it again)" })
    .option("narrative", { type: "boolean", describe: "also print the failing run step by step (default: the summary and the replay line)" })
    .example("$0 explore scenarios/binlog/bug68569-explore.yaml --strategy pct --runs 20000", "find the lost wake-up")
    .example("$0 explore scenarios/binlog/bug68569-explore.yaml --strategy random --runs 500 --shrink", "and shrink its schedule")
    .example("$0 explore scenarios/binlog/bug68569-explore-durable.yaml --strategy delay --shrink", "find the window a preemption opens"), (a) => exploreCommand(a as never))
  .command("replay <file>", "replay one run from its seed and schedule string", (y: Argv) => oneRunOptions(y)
    .option("schedule", { type: "string", demandOption: true, describe: "schedule string printed by run or explore (s2....)" })
    .example("$0 replay scenarios/binlog/bug68569-explore-durable.yaml --seed 33 --schedule s2.AAG5D4e6fw", "reproduce a failure exactly"), (a) => replayCommand(a as never))
  .command("mtr <file>", "run a mysqltest .test file on the simulated server and write its .result (docs/mtr.md)", (y: Argv) => y
    .version(false)
    .positional("file", { type: "string", describe: "a mysqltest file (.test)" })
    .option("result", { type: "string", describe: "MySQL's recorded .result: print how many of its lines the run matches" })
    .option("record", { type: "boolean", describe: "write the run's output as the result file (--result FILE, else <basedir>/r/<name>.result)" })
    .option("version", { type: "string", describe: "MySQL version to model (default: from the path, mysql-5.7.35 -> 5.7, else 8.0)" })
    .option("output", { alias: "o", type: "string", describe: "write the .result text to this file" })
    .option("continue", { type: "boolean", describe: "go on after an unsupported statement, a failure or a hang, with a marker line in the output" })
    .option("basedir", { type: "string", describe: "the suite directory --source include/x.inc resolves in (default: the parent of the test's t/)" })
    .option("diff", { type: "boolean", describe: "with --result: also print the differing lines" })
    .option("to-yaml", { type: "boolean", describe: "convert the test to a scenario YAML for explore instead of running it" })
    .option("mysqld", { type: "string", array: true, describe: "a server option name=value, as mysql-test-run passes (after <test>-master.opt and force_myisam_default.inc): default_storage_engine=MyISAM" })
    .option("seed", { type: "number", describe: "run seed (default 1)" })
    .option("max-steps", { type: "number", describe: "stop after this many simulation steps (default 20000000)" })
    .option("trace", { type: "string", describe: "write the JSONL trace to this file" })
    .example("$0 mtr ../shared/mtr/mysql-5.7.35/t/kill.test --result ../shared/mtr/mysql-5.7.35/r/kill.result --continue", "run MySQL's kill test and compare")
    .example("$0 mtr test/mtr/t/send-reap.test", "print the .result"), async (a) => {
    const { mtrCommand } = await import("./mtr.js");
    mtrCommand(a as never);
  })
  .command("validate <files..>", "check scenario files without running them", (y: Argv) => y
    .positional("files", { type: "string", array: true, describe: "scenario files" })
    .example("$0 validate scenarios/**/*.yaml", "check every bundled scenario"), (a) => validateCommand(a as never))
  .command("list", "list the bundled scenarios, one line each", (y: Argv) => y
    .option("variables", { type: "boolean", describe: "list the modelled system variables instead" })
    .example("$0 list", "what scenarios ship with mysqlsim"), (a) => listCommand(a as never))
  .command("render <trace>", "draw a trace (JSONL) as text, svg, chrome, mermaid or html", (y: Argv) => y
    .positional("trace", { type: "string", describe: "a trace written by run --trace" })
    .option("format", { choices: ["text", "svg", "chrome", "mermaid", "html"] as const, default: "text" as const, describe: "what to draw: narrative text, SVG timeline, Chrome/Perfetto JSON, Mermaid sequence, HTML report" })
    .option("output", { alias: "o", type: "string", describe: "output file (default: stdout)" })
    .example("$0 render trace.jsonl --format html -o report.html", "a self-contained HTML report"), (a) => renderCommand(a as never))
  .command("sweep <file>", "run a grid of variable settings x seeds and summarise a metric", (y: Argv) => y
    .positional("file", { type: "string" })
    .option("set", { type: "string", array: true, describe: "name=v1,v2,... (an axis per variable or dotted scenario key)" })
    .option("seeds", { type: "number", default: 5, describe: "runs per grid point, seeds base, base+1, ..." })
    .option("seed", { type: "number", default: 1, describe: "base seed" })
    .option("metric", { type: "string", array: true, describe: "metrics to summarise (default: all)" })
    .option("workers", { type: "number", describe: "parallel workers (default: CPU count)" })
    .option("shard", { type: "string", describe: "i/n: run only the i-th of n slices of the grid" })
    .option("output", { alias: ["o", "out"], type: "string", describe: "results file (.jsonl or .csv); resumable" })
    .option("report", { type: "string", describe: "also write an HTML report (metric vs each axis, inline SVG)" })
    .option("expect", { type: "boolean", default: true, describe: "a run whose scenario expectations fail counts as failed, exit 1 (--no-expect: a what-if, the scenario's own expectations not checked)" })
    .example("$0 sweep scenarios/mdl/fk-alter-starvation.yaml --set max_write_lock_count=1,10,100 --seeds 5", "ALTER latency vs max_write_lock_count"), (a) => sweepCommand(a as never))
  .command("merge <files..>", "join the results files of a sharded sweep (or the --json outputs of a sharded explore, -o OUT.json), checking every run is there once", (y: Argv) => y
    .positional("files", { type: "string", array: true, describe: "the shards' results files (without -o: the first is the merged file, the old form)" })
    .option("output", { alias: ["o", "out"], type: "string", describe: "merged results file (.jsonl or .csv)" })
    .example("$0 merge shard-*.jsonl -o results.jsonl", "join the shards of `sweep --shard i/n`"), async (a) => {
    const { mergeCli } = await import("../sweep/cli.js");
    const files = (a.files as string[]) ?? [];
    const output = (a.output as string | undefined) ?? files[0];
    if (!a.output && files.length < 2) throw new CliError("merge: name the merged file with -o FILE and at least one shard's results file");
    if (typeof output === "string") checkOutputPath("-o", output);
    process.exitCode = await mergeCli({ ...a, out: output, files: a.output ? files : files.slice(1) } as never);
  })
  .middleware((a) => {
    // every option that names a file to write (merge's <out> too)
    for (const [key, option] of [["trace", "--trace"], ["report", "--report"], ["output", "-o"]] as const) {
      const v = a[key];
      if (typeof v === "string" && v !== "") checkOutputPath(option, v);
    }
  })
  .demandCommand(1, "name a command: run, explore, replay, mtr, validate, list, render or sweep")
  .strict()
  .recommendCommands()
  .help()
  .version()
  // the terminal's width, or no wrapping at all when not a terminal: an example never breaks inside a path
  .wrap(process.stdout.isTTY ? process.stdout.columns || 100 : null)
  .fail((msg, err, y) => {
    if (err instanceof CliError) fail(err.message, err.exitCode);
    if (err) throw err;
    if (wantsJson) fail(msg, EXIT_BAD_INPUT);
    process.stderr.write(`${msg}\n\n`);
    y.showHelp((s: string) => process.stderr.write(`${s}\n`));
    process.exit(EXIT_BAD_INPUT);
  });

/** Prints the message (and, under --json, a JSON error object on stdout) and exits. */
function fail(message: string, exitCode: number): never {
  if (wantsJson) process.stdout.write(`${JSON.stringify({ error: message, exit_code: exitCode })}\n`);
  process.stderr.write(`${message}\n`);
  process.exit(exitCode);
}

function runOptions(y: Argv): Argv {
  return y
    .positional("file", { type: "string", describe: "scenario file (YAML)" })
    .option("seed", { type: "number", default: 1, describe: "run seed (explore: the first seed)" })
    .option("set", { type: "string", array: true, describe: "override a variable or a dotted scenario key: name=value (repeatable), e.g. machine.cpu_quota=150%" })
    .option("trace", { type: "string", describe: "write the JSONL trace to this file" })
    .option("verbose", { alias: "v", type: "boolean", describe: "narrate every mutex operation too" })
    .option("max-wall", { type: "string", describe: "stop after this much wall-clock time (30s, 5m); outcome limit, exit 1" })
    .option("max-steps", { type: "number", describe: "stop a run after this many simulation steps (default 50000000); outcome limit, exit 1" });
}

/** run and replay: one run, its outputs and its trace size limit. */
function oneRunOptions(y: Argv): Argv {
  return runOptions(y)
    .option("report", { type: "string", describe: "also write the self-contained HTML report of the run to this file" })
    .option("trace-max", { type: "string", describe: "stop when the --trace file reaches this size (200MB, 2G); the trace holds the run up to there" });
}

try {
  await cli.parseAsync();
} catch (e) {
  if (e instanceof CliError) fail(e.message, e.exitCode);
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mysqlsim: internal error: ${msg}\n(this is a bug in mysqlsim; please report it with the command line you ran)\n`);
  process.exit(3);
}
