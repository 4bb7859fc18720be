import type { RunExecutor } from "../queue/run-executor.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Principal, Run, RunStatus } from "../types.ts";
import { isTerminal, type RunService } from "./runs.ts";

/** How long a cancel request waits for the provider to stop before answering. */
const STOP_GRACE_MS = 5_000;

/** Operator-facing control of runs: cancel and manual transitions, for queued and running runs alike. */
export class RunControl {
  constructor(
    private readonly runs: RunService,
    private readonly queue: RunQueue,
    private readonly executor: RunExecutor,
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
    if (to === "canceled" || to === "failed") {
      const stopped = await this.executor.stop(run.id, { status: to, by, reason: why }, STOP_GRACE_MS);
      if (!stopped) {
        this.queue.remove(run.id);
        const current = this.runs.find(run.id) ?? run;
        if (!isTerminal(current.status)) {
          return this.runs.finish(current, { status: to, canceledBy: to === "canceled" ? by : null, error: why });
        }
      }
    }
    return this.runs.find(run.id) ?? run;
  }
}
