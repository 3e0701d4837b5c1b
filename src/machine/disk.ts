import type { Effect, SimThread } from "../kernel/thread.js";
import { US, type Ns } from "../kernel/time.js";

/**
 * A block device: write and fsync latencies drawn from the seeded "disk" stream (log-normal
 * around a median), so throughput and group sizes respond to how often a model syncs.
 * Requests do not queue on each other (a device with ample queue depth); an fsync's latency is
 * independent of how much it makes durable, which is what makes grouping pay.
 */
export interface DiskSpec {
  name: string;
  /** median latency of a buffered write() of a small record, plus per-byte cost */
  writeNs: Ns;
  writeNsPerKiB: Ns;
  /** median fsync() latency and the log-normal sigma of its spread */
  fsyncNs: Ns;
  fsyncSigma: number;
  /** system CPU the syscalls cost the caller (a memory file system: the copy is the write) */
  sysWriteNs?: Ns;
  sysWriteNsPerKiB?: Ns;
  sysFsyncNs?: Ns;
}

/** A datacenter SSD: ~0.5 ms fsync (orders of magnitude, not a measured device). */
export const SSD: DiskSpec = { name: "ssd", writeNs: 10 * US, writeNsPerKiB: 1 * US, fsyncNs: 500 * US, fsyncSigma: 0.3 };
/** A network volume (EBS gp3-like): ~2 ms fsync. */
export const NETWORK_VOLUME: DiskSpec = { name: "ebs", writeNs: 15 * US, writeNsPerKiB: 2 * US, fsyncNs: 2000 * US, fsyncSigma: 0.4 };

/**
 * tmpfs, as the seed's `--datadir=/dev/shm/data`: a write is a syscall plus a memcpy into page
 * cache (system CPU, ~1.5 µs + 0.25 ns/byte), fsync is a syscall that has nothing to do
 * (shmem's noop_fsync: ~1 µs of system CPU), no device wait. UNVERIFIED orders of magnitude; the
 * same figures as the 8.0 redo model's TMPFS device (src/mysql/innodb/redo.ts).
 */
export const DEV_SHM: DiskSpec = { name: "tmpfs", writeNs: 0, writeNsPerKiB: 0, fsyncNs: 0, fsyncSigma: 0, sysWriteNs: 1500, sysWriteNsPerKiB: 256, sysFsyncNs: 1000 };

export class Disk {
  writes = 0;
  fsyncs = 0;

  constructor(readonly spec: DiskSpec = SSD) {}

  /** write(2) of `bytes` to the file's page cache */
  *write(t: SimThread, bytes: number, label = "write"): Generator<Effect, void, unknown> {
    this.writes++;
    const s = this.spec;
    if (s.sysWriteNs !== undefined) yield t.cpu(s.sysWriteNs + Math.round((bytes / 1024) * (s.sysWriteNsPerKiB ?? 0)), "sys:write");
    if (s.writeNs <= 0 && s.writeNsPerKiB <= 0) return;
    const rng = t.rng("disk");
    yield t.io(Math.round(rng.lognormal(s.writeNs, 0.2) + (bytes / 1024) * s.writeNsPerKiB), label);
  }

  /** fsync(2) */
  *fsync(t: SimThread, label = "fsync"): Generator<Effect, void, unknown> {
    this.fsyncs++;
    if (this.spec.sysFsyncNs !== undefined) yield t.cpu(this.spec.sysFsyncNs, "sys:fsync");
    if (this.spec.fsyncNs <= 0) return;
    yield t.io(Math.round(t.rng("disk").lognormal(this.spec.fsyncNs, this.spec.fsyncSigma)), label);
  }
}
