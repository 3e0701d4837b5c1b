/**
 * Compatibility and priority matrices of MySQL 8.0's MDL subsystem, transcribed from
 * sql/mdl.cc (MDL_lock::m_scoped_lock_strategy and MDL_lock::m_object_lock_strategy, 8.0;
 * copy read: ZhangKai-rl/mysql-server sql/mdl.cc @1e92b5f9, Oracle copyright 2007, 2024;
 * identical arrays in the Percona Server 8.0.27-18 copy).
 *
 * As in the source, every array is indexed by the REQUESTED type and each element is a bitmap of
 * the types (granted, or waiting) that are INCOMPATIBLE with that request. bitmap_t is
 * `unsigned short`, hence the 0xFFFF masks for the "~" entries.
 */
import { enum_mdl_type as T, MdlNamespace, isScopedNamespace, NAMESPACE_END } from "./types.js";

export type Bitmap = number;

/** MDL_BIT(A) = 1U << A, stored in an unsigned short. */
export function MDL_BIT(t: T): Bitmap {
  return (1 << t) & 0xffff;
}

const IX = MDL_BIT(T.MDL_INTENTION_EXCLUSIVE);
const S = MDL_BIT(T.MDL_SHARED);
const SH = MDL_BIT(T.MDL_SHARED_HIGH_PRIO);
const SR = MDL_BIT(T.MDL_SHARED_READ);
const SW = MDL_BIT(T.MDL_SHARED_WRITE);
const SWLP = MDL_BIT(T.MDL_SHARED_WRITE_LOW_PRIO);
const SU = MDL_BIT(T.MDL_SHARED_UPGRADABLE);
const SRO = MDL_BIT(T.MDL_SHARED_READ_ONLY);
const SNW = MDL_BIT(T.MDL_SHARED_NO_WRITE);
const SNRW = MDL_BIT(T.MDL_SHARED_NO_READ_WRITE);
const X = MDL_BIT(T.MDL_EXCLUSIVE);

/** MDL_lock::MDL_OBJECT_HOG_LOCK_TYPES = SNW | SNRW | X. */
export const MDL_OBJECT_HOG_LOCK_TYPES: Bitmap = SNW | SNRW | X;

const not = (b: Bitmap): Bitmap => ~b & 0xffff;

/** One MDL_lock_strategy (only the parts that define semantics). */
export interface MdlLockStrategy {
  readonly name: "scoped" | "object";
  /** m_granted_incompatible[MDL_TYPE_END] */
  readonly grantedIncompatible: readonly Bitmap[];
  /** m_waiting_incompatible[4][MDL_TYPE_END] */
  readonly waitingIncompatible: readonly (readonly Bitmap[])[];
  /**
   * m_unobtrusive_lock_increment: non-zero for "unobtrusive" types (fast path). Only whether it is
   * zero matters to this model: scoped IX; object S, SH, SR, SW, SWLP.
   */
  readonly unobtrusive: readonly boolean[];
  /** m_is_affected_by_max_write_lock_count */
  readonly isAffectedByMaxWriteLockCount: boolean;
  /** debug-only legal_type[] */
  readonly legalType: readonly boolean[];
}

/**
 * Scoped locks (GLOBAL, TABLESPACE, SCHEMA, COMMIT, BACKUP_LOCK, RESOURCE_GROUPS, FOREIGN_KEY,
 * CHECK_CONSTRAINT). Source comment:
 *
 *            | Type of active   |
 *    Request |   scoped lock    |
 *     type   | IS(*)  IX   S  X |
 *   ---------+------------------+
 *   IS       |  +      +   +  + |
 *   IX       |  +      +   -  - |
 *   S        |  +      -   +  - |
 *   X        |  +      -   -  - |
 *
 *            |    Pending      |
 *    Request |  scoped lock    |
 *     type   | IS(*)  IX  S  X |
 *   ---------+-----------------+
 *   IS       |  +      +  +  + |
 *   IX       |  +      +  -  - |
 *   S        |  +      +  +  - |
 *   X        |  +      +  +  + |
 */
