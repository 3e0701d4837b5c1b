export * from "./cgroup.js";
export * from "./machine.js";
