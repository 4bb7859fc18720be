/** Waiting for a run: server-side long polls in slices, so waits longer than HTTP idle limits work and the spinner shows the status. */
import { TERMINAL_STATUSES, type AgentdClient, type WaitResponse } from "@agentd/core/client";
import { waitingLine } from "./escalations.ts";
import { startSpinner } from "./output/spinner.ts";

/**
 * Longest single long poll. A long poll returns only when the run ends, so the slice also bounds
 * how late we notice that a run started (or stopped) waiting for an approval.
 */
const SLICE_S = 5;
/** The first poll is short so the spinner shows the run's status within a second. */
const FIRST_SLICE_S = 1;

/**
 * Wait for the run's end. While it waits for an approval, say so once on a terminal (stderr) with
 * the escalation to answer; the spinner keeps showing it until someone answers.
 */
export async function waitForRun(client: AgentdClient, runId: string, timeoutS: number, intervalMs?: number): Promise<WaitResponse> {
  const deadline = Date.now() + timeoutS * 1000;
  const spinner = startSpinner(`waiting for run ${runId}`);
  let announced: string | null = null;
  try {
    for (let polls = 0; ; polls++) {
      const remaining = Math.max(0, (deadline - Date.now()) / 1000);
      const slice = Math.min(polls === 0 ? FIRST_SLICE_S : SLICE_S, remaining);
      const res = await client.waitRun(runId, { timeout_s: Math.round(slice * 1000) / 1000, interval_ms: intervalMs });
      const waiting = res.run.waiting;
      spinner.update(waiting ? waitingLine(runId, waiting) : `waiting for run ${runId}: ${res.run.status}`);
      if (waiting && announced !== waiting.escalation_id && process.stderr.isTTY) {
        announced = waiting.escalation_id;
        process.stderr.write(`\r\u001b[2K${waitingLine(runId, waiting)}\n`);
      }
      if (TERMINAL_STATUSES.includes(res.run.status)) return { run: res.run, timed_out: false };
      if (Date.now() >= deadline || remaining === 0) return { run: res.run, timed_out: true };
    }
  } finally {
    spinner.stop();
  }
}
