/**
 * Conformance tables A (compatibility with a GRANTED lock) and B (does a PENDING request block a
 * new one) from ../shared/conformance/mysql-test-cases.md §0, checked through the real
 * acquire path, plus the source matrices themselves.
 */
import { describe, expect, it } from "vitest";
import {
  MDL_TYPE_SHORT,
  type MdlTypeShort,
  enum_mdl_type,
  isCompatibleGranted,
  isCompatibleWaiting,
  m_object_lock_strategy,
  m_scoped_lock_strategy,
  mdlRequest,
  mdlType,
  MDL_OBJECT_HOG_LOCK_TYPES,
  MDL_BIT,
} from "../../src/mysql/mdl/index.js";
import { mustGrant, mustPend, recordingSystem, table } from "./helpers.js";

const COLS: MdlTypeShort[] = ["S", "SH", "SR", "SW", "SWLP", "SU", "SRO", "SNW", "SNRW", "X"];

// Rows = lock already held by another connection; columns = new request.
const TABLE_A: Record<string, string> = {
  S: "+ + + + + + + + + -",
  SH: "+ + + + + + + + + -",
  SR: "+ + + + + + + + - -",
  SW: "+ + + + + + - - - -",
  SWLP: "+ + + + + + - - - -",
  SU: "+ + + + + - + . - -",
  SRO: "+ + + - - + + + - -",
  SNW: "+ + + - - - + . - -",
  SNRW: "+ + - - - - - . - -",
  X: "- - - - - - - . - -",
};

const B_COLS: MdlTypeShort[] = ["S", "SH", "SR", "SW", "SWLP", "SU", "SRO", "SNW", "SNRW"];
// Rows = pending request; columns = new request. yes = the pending request blocks the new one.
const TABLE_B: Record<string, string> = {
  SW: "no no no . . no yes no .",
  SWLP: "no no no . . no no no .",
  SRO: "no no no no yes no . . .",
  SNW: "no no no yes yes . . . .",
  SNRW: "no no yes yes yes no yes no .",
  X: "yes no yes yes yes yes yes yes yes",
};

describe("table A: compatibility with a granted lock (acquire path)", () => {
  for (const [held, row] of Object.entries(TABLE_A)) {
    const cells = row.split(" ");
    COLS.forEach((req, i) => {
      const cell = cells[i]!;
      it(`held ${held} vs requested ${req}: ${cell}`, () => {
        const { sys } = recordingSystem();
        const a = sys.createContext("holder");
        const b = sys.createContext("requester");
        mustGrant(table(a, held as MdlTypeShort));
        const r = table(b, req);
        const matrix = isCompatibleGranted(m_object_lock_strategy, mdlType(req), mdlType(held as MdlTypeShort));
        expect(r.status).toBe(matrix ? "GRANTED" : "PENDING");
        if (cell !== ".") expect(r.status).toBe(cell === "+" ? "GRANTED" : "PENDING");
        // The matrix is symmetric for granted locks.
        expect(isCompatibleGranted(m_object_lock_strategy, mdlType(held as MdlTypeShort), mdlType(req))).toBe(matrix);
        sys.checkAllInvariants();
      });
    });
  }
});

/** A granted type that blocks `pending` but not `probe`, to make `pending` wait. */
function blockerFor(pending: MdlTypeShort, probe: MdlTypeShort): MdlTypeShort | null {
  for (const b of COLS) {
    const blocksPending = !isCompatibleGranted(m_object_lock_strategy, mdlType(pending), mdlType(b));
    const letsProbe = isCompatibleGranted(m_object_lock_strategy, mdlType(probe), mdlType(b));
    if (blocksPending && letsProbe) return b;
  }
  return null;
}

