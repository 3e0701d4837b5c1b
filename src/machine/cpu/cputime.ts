import type { Ns } from "../../kernel/time.js";

/**
 * How the kernel splits a process's CPU time into user and system time, i.e. what getrusage()
 * returns as ru_utime / ru_stime (kernel/sys.c getrusage -> thread_group_cputime_adjusted) and so
 * what InnoDB's srv_update_cpu_usage reads. Linux 5.x, kernel/sched/cputime.c:
 *
 * - "tick" (CONFIG_TICK_CPU_ACCOUNTING, Kconfig's default; also VIRT_CPU_ACCOUNTING_GEN on a CPU
 *   that is not nohz_full): the runtime itself is exact (sum_exec_runtime, charged by update_curr),
 *   but the user/system split is sampled. At each timer tick, every 1/HZ s on each CPU,
 *   account_process_tick charges one TICK_NSEC to the current task's utime if the tick interrupted
 *   user mode, else to its stime (account_user_time / account_system_time). getrusage then scales
 *   the exact runtime by the ticks' ratio (cputime_adjust, below): the split is a sample of about
 *   HZ x (CPUs busy) ticks a second, so a one-second reading of "83% user" carries a binomial
 *   error of a few points at HZ=250.
 * - "precise": the exact split (VIRT_CPU_ACCOUNTING_GEN on nohz_full CPUs, where context tracking
 *   times every user/kernel transition; also the model before this accounting was added).
 *
 * The ticks of all CPUs fall on one grid (tick_sched_timer; `skew_tick=0`, the default), whose
 * offset from the simulation's time 0 is drawn once per run from the seeded stream "machine/tick"
 * (a server's boot time is not aligned to anything the workload does). Interrupts' own time and
 * steal time are not modelled (no IRQ_TIME_ACCOUNTING, no hypervisor).
 */
export type CpuAccounting = "tick" | "precise";

/** HZ: Kconfig's default (HZ_250); Ubuntu's generic kernels before 24.04 use 250, Fedora and RHEL 1000. */
export const DEFAULT_HZ = 250;

/** TICK_NSEC (include/linux/jiffies.h): (NSEC_PER_SEC + HZ/2) / HZ, integer division */
export function tickNsec(hz: number): Ns {
  return Math.floor((1e9 + Math.floor(hz / 2)) / hz);
}

/** signal_struct.prev_cputime: what getrusage last reported, kept so the reported times never go back */
export interface PrevCputime {
  utime: Ns;
  stime: Ns;
}

/** The tick-sampled times of a thread group (task_cputime.utime / .stime, summed over its threads). */
export interface TickCputime {
  utime: Ns;
  stime: Ns;
}

/**
 * cputime_adjust (kernel/sched/cputime.c, 5.x): scales the exact runtime `rtime` by the ticks'
 * stime : utime ratio, accumulated since the process started (not per call: the Ma Xing 2023 patch
 * "sched/cputime: Make cputime_adjust() more accurate" proposed per-interval deltas and was not
 * merged), and keeps both reported times monotonic:
 *
 *   if (prev->stime + prev->utime >= rtime) goto out;
 *   if (stime == 0) { utime = rtime; goto update; }
 *   if (utime == 0) { stime = rtime; goto update; }
 *   stime = mul_u64_u64_div_u64(stime, rtime, stime + utime);
 * update:
 *   if (stime < prev->stime) stime = prev->stime;
 *   utime = rtime - stime;
 *   if (utime < prev->utime) { utime = prev->utime; stime = rtime - utime; }
 *   prev->stime = stime; prev->utime = utime;
 * out:
 *   *ut = prev->utime; *st = prev->stime;
 *
 * Updates `prev` and returns it.
 */
export function cputimeAdjust(rtime: Ns, ticks: TickCputime, prev: PrevCputime): PrevCputime {
  if (prev.stime + prev.utime >= rtime) return prev;
  let stime: Ns;
  if (ticks.stime === 0) stime = 0;
  else if (ticks.utime === 0) stime = rtime;
  else stime = Math.floor((ticks.stime * rtime) / (ticks.stime + ticks.utime));
  if (stime < prev.stime) stime = prev.stime;
  let utime = rtime - stime;
  if (utime < prev.utime) {
    utime = prev.utime;
    stime = rtime - utime;
  }
  prev.stime = stime;
  prev.utime = utime;
  return prev;
}

/**
 * The ticks of the grid `phase + k * tick` that fall in the half-open interval (from, to]: a tick at
 * the very instant a thread stops running is charged to it, one at the instant it starts is not.
 */
export function ticksIn(from: Ns, to: Ns, phase: Ns, tick: Ns): number {
  return Math.floor((to - phase) / tick) - Math.floor((from - phase) / tick);
}
