// File systems, processes, descriptors and POSIX record locks: see docs/file-locks.md.
export * from "./errno.js";
export * from "./filesystem.js";
export * from "./strace.js";
export * from "./vfs.js";
