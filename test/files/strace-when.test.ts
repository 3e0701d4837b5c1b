import { describe, expect, it } from "vitest";
import {
  Injection,
  parseInjectExpression,
  parseStraceWhen,
  straceWhenMatches,
  StraceSyntaxError,
} from "../../src/machine/fs/strace.js";

function matching(when: string, upTo: number): number[] {
  const parsed = parseStraceWhen(when);
  const calls: number[] = [];
  for (let n = 1; n <= upTo; n++) if (straceWhenMatches(parsed, n)) calls.push(n);
  return calls;
}

describe("strace when= expressions (strace parse_inject_token)", () => {
  it("N injects only the N-th call", () => {
    expect(parseStraceWhen("3")).toEqual({ first: 3, last: null, step: 0 });
    expect(matching("3", 10)).toEqual([3]);
  });

  it("N+ injects the N-th call and every one after", () => {
    expect(parseStraceWhen("25+")).toEqual({ first: 25, last: null, step: 1 });
    expect(matching("25+", 28)).toEqual([25, 26, 27, 28]);
  });

  it("N+S injects every S-th call from N", () => {
    expect(matching("2+3", 12)).toEqual([2, 5, 8, 11]);
  });

  it("N..M injects calls N to M inclusive; N..M+ is the same", () => {
    expect(parseStraceWhen("4..6")).toEqual({ first: 4, last: 6, step: 1 });
    expect(matching("4..6", 10)).toEqual([4, 5, 6]);
    expect(matching("4..6+", 10)).toEqual([4, 5, 6]);
  });

  it("N..M+S steps inside the range", () => {
    expect(matching("1..10+4", 20)).toEqual([1, 5, 9]);
  });

  it("accepts the bounds strace accepts", () => {
    expect(parseStraceWhen("65535").first).toBe(65535);
    expect(parseStraceWhen("1+65535").step).toBe(65535);
    expect(parseStraceWhen("1..65534").last).toBe(65534);
    expect(parseStraceWhen("7..7")).toEqual({ first: 7, last: 7, step: 1 });
  });

  // The rejected forms of strace's tests/qual_inject-syntax.test, plus the range checks of parse_inject_token.
  it.each(["", "0", "-1", "-2+", "-3+0", "4-", "5+-", "6++", "7+0", "8+-1", "9+1+", "65536", "1+65536", "5..4", "1..65535", "1.2", "1...2", "a", " 1", "1+ "])(
    "rejects %j with a message naming the accepted forms",
    (text) => {
      expect(() => parseStraceWhen(text)).toThrow(StraceSyntaxError);
      expect(() => parseStraceWhen(text)).toThrow(/invalid strace when expression .*expected N, N\+, N\+S, N\.\.M, N\.\.M\+ or N\.\.M\+S/);
    },
  );
});

describe("inject expressions", () => {
  it("parses the seed's expression", () => {
    expect(parseInjectExpression("fcntl:error=ENOLCK:when=25+")).toEqual({ syscall: "fcntl", error: "ENOLCK", when: "25+" });
    expect(parseInjectExpression("fcntl:error=EDQUOT")).toEqual({ syscall: "fcntl", error: "EDQUOT" });
  });

  it.each([
    ["chmod:error=ENOLCK", /syscall must be one of/],
    ["fcntl", /error= is required/],
    ["fcntl:error=EWHATEVER", /unknown error name/],
    ["fcntl:error=ENOLCK:when=0", /invalid strace when expression "0"/],
    ["fcntl:error=ENOLCK:error=EDQUOT", /error= given twice/],
    ["fcntl:error=ENOLCK:signal=USR1", /unknown token/],
  ])("rejects %j", (text, message) => {
    expect(() => parseInjectExpression(text)).toThrow(message);
  });

  it("counts only its own syscall", () => {
    const injection = new Injection({ syscall: "fcntl", error: "ENOLCK", when: "2" });
    expect(injection.onCall("open")).toBeNull();
    expect(injection.onCall("fcntl")).toBeNull();
    expect(injection.onCall("open")).toBeNull();
    expect(injection.onCall("fcntl")).toBe("ENOLCK");
    expect(injection.onCall("fcntl")).toBeNull();
    expect(injection.callsSeen).toBe(3);
  });
});
