/**
 * Issue 22's acceptance figures for seed 001 (docs/cpu-and-redo.md, "Seed figures against the
 * model"): the default build, the n_cpu=1 build and innodb_log_spin_cpu_pct_hwm=8, 64 threads, 6
 * CPUs, CPUQuota=100%, 2 s warm-up + N s measured, for each seed, with log_bin ON or OFF. Prints one
 * JSON line per run, then the TPS ratio pct_hwm=8 / default, the user spin share and the n_cpu=1 TPS
 * averaged over the seeds. Prints figures only; nothing is asserted or timed.
 *
 *   npm run bench -- seed001-accept [--log-bin ON|OFF] [--seeds 1,2,3] [--time 10] [--glibc 2.33|none]
 *                                   [--accounting tick|precise] [--hz 250]
 *                                   [--cpuidle none|hlt|skx] [--host-cpus N] [--cfs-throttle exact|tick] [--bandwidth-slice-ms 5] [--sysvar name=value ...]
 */
import { SEC } from "../src/kernel/time.js";
import { IDLE_STATE_TABLES } from "../src/machine/cpu/index.js";
import { runSysbench, type SysbenchOptions } from "../src/mysql/workload/sysbench.js";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const logBin = arg("log-bin", "ON").toUpperCase() === "ON";
const seeds = arg("seeds", "1,2,3").split(",").map(Number);
const seconds = Number(arg("time", "10"));
// machine.glibc: the seed's libpthread-2.33.so by default; "none": the kernel's generic Mutex / Cond
const glibcArg = arg("glibc", "2.33");
const glibc = glibcArg === "none" ? undefined : glibcArg;
// machine.cpu_accounting / machine.hz: how getrusage splits user and system time (src/machine/cpu/cputime.ts)
const cpuAccounting = arg("accounting", "tick") === "precise" ? "precise" : "tick";
const hz = Number(arg("hz", "250"));
// machine.cpuidle: the CPUs' idle states (IDLE_STATE_TABLES: none, hlt, skx)
const cpuidle = arg("cpuidle", "none");
const idleStates = IDLE_STATE_TABLES[cpuidle];
if (!idleStates) throw new Error(`--cpuidle ${cpuidle}: expected one of ${Object.keys(IDLE_STATE_TABLES).join(", ")}`);
// machine.host_cpus: the host's online CPUs, which scale the CFS tunables (default: the cpuset's 6)
const hostCpus = process.argv.includes("--host-cpus") ? Number(arg("host-cpus", "6")) : undefined;
// machine.cfs_throttle: exact (default) or tick (src/machine/cpu/machine.ts CfsThrottle)
const cfsThrottle = arg("cfs-throttle", "exact") === "tick" ? "tick" : "exact";
// the CFS bandwidth slice (sched_cfs_bandwidth_slice_us; Linux's default 5 ms): a diagnostic only
const bandwidthSliceNs = process.argv.includes("--bandwidth-slice-ms") ? Number(arg("bandwidth-slice-ms", "5")) * 1e6 : undefined;
// --sysvar name=value (repeatable): a diagnostic setting for every variant, e.g. innodb_log_spin_cpu_abs_lwm=0
const extraVars: Record<string, number | string> = {};
process.argv.forEach((a, i) => {
  if (a !== "--sysvar") return;
  const [k, v] = (process.argv[i + 1] ?? "").split("=");
  if (!k || v === undefined) throw new Error("--sysvar: expected name=value");
  extraVars[k] = Number.isFinite(Number(v)) ? Number(v) : v;
});
const variants: Record<string, Partial<SysbenchOptions>> = {
  default: {},
  ncpu1: { forceNcpu: 1 },
  hwm8: { sysvars: { innodb_log_spin_cpu_pct_hwm: 8 } },
};
const sums: Record<string, { tps: number; spin: number }> = {};
for (const seed of seeds) {
  for (const [name, v] of Object.entries(variants)) {
    const sysvars = { ...extraVars, ...(v.sysvars ?? {}), log_bin: logBin };
    const r = runSysbench({ seed, threads: 64, cpus: 6, cpuQuotaPct: 100, durationNs: seconds * SEC, warmupNs: 2 * SEC, exactPercentiles: false, glibc, cpuAccounting, hz, idleStates, hostCpus, cfsThrottle, bandwidthSliceNs, ...v, sysvars });
    const s = (sums[name] ??= { tps: 0, spin: 0 });
    s.tps += r.tps / seeds.length;
    s.spin += r.spin.user_fraction / seeds.length;
    const pct = (x: number): number => Math.round(x * 1000) / 10;
    console.log(
      JSON.stringify({
        log_bin: logBin ? "ON" : "OFF",
        seed,
        variant: name,
        tps: Math.round(r.tps),
        user_spin_pct: pct(r.spin.user_fraction),
        log_threads_spin_pct: pct(r.spin.log_threads_fraction),
        mutex_spin_pct: pct(r.spin.mutex_fraction),
        log_thread_spin_wait_share: Math.round(r.spin.log_thread_spin_wait_share * 100) / 100,
        latency_ms: r.latency_ms,
        cpu_per_txn_us: Math.round(r.cpu.cpu_per_txn_us),
        utime_abs: Math.round(r.srv_cpu_usage_mean.utime_abs * 10) / 10,
        stime_abs: Math.round(r.srv_cpu_usage_mean.stime_abs * 10) / 10,
        binlog_group: Math.round(r.commit.avg_group_size * 100) / 100,
        futex_us_per_txn: Math.round(((r.cpu.by_label_us_per_txn["sys:futex_wake"] ?? 0) + (r.cpu.by_label_us_per_txn["sys:futex_wait"] ?? 0)) * 10) / 10,
        sys_us_per_txn: Math.round(Object.entries(r.cpu.by_label_us_per_txn).reduce((a, [l, v]) => (l.startsWith("sys") ? a + v : a), 0) * 10) / 10,
        requests_interval_us: r.redo.requests_interval_us,
        purge_cpu_pct: pct(r.purge.cpu_fraction),
        purged_per_txn: Math.round(r.purge.purged_per_txn * 100) / 100,
        purge_history_len: r.purge.history_len,
        ...(r.cpuidle ? { cpuidle: r.cpuidle } : {}),
      }),
    );
  }
}
const d = sums.default!;
console.log(
  `glibc ${glibc ?? "none"}, cpuidle ${cpuidle}, host_cpus ${hostCpus ?? 6}, cfs_throttle ${cfsThrottle}, ${bandwidthSliceNs !== undefined ? `bandwidth slice ${bandwidthSliceNs / 1e6} ms (diagnostic), ` : ""}${cpuAccounting === "tick" ? `tick accounting at HZ=${hz}` : "precise accounting"}, log_bin ${logBin ? "ON" : "OFF"}, seeds ${seeds.join(",")}: TPS ratio pct_hwm=8 / default ${(sums.hwm8!.tps / d.tps).toFixed(2)} (wanted 1.15-1.55), ` +
    `user spin ${(d.spin * 100).toFixed(1)}% (wanted 12-30%), TPS at n_cpu=1 ${Math.round(sums.ncpu1!.tps)} (wanted 3,742-5,612)`,
);
