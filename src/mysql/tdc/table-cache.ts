import type { Kernel } from "../../kernel/kernel.js";
import type { SimThread } from "../../kernel/thread.js";

/**
 * The table definition cache as FLUSH TABLES sees it (sql/table_cache.cc, sql/sql_base.cc, 5.7/8.0):
 *
 * - Each open table has a TABLE_SHARE with the `refresh_version` current when it was created.
 * - FLUSH TABLES bumps `refresh_version` (close_cached_tables): every existing share now "has an
 *   old version" and is freed as soon as its last user closes its TABLE.
 * - A statement opening a table whose share has an old version waits in "Waiting for table flush"
 *   (open_table -> tdc_wait_for_old_version -> TABLE_SHARE::wait_for_old_version), keeping its
 *   MDL, until the old share is gone, then opens a fresh one (goto retry_share).
 * - FLUSH TABLES (with or without READ LOCK) waits in "Waiting for table flush" for one old share
 *   at a time until none remains (or only its own), with lock_wait_timeout (close_cached_tables).
 * Both waits are Wait_for_flush nodes of the MDL deadlock search: the waiter registers a flush
 * ticket on the share (`addFlushTicket`), and free_table_share() of the share's last user tells
 * every ticket GRANTED. The waiting itself (the MDL_wait slot) is the locking model's.
 *
 * Users are counted per thread: a long SELECT keeps its TABLE open until the statement ends.
 */
export class TableDefinitionCache {
  refreshVersion = 1;
  private readonly shares = new Map<string, Share>();

  constructor(readonly kernel: Kernel) {}

  /** A share that a thread opening `key` must wait for, or null if it can open now. */
  oldShare(key: string): Share | null {
    const s = this.shares.get(key);
    if (s && s.version !== this.refreshVersion && s.users.size > 0) return s;
    // FLUSH TABLES retired the share from the cache, but its last user has not closed it yet
    return this.retired.find((r) => r.key === key && r.users.size > 0) ?? null;
  }

  /** open_table: the thread now uses the table (call after oldShare(key) is null). */
  open(t: SimThread, key: string): void {
    let s = this.shares.get(key);
    if (!s || s.version !== this.refreshVersion) {
      s = new Share(key, this.refreshVersion);
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
   * FLUSH TABLES [list]: bump the version (all tables, or only the listed ones): every share in
   * use now has an old version (close_cached_tables; tdc_remove_table for a list).
   */
  flush(keys: string[] | null): void {
    if (keys === null) this.refreshVersion++;
    const targets = keys === null ? [...this.shares.values()] : keys.map((k) => this.shares.get(k)).filter((s): s is Share => !!s);
    for (const s of targets) {
      if (keys !== null) s.version = -1; // tdc_remove_table: this share alone is now old
      this.retire(s);
    }
  }

  /** close_cached_tables' next wait: the first old share (of `keys`) that a thread other than `self` still uses. */
  firstBusyOld(self: SimThread, keys: string[] | null): Share | null {
    return this.retired.find((s) => (keys === null || keys.includes(s.key)) && [...s.users.keys()].some((u) => u !== self)) ?? null;
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

  private released(s: Share): void {
    if (s.users.size > 0) return;
    const i = this.retired.indexOf(s);
    if (i >= 0) this.retired.splice(i, 1);
    if (this.shares.get(s.key) === s && s.version !== this.refreshVersion) this.shares.delete(s.key);
    s.notifyFlushTickets();
  }
}

/** A TABLE_SHARE: who uses it, and the flush tickets of those waiting for it to go. */
export class Share {
  readonly users = new Map<SimThread, number>();
  /** m_flush_tickets: one callback per Wait_for_flush, told when the last user has closed the share */
  private readonly flushTickets = new Set<() => void>();

  constructor(
    readonly key: string,
    public version: number,
  ) {}

  get name(): string {
    return `TABLE_SHARE ${this.key} (old version)`;
  }

  /** m_flush_tickets.push_front(); returns the remove() */
  addFlushTicket(granted: () => void): () => void {
    this.flushTickets.add(granted);
    return () => this.flushTickets.delete(granted);
  }

  /** free_table_share(): every flush ticket's context gets GRANTED */
  notifyFlushTickets(): void {
    for (const f of [...this.flushTickets]) f();
  }

  /** the threads whose TABLEs use the share (TABLE_SHARE::visit_subgraph's edges) */
  holders(): readonly SimThread[] {
    return [...this.users.keys()];
  }
}
