import { describe, expect, it } from "vitest";
import { SEC } from "../../src/kernel/index.js";
import { SrvCpuUsageSampler, maxSpinsWhenWaitingInUserThread } from "../../src/mysql/innodb/redo.js";
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

const SHORT: SysbenchOptions = { durationNs: 3 * SEC, warmupNs: 2 * SEC, cpus: 6, cpuQuotaPct: 100, threads: 64 };

describe("seed 001: CPUQuota=100%, AllowedCPUs=0-5, oltp_update_index 64 threads", () => {
  it("default vs n_cpu=1 vs innodb_log_spin_cpu_pct_hwm=8: the ~1.35 ratio comes out of spinning under the quota (3 seeds)", () => {
    const ratios: number[] = [];
    for (const seed of [1, 2, 3]) {
      const def = runSysbench({ ...SHORT, seed });
      const one = runSysbench({ ...SHORT, seed, forceNcpu: 1 });
      ratios.push(one.tps / def.tps);
      // direction of every effect
      expect(def.srv_cpu_usage.n_cpu).toBe(6);
      expect(def.spin.user_fraction).toBeGreaterThan(0.1);
      expect(one.spin.user_fraction).toBe(0);
      expect(def.cpu.nr_throttled).toBeGreaterThan(0.9 * def.cpu.nr_periods);
      expect(def.cpu.cpus_used).toBeGreaterThan(0.97);
      expect(def.cpu.cpus_used).toBeLessThan(1.1);
      expect(def.latency_ms.avg).toBeGreaterThan(one.latency_ms.avg);
      // the seed's absolute numbers within 15%
      expect(def.tps).toBeGreaterThan(3462 * 0.85);
      expect(def.tps).toBeLessThan(3462 * 1.15);
      expect(one.tps).toBeGreaterThan(4677 * 0.85);
      expect(one.tps).toBeLessThan(4677 * 1.15);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeGreaterThan(1.351 * 0.85);
    expect(mean).toBeLessThan(1.351 * 1.15);
    // pct_hwm=8 (= 50/6) switches spinning off too
    const pct = runSysbench({ ...SHORT, seed: 1, sysvars: { innodb_log_spin_cpu_pct_hwm: 8 } });
    expect(pct.spin.user_fraction).toBe(0);
    expect(pct.tps / runSysbench({ ...SHORT, seed: 1 }).tps).toBeGreaterThan(1.351 * 0.85);
  });

  it("without a quota nothing is throttled and spinning costs no throughput", () => {
    const free = runSysbench({ ...SHORT, seed: 1, cpuQuotaPct: null });
    expect(free.cpu.nr_throttled).toBe(0);
    expect(free.cpu.throttled_time_s).toBe(0);
    const freeOne = runSysbench({ ...SHORT, seed: 1, cpuQuotaPct: null, forceNcpu: 1 });
    expect(free.tps).toBeGreaterThan(freeOne.tps * 0.95);
  });

  it("is deterministic: same seed, same report", () => {
    const a = runSysbench({ ...SHORT, durationNs: 1 * SEC, warmupNs: 1 * SEC, seed: 7 });
    const b = runSysbench({ ...SHORT, durationNs: 1 * SEC, warmupNs: 1 * SEC, seed: 7 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = runSysbench({ ...SHORT, durationNs: 1 * SEC, warmupNs: 1 * SEC, seed: 8 });
    expect(c.latency_ms).not.toEqual(a.latency_ms);
  });
});
