/**
 * Bounds, progress and interrupts of a long run: `--max-wall`, `--max-steps`, `--trace-max`, a
 * progress line on a terminal, and SIGINT/SIGTERM ending the run cleanly (exit 130/143). The
 * simulation is synchronous; the kernel's tick pauses it every PAUSE_MS of wall time so the event
 * loop can deliver a signal.
 */
import { statSync } from "node:fs";
import { formatDuration, parseDuration } from "../kernel/time.js";
import type { RunOptions } from "../scenario/run.js";
import { CliError, EXIT_SIGINT, EXIT_SIGTERM } from "./common.js";

export interface LimitArgs {
  maxWall?: string;
  maxSteps?: number;
  traceMax?: string;
}

/** How often a run gives the event loop a turn (signals), and how often the progress line is redrawn. */
const PAUSE_MS = 50;
const PROGRESS_MS = 250;
/** A run shows progress only once it has taken this long. */
const PROGRESS_AFTER_MS = 1000;

/** SIGINT and SIGTERM, remembered instead of ending the process at once, while installed. */
export class Interrupts {
  signal: NodeJS.Signals | null = null;
  private readonly handler = (s: NodeJS.Signals): void => {
    // a second Ctrl-C while we clean up: the user means it
    if (this.signal) process.exit(exitCodeFor(s));
    this.signal = s;
  };

  install(): this {
    process.on("SIGINT", this.handler);
    process.on("SIGTERM", this.handler);
    return this;
  }

  dispose(): void {
    process.off("SIGINT", this.handler);
    process.off("SIGTERM", this.handler);
  }

  get exitCode(): number {
    return exitCodeFor(this.signal ?? "SIGINT");
  }
}

function exitCodeFor(s: NodeJS.Signals): number {
  return s === "SIGTERM" ? EXIT_SIGTERM : EXIT_SIGINT;
}

/** "512MB", "2G", "1.5 GiB", "100000" (bytes) as a number of bytes. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const scale = { "": 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.round(Number(m[1]) * scale);
}

export function formatSize(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Checks the limit options before anything runs (bad values are bad input, exit 2). */
export function checkLimits(a: LimitArgs): { maxWallMs: number | null; maxSteps: number | null; traceMaxBytes: number | null } {
  let maxWallMs: number | null = null;
  if (a.maxWall !== undefined) {
    const ns = parseDuration(a.maxWall);
    if (ns === null || ns <= 0) throw new CliError(`--max-wall ${a.maxWall}: expected a wall-clock duration such as 30s or 5m`);
    maxWallMs = ns / 1e6;
  }
  if (a.maxSteps !== undefined && !(Number.isInteger(a.maxSteps) && a.maxSteps > 0)) throw new CliError(`--max-steps ${a.maxSteps}: expected a positive integer`);
  let traceMaxBytes: number | null = null;
  if (a.traceMax !== undefined) {
    traceMaxBytes = parseSize(a.traceMax);
    if (traceMaxBytes === null || traceMaxBytes <= 0) throw new CliError(`--trace-max ${a.traceMax}: expected a size such as 200MB or 2G`);
  }
  return { maxWallMs, maxSteps: a.maxSteps ?? null, traceMaxBytes };
}

/**
 * The RunOptions that bound one run and draw its progress line (on stderr, if `progress`), and
 * `done()` to clear the line. `traceFile`: the trace being written, whose size --trace-max bounds.
 */
export function runControl(a: LimitArgs, o: { durationNs: number; traceFile?: string; progress: boolean; interruptible: boolean }): { opts: Pick<RunOptions, "maxSteps" | "tick">; done(): void } {
  const lim = checkLimits(a);
  const started = performance.now();
  let lastPause = started;
  let lastDraw = started;
  let drawn = false;
  const tmp = o.traceFile ? `${o.traceFile}.tmp-${process.pid}` : null;
  const tick: NonNullable<RunOptions["tick"]> = ({ virtualNs, steps }) => {
    const now = performance.now();
    const wall = now - started;
    if (lim.maxWallMs !== null && wall > lim.maxWallMs) {
      return { stop: `stopped by --max-wall ${a.maxWall} after ${(wall / 1000).toFixed(1)} s of wall time, at ${formatDuration(virtualNs)} virtual of ${formatDuration(o.durationNs)}; the run is incomplete` };
    }
    if (tmp !== null && lim.traceMaxBytes !== null) {
      const size = fileSize(tmp);
      if (size > lim.traceMaxBytes) {
        return { stop: `stopped by --trace-max ${a.traceMax}: the trace reached ${formatSize(size)} at ${formatDuration(virtualNs)} virtual of ${formatDuration(o.durationNs)}; it holds the run up to there` };
      }
    }
    if (o.progress && wall > PROGRESS_AFTER_MS && now - lastDraw > PROGRESS_MS) {
      lastDraw = now;
      drawn = true;
      const rate = steps / (wall / 1000);
      const eta = virtualNs > 0 ? (wall / 1000) * (o.durationNs / virtualNs - 1) : Infinity;
      process.stderr.write(`\r\x1b[K  ${formatDuration(virtualNs)} of ${formatDuration(o.durationNs)} virtual, ${steps.toLocaleString("en-US")} steps (${Math.round(rate).toLocaleString("en-US")}/s)${Number.isFinite(eta) ? `, eta ${formatDuration(Math.round(eta * 1e9))}` : ""}  (Ctrl-C stops)`);
    }
    if (o.interruptible && now - lastPause > PAUSE_MS) {
      lastPause = now;
      return "pause";
    }
  };
  return {
    opts: { ...(lim.maxSteps !== null ? { maxSteps: lim.maxSteps } : {}), tick },
    done() {
      if (drawn) process.stderr.write("\r\x1b[K");
    },
  };
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}
