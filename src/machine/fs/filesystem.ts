// File-system kinds and their lock quotas. A FileSystemSpec is plain data so scenarios can set it.
//
// EFS quotas are those AWS publishes for an NFS client (awsdocs/amazon-efs-user-guide,
// doc_source/limits.md "Limits for Client EC2 Instances" / "Quotas for NFS clients", and
// doc_source/troubleshooting-efs-fileop-errors.md, "Command Fails with 'Disk quota exceeded' Error"):
//   - "Each unique mount on the instance can acquire up to a total of 8,192 locks across a maximum
//      of 256 unique file/process pairs."                         -> maxLockPairsPerMount, maxLocksPerMount
//   - "Up to 32,768 files open at the same time on the instance."  -> maxOpenFiles (kept per mount here)
//   - "Any one particular file can have up to 87 locks across all users of the file system."
//      (older limits.md, "Limits for Amazon EFS File Systems")     -> maxLocksPerFile
// The troubleshooting page says exceeding these makes the command fail with "Disk quota exceeded"
// (EDQUOT), which is what the seed saw (InnoDB: "Unable to lock ... error: 122").

import type { ErrnoName } from "./errno.js";

export type FsKind = "local" | "nfs" | "efs";

/**
 * What the server answers when a lock would exceed a quota, as the NFS client turns it into an
 * errno for fcntl(). Mapping from the Linux client's nfs_errtbl (fs/nfs/nfs4xdr.c; later moved by
 * a patch): NFS4ERR_DQUOT -> EDQUOT, NFS4ERR_LOCKED -> EAGAIN, NFS4ERR_SERVERFAULT -> EREMOTEIO.
 * Which NFS status EFS actually sends is not published (UNVERIFIED); NFS4ERR_DQUOT is the default
 * because it is the one that yields the seed's errno 122. "ENOLCK" stands for the client failing
 * the lock itself (the errno the seed injected with strace); whether any real path gives it for
 * EFS is UNVERIFIED.
 */
export type LockLimitAnswer = "NFS4ERR_DQUOT" | "NFS4ERR_LOCKED" | "NFS4ERR_SERVERFAULT" | "ENOLCK";

export const LOCK_LIMIT_ERRNO: Readonly<Record<LockLimitAnswer, ErrnoName>> = {
  NFS4ERR_DQUOT: "EDQUOT",
  NFS4ERR_LOCKED: "EAGAIN",
  NFS4ERR_SERVERFAULT: "EREMOTEIO",
  ENOLCK: "ENOLCK",
};

export interface FileSystemSpec {
  readonly kind: FsKind;
  /** Distinct (process, file) pairs holding a lock, per mount; null = no limit. */
  readonly maxLockPairsPerMount: number | null;
  /** Lock records per mount; with whole-file locks one pair holds exactly one record. */
  readonly maxLocksPerMount: number | null;
  /** Lock records on one file across all processes of the mount; null = no limit. */
  readonly maxLocksPerFile: number | null;
  /** Distinct files open at once on the mount; exceeding it fails open() with EDQUOT. */
  readonly maxOpenFiles: number | null;
  readonly lockLimitAnswer: LockLimitAnswer;
}

export const EFS_LOCK_PAIRS_PER_MOUNT = 256;
export const EFS_LOCKS_PER_MOUNT = 8192;
export const EFS_LOCKS_PER_FILE = 87;
export const EFS_OPEN_FILES_PER_INSTANCE = 32768;

const UNLIMITED = {
  maxLockPairsPerMount: null,
  maxLocksPerMount: null,
  maxLocksPerFile: null,
  maxOpenFiles: null,
} as const;

export function localFs(): FileSystemSpec {
  return { kind: "local", ...UNLIMITED, lockLimitAnswer: "ENOLCK" };
}

/** A plain NFSv4 server: no published lock-pair quota (the seed's own server took millions of locks). */
export function nfsFs(): FileSystemSpec {
  return { kind: "nfs", ...UNLIMITED, lockLimitAnswer: "NFS4ERR_DQUOT" };
}

export function efsFs(overrides: Partial<Omit<FileSystemSpec, "kind">> = {}): FileSystemSpec {
  return {
    kind: "efs",
    maxLockPairsPerMount: EFS_LOCK_PAIRS_PER_MOUNT,
    maxLocksPerMount: EFS_LOCKS_PER_MOUNT,
    maxLocksPerFile: EFS_LOCKS_PER_FILE,
    maxOpenFiles: EFS_OPEN_FILES_PER_INSTANCE,
    lockLimitAnswer: "NFS4ERR_DQUOT",
    ...overrides,
  };
}
