import { describe, expect, it } from "vitest";
import { SEC } from "../../src/kernel/index.js";
import { DEFAULT_PAUSE_NS } from "../../src/machine/cpu/index.js";
import { IDLE_REQUESTS_INTERVAL_US, SPIN_CONDITION_CHECK_NS, SrvCpuUsageSampler, maxSpinsWhenWaitingInUserThread } from "../../src/mysql/innodb/redo.js";
import { runSysbench, type SysbenchOptions } from "../../src/mysql/workload/sysbench.js";

describe("srv_update_cpu_usage", () => {
  it("reproduces the seed's gdb print: n_cpu=6, utime_abs 83.26 -> utime_pct 13.88", () => {
    const s = new SrvCpuUsageSampler();
    // first call: sets the function-static last_time only (time_diff 0 < 100 ms)
    expect(s.update(0, 0, 0, 6)).toBe(false);
    // second call: records ru_utime / ru_stime
    expect(s.update(1 * SEC, 10 * SEC, 2 * SEC, 6)).toBe(false);
    // 1 s later the process used 832,617 µs of user and 153,210 µs of system time
    expect(s.update(2 * SEC, 10 * SEC + 832_617_000, 2 * SEC + 153_210_000, 6)).toBe(true);
    const u = s.usage;
    expect(u.n_cpu).toBe(6);
    expect(u.utime_abs).toBeCloseTo(83.2617, 4);
    expect(u.stime_abs).toBeCloseTo(15.321, 3);
    expect(u.utime_pct).toBeCloseTo(13.877, 3);
    expect(u.stime_pct).toBeCloseTo(2.5535, 4);
    // exactly the seed's relation: pct = abs / n_cpu
    expect(83.261736069525156 / 6).toBeCloseTo(13.876956011587525, 12);
    expect(u.utime_pct).toBe(u.utime_abs / 6);
  });

  it("ignores calls less than 100 ms apart", () => {
    const s = new SrvCpuUsageSampler();
    s.prime(0, 0, 0);
    expect(s.update(50_000_000, 1, 1, 6)).toBe(false);
    expect(s.update(100_000_000, 50_000_000, 0, 6)).toBe(true);
    expect(s.usage.utime_abs).toBe(50);
  });

  it("log_max_spins_when_waiting_in_user_thread: the seed's numbers spin, n_cpu=1 and pct_hwm=8 do not", () => {
    const seed = { n_cpu: 6, utime_abs: 83.26, stime_abs: 15.32, utime_pct: 13.88, stime_pct: 2.55 };
    const spins = maxSpinsWhenWaitingInUserThread(25000, seed, 80, 50);
    // r = (25 - 13.88) / 25; 25000 + r * 25000 * 9
    expect(spins).toBe(Math.floor(25000 + ((25 - 13.88) / 25) * 25000 * 9));
    expect(maxSpinsWhenWaitingInUserThread(25000, { ...seed, n_cpu: 1, utime_pct: 83.26 }, 80, 50)).toBe(0);
    expect(maxSpinsWhenWaitingInUserThread(25000, seed, 80, 8)).toBe(0);
    expect(maxSpinsWhenWaitingInUserThread(25000, { ...seed, utime_abs: 79 }, 80, 50)).toBe(0);
    expect(maxSpinsWhenWaitingInUserThread(25000, { ...seed, utime_pct: 30 }, 80, 50)).toBe(25000);
  });
});

const SHORT: SysbenchOptions = { durationNs: 1.5 * SEC, warmupNs: 1.5 * SEC, cpus: 6, cpuQuotaPct: 100, threads: 64, exactPercentiles: false };
/**
 * Since vio_read/vio_write were re-derived from the seed's stime_abs (branch issue-22-glibc) the
 * default run's utime_abs is ~78, below innodb_log_spin_cpu_abs_lwm (80): nothing spins. The tests
 * of what spinning does open that gate with innodb_log_spin_cpu_abs_lwm=70 (a server setting, not
 * a model parameter); the default's own state is pinned in scenarios/cpu/seed001-default.yaml.
 */
