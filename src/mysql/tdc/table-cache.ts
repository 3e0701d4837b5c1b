import type { Kernel } from "../../kernel/kernel.js";
import type { SimThread } from "../../kernel/thread.js";
import type { Waitable } from "../../kernel/waitable.js";

/**
 * The table definition cache as FLUSH TABLES sees it (sql/table_cache.cc, sql/sql_base.cc, 5.7/8.0):
 *
 * - Each open table has a TABLE_SHARE with the `refresh_version` current when it was created.
 * - FLUSH TABLES bumps `refresh_version` (close_cached_tables): every existing share now "has an
 *   old version" and is freed as soon as its last user closes its TABLE.
 * - A statement opening a table whose share has an old version waits in "Waiting for table flush"
 *   (tdc_wait_for_old_version) until the old share is gone, then opens a fresh one.
 * - FLUSH TABLES (with or without READ LOCK) waits in "Waiting for table flush" until no old share
 *   remains (or only its own), with lock_wait_timeout.
 *
 * Users are counted per thread: a long SELECT keeps its TABLE open until the statement ends.
 */
export class TableDefinitionCache {
  refreshVersion = 1;
  private readonly shares = new Map<string, Share>();
  private readonly flushWaits: FlushWait[] = [];

  constructor(readonly kernel: Kernel) {}

  /** A share that a thread opening `key` must wait for, or null if it can open now. */
  oldShare(key: string): Waitable | null {
    const s = this.shares.get(key);
    if (s && s.version !== this.refreshVersion && s.users.size > 0) return s;
    // FLUSH TABLES retired the share from the cache, but its last user has not closed it yet
    return this.retired.find((r) => r.key === key && r.users.size > 0) ?? null;
  }

  /** open_table: the thread now uses the table (call after oldShare(key) is null). */
  open(t: SimThread, key: string): void {
    let s = this.shares.get(key);
    if (!s || s.version !== this.refreshVersion) {
      s = new Share(this, key, this.refreshVersion);
      this.shares.set(key, s);
    }
    s.users.set(t, (s.users.get(t) ?? 0) + 1);
  }

  /** close_thread_tables: the thread stops using every table it opened (end of statement). */
  closeAll(t: SimThread): void {
    for (const s of [...this.shares.values()]) if (s.users.delete(t)) this.released(s);
    for (const s of [...this.retired]) if (s.users.delete(t)) this.released(s);
  }

  /** close one table (HANDLER CLOSE, UNLOCK TABLES of a locked table) */
  close(t: SimThread, key: string): void {
    for (const s of [this.shares.get(key), ...this.retired.filter((r) => r.key === key)]) {
      if (!s) continue;
      const n = s.users.get(t);
      if (n === undefined) continue;
      if (n > 1) s.users.set(t, n - 1);
      else {
        s.users.delete(t);
        this.released(s);
      }
    }
  }

  /**
   * FLUSH TABLES [list]: bump the version (all tables, or only the listed ones) and return a
   * waitable that is free once no old share used by another thread remains.
   */
  flush(t: SimThread, keys: string[] | null): FlushWait {
    if (keys === null) this.refreshVersion++;
    const targets = keys === null ? [...this.shares.values()] : keys.map((k) => this.shares.get(k)).filter((s): s is Share => !!s);
    for (const s of targets) {
      if (keys !== null) s.version = -1; // tdc_remove_table: this share alone is now old
      this.retire(s);
    }
    return new FlushWait(this, t, keys);
  }

  /** Tables with an old version that threads other than `self` still use. */
  busyOld(self: SimThread, keys: string[] | null): string[] {
    return this.retired.filter((s) => (keys === null || keys.includes(s.key)) && [...s.users.keys()].some((u) => u !== self)).map((s) => s.key);
  }

  usersOf(key: string): SimThread[] {
    const out = new Set<SimThread>();
    for (const s of [this.shares.get(key), ...this.retired.filter((r) => r.key === key)]) if (s) for (const u of s.users.keys()) out.add(u);
    return [...out];
  }

  // ---- internals
  readonly retired: Share[] = [];

  private retire(s: Share): void {
    if (this.shares.get(s.key) === s) this.shares.delete(s.key);
    if (s.users.size === 0) return;
    if (!this.retired.includes(s)) this.retired.push(s);
  }

  registerFlushWait(w: FlushWait): void {
    this.flushWaits.push(w);
  }

  dropFlushWait(w: FlushWait): void {
    const i = this.flushWaits.indexOf(w);
    if (i >= 0) this.flushWaits.splice(i, 1);
  }

  private released(s: Share): void {
    if (s.users.size > 0) return;
    const i = this.retired.indexOf(s);
    if (i >= 0) this.retired.splice(i, 1);
    if (this.shares.get(s.key) === s && s.version !== this.refreshVersion) this.shares.delete(s.key);
    s.wakeOpeners();
    for (const w of [...this.flushWaits]) w.check();
  }
}

/** A TABLE_SHARE; openers of an old one wait on it ("Waiting for table flush"). */
class Share implements Waitable {
  readonly kind = "table_flush";
  readonly users = new Map<SimThread, number>();
  private readonly waiters: SimThread[] = [];

  constructor(
    private readonly tdc: TableDefinitionCache,
    readonly key: string,
    public version: number,
  ) {}

  get name(): string {
    return `TABLE_SHARE ${this.key} (old version)`;
  }

  acquire(t: SimThread): boolean {
    if (this.users.size === 0) return true;
    this.waiters.push(t);
    return false;
  }

  wakeOpeners(): void {
    for (const w of this.waiters.splice(0)) this.tdc.kernel.wake(w, "granted");
  }

  release(): void {}

  cancel(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
    return true;
  }

  holders(): readonly SimThread[] {
    return [...this.users.keys()];
  }
}

/** FLUSH TABLES waiting for old shares to go. */
export class FlushWait implements Waitable {
  readonly kind = "table_flush";
  readonly name: string;
  private waiter: SimThread | null = null;

  constructor(
    private readonly tdc: TableDefinitionCache,
    private readonly self: SimThread,
    private readonly keys: string[] | null,
  ) {
    this.name = keys === null ? "table definition cache (all tables flushed)" : `table definition cache (${keys.join(", ")})`;
  }

  acquire(t: SimThread): boolean {
    if (this.tdc.busyOld(this.self, this.keys).length === 0) return true;
    this.waiter = t;
    this.tdc.registerFlushWait(this);
    return false;
  }

  check(): void {
    if (this.waiter && this.tdc.busyOld(this.self, this.keys).length === 0) {
      const w = this.waiter;
      this.waiter = null;
      this.tdc.dropFlushWait(this);
      this.tdc.kernel.wake(w, "granted");
    }
  }

  release(): void {}

  cancel(): boolean {
    this.waiter = null;
    this.tdc.dropFlushWait(this);
    return true;
  }

  holders(): readonly SimThread[] {
    const out = new Set<SimThread>();
    for (const s of this.tdc.retired) if (this.keys === null || this.keys.includes(s.key)) for (const u of s.users.keys()) if (u !== this.self) out.add(u);
    return [...out];
  }
}
