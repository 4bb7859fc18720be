/**
 * Parents that wake: when a child session ends a run or raises an escalation, and the child was
 * spawned with `wake_parent` or its parent has `wake_on_child_events`, a run is queued in the
 * parent session whose prompt carries the child's result or question. Always called inside the
 * transaction that stores the end (announcements.ts) or the escalation, so the wake run exists
 * exactly when they do: a crash can neither lose it nor, the caller being keyed (the announcement
 * row, the escalation id), repeat it. The run queues behind whatever the parent already runs.
 */
import type { Escalation, Run, Session } from "../types.ts";
import type { Writer } from "./db.ts";
import { toRun, toSession } from "./rows.ts";
import { isTerminal, type RunService } from "./runs.ts";

/** Output longer than this is cut in the wake prompt (the full text stays in the child session). */
const MAX_OUTPUT_CHARS = 8 * 1024;
const cut = (s: string): string => (s.length > MAX_OUTPUT_CHARS ? `${s.slice(0, MAX_OUTPUT_CHARS)}… [cut; read the whole with sessions_history]` : s);

export class ParentWake {
  constructor(private readonly runs: RunService) {}

  /** The parent to wake for this child, if the child or the parent asked for it. */
  private parentToWake(w: Writer, child: Session): Session | null {
    if (!child.parent_session_id) return null;
    const row = w.tx.get("SELECT * FROM sessions WHERE id = ?", [child.parent_session_id]);
    if (!row) return null;
    const parent = toSession(row);
    return child.wake_parent || parent.wake_on_child_events ? parent : null;
  }

  /** In the transaction that ends a child's run (after its announcement row was written). */
  childEnded(w: Writer, child: Session, run: Run): void {
    const parent = this.parentToWake(w, child);
    if (!parent) return;
    const lines = [
      `[agentd wake: child ended] Child session ${child.id} (run ${run.id}) ${run.status}.`,
      run.output ? `Output:\n${cut(run.output)}` : "",
      run.error ? `Error: ${run.error}` : "",
      "",
      this.childrenSummary(w, parent.id),
      this.pendingSummary(w, parent.id),
    ];
    this.queue(w, parent, lines, { reason: "child_ended", child_session_id: child.id, child_run_id: run.id, status: run.status });
  }

  /** In the transaction that stores a pending escalation raised to the parent. */
  escalationRaised(w: Writer, child: Session, esc: Escalation): void {
    if (esc.parent_session_id === esc.child_session_id) return; // raised to its own session: for a person
    const parent = this.parentToWake(w, child);
    if (!parent) return;
    const native = esc.origin === "native_approval";
    const decisions = native ? "approve, approve_for_session or deny" : "approve, approve_for_session, deny or answer (answer needs text)";
    const lines = [
      `[agentd wake: escalation] Child session ${child.id} (run ${esc.child_run_id}) raises ${esc.kind} escalation ${esc.id}${native ? " (a native approval: its run waits for your decision)" : ""}:`,
      esc.text,
      "",
      `Decide with the escalations_resolve tool (escalation_id "${esc.id}", decision ${decisions}), or: agentctl escalation resolve --escalation-id ${esc.id} --decision approve`,
    ];
    this.queue(w, parent, lines, { reason: "escalation", child_session_id: child.id, child_run_id: esc.child_run_id, escalation_id: esc.id });
  }

  private queue(w: Writer, parent: Session, lines: string[], wake: Record<string, unknown>): void {
    const text = lines.filter((l, i) => l !== "" || lines[i - 1] !== "").join("\n").trim();
    const { run } = this.runs.insertQueued(w, parent, { text, messageMeta: { wake } }, { wake });
    w.event(parent.id, run.id, "session.woken", { run_id: run.id, ...wake });
  }

  /** Every child of the parent with its latest run: the last child's end carries all results. */
  private childrenSummary(w: Writer, parentId: string): string {
    const rows = w.tx.all("SELECT * FROM sessions WHERE parent_session_id = ? ORDER BY pos LIMIT 50", [parentId]).map(toSession);
    let live = 0;
    const lines = rows.map((s) => {
      const latest = w.tx.get("SELECT * FROM runs WHERE session_id = ? ORDER BY pos DESC LIMIT 1", [s.id]);
      if (!latest) return `- ${s.id}: no run`;
      const r = toRun(latest);
      if (!isTerminal(r.status)) live++;
      const detail = r.status === "completed" ? `: ${cut(r.output ?? "")}` : r.error ? `: ${r.error}` : r.waiting ? " (waiting for an approval)" : "";
      return `- ${s.id} (run ${r.id}) ${r.status}${detail}`;
    });
    return [`Your child sessions (${live === 0 ? "all have ended" : `${live} still active`}):`, ...lines].join("\n");
  }

  private pendingSummary(w: Writer, parentId: string): string {
    const rows = w.tx.all("SELECT id, kind, text FROM escalations WHERE parent_session_id = ? AND child_session_id != ? AND status = 'pending' ORDER BY created_at LIMIT 20", [parentId, parentId]);
    if (rows.length === 0) return "";
    return ["Escalations still waiting for your decision:", ...rows.map((r) => `- ${String(r.id)} (${String(r.kind)}): ${String(r.text)}`)].join("\n");
  }
}
