/** Row mapping and the parent-side note, shared by reply-parent escalations and native approvals. */
import type { Row } from "../storage/types.ts";
import type { ApprovalRequest, Escalation, EscalationDecisionKind, EscalationKind, EscalationOrigin, Message } from "../types.ts";
import type { Writer } from "./db.ts";
import { newId } from "./ids.ts";
import { now } from "./rows.ts";

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const toEscalation = (r: Row): Escalation => ({
  id: String(r.id),
  origin: (strOrNull(r.origin) ?? "reply_parent") as EscalationOrigin,
  child_session_id: String(r.child_session_id),
  child_run_id: String(r.child_run_id),
  parent_session_id: String(r.parent_session_id),
  kind: String(r.kind) as EscalationKind,
  text: String(r.text),
  approval: typeof r.approval === "string" ? (JSON.parse(r.approval) as ApprovalRequest) : null,
  status: String(r.status) as Escalation["status"],
  close_reason: strOrNull(r.close_reason),
  decision: r.decision === null ? null : (String(r.decision) as EscalationDecisionKind),
  decision_text: strOrNull(r.decision_text),
  decided_by: strOrNull(r.decided_by),
  created_at: String(r.created_at),
  resolved_at: strOrNull(r.resolved_at),
});

/** A message in a session that does not queue a run (the parent hears; it is not prompted). */
export function insertNote(w: Writer, sessionId: string, text: string, meta: Record<string, unknown>): Message {
  const message: Message = { id: newId("msg"), session_id: sessionId, run_id: null, role: "user", text, meta, created_at: now() };
  w.tx.run("INSERT INTO messages (id, session_id, run_id, role, text, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
    message.id, sessionId, null, "user", text, JSON.stringify(meta), message.created_at,
  ]);
  w.event(sessionId, null, "message.created", { message });
  return message;
}
