import { z } from "zod";
import { IDLE_STATE_TABLES } from "../machine/cpu/machine.js";
import { checkGlibcVersion } from "../sync/adaptive-mutex.js";

/**
 * The scenario file schema (YAML). docs/scenario-format.md is the reference; `npm run build`
 * writes the JSON Schema generated from this file to schema/scenario.schema.json for editors.
 * Structure is checked here; meaning (known variables, connections, errors, durations,
 * statements) is checked by the loader, which knows source positions.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Duration = z.union([z.string(), z.number()]).describe('a duration: "10s", "250ms", "1.5us", or a number of seconds');

const StatementSpec = z.union([
  z.string().describe("run the statement and wait for its result"),
  z
    .strictObject({
      send: z.string().describe("send the statement without waiting (mysqltest --send); reap it later"),
    })
    .describe("send without waiting"),
]);

/** Bounds `repeat:` so that a scenario cannot ask for a billion steps. */
export const MAX_REPEAT = 100_000;

export const StepSchema: z.ZodType<StepShape> = z
  .object({
    reap: z.string().optional().describe("wait for the result of the statement sent on this connection"),
    error: z.union([z.string(), z.null()]).optional().describe("expected error name of this step's statement (ER_LOCK_DEADLOCK ...) or null for success"),
    wait_state: z.record(z.string(), z.string()).optional().describe("wait until the connection's processlist state is this (mysqltest wait_condition)"),
    timeout: Duration.optional().describe("for wait_state: give up after this long (default 30s, as mysqltest's wait_condition)"),
    sleep: Duration.optional().describe("pass virtual time"),
    debug_sync: z.string().optional().describe("SET DEBUG_SYNC='now SIGNAL s' / 'now WAIT_FOR s' run by the test script"),
    kill: z.string().optional().describe("KILL CONNECTION of this connection"),
    kill_query: z.string().optional().describe("KILL QUERY of this connection"),
    connect: z.string().optional().describe("a new session on this connection after its session ended (kill): mysqltest's reconnect, or connect after disconnect"),
    set: z.record(z.string(), Scalar).optional().describe("SET GLOBAL variables at run time"),
    select: z
      .strictObject({
        from: z.enum(["processlist", "metadata_locks"]),
        where: z.record(z.string(), Scalar).optional(),
        columns: z.array(z.string()).optional(),
        rows: z.array(z.record(z.string(), z.union([Scalar, z.null()]))),
      })
      .optional()
      .describe("query information_schema.processlist or performance_schema.metadata_locks and check the rows"),
    comment: z.string().optional().describe("a line for the narrative"),
    repeat: z
      .lazy(() =>
        z.strictObject({
          times: z.number().int().min(1).max(MAX_REPEAT).describe("how many times to run the steps"),
          var: z.string().regex(/^[a-z]\w*$/i).optional().describe("the counter's name (default i): $i in the steps' text is 1, 2, ... times"),
          steps: z.array(StepSchema).min(1).describe("the steps repeated, in order"),
        }),
      )
      .optional()
      .describe("run steps several times, as mysqltest's while loop; $i is the iteration number"),
  })
  .catchall(StatementSpec)
  .describe("one step: exactly one action; any other key is a connection name with its statement");

/** A step as written (StepSchema is recursive through `repeat:`, so its type is spelled out). */
export interface StepShape {
  reap?: string;
  error?: string | null;
  wait_state?: Record<string, string>;
  timeout?: string | number;
  sleep?: string | number;
  debug_sync?: string;
  kill?: string;
  kill_query?: string;
  connect?: string;
  set?: Record<string, string | number | boolean>;
  select?: { from: "processlist" | "metadata_locks"; where?: Record<string, string | number | boolean>; columns?: string[]; rows: Record<string, string | number | boolean | null>[] };
  comment?: string;
  repeat?: { times: number; var?: string; steps: StepShape[] };
  [connection: string]: unknown;
}

