/**
 * Removes and returns a[i], keeping the order of the rest, without the array that splice
 * allocates for its result: wait queues do this on every grant, on the hot path.
 */
export function takeAt<T>(a: T[], i: number): T {
  const x = a[i]!;
  // the last first: a one-element array (the usual ready list) pops instead of shifting, which
  // would left-trim the backing store and make the next push grow it again (an allocation a step)
  if (i === a.length - 1) a.pop();
  else if (i === 0) a.shift();
  else {
    for (let j = i; j < a.length - 1; j++) a[j] = a[j + 1]!;
    a.pop();
  }
  return x;
}
