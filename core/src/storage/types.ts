/**
 * The storage contract. Services speak SQL (a portable subset: no engine-specific functions, all
 * values passed as parameters) through transactions; a storage plugin decides how they are kept
 * durable. `storage-sqljs` keeps an in-memory sql.js database, journals every committed
 * transaction with group commit and checkpoints snapshots; another plugin (PostgreSQL, ...)
 * implements the same interface.
 */
export type SqlValue = string | number | null | Uint8Array;
export type SqlParams = readonly SqlValue[];
export type Row = Record<string, SqlValue>;

export interface StorageReader {
  all<T extends Row = Row>(sql: string, params?: SqlParams): T[];
  get<T extends Row = Row>(sql: string, params?: SqlParams): T | undefined;
}

export interface StorageTx extends StorageReader {
  run(sql: string, params?: SqlParams): void;
}

/** The value a transaction returned, visible in memory now, and a promise that settles once it is durable. */
export interface Committed<T> {
  value: T;
  durable: Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface StorageSyncSample {
  ms: number;
  bytes: number;
  transactions: number;
}

export interface StorageHealth {
  ok: boolean;
  /** Why not, and what to do; set when writes are failing. */
  reason?: string;
}

export interface Storage extends StorageReader {
  readonly kind: string;
  /** Load existing data (snapshot + journal replay); fail with a clear message on corruption. */
  open(): Promise<void>;
  /** Apply migrations above the stored schema version, in order, each in one transaction. */
  migrate(migrations: readonly Migration[]): Promise<void>;
  /**
   * Run `fn` synchronously in one transaction. If it throws, nothing is kept. On success the
   * change is visible to readers at once and `durable` settles when it survives a crash; it
   * rejects with a `storage_unavailable` AgentdError when it cannot be made durable.
   */
  transact<T>(fn: (tx: StorageTx) => T): Committed<T>;
  /**
   * The read barrier: settles once every transaction committed before the call is durable, and
   * rejects with a `storage_unavailable` AgentdError while writes are failing (memory then holds
   * changes that may never become durable). Reads served to clients and idempotent replays wait
   * for it, so nothing a crash could take back is shown as committed. Optional: a storage whose
   * commits are durable before they are visible needs none.
   */
  whenDurable?(): Promise<void>;
  checkpoint(): Promise<void>;
  close(): Promise<void>;
  health(): StorageHealth;
  /**
   * Called when writes work again after a failure, before any new write is accepted. Transactions
   * whose `durable` rejected were retried and are now durable.
   */
  onRecover?(listener: () => void): void;
  /**
   * Optional, for metrics: called after each batch of transactions is made durable, with how long
   * the write and sync took. A storage without a sync step need not implement it.
   */
  onSync?(listener: (sample: StorageSyncSample) => void): void;
  /** Facts for `GET /daemon/status` (path, sizes, last checkpoint). */
  info(): Record<string, unknown>;
}
