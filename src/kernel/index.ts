export * from "./kernel.js";
export * from "./thread.js";
export * from "./waitable.js";
export * from "./scheduler.js";
export * from "./schedule-string.js";
export * from "./random.js";
export * from "./time.js";
