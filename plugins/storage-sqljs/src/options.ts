import type { Logger } from "@agentd/core";

/** The steps of a checkpoint, in order (a test probe may pause or crash the daemon at each). */
export type CheckpointStep = "rotated" | "snapshot-tmp-written" | "snapshot-renamed" | "old-segment-removed";

export interface SqljsStorageOptions {
  path: string;
  /** Checkpoint when the journal grows past this many bytes. */
  checkpointBytes: number;
  /** Checkpoint at least this often while there are changes. */
  checkpointIntervalMs: number;
  log: Logger;
  /** Named in the lock file (and so in a second process's refusal). */
  lockedBy?: string;
  /** Test seam: awaited at each checkpoint step. */
  onCheckpointStep?: (step: CheckpointStep) => Promise<void> | void;
}
