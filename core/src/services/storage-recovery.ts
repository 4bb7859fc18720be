import { AgentdError } from "../errors.ts";
import type { Storage } from "../storage/types.ts";

/** The storage refused or could not make a write durable (disk full, permissions): retry once it recovers. */
export const isStorageUnavailable = (err: unknown): boolean => err instanceof AgentdError && err.code === "storage_unavailable";

/**
 * Waiting for storage to accept writes again after a failure, for work that must not be dropped
 * (a run's end, a queued run's start). Uses the storage's `onRecover` when it has one, else polls
 * `health()` once a second while someone waits.
 */
export class StorageRecovery {
  private waiting: { promise: Promise<boolean>; resolve: (writable: boolean) => void } | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly listeners: Array<() => void> = [];
  private abandoned = false;

  constructor(private readonly storage: Storage) {
    storage.onRecover?.(() => this.recovered());
  }

  get writable(): boolean {
    return this.storage.health().ok;
  }

  /** True once storage accepts writes (at once when it does now); false when the daemon stopped waiting. */
  whenWritable(): Promise<boolean> {
    if (this.writable) return Promise.resolve(true);
    if (this.abandoned) return Promise.resolve(false);
    if (!this.waiting) {
      let resolve!: (writable: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      this.waiting = { promise, resolve };
      if (!this.storage.onRecover) {
        this.poll = setInterval(() => this.writable && this.recovered(), 1000);
        this.poll.unref();
      }
    }
    return this.waiting.promise;
  }

  /** Called after each recovery, once the writes that were waiting have been retried. */
  onRecovered(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Shutdown: stop waiting (what was not written is recovered at the next start). */
  abandon(): void {
    this.abandoned = true;
    this.settle(false);
  }

  private recovered(): void {
    this.settle(true);
    for (const listener of this.listeners) listener();
  }

  private settle(writable: boolean): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(writable);
  }
}
