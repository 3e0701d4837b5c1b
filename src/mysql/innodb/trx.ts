import type { Kernel } from "../../kernel/kernel.js";
import type { Effect, SimThread } from "../../kernel/thread.js";
import { SEC, US } from "../../kernel/time.js";
import { OsEvent } from "../../sync/os-event.js";
import type { Disk } from "../../machine/disk.js";
import type { SystemVariables } from "../sysvars.js";

/**
 * InnoDB's redo log as 5.6/5.7 flush it (log0log.cc log_write_up_to before 8.0's log writer
 * threads): a thread that needs its LSN written (and flushed) either finds it done, waits for a
 * flush in progress (log_sys->no_flush_event) and looks again, or does the write + fsync itself
 * for everything logged so far — so concurrent committers share fsyncs (InnoDB's own group commit).
 * 8.0's dedicated writer/flusher threads and their spinning are in redo.ts.
 */
export class RedoLog56 {
  lsn = 0;
  writtenLsn = 0;
  flushedLsn = 0;
  flushes = 0;
  private flushing = false;
  private readonly noFlushEvent: OsEvent;

  constructor(
    readonly kernel: Kernel,
    readonly disk: Disk,
  ) {
    this.noFlushEvent = new OsEvent(kernel, "log_sys->no_flush_event");
    this.noFlushEvent.set();
  }

  /** mtr_commit: append bytes of redo; returns the end LSN */
  append(bytes: number): number {
    this.lsn += bytes;
    return this.lsn;
  }

  /** log_write_up_to(lsn, flush_to_disk) */
  *writeUpTo(t: SimThread, lsn: number, flush: boolean): Generator<Effect, void, unknown> {
    for (;;) {
      if (flush ? this.flushedLsn >= lsn : this.writtenLsn >= lsn) return;
      if (this.flushing) {
        const sig = this.noFlushEvent.reset();
        yield t.acquire(this.noFlushEvent, sig);
        continue;
      }
      this.flushing = true;
      this.noFlushEvent.reset();
      const upTo = this.lsn;
      yield* this.disk.write(t, upTo - this.writtenLsn, "redo write");
      this.writtenLsn = Math.max(this.writtenLsn, upTo);
      if (flush) {
        yield* this.disk.fsync(t, "redo fsync");
        this.flushedLsn = Math.max(this.flushedLsn, upTo);
        this.flushes++;
      }
      this.flushing = false;
      this.noFlushEvent.set(t);
    }
  }

  /** srv_master_thread's once-a-second flush (innodb_flush_log_at_trx_commit 0 and 2) */
  startBackgroundFlush(vars: SystemVariables): void {
    // a method, not a function* made here: see src/scenario/run.ts ScriptRun
    this.kernel.spawn("srv_master_thread", (t) => this.srvMasterThread(t, vars), { daemon: true });
  }

  private *srvMasterThread(t: SimThread, vars: SystemVariables): Generator<Effect, void, unknown> {
    for (;;) {
      yield t.sleep(SEC);
      if (vars.int("innodb_flush_log_at_trx_commit") !== 1 && this.flushedLsn < this.lsn) yield* this.writeUpTo(t, this.lsn, true);
    }
  }
}

/** redo bytes a small transaction logs at prepare and at commit (orders of magnitude) */
export const REDO_PREPARE_BYTES = 600;
export const REDO_COMMIT_BYTES = 120;
