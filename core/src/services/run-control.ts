import type { RunExecutor } from "../queue/run-executor.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { StorageReader } from "../storage/types.ts";
import type { Principal, Run, RunStatus } from "../types.ts";
import { liveDescendantRuns } from "./cancel-cascade.ts";
import { isTerminal, type RunService } from "./runs.ts";

/** How long a cancel request waits for the provider to stop before answering. */
const STOP_GRACE_MS = 5_000;

/** Operator-facing control of runs: cancel and manual transitions, for queued and running runs alike. */
export class RunControl {
  constructor(
    private readonly runs: RunService,
    private readonly queue: RunQueue,
    private readonly executor: RunExecutor,
    private readonly read?: StorageReader,
  ) {}

  /** Cancel a run (idempotent on an already-canceled run). */
  async cancel(run: Run, actor: Principal, reason?: string): Promise<Run> {
    if (run.status === "canceled") return run;
    return this.transition(run, "canceled", actor, reason);
  }

  async transition(run: Run, to: RunStatus, actor: Principal, reason?: string): Promise<Run> {
    this.runs.assertTransition(run, to, true);
    const by = actor.id;
    const why = reason ?? (to === "canceled" ? `canceled by ${by}` : `marked ${to} by ${by}`);
    const ended = await this.end(run, to, by, why);
    if (to === "canceled") await this.cascade(run, by);
    return ended;
  }

  private async end(run: Run, to: RunStatus, by: string, why: string, data?: Record<string, unknown>): Promise<Run> {
    if (to === "canceled" || to === "failed") {
      const stopped = await this.executor.stop(run.id, { status: to, by, reason: why, data }, STOP_GRACE_MS);
      if (!stopped) {
        this.queue.remove(run.id);
        const current = this.runs.find(run.id) ?? run;
        if (!isTerminal(current.status)) {
          return this.runs.finish(current, { status: to, canceledBy: to === "canceled" ? by : null, error: why, data });
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
    if (!this.read) return;
    for (let round = 0; round < 5; round++) {
      const live = liveDescendantRuns(this.read, origin.id);
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
