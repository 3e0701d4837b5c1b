// Linux errno numbers (x86-64 / asm-generic) and glibc strerror() texts for the errors the
// file-system model can return. Sources: the seed incident log ("Error number 37 means 'No locks
// available'", "Error number 122 means 'Disk quota exceeded'"), MySQL 8.0 error logs quoted in
// public issues ("Error number 11 means 'Resource temporarily unavailable'", "Error number 95 means
// 'Operation not supported'"), and include/uapi/asm-generic/errno*.h. The remaining strerror texts are
// glibc's and are not checked against a source here (UNVERIFIED wording, standard values).

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ENOLCK: 37,
  EOPNOTSUPP: 95,
  EREMOTEIO: 121,
  EDQUOT: 122,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const STRERROR: Record<ErrnoName, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  EACCES: "Permission denied",
  EEXIST: "File exists",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  ENOLCK: "No locks available",
  EOPNOTSUPP: "Operation not supported",
  EREMOTEIO: "Remote I/O error",
  EDQUOT: "Disk quota exceeded",
};

export interface ErrnoInfo {
  readonly errno: number;
  readonly errnoName: ErrnoName;
  readonly strerror: string;
}

export function isErrnoName(name: string): name is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, name);
}

export function errnoInfo(name: ErrnoName): ErrnoInfo {
  return { errno: ERRNO[name], errnoName: name, strerror: STRERROR[name] };
}

export function strerror(name: ErrnoName): string {
  return STRERROR[name];
}
