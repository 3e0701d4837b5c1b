import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mdlKeyCompare, mdlKeyString, type MdlKey } from "../../src/mysql/mdl/types.js";

// mdlKeyString is cached and mdlKeyCompare builds no strings: both must still be the key buffer
// <ns byte> db \0 name \0 and memcmp-like order over it (prefixes and \0 inside names included).
const bufferOf = (k: MdlKey): string => `${String.fromCharCode(k.namespace)}${k.db}\u0000${k.name}\u0000`;
const part = fc.oneof(fc.constantFrom("", "t", "t1", "t\u0000", "test", "te", "a\u0000b"), fc.string({ maxLength: 4 }));
const key = fc.record({ namespace: fc.integer({ min: 0, max: 17 }), db: part, name: part }) as fc.Arbitrary<MdlKey>;

describe("MDL key", () => {
  it("mdlKeyString is the key buffer, on a first and a repeated call", () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(mdlKeyString(k)).toBe(bufferOf(k));
        expect(mdlKeyString({ ...k })).toBe(bufferOf(k));
      }),
    );
  });
  it("mdlKeyCompare orders as the key buffers compare", () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const sa = bufferOf(a);
        const sb = bufferOf(b);
        expect(mdlKeyCompare(a, b)).toBe(sa < sb ? -1 : sa > sb ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
