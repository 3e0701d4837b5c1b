// Fault injection modelled on strace's `-e inject=` / `--inject=` (older spelling in the seed:
// `-e fault=fcntl:error=ENOLCK:when=25+`).
//
// The `when=` grammar follows strace's parse_inject_token() (src/filter_qualify.c, read from the
// strace/strace repository) and its tests (tests/qual_inject-syntax.test, tests/qual_fault.test):
//
//   (absent)  == 1..INF+1   every call
//   F         == F..INF+0   only the F-th call
//   F+        == F..INF+1   the F-th call and every one after it
//   F+S       == F..INF+S   the F-th, F+S-th, F+2S-th ...
//   F..L      == F..L+1     calls F to L inclusive
//   F..L+     == F..L+1
//   F..L+S    == F..L+S
//
// Limits as in strace: F and S are 1..65535; L must be >= F and below 65535 (65535 is strace's
// INJECT_LAST_INF marker). Rejected by strace and here: "", "0", "-1", "-2+", "4-", "5+-", "6++",
// "7+0", "8+-1", "9+1+", "65536", "1+65536".
//
// Counting: strace numbers the calls of the named syscall per tracee. In this model a tracee is a
// process (pid); strace really keeps one counter per traced task, i.e. per thread under -f
// (UNVERIFIED from the source; see docs/file-locks.md). Counting starts when the injection is
// attached, as with `strace -p PID`.

import { isErrnoName, type ErrnoName } from "./errno.js";

export const STRACE_WHEN_MAX = 0xffff;

/** One parsed `when=` expression. `last === null` means "no upper bound". `step === 0` means "only `first`". */
export interface StraceWhen {
  readonly first: number;
  readonly last: number | null;
  readonly step: number;
}

export type TracedSyscall = "open" | "close" | "fcntl" | "unlink";
const TRACED_SYSCALLS: readonly TracedSyscall[] = ["open", "close", "fcntl", "unlink"];

/** An injection rule: make the matching calls of `syscall` fail with `error` instead of running. */
export interface InjectSpec {
  readonly syscall: TracedSyscall;
  readonly error: ErrnoName;
  /** strace `when=` text; omitted means every call. */
  readonly when?: string;
}

export class StraceSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StraceSyntaxError";
  }
}

const EVERY_CALL: StraceWhen = { first: 1, last: null, step: 1 };

/** Parses a strace `when=` expression; throws StraceSyntaxError naming the accepted forms. */
export function parseStraceWhen(text: string): StraceWhen {
  const fail = (why: string): never => {
    throw new StraceSyntaxError(
      `invalid strace when expression "${text}": ${why}; expected N, N+, N+S, N..M, N..M+ or N..M+S ` +
        `with 1 <= N <= M < ${STRACE_WHEN_MAX} and 1 <= S <= ${STRACE_WHEN_MAX}`,
    );
  };
  const m = /^(\d+)(?:\.\.(\d+))?(?:\+(\d*))?$/.exec(text);
  if (m === null) return fail("not of the form N[..M][+[S]]");
  const first = toBounded(m[1]!, "first call number N", fail);
  let last: number | null = null;
  if (m[2] !== undefined) {
    last = toBounded(m[2], "last call number M", fail);
    if (last < first) fail(`M (${last}) is below N (${first})`);
    if (last === STRACE_WHEN_MAX) fail(`M must be below ${STRACE_WHEN_MAX}`);
  }
  let step: number;
  if (m[3] === undefined) step = last === null ? 0 : 1;
  else if (m[3] === "") step = 1;
  else step = toBounded(m[3], "step S", fail);
  return { first, last, step };
}

function toBounded(digits: string, what: string, fail: (why: string) => never): number {
  // Digit strings longer than 5 are over the bound whatever they say; avoid parsing huge numbers.
  const n = digits.length > 5 ? Number.POSITIVE_INFINITY : Number(digits);
  if (n < 1) return fail(`${what} must be at least 1`);
  if (n > STRACE_WHEN_MAX) return fail(`${what} must be at most ${STRACE_WHEN_MAX}`);
  return n;
}

/** Does the `n`-th call (1-based) match? */
export function straceWhenMatches(when: StraceWhen, n: number): boolean {
  if (n < when.first) return false;
  if (when.last !== null && n > when.last) return false;
  if (when.step === 0) return n === when.first;
  return (n - when.first) % when.step === 0;
}

/** Parses strace's `SYSCALL:error=NAME[:when=EXPR]` (the argument of --inject= or -e fault=). */
export function parseInjectExpression(text: string): InjectSpec {
  const [syscall, ...tokens] = text.split(":");
  if (syscall === undefined || !(TRACED_SYSCALLS as readonly string[]).includes(syscall)) {
    throw new StraceSyntaxError(
      `invalid inject expression "${text}": syscall must be one of ${TRACED_SYSCALLS.join(", ")}`,
    );
  }
  let error: ErrnoName | undefined;
  let when: string | undefined;
  for (const token of tokens) {
    if (token.startsWith("error=")) {
      const name = token.slice("error=".length);
      if (error !== undefined) throw new StraceSyntaxError(`invalid inject expression "${text}": error= given twice`);
      if (!isErrnoName(name)) throw new StraceSyntaxError(`invalid inject expression "${text}": unknown error name "${name}"`);
      error = name;
    } else if (token.startsWith("when=")) {
      if (when !== undefined) throw new StraceSyntaxError(`invalid inject expression "${text}": when= given twice`);
      when = token.slice("when=".length);
      parseStraceWhen(when);
    } else {
      throw new StraceSyntaxError(`invalid inject expression "${text}": unknown token "${token}" (expected error= or when=)`);
    }
  }
  if (error === undefined) throw new StraceSyntaxError(`invalid inject expression "${text}": error= is required`);
  return when === undefined ? { syscall: syscall as TracedSyscall, error } : { syscall: syscall as TracedSyscall, error, when };
}

/** The per-process state of one attached injection: its rule and how many calls it has seen. */
export class Injection {
  readonly spec: InjectSpec;
  private readonly when: StraceWhen;
  private calls = 0;

  constructor(spec: InjectSpec) {
    this.spec = spec;
    this.when = spec.when === undefined ? EVERY_CALL : parseStraceWhen(spec.when);
  }

  /** Counts one call of `syscall`; returns the errno to inject, or null to let the call run. */
  onCall(syscall: TracedSyscall): ErrnoName | null {
    if (syscall !== this.spec.syscall) return null;
    this.calls += 1;
    return straceWhenMatches(this.when, this.calls) ? this.spec.error : null;
  }

  get callsSeen(): number {
    return this.calls;
  }
}
