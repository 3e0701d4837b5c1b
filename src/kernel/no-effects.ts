import type { Effect } from "./thread.js";

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * An effect sequence that is over at once: what a helper that usually has nothing to do returns
 * for `yield*` to delegate to, instead of a generator of its own. It is shared and holds no state,
 * so the common case allocates nothing (issue 20); `yield* NO_EFFECTS` is exactly a no-op.
 */
export const NO_EFFECTS: Iterable<Effect, void, unknown> & Iterator<Effect, void, unknown> = {
  [Symbol.iterator]() {
    return NO_EFFECTS;
  },
  next: () => DONE,
};

/** What a hook that may or may not need to block returns. */
export type Effects<R = void> = Iterable<Effect, R, unknown>;
