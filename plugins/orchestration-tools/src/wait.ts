import type { Escalation, Principal, Run, Services } from "@agentd/core";

export interface WaitOutcome {
  runs: Array<Pick<Run, "id" | "session_id" | "status" | "output" | "error">>;
  timed_out: boolean;
  /** Escalations from the waited runs' sessions that are waiting for an answer (the wait ends early for them). */
  pending_escalations: Array<Pick<Escalation, "id" | "kind" | "text" | "child_session_id" | "child_run_id">>;
}

/**
 * Wait until every run is terminal, the timeout passes, the caller is aborted, or one of the runs'
 * sessions escalates to its parent (the caller is the only one who can answer: waiting on would
 * deadlock until the timeout).
 */
export async function waitForRuns(services: Services, principal: Principal, runIds: string[], timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
  const runs = runIds.map((id) => services.runs.get(id, principal));
  const sessions = new Set(runs.map((r) => r.session_id));
  const pending = (): WaitOutcome["pending_escalations"] => {
    const out: WaitOutcome["pending_escalations"] = [];
    for (const sessionId of sessions) {
      const session = services.sessions.find(sessionId);
      if (!session?.parent_session_id) continue;
      for (const e of services.escalations.listForParent(session.parent_session_id, principal, "pending")) {
        if (e.child_session_id === sessionId) out.push({ id: e.id, kind: e.kind, text: e.text, child_session_id: e.child_session_id, child_run_id: e.child_run_id });
      }
    }
    return out;
  };
  let stopEarly!: () => void;
  const early = new Promise<void>((resolve) => (stopEarly = resolve));
  const unsubscribe = services.events.subscribe((e) => {
    if (e.event_type === "escalation.requested" && sessions.has(String(e.data.child_session_id)) && e.session_id !== e.data.child_session_id) stopEarly();
  });
  const onAbort = (): void => stopEarly();
  signal.addEventListener("abort", onAbort);
  try {
    if (pending().length === 0) {
      await Promise.race([Promise.all(runs.map((r) => services.runs.wait(r, timeoutMs))), early]);
    }
    if (signal.aborted) throw signal.reason;
    const latest = runIds.map((id) => services.runs.find(id)!);
    return {
      runs: latest.map((r) => ({ id: r.id, session_id: r.session_id, status: r.status, output: r.output, error: r.error })),
      timed_out: latest.some((r) => r.status === "queued" || r.status === "running") && pending().length === 0,
      pending_escalations: pending(),
    };
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}
