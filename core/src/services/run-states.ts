import { AgentdError } from "../errors.ts";
import { TERMINAL_STATUSES, type Run, type RunStatus } from "../types.ts";

/** Legal state machine. Workers move queued -> running; everything else may come from operators too. */
const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "canceled", "failed"],
  running: ["completed", "failed", "canceled"],
  completed: [],
  failed: [],
  canceled: [],
};
/** What `POST /runs/:id/transition` may do: never start a run by hand. */
const OPERATOR_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["canceled", "failed"],
  running: ["canceled", "failed"],
  completed: [],
  failed: [],
  canceled: [],
};

export const isTerminal = (s: RunStatus): boolean => TERMINAL_STATUSES.includes(s);

/** Check a transition against the state machine; throws a 409 naming the allowed targets. */
export function assertTransition(run: Run, to: RunStatus, operator: boolean): void {
  const table = operator ? OPERATOR_TRANSITIONS : TRANSITIONS;
  const allowed = table[run.status];
  if (!allowed.includes(to)) {
    const hint = to === "running" && operator ? " (only a worker starts a run)" : "";
    throw new AgentdError("illegal_transition", `run ${run.id} cannot go from ${run.status} to ${to}${hint}; allowed from ${run.status}: ${allowed.length ? allowed.join(", ") : "none (terminal)"}`, {
      from: run.status,
      to,
      allowed,
    });
  }
}
