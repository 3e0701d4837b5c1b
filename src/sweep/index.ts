/** Parameter sweeps: grids of variable settings x seeds, a worker pool, shards, resumable results. */
export { runSweep, type SweepOptions, type SweepResult } from "./sweep.js";
export { parseAxes, expandGrid, pointKey, deriveSeed, runList, parseShard, shardOf, SweepInputError, type Axis, type Point, type Run, type Shard } from "./grid.js";
export { PointRunner, OUTCOMES, type RunRecord, type Outcome } from "./execute.js";
export { readResults, formatOf, jsonLine, type Format } from "./results.js";
export { mergeResults } from "./merge.js";
export { describe as describeValues, summarisePoint, tQuantile, wilson, quantile, SHARE_METRICS, type MetricSummary, type PointSummary } from "./stats.js";
export { renderReport } from "./report.js";
export { sweepCli, mergeCli } from "./cli.js";
