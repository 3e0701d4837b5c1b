export * from "./explore.js";
