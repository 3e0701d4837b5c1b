export * from "./explore.js";
export * from "./parallel.js";
export * from "./scenario-run.js";
