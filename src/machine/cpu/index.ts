export * from "./cgroup.js";
export * from "./machine.js";
export * from "./cputime.js";
