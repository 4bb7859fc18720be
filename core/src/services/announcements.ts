import type { Run } from "../types.ts";
import type { Writer } from "./db.ts";
import { now, toSession } from "./rows.ts";
import type { ParentWake } from "./wake.ts";

/**
 * Tell the parent session that a child session's run ended: one `child.run.completed|failed|canceled`
 * event in the parent session. Called inside the transaction that finishes the run (RunService.finish),
 * so the announcement and the run's end are stored together or not at all: a crash can neither lose
 * it nor, thanks to the `announcements` row keyed by the run, repeat it. A parent that asked to be
 * woken gets its wake run queued under the same guard.
 */
export function announceToParent(w: Writer, run: Run, wake?: ParentWake): void {
  const row = w.tx.get("SELECT * FROM sessions WHERE id = ?", [run.session_id]);
  if (!row) return;
  const child = toSession(row);
  if (!child.parent_session_id) return;
  if (w.tx.get("SELECT child_run_id FROM announcements WHERE child_run_id = ?", [run.id])) return;
  w.tx.run("INSERT INTO announcements (child_run_id, parent_session_id, delivered_at) VALUES (?, ?, ?)", [run.id, child.parent_session_id, now()]);
  w.event(child.parent_session_id, null, `child.run.${run.status}`, {
    child_session_id: child.id,
    child_run_id: run.id,
    parent_run_id: child.parent_run_id,
    status: run.status,
    output: run.output,
    error: run.error,
    canceled_by: run.canceled_by,
  });
  wake?.childEnded(w, child, run);
}
