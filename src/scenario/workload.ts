import type { Kernel, RunResult } from "../kernel/kernel.js";
import { encodeSchedule } from "../kernel/schedule-string.js";
import { parseDuration } from "../kernel/time.js";
import type { SysVarValue } from "../mysql/sysvars.js";
import { runSysbenchSteps } from "../mysql/workload/sysbench.js";
import { IDLE_STATE_TABLES } from "../machine/cpu/machine.js";
import type { StreamingTrace } from "../trace/sink.js";
import { NO_TRACE } from "../trace/sink.js";
import { checkExpectations } from "./expect.js";
import type { Scenario } from "./loader.js";
import { quotaPercentOrNull } from "./quota.js";
import type { RunOptions, RunReport } from "./run.js";

type Paused = { virtualNs: number; steps: number };

/** CPUQuota as systemd writes it: "100%" (of one CPU), or a number of percent. */
export function quotaPercent(q: string | number | undefined): number | null {
  if (q === undefined) return null;
  const pct = quotaPercentOrNull(q);
  // the loader has rejected any other form, with its position
  if (pct === null) throw new Error(`cpu_quota "${q}": expected a percentage such as "100%"`);
  return pct;
}

/**
 * Runs a scenario whose `workload:` is the built-in sysbench client: the whole run is the
 * sysbench program against the 8.0 redo log on the CPU model (src/mysql/workload/sysbench.ts),
 * reported in the same shape as any scenario run. The run's bounds are those of any run
 * (RunOptions maxSteps and tick: --max-steps, --max-wall, --trace-max, progress, interrupts); it
 * yields where the tick pauses it.
 */
export function* runSysbenchScenario(sc: Scenario, opts: RunOptions, trace: StreamingTrace | null, seed: number): Generator<Paused, { report: RunReport; kernel: Kernel; result: RunResult }, void> {
  const wl = sc.workload!.sysbench;
  const sysvars: Record<string, SysVarValue> = Object.fromEntries([...sc.variables, ...(opts.set ?? [])]);
  let kernel: Kernel | undefined;
  let stopMessage: string | undefined;
  const maxSteps = opts.maxSteps ?? 50_000_000;
  const sb = yield* pausing(runSysbenchSteps({
    seed,
    threads: wl.threads,
    durationNs: wl.timeNs,
    warmupNs: wl.warmupNs,
    cpus: sc.machine.cpus,
    cpuQuotaPct: quotaPercent(sc.machine.cpu_quota),
    ...(sc.machine.cpu_period !== undefined ? { cpuPeriodNs: parseDuration(sc.machine.cpu_period) ?? undefined } : {}),
    sysvars,
    forceNcpu: sc.machine.n_cpu_reported ?? null,
    hostCpus: sc.machine.host_cpus,
    pauseNs: sc.machine.pause_ns,
    cpuAccounting: sc.machine.cpu_accounting,
    hz: sc.machine.hz,
    idleStates: IDLE_STATE_TABLES[sc.machine.cpuidle ?? "none"],
    cfsThrottle: sc.machine.cfs_throttle,
    ...(sc.machine.glibc !== undefined ? { glibc: sc.machine.glibc } : {}),
    scheduler: opts.scheduler,
    trace: trace ?? NO_TRACE,
    maxSteps,
    prepare: (k) => {
      kernel = k;
      const tick = opts.tick;
      if (!tick) return;
      k.tick = () => {
        const r = tick({ virtualNs: k.now, steps: k.steps });
        if (r === "pause") return "pause";
        if (r) k.stop("step_limit", (stopMessage = r.stop));
      };
    },
  }), () => ({ virtualNs: kernel!.now, steps: kernel!.steps }));
  const metrics: Record<string, number> = {
    tps: round(sb.tps),
    transactions: sb.transactions,
    latency_min_ms: round(sb.latency_ms.min),
    latency_avg_ms: round(sb.latency_ms.avg),
    latency_p95_ms: round(sb.latency_ms.p95),
    latency_max_ms: round(sb.latency_ms.max),
    nr_periods: sb.cpu.nr_periods,
    nr_throttled: sb.cpu.nr_throttled,
    throttled_time_s: round(sb.cpu.throttled_time_s),
    cpus_used: round(sb.cpu.cpus_used),
    cpu_per_txn_us: round(sb.cpu.cpu_per_txn_us),
    spin_fraction: round(sb.spin.user_fraction),
    spin_round_ns: round(sb.spin.spin_round_ns),
    spin_share_user: round(sb.spin.user_fraction),
    spin_share_log_writer: round(sb.spin.log_writer_fraction),
    spin_share_log_flusher: round(sb.spin.log_flusher_fraction),
    log_thread_spin_wait_share: round(sb.spin.log_thread_spin_wait_share),
    requests_interval_us: sb.redo.requests_interval_us,
    purge_cpu_share: round(sb.purge.cpu_fraction),
    purged_per_txn: round(sb.purge.purged_per_txn),
    purge_history_len: sb.purge.history_len,
    log_write_up_to_calls: sb.commit.log_write_up_to_calls,
    leader_commits: sb.commit.leader_commits,
    follower_commits: sb.commit.follower_commits,
    binlog_group_size: round(sb.commit.avg_group_size),
    ...Object.fromEntries(sb.per_cpu.map((c) => [`cpu${c.cpu}_run_delay_ms_per_s`, round(c.run_delay_ms_per_s)])),
    n_cpu: sb.srv_cpu_usage.n_cpu,
    utime_abs: round(sb.srv_cpu_usage.utime_abs),
    utime_pct: round(sb.srv_cpu_usage.utime_pct),
    ...(sb.cpuidle ? { cpuidle_exit_us_per_txn: round(sb.cpuidle.exit_us_per_txn) } : {}),
  };
  const k = kernel!;
  const result: RunResult = k.result("finished");
  const o = sb.sim.outcome;
  const outcome: RunReport["outcome"] = o === "time_limit" || o === "finished" ? "completed" : o === "deadlock" ? "deadlock" : o === "hang" ? "hang" : o === "step_limit" ? "limit" : "error";
  const expectations = checkExpectations(sc, { outcome, statements: [], finalState: () => "", thds: [], result, metrics });
  const report: RunReport = {
    scenario: sc.name,
    version: sc.version,
    seed,
    outcome,
    virtual_time_ns: k.now,
    events: k.steps,
    trace_sha256: trace ? trace.close() : "",
    expectations,
    metrics,
    connections: {},
    schedule: encodeSchedule(k.choiceLog),
    steps: k.steps,
    ...(outcome === "limit" ? { message: stopMessage ?? `more than ${maxSteps} steps` } : {}),
  };
  return { report, kernel: k, result };
}

/** Runs `g` to its end, yielding `where()` wherever it yields. */
function* pausing<T>(g: Generator<void, T, void>, where: () => Paused): Generator<Paused, T, void> {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    yield where();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
