import { conflict } from "../errors.ts";
import type { Run, Session } from "../types.ts";

/** multitask "reject": a 409 naming the busy run (the running one, else the oldest queued). */
export function rejectIfBusy(session: Session, busy: readonly Run[]): void {
  if (busy.length === 0) return;
  const current = busy.find((r) => r.status === "running") ?? busy[0];
  throw conflict(`session ${session.id} is busy with run ${current.id} (${current.status}); wait for it (agentctl run wait ${current.id}), or send with multitask "enqueue" to queue this message or "interrupt" to cancel that run`, {
    session_id: session.id, running_run_id: current.id, status: current.status, multitask: "reject",
  });
}
