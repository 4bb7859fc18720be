/** Shared by `agentctl escalation ...` (operators) and `agentctl tool escalation-...` (agents in a run). */
import type { Escalation, RunWaiting } from "@agentd/core/client";
import { Flags } from "./base-command.ts";
import { keyValues } from "./output/style.ts";

export const DECISIONS = ["approve", "approve_for_session", "deny", "answer"] as const;
export const STATUSES = ["pending", "resolved", "closed"] as const;

export const resolveFlags = {
  "escalation-id": Flags.string({ summary: "The escalation (escalation.id of reply-parent, the escalation.requested event, or run.waiting).", required: true }),
  decision: Flags.option({ options: DECISIONS, summary: "approve | approve_for_session (approve, and the same request again this session) | deny | answer (reply-parent only).", required: true })(),
  text: Flags.string({ summary: "Why, or the answer itself (required for answer).", default: "" }),
  "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
};

/** The command that answers an escalation, as printed for operators. */
export const resolveCommand = (id: string): string => `agentctl escalation resolve --escalation-id ${id} --decision approve|approve_for_session|deny`;

export function waitingLine(runId: string, w: RunWaiting): string {
  const what = w.approval.kind === "command" ? `to run \`${w.approval.command ?? "?"}\`` : `to change ${(w.approval.changes ?? []).map((c) => c.path).join(", ") || "files"}`;
  return `run ${runId} is waiting for approval ${what} (escalation ${w.escalation_id}): answer with \`${resolveCommand(w.escalation_id)}\``;
}

export function escalationsView(list: Escalation[]): string {
  if (!list.length) return "no escalations";
  return list
    .map((e) =>
      keyValues([
        ["escalation", e.id],
        ["origin", e.origin],
        ["kind", e.kind],
        ["status", e.status],
        ["run", e.child_run_id],
        ["from session", e.child_session_id],
        ["raised to", e.parent_session_id],
        ["text", e.text],
        ["decision", e.decision ? `${e.decision} by ${e.decided_by}${e.decision_text ? `: ${e.decision_text}` : ""}` : null],
        ["closed", e.close_reason],
        ["answer with", e.status === "pending" ? resolveCommand(e.id) : null],
      ]),
    )
    .join("\n\n");
}
