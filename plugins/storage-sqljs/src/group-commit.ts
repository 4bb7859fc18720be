import type { FileHandle } from "node:fs/promises";
import { AgentdError, type Logger } from "@agentd/core";

interface Pending {
  seq: number;
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  journalPath: string;
  log: Logger;
  /** After each successful flush: the journal's size (to start a checkpoint) and how long its sync took. */
  onFlushed(journalBytes: number, sync: { ms: number; bytes: number; transactions: number }): void;
  /** When writes work again after a failure. */
  onRecovered(): void;
}

/**
 * The journal's writer: every transaction committed in one tick shares one write and one
 * fdatasync (group commit), `durable` settles after that sync, and the read barrier knows up to
 * which transaction everything is durable. A failed write keeps its batch (it is in memory
 * already) and retries it every second; meanwhile `failure` says why.
 */
export class GroupCommit {
  journal!: FileHandle;
  journalBytes = 0;
  failure: string | null = null;
  private lastSeq = 0;
  /** Every transaction up to here is in a synced journal segment or the snapshot. */
  private durableSeq = 0;
  private pending: Pending[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private paused = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: GroupCommitOptions) {}

  start(journal: FileHandle, journalBytes: number, seq: number): void {
    this.journal = journal;
    this.journalBytes = journalBytes;
    this.lastSeq = this.durableSeq = seq;
  }

  append(seq: number, line: string): Promise<void> {
    this.lastSeq = seq;
    const durable = new Promise<void>((resolve, reject) => this.pending.push({ seq, line, resolve, reject }));
    this.scheduleFlush();
    return durable;
  }

  /** Settles once every transaction appended so far is durable; rejects while the journal fails. */
  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.readsPaused());
    if (this.durableSeq >= this.lastSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ seq: this.lastSeq, resolve, reject }));
  }

  unavailable(what: string): AgentdError {
    return new AgentdError("storage_unavailable", `${what}: ${this.failure}`);
  }

  private readsPaused(): AgentdError {
    return this.unavailable("reads are paused too, because the daemon holds changes that are not durable yet");
  }

  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Run `fn` with no flush in flight and none starting (to switch journal segments). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.idle();
    this.paused = true;
    try {
      return await fn();
    } finally {
      this.paused = false;
      this.scheduleFlush();
    }
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private scheduleFlush(): void {
    if (this.flushing || this.paused || this.pending.length === 0) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush()).finally(() => {
      this.flushing = null;
      if (!this.failure) this.scheduleFlush();
    });
  }

  private markDurable(seq: number): void {
    this.durableSeq = Math.max(this.durableSeq, seq);
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= this.durableSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.durableSeq);
    for (const w of ready) w.resolve();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const data = Buffer.from(batch.map((p) => p.line).join(""));
    const journal = this.journal;
    const started = performance.now();
    try {
      // A nearly full disk gives short writes before ENOSPC: loop until all is written or it throws.
      for (let off = 0; off < data.length; ) off += (await journal.write(data, off, data.length - off, null)).bytesWritten;
      await journal.datasync();
      this.journalBytes += data.length;
      this.markDurable(batch[batch.length - 1].seq);
      for (const p of batch) p.resolve();
      if (this.failure) {
        this.opts.log.info("journal writes recovered; accepting writes again");
        this.failure = null;
        this.opts.onRecovered();
      }
      this.opts.onFlushed(this.journalBytes, { ms: performance.now() - started, bytes: data.length, transactions: batch.length });
    } catch (err) {
      this.failure = `cannot write the journal ${this.opts.journalPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): free disk space or fix permissions of the data dir; writes resume by themselves once the journal can be written`;
      this.opts.log.error("journal write failed; writes and reads are refused with 503 until it recovers", { err: String(err) });
      // Keep the batch (it is in memory already) and retry; drop any partial line first.
      await journal.truncate(this.journalBytes).catch(() => undefined);
      this.pending = [...batch.map((p) => ({ ...p, resolve: () => undefined, reject: () => undefined })), ...this.pending];
      const error = new AgentdError("storage_unavailable", `the change could not be made durable: ${this.failure}`);
      for (const p of batch) p.reject(error);
      for (const w of this.waiters.splice(0)) w.reject(this.readsPaused());
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.scheduleFlush();
      }, 1000);
      this.retryTimer.unref();
    }
  }
}
