import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { takeAt } from "../../src/kernel/take-at.js";

describe("takeAt", () => {
  it("removes and returns the same element as splice, leaving the same order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), fc.nat(), (xs, k) => {
        const i = k % xs.length;
        const a = [...xs];
        const b = [...xs];
        expect(takeAt(a, i)).toBe(b.splice(i, 1)[0]);
        expect(a).toEqual(b);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
});