export const m_scoped_lock_strategy: MdlLockStrategy = {
  name: "scoped",
  grantedIncompatible: [X | S, X | IX, 0, 0, 0, 0, 0, 0, 0, 0, X | S | IX],
  waitingIncompatible: [
    [X | S, X, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ],
  unobtrusive: [true, false, false, false, false, false, false, false, false, false, false],
  isAffectedByMaxWriteLockCount: false,
  legalType: [true, true, false, false, false, false, false, false, false, false, true],
};

/**
 * Per-object locks (TABLE, FUNCTION, PROCEDURE, TRIGGER, EVENT, USER_LEVEL_LOCK, LOCKING_SERVICE,
 * SRID, ACL_CACHE, COLUMN_STATISTICS). Source comment (granted):
 *
 *    Request  |  Granted requests for lock            |
 *     type    | S  SH  SR  SW  SWLP  SU  SRO  SNW  SNRW  X  |
 *   ----------+---------------------------------------------+
 *   S         | +   +   +   +    +    +   +    +    +    -  |
 *   SH        | +   +   +   +    +    +   +    +    +    -  |
 *   SR        | +   +   +   +    +    +   +    +    -    -  |
 *   SW        | +   +   +   +    +    +   -    -    -    -  |
 *   SWLP      | +   +   +   +    +    +   -    -    -    -  |
 *   SU        | +   +   +   +    +    -   +    -    -    -  |
 *   SRO       | +   +   +   -    -    +   +    +    -    -  |
 *   SNW       | +   +   +   -    -    -   +    -    -    -  |
 *   SNRW      | +   +   -   -    -    -   -    -    -    -  |
 *   X         | -   -   -   -    -    -   -    -    -    -  |
 *
 * Priority matrix #0 (pending):
 *
 *    Request  |         Pending requests for lock          |
 *     type    | S  SH  SR  SW  SWLP  SU  SRO  SNW  SNRW  X |
 *   ----------+--------------------------------------------+
 *   S         | +   +   +   +    +    +   +    +     +   - |
 *   SH        | +   +   +   +    +    +   +    +     +   + |
 *   SR        | +   +   +   +    +    +   +    +     -   - |
 *   SW        | +   +   +   +    +    +   +    -     -   - |
 *   SWLP      | +   +   +   +    +    +   -    -     -   - |
 *   SU        | +   +   +   +    +    +   +    +     +   - |
 *   SRO       | +   +   +   -    +    +   +    +     -   - |
 *   SNW       | +   +   +   +    +    +   +    +     +   - |
 *   SNRW      | +   +   +   +    +    +   +    +     +   - |
 *   X         | +   +   +   +    +    +   +    +     +   + |
 *
 * #1: "piglet" (SW) count >= max_write_lock_count: SW/SWLP rank below SRO.
 * #2: "hog" (SNW, SNRW, X) count >= max_write_lock_count: S, SH, SR, SW, SWLP, SU, SRO rank above hogs.
 * #3: both.
 * Invariant [INV2] (source): for every matrix, waiting-incompatible ⊆ granted-incompatible.
 */
export const m_object_lock_strategy: MdlLockStrategy = {
  name: "object",
  grantedIncompatible: [
    0,
    X,
    X,
    X | SNRW,
    X | SNRW | SNW | SRO,
    X | SNRW | SNW | SRO,
    X | SNRW | SNW | SU,
    X | SNRW | SWLP | SW,
    X | SNRW | SNW | SU | SWLP | SW,
    X | SNRW | SNW | SRO | SU | SWLP | SW | SR,
    X | SNRW | SNW | SRO | SU | SWLP | SW | SR | SH | S,
  ],
  waitingIncompatible: [
    [0, X, 0, X | SNRW, X | SNRW | SNW, X | SNRW | SNW | SRO, X, X | SNRW | SW, X, X, 0],
    [0, X, 0, X | SNRW, X | SNRW | SNW | SRO, X | SNRW | SNW | SRO, X, X | SNRW, X, X, 0],
    [0, 0, 0, 0, 0, SRO, 0, SW, X | SU | SWLP | SW, X | SRO | SU | SWLP | SW | SR, not(MDL_OBJECT_HOG_LOCK_TYPES)],
    [0, 0, 0, 0, X | SNRW | SNW | SRO, X | SNRW | SNW | SRO, 0, 0, X | SU, X | SRO | SU | SR, not(MDL_OBJECT_HOG_LOCK_TYPES | SW | SWLP)],
  ],
  unobtrusive: [false, true, true, true, true, true, false, false, false, false, false],
  isAffectedByMaxWriteLockCount: true,
  legalType: [false, true, true, true, true, true, true, true, true, true, true],
};

/** MDL_lock::get_strategy(). */
export function strategyFor(ns: MdlNamespace): MdlLockStrategy {
  return isScopedNamespace(ns) ? m_scoped_lock_strategy : m_object_lock_strategy;
}

/** true if a GRANTED lock of type `granted` (other context) lets `requested` through. */
export function isCompatibleGranted(strategy: MdlLockStrategy, requested: T, granted: T): boolean {
  return (strategy.grantedIncompatible[requested]! & MDL_BIT(granted)) === 0;
}

/** true if a PENDING request of type `waiting` does not block a new `requested` under matrix idx. */
export function isCompatibleWaiting(strategy: MdlLockStrategy, requested: T, waiting: T, idx = 0): boolean {
  return (strategy.waitingIncompatible[idx]![requested]! & MDL_BIT(waiting)) === 0;
}

/**
 * MDL_ticket::has_stronger_or_equal_type(): a ticket of type `held` blocks at least everything
 * `type` blocks.
 */
export function hasStrongerOrEqualType(strategy: MdlLockStrategy, held: T, type: T): boolean {
  const g = strategy.grantedIncompatible;
  return (g[type]! & not(g[held]!)) === 0;
}

/**
 * MDL_key::m_namespace_to_wait_state_name (sql/mdl.cc, 8.0), indexed by namespace: the
 * processlist STATE while waiting.
 */
export const NAMESPACE_WAIT_STATE_NAME: readonly string[] = [
  "Waiting for global read lock",
  "Waiting for backup lock",
  "Waiting for tablespace metadata lock",
  "Waiting for schema metadata lock",
  "Waiting for table metadata lock",
  "Waiting for stored function metadata lock",
  "Waiting for stored procedure metadata lock",
  "Waiting for trigger metadata lock",
  "Waiting for event metadata lock",
  "Waiting for commit lock",
  "User lock" /* Be compatible with old status. */,
  "Waiting for locking service lock",
  "Waiting for spatial reference system lock",
  "Waiting for acl cache lock",
  "Waiting for column statistics lock",
  "Waiting for resource groups metadata lock",
  "Waiting for foreign key metadata lock",
  "Waiting for check constraint metadata lock",
];

if (NAMESPACE_WAIT_STATE_NAME.length !== NAMESPACE_END) throw new Error("wait state table out of sync with MdlNamespace");

export function waitStateName(ns: MdlNamespace): string {
  return NAMESPACE_WAIT_STATE_NAME[ns]!;
}