const SPINNING: Record<string, number> = { innodb_log_spin_cpu_abs_lwm: 70 };

describe("seed 001: CPUQuota=100%, AllowedCPUs=0-5, oltp_update_index 64 threads, no fitted parameter", () => {
  it("log_bin ON (8.0's default): only flush-stage leaders wait in log_write_up_to; n_cpu=1 and pct_hwm=8 stop user spinning", () => {
    const def = runSysbench({ ...SHORT, seed: 1, sysvars: SPINNING });
    expect(def.config.log_bin).toBe(true);
    expect(def.srv_cpu_usage.n_cpu).toBe(6);
    // the spin round is the machine's PAUSE plus the condition check, not a fitted constant
    expect(def.spin.spin_round_ns).toBeCloseTo(DEFAULT_PAUSE_NS + SPIN_CONDITION_CHECK_NS, 6);
    // group commit: one log_write_up_to per flush group, by its leader; followers do not call it
    expect(def.commit.leader_commits).toBeGreaterThan(500);
    expect(def.commit.follower_commits).toBeGreaterThan(100);
    expect(Math.abs(def.commit.log_write_up_to_calls - def.commit.leader_commits)).toBeLessThanOrEqual(2);
    expect(def.spin.user_fraction).toBeGreaterThan(0.01);
    expect(def.spin.log_writer_fraction + def.spin.log_flusher_fraction).toBeGreaterThan(0.1);
    expect(def.cpu.nr_throttled).toBeGreaterThan(0.9 * def.cpu.nr_periods);
    expect(def.cpu.cpus_used).toBeGreaterThan(0.95);
    expect(def.cpu.cpus_used).toBeLessThan(1.1);
    // per-CPU run queues: every CPU of the cpuset has queued tasks
    expect(def.per_cpu).toHaveLength(6);
    for (const c of def.per_cpu) expect(c.run_delay_ms_per_s).toBeGreaterThan(0);
    const one = runSysbench({ ...SHORT, seed: 1, forceNcpu: 1, sysvars: SPINNING });
    expect(one.spin.user_fraction).toBe(0);
    const pct = runSysbench({ ...SHORT, seed: 1, sysvars: { ...SPINNING, innodb_log_spin_cpu_pct_hwm: 8 } });
    expect(pct.spin.user_fraction).toBe(0);
    // the hacked build and the workaround differ only in the n_cpu InnoDB reports
    expect(pct.tps).toBe(one.tps);
  });

  it("log_bin=OFF: every commit waits (and spins) in log_write_up_to itself", () => {
    const off = runSysbench({ ...SHORT, seed: 1, sysvars: { ...SPINNING, log_bin: false } });
    expect(off.config.log_bin).toBe(false);
    expect(off.commit.leader_commits).toBe(0);
    // one call per commit; the window's counts can differ by the commits in flight at its two ends,
    // at most one per thread (was "> 0.95 x transactions", which the merged model's 243 TPS here,
    // with 64 commits spinning across the window's start, broke: 339 calls for 364 commits)
    expect(off.commit.log_write_up_to_calls).toBeGreaterThanOrEqual(off.transactions - SHORT.threads!);
    // 64 committers spinning 125k rounds of ~48 ns burn most of the quota
    expect(off.spin.user_fraction).toBeGreaterThan(0.5);
    const offOne = runSysbench({ ...SHORT, seed: 1, sysvars: { ...SPINNING, log_bin: false }, forceNcpu: 1 });
    expect(offOne.spin.user_fraction).toBe(0);
    // x2, was x3: with the requests monitor starting as an idle server's (100 ms) the OFF default
    // spins less in its first seconds; it is chaotic by seed (293-1,767 TPS over 10 s, docs/cpu-and-redo.md)
    expect(offOne.tps).toBeGreaterThan(2 * off.tps);
  });

  it("machine.pause_ns sets the spin round; a shorter PAUSE spins less CPU per wait", () => {
    const short = runSysbench({ ...SHORT, seed: 1, pauseNs: 3.33, sysvars: { log_bin: false } });
    expect(short.spin.spin_round_ns).toBeCloseTo(3.33 + SPIN_CONDITION_CHECK_NS, 6);
    expect(short.config.pause_ns).toBe(3.33);
  });

  it("an idle server's log writer holds a 100 ms request interval (Log_write_to_file_requests_monitor), so its log threads do not spin", () => {
    let interval = -1;
    const idle = runSysbench({ ...SHORT, seed: 1, threads: 0, inspect: ({ redo }) => (interval = redo.requestsIntervalUs) });
    expect(interval).toBe(IDLE_REQUESTS_INTERVAL_US);
    expect(idle.spin.log_thread_spin_wait_share).toBe(0);
    expect(idle.spin.log_writer_fraction + idle.spin.log_flusher_fraction).toBe(0);
  });

  it("innodb_log_spin_cpu_abs_lwm gates every spinner: above the server's utime_abs nobody spins, log threads included", () => {
    // the default (abs_lwm 80) sits below the gate since the socket syscalls' re-derivation; with
    // abs_lwm 70 the same server is on the spinning side: its log threads may spin in almost every wait
    const def = runSysbench({ ...SHORT, seed: 1, sysvars: SPINNING });
    expect(def.srv_cpu_usage_mean.utime_abs).toBeGreaterThan(70);
    expect(def.spin.log_thread_spin_wait_share).toBeGreaterThan(0.5);
    // the same run with the low-water mark above what the server's user time reaches
    const lwm = runSysbench({ ...SHORT, seed: 1, sysvars: { innodb_log_spin_cpu_abs_lwm: 99 } });
    expect(lwm.srv_cpu_usage_mean.utime_abs).toBeLessThan(99);
    expect(lwm.spin.log_thread_spin_wait_share).toBe(0);
    expect(lwm.spin.user_fraction + lwm.spin.log_writer_fraction + lwm.spin.log_flusher_fraction).toBe(0);
    expect(lwm.tps).toBeGreaterThan(def.tps);
  });

  it("srvCpuUsageAtStart (a diagnostic) sets what the spin decisions read until the first srv_cpu_usage sample", () => {
    const early: SysbenchOptions = { ...SHORT, durationNs: 0.6 * SEC, warmupNs: 0.2 * SEC, seed: 1 };
    const plain = runSysbench(early);
    expect(plain.spin.user_fraction).toBe(0); // the primed sampler reads 0 until its first sample at 1 s
    const seedState = runSysbench({ ...early, srvCpuUsageAtStart: { n_cpu: 6, utime_abs: 83.26, stime_abs: 15.32, utime_pct: 83.26 / 6, stime_pct: 15.32 / 6 } });
    expect(seedState.spin.user_fraction).toBeGreaterThan(0.01);
  });

  it("without a quota nothing is throttled", () => {
    const free = runSysbench({ ...SHORT, seed: 1, cpuQuotaPct: null });
    expect(free.cpu.nr_throttled).toBe(0);
    expect(free.cpu.throttled_time_s).toBe(0);
  });

  it("is deterministic: same seed, same report", () => {
    const a = runSysbench({ ...SHORT, durationNs: 0.5 * SEC, warmupNs: 1 * SEC, seed: 7 });
    const b = runSysbench({ ...SHORT, durationNs: 0.5 * SEC, warmupNs: 1 * SEC, seed: 7 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = runSysbench({ ...SHORT, durationNs: 0.5 * SEC, warmupNs: 1 * SEC, seed: 8 });
    expect(c.latency_ms).not.toEqual(a.latency_ms);
  });
});
