import { AgentdError } from "../../errors.ts";
import type { Principal } from "../../types.ts";

/** Everything a run's own token may do (docs/agent-to-agent.md, "Tokens"); the routes refuse the rest. */
export const RUN_TOKEN_ALLOWED =
  "spawn from their own run, send to sessions below their own, reply to their parent, wait for runs, " +
  "list and resolve escalations raised to their session, read their own session tree and stream it";

/**
 * A run token acts inside its run's tree as an agent, never as the user who owns it: it cannot
 * start root sessions or queue runs of its own (that would outlive the run). Call after the
 * ownership check, so an invisible resource stays a 404.
 */
export function refuseRunToken(principal: Principal, action: string): void {
  if (!principal.run) return;
  throw new AgentdError("forbidden", `run tokens may only ${RUN_TOKEN_ALLOWED}; ${action} needs the session owner's token (this is the token of run ${principal.run.run_id})`, {
    run_id: principal.run.run_id,
  });
}
