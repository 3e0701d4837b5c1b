/**
 * Compares a run's .result text with MySQL's recorded one, line by line: the longest common
 * subsequence (Myers' O(ND) diff), so one missing line does not shift every line after it.
 */

export interface Comparison {
  /** lines of the recorded result that the run's output has, in order */
  matching: number;
  /** lines in the recorded result */
  total: number;
  /** lines in the run's output */
  produced: number;
  /** the differences, in order: "-" only in the recorded result, "+" only in the output */
  hunks: Hunk[];
}

export interface Hunk {
  /** 1-based line in the recorded result where the hunk starts */
  expectedLine: number;
  /** 1-based line in the output */
  actualLine: number;
  removed: string[];
  added: string[];
}

export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function compareResults(expectedText: string, actualText: string): Comparison {
  const a = splitLines(expectedText);
  const b = splitLines(actualText);
  const ops = diff(a, b);
  let matching = 0;
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let cur: Hunk | null = null;
  for (const op of ops) {
    if (op === "=") {
      matching++;
      i++;
      j++;
      cur = null;
      continue;
    }
    if (!cur) {
      cur = { expectedLine: i + 1, actualLine: j + 1, removed: [], added: [] };
      hunks.push(cur);
    }
    if (op === "-") cur.removed.push(a[i++]!);
    else cur.added.push(b[j++]!);
  }
  return { matching, total: a.length, produced: b.length, hunks };
}

/** Myers' diff: the edit script ("=", "-", "+") from a to b. */
function diff(a: string[], b: string[]): ("=" | "-" | "+")[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // V before each round d, only its band [-d-1, d+1] (the whole array each round would be O((N+M)D) memory)
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  // backtrack
  const ops: ("=" | "-" | "+")[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const band = trace[d]!;
    const at = (k: number): number => band[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push("=");
      x--;
      y--;
    }
    if (x === prevX) {
      ops.push("+");
      y--;
    } else {
      ops.push("-");
      x--;
    }
  }
  while (x > 0 && y > 0) {
    ops.push("=");
    x--;
    y--;
  }
  return ops.reverse();
}
