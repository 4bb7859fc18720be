import type { Logger } from "../providers/types.ts";
import type { QueueSignal, RunService } from "../services/runs.ts";
import { isStorageUnavailable } from "../services/storage-recovery.ts";
import type { Run } from "../types.ts";

/** Executes one claimed run to its end; provided by the run executor. */
export type ExecuteRun = (run: Run, workerId: string) => Promise<void>;

interface WorkerState {
  id: string;
  alive: boolean;
  runId: string | null;
}

/**
 * The in-process run queue: a FIFO of queued runs and a pool of workers, at most one running run
 * per session. Wake-ups are direct calls on enqueue and on run end: no polling, so enqueue to
 * start costs microseconds when a worker is free.
 */
export class RunQueue implements QueueSignal {
  private readonly pending: Run[] = [];
  private readonly busySessions = new Set<string>();
  private readonly workers: WorkerState[];
  private readonly idle: Array<() => void> = [];
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    readonly maxConcurrency: number,
    private readonly runs: RunService,
    private readonly execute: ExecuteRun,
    private readonly log: Logger,
  ) {
    this.workers = Array.from({ length: maxConcurrency }, (_, i) => ({ id: `worker-${i + 1}`, alive: false, runId: null }));
    runs.storage.onRecovered(() => this.reload());
  }

  /**
   * After a storage failure: every run queued in storage is in the queue again (one whose start
   * could not be written went back already; this also covers any other way one was dropped).
   */
  private reload(): void {
    if (this.stopping) return;
    const known = new Set([...this.pending.map((r) => r.id), ...this.workers.map((w) => w.runId)]);
    for (const run of this.runs.listByStatus("queued")) if (!known.has(run.id)) this.pending.push(run);
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Load queued runs from storage (restart) and start the workers. */
  start(): void {
    for (const run of this.runs.listByStatus("queued")) this.pending.push(run);
    for (const w of this.workers) this.loops.push(this.loop(w));
  }

  runQueued(run: Run): void {
    if (this.stopping) return;
    this.pending.push(run);
    this.wake();
  }

  /** Drop a queued run (canceled before it started). */
  remove(runId: string): void {
    const i = this.pending.findIndex((r) => r.id === runId);
    if (i !== -1) this.pending.splice(i, 1);
  }

  private wake(): void {
    const next = this.idle.shift();
    if (next) next();
  }

  /** First queued run whose session has no running run; keeps per-session order. */
  private claim(): Run | undefined {
    for (let i = 0; i < this.pending.length; i++) {
      const run = this.pending[i];
      if (this.busySessions.has(run.session_id)) continue;
      this.pending.splice(i, 1);
      return run;
    }
    return undefined;
  }

  private async loop(worker: WorkerState): Promise<void> {
    worker.alive = true;
    try {
      while (!this.stopping) {
        // While storage refuses writes no run could start or end: wait for it instead of failing them.
        if (!this.runs.storage.writable) {
          await this.runs.storage.whenWritable();
          continue;
        }
        const run = this.claim();
        if (!run) {
          await new Promise<void>((resolve) => this.idle.push(resolve));
          continue;
        }
        const current = this.runs.find(run.id);
        if (!current || current.status !== "queued") continue; // canceled while waiting
        this.busySessions.add(run.session_id);
        worker.runId = run.id;
        try {
          await this.execute(current, worker.id);
        } catch (err) {
          if (isStorageUnavailable(err) && this.runs.find(run.id)?.status === "queued") {
            // Its start could not be written: it is still queued; it starts once storage recovers.
            this.pending.unshift(current);
            this.log.warn("a run could not start because storage refuses writes; it stays queued and starts once storage recovers", { run_id: run.id });
          } else {
            this.log.error("run executor failed unexpectedly; the next start fails the run as interrupted if it was left unfinished", { run_id: run.id, err: String(err) });
          }
        } finally {
          worker.runId = null;
          this.busySessions.delete(run.session_id);
          // A finished run may unblock the session's next run for any idle worker.
          this.wake();
        }
      }
    } finally {
      worker.alive = false;
    }
  }

  /** Stop claiming new runs; resolves when every worker loop has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.runs.storage.abandon();
    for (const resolve of this.idle.splice(0)) resolve();
    await Promise.all(this.loops);
  }

  get aliveWorkers(): number {
    return this.workers.filter((w) => w.alive).length;
  }

  workerOf(runId: string): WorkerState | undefined {
    return this.workers.find((w) => w.runId === runId);
  }

  isWorkerAlive(workerId: string): boolean {
    return this.workers.some((w) => w.id === workerId && w.alive);
  }

  /** 1-based position among queued runs, or null when not queued here. */
  position(runId: string): number | null {
    const i = this.pending.findIndex((r) => r.id === runId);
    return i === -1 ? null : i + 1;
  }

  get queuedCount(): number {
    return this.pending.length;
  }
}
