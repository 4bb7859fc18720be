import type { RunExecutor } from "../queue/run-executor.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { StorageTx } from "../storage/types.ts";
import type { Principal, Run, RunStatus } from "../types.ts";
import { liveDescendantRuns } from "./cancel-cascade.ts";
import type { Db } from "./db.ts";
import { isTerminal, type RunService } from "./runs.ts";

/** How long a cancel request waits for the provider to stop before answering. */
const STOP_GRACE_MS = 5_000;

/** What a cancel or transition achieved. */
export interface RunOutcome {
  run: Run;
  /**
   * The provider was asked to stop but had not within the grace: the run is still `running` and
   * ends as requested once the provider returns (HTTP 202).
   */
  stopping: boolean;
}

/** Stores the answer for an idempotency key; called exactly once per request that passes it. */
export type RecordOutcome = (tx: StorageTx, outcome: RunOutcome) => void;

/** Operator-facing control of runs: cancel and manual transitions, for queued and running runs alike. */
export class RunControl {
  constructor(
    private readonly runs: RunService,
    private readonly queue: RunQueue,
    private readonly executor: RunExecutor,
    private readonly db: Db,
  ) {}

  /** Cancel a run (idempotent on an already-canceled run). */
  async cancel(run: Run, actor: Principal, reason?: string, record?: RecordOutcome): Promise<RunOutcome> {
    if (run.status === "canceled") return this.answer({ run, stopping: false }, record);
    return this.transition(run, "canceled", actor, reason, record);
  }

  /**
   * Move a queued or running run to `canceled` or `failed`. `record` is written in the transaction
   * that ends the run when this request ends it, else (another request or the provider ended it,
   * or it is still stopping) in a write of its own.
   */
  async transition(run: Run, to: RunStatus, actor: Principal, reason?: string, record?: RecordOutcome): Promise<RunOutcome> {
    this.runs.assertTransition(run, to, true);
    const by = actor.id;
    const why = reason ?? (to === "canceled" ? `canceled by ${by}` : `marked ${to} by ${by}`);
    let recorded = false;
    let answered = false; // a provider that stops after the grace ends the run after the 202 was stored
    const inTx = record && ((tx: StorageTx, ended: Run): void => {
      if (answered) return;
      recorded = true;
      record(tx, { run: ended, stopping: false });
    });
    const ended = await this.end(run, to, by, why, undefined, inTx);
    if (to === "canceled") await this.cascade(run, by);
    const outcome = { run: ended, stopping: !isTerminal(ended.status) };
    if (recorded) return outcome;
    answered = true;
    return this.answer(outcome, record);
  }

  private async answer(outcome: RunOutcome, record: RecordOutcome | undefined): Promise<RunOutcome> {
    if (record) await this.db.write((w) => record(w.tx, outcome));
    return outcome;
  }

  private async end(run: Run, to: RunStatus, by: string, why: string, data?: Record<string, unknown>, inTx?: (tx: StorageTx, run: Run) => void): Promise<Run> {
    if (to === "canceled" || to === "failed") {
      const stopped = await this.executor.stop(run.id, { status: to, by, reason: why, data, inTx }, STOP_GRACE_MS);
      if (!stopped) {
        this.queue.remove(run.id);
        const current = this.runs.find(run.id) ?? run;
        if (!isTerminal(current.status)) {
          return this.runs.finish(current, { status: to, canceledBy: to === "canceled" ? by : null, error: why, data }, inTx);
        }
      }
    }
    return this.runs.find(run.id) ?? run;
  }

  /**
   * Cancel the queued and running runs of every session below a canceled run, each with a reason.
   * Repeated a few times: a descendant may have spawned while its parent was being stopped.
   */
  private async cascade(origin: Run, by: string): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const live = liveDescendantRuns(this.db.read, origin.id);
      if (live.length === 0) return;
      await Promise.all(
        live.map(({ run, parentRunId }) => {
          const reason = parentRunId === origin.id ? `parent run ${origin.id} was canceled` : `ancestor run ${origin.id} was canceled (parent run ${parentRunId})`;
          return this.end(run, "canceled", by, reason, { reason, cascade_from: origin.id }).catch(() => undefined);
        }),
      );
    }
  }
}
