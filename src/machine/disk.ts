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
}

/** A datacenter SSD: ~0.5 ms fsync (orders of magnitude, not a measured device). */
export const SSD: DiskSpec = { name: "ssd", writeNs: 10 * US, writeNsPerKiB: 1 * US, fsyncNs: 500 * US, fsyncSigma: 0.3 };
/** A network volume (EBS gp3-like): ~2 ms fsync. */
export const NETWORK_VOLUME: DiskSpec = { name: "ebs", writeNs: 15 * US, writeNsPerKiB: 2 * US, fsyncNs: 2000 * US, fsyncSigma: 0.4 };

export class Disk {
  writes = 0;
  fsyncs = 0;

  constructor(readonly spec: DiskSpec = SSD) {}

  /** write(2) of `bytes` to the file's page cache */
  *write(t: SimThread, bytes: number, label = "write"): Generator<Effect, void, unknown> {
    this.writes++;
    const rng = t.rng("disk");
    yield t.io(Math.round(rng.lognormal(this.spec.writeNs, 0.2) + (bytes / 1024) * this.spec.writeNsPerKiB), label);
  }

  /** fsync(2) */
  *fsync(t: SimThread, label = "fsync"): Generator<Effect, void, unknown> {
    this.fsyncs++;
    yield t.io(Math.round(t.rng("disk").lognormal(this.spec.fsyncNs, this.spec.fsyncSigma)), label);
  }
}
