export * from "./record.js";
export * from "./sink.js";
export * from "./reader.js";
