export * from "./mutex.js";
export * from "./cond.js";
export * from "./rwlock.js";
export * from "./os-event.js";
export * from "./atomic.js";
export * from "./semaphore.js";
export * from "./debug-sync.js";
