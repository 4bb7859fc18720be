/** Waiting for a run: server-side long polls in slices, so waits longer than HTTP idle limits work and the spinner shows the status. */
import { TERMINAL_STATUSES, type AgentdClient, type WaitResponse } from "@agentd/core/client";
import { startSpinner } from "./output/spinner.ts";

/** Longest single long poll; keeps every request well under fetch's 300 s body timeout. */
const SLICE_S = 25;
/** The first poll is short so the spinner shows the run's status within a second. */
const FIRST_SLICE_S = 1;

export async function waitForRun(client: AgentdClient, runId: string, timeoutS: number, intervalMs?: number): Promise<WaitResponse> {
  const deadline = Date.now() + timeoutS * 1000;
  const spinner = startSpinner(`waiting for run ${runId}`);
  try {
    for (let polls = 0; ; polls++) {
      const remaining = Math.max(0, (deadline - Date.now()) / 1000);
      const slice = Math.min(polls === 0 ? FIRST_SLICE_S : SLICE_S, remaining);
      const res = await client.waitRun(runId, { timeout_s: Math.round(slice * 1000) / 1000, interval_ms: intervalMs });
      spinner.update(`waiting for run ${runId}: ${res.run.status}`);
      if (TERMINAL_STATUSES.includes(res.run.status)) return { run: res.run, timed_out: false };
      if (Date.now() >= deadline || remaining === 0) return { run: res.run, timed_out: true };
    }
  } finally {
    spinner.stop();
  }
}