const LoopItem = z.union([
  z.string().describe("a statement; ? is replaced by a random integer from the workload stream"),
  z.strictObject({ sleep: Duration }),
  z.strictObject({ think: Duration }).describe("sleep for an exponentially distributed time with this mean"),
]);

export const ThreadSchema = z.strictObject({
  count: z.number().int().min(1).max(4096).optional().describe("how many clients run this loop (default 1)"),
  loop: z.array(LoopItem).min(1).optional().describe("the statements each client repeats (or `program:`)"),
  program: z.enum(["mysqldump"]).optional().describe("a built-in client program instead of a loop (src/mysql/programs)"),
  args: z.string().optional().describe('the program\'s command line, e.g. "--single-transaction --source-data"'),
  start: Duration.optional().describe("when the clients start (default 0)"),
  iterations: z.number().int().min(1).optional().describe("stop after this many loops (default: until duration)"),
  random_range: z.number().int().min(1).optional().describe("? is replaced by an integer in [1, random_range] (default 1000000)"),
});

const Bounds = z.strictObject({
  between: z.tuple([z.number(), z.number()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  equals: z.number().optional(),
});

export const ExpectationSchema = z.union([
  z.strictObject({ outcome: z.enum(["completed", "deadlock", "hang", "timeout", "error"]) }),
  z.strictObject({ order: z.array(z.string()).min(2).describe('completion order: "con3 INSERT" matches a statement of con3 starting with INSERT') }),
  z.strictObject({ state: z.record(z.string(), z.string()).describe("processlist state of a connection at the end") }),
  z.strictObject({ error: z.record(z.string(), z.union([z.string(), z.null()])).describe("last error of a connection (null: none)") }),
  z.strictObject({ metric: z.record(z.string(), Bounds) }),
  z.strictObject({
    wait_for: z.record(z.string(), z.strictObject({ on: z.string().optional(), holds: z.array(z.string()).optional(), lost_signal_by: z.string().optional() })),
  }).describe("for a hang or deadlock: what a thread waits on and holds"),
]);

export const ExploreSchema = z.strictObject({
  strategy: z.enum(["fifo", "random", "pct", "delay", "exhaustive"]).optional(),
  runs: z.number().int().min(1).optional(),
  depth: z.number().int().min(1).optional().describe("pct: bug depth; delay: delays per run"),
  max_depth: z.number().int().min(1).optional().describe("exhaustive: choice points enumerated"),
});

export const MachineSchema = z.strictObject({
  filesystem: z.enum(["local", "nfs", "efs"]).optional().describe("where the datadir lives (default local)"),
  cpus: z.number().int().min(1).max(256).optional().describe("CPUs in mysqld's cpuset (AllowedCPUs); default 4: every scenario runs on the CPU model"),
  cpu_quota: z.union([z.string(), z.number()]).optional().describe('CFS quota as systemd CPUQuota: "100%" = one CPU per period; omit for none'),
  cpu_period: z.union([z.string(), z.number()]).optional().describe("CFS period (default 100ms)"),
  inject: z
    .array(z.strictObject({ syscall: z.string(), error: z.string(), when: z.union([z.string(), z.number()]).optional() }))
    .optional()
    .describe("strace-style fault injection into mysqld's system calls"),
  host_cpus: z.number().int().min(1).max(4096).optional().describe("the host's online CPUs (num_online_cpus), which scale the CFS tunables (get_update_sysctl_factor: min(host_cpus, 8)); default: the cpuset's CPUs"),
  pause_ns: z.number().min(0.01).max(10000).optional().describe("latency of one PAUSE instruction in ns, the cost of a spin round with a ~1.3 ns condition check (default 46.67: Intel Skylake-and-later, 140 cycles at 3 GHz)"),
  cpu_accounting: z
    .enum(["tick", "precise"])
    .optional()
    .describe("how getrusage (and so InnoDB's srv_cpu_usage) splits mysqld's CPU time into user and system: tick = Linux's default tick sampling (account_process_tick, scaled by cputime_adjust), precise = the exact split (nohz_full with VIRT_CPU_ACCOUNTING_GEN); default tick"),
  cpuidle: z
    .enum(Object.keys(IDLE_STATE_TABLES) as [string, ...string[]])
    .optional()
    .describe("the CPUs' idle states (drivers/idle/intel_idle.c): none = an idle CPU takes work at once (default); hlt = C1 only (2 µs exit, most cloud VMs); skx = Skylake-SP's C1 / C1E / C6 (2 / 10 / 133 µs exit, 2 / 20 / 600 µs target residency), chosen by the menu governor from the CPU's recent idle intervals"),
  cfs_throttle: z
    .enum(["exact", "tick"])
    .optional()
    .describe("when a CPU that has spent its CFS bandwidth silo is throttled: exact = at the very ns (default); tick = at the next timer tick or the end of the running burst, as Linux's update_curr / __account_cfs_rq_runtime notice it, so a spinning thread overruns by up to 1/HZ"),
  hz: z.number().int().min(100).max(1000).optional().describe("CONFIG_HZ: timer ticks per second on each CPU, which sample the user/system split (default 250, Kconfig's; Fedora and RHEL use 1000)"),
  glibc: z
    .string({ error: 'a quoted glibc version such as "2.33"' })
    .refine((v) => checkGlibcVersion(v) === null, { error: 'glibc 2.25 or later, quoted ("2.33"): earlier condition variables (FUTEX_CMP_REQUEUE) are not modelled' })
    .optional()
    .describe("the C library of mysqld (the seed's libpthread-2.33.so: \"2.33\"): glibc's adaptive mutexes and 2.25+ condition variables on the sysbench workload's 8.0 commit path (the MY_MUTEX_INIT_FAST mutexes of the binlog group commit); default: the kernel's generic mutex (hand-off to a waiter) and condvar, as before"),
  n_cpu_reported: z.number().int().min(1).optional().describe("force the n_cpu InnoDB's srv_update_cpu_usage computes (the seed 001 hacked build); default: counted from the cpuset"),
  other_processes: z
    .array(z.strictObject({ name: z.string(), locked_files: z.number().int().min(0) }))
    .optional()
    .describe("other processes holding file locks on the same mount (a second mysqld, a backup tool)"),
});

export const WorkloadSchema = z.strictObject({
  sysbench: z
    .strictObject({
      test: z.enum(["oltp_update_index"]).describe("the sysbench Lua test"),
      threads: z.number().int().min(1).max(4096),
      time: Duration.describe("measured time (sysbench --time)"),
      warmup: Duration.optional().describe("time before measuring (default 2s)"),
    })
    .describe("a built-in sysbench client (src/mysql/workload/sysbench.ts) on the 8.0 redo log and the CPU model"),
});

export const ScenarioSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  version: z.string().optional().describe('which MySQL behaviour to model: "5.6.10", "5.6.12", "5.7", "8.0"'),
  variables: z.record(z.string(), Scalar).optional(),
  machine: MachineSchema.optional().describe("the machine under mysqld: file system, CPUs and CFS quota, fault injection"),
  connections: z.array(z.string()).optional().describe("connection names; if given, any other is an error"),
  setup: z.array(z.string()).optional().describe("statements applied before time starts (CREATE TABLE, INSERT, SET GLOBAL)"),
  steps: z.array(StepSchema).optional(),
  threads: z.record(z.string(), ThreadSchema).optional(),
  workload: WorkloadSchema.optional().describe("a built-in workload program run instead of steps and threads"),
  duration: Duration.optional().describe("virtual-time limit (default 60s)"),
  hang_after: Duration.optional().describe("report a hang when every client has waited with no timeout this long while background threads tick (default 5s)"),
  expect: z.array(ExpectationSchema).optional(),
  explore: ExploreSchema.optional(),
});

export type ScenarioInput = z.infer<typeof ScenarioSchema>;
export type StepInput = StepShape;
export type ExpectationInput = z.infer<typeof ExpectationSchema>;

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(ScenarioSchema, { target: "draft-2020-12", unrepresentable: "any" });
}