describe("table B: does a pending request block a new one (default max_write_lock_count)", () => {
  for (const [pending, row] of Object.entries(TABLE_B)) {
    const cells = row.split(" ");
    B_COLS.forEach((probe, i) => {
      const cell = cells[i]!;
      if (cell === ".") return;
      it(`pending ${pending} vs new ${probe}: ${cell}`, () => {
        const blocker = blockerFor(pending as MdlTypeShort, probe);
        expect(blocker, "a blocker that holds back the pending request but not the probe").not.toBeNull();
        const { sys } = recordingSystem();
        const c0 = sys.createContext("blocker");
        const c1 = sys.createContext("pending");
        const c2 = sys.createContext("probe");
        mustGrant(table(c0, blocker!));
        mustPend(table(c1, pending as MdlTypeShort));
        const r = table(c2, probe);
        expect(r.status).toBe(cell === "yes" ? "PENDING" : "GRANTED");
        expect(isCompatibleWaiting(m_object_lock_strategy, mdlType(probe), mdlType(pending as MdlTypeShort), 0)).toBe(cell === "no");
        sys.checkAllInvariants();
      });
    });
  }
});

describe("source matrices", () => {
  it("[INV2]: for every priority matrix, waiting-incompatible is a subset of granted-incompatible", () => {
    for (const s of [m_object_lock_strategy, m_scoped_lock_strategy]) {
      for (const m of s.waitingIncompatible) {
        m.forEach((bits, t) => {
          if (!s.legalType[t]) return;
          const legalBits = bits & s.legalType.reduce((acc, ok, i) => (ok ? acc | MDL_BIT(i) : acc), 0);
          expect(legalBits & ~s.grantedIncompatible[t]!).toBe(0);
        });
      }
    }
  });

  it("granted matrices are symmetric", () => {
    for (const s of [m_object_lock_strategy, m_scoped_lock_strategy]) {
      for (let a = 0; a < 11; a++)
        for (let b = 0; b < 11; b++) {
          if (!s.legalType[a] || !s.legalType[b]) continue;
          expect(isCompatibleGranted(s, a, b)).toBe(isCompatibleGranted(s, b, a));
        }
    }
  });

  it("hog types are SNW, SNRW, X", () => {
    expect(MDL_OBJECT_HOG_LOCK_TYPES).toBe(MDL_BIT(enum_mdl_type.MDL_SHARED_NO_WRITE) | MDL_BIT(enum_mdl_type.MDL_SHARED_NO_READ_WRITE) | MDL_BIT(enum_mdl_type.MDL_EXCLUSIVE));
    expect(MDL_TYPE_SHORT.length).toBe(11);
  });

  it("scoped: IX/IX ok, S/S ok, IX vs S waits, X blocks all; pending S blocks IX, pending IX does not block S", () => {
    const { sys } = recordingSystem();
    const g = (ctx: ReturnType<typeof sys.createContext>, t: MdlTypeShort) => ctx.acquire_lock(mdlRequest("GLOBAL", "", "", t, "STATEMENT"));
    const a = sys.createContext("a");
    const b = sys.createContext("b");
    const c = sys.createContext("c");
    mustGrant(g(a, "IX"));
    mustGrant(g(b, "IX"));
    mustPend(g(c, "S")); // FTWRL waits for in-flight writes
    expect(sys.waitState(c)).toBe("Waiting for global read lock");
    const d = sys.createContext("d");
    mustPend(g(d, "IX")); // new writers queue behind the pending S
    a.release_statement_locks();
    b.release_statement_locks();
    // S granted first (d's IX is incompatible with the now granted S)
    expect(sys.metadataLocks().map((r) => [r.OWNER_THREAD_ID, r.LOCK_TYPE, r.LOCK_STATUS])).toEqual([
      [3, "SHARED", "GRANTED"],
      [4, "INTENTION_EXCLUSIVE", "PENDING"],
    ]);
    const e = sys.createContext("e");
    mustGrant(g(e, "S")); // a second FTWRL is not blocked (S+S)
    sys.checkAllInvariants();
  });
});
